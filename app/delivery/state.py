"""The life of one outbox row: claim, sent, retry later, failed, suppressed; provider status.

Every change is a conditional UPDATE on the row's current status, so two workers (or a worker
and the relay) racing on one row cannot both win: exactly one claim succeeds, and a status never
moves backwards (a late "sent" callback never overwrites "delivered").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from app.delivery.errors import DeliveryError
from app.models import Notification, SmsSuppression, Ticket, utcnow
from app.notices.outbox import add
from app.notices.templates import Rendered
from app.tickets.contacts import is_suppressed
from app.tickets.errors import InvalidTransition, NotFound, PermissionDenied
from app.tickets.events import record_event
from app.tickets.permissions import Actor, recipient_blocked, require

# Provider outcomes, in the order they can follow each other. "failed", "undelivered" and
# "suppressed" are final like "delivered".
PROVIDER_RANK = {
    "queued": 1,
    "accepted": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "read": 5,
}
FINAL = frozenset({"delivered", "undelivered", "failed", "suppressed"})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_seconds: float = 30.0
    max_seconds: float = 3600.0

    def delay(self, attempts: int) -> timedelta:
        """Exponential backoff after the ``attempts``-th failed try: base, 2 base, 4 base..."""
        seconds = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        return timedelta(seconds=seconds)


def _due(now: datetime):
    return or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now)


@dataclass(frozen=True)
class Claimed:
    """A row as its claim returned it (``UPDATE … RETURNING``): what sending it needs, read in
    the claim's own statement, so no SELECT follows and no ORM object expires at the commit."""

    id: int
    channel: str
    recipient: str
    subject: str | None
    body: str
    body_html: str | None
    message_key: str | None
    attempts: int
    outcome_unknown: bool
    ticket_id: int | None
    recipient_staff_id: int | None
    created_at: datetime
    claimed_at: datetime


_CLAIMED_COLUMNS = tuple(getattr(Notification, name) for name in Claimed.__dataclass_fields__)


@dataclass(frozen=True)
class SentRow:
    """A provider accepted a claimed row: what ``mark_sent_many`` records."""

    id: int
    provider_id: str | None
    provider_status: str | None
    sent_at: datetime


