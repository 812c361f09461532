"""The diagnoses in the workspace.

External (heads and admins; a head sees their unit): the printable report for a period and
the open answers, tagged into themes. Internal: every staff member answers the open
questionnaire once, anonymously; admins open, edit and close questionnaires; heads and
admins read the printable report (units under ``DIAGNOSIS_MIN_GROUP`` answers hidden).
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from app.diagnoses import external, internal
from app.extensions import db
from app.forms import show_domain_error
from app.inputs import bounded_date, bounded_int
from app.models import AttentionAnswer, Department, StaffQuestionnaire, utcnow
from app.public.presenters import channel_label
from app.staff.blueprint import bp
from app.tickets import Actor, DomainError, may
from app.tickets.access_log import record_admin_change
from app.tickets.survey import local_day
from app.transaction import transaction

DEFAULT_REPORT_DAYS = 90


def _today() -> date:
    return local_day(utcnow())


def _reader() -> int | None:
    """Heads and admins read the diagnoses; a head only their unit's (its id), an admin any
    (the ``direccion`` asked, or all: None)."""
    if not may(Actor.staff(current_user), "dashboard"):
        abort(403)
    if current_user.role == "admin":
        return bounded_int(request.args.get("direccion"))
    if current_user.department_id is None:
        abort(403)
    return current_user.department_id


def _period() -> tuple[date, date]:
    last = bounded_date(request.args.get("hasta")) or _today()
    first = bounded_date(request.args.get("desde")) or last - timedelta(
        days=DEFAULT_REPORT_DAYS - 1
    )
    if first > last:
        first, last = last, first
    return max(first, last - timedelta(days=3 * 366)), last


def _departments() -> list[Department]:
    return list(
        db.session.scalars(
            select(Department).where(Department.active.is_(True)).order_by(Department.name)
        )
    )


@bp.get("/diagnostico/externo")
@transaction
def external_report():
    department_id = _reader()
    first, last = _period()
    found = external.results(db.session, first, last, department_id)
    unit = db.session.get(Department, department_id) if department_id else None
    return render_template(
        "staff/diagnoses/external.html",
        r=found,
        unit=unit,
        departments=_departments() if current_user.role == "admin" else [],
        channel_label=channel_label,
        min_group=current_app.config["DIAGNOSIS_MIN_GROUP"],
    )


@bp.get("/diagnostico/opiniones")
@transaction
def open_answers():
    department_id = _reader()
    first, last = _period()
    theme_id = bounded_int(request.args.get("tema"))
    answers = external.open_answers(
        db.session,
        first,
        last,
        department_id,
        theme_id=theme_id,
        untagged=request.args.get("sin_tema") == "1",
    )
    return render_template(
        "staff/diagnoses/answers.html",
        answers=answers,
        themes=external.themes(db.session),
        first=first,
        last=last,
        theme_id=theme_id,
        untagged=request.args.get("sin_tema") == "1",
        channel_label=channel_label,
    )


@bp.post("/diagnostico/opiniones/<int:answer_id>/tema")
@transaction
def tag_answer(answer_id: int):
    department_id = _reader()
    answer = db.session.get(AttentionAnswer, answer_id)
    if answer is None or (department_id is not None and answer.department_id != department_id):
        abort(404)
    try:
        external.tag(
            db.session,
            answer_id,
            bounded_int(request.form.get("theme")),
            request.form.get("new_theme"),
        )
    except DomainError as refused:
        db.session.rollback()
        flash(_(refused.message))
    else:
        flash(_("Tema guardado."))
    back = request.form.get("next") or ""
    if not back.startswith("/staff/diagnostico/opiniones"):
        back = url_for("staff.open_answers")
    return redirect(f"{back}#respuesta-{answer_id}", code=303)


# --- Internal diagnosis --------------------------------------------------------------------


@bp.app_context_processor
def questionnaire_link() -> dict:
    """The staff menu offers the open questionnaire to whoever has not answered it yet."""

    def pending() -> bool:
        if not current_user.is_authenticated:
            return False
        return internal.open_for(db.session, current_user, _today()) is not None

    return {"questionnaire_pending": pending}


@bp.route("/diagnostico-interno", methods=["GET", "POST"])
@transaction
def staff_questionnaire():
    """The open questionnaire for this person, answered once (anonymously)."""
    today = _today()
    questionnaire = internal.open_for(db.session, current_user, today)
    if questionnaire is None:
        return render_template("staff/diagnoses/answer.html", questionnaire=None)
    errors: dict[int, str] = {}
    if request.method == "POST":
        scores: dict[int, int | None] = {}
        texts: dict[int, str | None] = {}
        for question in questionnaire.questions:
            raw = request.form.get(f"q{question.id}", "")
            if question.kind == "scale":
                value = bounded_int(raw)
                if raw and (value is None or not 1 <= value <= 5):
                    errors[question.id] = _("Elija una nota del 1 al 5.")
                scores[question.id] = value
            else:
                texts[question.id] = raw
        if not errors:
            internal.submit(db.session, questionnaire, current_user, scores, texts, today)
            flash(_("¡Gracias! Su respuesta quedó guardada sin su nombre."))
            return redirect(url_for("staff.staff_questionnaire"), code=303)
    status = 422 if errors else 200
    return render_template(
        "staff/diagnoses/answer.html", questionnaire=questionnaire, errors=errors
    ), status


class QuestionnaireForm(FlaskForm):
    title = StringField(
        _l("Título"), validators=[DataRequired(_l("Escriba el título.")), Length(max=200)]
    )
    opens_on = DateField(_l("Se abre el"), validators=[InputRequired(_l("Elija la fecha."))])
    closes_on = DateField(_l("Se cierra el"), validators=[InputRequired(_l("Elija la fecha."))])
    scale_questions = TextAreaField(
        _l("Preguntas de 1 a 5 (una por línea)"),
        description=_l("1 = muy en desacuerdo, 5 = muy de acuerdo."),
    )
    open_questions = TextAreaField(_l("Preguntas abiertas (una por línea)"))


@bp.get("/admin/diagnostico-interno")
@transaction
def admin_questionnaires():
    today = _today()
    rows = db.session.scalars(
        select(StaffQuestionnaire).order_by(StaffQuestionnaire.opens_on.desc())
    ).all()
    return render_template(
        "staff/diagnoses/admin_list.html",
        rows=[
            (q, internal.status(q, today), internal.answer_count(db.session, q.id)) for q in rows
        ],
        labels=internal.STATUS_LABELS,
    )


def _questionnaire_form(questionnaire: StaffQuestionnaire | None) -> QuestionnaireForm:
    form = QuestionnaireForm()
    if request.method == "GET":
        if questionnaire is None:
            today = _today()
            form.title.data = _("Diagnóstico interno %(year)s", year=today.year)
            form.opens_on.data, form.closes_on.data = today, today + timedelta(days=14)
            questions = internal.DEFAULT_QUESTIONS
        else:
            form.title.data = questionnaire.title
            form.opens_on.data, form.closes_on.data = (
                questionnaire.opens_on,
                questionnaire.closes_on,
            )
            questions = [(q.kind, q.text) for q in questionnaire.questions]
        form.scale_questions.data = "\n".join(t for k, t in questions if k == "scale")
        form.open_questions.data = "\n".join(t for k, t in questions if k == "open")
    return form


def _actor() -> Actor:
    return Actor.staff(current_user)


def _as_fields(questionnaire: StaffQuestionnaire | None) -> dict:
    """What the admin change log compares (dates as text, the questions' wording)."""
    if questionnaire is None:
        return {}
    return {
        "title": questionnaire.title,
        "opens_on": questionnaire.opens_on.isoformat(),
        "closes_on": questionnaire.closes_on.isoformat(),
        "questions": [q.text for q in questionnaire.questions],
    }


def _edit(questionnaire: StaffQuestionnaire | None):
    form = _questionnaire_form(questionnaire)
    if form.validate_on_submit():
        try:
            questions = internal.parse_questions(
                form.scale_questions.data, form.open_questions.data
            )
            fields = {
                "title": form.title.data.strip(),
                "opens_on": form.opens_on.data.isoformat(),
                "closes_on": form.closes_on.data.isoformat(),
                "questions": [text for _kind, text in questions],
            }
            before = _as_fields(questionnaire)
            saved = internal.save_questionnaire(
                db.session,
                questionnaire,
                fields["title"],
                form.opens_on.data,
                form.closes_on.data,
                questions,
            )
            changes = {k: [before.get(k), v] for k, v in fields.items() if before.get(k) != v}
            if changes:
                kind = "questionnaire_created" if questionnaire is None else "questionnaire_changed"
                record_admin_change(db.session, _actor(), kind, saved.title, changes)
        except DomainError as refused:
            db.session.rollback()
            show_domain_error(form, refused)
        else:
            flash(_("Cuestionario guardado."))
            return redirect(url_for("staff.admin_questionnaires"), code=303)
    status = 422 if form.errors or form.form_errors else 200
    answered = internal.answer_count(db.session, questionnaire.id) if questionnaire else 0
    return render_template(
        "staff/diagnoses/admin_form.html",
        form=form,
        questionnaire=questionnaire,
        answered=answered,
    ), status


@bp.route("/admin/diagnostico-interno/nuevo", methods=["GET", "POST"])
@transaction
def admin_questionnaire_new():
    return _edit(None)


@bp.route("/admin/diagnostico-interno/<int:questionnaire_id>", methods=["GET", "POST"])
@transaction
def admin_questionnaire_edit(questionnaire_id: int):
    questionnaire = db.session.get(StaffQuestionnaire, questionnaire_id) or abort(404)
    return _edit(questionnaire)


@bp.post("/admin/diagnostico-interno/<int:questionnaire_id>/cerrar")
@transaction
def admin_questionnaire_close(questionnaire_id: int):
    questionnaire = db.session.get(StaffQuestionnaire, questionnaire_id) or abort(404)
    if not questionnaire.closed:
        questionnaire.closed = True
        record_admin_change(db.session, _actor(), "questionnaire_closed", questionnaire.title)
    flash(_("Cuestionario cerrado: ya no recibe respuestas."))
    return redirect(url_for("staff.admin_questionnaires"), code=303)


@bp.get("/diagnostico-interno/<int:questionnaire_id>/informe")
@transaction
def internal_report(questionnaire_id: int):
    if not may(Actor.staff(current_user), "dashboard"):
        abort(403)
    try:
        found = internal.report(db.session, questionnaire_id)
    except DomainError:
        abort(404)
    return render_template(
        "staff/diagnoses/internal.html",
        r=found,
        status=internal.status(found.questionnaire, _today()),
        labels=internal.STATUS_LABELS,
    )
