"""Counter intake: log a walk-in or a phone call fast, with the keyboard alone."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from stdnum.cl import rut as stdnum_rut

from app.catalog import grouped_categories
from app.extensions import db
from app.forms import category_choices, show_domain_error, show_domain_errors
from app.models import Contact
from app.photos.service import attach
from app.photos.storage import photo_storage
from app.photos.uploads import chosen_photos
from app.public.opinion import opinion_qr, opinion_url
from app.public.presenters import present, status_label
from app.public.views import public_url, qr_svg
from app.staff.blueprint import bp
from app.staff.forms import CounterForm
from app.staff.practice import note_step
from app.staff.protocols import panel_context
from app.tickets import (
    Actor,
    DomainError,
    NotFound,
    PermissionDenied,
    TicketIntake,
    ValidationFailed,
    get_by_code,
    intake_problems,
    may_see_contact,
    open_ticket,
    require,
)
from app.tickets.area import check_in_area
from app.tickets.codes import CodeError, display
from app.tickets.consent import CONSENT_WORDING_VERSION
from app.tickets.contacts import format_rut
from app.tickets.nearby import Near, nearby_open
from app.tickets.people import Matches, counter_matches
from app.transaction import transaction
from config.settings import settings


def _prefill(form: CounterForm, person: Contact) -> None:
    """Staff chose this person: their details fill the form (nothing is joined until the RUT
    is checked against the ID card)."""
    form.rut.data = format_rut(person.rut) if person.rut else ""
    form.name.data = person.name or ""
    form.mobile.data = person.mobile or ""
    form.email.data = person.email or ""
    form.consent.data = person.consent_notify


def _chosen(matches, person_id: int | None) -> Contact | None:
    if person_id is None:
        return None
    chosen = next((c.person for c in matches.people if c.person.id == person_id), None)
    if chosen is None:
        abort(404)
    return chosen


def _intake(form: CounterForm) -> TicketIntake:
    return TicketIntake(
        channel=form.source.data if form.source.data in ("counter", "phone") else "counter",
        category_id=form.category.data,
        description=form.description.data,
        address=form.address.data,
        lat=form.lat.data,
        lon=form.lon.data,
        name=form.name.data,
        rut=form.rut.data,
        mobile=form.mobile.data,
        email=form.email.data,
        consent_notify=form.consent.data,
        consent_wording=CONSENT_WORDING_VERSION,
        rut_attested=form.rut_attested.data,
    )


def _matches(actor: Actor, search: str) -> tuple[Matches, str | None]:
    """The people found for what was typed, or why the search could not run (a RUT with a
    wrong check digit); need to know: a role that does not serve people at the counter gets
    a 403 (and the search box is not offered to it)."""
    try:
        return counter_matches(db.session, actor, search), None
    except PermissionDenied:
        abort(403)
    except ValidationFailed as error:
        return Matches([], []), _(error.message)


def _focus(form: CounterForm, chosen: Contact | None, matches: Matches, searched: bool) -> str:
    """Where the cursor goes, so the next keystroke lands where it is needed: the error summary
    after a refused submit; after a search, the first candidate (to use their data), or the
    category once a person's data are in, or the first empty field; else the search box."""
    if form.errors or form.form_errors:
        return "errores"
    if not searched and request.args.get("buscar"):
        return "buscar"  # the search could not run: fix what was typed
    if chosen is not None:
        return "category"
    if matches.people:
        return "usar-0"
    if searched:
        for name in ("rut", "name", "mobile", "email"):
            if not getattr(form, name).data:
                return name
        return "category"
    return "buscar"


def possible_duplicates(form: CounterForm) -> list[Near] | None:
    """Open tickets of the chosen category near the chosen point ("Posibles duplicados
    cerca"); None until both are chosen (or when the point is outside: said on the field)."""
    category_id, lat, lon = form.category.data, form.lat.data, form.lon.data
    valid = {choice.value for choice in form.category.choices}
    if category_id not in valid or lat is None or lon is None:
        return None
    try:
        check_in_area(lat, lon)
    except ValidationFailed as error:
        if not form.lat.errors:
            show_domain_error(form, error)
        return None
    return nearby_open(db.session, category_id, lat, lon, settings().nearby_radius_m)


