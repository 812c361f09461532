"""Person records: what joins a resident's tickets, only through an identifier a channel proved.

The proofs (``source``), and the identifier each one proves:

- ``sms``: a ticket texted in. Twilio signs the webhook, so the sender number is real: mobile.
- ``email_link``: the resident used the confirmation link sent to the ticket's email: email.
- ``rut_attested``: counter staff saw the ID card with that RUT: rut.

A proof joins the ticket to the person holding that identifier with a proof of it, or creates
that person. A person holding the value without a proof of it (data from before proofs existed)
is not joined: staff decide at the counter. Nothing typed on a form changes a person; staff do
it explicitly (``edit_person``), and every change to a person writes a ContactChange row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    String,
    exists,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, selectinload
from stdnum.cl import rut as stdnum_rut

from app.models import Contact, ContactChange, Ticket, TicketContact, utcnow
from app.tickets import counts
from app.tickets.access_log import record_access
from app.tickets.contacts import clean_name, normalize_email, normalize_mobile, normalize_rut
from app.tickets.errors import N_, NotFound, PermissionDenied, ValidationFailed
from app.tickets.events import record_event
from app.tickets.lifecycle import OPEN_STATUSES
from app.tickets.permissions import RESIDENT, Actor, may_see_contact, reads_blocked, require
from config.settings import settings

# proof -> (identifier it proves, the person's stamp for it)
PROOFS = {
    "sms": ("mobile", "mobile_verified_at"),
    "email_link": ("email", "email_verified_at"),
    "rut_attested": ("rut", "rut_verified_at"),
}


def _audit(
    session: Session,
    person: Contact,
    actor: Actor,
    action: str,
    source: str,
    now: datetime,
    *,
    ticket: Ticket | None = None,
    changes: dict[str, list[Any]] | None = None,
    reason: str | None = None,
) -> ContactChange:
    row = ContactChange(
        contact_id=person.id,
        created_at=now,
        actor_kind=actor.kind,
        actor_id=actor.user_id,
        action=action,
        source=source,
        ticket_id=ticket.id if ticket is not None else None,
        changes=changes,
        reason=reason,
    )
    session.add(row)
    if actor.kind == "staff":  # the access trail names the staff member; a proof is in ``row``
        detail = {"action": action, "fields": sorted(changes or {})}
        record_access(
            session,
            actor,
            "person_changed",
            person=person,
            ticket=ticket,
            reason=reason,
            detail=detail,
            now=now,
        )
    return row


def person_by(session: Session, attribute: str, value: str) -> Contact | None:
    return session.scalar(select(Contact).where(getattr(Contact, attribute) == value))


def join_texted_in(session: Session, ticket: Ticket, now: datetime) -> tuple[Contact | None, bool]:
    """Join a texted-in ticket to the person its sender's number names (created when nobody
    has it), without flushing: called before the ticket's insert, its ``person_id`` goes in
    that INSERT. Returns the person (None: the number is held without proof) and whether it
    was created; a created person is audited with ``audit_texted_in`` once the ticket has its
    id."""
    mobile = ticket.contact.mobile if ticket.contact is not None else None
    if not mobile:
        return None, False
    with session.no_autoflush:
        person, created = _person_by_sms(session, mobile, now)
    ticket.person = person if created or person.mobile_verified_at is not None else None
    return ticket.person, created


def audit_texted_in(
    session: Session, ticket: Ticket, person: Contact, actor: Actor, now: datetime
) -> None:
    changes = {"name": [None, None], "mobile": [None, ticket.contact.mobile]}
    _audit(session, person, actor, "created", "sms", now, ticket=ticket, changes=changes)


def audit_texted_in_with_ticket(
    session: Session, ticket: Ticket, person: Contact, actor: Actor, now: datetime
) -> None:
    """``audit_texted_in`` for a ticket not inserted yet: the row is written in the ticket's
    own flush, once it has its id (on Postgres in the same statement as its counters). A
    resident's proof only: staff changes also write the access trail (``_audit``)."""
    changes = {"name": [None, None], "mobile": [None, ticket.contact.mobile]}

    def row(inserted: Ticket) -> dict[str, Any]:
        return {
            "contact_id": person.id,
            "created_at": now,
            "actor_kind": actor.kind,
            "actor_id": actor.user_id,
            "action": "created",
            "source": "sms",
            "ticket_id": inserted.id,
            "changes": changes,
        }

    counts.with_ticket_insert(session, ticket, ContactChange, row)


