"""The access trail (Ley 21.719): every view, search, change and export of a person's data, and
every administrative change, as one append-only row written in the caller's transaction.

``record_access`` is the only writer: one ``session.add`` (one INSERT at the caller's commit,
nothing read first). A searched identifier is kept as a keyed hash (``identifier_digest``), so
the log answers "who looked up this RUT" for whoever has the RUT without being a list of RUTs.
``person_trail`` is one person's own trail (part of the answer to an access request).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.models import AccessLogEntry, Contact, ContactChange, Ticket, TicketContact, utcnow
from app.tickets.contacts import normalize_email, normalize_mobile, normalize_rut
from app.tickets.errors import ValidationFailed
from app.tickets.permissions import Actor, may_see_contact

# Personal data: a person's data was shown, searched for, changed or exported.
PERSON_KINDS = {
    "contact_viewed": _l("Vio los datos de contacto de una solicitud"),
    "contact_api": _l("Consultó por la API los datos de contacto de una solicitud"),
    "person_searched": _l("Buscó a una persona por RUT, celular o correo"),
    "person_viewed": _l("Abrió el registro de una persona"),
    "person_changed": _l("Cambió datos de una persona"),
    "person_exported": _l("Exportó los datos de una persona"),
    "person_blocked": _l("Bloqueó los datos de una persona"),
    "person_unblocked": _l("Desbloqueó los datos de una persona"),
    "person_anonymized": _l("Anonimizó los datos de una persona"),
}
# The trail itself is personal data (who was looked up): reading it is recorded too.
LOG_KINDS = {
    "log_viewed": _l("Consultó el registro de accesos"),
    "log_exported": _l("Descargó el registro de accesos (CSV)"),
}
# Administrative changes, with their target.
ADMIN_KINDS = {
    "user_created": _l("Creó un usuario"),
    "user_changed": _l("Cambió los datos de un usuario"),
    "role_changed": _l("Cambió el rol o la unidad de un usuario"),
    "user_deactivated": _l("Desactivó un usuario"),
    "user_reactivated": _l("Reactivó un usuario"),
    "password_reset": _l("Restableció la contraseña de un usuario"),
    "department_created": _l("Creó una unidad"),
    "department_changed": _l("Cambió una unidad"),
    "focus_added": _l("Agregó una unidad a Transparencia Focalizada"),
    "focus_removed": _l("Quitó una unidad de Transparencia Focalizada"),
    "category_created": _l("Creó una categoría"),
    "category_changed": _l("Cambió una categoría"),
    "template_added": _l("Agregó una respuesta tipo"),
    "template_disabled": _l("Desactivó una respuesta tipo"),
    "calendar_changed": _l("Cambió el horario de atención"),
    "closed_day_added": _l("Agregó un día sin atención"),
    "closed_day_removed": _l("Quitó un día sin atención"),
    "api_key_created": _l("Creó una clave de API"),
    "api_key_revoked": _l("Revocó una clave de API"),
    "protocol_published": _l("Publicó una versión de un protocolo de atención"),
    "questionnaire_created": _l("Creó un cuestionario del diagnóstico interno"),
    "questionnaire_changed": _l("Cambió un cuestionario del diagnóstico interno"),
    "questionnaire_closed": _l("Cerró un cuestionario del diagnóstico interno"),
}
KINDS = {**PERSON_KINDS, **LOG_KINDS, **ADMIN_KINDS}

IDENTIFIERS = {"rut": normalize_rut, "mobile": normalize_mobile, "email": normalize_email}
DIGEST_SALT = b"conectados.access-log.identifier"


def kind_label(kind: str) -> str:
    return str(KINDS.get(kind, _l("Otra acción")))


def _digest_key() -> bytes:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, DIGEST_SALT, hashlib.sha256).digest()


def identifier_digest(kind: str, value: str) -> str | None:
    """A keyed hash of a RUT, mobile or email, however it was written (``12.345.678-5`` and
    ``123456785`` give the same); None when the value is not a valid one."""
    try:
        normalized = IDENTIFIERS[kind](value)
    except ValidationFailed:
        return None
    if not normalized:
        return None
    message = f"{kind}:{normalized}".encode()
    return hmac.new(_digest_key(), message, hashlib.sha256).hexdigest()


def _id(thing: Any) -> int | None:
    return thing if thing is None or isinstance(thing, int) else thing.id


def _page() -> str | None:
    return request.endpoint if has_request_context() else None


def record_access(
    session: Session,
    actor: Actor,
    kind: str,
    *,
    person: Contact | int | None = None,
    ticket: Ticket | int | None = None,
    query: tuple[str, str] | None = None,
    reason: str | None = None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    page: str | None = None,
    now: datetime | None = None,
) -> AccessLogEntry:
    """Write one trail row in the caller's transaction (it commits with the caller's change or
    view, and rolls back with it). ``query`` is ``(identifier kind, value as typed)``;
    ``page`` defaults to the current request's endpoint."""
    if kind not in KINDS:
        raise ValueError(f"unknown access-log kind {kind!r}")
    query_kind, digest = (query[0], identifier_digest(*query)) if query else (None, None)
    entry = AccessLogEntry(
        created_at=now or utcnow(),
        actor_kind=actor.kind,
        actor_id=actor.user_id,
        kind=kind,
        person_id=_id(person),
        ticket_id=_id(ticket),
        query_kind=query_kind,
        query_digest=digest,
        page=(page or _page() or "")[:80] or None,
        reason=(reason or "")[:300] or None,
        target=(target or "")[:200] or None,
        detail=detail,
    )
    session.add(entry)
    return entry


