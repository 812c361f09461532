"""Notification delivery: SMS per second through an RQ worker process to a fake Twilio on
loopback (the real twilio client, real Redis, Postgres), against its floor: enqueuing the same
jobs (what the web process pays).

    python bench/delivery_bench.py               # 3,000 SMS, forking and non-forking worker
    python bench/delivery_bench.py --smoke       # 100 SMS (CI)

Target: at least 100 SMS/s per worker.
"""

from __future__ import annotations

import argparse
import os
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
    app, env: dict[str, str], count: int, fork: bool, workers: int = 1
) -> tuple[float, float]:
    """Write ``count`` pending SMS, enqueue them (floor), then time a worker delivering them."""
    from app.extensions import db
    from app.models import Notification, utcnow
    from workers.delivery import enqueue_drain
    from workers.queue import redis_connection

    with app.app_context():
        redis_connection().flushdb()
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
        for _ in ids:  # what the after-commit hook does for each new row (one drain queued)
            enqueue_drain("sms")
        enqueue_seconds = time.perf_counter() - started
    command = [sys.executable, "-m", "flask", "--app", "app", "worker", "--burst"]
    if os.environ.get("BENCH_PROFILE"):  # a cProfile of each worker, for pstats
        command[1:1] = ["-m", "cProfile", "-o", f"{os.environ['BENCH_PROFILE']}.{time.time_ns()}"]
    if not fork:
        command.append("--no-fork")
    started = time.perf_counter()
    processes = [
        subprocess.Popen(  # noqa: S603 - our own command line
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=None if os.environ.get("BENCH_VERBOSE") else subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    if any(process.wait() != 0 for process in processes):
        raise RuntimeError("a worker failed")
    deliver_seconds = time.perf_counter() - started
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
    # Steady rate: from the first claim to the last send (the workers' start-up left out).
    steady = count / max((last - first).total_seconds(), 1e-6)
    return count / enqueue_seconds, count / deliver_seconds, steady


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
            results = [one_round(app, env, args.count, fork, workers) for _ in range(args.runs)]
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
            "(SMS/s: worker start-up included; steady: first claim to last send; "
            "floor = enqueuing the same jobs)",
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
