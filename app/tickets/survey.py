"""Satisfaction surveys: the signed link residents answer through, and recording an answer.

The link carries the ticket code signed with the app's secret (itsdangerous), so it cannot be
forged or pointed at another ticket, and it expires. One answer per ticket; an answer closes a
resolved ticket (DESIGN: resolved -> closed when the survey is answered).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import SURVEY_CHANNELS, AttentionAnswer, SatisfactionRating, Ticket, utcnow
from app.tickets import lifecycle
from app.tickets.errors import InvalidTransition, NotFound, ValidationFailed
from app.tickets.events import record_event
from app.tickets.permissions import SYSTEM, Actor, require
from app.tickets.proof import SURVEY, VIA_LINK, ResidentProof, trace
from app.tickets.service import transition
from config.settings import settings

SALT = "conectados.survey"
MAX_COMMENT = 1000
ANSWERABLE = frozenset({lifecycle.RESOLVED, lifecycle.CLOSED})


class SurveyLinkInvalid(NotFound):
    message = "El enlace de la encuesta no es válido."


class SurveyLinkExpired(NotFound):
    message = "El enlace de la encuesta venció."


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(ticket: Ticket) -> str:
    return _serializer().dumps(ticket.code)


def read_token(token: str, max_age_days: int | None = None) -> str:
    """The ticket code a survey token was made for. Raises SurveyLinkInvalid / Expired."""
    days = max_age_days or settings().survey_max_age_days
    try:
        return _serializer().loads(token, max_age=days * 86400)
    except SignatureExpired as exc:
        raise SurveyLinkExpired() from exc
    except BadSignature as exc:
        raise SurveyLinkInvalid() from exc


def ticket_for_token(session: Session, token: str) -> Ticket:
    code = read_token(token)
    ticket = session.scalar(select(Ticket).where(Ticket.code == code))
    if ticket is None:
        raise SurveyLinkInvalid()
    return ticket


def link_proof(ticket: Ticket) -> ResidentProof:
    """A valid survey link was sent to the ticket's contact: it proves the survey only."""
    return ResidentProof(ticket.code, VIA_LINK, frozenset({SURVEY}))


def local_day(now: datetime) -> date:
    """The Santiago day of an instant: what an attention answer keeps (never the time)."""
    return now.astimezone(ZoneInfo(settings().timezone)).date()


def check_score(value: int | None, field: str, required: bool = False) -> int | None:
    if value is None and not required:
        return None
    if not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationFailed("Elija una nota del 1 al 5.", field=field)
    return value


def answered(session: Session, ticket: Ticket) -> SatisfactionRating | None:
    return session.scalar(
        select(SatisfactionRating).where(SatisfactionRating.ticket_id == ticket.id)
    )


def record_satisfaction(
    session: Session,
    ticket: Ticket,
    rating: int,
    comment: str | None,
    channel: str,
    *,
    proof: ResidentProof | None,
    now: datetime | None = None,
    kindness: int | None = None,
    clarity: int | None = None,
    timeliness: int | None = None,
) -> SatisfactionRating:
    """Store the resident's answer once; close the ticket if it is still resolved.

    ``rating`` is the overall satisfaction (1-5, required); ``kindness`` ("trato amable"),
    ``clarity`` (of the answer) and ``timeliness`` are optional 1-5 scores; ``comment`` answers
    "¿Qué deberíamos mejorar?". Besides the ticket's rating (the dashboards' satisfaction), the
    answer becomes an attention-survey answer (the external diagnosis) with the ticket's
    channel, unit and category and the day only.
    ``proof``: what the resident's channel proved (the code alone only on a contactless ticket).
    """
    actor = Actor.resident(proof)
    require(actor, SURVEY, ticket)
    if channel not in SURVEY_CHANNELS:
        raise ValidationFailed("Canal desconocido.", field="channel")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationFailed("Elija una nota del 1 al 5.", field="rating")
    scores = {
        "kindness": check_score(kindness, "kindness"),
        "clarity": check_score(clarity, "clarity"),
        "timeliness": check_score(timeliness, "timeliness"),
    }
    if ticket.status not in ANSWERABLE:
        raise InvalidTransition("La encuesta se responde cuando la solicitud está resuelta.")
    if answered(session, ticket) is not None:
        raise InvalidTransition("Esta encuesta ya fue respondida. ¡Gracias!")
    now = now or utcnow()
    comment = (comment or "").strip()[:MAX_COMMENT] or None
    rating_row = SatisfactionRating(
        ticket_id=ticket.id,
        rating=rating,
        comment=comment,
        channel=channel,
        ticket_channel=ticket.channel,
        created_at=now,
    )
    session.add(rating_row)
    session.add(
        AttentionAnswer(
            channel=ticket.channel,
            via="sms" if channel == "sms" else "link",
            ticket_id=ticket.id,
            department_id=ticket.department_id,
            category_id=ticket.category_id,
            answered_on=local_day(now),
            overall=rating,
            improve=comment,
            **scores,
        )
    )
    record_event(
        session,
        ticket,
        actor,
        "survey",
        now,
        body=comment,
        public=False,
        data={
            "rating": rating,
            **{name: value for name, value in scores.items() if value is not None},
            "channel": channel,
            **trace(proof),
        },
    )
    if ticket.status == lifecycle.RESOLVED:
        transition(
            session,
            ticket,
            lifecycle.CLOSED,
            SYSTEM,
            body="Cerrada tras la respuesta a la encuesta de satisfacción.",
            now=now,
        )
    session.flush()
    return rating_row
