"""Indexes the dashboards' range aggregates need (declared here so the tickets model stays as
the tickets domain owns it). Each leads with the period column (or the department, then the
period) and carries the columns the figures group and measure by, so Postgres answers from the
index alone (index-only scans) instead of visiting one table page per ticket."""

from sqlalchemy import Index

from app.models.tickets import Ticket

_RESOLUTION = (
    Ticket.category_id,
    Ticket.channel,
    Ticket.resolution_business_minutes,
    Ticket.resolution_calendar_minutes,
    Ticket.id,
)
DASHBOARD_INDEXES = (
    Index(
        "ix_tickets_department_created",
        Ticket.department_id,
        Ticket.created_at,
        Ticket.category_id,
        Ticket.channel,
    ),
    Index("ix_tickets_resolved_at", Ticket.resolved_at, Ticket.department_id, *_RESOLUTION),
    Index("ix_tickets_department_resolved", Ticket.department_id, Ticket.resolved_at, *_RESOLUTION),
    Index(
        "ix_tickets_first_responded_at",
        Ticket.first_responded_at,
        Ticket.department_id,
        Ticket.category_id,
        Ticket.channel,
        Ticket.first_response_business_minutes,
        Ticket.first_response_calendar_minutes,
    ),
)