def claim_due(
    session: Session,
    *,
    channel: str | None = None,
    ids: list[int] | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> list[Claimed]:
    """Take up to ``limit`` due pending rows (of ``channel``, or among ``ids``) in one
    statement, oldest first. Only one caller ever gets a given row: on Postgres the rows are
    picked ``FOR UPDATE SKIP LOCKED`` (workers claiming at once take different rows, none
    waits); SQLite has one writer at a time, so the statement runs alone. The claims become
    visible to others when the caller commits — which it does before anything is sent."""
    now = now or utcnow()
    due = select(Notification.id).where(Notification.status == "pending", _due(now))
    if channel is not None:
        due = due.where(Notification.channel == channel)
    if ids is not None:
        due = due.where(Notification.id.in_(ids))
    # A materialized CTE, evaluated once: as ``IN (subquery)`` Postgres may rescan the locking
    # subquery inside a join, and each rescan skips the rows already taken and adds new ones —
    # the LIMIT was not honoured (measured: 10 rows for LIMIT 4).
    due = (
        due.order_by(Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    rows = session.execute(
        update(Notification)
        .where(Notification.id == due.c.id, Notification.status == "pending")
        .values(
            status="sending",
            attempts=Notification.attempts + 1,
            claimed_at=now,
            updated_at=now,
        )
        .returning(*_CLAIMED_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    return sorted((Claimed(*row) for row in rows), key=lambda claimed: claimed.id)


def release_unsent(session: Session, rows: list[Claimed]) -> int:
    """Claimed rows a drain will not reach in time go back to pending as they were: nothing was
    handed to a provider, so this claim does not count as an attempt. Rows of one claim share
    its instant; a row someone else has moved since is left alone."""
    if not rows:
        return 0
    result = session.execute(
        update(Notification)
        .where(
            Notification.id.in_([row.id for row in rows]),
            Notification.status == "sending",
            Notification.claimed_at.in_(sorted({row.claimed_at for row in rows})),
        )
        .values(
            status="pending",
            attempts=Notification.attempts - 1,
            claimed_at=None,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _from_sending(session: Session, notification_id: int, now: datetime, **values) -> bool:
    result = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == "sending")
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def next_attempt_at(
    notification: Notification | Claimed, policy: RetryPolicy, now: datetime
) -> datetime | None:
    """When a row whose attempt just failed is tried again; None past the limit (it fails)."""
    if notification.attempts >= policy.max_attempts:
        return None
    return now + policy.delay(notification.attempts)


def mark_sent_many(session: Session, sent: list[SentRow]) -> None:
    """Rows a provider accepted: "sent" with its id and status, in one round trip (an
    executemany), each with the instant its provider answered. A row no longer "sending" is
    left alone."""
    if not sent:
        return
    table = Notification.__table__
    session.execute(
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.status == "sending")
        .values(
            status="sent",
            provider_id=bindparam("row_provider_id"),
            provider_status=bindparam("row_provider_status"),
            sent_at=bindparam("row_sent_at"),
            updated_at=bindparam("row_sent_at"),
            last_error=None,
        ),
        [
            {
                "row_id": row.id,
                "row_provider_id": row.provider_id,
                "row_provider_status": row.provider_status,
                "row_sent_at": row.sent_at,
            }
            for row in sent
        ],
    )


def retry_later(
    session: Session,
    notification: Notification | Claimed,
    error: Exception,
    policy: RetryPolicy,
    now: datetime | None = None,
) -> datetime | None:
    """A transient failure (or an unexpected error: a bug must not lose the message): back to
    pending with a later attempt, or failed past the limit. Returns when to try again (None
    when it failed for good). An attempt whose outcome is unknown marks the row for good:
    later attempts ask the provider (SMS) or count a resend (email). An unexpected error
    counts as unknown: it may have come after the message left."""
    now = now or utcnow()
    known = isinstance(error, DeliveryError)
    common = {
        "last_error": (str(error) if known else f"{type(error).__name__}: {error}")[:2000],
        "error_kind": error.kind if known else "internal",
        "outcome_unknown": notification.outcome_unknown or not known or error.maybe_sent,
    }
    when = next_attempt_at(notification, policy, now)
    if when is None:
        _from_sending(session, notification.id, now, status="failed", **common)
        return None
    _from_sending(
        session,
        notification.id,
        now,
        status="pending",
        next_attempt_at=when,
        claimed_at=None,
        **common,
    )
    return when


def fail(
    session: Session, notification_id: int, error: DeliveryError, now: datetime | None = None
) -> None:
    _from_sending(
        session,
        notification_id,
        now or utcnow(),
        status="failed",
        last_error=str(error)[:2000],
        error_kind=error.kind,
    )


def count_resend(session: Session, notification_id: int) -> bool:
    """An email goes out again after a hand-off whose outcome is unknown (same Message-ID)."""
    return _from_sending(session, notification_id, utcnow(), resends=Notification.resends + 1)


def suppress_number(session: Session, mobile: str, reason: str) -> None:
    """Add a number to the suppression list (idempotent)."""
    if session.get(SmsSuppression, mobile) is None:
        session.add(SmsSuppression(mobile=mobile, reason=reason))
        session.flush()


def mark_suppressed(
    session: Session, notification_id: int, reason: str, now=None, error_kind: str = "opted_out"
) -> None:
    """Not sent, never retried: the number opted out, or the person's data is blocked."""
    _from_sending(
        session,
        notification_id,
        now or utcnow(),
        status="suppressed",
        last_error=reason,
        error_kind=error_kind,
    )


def release_stale_claim(session: Session, notification_id: int, claimed_at: datetime) -> bool:
    """A worker died holding the row (or lost the commit of its outcome): make it pending
    again, only if nobody moved it since. Whether the message went out is unknown."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status == "sending",
            Notification.claimed_at == claimed_at,
        )
        .values(
            status="pending",
            claimed_at=None,
            next_attempt_at=None,
            outcome_unknown=True,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def due_pending(
    session: Session, now: datetime, untouched_since: datetime | None = None
) -> dict[str, int]:
    """How many pending rows are due now, per channel; ``untouched_since`` skips rows just
    written or just retried (their own enqueue is on its way)."""
    quiet = Notification.updated_at <= (untouched_since or now)
    counts = session.execute(
        select(Notification.channel, func.count())
        .where(Notification.status == "pending", _due(now), quiet)
        .group_by(Notification.channel)
    )
    return {channel: count for channel, count in counts}  # noqa: C416 - rows, not pairs


def recorded_provider_ids(session: Session, recipient: str) -> set[str]:
    """Provider ids already recorded for messages to this recipient: a provider's message with
    one of these ids belongs to another row."""
    return set(
        session.scalars(
            select(Notification.provider_id).where(
                Notification.recipient == recipient, Notification.provider_id.is_not(None)
            )
        )
    )


def stale_claims(
    session: Session, now: datetime, older_than: timedelta, limit: int = 500
) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.status == "sending", Notification.claimed_at < now - older_than)
            .order_by(Notification.id)
            .limit(limit)
        )
    )


def record_provider_status(
    session: Session, provider_id: str, status: str, error: str | None = None
) -> Notification | None:
    """A provider's status callback. Statuses only move forward; unknown ids are ignored."""
    notification = session.scalar(
        select(Notification).where(Notification.provider_id == provider_id)
    )
    if notification is None:
        return None
    current = notification.provider_status or "sent"
    if PROVIDER_RANK.get(status, 0) <= PROVIDER_RANK.get(current, 0):
        return notification
    if notification.status in FINAL and notification.status != "delivered":
        return notification
    notification.provider_status = status
    if status in {"delivered", "undelivered", "failed"}:
        notification.status = status
        if error:
            notification.last_error = error
    session.flush()
    return notification


def retry_notification(
    session: Session,
    notification_id: int,
    actor: Actor,
    now: datetime | None = None,
    *,
    ticket: Ticket | None = None,
) -> Notification:
    """Staff send a failed notification again: a new outbox row (the failed one stays, as history).

    Refused for a number that opted out: only the resident can undo that (ALTA/START). When the
    request names a ticket (its page), the notification must be one of that ticket's own.
    """
    failed = session.get(Notification, notification_id)
    if failed is None or (ticket is not None and failed.ticket_id != ticket.id):
        raise NotFound("No existe esa notificación.")
    if actor.kind != "staff":
        raise PermissionDenied(action="retry_notification", role=actor.kind)
    if failed.ticket is not None:
        require(actor, "comment", failed.ticket)
    if failed.redacted_at is not None:
        raise InvalidTransition("Este aviso fue anonimizado: ya no tiene destinatario.")
    if failed.status not in {"failed", "undelivered"}:
        raise InvalidTransition("Solo se reintentan notificaciones fallidas.")
    if failed.channel == "sms" and is_suppressed(session, failed.recipient):
        raise InvalidTransition(
            "Ese número pidió no recibir más SMS; solo el vecino o vecina puede reactivarlos."
        )
    if recipient_blocked(session, failed):
        raise InvalidTransition(
            "Los datos de esta persona están bloqueados: no se le envían avisos."
        )
    now = now or utcnow()
    rendered = Rendered(failed.subject or "", failed.body, failed.body_html)
    retry = add(
        session,
        failed.ticket,
        failed.template,
        failed.channel,
        failed.recipient,
        rendered,
        now,
        staff_id=failed.recipient_staff_id,
    )
    # The same email for the recipient's mail system (it may have been accepted after all).
    retry.message_key = failed.message_key or f"notification-{failed.id}"
    session.flush()
    if failed.ticket is not None:
        record_event(
            session,
            failed.ticket,
            actor,
            "notification",
            now,
            public=False,
            data={"retry_of": failed.id, "notification": retry.id},
        )
    session.flush()
    return retry


def for_ticket(session: Session, ticket_id: int) -> list[Notification]:
    """A ticket's notifications, oldest first: what the staff page lists (failed ones with
    their error, and a retry button through ``retry_notification``)."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.ticket_id == ticket_id)
            .order_by(Notification.id)
        )
    )
