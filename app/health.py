"""``/healthz``: liveness and readiness for load balancers (database, and Redis when configured)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from app.extensions import db
from workers.queue import redis_connection

bp = Blueprint("health", __name__)


def _check_database() -> str | None:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        db.session.rollback()
        return type(exc).__name__
    return None


def _check_redis() -> str | None:
    try:
        redis_connection().ping()
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__
    return None


@bp.get("/healthz")
def healthz():
    checks: dict[str, str] = {}
    failing: list[str] = []
    error = _check_database()
    checks["database"] = "ok" if error is None else f"error: {error}"
    if error:
        failing.append("database")
    if current_app.config.get("REDIS_URL"):
        error = _check_redis()
        checks["redis"] = "ok" if error is None else f"error: {error}"
        if error:
            failing.append("redis")
    else:
        checks["redis"] = "not configured (embedded mode: jobs run in-process)"
    body = {"status": "ok" if not failing else "unavailable", "checks": checks}
    if failing:
        body["failing"] = failing
    response = jsonify(body)
    response.status_code = 503 if failing else 200
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/ping", methods=["GET", "POST"])
def ping():
    """Liveness only, a constant: no database, no Redis. Also the benchmarks' floor."""
    return "ok\n", 200, {"Content-Type": "text/plain", "Cache-Control": "no-store"}
