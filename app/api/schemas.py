"""API schemas. The public ticket view and the list view carry no personal data."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.inputs import EARLIEST, LATEST
from app.models import CHANNELS
from app.tickets.codes import display
from app.tickets.lifecycle import STATUSES
from app.tickets.service import MAX_DESCRIPTION


class DepartmentSchema(Schema):
    code = fields.String()
    name = fields.String()
    description = fields.String()


class CategorySchema(Schema):
    code = fields.String()
    name = fields.String()
    description = fields.String()
    department = fields.Pluck(DepartmentSchema, "code")
    first_response_target_minutes = fields.Integer(attribute="first_response_minutes")
    resolution_target_minutes = fields.Integer(attribute="resolution_minutes")


class ContactInSchema(Schema):
    name = fields.String(validate=validate.Length(max=200))
    email = fields.String(validate=validate.Length(max=254))
    mobile = fields.String(validate=validate.Length(max=30))
    rut = fields.String(validate=validate.Length(max=14))
    rut_attested = fields.Boolean(
        load_default=False,
        metadata={"description": "Staff sessions only: the ID card with this RUT was seen"},
    )


class TicketContactSchema(Schema):
    """Staff only: the contact details given with one ticket, and what proved them."""

    name = fields.String(allow_none=True)
    rut = fields.String(
        allow_none=True,
        metadata={"description": "Compact: digits and check digit, no dots or hyphen"},
    )
    mobile = fields.String(allow_none=True, metadata={"description": "E.164"})
    email = fields.String(allow_none=True)
    consent_notify = fields.Boolean()
    consent_at = fields.DateTime(allow_none=True)
    consent_wording = fields.String(
        allow_none=True, metadata={"description": "Version of the consent wording shown"}
    )
    consent_withdrawn_at = fields.DateTime(allow_none=True)
    channel = fields.String(metadata={"description": "The channel they came through"})
    given_at = fields.DateTime()
    mobile_verified = fields.Boolean(metadata={"description": "Texted in from this number"})
    email_confirmed_at = fields.DateTime(allow_none=True)
    rut_attested = fields.Function(
        lambda contact: contact.rut_attested_by_id is not None,
        metadata={"type": "boolean", "description": "Counter staff saw the ID card with this RUT"},
    )


class StaffContactSchema(Schema):
    contact = fields.Nested(TicketContactSchema, allow_none=True)
    person_id = fields.Integer(
        allow_none=True,
        metadata={"description": "The person record joined by a proof (SMS, email link, RUT)"},
    )


class TicketCreateSchema(Schema):
    category = fields.String(required=True, metadata={"description": "Category code"})
    description = fields.String(required=True, validate=validate.Length(min=3, max=MAX_DESCRIPTION))
    address = fields.String(validate=validate.Length(max=300))
    lat = fields.Float(validate=validate.Range(-90, 90))
    lon = fields.Float(validate=validate.Range(-180, 180))
    contact = fields.Nested(ContactInSchema)
    consent_notify = fields.Boolean(load_default=None)
    consent_wording = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=32),
        metadata={
            "description": "The version of the consent wording your client showed the person "
            "(kept with the consent)"
        },
    )
    channel = fields.String(
        validate=validate.OneOf(["counter", "phone"]),
        metadata={"description": "Staff sessions only: walk-in or phone call (default counter)"},
    )
    source_ref = fields.String(
        validate=validate.Length(min=1, max=128),
        metadata={
            "description": "Your own id for this request: a retry with it creates nothing new"
        },
    )


class TimelineEntrySchema(Schema):
    at = fields.DateTime()
    title = fields.String()
    body = fields.String(allow_none=True)


class PublicTicketSchema(Schema):
    """What anyone holding the code may see."""

    code = fields.String()
    public_id = fields.String(
        metadata={"description": "The name Open311 and open data give this request"}
    )
    status = fields.String()
    status_label = fields.String()
    category = fields.String()
    department = fields.String()
    created_at = fields.DateTime()
    expected_at = fields.DateTime()
    is_late = fields.Boolean()
    timeline = fields.List(fields.Nested(TimelineEntrySchema))


class TicketSummarySchema(Schema):
    """One row of the staff/integration list: workflow data, no personal data."""

    id = fields.Integer()
    code = fields.Function(lambda t: display(t.code))
    public_id = fields.String()
    status = fields.String()
    channel = fields.String()
    category = fields.Pluck(CategorySchema, "code")
    department = fields.Pluck(DepartmentSchema, "code")
    assignee_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    first_response_due_at = fields.DateTime()
    resolution_due_at = fields.DateTime()
    first_responded_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    version = fields.Integer()


class TicketPageSchema(Schema):
    items = fields.List(fields.Nested(TicketSummarySchema))
    page = fields.Integer()
    page_size = fields.Integer()
    has_next = fields.Boolean()


class TicketQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    department = fields.String()
    category = fields.String()
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    created_from = fields.AwareDateTime(validate=validate.Range(EARLIEST, LATEST))
    created_to = fields.AwareDateTime(validate=validate.Range(EARLIEST, LATEST))
    overdue = fields.Boolean()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class EventCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["transition", "comment", "note"]))
    to_status = fields.String(validate=validate.OneOf(STATUSES))
    body = fields.String(validate=validate.Length(max=MAX_DESCRIPTION))
    version = fields.Integer(
        required=True, metadata={"description": "The ticket version you saw (optimistic lock)"}
    )


class EventSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    public = fields.Boolean()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    body = fields.String(allow_none=True)
    created_at = fields.DateTime()
    ticket_version = fields.Integer()
