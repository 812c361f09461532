"""Person records for staff: what joins a person's tickets, and explicit, recorded changes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.extensions import db
from app.forms import show_domain_error
from app.public.presenters import channel_label, status_label
from app.staff.blueprint import bp
from app.staff.forms import PersonForm
from app.tickets import Actor, NotFound, PermissionDenied, ValidationFailed, may
from app.tickets.codes import display
from app.tickets.contacts import format_rut
from app.tickets.people import PersonEdit, edit_person, get_person, open_person_file
from app.transaction import transaction

PROOF_LABELS = {
    "sms": _l("SMS desde ese número"),
    "email_link": _l("correo confirmado con el enlace enviado"),
    "rut_attested": _l("RUT con la cédula a la vista"),
    "staff": _l("cambio hecho por un funcionario"),
    "privacy": _l("protección de datos, a pedido de la persona"),
    # How a resident who acted on a ticket was recognised (app/tickets/proof.py).
    "link": _l("enlace enviado a su contacto"),
    "access_code": _l("código enviado a su contacto"),
    "code_only": _l("solo con el número: sin contacto registrado"),
    "retention": _l("plazo de conservación cumplido"),
}
ACTION_LABELS = {
    "created": _l("Registro creado"),
    "verified": _l("Dato verificado"),
    "edited": _l("Datos cambiados"),
    "rectified": _l("Datos rectificados"),
    "blocked": _l("Datos bloqueados"),
    "unblocked": _l("Datos desbloqueados"),
    "anonymized": _l("Datos anonimizados"),
}
FIELD_LABELS = {
    "name": _l("Nombre"),
    "rut": _l("RUT"),
    "mobile": _l("Celular"),
    "email": _l("Correo"),
    "consent_notify": _l("Prefiere avisos"),
    "rut_verified_at": _l("RUT verificado"),
    "mobile_verified_at": _l("Celular verificado"),
    "email_verified_at": _l("Correo verificado"),
    "blocked": _l("Bloqueado"),
}


def proof_label(proof: str | None) -> str:
    return str(PROOF_LABELS.get(proof or "", proof or "—"))


def _load(person_id: int):
    try:
        return get_person(db.session, Actor.staff(current_user), person_id)
    except PermissionDenied:
        abort(403)
    except NotFound:
        abort(404)


def _edit_refused(error: ValidationFailed, person_id: int) -> tuple[str, int]:
    form = PersonForm()
    show_domain_error(form, error)
    return _person_page(_load(person_id), form, 422)


@bp.route("/personas/<int:person_id>", methods=["GET", "POST"])
@transaction(on_error=_edit_refused)  # also the access-trail row of each view
def person_page(person_id: int):
    person = _load(person_id)
    form = PersonForm()
    if request.method == "GET":
        form.name.data = person.name or ""
        form.rut.data = format_rut(person.rut) if person.rut else ""
        form.consent.data = person.consent_notify
    elif form.validate_on_submit():
        edit = PersonEdit(
            reason=form.reason.data,
            name=form.name.data,
            rut=form.rut.data,
            consent_notify=form.consent.data,
            remove_mobile=form.remove_mobile.data,
            remove_email=form.remove_email.data,
        )
        edit_person(db.session, person, Actor.staff(current_user), edit)
        flash(_("Cambios guardados y registrados."))
        return redirect(url_for("staff.person_page", person_id=person.id), code=303)
    return _person_page(person, form, 422 if request.method == "POST" else 200)


def _person_page(person, form: PersonForm, status: int) -> tuple[str, int]:
    shown = open_person_file(db.session, Actor.staff(current_user), person)
    html = render_template(
        "staff/person.html",
        person=person,
        form=form,
        tickets=shown.tickets,
        changes=shown.changes,
        display=display,
        format_rut=format_rut,
        status_label=status_label,
        channel_label=channel_label,
        proof_label=proof_label,
        action_labels=ACTION_LABELS,
        field_labels=FIELD_LABELS,
        may_audit=may(Actor.staff(current_user), "audit"),
        may_anonymize=may(Actor.staff(current_user), "anonymize"),
    )
    return html, status