# A texted-in person already found (with the waiting-ticket read, ``waiting_or_texted_in``) for
# the ticket being filed in this transaction: (mobile, person, created).
_TEXTED = "people.texted_in_person"


def _person_upsert(dialect, mobile: str, now: datetime, rows=None):
    """INSERT the person holding this mobile (proved now) ... ON CONFLICT DO UPDATE (the number
    it already holds); ``rows``: an INSERT ... SELECT instead of VALUES."""
    values = {"mobile": mobile, "mobile_verified_at": now, "created_at": now, "updated_at": now}
    statement = (
        dialect.insert(Contact).from_select(list(values), rows)
        if rows is not None
        else dialect.insert(Contact).values(**values)
    )
    return statement.on_conflict_do_update(
        index_elements=[Contact.mobile], set_={"mobile": statement.excluded.mobile}
    )


def _person_by_sms(session: Session, mobile: str, now: datetime) -> tuple[Contact, bool]:
    """The person holding this mobile, created (with the number proved) when nobody does: one
    INSERT ... ON CONFLICT DO UPDATE ... RETURNING, race-free without a savepoint. The update
    writes the number it already holds; ``created`` tells the two apart by the filing instant.
    Returns the ORM object, in this session's identity map. None is sent when the SMS
    conversation found the person already (``waiting_or_texted_in``)."""
    found = session.info.pop(_TEXTED, None)
    if found is not None and found[0] == mobile:
        return found[1], found[2]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = _person_upsert(dialect, mobile, now).returning(Contact)
    person = session.scalars(statement, execution_options={"populate_existing": True}).one()
    return person, person.created_at == now and person.mobile_verified_at == now


def waiting_or_texted_in(
    session: Session, waiting: Select, mobile: str, now: datetime
) -> Ticket | None:
    """Postgres, one statement: the ticket ``waiting`` selects (a text answering it files
    nothing), or, when it selects none, the person this mobile names, found or created exactly
    as ``join_texted_in`` would for the ticket filed next in this transaction (which then
    sends no statement for it; filed with ``now``). SQLite has no data-modifying CTE: there
    the caller reads ``waiting`` and the filing finds the person."""
    waiting_id = waiting.with_only_columns(Ticket.id).cte("waiting")
    proved = select(
        literal(mobile, String()),
        *(literal(now, DateTime(timezone=True)) for _ in range(3)),
    ).where(~exists(waiting_id.select()))
    found = _person_upsert(postgresql, mobile, now, rows=proved)
    found = found.returning(*Contact.__table__.c).cte("found")
    person = aliased(Contact, found)
    one = select(literal(1).label("one")).subquery("one")
    ticket, texted = session.execute(
        select(Ticket, person)
        .select_from(one)
        .outerjoin(Ticket, Ticket.id == waiting_id.select().scalar_subquery())
        .outerjoin(person, true()),
        execution_options={"populate_existing": True},
    ).one()
    if texted is not None:
        created = texted.created_at == now and texted.mobile_verified_at == now
        session.info[_TEXTED] = (mobile, texted, created)
    return ticket


def _create_person(
    session: Session, ticket: Ticket, source: str, actor: Actor, now: datetime
) -> Contact | None:
    attribute, stamp = PROOFS[source]
    value = getattr(ticket.contact, attribute)
    name = ticket.contact.name if source != "sms" else None  # an SMS carries no name
    person = Contact(name=name, created_at=now, updated_at=now, **{attribute: value, stamp: now})
    try:
        with session.begin_nested():
            session.add(person)
    except IntegrityError:  # the same identifier, proved at the same moment elsewhere
        return person_by(session, attribute, value)
    changes = {"name": [None, name], attribute: [None, value]}
    _audit(session, person, actor, "created", source, now, ticket=ticket, changes=changes)
    return person


