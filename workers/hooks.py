"""Wiring workers to the app: a delivery job for each outbox row once committed, and (embedded
mode, outside tests) the periodic jobs from an in-process scheduler thread."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from flask import Flask

from app.delivery.hooks import notification_committed
from app.photos.hooks import photo_committed
from workers import schedule
from workers.jobs import deliver_notification, fetch_photo, job_id, photo_job_id
from workers.queue import DEFAULT, enqueue, queue_for

log = logging.getLogger(__name__)


def enqueue_committed(
    session,  # noqa: ARG001 - the signal's sender
    *,
    notification_id: int,
    channel: str,
    not_before: datetime | None,
) -> None:
    """One delivery job per new row. Best effort: if Redis is down the row stays pending and
    the periodic relay enqueues it later."""
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


def enqueue_photo(session, *, photo_id: int) -> None:  # noqa: ARG001 - the signal's sender
    """One fetch job per MMS photo; the relay enqueues it later if this fails."""
    try:
        enqueue(fetch_photo, photo_id, queue=DEFAULT, job_id=photo_job_id(photo_id))
    except Exception:  # noqa: BLE001 - the row stays pending; the relay will retry
        log.warning("could not enqueue the fetch of photo %s; the relay will", photo_id)


def init_app(app: Flask) -> None:
    notification_committed.connect(enqueue_committed, weak=False)  # once: connecting is idempotent
    photo_committed.connect(enqueue_photo, weak=False)
    if app.config.get("TESTING") or app.config.get("REDIS_URL"):
        return
    if app.config.settings.embedded_scheduler:
        started = threading.Lock()

        @app.before_request
        def _start_embedded_scheduler() -> None:
            # Started by the first request, so CLI commands (db upgrade, seed-demo) never run it.
            if "conectados.scheduler" in app.extensions or not started.acquire(blocking=False):
                return
            app.extensions["conectados.scheduler"] = schedule.start(app)
