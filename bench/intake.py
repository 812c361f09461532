"""Ticket creation in process: SQL statements per ticket and milliseconds per request, by channel.

For the web form, the JSON API and the signed SMS webhook it files tickets through the app's
test client on a scratch Postgres database (production settings, jobs left for the workers)
and prints, per channel, the statements sent before the commit — data statements and
savepoints apart, counted with SQLAlchemy's ``before_cursor_execute`` — and the median time of
a request beside its floor (``POST /ping`` through the same client: Flask and nothing else).
``--preload N`` first inserts N tickets (bench/dashboard_data.py) to show the cost is flat from
a fresh desk to a large one; ``--database-url`` reuses a loaded database instead (nothing is
dropped; the tickets filed are deleted again).

    .venv/bin/python bench/intake.py                  # 300 requests per channel, fresh desk
    .venv/bin/python bench/intake.py --preload 1000000
    .venv/bin/python bench/intake.py --smoke          # CI: 20 per channel
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select, text  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from bench.dashboard_data import SHAPES  # noqa: E402
from bench.harness import scratch_database, table  # noqa: E402

SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
DESCRIPTION = "La luminaria de la esquina está apagada hace una semana."
TARGET_STATEMENTS = 6


class Counter:
    """Statements sent until the request's commit."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.statements: list[str] = []
        self.done = False

    def _count(self, conn, cursor, statement, *args) -> None:  # noqa: ARG002
        if not self.done and threading.get_ident() == self.thread:
            self.statements.append(statement.strip())

    def _commit(self, conn) -> None:  # noqa: ARG002
        if threading.get_ident() == self.thread:
            self.done = True

    @contextlib.contextmanager
    def counting(self):
        self.statements, self.done, self.thread = [], False, threading.get_ident()
        event.listen(self.engine, "before_cursor_execute", self._count)
        event.listen(self.engine, "commit", self._commit)
        try:
            yield self
        finally:
            event.remove(self.engine, "before_cursor_execute", self._count)
            event.remove(self.engine, "commit", self._commit)

    @property
    def data(self) -> int:
        return sum(not s.upper().startswith(SAVEPOINTS) for s in self.statements)

    @property
    def savepoints(self) -> int:
        return len(self.statements) - self.data


def build_app(database_url: str):
    from app import create_app
    from app.delivery.hooks import notification_committed
    from workers.hooks import enqueue_committed

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench-only",
            "REDIS_URL": None,  # jobs stay in the outbox: the request alone is measured
            "JOBS_SYNC": False,
            "EMBEDDED_SCHEDULER": False,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "PUBLIC_BASE_URL": "http://localhost",
            "TWILIO_AUTH_TOKEN": "bench-token",
        }
    )
    # The request alone: its outbox rows wait for the relay, as when workers are elsewhere.
    notification_committed.disconnect(enqueue_committed)
    return app


def prepare(app, preload: int, fresh: bool, shape: str = "growing") -> str:
    from flask_migrate import upgrade

    from app.demo import seed
    from app.extensions import db
    from app.models import ApiKey
    from bench.dashboard_data import load_desk

    with app.app_context():
        if fresh and preload:
            load_desk(preload, shape=shape)  # migrates, seeds the desk, loads, VACUUM ANALYZE
        elif fresh:
            upgrade()
            seed(db.session, tickets=0)
        key = "cnd_bench-intake-0123456789"
        if db.session.scalar(select(ApiKey).where(ApiKey.prefix == key[:10])) is None:
            db.session.add(
                ApiKey(name="bench-intake", prefix=key[:10], key_hash=ApiKey.hash_key(key))
            )
        db.session.commit()
        return key


def measure(counter: Counter, name: str, call, count: int) -> list:
    for _ in range(3):  # warm: caches, connections, templates
        if not call():
            sys.exit(f"{name}: unexpected answer")
    times, data, savepoints = [], [], []
    for _ in range(count):
        with counter.counting():
            start = time.perf_counter()
            answered = call()
            times.append((time.perf_counter() - start) * 1000)
        if not answered:
            sys.exit(f"{name}: unexpected answer")
        if os.environ.get("BENCH_SHOW_STATEMENTS"):
            print(name, *counter.statements, sep="\n  ", file=sys.stderr)
        data.append(counter.data)
        savepoints.append(counter.savepoints)
    return [name, statistics.median(data), statistics.median(savepoints), times]


