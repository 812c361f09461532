"""Web intake: the new-request form, its confirmation, and the resident's reply."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from app.catalog import preselected_category
from app.extensions import db, limiter, lookup_limit
from app.forms import category_choices, show_domain_error, show_domain_errors
from app.notices.outbox import resident_channel
from app.photos.service import attach
from app.photos.storage import photo_storage
from app.photos.uploads import chosen_photos, photo_location
from app.public.access import proof_required
from app.public.forms import ReplyForm
from app.public.grants import browser_proof, may_act
from app.public.presenters import present, status_label
from app.public.views import EXPIRED, render_error_page, render_tracking
from app.tickets import (
    RESIDENT,
    DomainError,
    InvalidTransition,
    TicketIntake,
    ValidationFailed,
    get_by_code,
    intake_problems,
    open_ticket,
    resident_reply,
)
from app.tickets.access_codes import mask
from app.tickets.area import area_geojson, check_in_area, service_area
from app.tickets.codes import CodeError, display
from app.tickets.consent import CONSENT_WORDING_VERSION
from app.tickets.followers import by_token, follow, followable, unfollow
from app.tickets.nearby import nearby_open
from app.tickets.proof import REPLY
from app.tickets.publication import coarse_address
from app.transaction import transaction
from channels.web.blueprint import bp
from channels.web.forms import FollowStopForm, NewRequestForm
from config.settings import settings


def intake_limit() -> str:
    return settings().web_intake_rate_limit


def intake_from(form: NewRequestForm, lat: float | None, lon: float | None) -> TicketIntake:
    return TicketIntake(
        channel="web",
        category_id=form.category.data,
        description=form.description.data,
        address=form.address.data,
        lat=lat,
        lon=lon,
        name=form.name.data,
        email=form.email.data,
        mobile=form.mobile.data,
        consent_notify=form.wants_notices,
        consent_wording=CONSENT_WORDING_VERSION,
    )


def _form_again(error: DomainError):
    """The domain refused at the last moment (rolled back): the form again, as typed."""
    if not isinstance(error, ValidationFailed):
        return None
    form = NewRequestForm()
    form.category.choices = category_choices(db.session)
    form.validate()
    show_domain_error(form, error)
    return _render_form(form, 422)


def map_area() -> tuple[float, float, float, float] | None:
    """(south, west, north, east) of the service area: where the map opens."""
    area = service_area()
    return area.bounds() if area is not None else None


def map_tiles() -> dict[str, str]:
    knobs = settings()
    return {"url": knobs.map_tile_url, "attribution": knobs.map_tile_attribution}


@bp.app_context_processor
def map_helpers() -> dict:
    """The map of the web form and the counter (templates/_map.html)."""
    return {"map_area": map_area, "map_tiles": map_tiles}


@bp.get("/mapa/area.geojson")
def service_area_geojson():
    """The service area the map draws (its limit), public: the comuna's outline."""
    area = service_area()
    if area is None:
        abort(404)
    response = jsonify(area_geojson(area))
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@dataclass(frozen=True)
class NearbyReport:
    """What a resident is shown of a report near theirs: public facts only (no code, no text,
    no contact; the street without its number)."""

    public_id: str
    topic: str
    status: str
    filed: datetime
    street: str | None
    meters: int


def nearby_reports(form: NewRequestForm) -> list[NearbyReport] | None:
    """Open reports of the chosen topic near the chosen point; None when topic or place are
    missing (or the point is outside the service area: its error goes on the field)."""
    category_id, lat, lon = form.category.data, form.lat.data, form.lon.data
    valid = {choice.value for choice in form.category.choices}
    if category_id not in valid or lat is None or lon is None:
        return None
    try:
        check_in_area(lat, lon)
    except ValidationFailed as error:
        show_domain_error(form, error)
        return None
    found = nearby_open(db.session, category_id, lat, lon, settings().nearby_radius_m, public=True)
    return [
        NearbyReport(
            public_id=near.ticket.public_id,
            topic=near.ticket.category.name,
            status=status_label(near.ticket.status),
            filed=near.ticket.created_at,
            street=coarse_address(near.ticket.address),
            meters=round(near.distance_m),
        )
        for near in found
    ]


def _render_form(form: NewRequestForm, status: int, *, reviewed: bool = False):
    nearby = nearby_reports(form) if reviewed else None
    return render_template(
        "web/new_request.html",
        form=form,
        reviewed=reviewed,
        nearby=nearby,
        radius=settings().nearby_radius_m,
    ), status


def _follow(form: NewRequestForm):
    """ "Es el mismo: seguir ese": the contact typed in the form follows that ticket."""
    try:
        ticket = followable(db.session, request.form.get("seguir"))
        follower = follow(
            db.session,
            ticket,
            mobile=form.mobile.data,
            email=form.email.data,
            consent=form.wants_notices,
            consent_wording=CONSENT_WORDING_VERSION,
        )
    except DomainError as error:
        show_domain_error(form, error)
        return _render_form(form, 422, reviewed=True)
    return render_template(
        "web/following.html",
        topic=ticket.category.name,
        street=coarse_address(ticket.address),
        status=status_label(ticket.status),
        filed=ticket.created_at,
        channel="sms" if follower.mobile else "email",
    )


