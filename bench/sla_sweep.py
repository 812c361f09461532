"""How the SLA sweep's cost grows: with the tickets crossing a threshold, not with all tickets.

Usage:
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        bench/sla_sweep.py
Creates a scratch database, fills it with TOTAL open tickets whose next SLA check lies in the
future plus CROSSING tickets that just crossed, and prints the median time of one sweep beside
its floor (the bare indexed SELECT of the crossing rows), and Postgres' plan for the query.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.harness import progress  # noqa: E402
from config import normalize_database_url  # noqa: E402

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def fill(session, total: int, crossing: int) -> None:
    from app.models import Category, Department, Ticket

    department = Department(code="B", name="Bench")
    category = Category(
        code="b",
        department=department,
        name="B",
        first_response_minutes=540,
        resolution_minutes=2700,
    )
    session.add_all([department, category])
    session.flush()
    rows = []
    for n in range(total + crossing):
        due = NOW - timedelta(minutes=1) if n < crossing else NOW + timedelta(days=30)
        rows.append(
            {
                "code": f"{n:09d}",
                "channel": "web",
                "category_id": category.id,
                "department_id": department.id,
                "status": "new",
                "description": "bench",
                "created_at": NOW - timedelta(days=1),
                "updated_at": NOW,
                "first_response_due_at": due,
                "resolution_due_at": due + timedelta(days=5),
                "first_response_warn_at": due,
                "resolution_warn_at": due + timedelta(days=4),
                "sla_next_check_at": due,
                "paused_business_minutes": 0,
                "version": 1,
            }
        )
    for start in range(0, len(rows), 5000):
        session.execute(insert(Ticket), rows[start : start + 5000])
        done = min(start + 5000, len(rows))
        if done % 25_000 == 0 or done == len(rows):
            progress("tickets loaded", done, len(rows))
    session.commit()


def run(url: str, total: int, crossing: int) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Ticket
    from app.tickets.alerts import sweep

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "REDIS_URL": None, "SECRET_KEY": "bench"}
    )
    with app.app_context():
        upgrade()
        fill(db.session, total, crossing)
        db.session.execute(text("ANALYZE"))
        floor, swept = [], []
        for _ in range(5):
            started = time.perf_counter()
            db.session.scalars(select(Ticket.id).where(Ticket.sla_next_check_at <= NOW)).all()
            floor.append(time.perf_counter() - started)
            started = time.perf_counter()
            raised = sweep(db.session, NOW, limit=100_000)
            swept.append(time.perf_counter() - started)
            db.session.rollback()  # the same crossing tickets again next round
        plan = (
            db.session.execute(
                text("EXPLAIN SELECT * FROM tickets WHERE sla_next_check_at <= :now"), {"now": NOW}
            )
            .scalars()
            .all()
        )
        sweep_ms = statistics.median(swept) * 1000
        floor_ms = statistics.median(floor) * 1000
        print(
            f"{total:>7} quiet + {crossing:>4} crossing: sweep {sweep_ms:7.1f} ms"
            f" ({raised} alerts, {sweep_ms / max(crossing, 1):.2f} ms each; target <= 2),"
            f" floor {floor_ms:6.2f} ms | {plan[0]}"
        )
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description="SLA sweep cost vs quiet open tickets")
    parser.add_argument(
        "--cases",
        nargs="*",
        default=["10000:10", "100000:10", "100000:100"],
        help="quiet:crossing pairs (e.g. 10000:10 1000000:10)",
    )
    parser.add_argument("--smoke", action="store_true", help="1,000 quiet + 10 crossing")
    args = parser.parse_args()
    cases = [(1_000, 10)] if args.smoke else [tuple(map(int, c.split(":"))) for c in args.cases]
    url = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    server = make_url(normalize_database_url(url))
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    for total, crossing in cases:
        name = f"conectados_bench_{secrets.token_hex(4)}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(server.set(database=name).render_as_string(hide_password=False), total, crossing)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
