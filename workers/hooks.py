"""Wiring workers to the app: enqueue outbox rows after commit, and (embedded mode, outside
tests) run the periodic jobs from an in-process scheduler thread."""

from __future__ import annotations

import logging
import threading

from flask import Flask
from sqlalchemy import event

from app.extensions import db
from app.models import Notification

log = logging.getLogger(__name__)
PENDING_KEY = "conectados.new_notifications"


def _collect(session, flush_context) -> None:  # noqa: ARG001 - SQLAlchemy's signature
    new = [obj for obj in session.new if isinstance(obj, Notification)]
    if new:
        session.info.setdefault(PENDING_KEY, []).extend(
            (n.id, n.channel, n.next_attempt_at) for n in new
        )


def _forget(session, *args) -> None:  # noqa: ARG001
    session.info.pop(PENDING_KEY, None)


def _enqueue_committed(session) -> None:
    """After commit, one delivery job per new row. Best effort: if Redis is down the rows stay
    pending and the periodic relay enqueues them later."""
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released: the real commit is still to come
    from workers.jobs import deliver_notification, job_id
    from workers.queue import enqueue, queue_for

    for notification_id, channel, not_before in session.info.pop(PENDING_KEY, []):
        try:
            enqueue(
                deliver_notification,
                notification_id,
                queue=queue_for(channel),
                job_id=job_id(notification_id),
                at=not_before,
            )
        except Exception:  # noqa: BLE001 - the outbox keeps it; the relay will retry
            log.warning("could not enqueue notification %s; the relay will", notification_id)


def init_app(app: Flask) -> None:
    # db.session is shared by every app made in this process: listen once.
    if not event.contains(db.session, "after_commit", _enqueue_committed):
        event.listen(db.session, "after_flush", _collect)
        event.listen(db.session, "after_commit", _enqueue_committed)
        event.listen(db.session, "after_rollback", _forget)
    if app.config.get("TESTING") or app.config.get("REDIS_URL"):
        return
    if app.config.get("EMBEDDED_SCHEDULER", True):
        started = threading.Lock()

        @app.before_request
        def _start_embedded_scheduler() -> None:
            # Started by the first request, so CLI commands (db upgrade, seed-demo) never run it.
            if "conectados.scheduler" in app.extensions or not started.acquire(blocking=False):
                return
            from workers import schedule

            app.extensions["conectados.scheduler"] = schedule.start(app)
