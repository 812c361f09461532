"""Counter intake: log a walk-in or a phone call fast, with the keyboard alone."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from stdnum.cl import rut as stdnum_rut

from app.catalog import category_choices, grouped_categories
from app.extensions import db
from app.forms import show_domain_error
from app.models import Contact, Ticket
from app.public.presenters import present
from app.public.views import public_url, qr_svg
from app.staff import bp
from app.staff.forms import CounterForm
from app.tickets import Actor, TicketIntake, ValidationFailed, open_ticket, require
from app.tickets.codes import display
from app.tickets.contacts import find_contact, format_rut, normalize_mobile
from app.tickets.lifecycle import OPEN_STATUSES


def find_resident(text: str) -> Contact | None:
    """Find a person by RUT or mobile, however it was typed."""
    text = (text or "").strip()
    if not text:
        return None
    if stdnum_rut.is_valid(text):
        return find_contact(db.session, rut=stdnum_rut.compact(text))
    try:
        mobile = normalize_mobile(text)
    except ValidationFailed:
        return None
    return find_contact(db.session, mobile=mobile)


def _prefill(form: CounterForm, contact: Contact) -> None:
    form.rut.data = format_rut(contact.rut) if contact.rut else ""
    form.name.data = contact.name or ""
    form.mobile.data = contact.mobile or ""
    form.email.data = contact.email or ""
    form.consent.data = contact.consent_notify


@bp.route("/counter", methods=["GET", "POST"])
def counter():
    require(Actor.staff(current_user), "open")
    form = CounterForm()
    form.category.choices = category_choices(db.session, include_triage=True)
    search = request.args.get("buscar", "").strip()
    contact = find_resident(search) if search else None
    open_tickets = []
    if contact is not None:
        open_tickets = db.session.scalars(
            select(Ticket)
            .where(Ticket.contact_id == contact.id, Ticket.status.in_(OPEN_STATUSES))
            .order_by(Ticket.created_at.desc())
        ).all()
        if request.method == "GET":
            _prefill(form, contact)
    elif search and request.method == "GET" and stdnum_rut.is_valid(search):
        form.rut.data = format_rut(stdnum_rut.compact(search))
    if form.validate_on_submit():
        intake = TicketIntake(
            channel=form.source.data if form.source.data in ("counter", "phone") else "counter",
            category_id=form.category.data,
            description=form.description.data,
            address=form.address.data,
            name=form.name.data,
            rut=form.rut.data,
            mobile=form.mobile.data,
            email=form.email.data,
            consent_notify=form.consent.data,
        )
        try:
            ticket = open_ticket(db.session, intake, Actor.staff(current_user))
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            return redirect(url_for("staff.counter_receipt", code=display(ticket.code)), code=303)
    status = 422 if request.method == "POST" else 200
    keywords = {
        c.id: c.keywords
        for group in grouped_categories(db.session, include_triage=True).values()
        for c in group
    }
    return render_template(
        "staff/counter.html",
        form=form,
        search=search,
        contact=contact,
        open_tickets=open_tickets,
        searched=bool(search),
        keywords=keywords,
        display=display,
    ), status


@bp.get("/counter/comprobante/<code>")
def counter_receipt(code: str):
    from app.tickets import get_by_code

    ticket = get_by_code(db.session, code)
    view = present(db.session, ticket)
    url = public_url("public.track_ticket", code=view.code)
    return render_template(
        "public/receipt.html",
        ticket=view,
        tracking_url=url,
        qr_svg=qr_svg(url, view.code),
        next_url=url_for("staff.counter"),
    )
