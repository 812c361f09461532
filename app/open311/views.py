"""GeoReport v2 endpoints. Each one: parse, call the domain or a query, render JSON or XML."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.accounts import authenticate_key
from app.extensions import db, limiter, lookup_limit
from app.models import ApiKey, Category, Department, Ticket, utcnow
from app.open311.attributes import definitions, read_answers
from app.open311.blueprint import bp
from app.open311.errors import Open311Error
from app.open311.formats import render, render_errors
from app.open311.queries import RequestFilters, date_window, find_requests, public_timelines
from app.open311.schemas import (
    PostRequestSchema,
    PublicRequest,
    PublicRequestSchema,
    RequestsQuerySchema,
    ServiceSchema,
    comma_list,
)
from app.photos.service import published_tokens
from app.public.views import describe_target, public_url
from app.tickets import RESIDENT, TicketIntake, ValidationFailed, open_ticket
from app.tickets.codes import display, parse_public_id
from app.tickets.errors import NotFound
from app.tickets.publication import get_published
from app.tickets.sla import business_calendar
from app.transaction import transaction
from config.settings import settings

FMT = "<any(json,xml):fmt>"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-24T00:00:00-03:00"  # bump when services or this API change
DEFAULT_JURISDICTION = "penalolen.cl"
# How many service_request_id one GET may name (each is a lookup, like a tracking page).
MAX_IDS = 50
# Domain field names -> the Open311 parameter the client sent.
PARAMETERS = {"mobile": "phone", "category": "service_code"}


@bp.errorhandler(Open311Error)
def _open311_error(error: Open311Error):
    return render_errors(
        (request.view_args or {}).get("fmt", "json"), error.status, error.descriptions
    )


def _intake_limit() -> str:
    return current_app.config.get("OPEN311_RATE_LIMIT", "60 per minute")


def _lookup_limit() -> str:
    return settings().tracking_rate_limit


def _service_notice_for_filer(category: Category, minutes_per_day: int, code: str) -> str:
    return _(
        "Su número de seguimiento es %(code)s: es personal, guárdelo y no lo comparta. %(notice)s",
        code=code,
        notice=_service_notice(category, minutes_per_day),
    )


@bp.errorhandler(429)
def _too_many(error):  # noqa: ARG001
    return render_errors(
        (request.view_args or {}).get("fmt", "json"),
        429,
        [_("Demasiadas solicitudes seguidas: espere un minuto y vuelva a intentarlo.")],
    )


@bp.before_request
def _check_jurisdiction() -> None:
    given = request.values.get("jurisdiction_id")
    accepted = current_app.config.get("OPEN311_JURISDICTION") or DEFAULT_JURISDICTION
    if given and given.strip().lower() != accepted.lower():
        raise Open311Error(
            404, _("jurisdiction_id desconocida: esta API atiende %(j)s.", j=accepted)
        )


def _load(schema: Schema, data: MultiDict) -> dict[str, Any]:
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise Open311Error(400, *_describe(exc.normalized_messages())) from None


def _describe(messages: dict[str, Any]) -> list[str]:
    # A lazy (translatable) message is kept as one object by marshmallow, not in a list.
    return [
        f"{name}: {' '.join(map(str, texts if isinstance(texts, list) else [texts]))}"
        for name, texts in messages.items()
    ]


def _service_notice(category: Category, minutes_per_day: int) -> str:
    target = describe_target(category.resolution_minutes, minutes_per_day)
    return _("Plazo estimado de respuesta: %(target)s.", target=target)


def _services_query():
    return (
        select(Category)
        .join(Category.department)
        .where(Category.active.is_(True), Category.is_triage.is_(False))
        .where(Department.active.is_(True))
    )


def _service(service_code: str) -> Category | None:
    return db.session.scalar(_services_query().where(Category.code == service_code))


@bp.get(f"/discovery.{FMT}")
def discovery(fmt: str):
    payload = {
        "changeset": CHANGESET,
        "contact": _("Municipalidad de Peñalolén, OIRS: https://www.penalolen.cl"),
        "key_service": _("Pida su api_key a la Dirección de Control y Gobierno Abierto."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": current_app.config["PUBLIC_BASE_URL"] + bp.url_prefix,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, payload, "discovery", None)


@bp.get(f"/services.{FMT}")
def services(fmt: str):
    categories = db.session.scalars(_services_query().order_by(Category.name)).all()
    return render(fmt, ServiceSchema(many=True).dump(categories), "services", "service")


@bp.get(f"/services/<service_code>.{FMT}")
def service_definition(service_code: str, fmt: str):
    category = _service(service_code)
    if category is None:
        raise Open311Error(404, _("No existe el servicio %(code)s.", code=service_code))
    payload = {"service_code": category.code, "attributes": definitions(category)}
    return render(fmt, payload, "service_definition", None)


def _authenticate(raw_key: str | None) -> ApiKey:
    if not raw_key:
        raise Open311Error(403, _("Falta api_key."))
    key = authenticate_key(db.session, raw_key)
    if key is None:
        raise Open311Error(403, _("La api_key no es válida o fue revocada."))
    return key


def _intake(data: dict[str, Any], category: Category, key: ApiKey) -> TicketIntake:
    name = " ".join(filter(None, (data["first_name"], data["last_name"]))).strip()
    client = {"api_key": key.name, "device_id": data["device_id"], "account_id": data["account_id"]}
    return TicketIntake(
        channel="open311",
        category_id=category.id,
        description=data["description"],
        address=data["address_string"] or data["address_id"],
        lat=data["lat"],
        lon=data["long"],
        name=name or None,
        mobile=data["phone"],
        email=data["email"],
        media_urls=[data["media_url"]] if data["media_url"] else [],
        attributes=read_answers(category, request.form),
        channel_data={k: v for k, v in client.items() if v},
        api_key_id=key.id,
    )


@bp.post(f"/requests.{FMT}")
@limiter.limit(_intake_limit)
@transaction
def create_request(fmt: str):
    key = _authenticate(request.form.get("api_key"))
    data = _load(PostRequestSchema(), request.form)
    category = _service(data["service_code"])
    if category is None:
        raise Open311Error(
            400, _("service_code: no existe el servicio %(code)s.", code=data["service_code"])
        )
    try:
        ticket = open_ticket(db.session, _intake(data, category, key), RESIDENT)
    except ValidationFailed as exc:
        parameter = PARAMETERS.get(str(exc.details.get("field")), exc.details.get("field"))
        raise Open311Error(
            400, f"{parameter}: {exc.message}" if parameter else exc.message
        ) from None
    minutes_per_day = business_calendar(db.session).minutes_per_day
    # The filer learns the tracking code here, once: public answers name the ticket by its
    # public id only.
    answer = {
        "service_request_id": ticket.public_id,
        "service_notice": _service_notice_for_filer(
            category, minutes_per_day, display(ticket.code)
        ),
        "account_id": data["account_id"],
    }
    return render(fmt, [answer], "service_requests", "request")


def _public(tickets: list[Ticket]) -> list[PublicRequest]:
    minutes_per_day = business_calendar(db.session).minutes_per_day
    timelines = public_timelines(db.session, [t.id for t in tickets])
    photos = published_tokens(db.session, [t.id for t in tickets])
    return [
        PublicRequest(
            t,
            _service_notice(t.category, minutes_per_day),
            timelines.get(t.id, []),
            public_url("public.public_photo", token=photos[t.id]) if t.id in photos else None,
        )
        for t in tickets
    ]


def _render_requests(fmt: str, tickets: list[Ticket], *, extensions: bool):
    schema = PublicRequestSchema(many=True, exclude=() if extensions else ("notes",))
    return render(fmt, schema.dump(_public(tickets)), "service_requests", "request")


def _public_ids(text: str | None) -> list[str]:
    parts = comma_list(text)
    if len(parts) > MAX_IDS:
        raise Open311Error(
            400, _("service_request_id admite hasta %(n)s identificadores.", n=MAX_IDS)
        )
    public_ids = [parse_public_id(part) for part in parts]
    if None in public_ids:
        wrong = parts[public_ids.index(None)]
        raise Open311Error(400, _("service_request_id no válido: %(v)s", v=wrong))
    return public_ids


@bp.get(f"/requests.{FMT}")
@limiter.limit(_lookup_limit)
def list_requests(fmt: str):
    query = _load(RequestsQuerySchema(), request.args)
    start, end = date_window(query["start_date"], query["end_date"], utcnow())
    filters = RequestFilters(
        public_ids=_public_ids(query["service_request_id"]),
        service_codes=comma_list(query["service_code"]),
        start=start,
        end=end,
        statuses=set(comma_list(query["status"])),
        page=query["page"],
        page_size=query["page_size"],
    )
    tickets = find_requests(db.session, filters)
    return _render_requests(fmt, tickets, extensions=query["extensions"])


def _published(public_id: str) -> Ticket:
    try:
        return get_published(db.session, public_id)
    except NotFound:
        raise Open311Error(404, _("No existe la solicitud %(v)s.", v=public_id)) from None


@bp.get(f"/requests/<request_id>.{FMT}")
@lookup_limit
def show_request(request_id: str, fmt: str):
    extensions = request.args.get("extensions", "").lower() == "true"
    return _render_requests(fmt, [_published(request_id)], extensions=extensions)


@bp.get(f"/tokens/<token>.{FMT}")
@lookup_limit
def show_token(token: str, fmt: str):
    # Requests are created synchronously: the token is the service_request_id itself.
    public_id = _published(token).public_id
    payload = [{"service_request_id": public_id, "token": public_id}]
    return render(fmt, payload, "service_requests", "request")
