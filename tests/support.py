"""Helpers the tests share (not fixtures: those are in conftest.py): the run's settings from the
environment, fixed instants and sizes, draining the outbox, a real worker's environment."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.models import Notification
from workers.jobs import relay_outbox
from workers.queue import embedded, worker_connection
from workers.worker import make_worker

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ENV_DATABASE_URL = os.environ.get("DATABASE_URL")
ENV_REDIS_URL = os.environ.get("REDIS_URL")

DAY = 540  # one business day, in business minutes
TEST_PASSWORD = "una-clave-larga"
# A Tuesday morning in Santiago (UTC-3 in November): 10:00 local.
TUESDAY_10AM = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


def drain(app, session, seconds: float = 20.0) -> None:
    """Relay what is due and run the queued jobs until nothing is pending (retries wait out
    their short backoff): an in-process RQ worker on Redis, or the in-process jobs of the
    embedded mode."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        session.commit()
        relay_outbox()
        if not embedded():
            make_worker(app, worker_connection(), fork=False).work(burst=True)
        session.expire_all()
        pending = session.scalar(
            select(func.count()).where(Notification.status.in_(("pending", "sending")))
        )
        if not pending:
            return
        time.sleep(0.05)
    raise AssertionError("notifications still pending")


def worker_env(database_url: str, redis_url: str, twilio=None, smtp=None) -> dict[str, str]:
    """The environment of a real worker process on the test's database and Redis, sending to
    the fake providers given; its periodic relay is left to the test (hourly)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PUBLIC_BASE_URL": "http://testserver",
        "APP_ENV": "development",
        "SECRET_KEY": "test-secret",
        "RELAY_INTERVAL_SECONDS": "3600",
    }
    if twilio is not None:
        env.update(
            SMS_BACKEND="twilio",
            TWILIO_API_BASE_URL=twilio.base_url,
            TWILIO_AUTH_TOKEN="test-token",
            TWILIO_FROM="+56222222222",
        )
    if smtp is not None:
        env.update(MAIL_BACKEND="smtp", MAIL_HOST="127.0.0.1", MAIL_PORT=str(smtp.port))
    return env
