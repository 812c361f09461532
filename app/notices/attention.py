"""Notifications that need staff attention, in one place (``/staff/avisos``): failed ones
(the provider refused them, or gave up after every attempt) and stuck ones (not out after
``STUCK_AFTER``). Need to know: department staff see the notifications of the tickets whose
contact they may see (their department's, and those they filed), admins all; staff without a
department see none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from app.models import Notification
from app.tickets.errors import NotFound
from app.tickets.permissions import ADMIN, Actor, contact_visible_where

STUCK_AFTER = timedelta(minutes=15)
FAILED = ("failed", "undelivered")
UNSENT = ("pending", "sending")
AGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
SHOWN = ("atencion", "fallidos", "atrasados", "reenviados")  # the status filter's choices
LIMIT = 200


@dataclass(frozen=True)
class NoticeFilter:
    shown: str = "atencion"  # failed or stuck
    channel: str | None = None  # sms, email
    age: str | None = None  # a key of AGES; None: any age

    @classmethod
    def from_args(cls, args) -> NoticeFilter:
        shown = args.get("estado")
        channel = args.get("canal")
        age = args.get("antiguedad")
        return cls(
            shown=shown if shown in SHOWN else "atencion",
            channel=channel if channel in ("sms", "email") else None,
            age=age if age in AGES else None,
        )


def may_see_notices(actor: Actor) -> bool:
    user = actor.user
    return bool(user and user.active and (user.role == ADMIN or user.department_id))


def _visible(actor: Actor) -> ColumnElement[bool]:
    """The need-to-know rule of the ticket pages (``contact_visible_where``)."""
    if not may_see_notices(actor):
        return false()
    if actor.role == ADMIN:
        return true()
    return Notification.ticket.has(contact_visible_where(actor))


def _stuck(now: datetime) -> ColumnElement[bool]:
    """Not out STUCK_AFTER after it was written. A notice held for business hours (never
    tried, due later) is waiting on purpose, not stuck."""
    held = and_(Notification.attempts == 0, Notification.next_attempt_at > now)
    return and_(
        Notification.status.in_(UNSENT),
        Notification.created_at < now - STUCK_AFTER,
        ~held,
    )


def _shown(shown: str, now: datetime) -> ColumnElement[bool]:
    failed = Notification.status.in_(FAILED)
    if shown == "fallidos":
        return failed
    if shown == "atrasados":
        return _stuck(now)
    if shown == "reenviados":
        return Notification.resends > 0
    return or_(failed, _stuck(now))


def _query(actor: Actor, chosen: NoticeFilter, now: datetime) -> Select:
    statement = select(Notification).where(_visible(actor), _shown(chosen.shown, now))
    if chosen.channel:
        statement = statement.where(Notification.channel == chosen.channel)
    if chosen.age:
        statement = statement.where(Notification.created_at >= now - AGES[chosen.age])
    return statement


def needing_attention(
    session: Session, actor: Actor, chosen: NoticeFilter, now: datetime
) -> list[Notification]:
    """Newest first, at most LIMIT (narrow the filters to see older ones)."""
    return list(
        session.scalars(
            _query(actor, chosen, now)
            .options(selectinload(Notification.ticket))
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(LIMIT)
        )
    )


def attention_count(session: Session, actor: Actor, now: datetime) -> int:
    """Failed or stuck notifications the actor may see (the dashboard's figure)."""
    query = _query(actor, NoticeFilter(), now).with_only_columns(func.count())
    return session.scalar(query.order_by(None)) or 0


def visible_notice(session: Session, actor: Actor, notification_id: int) -> Notification:
    """The notification, if the actor may see it (NotFound otherwise: no hint it exists)."""
    found = session.scalar(
        select(Notification).where(Notification.id == notification_id, _visible(actor))
    )
    if found is None:
        raise NotFound("No existe esa notificación.")
    return found
