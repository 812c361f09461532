"""What a browser proved about its visitor: a signed link or a one-time code showed them to be
the resident of a ticket. What a proof allows is decided by the domain (``app.tickets.proof``);
this module only keeps it, in the visitor's signed session cookie, for
``RESIDENT_ACCESS_MINUTES`` (30): the ticket's code, the purposes it covers and how it was
obtained. Nothing else about the visitor is stored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import session, url_for

from app.extensions import db
from app.models import Ticket
from app.tickets.codes import display
from app.tickets.lifecycle import RESOLVED, WAITING_RESIDENT, WITHDRAWABLE
from app.tickets.proof import PURPOSES, REPLY, SURVEY, WITHDRAW, ResidentProof, proves
from app.tickets.survey import answered, make_token
from config.settings import settings

GRANTS = "resident_access"
MAX_GRANTS = 5


def grant(ticket_code: str, purposes, via: str) -> None:
    """Remember in this browser that its visitor proved to be the ticket's resident."""
    now = time.time()
    grants = {code: entry for code, entry in (session.get(GRANTS) or {}).items() if entry[0] > now}
    kept = set(grants.get(ticket_code, (0, []))[1])
    minutes = settings().resident_access_minutes
    grants[ticket_code] = (now + minutes * 60, sorted(kept | set(purposes)), via)
    newest = sorted(grants.items(), key=lambda item: item[1][0])[-MAX_GRANTS:]
    session[GRANTS] = dict(newest)


def has_grant(ticket_code: str) -> bool:
    entry = (session.get(GRANTS) or {}).get(ticket_code)
    return bool(entry) and entry[0] > time.time()


def browser_proof(ticket: Ticket) -> ResidentProof | None:
    """What this browser proved for the ticket, if it still holds."""
    if not has_grant(ticket.code):
        return None
    _until, purposes, via = session[GRANTS][ticket.code]
    return ResidentProof(ticket.code, via, frozenset(purposes) & PURPOSES)


def may_act(ticket: Ticket, purpose: str) -> bool:
    return proves(browser_proof(ticket), ticket, purpose)


@dataclass(frozen=True)
class ResidentActions:
    """What the tracking page offers the visitor to do as the resident."""

    reply: bool = False  # the reply form
    survey_url: str | None = None
    withdraw_url: str | None = None
    verify_url: str | None = None  # "confirm it is you": something is possible, not yet proven
    waiting: bool = False
    survey_pending: bool = False


def resident_actions(ticket: Ticket, *, rated: bool | None = None) -> ResidentActions:
    """``rated``: whether the survey was answered, when the caller read it already."""
    code = display(ticket.code)
    waiting = ticket.status == WAITING_RESIDENT
    if rated is None:
        rated = ticket.status == RESOLVED and answered(db.session, ticket) is not None
    survey_pending = ticket.status == RESOLVED and not rated
    available = {REPLY: waiting, SURVEY: survey_pending, WITHDRAW: ticket.status in WITHDRAWABLE}
    allowed = {p for p, possible in available.items() if possible and may_act(ticket, p)}
    unproven = any(available.values()) and allowed != {p for p, ok in available.items() if ok}
    return ResidentActions(
        reply=REPLY in allowed,
        survey_url=url_for("public.survey", token=make_token(ticket))
        if SURVEY in allowed
        else None,
        withdraw_url=url_for("public.withdraw_request", code=code) if WITHDRAW in allowed else None,
        verify_url=url_for("public.verify", code=code) if unproven else None,
        waiting=waiting,
        survey_pending=survey_pending,
    )
