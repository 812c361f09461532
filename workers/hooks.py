"""Wiring workers to the app: a drain of the outbox for the rows a commit wrote (coalesced: one
waiting drain per queue), and (embedded mode, outside tests) the periodic jobs from an
in-process scheduler thread."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from flask import Flask

from app.delivery.hooks import notification_committed
from app.models import utcnow
from app.photos.hooks import photo_committed
from workers import schedule
from workers.delivery import enqueue_drain
from workers.jobs import fetch_photo, photo_job_id
from workers.queue import DEFAULT, enqueue

log = logging.getLogger(__name__)


def enqueue_committed(
    session,  # noqa: ARG001 - the signal's sender
    *,
    notification_id: int,  # noqa: ARG001 - the drain finds its rows itself
    channel: str,
    not_before: datetime | None,
) -> None:
    """A drain of the new row's channel: now, unless one is already waiting to start (so the
    rows of one commit, and of many commits in a burst, make one job), or at the row's
    ``not_before``. Best effort: if Redis is down the row stays pending and the periodic relay
    queues a drain later."""
    enqueue_drain(channel, at=not_before if not_before and not_before > utcnow() else None)


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
