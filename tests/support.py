"""Helpers the tests share (not fixtures: those are in conftest.py): the run's settings from the
environment, fixed instants and sizes, draining the outbox, a real worker's environment."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

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


def kill_worker(pid: int) -> None:
    """SIGKILL a worker process and everything it started, at once and with no goodbye. Its
    process group is not enough: RQ's work horse leaves the group (``os.setpgrp``) and would
    go on delivering its batch."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # it ended meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    family, todo = [], [pid]
    while todo:  # the whole tree first, then the kills
        member = todo.pop()
        family.append(member)
        todo.extend(children.get(member, []))
    for member in family:
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)


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


class DemoSnapshot:
    """The demo desk's rows, loaded by ``seed`` once per run and copied back for each test
    that asks for it: seeding takes ~0.15 s and over 300 tests use it.

    A copy is made only into an empty desk (a test whose own fixtures already wrote rows into
    those tables seeds for real), so what a test sees is exactly what ``seed`` writes."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] | None = None

    def load(self, session) -> None:
        from app.demo import seed
        from app.extensions import db

        if self.rows is not None and self._empty(session):
            self._restore(session)
            return
        fresh = self.rows is None and self._all_empty(session, db.metadata.sorted_tables)
        seed(session, tickets=0)
        session.commit()
        if fresh:
            connection = session.connection()
            self.rows = {}
            for table in db.metadata.sorted_tables:
                rows = [dict(row._mapping) for row in connection.execute(table.select())]
                if rows:
                    self.rows[table.name] = rows
            session.commit()

    def _tables(self):
        from app.extensions import db

        return [t for t in db.metadata.sorted_tables if t.name in self.rows]

    @staticmethod
    def _all_empty(session, tables) -> bool:
        from sqlalchemy import exists, or_, select

        return not session.scalar(select(or_(*(exists(t.select()) for t in tables))))

    def _empty(self, session) -> bool:
        return self._all_empty(session, self._tables())

    def _restore(self, session) -> None:
        from sqlalchemy import text

        connection = session.connection()
        for table in self._tables():
            connection.execute(table.insert(), self.rows[table.name])
            if connection.dialect.name == "postgresql":
                for column in table.primary_key.columns:
                    if column.identity is not None or column is table.autoincrement_column:
                        highest = f"SELECT max({column.name}) FROM {table.name}"  # noqa: S608
                        connection.execute(
                            text(f"SELECT setval(pg_get_serial_sequence(:t, :c), ({highest}))"),
                            {"t": table.name, "c": column.name},
                        )
        session.commit()
