"""API endpoints: thin — parse with a schema, call one domain function, dump with a schema."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api import Blueprint
from app.api.auth import Caller, require_caller, require_staff
from app.api.schemas import (
    CategorySchema,
    DepartmentSchema,
    EventCreateSchema,
    EventSchema,
    PublicTicketSchema,
    StaffContactSchema,
    TicketCreateSchema,
    TicketPageSchema,
    TicketQuerySchema,
)
from app.extensions import db, lookup_limit
from app.models import Category, Department, Ticket, TicketEvent, utcnow
from app.models.practice import set_scope_for
from app.public.presenters import present
from app.tickets import (
    RESIDENT,
    Actor,
    DomainError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleTicket,
    TicketIntake,
    ValidationFailed,
    add_comment,
    file_ticket,
    get_by_code,
    reference,
    transition,
)
from app.tickets.access_log import contact_shown
from app.tickets.codes import MistypedCode
from app.tickets.lifecycle import OPEN_STATUSES
from app.tickets.permissions import is_blocked, listed_where
from app.transaction import transaction

blp = Blueprint(
    "api", __name__, url_prefix="/api/v1", description="Solicitudes vecinales de Peñalolén"
)


@blp.before_request
def practice_scope() -> None:
    set_scope_for(current_user)  # a practising staff session: practice tickets, as on its pages


def domain_abort(error: DomainError, *_view_args, **_view_kwargs):
    """The domain refused (the transaction was rolled back): the answer in the API's format."""
    message = _(error.message)
    if isinstance(error, ValidationFailed):
        field = error.details.get("field", "_schema")
        abort(422, errors={"json": {field: [message]}}, message=message)
    if isinstance(error, StaleTicket):
        abort(409, message=message)
    if isinstance(error, PermissionDenied):
        abort(403, message=message)
    if isinstance(error, InvalidTransition):
        abort(409, message=message)
    abort(400, message=message)


def ticket_or_404(code: str) -> Ticket:
    try:
        return get_by_code(db.session, code)
    except MistypedCode:
        abort(404, message="El número parece tener un error de tipeo.", errors={"code": "mistyped"})
    except (NotFound, ValueError):
        abort(404, message="No existe una solicitud con ese número.", errors={"code": "not_found"})


@blp.route("/departments")
class Departments(MethodView):
    @blp.response(200, DepartmentSchema(many=True))
    def get(self):
        """Municipal units that answer requests."""
        return db.session.scalars(
            select(Department).where(Department.active.is_(True)).order_by(Department.code)
        ).all()


@blp.route("/categories")
class Categories(MethodView):
    @blp.response(200, CategorySchema(many=True))
    def get(self):
        """What residents can ask for, with the unit and the response targets."""
        return db.session.scalars(
            select(Category)
            .where(Category.active.is_(True))
            .options(selectinload(Category.department))
            .order_by(Category.code)
        ).all()


@blp.route("/tickets")
class Tickets(MethodView):
    @blp.arguments(TicketCreateSchema)
    @blp.response(201, PublicTicketSchema)
    @blp.alt_response(
        200, schema=PublicTicketSchema, description="Already created (same source_ref)"
    )
    @transaction(on_error=domain_abort)
    def post(self, data):
        """File a request (API key: channel api; staff session: counter or phone)."""
        caller = require_caller()
        category = reference.category_by_code(db.session, data["category"])
        if category is None:
            abort(422, errors={"json": {"category": ["Categoría desconocida."]}})
        key_id = None
        if caller.staff is not None:
            channel, actor = data.get("channel", "counter"), Actor.staff(caller.staff)
        else:
            channel, actor, key_id = "api", RESIDENT, caller.api_key.id
        contact = data.get("contact", {})
        intake = TicketIntake(
            channel=channel,
            category_id=category.id,
            description=data["description"],
            address=data.get("address"),
            lat=data.get("lat"),
            lon=data.get("lon"),
            name=contact.get("name"),
            email=contact.get("email"),
            mobile=contact.get("mobile"),
            rut=contact.get("rut"),
            rut_attested=contact.get("rut_attested", False),
            consent_notify=data["consent_notify"],
            consent_wording=data["consent_wording"],
            source_ref=data.get("source_ref"),
            api_key_id=key_id,
        )
        filed = file_ticket(db.session, intake, actor)
        view = present(
            db.session, filed.ticket, events=filed.events
        )  # before commit: nothing to reload afterwards
        location = url_for("api.TicketByCode", code=view.code)
        return view, 201 if filed.created else 200, {"Location": location}

    @blp.arguments(TicketQuerySchema, location="query")
    @blp.response(200, TicketPageSchema)
    @transaction  # the key's last use is stamped
    def get(self, query):
        """List tickets, nearest due first; no personal data.

        A staff session sees its department's tickets (admins: all). An API key sees the
        tickets it filed itself, unless it is a municipal staff integration (all tickets).
        """
        caller = require_caller()
        statement = select(Ticket).options(
            selectinload(Ticket.category), selectinload(Ticket.department)
        )
        statement = _filter(_visible_to(caller, statement), query)
        size, page = query["page_size"], query["page"]
        rows = db.session.scalars(
            statement.order_by(Ticket.resolution_due_at, Ticket.id)
            .limit(size + 1)
            .offset((page - 1) * size)
        ).all()
        return {"items": rows[:size], "page": page, "page_size": size, "has_next": len(rows) > size}


