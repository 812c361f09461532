"""Dashboard benchmark: N synthetic tickets on Postgres, then the time of each dashboard view
(the figures functions the pages call) against its floor: the very SQL statements those
functions sent, replayed bare on the driver's cursor, in the same run.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/dashboard.py
    python bench/dashboard.py --tickets 200000 --repeat 7
    python bench/dashboard.py --smoke        # 2,000 tickets, 3 runs: a quick check for CI

It creates its own database next to the one DATABASE_URL names and drops it at the end; with
``--keep-database NAME`` it loads into NAME once and keeps it, and a later run with the same NAME
reuses the tickets (migrating to the code's head first), so "before" and "after" read the same
million tickets (drop it yourself when done: ``DROP DATABASE NAME``).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.dashboard_data import SHAPES, load_desk  # noqa: E402
from config import normalize_database_url  # noqa: E402

TIMEZONE = "America/Santiago"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument(
        "--shape", choices=SHAPES, default="growing", help="how the tickets spread over time"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per view (median)")
    parser.add_argument("--smoke", action="store_true", help="2,000 tickets, 3 runs")
    parser.add_argument(
        "--days", type=int, default=1095, help="spread the tickets over the last N days"
    )
    parser.add_argument(
        "--no-rollups", action="store_true", help="count everything from the tickets table"
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument(
        "--keep-database",
        metavar="NAME",
        help="load into database NAME and keep it; reuse it if it already holds tickets",
    )
    args = parser.parse_args(argv)
    if args.smoke:  # 60 days: the first rollup run stays a second long
        args.tickets, args.repeat, args.days = 2_000, 3, min(args.days, 60)
    if not args.database_url.startswith(("postgres://", "postgresql")):
        parser.error("DATABASE_URL (or --database-url) must point at a Postgres server")
    return args


def views(session, now) -> dict[str, Callable[[], object]]:
    """What each page computes: a head's month, an admin's month and year, the public page."""
    from sqlalchemy import select

    from app.dashboards import dashboard, transparency
    from app.dashboards.periods import period
    from app.dashboards.scope import Scope, local_today
    from app.models import Department
    from app.tickets.sla import business_calendar

    calendar = business_calendar(session)
    today = local_today(now, TIMEZONE)
    month = period(today - timedelta(days=29), today, TIMEZONE)
    year = period(today - timedelta(days=364), today, TIMEZONE)
    department = session.scalar(select(Department.id).order_by(Department.id))
    return {
        "head, 30 days": lambda: dashboard.build(
            session, Scope(month, department_id=department), calendar, now
        ),
        "head, 12 months": lambda: dashboard.build(
            session, Scope(year, department_id=department), calendar, now
        ),
        "admin, 30 days": lambda: dashboard.build(
            session, Scope(month), calendar, now, compare_departments=True
        ),
        "transparencia": lambda: transparency.report(session, now, TIMEZONE),
    }


def interleaved(first: Callable[[], object], second: Callable[[], object], repeat: int):
    """Median times of two functions run alternately, so caches and background I/O (a
    checkpoint, autovacuum) weigh on both alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for function, times in ((first, samples[0]), (second, samples[1])):
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
    return statistics.median(samples[0]), statistics.median(samples[1])


def measure(engine, session, now, repeat: int) -> list[tuple[str, int, float, float]]:
    results = []
    for name, view in views(session, now).items():
        sent: list[tuple[str, object]] = []

        def record(conn, cursor, statement, parameters, context, executemany, sent=sent):  # noqa: ARG001
            sent.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", record)
        view()  # warm-up run, recording the SQL it needs
        event.remove(engine, "before_cursor_execute", record)
        raw = session.connection().connection.dbapi_connection

        def bare(raw=raw, sent=sent) -> None:
            with raw.cursor() as cursor:
                for statement, parameters in sent:
                    cursor.execute(statement, parameters)
                    cursor.fetchall()

        bare()  # warm-up of the replay
        figures, floor = interleaved(view, bare, repeat)
        results.append((name, len(sent), figures, floor))
        print(f"{name}: slowest statements", *slowest(raw, sent), sep="\n", file=sys.stderr)
    return results


def roll_up(session) -> None:
    """What the periodic job has done on a live desk: every whole past day rolled up."""
    from app.dashboards.rollups import local_date, refresh
    from app.models import utcnow

    started = time.perf_counter()
    days = runs = 0
    # The job rolls at most MAX_DAYS_PER_RUN days a run (oldest first): years of history take
    # several runs, which a live desk has long made. One run left two years of this load live.
    while rolled := refresh(session, local_date(utcnow(), TIMEZONE), TIMEZONE):
        session.commit()
        days, runs = days + rolled, runs + 1
    session.commit()
    elapsed = time.perf_counter() - started
    print(f"rollups: {days} days rolled up in {runs} runs of the job, {elapsed:.1f} s")


def slowest(raw, sent, count: int = 4) -> list[str]:
    """The statements that cost most, once each (what limits a view)."""
    timed = []
    with raw.cursor() as cursor:
        for statement, parameters in sent:
            started = time.perf_counter()
            cursor.execute(statement, parameters)
            cursor.fetchall()
            timed.append((time.perf_counter() - started, " ".join(statement.split())[:110]))
    timed.sort(reverse=True)
    return [f"    {seconds * 1000:7.1f} ms  {text}" for seconds, text in timed[:count]]


def run(args: argparse.Namespace) -> list[tuple[str, int, float, float]]:

    from app import create_app
    from app.extensions import db
    from app.models import utcnow

    server = make_url(normalize_database_url(args.database_url))
    name = args.keep_database or f"conectados_bench_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    reuse = bool(exists) and args.keep_database is not None
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "REDIS_URL": None,
                "TESTING": True,
                "SECRET_KEY": "bench",
            }
        )
        with app.app_context():
            if reuse:
                reuse_desk()
            else:
                load_desk(args.tickets, args.days, shape=args.shape)
            if not args.no_rollups:
                roll_up(db.session)
            results = measure(db.engine, db.session, utcnow(), args.repeat)
            db.session.remove()
            db.engine.dispose()
        return results
    finally:
        if args.keep_database is None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def reuse_desk() -> None:
    """A kept database: migrate it to this code's head (a new table's backfill runs here),
    then let statistics settle like after a load."""
    from flask_migrate import upgrade

    from app.extensions import db
    from bench.dashboard_data import vacuum

    started = time.perf_counter()
    upgrade()
    vacuum(db.engine)
    print(
        f"reused the kept database; migrated and vacuumed in {time.perf_counter() - started:.1f} s"
    )


def report(results: list[tuple[str, int, float, float]], repeat: int) -> bool:
    print(f"\nmedian of {repeat} runs; floor = the same SQL replayed bare on the cursor")
    print(f"{'view':<18} {'queries':>7} {'figures ms':>11} {'floor ms':>9} {'ratio':>6}  target")
    ok = True
    for name, queries, figures, floor in results:
        ratio = figures / floor if floor else float("inf")
        good = figures < 1.0 and ratio <= 1.5
        ok &= good
        print(
            f"{name:<18} {queries:>7} {figures * 1000:>11.1f} {floor * 1000:>9.1f} "
            f"{ratio:>6.2f}  {'ok' if good else 'MISSED'}"
        )
    return ok


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ok = report(run(args), args.repeat)
    if args.smoke:
        # At 2,000 tickets the SQL takes a few milliseconds, so the ratio measures Python's
        # fixed cost, not the design: the smoke run checks that everything runs, nothing more.
        return 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
