"""Who may do what. The only place role rules live: views and jobs ask here (via the domain)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from app.models import Contact, Notification, StaffUser, Ticket
from app.tickets import lifecycle, rights
from app.tickets.errors import N_, PermissionDenied
from app.tickets.proof import PURPOSES, ResidentProof, proves

COUNTER, AGENT, HEAD, ADMIN = "counter", "agent", "head", "admin"
# The data protection officer: no department work; finds, exports, rectifies and blocks
# persons' data ("privacy") and reads the access trail ("audit").
PRIVACY = "privacy"
# Who reads a blocked person's data (everyone else reads "Datos bloqueados").
READS_BLOCKED = frozenset({ADMIN, PRIVACY})

# Actions on a ticket of the actor's own department (admins: any department). Heads do what
# agents do and more; admins what heads do and more. "summarize": the public summary;
# "extend": a rights request's target, once (app.tickets.extension).
_WORK = frozenset(
    {"transition", "take", "mark_duplicate", "comment", "note", "summarize", "extend"}
)
_LEAD = _WORK | {"assign", "reroute"}
DEPARTMENT_ACTIONS: dict[str, frozenset[str]] = {
    COUNTER: frozenset(),
    AGENT: _WORK,
    HEAD: _LEAD,
    ADMIN: _LEAD | {"close"},
    PRIVACY: frozenset(),
}
# Actions on any ticket, whatever its department.
ANY_TICKET_ACTIONS: dict[str, frozenset[str]] = {
    COUNTER: frozenset({"read", "comment", "note", "open", "people"}),
    AGENT: frozenset({"read", "open"}),
    HEAD: frozenset({"read", "open", "dashboard"}),
    ADMIN: frozenset(
        {"read", "open", "dashboard", "configure", "people", "audit", "privacy", "anonymize"}
    ),
    # "anonymize": replace a person's data by placeholders (app/privacy/anonymize.py).
    PRIVACY: frozenset({"read", "open", "people", "audit", "privacy", "anonymize"}),
}


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a staff member, the resident (by code/phone), or the system."""

    kind: str  # staff, resident, system
    user: StaffUser | None = None
    proof: ResidentProof | None = None  # a resident: what their channel proved, if anything

    @classmethod
    def staff(cls, user: StaffUser) -> Actor:
        return cls("staff", user)

    @classmethod
    def resident(cls, proof: ResidentProof | None) -> Actor:
        return cls("resident", proof=proof)

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None

    @property
    def role(self) -> str | None:
        return self.user.role if self.user else None


RESIDENT = Actor("resident")  # files requests; acting on one needs Actor.resident(proof)
SYSTEM = Actor("system")


class ProofRequired(PermissionDenied):
    message = N_(
        "Para hacer esto confirme que usted hizo la solicitud: use el enlace del mensaje que le "
        "enviamos o pida un código en la página de seguimiento."
    )


def may(actor: Actor, action: str, ticket: Ticket | None = None) -> bool:
    if actor.kind == "system":
        return True
    if actor.kind == "resident":
        # Reading is not acting: the code shows the public view; acting needs proof.
        return action == "open" or (action in PURPOSES and proves(actor.proof, ticket, action))
    user = actor.user
    if user is None or not user.active:
        return False
    if action in ANY_TICKET_ACTIONS.get(user.role, frozenset()):
        return True
    if action not in DEPARTMENT_ACTIONS.get(user.role, frozenset()):
        return False
    if action == "take":  # taking means holding it: only who may hold it (``can_be_assignee``)
        return ticket is not None and can_be_assignee(user, ticket)
    if user.role == ADMIN:
        return True
    return ticket is not None and ticket.department_id == user.department_id


def may_see_contact(actor: Actor, ticket: Ticket | None = None) -> bool:
    """Need to know: the one rule for personal data on staff pages, the API and the counter.

    A ticket's personal data (the details given with it, the person it is joined to, where its
    notices went) is shown to staff of its department, to the staff member who filed it (at the
    counter or on the phone: they took the details down) and to admins; anyone else reading
    the ticket sees it without them. Without a ticket, the question is about person records
    and the search by RUT, mobile or email: counter staff (who serve people) and admins.
    The data protection officer sees every person's data. A blocked person's data is read
    only by the data protection officer and admins (``reads_blocked``).
    """
    if actor.kind == "system":
        return True
    user = actor.user
    if user is None or not user.active:
        return False
    if ticket is None:
        return may(actor, "people")
    if user.role in READS_BLOCKED:
        return True
    if is_blocked(ticket):
        return False
    if ticket.filed_by_id == user.id:
        return True
    return user.department_id is not None and user.department_id == ticket.department_id


def is_blocked(ticket: Ticket) -> bool:
    """The ticket is joined to a blocked person: its personal data is kept, not processed."""
    return ticket.person is not None and ticket.person.blocked_at is not None


def recipient_blocked(session: Session, notification: Notification) -> bool:
    """A notice to a resident whose data is blocked (the ticket's person, or a person holding
    that number or email): it must not go out (checked again just before sending)."""
    return notification.id in blocked_notices(session, [notification])


