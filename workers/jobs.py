"""The job functions. Thin: they take ids, load fresh state, call the domain and a channel's
sender, and commit. Each is idempotent: running it twice does no harm."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import InterfaceError, OperationalError

from app.dashboards import rollups
from app.delivery import state
from app.delivery.errors import (
    PermanentDeliveryError,
    RecipientOptedOut,
    TransientDeliveryError,
)
from app.extensions import db
from app.models import Notification, Photo, utcnow
from app.photos.images import PhotoRefused, clean
from app.photos.service import store_fetched
from app.photos.storage import photo_storage
from app.privacy import retention
from app.tickets import access_codes, alerts, housekeeping, practice
from app.tickets.contacts import is_suppressed
from app.tickets.permissions import recipient_blocked
from app.transaction import job
from channels.email import delivery as email_delivery
from channels.sms import delivery as sms_delivery
from channels.sms.media import MediaRetry, MediaUnavailable, fetch_media
from config.settings import settings
from workers.queue import DEFAULT, enqueue, queue_for

log = logging.getLogger(__name__)


def retry_policy() -> state.RetryPolicy:
    config = settings()
    return state.RetryPolicy(
        max_attempts=config.notify_max_attempts,
        base_seconds=config.notify_backoff_seconds,
        max_seconds=config.notify_backoff_max_seconds,
    )


def sms_sender():
    extensions = current_app.extensions
    if "conectados.sms_sender" not in extensions:
        extensions["conectados.sms_sender"] = sms_delivery.sender_for(current_app.config)
    return extensions["conectados.sms_sender"]


def email_sender():
    extensions = current_app.extensions
    if "conectados.email_sender" not in extensions:
        extensions["conectados.email_sender"] = email_delivery.sender_for(current_app.config)
    return extensions["conectados.email_sender"]


def job_id(notification: Notification | int, attempts: int = 0) -> str:
    number = notification if isinstance(notification, int) else notification.id
    return f"notification-{number}-{attempts}"


# A provider accepted the message but recording it failed (the database dropped the
# connection): retry the record, never the send. About 16 s in all; past that, the row stays
# claimed and the relay recovers it as "outcome unknown" (SMS: Twilio is asked first).
RECORD_RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0)
# Twilio's clock and ours: a message created this long before the row is still considered.
CLOCK_MARGIN = timedelta(minutes=5)


def deliver_notification(notification_id: int) -> str:
    """Claim the row, send it, record the outcome. Returns what happened (for logs and tests).

    At most once towards people: when an earlier attempt ended without an answer, an SMS is
    looked up at Twilio before it is sent again, and an email goes out again with the same
    Message-ID, counted in ``resends``."""
    session = db.session
    if not state.claim(session, notification_id):
        session.rollback()
        return "skipped"  # someone else has it, it is done, or it is not due yet
    session.commit()  # the claim is visible before anything leaves the machine
    notification = session.get(Notification, notification_id)
    if notification.channel == "sms" and is_suppressed(session, notification.recipient):
        state.mark_suppressed(session, notification_id, "number opted out")
        session.commit()
        return "suppressed"
    if recipient_blocked(session, notification):  # blocked after the notice was written
        state.mark_suppressed(session, notification_id, "person blocked", error_kind="blocked")
        session.commit()
        return "blocked"
    try:
        accepted = _already_accepted(notification) if notification.outcome_unknown else None
        if accepted is None:
            accepted = _send(notification)
    except RecipientOptedOut as exc:
        state.suppress_number(session, notification.recipient, "twilio_21610")
        state.fail(session, notification_id, exc)
        session.commit()
        return "opted_out"
    except PermanentDeliveryError as exc:
        state.fail(session, notification_id, exc)
        session.commit()
        return "failed"
    except Exception as exc:  # noqa: BLE001 - transient, or a bug: retry with backoff, never lose it
        if not isinstance(exc, TransientDeliveryError):
            log.exception("unexpected error delivering notification %s", notification_id)
        return _retry(notification, exc)
    return _record_sent(notification_id, *accepted)


def _send(notification: Notification) -> tuple[str | None, str | None]:
    if notification.channel == "sms":
        result = sms_sender().send(notification.recipient, notification.body)
        return result.provider_id or None, result.provider_status
    message_id = email_sender().send(
        notification.recipient,
        notification.subject or "",
        notification.body,
        notification.body_html,
        notification.message_key or f"notification-{notification.id}",
    )
    return message_id or None, "sent"


def _already_accepted(notification: Notification) -> tuple[str | None, str | None] | None:
    """An earlier attempt may have reached the provider. SMS: ask Twilio (by recipient and
    body, leaving out messages recorded for other rows). Email: SMTP cannot be asked; the
    resend keeps the Message-ID (the recipient's mail system drops the copy) and is counted."""
    session = db.session
    if notification.channel == "email":
        state.count_resend(session, notification.id)
        session.commit()
        return None
    found = sms_sender().find_sent(
        notification.recipient,
        notification.body,
        since=notification.created_at - CLOCK_MARGIN,
        skip=state.recorded_provider_ids(session, notification.recipient),
    )
    if found is None:
        return None
    log.info(
        "notification %s was already accepted by Twilio: recorded, not resent", notification.id
    )
    return found.provider_id or None, found.provider_status


def _record_sent(notification_id: int, provider_id: str | None, status: str | None) -> str:
    """The provider has the message: only the record may be retried from here, never the send."""
    session = db.session
    for delay in (*RECORD_RETRY_DELAYS, None):
        try:
            state.mark_sent(session, notification_id, provider_id, status)
            session.commit()
            return "sent"
        except (OperationalError, InterfaceError):
            _rollback(session)
            if delay is None:
                raise
            log.warning("recording notification %s as sent failed; retrying", notification_id)
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _rollback(session) -> None:
    try:
        session.rollback()
    except (OperationalError, InterfaceError):
        log.warning("rollback failed after a lost connection", exc_info=True)


def _retry(notification: Notification, error: Exception) -> str:
    session = db.session
    attempts = notification.attempts
    when = state.retry_later(session, notification, error, retry_policy())
    session.commit()
    if when is None:
        return "failed"
    enqueue(
        deliver_notification,
        notification.id,
        queue=queue_for(notification.channel),
        job_id=job_id(notification.id, attempts),
        at=when,
    )
    return "retry"


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
    """Enqueue what is due and not in a worker's hands: rows whose enqueue failed (Redis was
    down), retries whose time has come, and rows a dead worker had claimed."""
    config = settings()
    session = db.session
    now = utcnow()
    stale_after = timedelta(seconds=config.notify_claim_timeout_seconds)
    stale = state.stale_claims(session, now, stale_after)
    for notification in stale:
        # The worker died (or lost its commit) holding the row: pending again, outcome unknown,
        # so the next attempt asks Twilio first (SMS) or keeps the Message-ID (email).
        state.release_stale_claim(session, notification.id, notification.claimed_at)
    session.commit()
    grace = timedelta(seconds=config.notify_relay_grace_seconds)
    due = state.due_pending(session, now, untouched_since=now - grace)
    session.commit()
    slot = int(now.timestamp() // max(1, config.relay_interval_seconds))
    for notification_id, channel in due:
        enqueue(
            deliver_notification,
            notification_id,
            queue=queue_for(channel),
            job_id=f"notification-{notification_id}-relay{slot}",
        )
    log.info("relay: %d notifications enqueued, %d stale claims released", len(due), len(stale))
    relay_photos(now)
    return len(due)


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
