"""Indexes the dashboards' range aggregates need (declared here so the tickets model stays as
the tickets domain owns it): periods by creation, resolution and first response, per department."""

from sqlalchemy import Index

from app.models.tickets import Ticket

DASHBOARD_INDEXES = (
    Index("ix_tickets_department_created", Ticket.department_id, Ticket.created_at),
    Index("ix_tickets_resolved_at", Ticket.resolved_at),
    Index("ix_tickets_department_resolved", Ticket.department_id, Ticket.resolved_at),
    Index("ix_tickets_first_responded_at", Ticket.first_responded_at),
)
