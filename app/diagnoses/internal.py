"""Internal diagnosis: an anonymous staff questionnaire for a period.

Answering writes two unrelated rows in one transaction: the answer (``StaffAnswer``: a random
id, the questionnaire, the person's unit, no time) with its items, and the pair (questionnaire,
person) in ``StaffRespondent`` to refuse a second answer. Nothing in either row leads to the
other: no shared id, no timestamp, and the answer's id is random, so the order of answers says
nothing about the order of people. Results by unit are shown only for units with at least
``DIAGNOSIS_MIN_GROUP`` answers; below that the unit's answers count in the total only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Department,
    StaffAnswer,
    StaffAnswerItem,
    StaffQuestion,
    StaffQuestionnaire,
    StaffRespondent,
    StaffUser,
)
from app.tickets.errors import InvalidTransition, NotFound, ValidationFailed
from app.tickets.survey import MAX_COMMENT
from config.settings import settings

# The default question set (editable by admins before the first answer): (kind, text).
DEFAULT_QUESTIONS: tuple[tuple[str, str], ...] = (
    (
        "scale",
        "Las herramientas (Conectados, correo, equipos) me permiten atender bien a los vecinos.",
    ),
    ("scale", "Recibí la capacitación que necesito para usar las herramientas de atención."),
    ("scale", "Mi carga de trabajo me permite responder a tiempo."),
    ("scale", "Los protocolos de atención son claros y me sirven en el día a día."),
    ("scale", "La comunicación interna con otras unidades funciona bien."),
    ("open", "¿Qué herramienta o capacitación le ayudaría más?"),
    ("open", "¿Qué cambiaría en la forma en que atendemos a los vecinos?"),
)
MAX_QUESTION = 300


def parse_questions(scale_text: str, open_text: str) -> list[tuple[str, str]]:
    """The admin's two boxes (one question a line) as (kind, text), scale questions first."""
    found = [
        (kind, " ".join(line.split())[:MAX_QUESTION])
        for kind, text in (("scale", scale_text), ("open", open_text))
        for line in (text or "").splitlines()
        if line.strip()
    ]
    if not any(kind == "scale" for kind, _ in found):
        raise ValidationFailed("Escriba al menos una pregunta de 1 a 5.", field="scale_questions")
    return found


def status(questionnaire: StaffQuestionnaire, today: date) -> str:
    if questionnaire.closed or today > questionnaire.closes_on:
        return "closed"
    if today < questionnaire.opens_on:
        return "scheduled"
    return "open"


STATUS_LABELS = {"open": _l("Abierto"), "closed": _l("Cerrado"), "scheduled": _l("Programado")}


def answer_count(session: Session, questionnaire_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(StaffAnswer)
            .where(StaffAnswer.questionnaire_id == questionnaire_id)
        )
        or 0
    )


def save_questionnaire(
    session: Session,
    questionnaire: StaffQuestionnaire | None,
    title: str,
    opens_on: date,
    closes_on: date,
    questions: list[tuple[str, str]],
) -> StaffQuestionnaire:
    """Create or edit; the questions change only while nobody has answered."""
    if closes_on < opens_on:
        raise ValidationFailed(
            "La fecha de cierre es anterior a la de apertura.", field="closes_on"
        )
    if questionnaire is None:
        questionnaire = StaffQuestionnaire(title=title, opens_on=opens_on, closes_on=closes_on)
        session.add(questionnaire)
    else:
        questionnaire.title, questionnaire.opens_on = title, opens_on
        questionnaire.closes_on = closes_on
    current = [(q.kind, q.text) for q in questionnaire.questions]
    if current != questions:
        if questionnaire.id is not None and answer_count(session, questionnaire.id):
            raise InvalidTransition(
                "Ya hay respuestas: las preguntas no se pueden cambiar (sí el título y las fechas)."
            )
        questionnaire.questions = [
            StaffQuestion(position=i, kind=kind, text=text)
            for i, (kind, text) in enumerate(questions)
        ]
    session.flush()
    return questionnaire


def open_for(session: Session, user: StaffUser, today: date) -> StaffQuestionnaire | None:
    """The open questionnaire this person has not answered yet (the oldest), if any."""
    answered = select(StaffRespondent.questionnaire_id).where(
        StaffRespondent.staff_user_id == user.id
    )
    candidates = session.scalars(
        select(StaffQuestionnaire)
        .where(
            StaffQuestionnaire.closed.is_(False),
            StaffQuestionnaire.opens_on <= today,
            StaffQuestionnaire.closes_on >= today,
            StaffQuestionnaire.id.not_in(answered),
        )
        .order_by(StaffQuestionnaire.opens_on, StaffQuestionnaire.id)
    )
    return next(iter(candidates), None)


def has_answered(session: Session, questionnaire_id: int, user_id: int) -> bool:
    return session.get(StaffRespondent, (questionnaire_id, user_id)) is not None


