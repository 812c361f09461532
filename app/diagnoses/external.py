"""External diagnosis: the attention survey answered without a ticket (counter QR, web), the
themes staff tag open answers with, and the figures per channel, unit and period.

Answers about a resolved ticket are recorded by the tickets domain
(``app.tickets.survey.record_satisfaction``: one per ticket); this module reads them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import String, case, cast, func, select
from sqlalchemy.orm import Session

from app.diagnoses.internal import suppressed_groups
from app.models import AttentionAnswer, Category, Department, SurveyTheme, utcnow
from app.tickets.errors import NotFound, ValidationFailed
from app.tickets.survey import MAX_COMMENT, check_score, local_day

# The short URLs of the open survey: /opina (web), /opina/meson, /opina/telefono.
OPEN_CHANNELS = {"web": "web", "meson": "counter", "telefono": "phone"}
MAX_THEME = 80


def record_open_answer(
    session: Session,
    channel: str,
    overall: int | None,
    kindness: int | None = None,
    clarity: int | None = None,
    timeliness: int | None = None,
    improve: str | None = None,
    *,
    department_code: str | None = None,
    category_code: str | None = None,
    now: datetime | None = None,
) -> AttentionAnswer:
    """An anonymous answer (no ticket, no person, the day only). The unit and category come
    from the desk's or receipt's QR when known; unknown codes are ignored."""
    if channel not in OPEN_CHANNELS.values():
        raise ValidationFailed("Canal desconocido.", field="channel")
    category = (
        session.scalar(select(Category).where(Category.code == category_code))
        if category_code
        else None
    )
    department = (
        session.scalar(
            select(Department).where(func.upper(Department.code) == department_code.upper())
        )
        if department_code
        else None
    )
    if category is not None:
        department = category.department
    answer = AttentionAnswer(
        channel=channel,
        via="open",
        department_id=department.id if department else None,
        category_id=category.id if category else None,
        answered_on=local_day(now or utcnow()),
        overall=check_score(overall, "overall", required=True),
        kindness=check_score(kindness, "kindness"),
        clarity=check_score(clarity, "clarity"),
        timeliness=check_score(timeliness, "timeliness"),
        improve=(improve or "").strip()[:MAX_COMMENT] or None,
    )
    session.add(answer)
    session.flush()
    return answer


def theme_named(session: Session, name: str) -> SurveyTheme:
    name = " ".join(name.split())[:MAX_THEME]
    if not name:
        raise ValidationFailed("Escriba el nombre del tema.", field="new_theme")
    found = session.scalar(select(SurveyTheme).where(func.lower(SurveyTheme.name) == name.lower()))
    if found is None:
        found = SurveyTheme(name=name)
        session.add(found)
        session.flush()
    return found


def tag(
    session: Session, answer_id: int, theme_id: int | None, new_theme: str | None
) -> AttentionAnswer:
    """Put an open answer in a theme (a new one by name, an existing one, or none)."""
    answer = session.get(AttentionAnswer, answer_id)
    if answer is None or answer.improve is None:
        raise NotFound()
    if new_theme and new_theme.strip():
        answer.theme_id = theme_named(session, new_theme).id
    elif theme_id:
        if session.get(SurveyTheme, theme_id) is None:
            raise ValidationFailed("Elija un tema de la lista.", field="theme")
        answer.theme_id = theme_id
    else:
        answer.theme_id = None
    session.flush()
    return answer


@dataclass(frozen=True)
class Scores:
    """Averages (None when nobody answered that question) and how many answered."""

    label: str
    answers: int
    overall: float | None
    kindness: float | None
    clarity: float | None
    timeliness: float | None
    satisfied: int | None  # % of overall 4 or 5

    @property
    def shown(self) -> bool:
        return self.answers > 0


def _avg(value) -> float | None:
    return None if value is None else round(float(value), 1)


def _columns():
    return (
        func.count(AttentionAnswer.id),
        func.avg(AttentionAnswer.overall),
        func.avg(AttentionAnswer.kindness),
        func.avg(AttentionAnswer.clarity),
        func.avg(AttentionAnswer.timeliness),
        func.sum(case((AttentionAnswer.overall >= 4, 1), else_=0)),
    )


def _scores(label: str, row) -> Scores:
    count, overall, kindness, clarity, timeliness, satisfied = row
    return Scores(
        label=label,
        answers=int(count or 0),
        overall=_avg(overall),
        kindness=_avg(kindness),
        clarity=_avg(clarity),
        timeliness=_avg(timeliness),
        satisfied=round(100 * int(satisfied or 0) / count) if count else None,
    )


def _where(first: date, last: date, department_id: int | None):
    conditions = [AttentionAnswer.answered_on >= first, AttentionAnswer.answered_on <= last]
    if department_id is not None:
        conditions.append(AttentionAnswer.department_id == department_id)
    return conditions


@dataclass(frozen=True)
class Results:
    first: date
    last: date
    total: Scores
    by_channel: list[tuple[str, Scores]]  # (channel code, scores)
    by_unit: list[Scores]
    by_month: list[Scores]
    themes: list[tuple[str, int]]  # (theme, open answers), most frequent first
    open_answers: int
    untagged: int


def published(groups: list[Scores], min_group: int) -> set[str]:
    """The labels of the groups whose averages may be published: each of ``min_group`` answers
    or more, and the hidden ones together too, since a hidden group's average could otherwise
    be worked out from the others and the total (any table over the same answers gives it)."""
    return suppressed_groups({group.label: group.answers for group in groups}, min_group)


def results(session: Session, first: date, last: date, department_id: int | None = None) -> Results:
    where = _where(first, last, department_id)
    total = _scores("", session.execute(select(*_columns()).where(*where)).one())
    by_channel = [
        (row[0], _scores(row[0], row[1:]))
        for row in session.execute(
            select(AttentionAnswer.channel, *_columns())
            .where(*where)
            .group_by(AttentionAnswer.channel)
            .order_by(func.count(AttentionAnswer.id).desc())
        )
    ]
    units = session.execute(
        select(Department.name, *_columns())
        .select_from(AttentionAnswer)
        .outerjoin(Department, Department.id == AttentionAnswer.department_id)
        .where(*where)
        .group_by(Department.name)
        .order_by(Department.name)
    )
    by_unit = [_scores(name or "", row) for name, *row in units]
    month = func.substr(cast(AttentionAnswer.answered_on, String(10)), 1, 7)
    by_month = [
        _scores(label, row)
        for label, *row in session.execute(
            select(month, *_columns()).where(*where).group_by(month).order_by(month)
        )
    ]
    themes = [
        (name, int(count))
        for name, count in session.execute(
            select(SurveyTheme.name, func.count(AttentionAnswer.id))
            .join(AttentionAnswer, AttentionAnswer.theme_id == SurveyTheme.id)
            .where(*where)
            .group_by(SurveyTheme.name)
            .order_by(func.count(AttentionAnswer.id).desc(), SurveyTheme.name)
        )
    ]
    with_text = [*where, AttentionAnswer.improve.is_not(None)]
    open_answers = session.scalar(select(func.count(AttentionAnswer.id)).where(*with_text)) or 0
    untagged = (
        session.scalar(
            select(func.count(AttentionAnswer.id)).where(
                *with_text, AttentionAnswer.theme_id.is_(None)
            )
        )
        or 0
    )
    return Results(
        first, last, total, by_channel, by_unit, by_month, themes, open_answers, untagged
    )


def open_answers(
    session: Session,
    first: date,
    last: date,
    department_id: int | None = None,
    theme_id: int | None = None,
    untagged: bool = False,
    limit: int = 200,
) -> list[AttentionAnswer]:
    """The open answers ("¿Qué deberíamos mejorar?") of the period, newest day first: with
    their channel, unit and category only (never the ticket or who answered)."""
    query = select(AttentionAnswer).where(
        *_where(first, last, department_id), AttentionAnswer.improve.is_not(None)
    )
    if theme_id is not None:
        query = query.where(AttentionAnswer.theme_id == theme_id)
    elif untagged:
        query = query.where(AttentionAnswer.theme_id.is_(None))
    query = query.order_by(AttentionAnswer.answered_on.desc(), AttentionAnswer.id.desc())
    return list(session.scalars(query.limit(limit)))


def themes(session: Session) -> list[SurveyTheme]:
    return list(session.scalars(select(SurveyTheme).order_by(SurveyTheme.name)))
