"""Demo data for the diagnoses: a few weeks of attention-survey answers on every channel (some
about demo tickets), open answers tagged into themes, and one closed staff questionnaire with
enough answers for its report (``flask seed-demo``; development only)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.diagnoses.internal import DEFAULT_QUESTIONS
from app.models import (
    AttentionAnswer,
    Department,
    SatisfactionRating,
    StaffAnswer,
    StaffAnswerItem,
    StaffQuestion,
    StaffQuestionnaire,
    StaffRespondent,
    StaffUser,
    SurveyTheme,
    Ticket,
)
from app.tickets.survey import local_day

DAYS = 28
# Theme -> what residents write about it.
IMPROVE = {
    "Tiempos de respuesta": [
        "Que respondan más rápido, esperé más de dos semanas.",
        "Avisar cuándo van a venir a hacer el trabajo.",
        "El plazo fue muy largo para algo tan simple.",
    ],
    "Sala de espera del mesón": [
        "Más sillas en la sala de espera.",
        "Había mucha fila en la mañana, abran otro mesón.",
        "Poner un número de atención para no hacer fila de pie.",
    ],
    "Información clara": [
        "Explicar mejor qué documentos hay que traer.",
        "La respuesta no decía qué iban a hacer.",
        "Que el mensaje diga a qué unidad pasó mi solicitud.",
    ],
    "Seguimiento por SMS": [
        "Me gustaría recibir un SMS cuando terminen.",
        "No me llegó el aviso de que estaba resuelta.",
    ],
    "Trato del personal": [
        "La funcionaria fue muy amable, gracias.",
        "Que por teléfono no me cambien de anexo tantas veces.",
    ],
}
OPEN_CHANNELS = (("counter", 0.55), ("web", 0.3), ("phone", 0.15))
STAFF_TITLE = "Diagnóstico interno (demo)"
STAFF_TEXTS = [
    "Capacitación práctica en la bandeja antes de atender.",
    "Más tiempo para responder los casos complejos.",
    "Un protocolo para los reclamos por ruidos molestos.",
    "Que las unidades respondan las derivaciones por el sistema y no por correo.",
    "Un computador más rápido en el mesón.",
    "Reuniones cortas semanales con la jefatura.",
]


def _scores(rng: random.Random, mood: float) -> tuple[int, int, int, int]:
    def one(shift: float) -> int:
        return max(1, min(5, round(rng.gauss(mood + shift, 0.9))))

    return one(0), one(0.3), one(-0.1), one(-0.6)


def _themes(session: Session) -> dict[str, SurveyTheme]:
    found = {}
    for name in IMPROVE:
        theme = session.scalar(select(SurveyTheme).where(SurveyTheme.name == name))
        if theme is None:
            theme = SurveyTheme(name=name)
            session.add(theme)
        found[name] = theme
    session.flush()
    return found


def _improve(rng: random.Random, themes: dict[str, SurveyTheme]):
    """An open answer one time in three, tagged two times in three (the rest to be tagged)."""
    if rng.random() > 0.35:
        return None, None
    name = rng.choice(list(IMPROVE))
    return rng.choice(IMPROVE[name]), (themes[name].id if rng.random() < 0.7 else None)


def seed_attention(session: Session, departments: dict[str, Department], now: datetime) -> int:
    """Answers of the last four weeks; run twice, it adds nothing."""
    if session.scalar(select(AttentionAnswer.id).limit(1)) is not None:
        return 0
    rng = random.Random(18)  # noqa: S311 - demo data, reproducible
    themes = _themes(session)
    added = 0
    since = now - timedelta(days=DAYS)
    resolved = session.scalars(
        select(Ticket)
        .where(Ticket.resolved_at.is_not(None), Ticket.resolved_at >= since)
        .order_by(Ticket.id)
    ).all()
    for ticket in resolved:  # about 40 % of residents answer after a resolved ticket
        if rng.random() > 0.4 or ticket.resolved_at is None:
            continue
        overall, kindness, clarity, timeliness = _scores(rng, 4.0)
        improve, theme_id = _improve(rng, themes)
        via = "sms" if ticket.channel == "sms" else "link"
        session.add(
            SatisfactionRating(
                ticket_id=ticket.id,
                rating=overall,
                comment=improve,
                channel="sms" if via == "sms" else "web",
                ticket_channel=ticket.channel,
                created_at=ticket.resolved_at,
            )
        )
        session.add(
            AttentionAnswer(
                channel=ticket.channel,
                via=via,
                ticket_id=ticket.id,
                department_id=ticket.department_id,
                category_id=ticket.category_id,
                answered_on=local_day(ticket.resolved_at),
                overall=overall,
                kindness=kindness,
                clarity=clarity,
                timeliness=timeliness,
                improve=improve,
                theme_id=theme_id,
            )
        )
        added += 1
    units = [departments[code] for code in ("OIRS", "DOP", "DIMAO") if code in departments]
    for _ in range(140):  # counter visits (with or without a ticket), web and phone
        channel = rng.choices([c for c, _ in OPEN_CHANNELS], [w for _, w in OPEN_CHANNELS])[0]
        day = local_day(now - timedelta(days=rng.randrange(0, DAYS)))
        overall, kindness, clarity, timeliness = _scores(rng, 3.8 if channel == "phone" else 4.1)
        improve, theme_id = _improve(rng, themes)
        unit = rng.choice(units) if channel == "counter" and units else None
        session.add(
            AttentionAnswer(
                channel=channel,
                via="open",
                department_id=unit.id if unit else None,
                answered_on=day,
                overall=overall,
                kindness=kindness if rng.random() < 0.9 else None,
                clarity=clarity if rng.random() < 0.85 else None,
                timeliness=timeliness if rng.random() < 0.85 else None,
                improve=improve,
                theme_id=theme_id,
            )
        )
        added += 1
    session.flush()
    return added


def seed_staff_questionnaire(
    session: Session, departments: dict[str, Department], now: datetime
) -> None:
    """One closed questionnaire: two units above the threshold, the rest grouped."""
    if session.scalar(select(StaffQuestionnaire).where(StaffQuestionnaire.title == STAFF_TITLE)):
        return
    rng = random.Random(1818)  # noqa: S311 - demo data, reproducible
    today = local_day(now)
    questionnaire = StaffQuestionnaire(
        title=STAFF_TITLE,
        opens_on=today - timedelta(days=30),
        closes_on=today - timedelta(days=16),
        questions=[
            StaffQuestion(position=i, kind=kind, text=text)
            for i, (kind, text) in enumerate(DEFAULT_QUESTIONS)
        ],
    )
    session.add(questionnaire)
    session.flush()
    sizes = {"OIRS": 6, "DOP": 8, "DIMAO": 3, "DIDECO": 2}
    for code, count in sizes.items():
        unit = departments.get(code)
        for _ in range(count):
            items = []
            for question in questionnaire.questions:
                if question.kind == "scale":
                    score = max(1, min(5, round(rng.gauss(3.4, 1.0))))
                    items.append(StaffAnswerItem(question_id=question.id, score=score))
                elif rng.random() < 0.4:
                    items.append(
                        StaffAnswerItem(question_id=question.id, text=rng.choice(STAFF_TEXTS))
                    )
            session.add(
                StaffAnswer(
                    questionnaire_id=questionnaire.id,
                    department_id=unit.id if unit else None,
                    items=items,
                )
            )
    # The demo logins answered it (the other answers stand for staff not in the demo).
    for user in session.scalars(select(StaffUser).where(StaffUser.active.is_(True))):
        session.add(StaffRespondent(questionnaire_id=questionnaire.id, staff_user_id=user.id))
    session.flush()
