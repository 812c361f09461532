"""The ticket lifecycle: statuses, their Spanish labels and the only transitions allowed."""

from __future__ import annotations

from app.models.tickets import (  # noqa: F401 - the statuses, re-exported with their rules
    CLOSED,
    DUPLICATE,
    IN_PROGRESS,
    NEW,
    REJECTED,
    RESOLVED,
    STATUSES,
    WAITING_RESIDENT,
)
from app.models.tickets import OPEN_STATUSES as _OPEN_IN_ORDER
from app.tickets.errors import N_

TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({IN_PROGRESS, WAITING_RESIDENT, RESOLVED, REJECTED, DUPLICATE}),
    IN_PROGRESS: frozenset({WAITING_RESIDENT, RESOLVED, REJECTED, DUPLICATE}),
    WAITING_RESIDENT: frozenset({IN_PROGRESS, RESOLVED, CLOSED}),
    RESOLVED: frozenset({CLOSED, IN_PROGRESS}),
    CLOSED: frozenset(),
    REJECTED: frozenset(),
    DUPLICATE: frozenset(),
}

# Source text in es-CL (see README: Spanish is the source language of the catalogs).
LABELS = {
    NEW: N_("Recibida"),
    IN_PROGRESS: N_("En proceso"),
    WAITING_RESIDENT: N_("Esperando respuesta del vecino"),
    RESOLVED: N_("Resuelta"),
    CLOSED: N_("Cerrada"),
    REJECTED: N_("No corresponde"),
    DUPLICATE: N_("Duplicada"),
}

OPEN_STATUSES = frozenset(_OPEN_IN_ORDER)
FINAL_STATUSES = frozenset({CLOSED, REJECTED, DUPLICATE})
# The SLA clock does not run in these (the resolution clock stops in RESOLVED; reopening resumes).
PAUSED_STATUSES = frozenset({WAITING_RESIDENT, RESOLVED})
# These need a public text: the question asked, what was done, why it does not apply.
NEEDS_PUBLIC_TEXT = frozenset({WAITING_RESIDENT, RESOLVED, REJECTED})
# Besides the table: the resident may withdraw a request that is still open ("retirar
# solicitud"). It goes to CLOSED with a public note, as if nobody needed it any more.
WITHDRAWABLE = OPEN_STATUSES
WITHDRAWN_NOTE = N_("Solicitud retirada por el vecino o vecina.")


# What staff can do to a ticket: action -> (the permission it needs, the status it moves to).
STAFF_ACTIONS: dict[str, tuple[str, str | None]] = {
    "take": ("take", None),
    "assign": ("assign", None),
    "start": ("transition", IN_PROGRESS),
    "ask": ("transition", WAITING_RESIDENT),
    "reply": ("comment", None),
    "note": ("note", None),
    "resolve": ("transition", RESOLVED),
    "reject": ("transition", REJECTED),
    "duplicate": ("mark_duplicate", DUPLICATE),
    "reopen": ("transition", IN_PROGRESS),
    "reroute": ("reroute", None),
    "summary": ("summarize", None),
    # A rights request's target, once (app/tickets/rights.py says when).
    "extend": ("extend", None),
}
# A closed, rejected or duplicate ticket is history: nobody takes, assigns, reroutes it or
# writes to the resident on it (an internal note still may be added).
NOT_ON_FINAL = frozenset({"take", "assign", "reroute", "reply", "extend"})
# Two moves to IN_PROGRESS are told apart by where they start.
ONLY_FROM = {"start": NEW, "reopen": RESOLVED}


def fits_status(action: str, status: str) -> bool:
    """Whether the lifecycle allows a staff action on a ticket in ``status``."""
    target = STAFF_ACTIONS[action][1]
    if target is not None and target not in TRANSITIONS[status]:
        return False
    if ONLY_FROM.get(action, status) != status:
        return False
    return not (status in FINAL_STATUSES and action in NOT_ON_FINAL)


def can_transition(current: str, target: str, *, withdrawal: bool = False) -> bool:
    if withdrawal:
        return target == CLOSED and current in WITHDRAWABLE
    return target in TRANSITIONS.get(current, frozenset())


def open311_status(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"