def _visible_to(caller: Caller, statement):
    if caller.api_key is not None and not caller.api_key.staff_integration:
        return statement.where(Ticket.api_key_id == caller.api_key.id)
    if caller.staff is not None:
        return statement.where(listed_where(Actor.staff(caller.staff)))
    return statement


def _filter(statement, query):
    if "status" in query:
        statement = statement.where(Ticket.status == query["status"])
    if "channel" in query:
        statement = statement.where(Ticket.channel == query["channel"])
    if "department" in query:
        statement = statement.join(Department, Ticket.department_id == Department.id).where(
            Department.code == query["department"]
        )
    if "category" in query:
        statement = statement.join(Category, Ticket.category_id == Category.id).where(
            Category.code == query["category"]
        )
    if "created_from" in query:
        statement = statement.where(Ticket.created_at >= query["created_from"])
    if "created_to" in query:
        statement = statement.where(Ticket.created_at < query["created_to"])
    if query.get("overdue"):
        statement = statement.where(
            Ticket.status.in_(OPEN_STATUSES),
            Ticket.sla_paused_at.is_(None),
            Ticket.resolution_due_at < utcnow(),
        )
    return statement


@blp.route("/tickets/<code>")
class TicketByCode(MethodView):
    @blp.response(200, PublicTicketSchema)
    @lookup_limit
    def get(self, code):
        """The public view of a ticket: status and public timeline, no personal data."""
        return present(db.session, ticket_or_404(code))


@blp.route("/tickets/<code>/contact")
class TicketContactView(MethodView):
    @blp.response(200, StaffContactSchema)
    @transaction  # the access-trail row
    def get(self, code):
        """Staff session only, need to know (the ticket's department, who filed it, admins):
        the contact details given with this ticket (notices go there). Each answer is
        recorded in the access trail."""
        user = require_staff()
        ticket = ticket_or_404(code)
        if is_blocked(ticket):  # an export to another system: never a blocked person's data
            abort(
                403,
                message=_(
                    "Datos bloqueados: la persona pidió que sus datos se conserven sin "
                    "tratarlos. No se entregan por la API."
                ),
            )
        if not contact_shown(db.session, Actor.staff(user), ticket, kind="contact_api"):
            abort(
                403,
                message=_(
                    "Datos de contacto reservados: los ven la unidad de la solicitud, "
                    "quien la ingresó y la administración."
                ),
            )
        return {"contact": ticket.contact, "person_id": ticket.person_id}


@blp.route("/tickets/<code>/events")
class TicketEvents(MethodView):
    @blp.arguments(EventCreateSchema)
    @blp.response(201, EventSchema)
    @transaction(on_error=domain_abort)
    def post(self, data, code):
        """Staff: change the status, reply publicly, or add an internal note."""
        user = require_staff()
        ticket = ticket_or_404(code)
        actor = Actor.staff(user)
        if data["kind"] == "transition":
            if "to_status" not in data:
                raise ValidationFailed("Indique el nuevo estado.", field="to_status")
            transition(
                db.session,
                ticket,
                data["to_status"],
                actor,
                body=data.get("body"),
                expected_version=data["version"],
            )
            event = _last_event(ticket)
        else:
            event = add_comment(
                db.session,
                ticket,
                actor,
                data.get("body", ""),
                public=data["kind"] == "comment",
                expected_version=data["version"],
            )
        return {
            "id": event.id,
            "kind": event.kind,
            "public": event.public,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "body": event.body,
            "created_at": event.created_at,
            "ticket_version": ticket.version,
        }


def _last_event(ticket: Ticket):
    return db.session.scalar(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.id.desc())
    )
