"""Tickets per department and status, kept exact in the same flush as the change; and the
past days whose dashboard rollup a change made stale.

Practice tickets ("Modo práctica") are never counted: neither here nor in the rollups.

Every flush that adds a ticket, changes its status or its department, or deletes it adds the
difference to ``ticket_counts`` (one row per department × status) before the transaction
commits: the counts commit or roll back with the change. Concurrent changes serialize on the
counter rows (``UPDATE ... SET tickets = tickets + n``), taken in one order (sorted keys) so two
transactions never wait on each other crosswise. Bulk statements that bypass the ORM (the
benchmarks' loads) call ``rebuild`` afterwards; the migration that made the table backfilled it.

The same flush keeps the open tickets' hour rows (``open_ticket_hours``, app/tickets/
open_hours.py: backlog, overdue now and aging for the dashboards) in the same way.

The same flush marks "dirty" every past Santiago day (before today) whose figures the change
moves — the old and new days of a ticket's filing, first response and resolution — in
``rollup_days``: the dashboards read those days from the tickets table until the periodic job
rolls them up again (app/dashboards/rollups.py). A change to a category's targets drops the
job's mark, so it rolls every day again.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, event, func, inspect, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models import Category, RollupDay, SatisfactionRating, Ticket, TicketCount, utcnow
from app.models.tickets import OPEN_STATUSES
from app.tickets import open_hours
from config.settings import settings

Key = tuple[int, str]


def _before(ticket: Ticket, name: str):
    history = inspect(ticket).attrs[name].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return getattr(ticket, name)


def _deltas(session: Session) -> Counter[Key]:
    deltas: Counter[Key] = Counter()
    for obj in session.new:
        if isinstance(obj, Ticket) and not obj.practice:
            deltas[(obj.department_id, obj.status)] += 1
    for obj in session.dirty:
        if not isinstance(obj, Ticket) or obj in session.deleted or obj.practice:
            continue
        attrs = inspect(obj).attrs
        if attrs.department_id.history.has_changes() or attrs.status.history.has_changes():
            old = (_before(obj, "department_id"), _before(obj, "status"))
            new = (obj.department_id, obj.status)
            if old != new:
                deltas[old] -= 1
                deltas[new] += 1
    for obj in session.deleted:
        if isinstance(obj, Ticket) and not obj.practice:
            deltas[(_before(obj, "department_id"), _before(obj, "status"))] -= 1
    return deltas


def _upsert(dialect, changes: list[tuple[Key, int]]):
    """All the counter changes in one multi-row upsert, its rows in the sorted keys' order."""
    rows = [{"department_id": d, "status": status, "tickets": n} for (d, status), n in changes]
    statement = dialect.insert(TicketCount).values(rows)
    return statement.on_conflict_do_update(
        index_elements=[TicketCount.department_id, TicketCount.status],
        set_={"tickets": TicketCount.tickets + statement.excluded.tickets},
    )


# Rows other modules ask to be written with a new ticket's flush, once the ticket has its id
# (``with_ticket_insert``): on Postgres they ride in the counters' statement.
_WITH_TICKET = "counts.with_ticket_insert"


def with_ticket_insert(session: Session, ticket: Ticket, table, values) -> None:
    """Insert a row into ``table`` in the flush that inserts ``ticket`` (pending), after its
    INSERT: ``values(ticket)`` gives the row. Dropped if that insert never happens (a code
    drawn twice rolls its savepoint back; the next attempt asks again for its own ticket)."""
    session.info.setdefault(_WITH_TICKET, []).append((ticket, table, values))


def _rows_with_tickets(session: Session, dialect) -> list:
    asked = session.info.pop(_WITH_TICKET, [])
    return [
        dialect.insert(table).values(**values(ticket))
        for ticket, table, values in asked
        if ticket in session.new and ticket.id is not None
    ]


def _send(connection: Connection, statements: list) -> None:
    """Postgres: one statement (data-modifying CTEs, no round trip each); SQLite, which has
    none, runs them one by one (in process, no round trip either)."""
    if connection.dialect.name == "postgresql" and len(statements) > 1:
        ctes = [statement.cte(f"w{n}") for n, statement in enumerate(statements)]
        connection.execute(select(literal(1)).add_cte(*ctes))
        return
    for statement in statements:
        connection.execute(statement)


# What the dashboards count or measure, and the instants that place a ticket in a day.
FIGURE_COLUMNS = (
    "created_at",
    "resolved_at",
    "first_responded_at",
    "status",
    "department_id",
    "category_id",
    "channel",
    "resolution_business_minutes",
    "resolution_calendar_minutes",
    "first_response_business_minutes",
    "first_response_calendar_minutes",
)
DAY_COLUMNS = ("created_at", "resolved_at", "first_responded_at")
TARGET_COLUMNS = ("first_response_minutes", "resolution_minutes")


