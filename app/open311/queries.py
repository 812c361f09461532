"""The reads behind ``GET requests``: SQL filters on indexed columns, a LIMIT, no per-row query.

One query for the page of tickets (category and department joined in), one for the public
timeline of all of them together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, not_, select
from sqlalchemy.orm import Session, joinedload

from app.models import Category, Ticket, TicketEvent
from app.open311.errors import Open311Error
from app.tickets.lifecycle import OPEN_STATUSES
from app.tickets.publication import PUBLISHABLE

MAX_SPAN = timedelta(days=90)


@dataclass
class RequestFilters:
    public_ids: list[str]
    service_codes: list[str]
    start: datetime
    end: datetime
    statuses: set[str]
    page: int
    page_size: int


def date_window(start: datetime | None, end: datetime | None, now: datetime):
    """The spec's window: default the last 90 days, one bound implies the other, 90 days max."""
    if start is None and end is None:
        end = now
    if start is None:
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Open311Error(400, _("end_date es anterior a start_date."))
    if end - start > MAX_SPAN:
        raise Open311Error(400, _("Entre start_date y end_date puede haber 90 días como máximo."))
    return start, end


def find_requests(session: Session, filters: RequestFilters) -> list[Ticket]:
    """Newest first, published tickets only (no sensitive category). ``public_ids``
    (service_request_id) overrides every other filter."""
    query = (
        select(Ticket)
        .where(PUBLISHABLE)
        .options(joinedload(Ticket.category), joinedload(Ticket.department))
    )
    if filters.public_ids:
        query = query.where(Ticket.public_id.in_(filters.public_ids))
    else:
        query = query.where(Ticket.created_at >= filters.start, Ticket.created_at <= filters.end)
        if filters.service_codes:
            query = query.where(
                Ticket.category_id.in_(
                    select(Category.id).where(Category.code.in_(filters.service_codes))
                )
            )
        if filters.statuses == {"open"}:
            query = query.where(Ticket.status.in_(OPEN_STATUSES))
        elif filters.statuses == {"closed"}:
            query = query.where(Ticket.status.not_in(OPEN_STATUSES))
    query = (
        query.order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(filters.page_size)
        .offset((filters.page - 1) * filters.page_size)
    )
    return list(session.scalars(query))


# Public events, except what residents wrote after filing (a reply may carry personal details;
# it stays on the resident's own tracking page, never in a bulk feed).
PUBLIC_TIMELINE = and_(
    TicketEvent.public.is_(True),
    not_(and_(TicketEvent.actor_kind == "resident", TicketEvent.kind == "comment")),
)


def public_timelines(session: Session, ticket_ids: list[int]) -> dict[int, list[TicketEvent]]:
    """Each ticket's public events, oldest first, in one query."""
    timelines: dict[int, list[TicketEvent]] = defaultdict(list)
    if not ticket_ids:
        return timelines
    events = session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id.in_(ticket_ids), PUBLIC_TIMELINE)
        .order_by(TicketEvent.ticket_id, TicketEvent.id)
    )
    for event in events:
        timelines[event.ticket_id].append(event)
    return timelines
