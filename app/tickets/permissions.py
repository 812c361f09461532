"""Who may do what. The only place role rules live: views and jobs ask here (via the domain)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, true

from app.models import StaffUser, Ticket
from app.tickets.errors import N_, PermissionDenied
from app.tickets.proof import PURPOSES, ResidentProof, proves

COUNTER, AGENT, HEAD, ADMIN = "counter", "agent", "head", "admin"

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
}
# Actions on any ticket, whatever its department.
ANY_TICKET_ACTIONS: dict[str, frozenset[str]] = {
    COUNTER: frozenset({"read", "comment", "note", "open", "people"}),
    AGENT: frozenset({"read", "open"}),
    HEAD: frozenset({"read", "open", "dashboard"}),
    ADMIN: frozenset({"read", "open", "dashboard", "configure", "people", "audit"}),
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
    """
    if actor.kind == "system":
        return True
    user = actor.user
    if user is None or not user.active:
        return False
    if ticket is None:
        return may(actor, "people")
    if user.role == ADMIN or ticket.filed_by_id == user.id:
        return True
    return user.department_id is not None and user.department_id == ticket.department_id


def contact_visible_where(actor: Actor) -> ColumnElement[bool]:
    """``may_see_contact`` for many tickets at once: a condition on ``tickets`` for lists."""
    user = actor.user
    if actor.kind == "system" or (user is not None and user.active and user.role == ADMIN):
        return true()
    if user is None or not user.active:
        return false()
    return or_(Ticket.department_id == user.department_id, Ticket.filed_by_id == user.id)


def require(actor: Actor, action: str, ticket: Ticket | None = None) -> None:
    if not may(actor, action, ticket):
        if actor.kind == "resident" and action in PURPOSES:
            raise ProofRequired(action=action)
        raise PermissionDenied(action=action, role=actor.role or actor.kind)


def can_be_assignee(user: StaffUser, ticket: Ticket) -> bool:
    """Tickets are assigned to agents or heads of the ticket's department (or to admins)."""
    if not user.active:
        return False
    if user.role == ADMIN:
        return True
    return user.role in {AGENT, HEAD} and user.department_id == ticket.department_id