def link_by_proof(
    session: Session, ticket: Ticket, source: str, actor: Actor, now: datetime
) -> Contact | None:
    """Join ``ticket`` to the person its proved identifier names (created when nobody has it).

    A RUT attested at the counter also stamps a RUT the person held without proof. Other
    proofs never vouch for a value a person got some other way: that ticket stays unjoined.
    """
    attribute, stamp = PROOFS[source]
    value = getattr(ticket.contact, attribute) if ticket.contact is not None else None
    if not value:
        return None
    if source == "sms":  # every texted-in ticket: one statement finds or creates the person
        person, created = join_texted_in(session, ticket, now)
        if created:
            audit_texted_in(session, ticket, person, actor, now)
        return person
    person = person_by(session, attribute, value)
    if person is None:
        person = _create_person(session, ticket, source, actor, now)
    elif getattr(person, stamp) is None:
        if source != "rut_attested":
            return None
        setattr(person, stamp, now)
        changes = {stamp: [None, now.isoformat()]}
        _audit(session, person, actor, "verified", source, now, ticket=ticket, changes=changes)
    ticket.person = person
    return person


# --- email confirmation ------------------------------------------------------------------------

EMAIL_SALT = "conectados.email-confirmation"


class EmailLinkInvalid(NotFound):
    message = N_("El enlace para confirmar el correo no es válido.")


class EmailLinkExpired(NotFound):
    message = N_("El enlace para confirmar el correo venció.")


def _email_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=EMAIL_SALT)


def email_token(ticket: Ticket) -> str:
    """A signed token for this ticket's own email (it stops working if the email differs)."""
    return _email_serializer().dumps({"t": ticket.id, "e": ticket.contact.email})


def ticket_for_email_token(session: Session, token: str) -> Ticket:
    days = settings().email_link_max_age_days
    try:
        data = _email_serializer().loads(token, max_age=days * 86400)
    except SignatureExpired as exc:
        raise EmailLinkExpired() from exc
    except BadSignature as exc:
        raise EmailLinkInvalid() from exc
    ticket = session.get(Ticket, data.get("t")) if isinstance(data, dict) else None
    if ticket is None or ticket.contact is None or ticket.contact.email != data.get("e"):
        raise EmailLinkInvalid()
    return ticket


def confirm_email(session: Session, token: str, now: datetime | None = None) -> Ticket:
    """The resident used the link sent to the ticket's email: the email is proved.

    The ticket joins the person with that (proved) email, or a new person; a ticket already
    joined (by SMS or RUT) gives its person the email when the person had none.
    """
    now = now or utcnow()
    ticket = ticket_for_email_token(session, token)
    given = ticket.contact
    if given.email_confirmed_at is None:
        given.email_confirmed_at = now
    if ticket.person_id is None:
        person = link_by_proof(session, ticket, "email_link", RESIDENT, now)
        if person is not None:
            data = {"person": person.id, "proof": "email_link"}
            record_event(session, ticket, RESIDENT, "person_linked", now, data=data)
    elif ticket.person.email is None and person_by(session, "email", given.email) is None:
        person = ticket.person
        person.email, person.email_verified_at = given.email, now
        changes = {"email": [None, given.email]}
        _audit(
            session, person, RESIDENT, "edited", "email_link", now, ticket=ticket, changes=changes
        )
    session.flush()
    return ticket


# --- staff: finding and changing a person ------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    person: Contact
    open_tickets: list[Ticket]


@dataclass(frozen=True)
class Matches:
    """What a counter search finds: people (to choose from, never merged silently) and the
    details typed with open tickets that no found person is joined to (unproved)."""

    people: list[Candidate]
    given: list[TicketContact]
    blocked: int = 0  # people found whose data is blocked (not shown)


def search_key(text: str) -> tuple[str, str] | None:
    text = (text or "").strip()
    if not text:
        return None
    if stdnum_rut.is_valid(text):
        return "rut", stdnum_rut.compact(text)
    attribute, normalize = (
        ("email", normalize_email) if "@" in text else ("mobile", normalize_mobile)
    )
    try:
        value = normalize(text)
    except ValidationFailed:
        return None
    return (attribute, value) if value else None


