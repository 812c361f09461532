"""A small hand-made desk whose dashboard figures are computed by hand in the tests.

Department A ("DOP", category "luminaria": first response 1 business day = 540 min, resolution
5 business days = 2,700 min); department B ("DIDECO") with one resolved ticket. "Now" is
Tuesday 24 November 2026, 10:00 in Santiago (UTC-3); the period is November 2026.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SANTIAGO = ZoneInfo("America/Santiago")


def local(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SANTIAGO).astimezone(UTC)


NOW = local(11, 24)

# Resolved in November: (channel, created, first responded, resolved,
#   first response business/calendar minutes, resolution business/calendar minutes, rating)
RESOLVED = (
    ("web", 2, 2, 10, 30, 30, 60, 1440, 5),
    ("web", 3, 3, 11, 90, 90, 120, 2880, 4),
    ("counter", 4, 5, 12, 300, 1440, 600, 4320, 3),
    ("counter", 5, 6, 17, 540, 1440, 2700, 10080, None),
    ("phone", 6, 8, 18, 900, 2880, 3000, 14400, None),
)
# Open now: (created (month, day, hour), status) — ages in business days: 0, 2, 3, 5, 6, 11, 21.
OPEN = (
    ((11, 24, 9), "new"),
    ((11, 20, 10), "new"),
    ((11, 19, 10), "in_progress"),  # first response given: 1,200 business / 2,000 calendar min
    ((11, 17, 10), "new"),
    ((11, 16, 10), "new"),
    ((11, 9, 10), "waiting_resident"),  # paused: not overdue
    ((10, 26, 10), "new"),  # created before the period
)


@dataclass
class Desk:
    dop: object
    dideco: object
    luminaria: object
    ayuda: object


def build(session, make_department, make_category, make_ticket) -> Desk:
    from app.models import SatisfactionRating

    dop = make_department("DOP", "Dirección de Operaciones")
    dideco = make_department("DIDECO", "Dirección de Desarrollo Comunitario")
    dideco.highlighted = True
    luminaria = make_category("luminaria", department=dop, first=540, resolution=2700)
    ayuda = make_category("ayuda", department=dideco, first=540, resolution=2700)
    for channel, created, responded, resolved, frb, frc, rb, rc, rating in RESOLVED:
        ticket = make_ticket(luminaria, channel=channel, now=local(11, created))
        ticket.status = "resolved"
        ticket.first_responded_at = local(11, responded, 12)
        ticket.first_response_business_minutes, ticket.first_response_calendar_minutes = frb, frc
        ticket.resolved_at = local(11, resolved, 15)
        ticket.resolution_business_minutes, ticket.resolution_calendar_minutes = rb, rc
        ticket.next_due_at = ticket.resolution_due_at
        if rating:
            session.add(
                SatisfactionRating(
                    ticket=ticket, rating=rating, channel="sms", ticket_channel=channel
                )
            )
    for (month, day, hour), status in OPEN:
        ticket = make_ticket(luminaria, channel="web", now=local(month, day, hour))
        ticket.status = status
        if status == "in_progress":
            ticket.first_responded_at = local(11, 21, 9)
            ticket.first_response_business_minutes = 1200
            ticket.first_response_calendar_minutes = 2000
            ticket.next_due_at = ticket.resolution_due_at
        if status == "waiting_resident":
            ticket.sla_paused_at = local(11, 10)
    other = make_ticket(ayuda, channel="sms", now=local(11, 3))
    other.status = "resolved"
    other.first_responded_at, other.resolved_at = local(11, 3, 11), local(11, 4, 11)
    other.first_response_business_minutes = other.first_response_calendar_minutes = 60
    other.resolution_business_minutes, other.resolution_calendar_minutes = 100, 200
    session.add(SatisfactionRating(ticket=other, rating=2, channel="web", ticket_channel="sms"))
    session.flush()
    return Desk(dop, dideco, luminaria, ayuda)
