"""Open tickets per unit × category × UTC hour, kept exact in the same flush as the change, so
the dashboards' "now" figures (backlog, overdue now, aging) cost O(units × hours), not
O(open tickets).

Two kinds of row (``OpenTicketHour``):
- ``filed``: every open ticket (new, in progress, waiting for the resident), by the hour it was
  filed. The backlog is their sum; "filed at or before instant B" is the sum of the whole hours
  before B's hour plus the tickets of B's own hour counted from the tickets (an index range of
  one hour): that is how aging splits the backlog at its business-day boundaries.
- ``due``: open tickets whose SLA clock runs (``sla_paused_at`` NULL) and that have a due
  instant, by the hour of ``next_due_at``. Overdue now = the whole hours before now's hour plus
  the tickets due in now's hour before now, again counted from the tickets.

Practice tickets are never counted (like ``ticket_counts``). The flush listener lives in
app/tickets/counts.py, which writes these rows together with the status counters (on Postgres
in one statement). Bulk statements that bypass the ORM call ``rebuild``; the migration that made
the table backfilled it.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, func, inspect, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models import OpenTicketHour, Ticket
from app.models.tickets import DUE, FILED, OPEN_STATUSES

Key = tuple[str, int, int, datetime]
# What places an open ticket in its rows: a change to any of these moves it.
COLUMNS = (
    "status",
    "department_id",
    "category_id",
    "created_at",
    "next_due_at",
    "sla_paused_at",
)


def hour_of(instant: datetime) -> datetime:
    """The start of the UTC hour ``instant`` falls in."""
    return instant.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def keys(values: dict) -> list[Key]:
    """The rows one ticket counts in, from its values of ``COLUMNS``."""
    if values["status"] not in OPEN_STATUSES:
        return []
    unit = (values["department_id"], values["category_id"])
    found = [(FILED, *unit, hour_of(values["created_at"]))]
    if values["sla_paused_at"] is None and values["next_due_at"] is not None:
        found.append((DUE, *unit, hour_of(values["next_due_at"])))
    return found


def _old(ticket: Ticket) -> dict:
    state = inspect(ticket)
    values = {}
    for name in COLUMNS:
        history = state.attrs[name].history
        if history.deleted:
            values[name] = history.deleted[0]
        elif history.added:  # set from NULL (active_history loaded it: no other way here)
            values[name] = None
        elif history.unchanged:
            values[name] = history.unchanged[0]
        else:
            values[name] = getattr(ticket, name)
    return values


def _new(ticket: Ticket) -> dict:
    return {name: getattr(ticket, name) for name in COLUMNS}


def changes(session: Session) -> list[tuple[Key, int]]:
    """The pending flush's differences, sorted by key (one lock order for every writer)."""
    deltas: Counter[Key] = Counter()
    for obj in session.new:
        if isinstance(obj, Ticket) and not obj.practice:
            deltas.update(keys(_new(obj)))
    for obj in session.dirty:
        if not isinstance(obj, Ticket) or obj in session.deleted or obj.practice:
            continue
        attrs = inspect(obj).attrs
        if not any(attrs[name].history.has_changes() for name in COLUMNS):
            continue
        deltas.subtract(keys(_old(obj)))
        deltas.update(keys(_new(obj)))
    for obj in session.deleted:
        if isinstance(obj, Ticket) and not obj.practice:
            deltas.subtract(keys(_old(obj)))
    return sorted((key, n) for key, n in deltas.items() if n)


def upsert(dialect_name: str, rows: list[tuple[Key, int]]):
    """One multi-row INSERT … ON CONFLICT adding ``rows`` to the counters."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(OpenTicketHour).values(
        [
            {"kind": k, "department_id": d, "category_id": c, "hour": h, "tickets": n}
            for (k, d, c, h), n in rows
        ]
    )
    return statement.on_conflict_do_update(
        index_elements=[
            OpenTicketHour.kind,
            OpenTicketHour.department_id,
            OpenTicketHour.category_id,
            OpenTicketHour.hour,
        ],
        set_={"tickets": OpenTicketHour.tickets + statement.excluded.tickets},
    )


def hour_sql(column, dialect_name: str):
    """``hour_of`` in SQL, stored as the column's own type stores instants (Postgres: a
    timestamptz; SQLite: SQLAlchemy's text form of the naive UTC instant)."""
    if dialect_name == "postgresql":
        return func.date_trunc("hour", column, "UTC")
    return func.strftime("%Y-%m-%d %H:00:00.000000", column)


def rebuild(connection: Connection) -> None:
    """Recount from the tickets table (after bulk loads; the migration's backfill does the
    same): one INSERT … SELECT per kind, grouped in SQL."""
    connection.execute(delete(OpenTicketHour))
    name = connection.dialect.name
    counted = [Ticket.status.in_(OPEN_STATUSES), Ticket.practice.is_(False)]
    for kind, instant, extra in (
        (FILED, Ticket.created_at, []),
        (
            DUE,
            Ticket.next_due_at,
            [Ticket.sla_paused_at.is_(None), Ticket.next_due_at.is_not(None)],
        ),
    ):
        hour = hour_sql(instant, name)
        rows = (
            select(literal(kind), Ticket.department_id, Ticket.category_id, hour, func.count())
            .where(*counted, *extra)
            .group_by(Ticket.department_id, Ticket.category_id, hour)
        )
        connection.execute(
            OpenTicketHour.__table__.insert().from_select(
                ["kind", "department_id", "category_id", "hour", "tickets"], rows
            )
        )


def _where(scope) -> list:
    found = []
    if scope.department_id is not None:
        found.append(OpenTicketHour.department_id == scope.department_id)
    if scope.category_id is not None:
        found.append(OpenTicketHour.category_id == scope.category_id)
    return found


def now_figures(
    session: Session, scope, now: datetime, boundaries: list[datetime]
) -> tuple[int, int, list[int]]:
    """(backlog, overdue now, [open tickets filed at or before each boundary]) for a scope
    without a channel, from the hour rows plus each instant's own hour counted exactly."""
    current = hour_of(now)
    starts = [hour_of(b) for b in boundaries]
    filed = OpenTicketHour.kind == FILED
    due = OpenTicketHour.kind == DUE

    def total(condition):
        return func.coalesce(func.sum(OpenTicketHour.tickets).filter(condition), 0)

    rolled = session.execute(
        select(
            total(filed),
            total(due & (OpenTicketHour.hour < current)),
            *(total(filed & (OpenTicketHour.hour < start)) for start in starts),
        ).where(*_where(scope))
    ).one()
    # The instants' own hours, from the tickets (indexed ranges of at most an hour each).
    conditions = [
        *scope.conditions(),
        Ticket.status.in_(OPEN_STATUSES),
        Ticket.practice.is_(False),  # as in the rows, whatever the session's scope
    ]
    parts = [
        select(literal(0).label("part"), func.count().label("n")).where(
            *conditions,
            Ticket.sla_paused_at.is_(None),
            Ticket.next_due_at >= current,
            Ticket.next_due_at < now,
        )
    ]
    for index, (start, boundary) in enumerate(zip(starts, boundaries, strict=True), start=1):
        parts.append(
            select(literal(index).label("part"), func.count().label("n")).where(
                *conditions, Ticket.created_at >= start, Ticket.created_at <= boundary
            )
        )
    exact = dict(session.execute(union_all(*parts)).all())
    backlog, overdue, *before = (int(v) for v in rolled)
    overdue += int(exact.get(0, 0))
    filed_by = [n + int(exact.get(i, 0)) for i, n in enumerate(before, start=1)]
    return backlog, overdue, filed_by
