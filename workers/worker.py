"""RQ workers that run each job inside the Flask app's context, with a fork-safe engine, and
the loop that keeps one running through Redis outages (``run``)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from flask import Flask
from redis.exceptions import RedisError
from rq import SimpleWorker, Worker

from app.extensions import db
from app.logs import job_context
from workers.delivery import email_sender, sms_sender
from workers.queue import QUEUES, worker_connection

log = logging.getLogger(__name__)
MAX_PAUSE_SECONDS = 30


class AppWorker(Worker):
    """Forks a work horse per job (RQ's default): the child must not share the parent's pooled
    DB connections, so it drops the pool (without closing the parent's sockets) first."""

    app: Flask

    def perform_job(self, job, queue):
        db.engine.dispose(close=False)
        with self.app.app_context(), job_context(job.id):
            return super().perform_job(job, queue)


class AppSimpleWorker(SimpleWorker):
    """Runs jobs in this process (no fork): for tests and tools."""

    app: Flask

    def perform_job(self, job, queue):
        with self.app.app_context(), job_context(job.id):
            return super().perform_job(job, queue)


def warm_up(app: Flask) -> None:
    """Build the senders in the parent, before any fork. The twilio package imports its API
    modules lazily, on first use (a quarter of a second): done once here, every work horse
    inherits them instead of importing them again for each job."""
    with app.app_context():
        sender = sms_sender()
        client = getattr(sender, "client", None)
        if client is not None:
            client.messages  # noqa: B018 - the attribute access is the import
        email_sender()


def make_worker(
    app: Flask, connection, *, fork: bool = True, queues: Sequence[str] = QUEUES
) -> Worker:
    if fork:
        warm_up(app)
    cls = AppWorker if fork else AppSimpleWorker
    worker = cls(list(queues), connection=connection)
    worker.app = app
    return worker


class Supervisor:
    """Keeps an RQ worker (and its scheduler) running until a signal asks it to stop.

    RQ's worker quits when Redis times out (a frozen Redis), and its scheduler process dies on
    the first connection error; RQ restarts that only in its maintenance, every 10 minutes.
    Here a worker that stopped without being asked is started again (backoff up to 30 s), and
    ``watch`` — called by the periodic loop every couple of seconds — restarts a dead scheduler
    as soon as Redis answers again.
    """

    def __init__(self, app: Flask, queues: Sequence[str], *, fork: bool) -> None:
        self.app = app
        self.queues = list(queues)
        self.fork = fork
        self.worker: Worker | None = None
        self.lock = threading.Lock()

    def run(self, burst: bool = False) -> None:
        pause = 1.0
        while True:
            started = time.monotonic()
            worker = self._work(burst)
            if burst or (worker is not None and _asked_to_stop(worker)):
                return
            pause = 1.0 if time.monotonic() - started > 60 else min(pause * 2, MAX_PAUSE_SECONDS)
            log.warning("worker stopped without being asked (Redis?); again in %.0f s", pause)
            time.sleep(pause)

    def _work(self, burst: bool) -> Worker | None:
        worker = None
        try:
            with self.app.app_context():  # a new worker already talks to Redis
                worker = make_worker(
                    self.app, worker_connection(), fork=self.fork, queues=self.queues
                )
            with self.lock:
                self.worker = worker
            worker.work(with_scheduler=True, burst=burst)
        except RedisError as exc:
            log.warning("worker stopped by a Redis error: %s", exc)
        if worker is not None:
            self._retire(worker)
        return worker

    def _retire(self, worker: Worker) -> None:
        with self.lock:
            self.worker = None
            scheduler = worker.scheduler
            process = getattr(scheduler, "_process", None)
            if process is not None and process.is_alive():
                worker.stop_scheduler()

    def watch(self) -> None:
        """Restart the RQ scheduler (delayed jobs: the deliveries' retries) if it died."""
        with self.lock:
            worker = self.worker
            scheduler = worker.scheduler if worker is not None else None
            if scheduler is None or _asked_to_stop(worker):
                return
            process = scheduler._process  # noqa: SLF001 - RQ keeps the process handle here
            # Only a scheduler that ran and died: one RQ has not started yet (or that another
            # worker's scheduler holds the locks for) is RQ's business.
            if process is None or process.is_alive():
                return
            try:
                if scheduler.acquire_locks(auto_start=True):
                    log.info("RQ scheduler started again for %s", ", ".join(self.queues))
            except RedisError:
                log.debug("Redis still unreachable; the scheduler waits")


def _asked_to_stop(worker: Worker) -> bool:
    return getattr(worker, "_shutdown_requested_date", None) is not None
