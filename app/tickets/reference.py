"""Reference data every intake reads, kept per process: the category catalogue and the business
calendar (working hours, closed days).

Admins change them a few times a year; a ticket is filed many times a minute. Each process keeps
the last copy it read, keyed by the database engine and the configured hours, and drops it:

- at once, when a session of this process flushes a change to a category, unit, closed day or
  setting (the flush listener below), and again when that transaction ends (commit or rollback);
  while a transaction holds such uncommitted changes it reads the tables, never the cache;
- after ``REFERENCE_CACHE_SECONDS`` (10 s by default), for changes another process made (the
  other web workers, a worker, an admin command). ``0`` turns the cache off.

The categories are kept as detached ORM objects with every column and their unit loaded; the
domain gets its own attached copy through ``session.merge(load=False)`` (no SQL). Forms read the
detached ones directly (names, ids, units).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from threading import Lock

from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from app.models import Category, ClosedDay, Department, Setting
from app.tickets.calendar import BusinessCalendar
from config.settings import settings

CALENDAR_SETTINGS = ("WORKDAY_START", "WORKDAY_END")
_REFERENCE_TYPES = (Category, Department, ClosedDay, Setting)
_CHANGED = "conectados.reference_changed"


@dataclass(frozen=True)
class Catalog:
    """Every unit (by name) with its categories, and every category by id and by code."""

    departments: tuple[Department, ...]
    by_id: dict[int, Category]
    by_code: dict[str, Category]


_lock = Lock()
_entries: dict[tuple, tuple[float, object]] = {}


def invalidate() -> None:
    """Forget every cached copy in this process (admin changes, tests between each other)."""
    with _lock:
        _entries.clear()


def _cached(session: Session, name: str, build, *extra):
    ttl = settings().reference_cache_seconds
    if ttl <= 0 or session.info.get(_CHANGED):
        return build(session)
    key = (name, id(session.get_bind()), *extra)
    now = time.monotonic()
    with _lock:
        entry = _entries.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]
    value = build(session)
    with _lock:
        _entries[key] = (now + ttl, value)
    return value


def _read_catalog(session: Session) -> Catalog:
    departments = session.scalars(
        select(Department).options(selectinload(Department.categories)).order_by(Department.name)
    ).all()
    by_id = {c.id: c for d in departments for c in d.categories if c.department is d}
    return Catalog(
        departments=tuple(departments),
        by_id=by_id,
        by_code={category.code: category for category in by_id.values()},
    )


def _load_catalog(session: Session) -> Catalog:
    """Read in a session of its own (the caller's objects stay the caller's), then detached:
    shared by every request of this process, read-only."""
    if session.info.get(_CHANGED):
        return _read_catalog(session)  # this transaction's own changes, never cached
    with Session(bind=session.get_bind(mapper=Category), expire_on_commit=False) as own:
        return _read_catalog(own)  # closing detaches them, loaded (a rollback would expire)


def catalog(session: Session) -> Catalog:
    """The units and categories (active or not), for reading only: use ``attached`` to hand a
    category to the domain."""
    return _cached(session, "catalog", _load_catalog)


def attached(session: Session, category: Category | None) -> Category | None:
    """This session's own copy of a cached category (and its unit), without SQL."""
    if category is None or category in session:
        return category
    return session.merge(category, load=False)


def category_by_id(session: Session, category_id: int | None) -> Category | None:
    if not category_id:
        return None
    return attached(session, catalog(session).by_id.get(category_id))


def category_by_code(session: Session, code: str | None) -> Category | None:
    if not code:
        return None
    return attached(session, catalog(session).by_code.get(code))


def _load_calendar(session: Session) -> BusinessCalendar:
    closed = session.scalars(select(ClosedDay.day)).all()
    configured = settings()
    hours = {
        "TIMEZONE": configured.timezone,
        "WORKDAY_START": configured.workday_start,
        "WORKDAY_END": configured.workday_end,
    }
    stored = session.execute(
        select(Setting.key, Setting.value).where(Setting.key.in_(CALENDAR_SETTINGS))
    ).all()
    hours.update(dict(stored))
    return BusinessCalendar.from_settings(hours, closed)


def business_calendar(session: Session) -> BusinessCalendar:
    """The calendar in force: environment defaults, an admin's working hours, closed days.
    Shared by the requests of this process: read it, never change it."""
    configured = settings()
    return _cached(
        session,
        "calendar",
        _load_calendar,
        configured.timezone,
        configured.workday_start,
        configured.workday_end,
    )


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context) -> None:
    for instances in (session.new, session.deleted):
        if any(isinstance(obj, _REFERENCE_TYPES) for obj in instances):
            break
    else:
        if not any(
            isinstance(obj, _REFERENCE_TYPES)
            and session.is_modified(obj, include_collections=False)
            for obj in session.dirty
        ):
            return
    session.info[_CHANGED] = True
    invalidate()


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction) -> None:
    if transaction.parent is None and session.info.pop(_CHANGED, None):
        invalidate()  # committed: others read the new rows; rolled back: the old ones again
