"""Reading the access trail (admins): filters by person, staff member, period and kind, newest
first. Reading it is itself recorded, since it shows who was looked up: each page view
(``log_viewed``) and each download (``log_exported``) writes a row with the filters used."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from app.models import AccessLogEntry, Contact
from app.tickets.access_log import KINDS, about_person, identifier_digest, record_access
from app.tickets.errors import ValidationFailed
from app.tickets.people import person_by, search_key
from app.tickets.permissions import Actor, require

PAGE_SIZE = 100


@dataclass(frozen=True)
class LogFilter:
    """What an admin asks of the trail; empty fields do not filter."""

    person: str = ""  # a RUT, mobile or email, however written
    person_id: int | None = None  # a person record's number (links from the person page)
    staff_id: int | None = None
    first: date | None = None  # Santiago dates, both included
    last: date | None = None
    kind: str = ""

    def as_detail(self) -> dict[str, Any]:
        """The filters, for the row that records this reading (an identifier never in clear)."""
        detail = {
            "person_id": self.person_id,
            "staff_id": self.staff_id,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "kind": self.kind or None,
            "by_identifier": bool(self.person.strip()),
        }
        return {key: value for key, value in detail.items() if value}


@dataclass(frozen=True)
class LogPage:
    entries: list[AccessLogEntry]
    person: Contact | None  # the person the filter named, when there is a record of them
    next_before: int | None  # the id to pass for the next (older) page, if any


def _midnight(day: date) -> datetime:
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def _by_person(session: Session, wanted: LogFilter) -> tuple[Any, Contact | None]:
    """The condition for the person filter, and the person record it names (if any)."""
    if wanted.person_id is not None:
        person = session.get(Contact, wanted.person_id)
        if person is None:
            raise ValidationFailed("No existe esa persona.", field="persona")
        return about_person(session, person), person
    key = search_key(wanted.person)
    if key is None:
        raise ValidationFailed("Escriba un RUT, un celular o un correo válido.", field="persona")
    person = person_by(session, *key)
    searched = AccessLogEntry.query_digest == identifier_digest(*key)
    return (or_(searched, about_person(session, person)) if person else searched), person


def _statement(session: Session, wanted: LogFilter) -> tuple[Select, Contact | None]:
    if wanted.first and wanted.last and wanted.last < wanted.first:
        raise ValidationFailed("El período termina antes de empezar.", field="hasta")
    if wanted.kind and wanted.kind not in KINDS:
        raise ValidationFailed("Elija una acción de la lista.", field="tipo")
    statement = select(AccessLogEntry).options(
        selectinload(AccessLogEntry.actor),
        selectinload(AccessLogEntry.person),
        selectinload(AccessLogEntry.ticket),
    )
    person = None
    if wanted.person.strip() or wanted.person_id is not None:
        condition, person = _by_person(session, wanted)
        statement = statement.where(condition)
    if wanted.staff_id is not None:
        statement = statement.where(AccessLogEntry.actor_id == wanted.staff_id)
    if wanted.first:
        statement = statement.where(AccessLogEntry.created_at >= _midnight(wanted.first))
    if wanted.last:
        end = _midnight(wanted.last + timedelta(days=1))
        statement = statement.where(AccessLogEntry.created_at < end)
    if wanted.kind:
        statement = statement.where(AccessLogEntry.kind == wanted.kind)
    return statement, person


def read_log(
    session: Session,
    actor: Actor,
    wanted: LogFilter,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> LogPage:
    """One page of the trail, newest first (``before``: the id the previous page ended at)."""
    require(actor, "audit")
    statement, person = _statement(session, wanted)
    if before is not None:
        statement = statement.where(AccessLogEntry.id < before)
    rows = list(session.scalars(statement.order_by(AccessLogEntry.id.desc()).limit(limit + 1)))
    record_access(session, actor, "log_viewed", person=person, detail=wanted.as_detail() or None)
    more = len(rows) > limit
    return LogPage(rows[:limit], person, rows[limit - 1].id if more else None)


def export_log(session: Session, actor: Actor, wanted: LogFilter) -> Iterator[AccessLogEntry]:
    """Every row the filters select, oldest first, read in batches; the download is recorded
    before the first row is read (the caller commits that row before streaming)."""
    require(actor, "audit")
    statement, person = _statement(session, wanted)
    record_access(session, actor, "log_exported", person=person, detail=wanted.as_detail() or None)

    def rows() -> Iterator[AccessLogEntry]:
        batch_after = 0
        while True:
            batch = list(
                session.scalars(
                    statement.where(AccessLogEntry.id > batch_after)
                    .order_by(AccessLogEntry.id)
                    .limit(1000)
                )
            )
            yield from batch
            if len(batch) < 1000:
                return
            batch_after = batch[-1].id

    return rows()
