"""Anonymizing a person, for the person in charge of residents' data (role ``privacy``) and
admins: a reason and a typed confirmation, then ``app.privacy.anonymize.anonymize_person``."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from app.extensions import db
from app.forms import show_domain_error
from app.privacy.anonymize import (
    MAX_REASON,
    AlreadyAnonymized,
    anonymize_person,
    person_to_anonymize,
    tickets_count,
)
from app.staff.blueprint import bp
from app.tickets import Actor, DomainError, NotFound, PermissionDenied
from app.tickets.access_log import record_access
from app.transaction import transaction

CONFIRMATION_WORD = "ANONIMIZAR"


class AnonymizeForm(FlaskForm):
    reason = TextAreaField(
        _l("Motivo"),
        description=_l("Por ejemplo: solicitud de supresión N° K7M4-QX9P-Z, acogida."),
        validators=[
            DataRequired(_l("Indique el motivo de la anonimización.")),
            Length(max=MAX_REASON, message=_l("Máximo %(max)d caracteres.")),
        ],
    )
    confirmation = StringField(
        _l("Para confirmar, escriba ANONIMIZAR"),
        validators=[DataRequired(_l("Escriba ANONIMIZAR para confirmar."))],
    )

    def validate_confirmation(self, field) -> None:
        if (field.data or "").strip().upper() != CONFIRMATION_WORD:
            raise ValidationError(_l("Escriba ANONIMIZAR para confirmar."))


def _load(person_id: int):
    try:
        return person_to_anonymize(db.session, Actor.staff(current_user), person_id)
    except PermissionDenied:
        abort(403)
    except NotFound:
        abort(404)


def _page(person, form: AnonymizeForm, status: int = 200):
    actor = Actor.staff(current_user)
    if person.anonymized_at is None:
        record_access(db.session, actor, "person_viewed", person=person)
    html = render_template(
        "staff/anonymize.html",
        person=person,
        form=form,
        tickets=tickets_count(db.session, person),
    )
    return html, status  # the boundary commits the view's access-trail row


@bp.get("/personas/<int:person_id>/anonimizar")
@transaction
def anonymize_page(person_id: int):
    return _page(_load(person_id), AnonymizeForm())


def _refused(error: DomainError, person_id: int):
    form = AnonymizeForm()
    show_domain_error(form, error)
    return _page(_load(person_id), form, 409 if isinstance(error, AlreadyAnonymized) else 422)


@bp.post("/personas/<int:person_id>/anonimizar")
@transaction(on_error=_refused)
def anonymize_person_action(person_id: int):
    person = _load(person_id)
    form = AnonymizeForm()
    if person.anonymized_at is not None:
        form.form_errors.append(_("Esta persona ya fue anonimizada."))
        return _page(person, form, 409)
    if not form.validate_on_submit():
        return _page(person, form, 422)
    anonymize_person(db.session, person, Actor.staff(current_user), form.reason.data)
    flash(_("Los datos de la persona fueron anonimizados y quedó registrado."))
    return redirect(url_for("staff.anonymize_page", person_id=person.id), code=303)
