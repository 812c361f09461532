"""The diagnoses of the Open Government commitment.

External (residents): ``attention_answers``, one row per answer to the attention survey, from
any channel: after a resolved ticket (``ticket_id`` set, unique: one answer per ticket), at the
counter (QR / short URL) or on the web. Only the day is kept, never the instant; no address,
no person. ``survey_themes``: what staff tag open answers with.

Internal (staff): a questionnaire with its questions; ``staff_answers`` hold what was answered
WITHOUT the person (a random id, the unit, no time at all), and ``staff_respondents`` records
who has answered (to refuse a second answer) with no link to the answer: no shared id, no
timestamp, no order to join them by (see README "Diagnóstico interno").
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow
from app.models.organization import Category, Department

# How the answer reached us: the signed link (e-mail, tracking page), an SMS reply, or the open
# survey page (/opina, /opina/meson, /opina/telefono).
ATTENTION_VIAS = ("link", "sms", "open")
SCORE_FIELDS = ("overall", "kindness", "clarity", "timeliness")
QUESTION_KINDS = ("scale", "open")


def _score_check(name: str) -> CheckConstraint:
    return CheckConstraint(f"{name} IS NULL OR {name} BETWEEN 1 AND 5", name=f"{name}_range")


class SurveyTheme(Base):
    __tablename__ = "survey_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AttentionAnswer(Base):
    __tablename__ = "attention_answers"
    __table_args__ = tuple(_score_check(name) for name in SCORE_FIELDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The attention channel evaluated (Ticket CHANNELS: web, sms, counter, phone, ...).
    channel: Mapped[str] = mapped_column(String(16), index=True)
    via: Mapped[str] = mapped_column(String(8))
    # Set for an answer about a resolved ticket: at most one answer per ticket.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), unique=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    answered_on: Mapped[date] = mapped_column(index=True)  # the Santiago day, never the time
    overall: Mapped[int] = mapped_column(SmallInteger)
    kindness: Mapped[int | None] = mapped_column(SmallInteger)
    clarity: Mapped[int | None] = mapped_column(SmallInteger)
    timeliness: Mapped[int | None] = mapped_column(SmallInteger)
    improve: Mapped[str | None] = mapped_column(Text)  # "¿Qué deberíamos mejorar?"
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("survey_themes.id"), index=True)

    department: Mapped[Department | None] = relationship()
    category: Mapped[Category | None] = relationship()
    theme: Mapped[SurveyTheme | None] = relationship()


class StaffQuestionnaire(Base):
    __tablename__ = "staff_questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    closed: Mapped[bool] = mapped_column(default=False)  # closed early by an admin
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    questions: Mapped[list[StaffQuestion]] = relationship(
        order_by="StaffQuestion.position", cascade="all, delete-orphan"
    )


class StaffQuestion(Base):
    __tablename__ = "staff_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("staff_questionnaires.id"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(8))  # scale (1-5) or open
    text: Mapped[str] = mapped_column(String(300))


def random_answer_id() -> str:
    return secrets.token_hex(16)


class StaffAnswer(Base):
    """One person's answers, without the person: a random id (no insertion order), the unit
    (for results by unit, shown only above the threshold), and no time."""

    __tablename__ = "staff_answers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_answer_id)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("staff_questionnaires.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))

    items: Mapped[list[StaffAnswerItem]] = relationship(cascade="all, delete-orphan")


class StaffAnswerItem(Base):
    __tablename__ = "staff_answer_items"
    __table_args__ = (_score_check("score"),)

    answer_id: Mapped[str] = mapped_column(ForeignKey("staff_answers.id"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("staff_questions.id"), primary_key=True)
    score: Mapped[int | None] = mapped_column(SmallInteger)
    text: Mapped[str | None] = mapped_column(Text)


class StaffRespondent(Base):
    """Who has answered a questionnaire: the pair only (no id, no time, no answer)."""

    __tablename__ = "staff_respondents"

    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("staff_questionnaires.id"), primary_key=True
    )
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), primary_key=True)
