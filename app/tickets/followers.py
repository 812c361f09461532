"""Following a ticket someone else filed ("Es el mismo: seguir ese").

A resident who finds their problem already reported nearby follows that ticket instead of
filing a new one: their mobile or email is kept with their consent (the wording's version) and
they are told once, when the ticket is resolved (app/notices/outbox). They never learn the
ticket's code (it is the filer's secret) nor anything the filer wrote: only public facts.
Each follower has a random token; ``/dejar-de-seguir/<token>`` stops it and clears the contact.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.models import Category, Ticket, TicketFollower, utcnow
from app.models.tickets import OPEN_STATUSES
from app.tickets.contacts import normalize_email, normalize_mobile
from app.tickets.errors import N_, NotFound, ValidationFailed

NEEDS_CONTACT = N_(
    "Para seguir esa solicitud escriba su correo o su celular y elija «Sí, quiero recibir "
    "avisos»: le avisaremos cuando se resuelva."
)
NOT_FOLLOWABLE = N_("Esa solicitud ya no está abierta o no se puede seguir. Haga una nueva.")


def followable(session: Session, public_id: str | None) -> Ticket:
    """The open, publishable ticket named by its public id (the name public feeds give it)."""
    ticket = (
        session.scalar(
            select(Ticket)
            .join(Category, Category.id == Ticket.category_id)
            .where(
                Ticket.public_id == (public_id or "").strip()[:16],
                Ticket.status.in_(OPEN_STATUSES),
                Category.sensitive.is_(False),
                Ticket.anonymized_at.is_(None),
            )
        )
        if public_id
        else None
    )
    if ticket is None:
        raise NotFound(NOT_FOLLOWABLE, field="seguir")
    return ticket


def follow(
    session: Session,
    ticket: Ticket,
    *,
    mobile: str | None,
    email: str | None,
    consent: bool,
    consent_wording: str,
    now: datetime | None = None,
) -> TicketFollower:
    """Add (or find again) this contact as a follower of ``ticket``; flushes."""
    mobile, email = normalize_mobile(mobile), normalize_email(email)
    if not consent or not (mobile or email):
        raise ValidationFailed(NEEDS_CONTACT, field="consent")
    if ticket.status not in OPEN_STATUSES:
        raise NotFound(NOT_FOLLOWABLE, field="seguir")
    same = [TicketFollower.mobile == mobile] if mobile else []
    same += [TicketFollower.email == email] if email else []
    existing = session.scalar(
        select(TicketFollower).where(
            TicketFollower.ticket_id == ticket.id,
            TicketFollower.unsubscribed_at.is_(None),
            TicketFollower.redacted_at.is_(None),
            or_(*same),
        )
    )
    if existing is not None:
        return existing
    follower = TicketFollower(
        ticket_id=ticket.id,
        mobile=mobile,
        email=email,
        consent_wording=consent_wording,
        created_at=now or utcnow(),
    )
    session.add(follower)
    session.flush()
    return follower


def by_token(session: Session, token: str) -> TicketFollower | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(select(TicketFollower).where(TicketFollower.token == token))


def clear(follower: TicketFollower, now: datetime) -> None:
    """Forget the follower's contact (unsubscribed, anonymized or past retention)."""
    follower.mobile = None
    follower.email = None
    follower.redacted_at = follower.redacted_at or now


def unfollow(session: Session, follower: TicketFollower, now: datetime | None = None) -> bool:
    """Stop following: True if this call stopped it (a second click changes nothing)."""
    if follower.unsubscribed_at is not None:
        return False
    now = now or utcnow()
    follower.unsubscribed_at = now
    clear(follower, now)
    session.flush()
    return True


def follower_count(session: Session, ticket: Ticket) -> int:
    """How many residents follow the ticket (staff see the number, never who: need to know)."""
    return (
        session.scalar(
            select(func.count()).where(
                TicketFollower.ticket_id == ticket.id,
                TicketFollower.unsubscribed_at.is_(None),
                TicketFollower.redacted_at.is_(None),
            )
        )
        or 0
    )


def active_followers(session: Session, ticket: Ticket) -> list[TicketFollower]:
    return list(
        session.scalars(
            select(TicketFollower)
            .where(
                TicketFollower.ticket_id == ticket.id,
                TicketFollower.unsubscribed_at.is_(None),
                TicketFollower.redacted_at.is_(None),
            )
            .order_by(TicketFollower.id)
        )
    )
