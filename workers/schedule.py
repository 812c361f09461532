"""Periodic jobs, declared as data, and the small loop that enqueues them.

RQ 2.x has no interval scheduler inside the worker (its ``rq cron`` is a separate process), so
each worker runs this loop on a thread. Every period has a deterministic slot number
(``floor(epoch / interval)``); a Redis ``SET NX`` on ``conectados:periodic:<name>:<slot>`` lets
exactly one worker enqueue each slot however many workers run. In embedded mode (no Redis) the
app runs the same loop and the jobs run in-process. Local-time rules (business hours) live in
the jobs, in Python: the loop only counts seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask

from app.models import utcnow
from workers import jobs
from workers.queue import embedded, enqueue, redis_connection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: Callable[[], object]
    setting: str  # the config key holding its interval in seconds
    default_seconds: int
    queue: str = "default"
    description: str = ""


PERIODIC = (
    PeriodicJob(
        "relay-outbox",
        jobs.relay_outbox,
        "RELAY_INTERVAL_SECONDS",
        30,
        description="enqueue pending notifications: enqueues lost, retries due, dead claims",
    ),
    PeriodicJob(
        "sla-sweep",
        jobs.sla_sweep,
        "SLA_SWEEP_INTERVAL_SECONDS",
        60,
        description="raise SLA warnings (75 %) and breaches (100 %), once each",
    ),
    PeriodicJob(
        "dashboard-rollups",
        jobs.refresh_rollups,
        "ROLLUP_INTERVAL_SECONDS",
        300,
        description="roll up the dashboards' counts of every whole day not rolled yet, and of "
        "past days changed since",
    ),
    PeriodicJob(
        "close-stale-tickets",
        jobs.close_stale_tickets,
        "HOUSEKEEPING_INTERVAL_SECONDS",
        3600,
        description="close resolved tickets after AUTO_CLOSE_RESOLVED_DAYS, unanswered ones "
        "after AUTO_CLOSE_WAITING_DAYS; forget expired one-time access codes",
    ),
    PeriodicJob(
        "retention",
        jobs.apply_retention,
        "RETENTION_INTERVAL_SECONDS",
        3600,
        description="anonymize persons, SMS and notices past their retention period",
    ),
)


def interval(job: PeriodicJob, config) -> int:
    return max(1, int(config.get(job.setting, job.default_seconds)))


def slot(job: PeriodicJob, config, now: datetime) -> int:
    return int(now.timestamp() // interval(job, config))


def tick(app: Flask, last_slots: dict[str, int], now: datetime | None = None) -> list[str]:
    """Enqueue each periodic job whose slot this process has not handled yet. Returns the ids
    it enqueued (another worker may have taken a slot first)."""
    now = now or utcnow()
    enqueued = []
    for job in PERIODIC:
        current = slot(job, app.config, now)
        if last_slots.get(job.name) == current:
            continue
        last_slots[job.name] = current
        job_id = f"periodic-{job.name}-{current}"
        if not embedded():
            lock = f"conectados:periodic:{job.name}:{current}"
            ttl = 2 * interval(job, app.config)
            if not redis_connection().set(lock, "1", nx=True, ex=ttl):
                continue  # another worker owns this slot
        enqueue(job.func, queue=job.queue, job_id=job_id)
        enqueued.append(job_id)
    return enqueued


class SchedulerThread(threading.Thread):
    """Runs ``tick`` about once a second until stopped, and ``watch`` (a worker's check on its
    RQ scheduler) every ``watch_seconds``. Errors are logged, never fatal: Redis being down must
    not kill the worker or the web process."""

    def __init__(
        self,
        app: Flask,
        poll_seconds: float = 1.0,
        watch: Callable[[], object] | None = None,
        watch_seconds: float = 2.0,
    ) -> None:
        super().__init__(name="periodic-scheduler", daemon=True)
        self.app = app
        self.poll_seconds = poll_seconds
        self.watch = watch
        self.watch_seconds = watch_seconds
        self.stopping = threading.Event()
        self.last_slots: dict[str, int] = {}

    def run(self) -> None:
        watched = 0.0
        while not self.stopping.is_set():
            try:
                with self.app.app_context():
                    tick(self.app, self.last_slots)
            except Exception:  # noqa: BLE001
                log.exception("periodic scheduler tick failed")
            if self.watch is not None and time.monotonic() - watched >= self.watch_seconds:
                watched = time.monotonic()
                try:
                    self.watch()
                except Exception:  # noqa: BLE001
                    log.exception("watching the RQ scheduler failed")
            self.stopping.wait(self.poll_seconds)

    def stop(self) -> None:
        self.stopping.set()


def start(app: Flask, watch: Callable[[], object] | None = None) -> SchedulerThread:
    thread = SchedulerThread(app, watch=watch)
    thread.start()
    return thread
