"""The ticket lifecycle: statuses, their Spanish labels and the only transitions allowed."""

from __future__ import annotations

from app.tickets.errors import N_

NEW = "new"
IN_PROGRESS = "in_progress"
WAITING_RESIDENT = "waiting_resident"
RESOLVED = "resolved"
CLOSED = "closed"
REJECTED = "rejected"
DUPLICATE = "duplicate"

STATUSES = (NEW, IN_PROGRESS, WAITING_RESIDENT, RESOLVED, CLOSED, REJECTED, DUPLICATE)

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

OPEN_STATUSES = frozenset({NEW, IN_PROGRESS, WAITING_RESIDENT})
FINAL_STATUSES = frozenset({CLOSED, REJECTED, DUPLICATE})
# The SLA clock does not run in these (the resolution clock stops in RESOLVED; reopening resumes).
PAUSED_STATUSES = frozenset({WAITING_RESIDENT, RESOLVED})
# These need a public text: the question asked, what was done, why it does not apply.
NEEDS_PUBLIC_TEXT = frozenset({WAITING_RESIDENT, RESOLVED, REJECTED})
# Besides the table: the resident may withdraw a request that is still open ("retirar
# solicitud"). It goes to CLOSED with a public note, as if nobody needed it any more.
WITHDRAWABLE = OPEN_STATUSES
WITHDRAWN_NOTE = N_("Solicitud retirada por el vecino o vecina.")


def can_transition(current: str, target: str, *, withdrawal: bool = False) -> bool:
    if withdrawal:
        return target == CLOSED and current in WITHDRAWABLE
    return target in TRANSITIONS.get(current, frozenset())


def open311_status(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"