def run(app, key: str, count: int) -> list[list[str]]:
    from app.extensions import db
    from app.models import Category

    sids = (f"SMbench{n:027d}" for n in itertools.count(int(time.time())))
    numbers = (f"+5699{n % 10_000_000:07d}" for n in itertools.count(int(time.time()) % 9_000_000))
    validator = RequestValidator("bench-token")
    with app.app_context():
        category_id = db.session.scalar(select(Category.id).where(Category.code == "luminaria"))
        db.session.remove()
        engine = db.engine
    client = app.test_client()

    def web():
        form = {"category": str(category_id), "description": DESCRIPTION, "address": "Grecia 1"}
        form |= {"mobile": "9 8765 4321", "consent": "y"}
        return client.post("/solicitudes/nueva", data=form).status_code == 303

    def api():
        body = {"category": "luminaria", "description": DESCRIPTION, "address": "Grecia 1"}
        return (
            client.post("/api/v1/tickets", json=body, headers={"X-API-Key": key}).status_code == 201
        )

    def sms():
        params = {"From": next(numbers), "To": "+56229999999", "Body": DESCRIPTION}
        params["MessageSid"] = next(sids)
        url = "http://localhost/channels/sms/inbound"
        signature = validator.compute_signature(url, params)
        headers = {"X-Twilio-Signature": signature}
        return client.post("/channels/sms/inbound", data=params, headers=headers).status_code == 200

    def ping():
        return client.post("/ping", data={"x": "1"}).status_code == 200

    counter = Counter(engine)
    calls = (("web form", web), ("API", api), ("SMS webhook", sms), ("floor: /ping", ping))
    rows = [measure(counter, name, call, count) for name, call in calls]
    floor = statistics.median(rows[-1][3])
    out = []
    for name, data, savepoints, times in rows:
        ms = statistics.median(times)
        is_floor = name.startswith("floor")
        target = "" if is_floor else ("ok" if data <= TARGET_STATEMENTS else "over")
        out.append(
            [
                name,
                f"{data:.0f}",
                f"{savepoints:.0f}",
                target,
                f"{ms:.2f}",
                f"{statistics.quantiles(times, n=100)[98]:.2f}" if len(times) >= 100 else "",
                "" if is_floor else f"{floor / ms:.3f}",
            ]
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny and fast: for CI")
    parser.add_argument("--count", type=int, default=300, help="requests per channel")
    parser.add_argument("--preload", type=int, default=0, help="tickets inserted first")
    parser.add_argument("--database-url", help="an already migrated and loaded database")
    parser.add_argument("--shape", choices=SHAPES, default="growing", help="with --preload")
    args = parser.parse_args()
    if args.smoke:
        args.count, args.preload = 20, 0
    if args.database_url:
        database = contextlib.nullcontext(args.database_url)
    else:
        database = scratch_database()
    with database as url:
        app = build_app(url)
        key = prepare(app, args.preload, fresh=not args.database_url, shape=args.shape)
        with app.app_context():
            from app.extensions import db

            tickets = db.session.scalar(text("SELECT count(*) FROM tickets"))
            first_new = db.session.scalar(text("SELECT coalesce(max(id), 0) FROM tickets"))
            db.session.remove()
        rows = run(app, key, args.count)
        if args.database_url:  # leave the loaded database as it was
            with app.app_context():
                from app.tickets.counts import rebuild

                with db.engine.begin() as conn:
                    for table_name in ("notifications", "ticket_events", "ticket_contacts"):
                        conn.execute(
                            text(f"DELETE FROM {table_name} WHERE ticket_id > :id"),  # noqa: S608
                            {"id": first_new},
                        )
                    conn.execute(
                        text("DELETE FROM inbound_sms WHERE ticket_id > :id"), {"id": first_new}
                    )
                    conn.execute(
                        text("UPDATE tickets SET person_id = NULL WHERE id > :id"),
                        {"id": first_new},
                    )
                    conn.execute(
                        text("DELETE FROM contact_changes WHERE ticket_id > :id"), {"id": first_new}
                    )
                    conn.execute(text("DELETE FROM tickets WHERE id > :id"), {"id": first_new})
                    rebuild(conn)
    print(
        table(
            f"Ticket creation in process, {tickets:,} tickets in the database: median of "
            f"{args.count} requests per channel (statements until the commit)",
            [
                "channel",
                "statements",
                "savepoints",
                f"<= {TARGET_STATEMENTS}",
                "ms",
                "p99 ms",
                "floor/ms",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
