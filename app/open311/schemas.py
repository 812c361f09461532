"""Marshmallow schemas: what Open311 clients send, and the public view of a request.

The public schemas have no personal fields (no contact, no device or account, no staff names),
so no GET can leak them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from app.models import Ticket, TicketEvent
from app.open311.attributes import parse_w3c_datetime
from app.tickets import codes
from app.tickets.lifecycle import LABELS, open311_status
from app.tickets.service import MAX_DESCRIPTION

MAX_PAGE_SIZE = 1000


class W3CDateTime(fields.Field):
    """A W3C datetime that must carry its zone; naive or malformed values are refused."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ARG002
        try:
            return parse_w3c_datetime(str(value))
        except ValueError:
            raise ValidationError(
                _("debe ser una fecha y hora W3C con zona, p. ej. 2026-11-24T10:00:00-03:00")
            ) from None


class LocalDateTime(fields.Field):
    """An aware UTC instant shown with the municipality's offset (``-03:00`` / ``-04:00``)."""

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):  # noqa: ARG002
        if value is None:
            return None
        zone = ZoneInfo(current_app.config["TIMEZONE"])
        return value.astimezone(zone).isoformat(timespec="seconds")


def comma_list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class RequestsQuerySchema(Schema):
    """``GET requests`` parameters (with the paging and ``extensions`` extensions)."""

    class Meta:
        unknown = EXCLUDE

    service_request_id = fields.String(load_default=None)
    service_code = fields.String(load_default=None)
    start_date = W3CDateTime(load_default=None)
    end_date = W3CDateTime(load_default=None)
    status = fields.String(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(
        load_default=MAX_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE)
    )
    extensions = fields.Boolean(load_default=False)

    @validates_schema
    def _known_statuses(self, data: dict[str, Any], **kwargs) -> None:  # noqa: ARG002
        if not set(comma_list(data.get("status"))) <= {"open", "closed"}:
            raise ValidationError(_("debe ser open, closed o ambos"), "status")


class PostRequestSchema(Schema):
    """``POST requests`` form fields (``attribute[...]`` is read against the category)."""

    class Meta:
        unknown = EXCLUDE

    service_code = fields.String(required=True)
    lat = fields.Float(load_default=None, validate=validate.Range(min=-90, max=90))
    long = fields.Float(load_default=None, validate=validate.Range(min=-180, max=180))
    address_string = fields.String(load_default=None, validate=validate.Length(max=300))
    address_id = fields.String(load_default=None, validate=validate.Length(max=100))
    email = fields.String(load_default=None, validate=validate.Length(max=254))
    device_id = fields.String(load_default=None, validate=validate.Length(max=128))
    account_id = fields.String(load_default=None, validate=validate.Length(max=128))
    first_name = fields.String(load_default=None, validate=validate.Length(max=100))
    last_name = fields.String(load_default=None, validate=validate.Length(max=100))
    phone = fields.String(load_default=None, validate=validate.Length(max=40))
    description = fields.String(load_default="", validate=validate.Length(max=MAX_DESCRIPTION))
    media_url = fields.Url(
        load_default=None, schemes={"http", "https"}, validate=validate.Length(max=500)
    )

    @validates_schema
    def _one_location(self, data: dict[str, Any], **kwargs) -> None:  # noqa: ARG002
        has_point = data.get("lat") is not None and data.get("long") is not None
        if (data.get("lat") is None) != (data.get("long") is None):
            raise ValidationError(_("lat y long van juntas"), "lat")
        if not (has_point or data.get("address_string") or data.get("address_id")):
            raise ValidationError(
                _("indique una ubicación: lat y long, address_string o address_id"), "location"
            )


class ServiceSchema(Schema):
    service_code = fields.String(attribute="code")
    service_name = fields.String(attribute="name")
    description = fields.String()
    metadata = fields.Function(lambda category: bool(category.attributes))
    type = fields.Constant("realtime")
    keywords = fields.Function(lambda category: ", ".join(category.keyword_list))
    group = fields.String(attribute="department.name")


# What a public timeline entry says when staff wrote no text.
DEFAULT_NOTE = {
    "created": "Solicitud recibida.",
    "routed": "Solicitud derivada a la unidad que corresponde.",
}


class NoteSchema(Schema):
    """One public event (``extensions=true``): when, what, the resulting status and its text."""

    datetime = LocalDateTime(attribute="created_at")
    type = fields.String(attribute="kind")
    status = fields.Function(
        lambda event: open311_status(event.to_status) if event.to_status else None
    )
    status_label = fields.Function(lambda event: LABELS.get(event.to_status or ""))
    description = fields.Function(lambda event: event.body or DEFAULT_NOTE.get(event.kind))


@dataclass
class PublicRequest:
    """A ticket with what its public view needs besides its own columns."""

    ticket: Ticket
    service_notice: str
    notes: list[TicketEvent] = field(default_factory=list)

    @property
    def status_notes(self) -> str | None:
        return next((e.body for e in reversed(self.notes) if e.body), None)


class PublicRequestSchema(Schema):
    """A service request as anyone may read it: no personal data by construction."""

    service_request_id = fields.Function(lambda r: codes.display(r.ticket.code))
    status = fields.Function(lambda r: open311_status(r.ticket.status))
    status_notes = fields.String()
    service_name = fields.String(attribute="ticket.category.name")
    service_code = fields.String(attribute="ticket.category.code")
    description = fields.String(attribute="ticket.description")
    agency_responsible = fields.String(attribute="ticket.department.name")
    service_notice = fields.String()
    requested_datetime = LocalDateTime(attribute="ticket.created_at")
    updated_datetime = LocalDateTime(attribute="ticket.updated_at")
    expected_datetime = LocalDateTime(attribute="ticket.resolution_due_at")
    address = fields.String(attribute="ticket.address")
    lat = fields.Float(attribute="ticket.lat")
    long = fields.Float(attribute="ticket.lon")
    media_url = fields.Function(lambda r: (r.ticket.media_urls or [None])[0])
    notes = fields.List(fields.Nested(NoteSchema))
