"""Resident pages: home, tracking by ticket number, printable receipt, error pages."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

import segno
from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db, lookup_limit
from app.models import Department, Ticket, utcnow
from app.photos.service import published as published_photos
from app.public.blueprint import bp
from app.public.forms import ReplyForm, TrackForm
from app.public.grants import has_grant, resident_actions
from app.public.presenters import PublicRecord, present, public_record
from app.tickets import NotFound, get_by_code
from app.tickets.codes import MistypedCode, display, parse
from app.tickets.lifecycle import DUPLICATE, WAITING_RESIDENT
from app.tickets.sla import business_calendar
from config.settings import settings


def describe_target(minutes: int, minutes_per_day: int) -> str:
    """A response target in words a resident reads: hours when short, business days otherwise."""
    if minutes < minutes_per_day:
        hours = max(1, round(minutes / 60))
        return _("%(n)d hora hábil", n=hours) if hours == 1 else _("%(n)d horas hábiles", n=hours)
    days = round(minutes / minutes_per_day)
    return _("%(n)d día hábil", n=days) if days == 1 else _("%(n)d días hábiles", n=days)


def public_url(endpoint: str, **values) -> str:
    """An absolute URL under PUBLIC_BASE_URL (what residents and QR codes use)."""
    return current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, **values)


@bp.get("/")
def home():
    departments = db.session.scalars(
        select(Department)
        .where(Department.active.is_(True))
        .options(selectinload(Department.categories))
        .order_by(Department.name)
    ).all()
    per_day = business_calendar(db.session).minutes_per_day
    groups = []
    for department in departments:
        categories = [
            (category, describe_target(category.resolution_minutes, per_day))
            for category in sorted(department.categories, key=lambda c: c.name)
            if category.active and not category.is_triage
        ]
        if categories:
            groups.append((department, categories))
    return render_template("public/home.html", groups=groups, track_form=TrackForm(formdata=None))


@bp.get("/seguimiento")
@lookup_limit
def track():
    form = TrackForm(request.args)
    if "code" not in request.args:
        return render_template("public/track.html", form=TrackForm(formdata=None))
    if form.validate():
        try:
            ticket = get_by_code(db.session, form.code.data)
        except MistypedCode:
            form.code.errors.append(
                _(
                    "El número parece tener un error de tipeo: revise cada letra y número "
                    "(el último carácter es de verificación)."
                )
            )
        except NotFound:
            form.code.errors.append(
                _(
                    "No encontramos una solicitud con ese número. Revíselo, o consulte en la OIRS "
                    "(atención presencial) o al teléfono %(phone)s.",
                    phone=settings().oirs_phone,
                )
            )
        except ValueError:
            form.code.errors.append(
                _("Un número de solicitud tiene 9 letras y números, por ejemplo K7M4-QX9P-Z.")
            )
        else:
            return redirect(url_for("public.track_ticket", code=display(ticket.code)), code=303)
    return render_template("public/track.html", form=form), 404 if form.code.data else 422


class _PageCache:
    """Rendered tracking pages, per process, by (ticket, language, minute), each with the
    ticket version it shows: a page is the same for everyone who holds the code until the
    ticket changes (its version moves) or the minute turns (the "late" mark depends on the
    clock). Small and bounded."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self.pages: OrderedDict = OrderedDict()
        self.lock = Lock()

    def get(self, key):
        """``(version, page)`` or None."""
        with self.lock:
            entry = self.pages.get(key)
            if entry is not None:
                self.pages.move_to_end(key)
            return entry

    def put(self, key, version: int, page) -> None:
        with self.lock:
            self.pages[key] = (version, page)
            if len(self.pages) > self.size:
                self.pages.popitem(last=False)


_page_cache = _PageCache()


def html_language() -> str:
    locale = get_locale()
    return locale.language if locale else "es"


def _ticket_or_404(code: str) -> Ticket:
    try:
        return get_by_code(db.session, code)
    except MistypedCode:
        abort(
            404,
            description=_(
                "El número %(code)s parece tener un error de tipeo. Revise cada letra y número.",
                code=code,
            ),
        )
    except (NotFound, ValueError):
        abort(
            404,
            description=_(
                "No encontramos una solicitud con el número %(code)s. Revíselo, o consulte en la "
                "OIRS (atención presencial) o al teléfono %(phone)s.",
                code=code,
                phone=settings().oirs_phone,
            ),
        )