@bp.route("/solicitudes/nueva", methods=["GET", "POST"])
@limiter.limit(intake_limit, methods=["POST"])
@transaction(on_error=_form_again)
def new_request():
    form = NewRequestForm()
    form.category.choices = category_choices(db.session)
    if request.method == "POST" and form.website.data:
        abort(400)  # the honeypot was filled in: a bot, not a person
    if form.is_submitted() and request.form.get("seguir"):
        return _follow(form)
    if form.is_submitted() and request.form.get("revisar"):
        # "Revisar si ya lo reportaron": nothing is filed, everything typed is kept.
        return _render_form(form, 200, reviewed=True)
    if form.is_submitted():
        # The form's checks and the domain's together: every problem on the first submit.
        form_ok = form.validate()
        images = chosen_photos(form.photos)  # None: a photo was refused (its error is shown)
        lat, lon = form.lat.data, form.lon.data
        if lat is None and form.photo_location.data and images:
            lat, lon = photo_location(images) or (None, None)
        intake = intake_from(form, lat, lon)
        problems = intake_problems(db.session, intake)
        show_domain_errors(form, problems)
        if form_ok and not problems and images is not None:
            ticket = open_ticket(db.session, intake, RESIDENT)
            attach(db.session, photo_storage(), ticket, images, source="web")
            return redirect(url_for("web.received", code=display(ticket.code)), code=303)
    else:
        form.category.data = preselected_category(db.session, request.args.get("categoria"))
    status = 422 if request.method == "POST" else 200
    return _render_form(form, status)


@bp.route("/dejar-de-seguir/<token>", methods=["GET", "POST"])
@limiter.limit(intake_limit, methods=["POST"])
@transaction
def stop_following(token: str):
    """The link in a follower's notice: a confirmation page, then the follower is removed and
    their contact forgotten (mail scanners open links: a GET changes nothing)."""
    follower = by_token(db.session, token)
    if follower is None:
        abort(404)
    form = FollowStopForm()
    stopped = follower.unsubscribed_at is not None
    if form.validate_on_submit():
        unfollow(db.session, follower)
        stopped = True
    return render_template(
        "web/stop_following.html",
        form=form,
        token=token,
        stopped=stopped,
        topic=follower.ticket.category.name,
    )


@bp.errorhandler(CSRFError)
def expired_form(error: CSRFError):
    """An expired or missing CSRF token: the same form again, with what was typed (never
    saved: the request is refused), a fresh token and a message saying what to do."""
    if request.endpoint == "web.new_request" and not request.form.get("website"):
        form = NewRequestForm()
        form.category.choices = category_choices(db.session)
        form.form_errors.append(EXPIRED)
        return _render_form(form, 400)
    if request.endpoint == "web.reply":
        try:
            ticket = get_by_code(db.session, request.view_args.get("code", ""))
        except (CodeError, DomainError):
            abort(404)
        if may_act(ticket, REPLY):
            form = ReplyForm()
            form.form_errors.append(EXPIRED)
            return render_tracking(ticket, reply_form=form, status=400)
    return render_error_page(error)


@bp.get("/solicitudes/recibida/<code>")
@lookup_limit
def received(code: str):
    try:
        ticket = get_by_code(db.session, code)
    except (CodeError, DomainError):
        abort(404)
    return render_template(
        "web/received.html", ticket=present(db.session, ticket), notices=notices_to(ticket)
    )


def notices_to(ticket) -> dict | None:
    """Whether and where this ticket's notices go, masked as on the verification page (this
    page opens with the code alone: enough to recognise the address, not to copy it)."""
    contact = ticket.contact
    if contact is None or not (contact.mobile or contact.email):
        return None
    target = resident_channel(db.session, ticket)
    return {
        "asked": bool(contact.consent_notify),
        "channel": target[0] if target else None,
        "masked": mask(*target) if target else None,
    }


def _reply_refused(error: DomainError, code: str):
    """The ticket closed meanwhile: the page again, the text kept. Anything else (a staff change
    at the same moment: the reply has no version) goes on and is retried once."""
    if not isinstance(error, InvalidTransition):
        return None
    ticket = get_by_code(db.session, code)
    form = ReplyForm()
    form.body.errors = [_(error.message)]
    return render_tracking(ticket, reply_form=form, status=422)


@bp.post("/seguimiento/<code>/responder")
@limiter.limit(intake_limit)
@transaction(on_error=_reply_refused)
def reply(code: str):
    try:
        ticket = get_by_code(db.session, code)
    except (CodeError, DomainError):
        abort(404)
    if not may_act(ticket, REPLY):  # reading is not acting: the code alone does not answer
        return proof_required(ticket)
    form = ReplyForm()
    if form.validate_on_submit():
        resident_reply(db.session, ticket, form.body.data, proof=browser_proof(ticket))
        flash(_("Gracias. Recibimos su respuesta y su solicitud volvió a estar en proceso."))
        return redirect(url_for("public.track_ticket", code=display(ticket.code)), code=303)
    return render_tracking(ticket, reply_form=form, status=422)