class Notice(Protocol):
    """What the rule reads of a notice: a ``Notification`` or a delivery's claimed row."""

    id: int
    channel: str
    recipient: str
    ticket_id: int | None
    recipient_staff_id: int | None


def blocked_notices(session: Session, notices: Iterable[Notice]) -> set[int]:
    """``recipient_blocked`` for many notices at once (a delivery batch), in two queries: the
    ids of those that must not go out. Notices to staff are never blocked."""
    residents = [notice for notice in notices if notice.recipient_staff_id is None]
    if not residents:
        return set()
    ticket_ids = {notice.ticket_id for notice in residents if notice.ticket_id is not None}
    blocked_tickets = set()
    if ticket_ids:
        blocked_tickets = set(
            session.scalars(
                select(Ticket.id)
                .join(Contact, Contact.id == Ticket.person_id)
                .where(Ticket.id.in_(ticket_ids), Contact.blocked_at.is_not(None))
            )
        )
    mobiles = {notice.recipient for notice in residents if notice.channel == "sms"}
    emails = {notice.recipient for notice in residents if notice.channel != "sms"}
    held = [
        *([Contact.mobile.in_(mobiles)] if mobiles else []),
        *([Contact.email.in_(emails)] if emails else []),
    ]
    blocked_mobiles, blocked_emails = set(), set()
    for mobile, email in session.execute(
        select(Contact.mobile, Contact.email).where(Contact.blocked_at.is_not(None), or_(*held))
    ):
        blocked_mobiles.add(mobile)
        blocked_emails.add(email)
    return {
        notice.id
        for notice in residents
        if notice.ticket_id in blocked_tickets
        or notice.recipient in (blocked_mobiles if notice.channel == "sms" else blocked_emails)
    }


def reads_blocked(actor: Actor) -> bool:
    """The data protection officer and admins read a blocked person's data; nobody else."""
    if actor.kind == "system":
        return True
    user = actor.user
    return user is not None and user.active and user.role in READS_BLOCKED


def contact_visible_where(actor: Actor) -> ColumnElement[bool]:
    """``may_see_contact`` for many tickets at once: a condition on ``tickets`` for lists."""
    user = actor.user
    if actor.kind == "system" or (user is not None and user.active and user.role in READS_BLOCKED):
        return true()
    if user is None or not user.active:
        return false()
    not_blocked = or_(
        Ticket.person_id.is_(None), ~Ticket.person.has(Contact.blocked_at.is_not(None))
    )
    return and_(
        or_(Ticket.department_id == user.department_id, Ticket.filed_by_id == user.id),
        not_blocked,
    )


def allowed_actions(actor: Actor, ticket: Ticket) -> list[str]:
    """The staff actions to offer on a ticket: what the role may do and the lifecycle allows
    now (taking a ticket one already has is not offered)."""
    return [
        action
        for action, (permission, _target) in lifecycle.STAFF_ACTIONS.items()
        if may(actor, permission, ticket)
        and lifecycle.fits_status(action, ticket.status)
        and not (action == "take" and ticket.assignee_id == actor.user_id)
        and not (action == "extend" and rights.extension_refusal(ticket) is not None)
    ]


def listed_where(actor: Actor, department=Ticket.department_id) -> ColumnElement[bool]:
    """Which tickets a staff member's lists show (queue, API): agents and heads of a unit see
    their unit's; counter staff (who serve anyone who walks in) and admins see all. Reading one
    ticket is ``may(actor, "read")``; its personal data is ``may_see_contact``. ``department``
    is the column holding the unit (another table's, e.g. the queue's counter rows)."""
    user = actor.user
    if actor.kind == "system":
        return true()
    if user is None or not user.active:
        return false()
    if user.role in (AGENT, HEAD) and user.department_id is not None:
        return department == user.department_id
    return true()


def assignees_where(actor: Actor) -> ColumnElement[bool]:
    """Staff who can hold tickets this actor lists (``can_be_assignee`` for many): agents,
    heads and admins who belong to a unit — the actor's unit for agents and heads, any unit
    for counter staff and admins. An admin without a unit holds no tickets."""
    user = actor.user
    holders = and_(StaffUser.role.in_((AGENT, HEAD, ADMIN)), StaffUser.department_id.is_not(None))
    if user is not None and user.role in (AGENT, HEAD) and user.department_id is not None:
        holders = and_(holders, StaffUser.department_id == user.department_id)
    return holders


def require(actor: Actor, action: str, ticket: Ticket | None = None) -> None:
    if not may(actor, action, ticket):
        if actor.kind == "resident" and action in PURPOSES:
            raise ProofRequired(action=action)
        raise PermissionDenied(action=action, role=actor.role or actor.kind)


def can_be_assignee(user: StaffUser, ticket: Ticket) -> bool:
    """Tickets are held by agents, heads or admins of the ticket's department (the same rule
    as ``assignees_where``): an admin without a unit holds none."""
    if not user.active:
        return False
    return user.role in {AGENT, HEAD, ADMIN} and user.department_id == ticket.department_id