def submit(
    session: Session,
    questionnaire: StaffQuestionnaire,
    user: StaffUser,
    scores: dict[int, int | None],
    texts: dict[int, str | None],
    today: date,
) -> None:
    """Record one person's answers without them, and that they answered, apart."""
    if status(questionnaire, today) != "open":
        raise InvalidTransition("El cuestionario no está abierto.")
    if has_answered(session, questionnaire.id, user.id):
        raise InvalidTransition("Usted ya respondió este cuestionario. ¡Gracias!")
    items = []
    for question in questionnaire.questions:
        if question.kind == "scale":
            score = scores.get(question.id)
            if score is not None and not 1 <= score <= 5:
                raise ValidationFailed("Elija una nota del 1 al 5.", field=f"q{question.id}")
            if score is not None:
                items.append(StaffAnswerItem(question_id=question.id, score=score))
        else:
            text = (texts.get(question.id) or "").strip()[:MAX_COMMENT]
            if text:
                items.append(StaffAnswerItem(question_id=question.id, text=text))
    session.add(StaffRespondent(questionnaire_id=questionnaire.id, staff_user_id=user.id))
    session.add(
        StaffAnswer(
            questionnaire_id=questionnaire.id, department_id=user.department_id, items=items
        )
    )
    session.flush()


def suppressed_groups(sizes: dict, min_group: int) -> set:
    """The groups whose results may be shown: those of ``min_group`` answers or more, as long
    as the rest (the total minus the shown groups, which anyone can compute) is either nothing
    or a group of ``min_group`` too; else the smallest shown groups join the rest."""
    shown = sorted((n, str(key), key) for key, n in sizes.items() if n >= min_group)
    rest = sum(sizes.values()) - sum(n for n, _, _ in shown)
    while shown and 0 < rest < min_group:
        n, _, _ = shown.pop(0)
        rest += n
    return {key for _, _, key in shown}


@dataclass
class QuestionResult:
    question: StaffQuestion
    answers: int = 0
    average: float | None = None
    distribution: list[int] = field(default_factory=lambda: [0] * 5)  # how many gave 1..5
    texts: list[str] = field(default_factory=list)


@dataclass
class UnitResult:
    name: str
    answers: int
    shown: bool
    averages: list[float | None]  # per scale question, in order (empty when hidden)


@dataclass
class Report:
    questionnaire: StaffQuestionnaire
    answers: int
    respondents: int
    min_group: int
    shown: bool  # the whole questionnaire reached the threshold
    questions: list[QuestionResult]
    units: list[UnitResult]


def _question_results(
    questionnaire: StaffQuestionnaire, answers: list[StaffAnswer]
) -> list[QuestionResult]:
    results = {q.id: QuestionResult(q) for q in questionnaire.questions}
    for item in (item for answer in answers for item in answer.items):
        result = results.get(item.question_id)
        if result is None:
            continue
        if item.score is not None:
            result.answers += 1
            result.distribution[item.score - 1] += 1
        if item.text:
            result.texts.append(item.text)
    for result in results.values():
        if result.answers:
            total = sum((i + 1) * n for i, n in enumerate(result.distribution))
            result.average = round(total / result.answers, 1)
        result.texts.sort()  # never in the order they came in
    return list(results.values())


def _averages(group: list[StaffAnswer], scale: list[StaffQuestion]) -> list[float | None]:
    averages: list[float | None] = []
    for question in scale:
        values = [
            item.score
            for answer in group
            for item in answer.items
            if item.question_id == question.id and item.score is not None
        ]
        averages.append(round(sum(values) / len(values), 1) if values else None)
    return averages


def report(session: Session, questionnaire_id: int) -> Report:
    questionnaire = session.get(StaffQuestionnaire, questionnaire_id)
    if questionnaire is None:
        raise NotFound()
    min_group = settings().diagnosis_min_group
    answers = list(
        session.scalars(select(StaffAnswer).where(StaffAnswer.questionnaire_id == questionnaire_id))
    )
    respondents = (
        session.scalar(
            select(func.count())
            .select_from(StaffRespondent)
            .where(StaffRespondent.questionnaire_id == questionnaire_id)
        )
        or 0
    )
    shown = len(answers) >= min_group
    results = _question_results(questionnaire, answers)
    per_unit: dict[int | None, list[StaffAnswer]] = defaultdict(list)
    for answer in answers:
        per_unit[answer.department_id].append(answer)
    scale = [q for q in questionnaire.questions if q.kind == "scale"]
    names = dict(session.execute(select(Department.id, Department.name)).all())
    visible = suppressed_groups({k: len(v) for k, v in per_unit.items()}, min_group)
    units = [
        UnitResult(
            name=names.get(department_id, "") if department_id else "",
            answers=len(group),
            shown=department_id in visible,
            averages=_averages(group, scale) if department_id in visible else [],
        )
        for department_id, group in per_unit.items()
    ]
    units.sort(key=lambda u: (not u.shown, u.name))
    return Report(
        questionnaire,
        len(answers),
        respondents,
        min_group,
        shown,
        results,
        units,
    )