# A RUT as people write it: 12.345.678-5, 12345678-5 or 12.345.6785 (not a bare 9-digit
# number, which is a mobile).
_RUT_SHAPE = re.compile(r"\d{1,2}\.?\d{3}\.?\d{3}-?[0-9kK]")


class RutCheckDigit(ValidationFailed):
    message = N_("El dígito verificador no corresponde: revise el RUT.")


def check_rut_typed(text: str, field: str) -> None:
    """A RUT with a wrong check digit is a typo to fix, not a search that found nobody."""
    typed = (text or "").strip()
    shaped = _RUT_SHAPE.fullmatch(typed) and ("-" in typed or "." in typed or typed[-1] in "kK")
    if shaped and not stdnum_rut.is_valid(typed):
        raise RutCheckDigit(field=field)


def person_tickets_where(session: Session, actor: Actor, text: str) -> ColumnElement[bool]:
    """The queue's search by RUT, mobile or email: tickets of the person with that identifier
    and tickets given with it. Need to know (``may_see_contact``) and a trail row, like the
    counter's search; a blocked person's tickets only for those who read blocked data."""
    if not may_see_contact(actor):
        raise PermissionDenied()
    check_rut_typed(text, "persona")
    key = search_key(text)
    if key is None:
        raise ValidationFailed(
            "Escriba un RUT (12.345.678-5), un celular (9 1234 5678) o un correo.",
            field="persona",
        )
    attribute, value = key
    people = select(Contact.id).where(getattr(Contact, attribute) == value)
    if not reads_blocked(actor):
        people = people.where(Contact.blocked_at.is_(None))
    given = select(TicketContact.ticket_id).where(getattr(TicketContact, attribute) == value)
    condition = or_(Ticket.person_id.in_(people), Ticket.id.in_(given))
    if not reads_blocked(actor):
        condition = condition & or_(
            Ticket.person_id.is_(None), ~Ticket.person.has(Contact.blocked_at.is_not(None))
        )
    found = session.scalar(select(func.count(Ticket.id)).where(condition)) or 0
    holders = session.scalars(people.limit(2)).all()
    record_access(
        session,
        actor,
        "person_searched",
        person=holders[0] if len(holders) == 1 else None,
        query=key,
        detail={"found": found},
    )
    return condition


def _open_tickets(session: Session, person: Contact) -> list[Ticket]:
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.person_id == person.id, Ticket.status.in_(OPEN_STATUSES))
            .options(selectinload(Ticket.category))
            .order_by(Ticket.created_at.desc())
        )
    )


def counter_matches(session: Session, actor: Actor, text: str, limit: int = 10) -> Matches:
    """People whose RUT, mobile or email is what was typed, and open tickets given with it.

    Need to know: counter staff and admins search; every search is recorded (the identifier
    as a keyed hash), with the person it found.
    """
    if not may_see_contact(actor):
        raise PermissionDenied()
    check_rut_typed(text, "buscar")
    key = search_key(text)
    if key is None:
        record_access(session, actor, "person_searched", detail={"found": 0})
        return Matches([], [])
    attribute, value = key
    holders = list(session.scalars(select(Contact).where(getattr(Contact, attribute) == value)))
    # A blocked person's data is not shown here (only counted): it is kept, not processed.
    people = [p for p in holders if p.blocked_at is None or reads_blocked(actor)]
    blocked = len(holders) - len(people)
    found = [p.id for p in holders]
    given = session.scalars(
        select(TicketContact)
        .join(Ticket, Ticket.id == TicketContact.ticket_id)
        .where(
            getattr(TicketContact, attribute) == value,
            Ticket.status.in_(OPEN_STATUSES),
            Ticket.person_id.is_(None) | Ticket.person_id.not_in(found or [0]),
        )
        .options(selectinload(TicketContact.ticket).selectinload(Ticket.category))
        .order_by(Ticket.created_at.desc())
        .limit(limit)
    ).all()
    record_access(
        session,
        actor,
        "person_searched",
        person=people[0] if len(people) == 1 else None,
        query=key,
        detail={"found": len(people) + len(given), "tickets": [g.ticket_id for g in given]},
    )
    candidates = [Candidate(p, _open_tickets(session, p)) for p in people]
    return Matches(candidates, list(given), blocked)


