"""Marshmallow schemas: what Open311 clients send, and the public view of a request.

The public schemas have no personal fields (no contact, no device or account, no staff names, no
resident text, no exact location), so no GET can leak them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from app.inputs import in_date_range
from app.models import Ticket, TicketEvent
from app.open311.attributes import parse_w3c_datetime
from app.tickets.lifecycle import LABELS, open311_status
from app.tickets.publication import coarse_address, coarse_coordinate
from app.tickets.service import MAX_DESCRIPTION

MAX_PAGE_SIZE = 1000
MAX_PAGE = 10_000

# Spanish messages for the clients' developers (marshmallow's own are English).
TOO_LONG = _l("admite como máximo {max} caracteres.")
OUT_OF_RANGE = _l("debe estar entre {min} y {max}.")


def es(invalid: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """Field arguments with Spanish error messages (``invalid``: what the value must be)."""
    messages = {"required": _l("falta este dato."), "null": _l("falta este dato.")}
    messages["invalid"] = invalid or _l("el valor no es válido.")
    return {"error_messages": messages, **kwargs}


NUMBER = _l("debe ser un número.")
INTEGER = _l("debe ser un número entero.")


class W3CDateTime(fields.Field):
    """A W3C datetime that must carry its zone; naive or malformed values are refused."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ARG002
        try:
            instant = parse_w3c_datetime(str(value))
        except ValueError:
            raise ValidationError(
                _("debe ser una fecha y hora W3C con zona, p. ej. 2026-11-24T10:00:00-03:00")
            ) from None
        if not in_date_range(instant):
            raise ValidationError(_("debe estar entre los años 1900 y 2999."))
        return instant


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
    page = fields.Integer(
        **es(INTEGER, load_default=1, validate=validate.Range(1, MAX_PAGE, error=OUT_OF_RANGE))
    )
    page_size = fields.Integer(
        **es(
            INTEGER,
            load_default=MAX_PAGE_SIZE,
            validate=validate.Range(1, MAX_PAGE_SIZE, error=OUT_OF_RANGE),
        )
    )
    extensions = fields.Boolean(**es(_l("debe ser true o false."), load_default=False))

    @validates_schema
    def _known_statuses(self, data: dict[str, Any], **kwargs) -> None:  # noqa: ARG002
        if not set(comma_list(data.get("status"))) <= {"open", "closed"}:
            raise ValidationError(_("debe ser open, closed o ambos"), "status")


class PostRequestSchema(Schema):
    """``POST requests`` form fields (``attribute[...]`` is read against the category)."""

    class Meta:
        unknown = EXCLUDE

    service_code = fields.String(**es(required=True))
    lat = fields.Float(
        **es(NUMBER, load_default=None, validate=validate.Range(-90, 90, error=OUT_OF_RANGE))
    )
    long = fields.Float(
        **es(NUMBER, load_default=None, validate=validate.Range(-180, 180, error=OUT_OF_RANGE))
    )
    address_string = fields.String(
        **es(load_default=None, validate=validate.Length(max=300, error=TOO_LONG))
    )
    address_id = fields.String(
        **es(load_default=None, validate=validate.Length(max=100, error=TOO_LONG))
    )
    email = fields.String(
        **es(load_default=None, validate=validate.Length(max=254, error=TOO_LONG))
    )
    device_id = fields.String(
        **es(load_default=None, validate=validate.Length(max=128, error=TOO_LONG))
    )
    account_id = fields.String(
        **es(load_default=None, validate=validate.Length(max=128, error=TOO_LONG))
    )
    first_name = fields.String(
        **es(load_default=None, validate=validate.Length(max=100, error=TOO_LONG))
    )
    last_name = fields.String(
        **es(load_default=None, validate=validate.Length(max=100, error=TOO_LONG))
    )
    phone = fields.String(**es(load_default=None, validate=validate.Length(max=40, error=TOO_LONG)))
    description = fields.String(
        **es(load_default="", validate=validate.Length(max=MAX_DESCRIPTION, error=TOO_LONG))
    )
    media_url = fields.Url(
        **es(
            "debe ser una URL http o https.",  # Url needs a plain str
            load_default=None,
            schemes={"http", "https"},
            validate=validate.Length(max=500, error=TOO_LONG),
        )
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


# What a public timeline entry says. Never the text of the event: staff write to the resident,
# and what they write (a name, a street number, another ticket's code) is not for a feed.
NOTE_TEXT = {
    "created": _l("Solicitud recibida."),
    "routed": _l("Solicitud derivada a la unidad que corresponde."),
    "comment": _l("La Municipalidad respondió al vecino o vecina."),
}


def _note_text(event: TicketEvent) -> str | None:
    if event.kind == "status_changed" and event.to_status:
        return _("Cambio de estado: %(label)s.", label=_(LABELS[event.to_status]))
    text = NOTE_TEXT.get(event.kind)
    return str(text) if text else None


class NoteSchema(Schema):
    """One public event (``extensions=true``): when, what, the resulting status, in set words."""

    datetime = LocalDateTime(attribute="created_at")
    type = fields.String(attribute="kind")
    status = fields.Function(
        lambda event: open311_status(event.to_status) if event.to_status else None
    )
    status_label = fields.Function(
        lambda event: _(LABELS[event.to_status]) if event.to_status else None
    )
    description = fields.Function(_note_text)


@dataclass
class PublicRequest:
    """A ticket with what its public view needs besides its own columns."""

    ticket: Ticket
    service_notice: str
    notes: list[TicketEvent] = field(default_factory=list)
    media_url: str | None = None  # the public copy of a photo staff published, if any


class PublicRequestSchema(Schema):
    """A service request as anyone may read it: facts, not people (see app.tickets.publication).

    Named by its public id, never its tracking code; no resident text (``description`` is the
    summary staff approved, if any), no names, a street without number, coordinates to ~100 m.
    """

    service_request_id = fields.String(attribute="ticket.public_id")
    status = fields.Function(lambda r: open311_status(r.ticket.status))
    status_notes = fields.Function(lambda r: _(LABELS[r.ticket.status]))
    service_name = fields.String(attribute="ticket.category.name")
    service_code = fields.String(attribute="ticket.category.code")
    description = fields.String(attribute="ticket.public_summary")
    agency_responsible = fields.String(attribute="ticket.department.name")
    service_notice = fields.String()
    requested_datetime = LocalDateTime(attribute="ticket.created_at")
    updated_datetime = LocalDateTime(attribute="ticket.updated_at")
    expected_datetime = LocalDateTime(attribute="ticket.resolution_due_at")
    address = fields.Function(lambda r: coarse_address(r.ticket.address))
    lat = fields.Function(lambda r: coarse_coordinate(r.ticket.lat))
    long = fields.Function(lambda r: coarse_coordinate(r.ticket.lon))
    media_url = fields.String()
    notes = fields.List(fields.Nested(NoteSchema))
