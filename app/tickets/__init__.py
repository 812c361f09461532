"""The tickets domain. Import the functions from here."""

from app.tickets import counts  # noqa: F401 - registers the counters' flush listener
from app.tickets.errors import (
    DomainError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleTicket,
    ValidationFailed,
)
from app.tickets.permissions import RESIDENT, SYSTEM, Actor, may, may_see_contact, require
from app.tickets.service import (
    TicketIntake,
    add_comment,
    assign,
    file_ticket,
    find_by_source_ref,
    get_by_code,
    intake_problems,
    mark_duplicate,
    open_ticket,
    reroute,
    resident_reply,
    transition,
    withdraw,
)

__all__ = [
    "RESIDENT",
    "SYSTEM",
    "Actor",
    "DomainError",
    "InvalidTransition",
    "NotFound",
    "PermissionDenied",
    "StaleTicket",
    "TicketIntake",
    "ValidationFailed",
    "add_comment",
    "assign",
    "file_ticket",
    "find_by_source_ref",
    "get_by_code",
    "intake_problems",
    "mark_duplicate",
    "may",
    "may_see_contact",
    "open_ticket",
    "require",
    "reroute",
    "resident_reply",
    "transition",
    "withdraw",
]
