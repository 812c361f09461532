"""The job functions. Thin: they take ids, load fresh state, call the domain and a channel's
sender, and commit. Each is idempotent: running it twice does no harm."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from app.extensions import db
from app.models import Notification, utcnow
from app.notifications import state
from app.notifications.errors import (
    PermanentDeliveryError,
    RecipientOptedOut,
    TransientDeliveryError,
)
from app.notifications.outbox import is_suppressed
from app.tickets import access_codes, alerts, housekeeping
from workers.queue import enqueue

log = logging.getLogger(__name__)


def _config() -> dict:
    return current_app.config


def retry_policy() -> state.RetryPolicy:
    config = _config()
    return state.RetryPolicy(
        max_attempts=int(config.get("NOTIFY_MAX_ATTEMPTS", 6)),
        base_seconds=float(config.get("NOTIFY_BACKOFF_SECONDS", 30)),
        max_seconds=float(config.get("NOTIFY_BACKOFF_MAX_SECONDS", 3600)),
    )


def sms_sender():
    from channels.sms.delivery import sender_for

    extensions = current_app.extensions
    if "conectados.sms_sender" not in extensions:
        extensions["conectados.sms_sender"] = sender_for(_config())
    return extensions["conectados.sms_sender"]


def email_sender():
    from channels.email.delivery import sender_for

    extensions = current_app.extensions
    if "conectados.email_sender" not in extensions:
        extensions["conectados.email_sender"] = sender_for(_config())
    return extensions["conectados.email_sender"]


def _send(notification: Notification) -> tuple[str | None, str | None]:
    if notification.channel == "sms":
        result = sms_sender().send(notification.recipient, notification.body)
        return result.provider_id or None, result.provider_status
    message_id = email_sender().send(
        notification.recipient,
        notification.subject or "",
        notification.body,
        notification.body_html,
        f"notification-{notification.id}",
    )
    return message_id or None, "sent"


def job_id(notification: Notification | int, attempts: int = 0) -> str:
    number = notification if isinstance(notification, int) else notification.id
    return f"notification-{number}-{attempts}"


def deliver_notification(notification_id: int) -> str:
    """Claim the row, send it, record the outcome. Returns what happened (for logs and tests)."""
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
    try:
        provider_id, provider_status = _send(notification)
    except RecipientOptedOut as exc:
        state.suppress_number(session, notification.recipient, "twilio_21610")
        state.fail(session, notification_id, str(exc))
        session.commit()
        return "opted_out"
    except PermanentDeliveryError as exc:
        state.fail(session, notification_id, str(exc))
        session.commit()
        return "failed"
    except Exception as exc:  # noqa: BLE001 - transient, or a bug: retry with backoff, never lose it
        if not isinstance(exc, TransientDeliveryError):
            log.exception("unexpected error delivering notification %s", notification_id)
        return _retry(notification, f"{type(exc).__name__}: {exc}")
    state.mark_sent(session, notification_id, provider_id, provider_status)
    session.commit()
    return "sent"


def _retry(notification: Notification, error: str) -> str:
    session = db.session
    attempts = notification.attempts
    when = state.retry_later(session, notification, error, retry_policy())
    session.commit()
    if when is None:
        return "failed"
    enqueue(
        deliver_notification,
        notification.id,
        queue="notifications",
        job_id=job_id(notification.id, attempts),
        at=when,
    )
    return "retry"


def _recover(notification: Notification) -> None:
    """A worker died holding this row. If the provider already took the message, record it;
    otherwise make the row pending again. Never send twice what the provider accepted."""
    session = db.session
    if notification.channel == "sms":
        found = sms_sender().find_sent(notification.recipient, notification.body)
        if found is not None:
            state.mark_sent(session, notification.id, found.provider_id, found.provider_status)
            return
    state.release_stale_claim(session, notification.id, notification.claimed_at)


def relay_outbox() -> int:
    """Enqueue what is due and not in a worker's hands: rows whose enqueue failed (Redis was
    down), retries whose time has come, and rows a dead worker had claimed."""
    config = _config()
    session = db.session
    now = utcnow()
    stale_after = timedelta(seconds=float(config.get("NOTIFY_CLAIM_TIMEOUT_SECONDS", 300)))
    for notification in state.stale_claims(session, now, stale_after):
        try:
            _recover(notification)
        except TransientDeliveryError:
            log.warning("could not check notification %s with the provider", notification.id)
    session.commit()
    grace = timedelta(seconds=float(config.get("NOTIFY_RELAY_GRACE_SECONDS", 30)))
    ids = state.due_pending_ids(session, now, untouched_since=now - grace)
    session.commit()
    slot = int(now.timestamp() // max(1, int(config.get("RELAY_INTERVAL_SECONDS", 30))))
    for notification_id in ids:
        enqueue(
            deliver_notification,
            notification_id,
            queue="notifications",
            job_id=f"notification-{notification_id}-relay{slot}",
        )
    return len(ids)


def sla_sweep() -> int:
    raised = alerts.sweep(db.session)
    db.session.commit()
    return raised


def close_stale_tickets() -> str:
    config = _config()
    closed = housekeeping.close_stale(
        db.session,
        resolved_days=int(config.get("AUTO_CLOSE_RESOLVED_DAYS", 7)),
        waiting_days=int(config.get("AUTO_CLOSE_WAITING_DAYS", 15)),
    )
    forgotten = access_codes.forget_expired(db.session)
    db.session.commit()
    return f"resolved={closed.resolved} unanswered={closed.unanswered} codes={forgotten}"
