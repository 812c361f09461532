"""The queue's free-text search: accent- and case-insensitive ("maria" finds "María") on the
description, and on the name given with the ticket where the actor may see it.

Folding is written in portable SQL (``lower`` and ``replace``), the same on SQLite and
Postgres, so no extension (``unaccent``) is needed; like the ``ILIKE`` it replaces, it scans
the tickets already narrowed by the other filters.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import ColumnElement, func, or_, select

from app.models import Ticket, TicketContact
from app.tickets.permissions import Actor, contact_visible_where

# Spanish letters with marks, both cases (SQLite's lower() only folds ASCII).
_FOLD = {
    "á": "a", "é": "e", "í": "i", "ó": "o", "ú": "u", "ü": "u", "ñ": "n",
    "Á": "a", "É": "e", "Í": "i", "Ó": "o", "Ú": "u", "Ü": "u", "Ñ": "n",
}  # fmt: skip
MAX_QUERY = 100


def fold_text(text: str) -> str:
    """What was typed, as the folded column reads: lower case, no accents."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def folded(column) -> ColumnElement[str]:
    expression = func.lower(column)
    for accented, plain in _FOLD.items():
        expression = func.replace(expression, accented, plain)
    return expression


def _like(text: str) -> str:
    escaped = fold_text(text[:MAX_QUERY]).replace("\\", "\\\\").replace("%", "\\%")
    return "%" + escaped.replace("_", "\\_") + "%"


def text_where(actor: Actor, text: str) -> ColumnElement[bool]:
    """Tickets whose description (or visible contact name) contains ``text``, folded."""
    pattern = _like(text)
    named = select(TicketContact.ticket_id).where(
        folded(TicketContact.name).like(pattern, escape="\\")
    )
    return or_(
        folded(Ticket.description).like(pattern, escape="\\"),
        Ticket.id.in_(named) & contact_visible_where(actor),
    )