class PersonBlocked(PermissionDenied):
    message = N_(
        "Datos bloqueados: esta persona pidió que sus datos se conserven sin tratarlos. Solo "
        "el encargado de protección de datos y la administración los ven."
    )


def get_person(session: Session, actor: Actor, person_id: int) -> Contact:
    require(actor, "people")
    person = session.get(Contact, person_id)
    if person is None:
        raise NotFound("No existe esa persona.")
    if person.blocked_at is not None and not reads_blocked(actor):
        raise PersonBlocked()
    return person


@dataclass
class PersonEdit:
    """What staff change on a person; ``None`` keeps a field as it is."""

    reason: str
    name: str | None = None
    rut: str | None = None
    consent_notify: bool | None = None
    remove_mobile: bool = False
    remove_email: bool = False


def _planned_changes(session: Session, person: Contact, edit: PersonEdit, now: datetime) -> dict:
    planned: dict[str, Any] = {}
    name = clean_name(edit.name) if edit.name is not None else person.name
    if name != person.name:
        planned["name"] = name
    rut = normalize_rut(edit.rut) if edit.rut else person.rut
    if rut != person.rut:
        owner = person_by(session, "rut", rut)
        if owner is not None and owner.id != person.id:
            raise ValidationFailed("Ese RUT ya pertenece a otra persona.", field="rut")
        planned.update(rut=rut, rut_verified_at=now)  # changed with the ID card in view
    if edit.consent_notify is not None and edit.consent_notify != person.consent_notify:
        planned["consent_notify"] = edit.consent_notify
    if edit.remove_mobile and person.mobile:
        planned.update(mobile=None, mobile_verified_at=None)
    if edit.remove_email and person.email:
        planned.update(email=None, email_verified_at=None)
    return planned


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def edit_person(
    session: Session, person: Contact, actor: Actor, edit: PersonEdit, now: datetime | None = None
) -> ContactChange:
    """An explicit staff change to a person, with its reason; recorded field by field.

    Staff may correct the name, the RUT (seen on the ID card: it counts as attested) and the
    stated consent, and remove a mobile or an email; a mobile or an email is only ever added by
    its own proof (an SMS from it, the confirmation link).
    """
    require(actor, "people")
    now = now or utcnow()
    reason = clean_name(edit.reason)
    if not reason:
        raise ValidationFailed("Indique el motivo del cambio.", field="reason")
    planned = _planned_changes(session, person, edit, now)
    if not planned:
        raise ValidationFailed("No hay cambios que guardar.", field="reason")
    changes = {f: [_shown(getattr(person, f)), _shown(v)] for f, v in planned.items()}
    for attribute, value in planned.items():
        setattr(person, attribute, value)
    person.updated_at = now
    row = _audit(session, person, actor, "edited", "staff", now, changes=changes, reason=reason)
    session.flush()
    return row


@dataclass(frozen=True)
class PersonFile:
    """What the person page shows besides the person: their tickets and their changes."""

    tickets: list[Ticket]
    changes: list[ContactChange]


def open_person_file(session: Session, actor: Actor, person: Contact) -> PersonFile:
    """The person page is about to show this person's data: recorded in the access trail."""
    require(actor, "people")
    record_access(session, actor, "person_viewed", person=person)
    return PersonFile(tickets_of(session, person), history(session, person))


def history(session: Session, person: Contact) -> list[ContactChange]:
    return list(
        session.scalars(
            select(ContactChange)
            .where(ContactChange.contact_id == person.id)
            .options(selectinload(ContactChange.actor))
            .order_by(ContactChange.id)
        )
    )


def tickets_of(session: Session, person: Contact) -> list[Ticket]:
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.person_id == person.id)
            .options(selectinload(Ticket.category), selectinload(Ticket.contact))
            .order_by(Ticket.created_at.desc())
        )
    )