def render_tracking(ticket: Ticket, reply_form=None, status: int = 200):
    """The public view, plus what this visitor may do as the resident: the reply form, the
    survey and withdrawing only with proof of the resident's channel (app/tickets/proof.py)."""
    view = present(db.session, ticket)
    actions = resident_actions(ticket)
    if actions.reply and reply_form is None:
        reply_form = ReplyForm(formdata=None)
    return render_template(
        "public/ticket.html",
        ticket=view,
        actions=actions,
        reply_form=reply_form if actions.reply else None,
        canonical=ticket.code,
        photos=published_photos(db.session, ticket.id),
    ), status


def _personal(canonical: str, status: str) -> bool:
    """Pages for one visitor are not shared: a flash message, the reply form (its CSRF token
    belongs to this visitor's session), or what this browser proved as the resident."""
    return bool(session.get("_flashes")) or status == WAITING_RESIDENT or has_grant(canonical)


def _render_shared(record: PublicRecord) -> str:
    """The page anyone holding the code sees, from the one-query record (no ORM entity)."""
    ticket = record.ticket
    return render_template(
        "public/ticket.html",
        ticket=present(db.session, ticket, events=record.events),
        actions=resident_actions(ticket, rated=record.rated),
        reply_form=None,
        canonical=ticket.code,
        photos=published_photos(db.session, ticket.id) if record.photos else [],
    )


@bp.get("/seguimiento/<code>")
@lookup_limit
def track_ticket(code: str):
    try:
        canonical = parse(code)
    except ValueError:
        canonical = None
    if canonical is None or code != display(canonical):
        _ticket_or_404(code)  # answers 404, telling a typo from an unknown number
        # one address per ticket: K7M4-QX9P-Z
        return redirect(url_for("public.track_ticket", code=display(canonical)), code=301)
    key = (canonical, html_language(), utcnow().replace(second=0, microsecond=0))
    cached = _page_cache.get(key)
    if cached is not None:  # a hit reads only the ticket's version and status
        row = db.session.execute(
            select(Ticket.version, Ticket.status).where(Ticket.code == canonical)
        ).first()
        if row and row.version == cached[0] and not _personal(canonical, row.status):
            return cached[1]
    # A miss is one query: the ticket, its public events, survey and photo marks.
    record = public_record(db.session, canonical)
    if record is None:
        return render_tracking(_ticket_or_404(code))  # 404, or a ticket this process's copy of
        # the catalogue does not know yet
    if _personal(canonical, record.ticket.status) or record.ticket.status == DUPLICATE:
        return render_tracking(_ticket_or_404(code))
    page = _render_shared(record)
    _page_cache.put(key, record.version, page)
    return page


@bp.get("/idioma/<any(es, en):lang>")
def language(lang: str):
    """The language switch of every page (public and staff): kept in a cookie, then back to
    the page it was chosen on (a path on this site only, never another host)."""
    target = request.args.get("next") or ""
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        target = url_for("public.home")
    response = redirect(target, code=303)
    response.set_cookie(
        "lang",
        lang,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.get("/s/<code>")
def short_link(code: str):
    """The short tracking link used in SMS (every character counts there)."""
    return redirect(url_for("public.track_ticket", code=code), code=301)


@bp.get("/seguimiento/<code>/comprobante")
@lookup_limit
def receipt(code: str):
    ticket = _ticket_or_404(code)
    view = present(db.session, ticket)
    url = public_url("public.track_ticket", code=view.code)
    return render_template(
        "public/receipt.html", ticket=view, tracking_url=url, qr_svg=qr_svg(url, view.code)
    )


def qr_svg(url: str, code: str) -> str:
    return segno.make(url, error="m").svg_inline(
        scale=4, title=_("Código QR para seguir la solicitud %(code)s", code=code)
    )


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on every site; pages also link the SVG (``rel=icon``)."""
    return current_app.send_static_file("favicon.ico")


EXPIRED = _l(
    "El formulario venció (pasó mucho tiempo desde que lo abrió). Conservamos lo que escribió: "
    "revíselo y envíelo otra vez."
)

ERROR_TEMPLATES = {
    400: "errors/400.html",
    403: "errors/403.html",
    404: "errors/404.html",
    409: "errors/409.html",
    429: "errors/429.html",
}


def render_error_page(error):
    """Spanish error pages with a way forward (the API answers JSON instead: see app/api)."""
    code = getattr(error, "code", 500) or 500
    if code == 405:
        return error
    template = ERROR_TEMPLATES.get(code, "errors/500.html" if code >= 500 else "errors/400.html")
    description = None
    if code in (400, 404, 409) and error.description != type(error).description:
        description = error.description  # our own, already translated
    staff_layout = request.path.startswith("/staff/")  # a refusal inside the workspace
    return render_template(template, description=description, staff_layout=staff_layout), code
