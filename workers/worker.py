"""RQ workers that run each job inside the Flask app's context, with a fork-safe engine."""

from __future__ import annotations

from flask import Flask
from rq import SimpleWorker, Worker

from app.extensions import db
from workers.queue import QUEUES


class AppWorker(Worker):
    """Forks a work horse per job (RQ's default): the child must not share the parent's pooled
    DB connections, so it drops the pool (without closing the parent's sockets) first."""

    app: Flask

    def perform_job(self, job, queue):
        db.engine.dispose(close=False)
        with self.app.app_context():
            return super().perform_job(job, queue)


class AppSimpleWorker(SimpleWorker):
    """Runs jobs in this process (no fork): for tests and tools."""

    app: Flask

    def perform_job(self, job, queue):
        with self.app.app_context():
            return super().perform_job(job, queue)


def warm_up(app: Flask) -> None:
    """Build the senders in the parent, before any fork. The twilio package imports its API
    modules lazily, on first use (a quarter of a second): done once here, every work horse
    inherits them instead of importing them again for each job."""
    from workers.jobs import email_sender, sms_sender

    with app.app_context():
        sender = sms_sender()
        client = getattr(sender, "client", None)
        if client is not None:
            client.messages  # noqa: B018 - the attribute access is the import
        email_sender()


def make_worker(app: Flask, connection, *, fork: bool = True) -> Worker:
    if fork:
        warm_up(app)
    cls = AppWorker if fork else AppSimpleWorker
    worker = cls(list(QUEUES), connection=connection)
    worker.app = app
    return worker
