"""The job functions. Thin: they take ids, load fresh state, call the domain and a channel's
sender, and commit. Each is idempotent: running it twice does no harm."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select

from app.dashboards import rollups
from app.extensions import db
from app.models import Photo, utcnow
from app.photos.images import PhotoRefused, clean
from app.photos.service import store_fetched
from app.photos.storage import photo_storage
from app.privacy import retention
from app.tickets import access_codes, alerts, housekeeping, practice
from app.transaction import job
from channels.sms.media import MediaRetry, MediaUnavailable, fetch_media
from config.settings import settings
from workers.delivery import deliver_notification as deliver_notification
from workers.delivery import drain_outbox as drain_outbox
from workers.delivery import relay_notifications, retry_policy
from workers.queue import DEFAULT, enqueue

# deliver_notification and drain_outbox are re-exported: jobs queued under these paths
# (``workers.jobs.…``, before delivery had a module of its own) still find their function.

log = logging.getLogger(__name__)


def photo_job_id(photo_id: int, attempts: int = 0) -> str:
    return f"photo-{photo_id}-{attempts}"


def fetch_photo(photo_id: int) -> str:
    """Fetch an MMS photo from Twilio into the photo storage, cleaned like an upload.

    Idempotent: a photo already stored (or given up on) is skipped; two runs at once write the
    same file. Retried like notifications: the same attempts and backoff settings."""
    session = db.session
    photo = session.get(Photo, photo_id)
    if photo is None or photo.status != "pending":
        session.rollback()
        return "skipped"
    max_bytes = settings().photo_max_mb * 1024 * 1024
    try:
        data = fetch_media(photo.source_url or "", current_app.config, max_bytes)
        image = clean(data, "MMS", max_bytes)
    except (MediaUnavailable, PhotoRefused) as error:
        photo.status, photo.last_error, photo.next_attempt_at = "failed", str(error), None
        photo.attempts += 1
        session.commit()
        return "failed"
    except Exception as error:  # noqa: BLE001 - transient, or a bug: retry with backoff
        if not isinstance(error, MediaRetry):
            log.exception("unexpected error fetching photo %s", photo_id)
        return _retry_photo(photo, error)
    store_fetched(session, photo_storage(), photo, image)
    photo.attempts += 1
    session.commit()
    return "stored"


def _retry_photo(photo: Photo, error: Exception) -> str:
    session = db.session
    policy = retry_policy()
    photo.attempts += 1
    photo.last_error = str(error)[:500]
    if photo.attempts >= policy.max_attempts:
        photo.status, photo.next_attempt_at = "failed", None
        session.commit()
        return "failed"
    photo.next_attempt_at = utcnow() + policy.delay(photo.attempts)
    attempts, when = photo.attempts, photo.next_attempt_at
    session.commit()
    enqueue(fetch_photo, photo.id, queue=DEFAULT, job_id=photo_job_id(photo.id, attempts), at=when)
    return "retry"


def relay_photos(now) -> int:
    """MMS photos still to fetch whose time has come (their enqueue failed, or a retry)."""
    session = db.session
    due = session.scalars(
        select(Photo.id).where(
            Photo.status == "pending",
            or_(Photo.next_attempt_at.is_(None), Photo.next_attempt_at <= now),
        )
    ).all()
    session.commit()
    slot = int(now.timestamp() // max(1, settings().relay_interval_seconds))
    for photo_id in due:
        enqueue(fetch_photo, photo_id, queue=DEFAULT, job_id=f"photo-{photo_id}-relay{slot}")
    return len(due)


def relay_outbox() -> int:
    """Queue what is due and not in a worker's hands: notifications whose enqueue failed (Redis
    was down), retries whose time has come, rows a dead worker had claimed; and MMS photos."""
    now = utcnow()
    due = relay_notifications(now)
    relay_photos(now)
    return due


@job
def sla_sweep() -> int:
    raised = alerts.sweep(db.session)
    log.info("sla sweep: %d warnings or breaches raised", raised)
    return raised


@job
def refresh_rollups() -> int:
    """The dashboards' daily rollups: every whole day not rolled yet, and the days changed
    since (idempotent; the first run rolls all history)."""
    config = settings()
    today = rollups.local_date(utcnow(), config.timezone)
    rolled = rollups.refresh(db.session, today, config.timezone)
    log.info("dashboard rollups: %d days rolled up", rolled)
    return rolled


@job
def close_stale_tickets() -> str:
    config = settings()
    closed = housekeeping.close_stale(
        db.session,
        resolved_days=config.auto_close_resolved_days,
        waiting_days=config.auto_close_waiting_days,
    )
    forgotten = access_codes.forget_expired(db.session)
    outcome = f"resolved={closed.resolved} unanswered={closed.unanswered} codes={forgotten}"
    log.info("housekeeping: tickets closed and access codes forgotten: %s", outcome)
    return outcome


def apply_retention() -> str:
    """Anonymize what is past its retention period, a batch at a time (each batch commits on
    its own, so a long backlog never makes one long transaction); stops at the first round
    that finds nothing, or after ``RETENTION_MAX_ROUNDS``."""
    config = settings()
    batch = max(1, config.retention_batch)
    total = retention.Swept()
    for _ in range(max(1, config.retention_max_rounds)):
        swept = retention.sweep(
            db.session,
            years=config.retention_years,
            sms_days=config.sms_retention_days,
            batch=batch,
        )
        db.session.commit()
        total += swept
        if swept.anonymized + swept.held == 0:
            break
    purged = _purge_practice(config.practice_retention_days)
    log.info("retention: %s; practice tickets deleted: %d", total, purged)
    return f"{total} practice={purged}"


def _purge_practice(days: int) -> int:
    """Practice tickets older than ``PRACTICE_RETENTION_DAYS``, with their photos' files."""
    before = utcnow() - timedelta(days=days)
    keys = practice.photo_keys(db.session, before)
    purged = practice.purge(db.session, before)
    db.session.commit()
    storage = photo_storage()
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # noqa: BLE001 - a file already gone is not a failed purge
            log.warning("practice purge: could not delete %s", key)
    return purged
