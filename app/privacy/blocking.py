"""Blocking a person (Ley 21.719): their data is kept but not processed. While blocked, no
notice is written or sent to them (app/notices/outbox.py and the delivery job ask
``recipient_blocked``), staff other than the data protection officer and admins read "Datos
bloqueados" (``may_see_contact``), and exports to third parties (the API's contact endpoint)
leave them out. Unblocking restores all of it. Both are recorded: in the person's change
history and in the access trail, with who, when and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.models import Contact, ContactChange, utcnow
from app.tickets.access_log import record_access
from app.tickets.contacts import clean_name
from app.tickets.errors import ValidationFailed
from app.tickets.permissions import Actor, require


def _reason(reason: str | None, message: str) -> str:
    reason = clean_name(reason)
    if not reason:
        raise ValidationFailed(message, field="reason")
    return reason[:300]


def _record(
    session: Session, actor: Actor, person: Contact, action: str, reason: str, now: datetime
) -> ContactChange:
    changes = {"blocked": [action == "unblocked", action == "blocked"]}
    row = ContactChange(
        contact_id=person.id,
        created_at=now,
        actor_kind=actor.kind,
        actor_id=actor.user_id,
        action=action,
        source="privacy",
        changes=changes,
        reason=reason,
    )
    session.add(row)
    record_access(session, actor, f"person_{action}", person=person, reason=reason, now=now)
    return row


def block(
    session: Session, actor: Actor, person: Contact, reason: str | None, now=None
) -> ContactChange:
    require(actor, "privacy")
    reason = _reason(
        reason, "Indique el motivo del bloqueo (por ejemplo, la solicitud de bloqueo)."
    )
    if person.blocked_at is not None:
        raise ValidationFailed("Los datos de esta persona ya están bloqueados.", field="reason")
    now = now or utcnow()
    person.blocked_at, person.blocked_by_id, person.blocked_reason = now, actor.user_id, reason
    row = _record(session, actor, person, "blocked", reason, now)
    session.flush()
    return row


def unblock(
    session: Session, actor: Actor, person: Contact, reason: str | None, now=None
) -> ContactChange:
    require(actor, "privacy")
    reason = _reason(reason, "Indique el motivo del desbloqueo.")
    if person.blocked_at is None:
        raise ValidationFailed("Los datos de esta persona no están bloqueados.", field="reason")
    now = now or utcnow()
    person.blocked_at = person.blocked_by_id = person.blocked_reason = None
    row = _record(session, actor, person, "unblocked", reason, now)
    session.flush()
    return row
