"""Notification delivery: SMS per second through an RQ worker process to a fake Twilio on
loopback (the real twilio client, real Redis, Postgres), against its floor: what the web
process pays to hand the rows over (one enqueue call per row after its commit).

    python bench/delivery_bench.py               # 3,000 SMS, forking and non-forking worker
    python bench/delivery_bench.py --smoke       # 100 SMS (CI)
    python bench/delivery_bench.py --no-forking --workers 1 2 4 --ready
                                                 # --no-fork workers already listening

Target: at least 100 SMS/s per worker.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from bench.harness import DEFAULT_REDIS, scratch_database, table  # noqa: E402
from channels.sms.fake_twilio import FakeTwilio  # noqa: E402

REDIS_DB = os.environ.get("BENCH_REDIS_DB", "13")


def settings(database_url: str, redis_url: str, twilio: FakeTwilio) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SMS_BACKEND": "twilio",
        "TWILIO_API_BASE_URL": twilio.base_url,
        "TWILIO_AUTH_TOKEN": "bench-token",
        "TWILIO_FROM": "+56222222222",
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        "NOTIFY_RELAY_GRACE_SECONDS": "0",
        "SECRET_KEY": "bench-secret-key-not-for-production-use",
    }


def one_round(
    app, env: dict[str, str], count: int, fork: bool, workers: int = 1, ready: bool = False
) -> tuple[float, float, float]:
    """Write ``count`` pending SMS, enqueue them (floor), then time workers delivering them:
    started afterwards in burst mode (start-up included), or with ``ready`` already listening
    before the rows are written (from the first enqueue to the last record)."""
    from app.extensions import db
    from workers.queue import redis_connection

    def start() -> list[subprocess.Popen]:
        return [
            subprocess.Popen(  # noqa: S603 - our own command line
                _worker_command(fork, burst=not ready),
                cwd=ROOT,
                env={**os.environ, **env},
                stdout=subprocess.DEVNULL,
                stderr=None if os.environ.get("BENCH_VERBOSE") else subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]

    with app.app_context():
        redis_connection().flushdb()
    if not ready:
        enqueue_seconds = _write_and_enqueue(app, count)[1]
        started = time.perf_counter()
        processes = start()
        if any(process.wait() != 0 for process in processes):
            raise RuntimeError("a worker failed")
        deliver_seconds = time.perf_counter() - started
    else:
        processes = start()
        with app.app_context():
            _wait_listening(redis_connection(), workers, processes)
        started, enqueue_seconds = _write_and_enqueue(app, count)
        with app.app_context():
            _wait_sent(db.session, count, processes)
        deliver_seconds = time.perf_counter() - started
        for process in processes:
            process.send_signal(signal.SIGTERM)  # a warm shutdown: the profile is written
        for process in processes:
            process.wait(timeout=60)
    first, last = _collect(app, count)
    # Steady rate: from the first claim to the last send (the workers' start-up left out).
    steady = count / max((last - first).total_seconds(), 1e-6)
    return count / enqueue_seconds, count / deliver_seconds, steady


def _worker_command(fork: bool, burst: bool) -> list[str]:
    command = [sys.executable, "-m", "flask", "--app", "app", "worker"]
    if os.environ.get("BENCH_PROFILE"):  # a cProfile of each worker, for pstats
        command[1:1] = ["-m", "cProfile", "-o", f"{os.environ['BENCH_PROFILE']}.{time.time_ns()}"]
    if not fork:
        command.append("--no-fork")
    if burst:
        command.append("--burst")
    return command


def _write_and_enqueue(app, count: int) -> tuple[float, float]:
    """The rows in one statement, then one enqueue call per row as the after-commit hook makes
    (a drain queued, the rest coalesced): returns when the enqueues began and how long they
    took."""
    from app.extensions import db
    from app.models import Notification, utcnow
    from workers.delivery import enqueue_drain

    with app.app_context():
        db.session.execute(
            insert(Notification),
            [
                {
                    "channel": "sms",
                    "recipient": f"+5699{n:07d}",
                    "template": "bench",
                    "body": "Municipalidad de Penalolen: su solicitud fue resuelta.",
                    "status": "pending",
                    "attempts": 0,
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                }
                for n in range(count)
            ],
        )
        db.session.commit()
        ids = db.session.scalars(select(Notification.id).where(Notification.status == "pending"))
        started = time.perf_counter()
        for _ in ids:
            enqueue_drain("sms")
        return started, time.perf_counter() - started


def _collect(app, count: int):
    """The first claim and the last send of the run's rows, which are then deleted."""
    from app.extensions import db
    from app.models import Notification

    with app.app_context():
        sent, first, last = db.session.execute(
            select(
                func.count(), func.min(Notification.claimed_at), func.max(Notification.sent_at)
            ).where(Notification.status == "sent", Notification.template == "bench")
        ).one()
        db.session.execute(Notification.__table__.delete())
        db.session.commit()
    if sent != count:
        raise RuntimeError(f"{sent} of {count} sent")
    return first, last


