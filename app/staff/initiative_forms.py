"""Forms of Transparencia Focalizada's staff pages (WTForms, CSRF on each)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional

from app.forms import choices
from app.initiatives.service import STATUS_LABELS

DATE_REQUIRED = _l("Escriba la fecha como AAAA-MM-DD.")
PERCENT = _l("Indique un número de 0 a 100.")


class InitiativeForm(FlaskForm):
    title = StringField(_l("Título"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Título en inglés (opcional)"), validators=[Length(max=200)])
    summary = TextAreaField(_l("Resumen"), validators=[DataRequired(), Length(max=3000)])
    summary_en = TextAreaField(_l("Resumen en inglés (opcional)"), validators=[Length(max=3000)])
    objective = TextAreaField(_l("Objetivo"), validators=[DataRequired(), Length(max=3000)])
    objective_en = TextAreaField(_l("Objetivo en inglés (opcional)"), validators=[Length(max=3000)])
    responsible = StringField(
        _l("Unidad responsable"),
        description=_l("El equipo a cargo, no el nombre de una persona."),
        validators=[DataRequired(), Length(max=200)],
    )
    start_date = DateField(_l("Inicio"), validators=[DataRequired(DATE_REQUIRED)])
    planned_end_date = DateField(_l("Término previsto"), validators=[DataRequired(DATE_REQUIRED)])
    status = SelectField(_l("Estado"), choices=choices(STATUS_LABELS.items()))
    status_reason = TextAreaField(
        _l("Motivo (obligatorio si está suspendida)"), validators=[Length(max=2000)]
    )
    status_reason_en = TextAreaField(
        _l("Motivo en inglés (opcional)"), validators=[Length(max=2000)]
    )
    budget_clp = IntegerField(
        _l("Presupuesto en pesos (opcional)"),
        validators=[Optional(), NumberRange(min=0, max=10**13, message=_l("Revise el monto."))],
    )
    progress_mode = SelectField(
        _l("Cómo se calcula el avance"),
        choices=choices(
            [
                ("milestones", _l("Según los hitos cumplidos")),
                ("manual", _l("Lo indica la unidad, con una justificación")),
            ]
        ),
    )
    progress_manual = IntegerField(
        _l("Avance indicado (0 a 100)"),
        validators=[Optional(), NumberRange(min=0, max=100, message=PERCENT)],
    )
    progress_justification = TextAreaField(
        _l("Justificación del avance indicado"), validators=[Length(max=2000)]
    )
    progress_justification_en = TextAreaField(
        _l("Justificación en inglés (opcional)"), validators=[Length(max=2000)]
    )


class MilestoneForm(FlaskForm):
    title = StringField(_l("Hito"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Hito en inglés (opcional)"), validators=[Length(max=200)])
    planned_date = DateField(_l("Fecha prevista"), validators=[DataRequired(DATE_REQUIRED)])
    done_date = DateField(_l("Fecha de cumplimiento (opcional)"), validators=[Optional()])


class MilestoneDatesForm(FlaskForm):
    planned_date = DateField(_l("Fecha prevista"), validators=[DataRequired(DATE_REQUIRED)])
    done_date = DateField(_l("Fecha de cumplimiento"), validators=[Optional()])


class UpdateForm(FlaskForm):
    body = TextAreaField(
        _l("Qué avanzó"),
        description=_l("Se publica tal cual: no escriba datos personales."),
        validators=[DataRequired(), Length(max=3000)],
    )
    body_en = TextAreaField(_l("En inglés (opcional)"), validators=[Length(max=3000)])
    progress = IntegerField(
        _l("Avance informado (0 a 100, opcional)"),
        validators=[Optional(), NumberRange(min=0, max=100, message=PERCENT)],
    )
    link = StringField(
        _l("Enlace a un respaldo (opcional)"),
        validators=[
            Optional(),
            URL(message=_l("Escriba un enlace completo (https://…).")),
            Length(max=500),
        ],
    )