def _show_counter(form: CounterForm, actor: Actor, status: int | None = None) -> tuple[str, int]:
    """The counter: the search's candidates (and their trail row), the form as typed."""
    search = request.args.get("buscar", "").strip()
    matches, search_error = _matches(actor, search) if search else (Matches([], []), None)
    chosen = _chosen(matches, request.args.get("persona", type=int))
    if matches.given or any(c.open_tickets for c in matches.people):
        note_step("found")  # the guided exercise: the person found again (practice only)
    if request.method == "GET":
        if chosen is not None:
            _prefill(form, chosen)
        elif search and not search_error and stdnum_rut.is_valid(search):
            form.rut.data = format_rut(stdnum_rut.compact(search))
    if status is None:
        status = 422 if request.method == "POST" or search_error else 200
    keywords = {
        c.id: c.keywords
        for group in grouped_categories(db.session, include_triage=True).values()
        for c in group
    }
    html = render_template(
        "staff/counter.html",
        form=form,
        search=search,
        matches=matches,
        chosen=chosen,
        searched=bool(search) and search_error is None,
        search_error=search_error,
        focus=_focus(form, chosen, matches, bool(search) and search_error is None),
        may_search=may_see_contact(actor),
        keywords=keywords,
        display=display,
        format_rut=format_rut,
        volver=request.full_path if request.method == "GET" else url_for("staff.counter"),
        **panel_context(form.category.data if _known(form.category.data) else None),
        duplicates=possible_duplicates(form) if form.is_submitted() else None,
        radius=settings().nearby_radius_m,
        status_label=status_label,
    )
    return html, status  # the boundary commits the search's access-trail row


def _known(value) -> bool:
    return isinstance(value, int) and value > 0


def _counter_form() -> CounterForm:
    form = CounterForm()
    form.category.choices = category_choices(db.session, include_triage=True)
    return form


def _show_counter_again(error: DomainError):
    """The domain refused the intake (rolled back): the form again, as typed, the error
    beside its field. Other refusals go on to the error pages."""
    if not isinstance(error, ValidationFailed):
        return None
    form = _counter_form()
    form.validate()
    show_domain_error(form, error)
    return _show_counter(form, Actor.staff(current_user))


@bp.route("/counter", methods=["GET", "POST"])
@transaction(on_error=_show_counter_again)
def counter():
    actor = Actor.staff(current_user)
    require(actor, "open")
    form = _counter_form()
    if request.method == "POST" and "ver_protocolo" in request.form:
        # Without JavaScript: the category was chosen, the page comes back with its protocol
        # and the form as typed (nothing filed, no errors shown yet).
        return _show_protocol(form, actor)
    if form.is_submitted() and request.form.get("revisar"):
        # "Buscar duplicados cerca": nothing is filed, everything typed is kept.
        return _show_counter(form, actor, status=200)
    valid = form.validate_on_submit()
    images = chosen_photos(form.photos) if request.method == "POST" else []
    problems = intake_problems(db.session, _intake(form)) if form.is_submitted() else []
    show_domain_errors(form, problems)  # every problem on the first submit, a queue waits
    if valid and not problems and images is not None:  # None: a photo was refused
        ticket = open_ticket(db.session, _intake(form), actor)
        attach(db.session, photo_storage(), ticket, images, source="counter")
        return redirect(url_for("staff.counter_receipt", code=display(ticket.code)), code=303)
    return _show_counter(form, actor)


def _show_protocol(form: CounterForm, actor: Actor):
    html, _status = _show_counter(form, actor)
    return html, 200


@bp.get("/counter/comprobante/<code>")
def counter_receipt(code: str):
    try:
        ticket = get_by_code(db.session, code)
    except (CodeError, NotFound):
        abort(404)
    if ticket.practice:
        note_step("receipt")  # the guided exercise: the receipt opened (to print it)
    view = present(db.session, ticket)
    url = public_url("public.track_ticket", code=view.code)
    # The attention survey of this visit (anonymous: the topic only, never the ticket).
    # A practice receipt offers no survey: nobody real will answer it.
    survey = None if ticket.practice else opinion_url("meson", tema=ticket.category.code)
    return render_template(
        "staff/counter_receipt.html",
        ticket=view,
        tracking_url=url,
        qr_svg=qr_svg(url, view.code),
        survey_url=survey,
        survey_qr=opinion_qr(survey, scale=3) if survey else None,
        practice=ticket.practice,
    )


@bp.get("/counter/encuesta")
def counter_survey_poster():
    """A poster for the desk: the short URL and QR of the attention survey, for visits with or
    without a ticket (the desk's unit, when the staff member has one, goes with it)."""
    require(Actor.staff(current_user), "open")
    department = current_user.department
    url = opinion_url("meson", u=department.code.lower() if department else None)
    return render_template(
        "staff/counter_survey.html",
        survey_url=url,
        short_url=opinion_url("meson"),
        survey_qr=opinion_qr(url, scale=8),
    )