def _wait_listening(redis, workers: int, processes: list[subprocess.Popen]) -> None:
    """Until every worker is registered with RQ (started up and listening), plus a second for
    the periodic jobs each one queues as it starts."""
    from rq import Worker

    deadline = time.monotonic() + 180
    while Worker.count(connection=redis) < workers:
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            raise RuntimeError("the workers did not start")
        time.sleep(0.2)
    time.sleep(1.0)


def _wait_sent(session, count: int, processes: list[subprocess.Popen]) -> None:
    from app.models import Notification

    deadline = time.monotonic() + 600
    while True:
        done = session.scalar(
            select(func.count()).where(
                Notification.status == "sent", Notification.template == "bench"
            )
        )
        session.commit()
        if done >= count:
            return
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            raise RuntimeError(f"{done} of {count} sent")
        time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument(
        "--no-forking", action="store_true", help="skip the forking worker's row (slow)"
    )
    parser.add_argument(
        "--workers", type=int, nargs="*", default=[1], help="--no-fork workers at once (1 2 4)"
    )
    parser.add_argument(
        "--ready",
        action="store_true",
        help="start the workers first; SMS/s from the first enqueue, start-up left out",
    )
    args = parser.parse_args()
    if args.smoke:
        args.count, args.runs, args.workers = 100, 1, [1]
    from flask_migrate import upgrade

    from app import create_app

    redis_url = (os.environ.get("REDIS_URL") or DEFAULT_REDIS).rsplit("/", 1)[0] + "/" + REDIS_DB
    rows = []
    with scratch_database() as url, FakeTwilio() as twilio:
        env = settings(url, redis_url, twilio)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench-only",
                "REDIS_URL": redis_url,
                "TESTING": True,
                "NOTIFY_RELAY_GRACE_SECONDS": 0,
            }
        )
        with app.app_context():
            upgrade()
        shapes = [] if args.no_forking else [(True, 1)]
        for fork, workers in shapes + [(False, n) for n in args.workers]:
            results = [
                one_round(app, env, args.count, fork, workers, args.ready) for _ in range(args.runs)
            ]
            floor = sorted(r[0] for r in results)[len(results) // 2]
            rate = sorted(r[1] for r in results)[len(results) // 2]
            steady = sorted(r[2] for r in results)[len(results) // 2]
            rows.append(
                [
                    "1 worker, fork per job (RQ default)"
                    if fork
                    else f"{workers} worker{'s' if workers > 1 else ''}, --no-fork",
                    f"{rate:.0f}",
                    f"{rate / workers:.0f}",
                    f"{steady:.0f}",
                    f"{steady / workers:.0f}",
                    f"{floor:.0f}",
                    f"{rate / floor:.0%}",
                    "ok" if steady / workers >= 100 else "MISSED",
                ]
            )
        with app.app_context():
            from workers.queue import redis_connection

            redis_connection().flushdb()
    print(
        table(
            f"Notification delivery: {args.count} SMS per run, median of {args.runs} "
            + (
                "(SMS/s: workers listening first, from the first enqueue to the last record; "
                if args.ready
                else "(SMS/s: worker start-up included; "
            )
            + "steady: first claim to last send; floor = what the after-commit hook pays, "
            "one enqueue call per row)",
            [
                "workers",
                "SMS/s",
                "per worker",
                "steady SMS/s",
                "steady per worker",
                "enqueue/s (floor)",
                "of floor",
                ">= 100/s each (steady)",
            ],
            rows,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
