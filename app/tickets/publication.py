"""What public feeds may say about a ticket: facts, not people.

Open311 GETs, transparency and open data name a ticket by its public id (random, unrelated to
the tracking code, which stays the resident's secret), and carry its category, department,
status, dates, a coarse location and the summary staff approved. Never what the resident wrote,
names, or the exact address. Tickets of a sensitive category are not published at all, not even
by public id. This module is the one place those rules live.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.models import Category, Ticket, utcnow
from app.tickets.codes import parse_public_id
from app.tickets.errors import N_, NotFound, ValidationFailed
from app.tickets.events import record_event
from app.tickets.permissions import Actor, require
from app.tickets.service import _check_version, _flush
from app.tickets.text import sanitize

COORDINATE_DECIMALS = 3  # about 110 m north-south and 90 m east-west in Santiago
MAX_SUMMARY = 500
MAX_STREET = 80
SUMMARY_TOO_LONG = N_("El resumen público admite como máximo 500 caracteres.")

# A ticket may appear in a public feed: its category is not sensitive.
PUBLISHABLE = Ticket.category_id.in_(select(Category.id).where(Category.sensitive.is_(False)))

# The street is what comes before the first number, comma, '#' or parenthesis.
_STREET_END = re.compile(r"[\d#,;(]")
# Words left dangling once the number is cut ("Av. Grecia N° 8735" -> "Av. Grecia").
_DANGLING = {
    "n",
    "n°",
    "nº",
    "no",
    "nro",
    "num",
    "núm",
    "numero",
    "número",
    "depto",
    "dpto",
    "departamento",
    "block",
    "casa",
    "km",
}


def coarse_address(address: str | None) -> str | None:
    """The street without its house number: ``Av. José Arrieta 8000, Peñalolén`` ->
    ``Av. José Arrieta``."""
    words = _STREET_END.split(sanitize(address), maxsplit=1)[0].split()
    while words and words[-1].lower().strip(".:-") in _DANGLING:
        words.pop()
    street = " ".join(words)[:MAX_STREET].strip(" .:-/")
    return street or None


def coarse_coordinate(value: float | None) -> float | None:
    return None if value is None else round(value, COORDINATE_DECIMALS)


def get_published(session: Session, text: str) -> Ticket:
    """The ticket a public id names, if public feeds may show it; NotFound otherwise (a
    sensitive ticket is answered exactly like one that does not exist)."""
    public_id = parse_public_id(text)
    ticket = public_id and session.scalar(
        select(Ticket)
        .where(Ticket.public_id == public_id, PUBLISHABLE)
        .options(joinedload(Ticket.category), joinedload(Ticket.department))
    )
    if not ticket:
        raise NotFound(N_("No existe una solicitud pública con ese identificador."))
    return ticket


def set_public_summary(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    text: str | None,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Staff write (or approve, or withdraw with an empty text) what feeds say of the request.

    The ticket's department staff and admins may; it is recorded in the history and moves the
    version like any other change.
    """
    require(actor, "summarize", ticket)
    _check_version(ticket, expected_version)
    summary = sanitize(text) or None
    if summary and len(summary) > MAX_SUMMARY:
        raise ValidationFailed(SUMMARY_TOO_LONG, field="body")
    if summary == ticket.public_summary:
        return ticket
    ticket.public_summary = summary
    record_event(session, ticket, actor, "public_summary", now or utcnow(), body=summary)
    _flush(session)
    return ticket
