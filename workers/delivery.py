"""Delivering the outbox: one drain job per queue takes due rows in batches, sends them over the
sender's one kept-alive connection, and records each outcome.

- **Coalesced.** After a commit, ``enqueue_drain`` queues a drain of the row's channel unless one
  is already waiting to start (``workers.queue.enqueue_once``): a thousand rows committed in a
  second make one job, not a thousand. A drain that claims a full batch queues the next one, so
  every free worker joins in while there is a backlog (on Postgres they take different rows:
  ``FOR UPDATE SKIP LOCKED``).
- **Claim, commit, send.** A batch is claimed by one ``UPDATE … RETURNING`` and committed before
  anything leaves the machine; the opt-out list and blocked persons are then checked for every
  row of the batch (two or three queries for the batch, the rule still applied row by row).
- **At most once.** Each outcome is written as its answer comes back ("sent" rows together, in
  one executemany just before the commit); SMS outcomes are committed together (up to
  ``RECORD_EVERY`` of them, never older than ``RECORD_SECONDS``; one at a time on SQLite, whose
  write lock they would hold, and for email, which cannot be asked again). A
  failed write or commit is retried as a commit, never as a send. A crash loses at most the
  uncommitted records: those rows stay claimed, and the relay recovers them as "outcome unknown"
  (an SMS is looked up at Twilio before any resend; an email goes again with its Message-ID).
- **Bounded in time.** No row is sent later than ``SEND_WITHIN_SECONDS`` after its claim (the
  rest go back to pending unsent), far inside ``NOTIFY_CLAIM_TIMEOUT_SECONDS`` after which the
  relay would take the claim for a dead worker's. On Redis a drain claims no new batch after
  ``DRAIN_SECONDS`` and queues its successor, so other queues' jobs get their turn.
- **Delayed rows** (``not_before``, a retry's backoff) get a drain scheduled for their instant
  (rounded up to the second, one job per second and channel); the periodic relay catches
  anything else that is due.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from app.delivery import state
from app.delivery.errors import (
    PermanentDeliveryError,
    RecipientOptedOut,
    TransientDeliveryError,
)
from app.extensions import db
from app.models import utcnow
from app.tickets.contacts import suppressed_numbers
from app.tickets.permissions import blocked_notices
from channels.email import delivery as email_delivery
from channels.sms import delivery as sms_delivery
from config import DRAIN_JOB_SECONDS
from config.settings import settings
from workers.queue import embedded, enqueue, enqueue_once, queue_for, started

log = logging.getLogger(__name__)

# A provider accepted the message but recording it failed (the database dropped the
# connection): retry the record, never the send. About 16 s in all; past that, the row stays
# claimed and the relay recovers it as "outcome unknown" (SMS: Twilio is asked first).
RECORD_RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0)
# Twilio's clock and ours: a message created this long before the row is still considered.
CLOCK_MARGIN = timedelta(minutes=5)
# SMS outcomes committed together (Postgres): at most this many, none waiting longer than this.
RECORD_EVERY = 25
RECORD_SECONDS = 0.5
# A claimed row is sent within this of its claim, or goes back to pending unsent.
SEND_WITHIN_SECONDS = 30.0
# On Redis, a drain claims no new batch after this and leaves the rest to its successor. Its
# job may run DRAIN_SECONDS + SEND_WITHIN_SECONDS + one send's timeout + the record retries.
DRAIN_SECONDS = 20.0
DRAIN_TIMEOUT = DRAIN_JOB_SECONDS  # NOTIFY_CLAIM_TIMEOUT_SECONDS must be longer (config.check)


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


# --- queueing drains ---------------------------------------------------------------------------


def drain_key(channel: str) -> str:
    return f"drain-{channel}"


def enqueue_drain(channel: str, at: datetime | None = None) -> None:
    """A drain of ``channel`` now (unless one is already waiting), or at ``at``. Best effort:
    the rows wait in the outbox and the periodic relay queues a drain for them."""
    try:
        if at is None:
            enqueue_once(
                drain_outbox,
                channel,
                queue=queue_for(channel),
                key=drain_key(channel),
                timeout=DRAIN_TIMEOUT,
            )
            return
        if embedded():
            return  # no scheduler in process: the periodic relay finds the row when it is due
        second = math.ceil(at.timestamp())
        enqueue(
            drain_outbox,
            channel,
            queue=queue_for(channel),
            job_id=f"{drain_key(channel)}-at-{second}",
            at=datetime.fromtimestamp(second, UTC),
            timeout=DRAIN_TIMEOUT,
        )
    except Exception:  # noqa: BLE001 - the outbox keeps the rows; the relay will
        log.warning("could not queue a drain of %s; the relay will", channel)


# --- the jobs ----------------------------------------------------------------------------------


def drain_outbox(channel: str) -> str:
    """Deliver the due rows of one channel, a batch at a time, until none is due (on Redis: or
    ``DRAIN_SECONDS`` passed). Returns a count per outcome (for logs and tests)."""
    started(drain_key(channel))  # rows committed from now on queue another drain
    session = db.session
    on_redis = not embedded()
    size = max(1, settings().notify_batch_size)
    began = time.monotonic()
    outcomes: Counter[str] = Counter()
    while True:
        batch = state.claim_due(session, channel=channel, limit=size)
        if not batch:
            session.rollback()
            break
        session.commit()  # the claims are visible before anything leaves the machine
        claimed = time.monotonic()
        if on_redis and len(batch) == size:
            enqueue_drain(channel)  # more may be due: a free worker shares them
        outcomes.update(deliver_claimed(batch, claimed).values())
        if on_redis and time.monotonic() - began >= DRAIN_SECONDS:
            enqueue_drain(channel)  # the rest to a successor: other queues get their turn
            break
    summary = " ".join(f"{outcome}={count}" for outcome, count in sorted(outcomes.items()))
    if outcomes:
        log.info("drain %s: %s", channel, summary)
    return summary or "nothing due"


def deliver_notification(notification_id: int) -> str:
    """Deliver one row now: a batch of one (tools, tests, and jobs queued per row before
    delivery went by batches). "skipped" when it is not a due pending row."""
    session = db.session
    batch = state.claim_due(session, ids=[notification_id], limit=1)
    if not batch:
        session.rollback()
        return "skipped"  # someone else has it, it is done, or it is not due yet
    session.commit()  # the claim is visible before anything leaves the machine
    return deliver_claimed(batch, time.monotonic())[notification_id]


def relay_notifications(now: datetime) -> int:
    """The relay's part: rows a dead worker had claimed are pending again (outcome unknown),
    and a drain is queued for each channel with due rows nobody queued (their enqueue failed,
    or a retry's time came). Returns how many rows are due."""
    config = settings()
    session = db.session
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
    for channel in sorted(due):
        enqueue_drain(channel)
    total = sum(due.values())
    log.info("relay: %d notifications due, %d stale claims released", total, len(stale))
    return total


# --- one batch ---------------------------------------------------------------------------------


def deliver_claimed(batch: list[state.Claimed], claimed: float) -> dict[int, str]:
    """Send the rows of a committed claim (``claimed``: its monotonic instant) and record each
    outcome. Returns the outcome per row id."""
    session = db.session
    channel = batch[0].channel
    single = channel != "sms" or session.get_bind().dialect.name == "sqlite"
    ledger = Ledger(session, every=1 if single else RECORD_EVERY)
    outcomes: dict[int, str] = {}
    retries: set[datetime] = set()
    # Checked for the whole batch after the claim, before the first send (this read also keeps
    # a transaction open while sending, like one row's delivery always did).
    opted_out = suppressed_numbers(
        session, {row.recipient for row in batch if row.channel == "sms"}
    )
    blocked = blocked_notices(session, batch)
    late: list[state.Claimed] = []
    for row in batch:
        if row.channel == "sms" and row.recipient in opted_out:
            ledger.record(row.id, "suppressed", _suppressed(row.id, "number opted out"))
            outcomes[row.id] = "suppressed"
        elif row.id in blocked:  # blocked after the notice was written
            ledger.record(row.id, "suppressed", _suppressed(row.id, "person blocked", "blocked"))
            outcomes[row.id] = "blocked"
        elif time.monotonic() - claimed > SEND_WITHIN_SECONDS:
            late.append(row)  # never sent this late: the relay might think its worker dead
            outcomes[row.id] = "released"
        else:
            outcomes[row.id] = _deliver_one(row, ledger, retries)
    if late:
        ledger.record(late[0].id, "released", lambda s: state.release_unsent(s, late))
    ledger.commit()
    for when in sorted({math.ceil(when.timestamp()) for when in retries}):
        enqueue_drain(channel, at=datetime.fromtimestamp(when, UTC))
    return outcomes


def _suppressed(notification_id: int, reason: str, kind: str = "opted_out"):
    return lambda session: state.mark_suppressed(session, notification_id, reason, error_kind=kind)


def _deliver_one(row: state.Claimed, ledger: Ledger, retries: set[datetime]) -> str:
    """At most once towards people: when an earlier attempt ended without an answer, an SMS is
    looked up at Twilio before it is sent again, and an email goes out again with the same
    Message-ID, counted in ``resends``."""
    try:
        accepted = _already_accepted(row, ledger) if row.outcome_unknown else None
        if accepted is None:
            accepted = _send(row)
    except Exception as exc:  # noqa: BLE001 - each kind is handled below, none is lost
        return _record_failure(row, exc, ledger, retries)
    ledger.record_sent(state.SentRow(row.id, *accepted, sent_at=utcnow()))
    return "sent"


def _record_failure(
    row: state.Claimed, error: Exception, ledger: Ledger, retries: set[datetime]
) -> str:
    if isinstance(error, RecipientOptedOut):

        def opted_out(session: Session) -> None:
            state.suppress_number(session, row.recipient, "twilio_21610")
            state.fail(session, row.id, error)

        ledger.record(row.id, "failed", opted_out)
        return "opted_out"
    if isinstance(error, PermanentDeliveryError):
        ledger.record(row.id, "failed", lambda session: state.fail(session, row.id, error))
        return "failed"
    # Transient, or a bug: retried with backoff, never lost.
    if not isinstance(error, TransientDeliveryError):
        log.error("unexpected error delivering notification %s", row.id, exc_info=error)
    now, policy = utcnow(), retry_policy()
    when = state.next_attempt_at(row, policy, now)
    ledger.record(
        row.id,
        "retry" if when else "failed",
        lambda session: state.retry_later(session, row, error, policy, now),
    )
    if when is None:
        return "failed"
    retries.add(when)
    return "retry"


def _send(row: state.Claimed) -> tuple[str | None, str | None]:
    if row.channel == "sms":
        result = sms_sender().send(row.recipient, row.body)
        return result.provider_id or None, result.provider_status
    message_id = email_sender().send(
        row.recipient,
        row.subject or "",
        row.body,
        row.body_html,
        row.message_key or f"notification-{row.id}",
    )
    return message_id or None, "sent"


def _already_accepted(row: state.Claimed, ledger: Ledger) -> tuple[str | None, str | None] | None:
    """An earlier attempt may have reached the provider. SMS: ask Twilio (by recipient and
    body, leaving out messages recorded for other rows). Email: SMTP cannot be asked; the
    resend keeps the Message-ID (the recipient's mail system drops the copy) and is counted
    before it leaves."""
    if row.channel == "email":
        ledger.record(row.id, "resent", lambda session: state.count_resend(session, row.id))
        ledger.commit()
        return None
    found = sms_sender().find_sent(
        row.recipient,
        row.body,
        since=row.created_at - CLOCK_MARGIN,
        skip=state.recorded_provider_ids(db.session, row.recipient),
    )
    if found is None:
        return None
    log.info("notification %s was already accepted by Twilio: recorded, not resent", row.id)
    return found.provider_id or None, found.provider_status


# --- recording outcomes ------------------------------------------------------------------------


class Ledger:
    """The outcomes written since the last commit. The provider already has what they record:
    when a write or the commit fails (the database dropped the connection), they are written
    again and committed — retried as a commit, never as a send — for about 16 s
    (``RECORD_RETRY_DELAYS``); past that the error stands and the rows stay claimed for the
    relay to recover."""

    def __init__(self, session, every: int = 1) -> None:
        self.session = session
        self.every = every
        self.pending: list[tuple[int, str, Callable[[Session], object] | None]] = []
        self.sent: list[state.SentRow] = []  # written together, in one statement, at commit
        self.oldest = 0.0

    def record(self, notification_id: int, outcome: str, write: Callable[[Session], object]):
        """An outcome written now, in the open transaction."""
        self._add(notification_id, outcome, write)
        try:
            write(self.session)
        except (OperationalError, InterfaceError) as exc:
            self._retry(exc)
            return
        self._commit_when_due()

    def record_sent(self, sent: state.SentRow) -> None:
        """A provider accepted the row: written with the other "sent" rows at the commit."""
        self._add(sent.id, "sent", None)
        self.sent.append(sent)
        self._commit_when_due()

    def commit(self) -> None:
        """Commit what is pending (and end the transaction in any case)."""
        try:
            state.mark_sent_many(self.session, self.sent)
            self.session.commit()
        except (OperationalError, InterfaceError) as exc:
            self._retry(exc)
            return
        self._clear()

    def _add(self, notification_id: int, outcome: str, write) -> None:
        if not self.pending:
            self.oldest = time.monotonic()
        self.pending.append((notification_id, outcome, write))

    def _commit_when_due(self) -> None:
        if len(self.pending) >= self.every or time.monotonic() - self.oldest >= RECORD_SECONDS:
            self.commit()

    def _clear(self) -> None:
        self.pending.clear()
        self.sent.clear()

    def _retry(self, error: Exception) -> None:
        for delay in RECORD_RETRY_DELAYS:
            _rollback(self.session)
            for notification_id, outcome, _ in self.pending:
                log.warning(
                    "recording notification %s as %s failed; retrying", notification_id, outcome
                )
            time.sleep(delay)
            try:
                for _, _, write in self.pending:
                    if write is not None:
                        write(self.session)
                state.mark_sent_many(self.session, self.sent)
                self.session.commit()
            except (OperationalError, InterfaceError) as exc:
                error = exc
                continue
            self._clear()
            return
        _rollback(self.session)
        raise error


def _rollback(session) -> None:
    try:
        session.rollback()
    except (OperationalError, InterfaceError):
        log.warning("rollback failed after a lost connection", exc_info=True)
