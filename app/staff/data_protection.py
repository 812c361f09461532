"""The data protection officer's pages (``/staff/privacidad``): find a person by RUT, mobile or
email, read everything held on them, export it (JSON, CSV, a letter to print), rectify a field,
block and unblock. The ``privacy`` role and admins; the domain checks it and writes the trail."""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.forms import show_domain_error
from app.models import Contact, utcnow
from app.notices import labels as notice_labels
from app.privacy.blocking import block, unblock
from app.privacy.dossier import find_people, get_person, open_dossier
from app.privacy.export import csv_text, document, export_person
from app.privacy.rectify import rectify
from app.public.presenters import status_label
from app.staff.blueprint import bp
from app.staff.forms import (
    PrivacyBlockForm,
    PrivacyExportForm,
    PrivacyRectifyForm,
    PrivacySearchForm,
)
from app.staff.people import ACTION_LABELS, FIELD_LABELS, channel_label, proof_label
from app.tickets import Actor, NotFound, PermissionDenied, ValidationFailed, may
from app.tickets.access_log import kind_label
from app.tickets.codes import display
from app.tickets.contacts import format_rut
from app.transaction import transaction


def _actor() -> Actor:
    return Actor.staff(current_user)


def _require() -> None:
    if not may(_actor(), "privacy"):
        abort(403)


def _person(person_id: int) -> Contact:
    try:
        return get_person(db.session, _actor(), person_id)
    except PermissionDenied:
        abort(403)
    except NotFound:
        abort(404)


def _search_refused(error: ValidationFailed) -> tuple[str, int]:
    form = PrivacySearchForm()
    show_domain_error(form, error)
    return _search_page(form, None, 422)


def _search_page(form: PrivacySearchForm, found, status: int) -> tuple[str, int]:
    html = render_template(
        "staff/privacy/search.html",
        form=form,
        found=found,
        display=display,
        format_rut=format_rut,
        status_label=status_label,
    )
    return html, status


@bp.route("/privacidad", methods=["GET", "POST"])
@transaction(on_error=_search_refused)  # the search's trail row
def privacy_search():
    """A POST, so the RUT, mobile or email searched never sits in a URL or a server log."""
    _require()
    form = PrivacySearchForm()
    found = None
    status = 200
    if form.validate_on_submit():
        found = find_people(db.session, _actor(), form.query.data)
    elif form.errors:
        status = 422
    return _search_page(form, found, status)


def _dossier_page(person: Contact, status: int = 200, **forms):
    forms.setdefault("export_form", PrivacyExportForm(prefix="exportar"))
    forms.setdefault("rectify_form", PrivacyRectifyForm(prefix="rectificar"))
    forms.setdefault("block_form", PrivacyBlockForm(prefix="bloqueo"))
    dossier = open_dossier(db.session, _actor(), person)
    html = render_template(
        "staff/privacy/person.html",
        person=person,
        dossier=dossier,
        display=display,
        format_rut=format_rut,
        status_label=status_label,
        channel_label=channel_label,
        proof_label=proof_label,
        action_labels=ACTION_LABELS,
        field_labels=FIELD_LABELS,
        kind_label=kind_label,
        notice=notice_labels,
        **forms,
    )
    return html, status  # the boundary commits the view's trail row


def _refused(form_class, prefix: str, key: str):
    """on_error for a dossier action: the dossier again, the refusal next to its field."""

    def show_again(error: ValidationFailed, person_id: int):
        form = form_class(prefix=prefix)
        show_domain_error(form, error)
        return _dossier_page(_person(person_id), 422, **{key: form})

    return show_again


@bp.get("/privacidad/personas/<int:person_id>")
@transaction
def privacy_person(person_id: int):
    _require()
    return _dossier_page(_person(person_id))


@bp.post("/privacidad/personas/<int:person_id>/exportar")
@transaction(on_error=_refused(PrivacyExportForm, "exportar", "export_form"))
def privacy_export(person_id: int):
    _require()
    person = _person(person_id)
    form = PrivacyExportForm(prefix="exportar")
    if not form.validate_on_submit():
        return _dossier_page(person, 422, export_form=form)
    dossier = export_person(db.session, _actor(), person, form.output.data, form.reason.data)
    now = utcnow()
    doc = document(dossier, now)  # the boundary commits its trail row before it is handed out
    name = f"persona-{person.id}-{now:%Y%m%d}"
    if form.output.data == "json":
        body = json.dumps(doc, ensure_ascii=False, indent=2)
        return Response(
            body,
            mimetype="application/json",
            headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
        )
    if form.output.data == "csv":
        return Response(
            csv_text(doc),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return render_template(
        "staff/privacy/letter.html",
        dossier=dossier,
        doc=doc,
        now=now,
        reason=form.reason.data,
        display=display,
        format_rut=format_rut,
        status_label=status_label,
        channel_label=channel_label,
        kind_label=kind_label,
        field_labels=FIELD_LABELS,
        action_labels=ACTION_LABELS,
        notice=notice_labels,
    )


@bp.post("/privacidad/personas/<int:person_id>/rectificar")
@transaction(on_error=_refused(PrivacyRectifyForm, "rectificar", "rectify_form"))
def privacy_rectify(person_id: int):
    _require()
    person = _person(person_id)
    form = PrivacyRectifyForm(prefix="rectificar")
    if not form.validate_on_submit():
        return _dossier_page(person, 422, rectify_form=form)
    done = rectify(db.session, _actor(), person, form.field.data, form.value.data, form.reason.data)
    flash(
        _(
            "Dato rectificado y registrado. Solicitudes abiertas corregidas: %(tickets)d; "
            "avisos pendientes redirigidos: %(notices)d.",
            tickets=len(done.tickets),
            notices=done.notifications,
        )
    )
    return redirect(url_for("staff.privacy_person", person_id=person.id), code=303)


def _block_action(person_id: int, action, done_message: str):
    _require()
    person = _person(person_id)
    form = PrivacyBlockForm(prefix="bloqueo")
    if not form.validate_on_submit():
        return _dossier_page(person, 422, block_form=form)
    action(db.session, _actor(), person, form.reason.data)
    flash(done_message)
    return redirect(url_for("staff.privacy_person", person_id=person.id), code=303)


@bp.post("/privacidad/personas/<int:person_id>/bloquear")
@transaction(on_error=_refused(PrivacyBlockForm, "bloqueo", "block_form"))
def privacy_block(person_id: int):
    return _block_action(
        person_id,
        block,
        _("Datos bloqueados: se conservan, pero no se tratan ni se envían avisos."),
    )


@bp.post("/privacidad/personas/<int:person_id>/desbloquear")
@transaction(on_error=_refused(PrivacyBlockForm, "bloqueo", "block_form"))
def privacy_unblock(person_id: int):
    return _block_action(person_id, unblock, _("Datos desbloqueados."))
