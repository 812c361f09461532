"""Error reports to Sentry (or a compatible service) when ``SENTRY_DSN`` is set: unhandled
errors in views (Flask integration) and in jobs (RQ integration). No personal data leaves:
collection is restricted as ``send_default_pii=False`` would and further (``data_collection``,
which supersedes it: no user, client address, cookies, request bodies, query strings or local
variables), and every string of an event — exception messages, URLs, breadcrumbs — goes
through the same mask as the logs."""

from __future__ import annotations

from typing import Any

import sentry_sdk
from flask import Flask
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.integrations.rq import RqIntegration

from app.logs import current_request_id, mask

OFF = {"mode": "off"}
PRIVATE = {
    "user_info": False,
    "cookies": OFF,
    "http_headers": {"request": {"mode": "denylist"}},
    "http_bodies": [],
    "url_query_params": OFF,
    "stack_frame_variables": False,
    "database_query_data": False,
    "queues": False,
}


def init_app(app: Flask) -> None:
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    sentry_sdk.init(
        dsn=dsn,
        integrations=[FlaskIntegration(), RqIntegration()],
        # Only those two: the integrations Sentry turns on by itself when it finds a library
        # (SQLAlchemy, Redis…) trace every statement (about a tenth more time per request,
        # measured in the suite), for breadcrumbs that may not carry the statements' data.
        auto_enabling_integrations=False,
        data_collection=PRIVATE,
        environment=app.config.get("APP_ENV") or "unset",
        before_send=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        traces_sample_rate=0,
    )


def scrub_event(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG001
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return _masked(event)


def scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG001
    return _masked(crumb)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value