def _instants(ticket: Ticket, name: str, new: bool) -> list[datetime]:
    if new:
        value = getattr(ticket, name)
        return [value] if value is not None else []
    history = inspect(ticket).attrs[name].history
    return [v for v in (*history.deleted, *history.unchanged, *history.added) if v is not None]


def _dirty_days(session: Session) -> tuple[set[date], bool]:
    """Past days whose rollups the pending changes move; and whether targets changed."""
    touched = session.new | session.dirty | session.deleted
    if not any(isinstance(obj, Ticket | SatisfactionRating | Category) for obj in touched):
        return set(), False  # most flushes: nothing the dashboards count
    zone = ZoneInfo(settings().timezone)
    today = utcnow().astimezone(zone).date()
    days: set[date] = set()
    for obj in touched:
        if not isinstance(obj, Ticket) or obj.practice:  # practice is never counted
            continue
        new = obj in session.new
        attrs = inspect(obj).attrs
        changed = any(attrs[name].history.has_changes() for name in FIGURE_COLUMNS)
        if not new and not changed and obj not in session.deleted:
            continue
        for name in DAY_COLUMNS:
            days.update(instant.astimezone(zone).date() for instant in _instants(obj, name, new))
    for obj in session.new | session.deleted:
        if isinstance(obj, SatisfactionRating):  # counted on its ticket's resolution day
            resolved = session.connection().scalar(
                select(Ticket.resolved_at).where(
                    Ticket.id == obj.ticket_id, Ticket.practice.is_(False)
                )
            )
            if resolved is not None:
                days.add(resolved.astimezone(zone).date())
    retarget = any(
        isinstance(obj, Category)
        and any(inspect(obj).attrs[name].history.has_changes() for name in TARGET_COLUMNS)
        for obj in session.dirty
    )
    return {day for day in days if day < today}, retarget


def _marks(connection: Connection, dialect, days: set[date], retarget: bool) -> list:
    if retarget:  # every day's "within target" is stale: the job rolls all days again
        connection.execute(delete(RollupDay).where(RollupDay.kind == "rolled"))
    if not days:
        return []
    rows = [{"day": day, "kind": "dirty"} for day in sorted(days)]
    return [dialect.insert(RollupDay).values(rows).on_conflict_do_nothing()]


@event.listens_for(Session, "after_flush")
def _count(session: Session, _context) -> None:
    """In the flush's own transaction, after the tickets' rows were written (their row locks
    come first), with the pre-flush history still readable. On Postgres the counters, the
    day marks and the rows asked for with a new ticket go in one statement."""
    changes = sorted((key, n) for key, n in _deltas(session).items() if n)
    hours = open_hours.changes(session)
    days, retarget = _dirty_days(session)
    if not changes and not hours and not days and not retarget and _WITH_TICKET not in session.info:
        return
    connection = session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statements = [_upsert(dialect, changes)] if changes else []
    statements += [open_hours.upsert(connection.dialect.name, hours)] if hours else []
    statements += _marks(connection, dialect, days, retarget)
    statements += _rows_with_tickets(session, dialect)
    _send(connection, statements)


def rebuild(connection: Connection) -> None:
    """Recount from the tickets table (after bulk loads; the migration's backfill), the open
    tickets' hour rows included."""
    open_hours.rebuild(connection)
    connection.execute(delete(TicketCount))
    rows = connection.execute(
        select(Ticket.department_id, Ticket.status, func.count())
        .where(Ticket.practice.is_(False))
        .group_by(Ticket.department_id, Ticket.status)
    ).all()
    if rows:
        connection.execute(
            TicketCount.__table__.insert(),
            [{"department_id": d, "status": s, "tickets": n} for d, s, n in rows],
        )


def open_counts(session: Session, department_where) -> dict[str, int]:
    """Open tickets by status over the counter rows ``department_where`` selects."""
    return dict(
        session.execute(
            select(TicketCount.status, func.sum(TicketCount.tickets))
            .where(TicketCount.status.in_(OPEN_STATUSES), department_where)
            .group_by(TicketCount.status)
        ).all()
    )


def live_open_counts(session: Session, department_where) -> dict[str, int]:
    """Open tickets by status counted from the tickets the session's scope sees (practice mode:
    a handful of practice tickets, which the counter rows never hold)."""
    return dict(
        session.execute(
            select(Ticket.status, func.count())
            .where(Ticket.status.in_(OPEN_STATUSES), department_where)
            .group_by(Ticket.status)
        ).all()
    )
