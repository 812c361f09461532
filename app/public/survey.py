"""``/encuesta/<token>``: the satisfaction survey a resident reaches from the signed link."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.extensions import db
from app.public.blueprint import bp
from app.public.views import EXPIRED, render_error_page
from app.tickets.codes import display
from app.tickets.errors import DomainError
from app.tickets.survey import (
    MAX_COMMENT,
    answered,
    link_proof,
    record_satisfaction,
    ticket_for_token,
)
from app.transaction import transaction

RATINGS = [
    SelectChoice("5", _l("5 · Muy buena")),
    SelectChoice("4", _l("4 · Buena")),
    SelectChoice("3", _l("3 · Regular")),
    SelectChoice("2", _l("2 · Mala")),
    SelectChoice("1", _l("1 · Muy mala")),
]


SCALE = [
    SelectChoice("5", _l("5 · Muy bien")),
    SelectChoice("4", _l("4 · Bien")),
    SelectChoice("3", _l("3 · Regular")),
    SelectChoice("2", _l("2 · Mal")),
    SelectChoice("1", _l("1 · Muy mal")),
]


def _scale(label) -> RadioField:
    return RadioField(label, choices=SCALE, validators=[Optional()])


class SurveyFields(FlaskForm):
    """The attention survey (the external diagnosis), after the overall ``rating``: three
    optional 1-5 scores and the open question. The same on every channel."""

    kindness = _scale(_l("¿Le atendieron con un trato amable?"))
    clarity = _scale(_l("¿La respuesta fue clara?"))
    timeliness = _scale(_l("¿El tiempo de espera o de respuesta fue adecuado?"))
    comment = TextAreaField(
        _l("¿Qué deberíamos mejorar? (opcional)"),
        description=_l("No escriba su nombre, RUT ni datos de contacto."),
        validators=[Length(max=MAX_COMMENT)],
    )

    def scores(self) -> tuple[int | None, int | None, int | None]:
        return tuple(
            int(f.data) if f.data else None for f in (self.kindness, self.clarity, self.timeliness)
        )


class SurveyForm(SurveyFields):
    rating = RadioField(
        _l("En general, ¿cómo evaluaría la atención recibida?"),
        choices=RATINGS,
        validators=[InputRequired(_l("Elija una nota del 1 al 5."))],
    )


@bp.errorhandler(CSRFError)
def expired_form(error: CSRFError):
    """The survey sent after its form expired: the same survey with what was chosen and
    written, a fresh token and a clear message (other public forms: app/public/views.py)."""
    if request.endpoint != "public.survey":
        return render_error_page(error)
    token = request.view_args.get("token", "")
    try:
        ticket = ticket_for_token(db.session, token)
    except DomainError as refused:
        return render_template("public/survey.html", error=refused.message), 404
    form = SurveyForm()
    form.form_errors.append(EXPIRED)
    return render_template("public/survey.html", code=display(ticket.code), form=form), 400


def _not_recorded(error: DomainError, token: str):
    ticket = ticket_for_token(db.session, token)
    page = render_template("public/survey.html", code=display(ticket.code), error=error.message)
    return page, 409


@bp.route("/encuesta/<token>", methods=["GET", "POST"])
@transaction(on_error=_not_recorded)
def survey(token: str):
    try:
        ticket = ticket_for_token(db.session, token)
    except DomainError as error:
        return render_template("public/survey.html", error=error.message), 404
    code = display(ticket.code)
    if answered(db.session, ticket) is not None:
        return render_template("public/survey.html", code=code, thanks=True)
    form = SurveyForm()
    if form.validate_on_submit():
        kindness, clarity, timeliness = form.scores()
        record_satisfaction(
            db.session,
            ticket,
            int(form.rating.data),
            form.comment.data,
            "web",
            proof=link_proof(ticket),  # the signed link went to the resident only
            kindness=kindness,
            clarity=clarity,
            timeliness=timeliness,
        )
        return render_template("public/survey.html", code=code, thanks=True)
    status = 422 if form.errors else 200
    return render_template("public/survey.html", code=code, form=form), status