def contact_shown(
    session: Session, actor: Actor, ticket: Ticket, kind: str = "contact_viewed"
) -> bool:
    """Need to know, then the trail: whether ``actor`` sees ``ticket``'s personal data; when
    they do and it has some, the view is recorded."""
    if not may_see_contact(actor, ticket):
        return False
    if ticket.contact is not None or ticket.person_id is not None:
        record_access(session, actor, kind, person=ticket.person_id, ticket=ticket)
    return True


def record_admin_change(
    session: Session,
    actor: Actor,
    kind: str,
    target: str | None,
    changes: dict[str, list[Any]] | None = None,
) -> AccessLogEntry:
    """An administrative change: what it was made to, and each field's old and new value
    (never a password)."""
    return record_access(
        session, actor, kind, target=target, detail={"changes": changes} if changes else None
    )


def changed_fields(thing: Any, new: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for each field of ``thing`` (None: a new one) that ``new``
    changes."""
    return {
        field: [old, value]
        for field, value in new.items()
        if (old := getattr(thing, field, None) if thing is not None else None) != value
    }


# A user's fields -> the kind of change (a role and a unit decide what the person sees).
USER_FIELD_KINDS = {
    "email": "user_changed",
    "name": "user_changed",
    "role": "role_changed",
    "department": "role_changed",
}


def record_user_changes(
    session: Session,
    actor: Actor,
    target: str,
    changes: dict[str, list[Any]],
    *,
    created: bool,
    password_reset: bool,
) -> None:
    """An admin saved a staff user: one row per kind of change (details, role and unit,
    deactivation, password reset), so each can be found on its own. Never the password."""
    if created:
        record_admin_change(session, actor, "user_created", target, changes)
        return
    by_kind: dict[str, dict[str, list[Any]]] = {}
    for field, pair in changes.items():
        if field == "active":
            kind = "user_reactivated" if pair[1] else "user_deactivated"
        else:
            kind = USER_FIELD_KINDS[field]
        by_kind.setdefault(kind, {})[field] = pair
    for kind, fields in by_kind.items():
        record_admin_change(session, actor, kind, target, fields)
    if password_reset:
        record_admin_change(session, actor, "password_reset", target)


# --- one person's trail -----------------------------------------------------------------------


def _known_identifiers(session: Session, person: Contact) -> set[tuple[str, str]]:
    """Every RUT, mobile and email the person holds, held before (their change history), or
    gave with one of their tickets."""
    known = {(kind, getattr(person, kind)) for kind in IDENTIFIERS if getattr(person, kind)}
    changes = session.scalars(
        select(ContactChange.changes).where(ContactChange.contact_id == person.id)
    )
    for change in changes:
        for kind in IDENTIFIERS:
            for value in (change or {}).get(kind) or ():
                if value:
                    known.add((kind, value))
    given = session.execute(
        select(TicketContact.rut, TicketContact.mobile, TicketContact.email)
        .join(Ticket, Ticket.id == TicketContact.ticket_id)
        .where(Ticket.person_id == person.id)
    )
    for row in given:
        known.update((kind, value) for kind, value in zip(IDENTIFIERS, row, strict=True) if value)
    return known


def known_identifiers(session: Session, person: Contact) -> set[tuple[str, str]]:
    """``{(kind, value)}``: every RUT, mobile and email the person holds, held before, or gave
    with one of their tickets (what finds their data elsewhere: SMS, notices, searches)."""
    return _known_identifiers(session, person)


def digests_of(identifiers: Iterable[tuple[str, str]]) -> set[str]:
    return {d for kind, value in identifiers if (d := identifier_digest(kind, value))}


def about_person(session: Session, person: Contact):
    """The SQL condition for "this row concerns the person": about them, about one of their
    tickets, or a search for one of their identifiers."""
    tickets = select(Ticket.id).where(Ticket.person_id == person.id).scalar_subquery()
    digests = digests_of(_known_identifiers(session, person))
    return or_(
        AccessLogEntry.person_id == person.id,
        AccessLogEntry.ticket_id.in_(tickets),
        AccessLogEntry.query_digest.in_(digests or {""}),
    )


def person_trail(session: Session, person: Contact) -> list[AccessLogEntry]:
    """Who saw, searched for, changed or exported this person's data, oldest first."""
    return list(
        session.scalars(
            select(AccessLogEntry)
            .where(AccessLogEntry.kind.in_(PERSON_KINDS), about_person(session, person))
            .options(selectinload(AccessLogEntry.actor))
            .order_by(AccessLogEntry.id)
        )
    )
