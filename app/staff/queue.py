"""The queue: a department's tickets (admins: all), nearest due first, filtered and paged by
keyset (``next_due_at``, ``id``) so page N costs the same as page 1 at a million tickets."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Select, func, select, text, tuple_
from sqlalchemy.orm import selectinload

from app.catalog import grouped_categories
from app.dashboards.drill import DRILL_KEYS, apply_drill_filters, is_drill_down
from app.extensions import db
from app.inputs import bounded_date, bounded_int, in_date_range
from app.models import CHANNELS, StaffUser, Ticket, utcnow
from app.models.tickets import OPEN_PREDICATE
from app.public.presenters import status_label
from app.staff.blueprint import bp
from app.tickets.codes import CodeError, display, parse
from app.tickets.lifecycle import OPEN_STATUSES, STATUSES
from app.tickets.permissions import Actor, assignees_where, listed_where
from app.tickets.sla import at_risk_where, business_calendar

PAGE_SIZE = 50
# Written out (not bound parameters) so Postgres matches the partial indexes on open tickets.
OPEN_TICKETS = text(f"tickets.{OPEN_PREDICATE}")


def _scope(statement: Select) -> Select:
    return statement.where(listed_where(Actor.staff(current_user)))


def _date(value: str | None) -> datetime | None:
    """A date typed by staff means midnight in Santiago."""
    day = bounded_date(value)
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))


def _apply_filters(statement: Select, args, now: datetime) -> Select:  # noqa: C901 - one per filter
    status = args.get("estado")
    if status == "abiertas" or not status:
        statement = statement.where(OPEN_TICKETS)
    elif status in STATUSES:
        statement = statement.where(Ticket.status == status)
    if category := bounded_int(args.get("categoria")):
        statement = statement.where(Ticket.category_id == category)
    if (channel := args.get("canal")) in CHANNELS:
        statement = statement.where(Ticket.channel == channel)
    assigned = args.get("asignadas")
    if assigned == "mias":
        statement = statement.where(Ticket.assignee_id == current_user.id)
    elif assigned == "nadie":
        statement = statement.where(Ticket.assignee_id.is_(None))
    elif (assignee := bounded_int(assigned)) is not None:
        statement = statement.where(Ticket.assignee_id == assignee)
    sla = args.get("plazo")
    if sla == "vencidas":
        statement = statement.where(Ticket.next_due_at < now, Ticket.sla_paused_at.is_(None))
    elif sla == "en_riesgo":
        statement = statement.where(at_risk_where(now))
    if created_from := _date(args.get("desde")):
        statement = statement.where(Ticket.created_at >= created_from)
    if created_to := _date(args.get("hasta")):
        statement = statement.where(Ticket.created_at < created_to + timedelta(days=1))
    if text := args.get("q", "").strip():
        try:
            statement = statement.where(Ticket.code == parse(text))
        except CodeError:
            statement = statement.where(Ticket.description.ilike(f"%{text[:100]}%"))
    return statement


def _after(statement: Select, cursor: str | None) -> Select:
    if not cursor:
        return statement
    try:
        due_text, id_text = cursor.rsplit("_", 1)
        due, last_id = datetime.fromisoformat(due_text), bounded_int(id_text)
    except ValueError:
        return statement
    if last_id is None or not in_date_range(due):
        return statement
    return statement.where(tuple_(Ticket.next_due_at, Ticket.id) > tuple_(due, last_id))


@bp.get("/tickets")
def queue():
    now = utcnow()
    base = _apply_filters(_scope(select(Ticket)), request.args, now)
    if is_drill_down(request.args):  # links from the dashboard (app/dashboards/drill.py)
        base = apply_drill_filters(base, request.args, now, business_calendar(db.session))
    rows = db.session.scalars(
        _after(base, request.args.get("despues"))
        .options(selectinload(Ticket.category), selectinload(Ticket.assignee))
        .order_by(Ticket.next_due_at, Ticket.id)
        .limit(PAGE_SIZE + 1)
    ).all()
    tickets, has_next = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    next_url = None
    if has_next:
        last = tickets[-1]
        args = {**request.args.to_dict(), "despues": f"{last.next_due_at.isoformat()}_{last.id}"}
        next_url = url_for("staff.queue", **args)
    first_url = None
    if request.args.get("despues"):
        first_args = {k: v for k, v in request.args.items() if k != "despues"}
        first_url = url_for("staff.queue", **first_args)
    # Counts of the open statuses only: the backlog is small and indexed; counting a million
    # closed tickets on every page view would not be.
    counts = dict(
        db.session.execute(
            _scope(select(Ticket.status, func.count(Ticket.id)))
            .where(OPEN_TICKETS)
            .group_by(Ticket.status)
        ).all()
    )
    staff = db.session.scalars(
        _staff_scope(select(StaffUser).where(StaffUser.active.is_(True))).order_by(StaffUser.name)
    ).all()
    return render_template(
        "staff/queue.html",
        tickets=tickets,
        next_url=next_url,
        counts=counts,
        now=now,
        statuses=STATUSES,
        open_statuses=[s for s in STATUSES if s in OPEN_STATUSES],
        status_label=status_label,
        channels=CHANNELS,
        categories=grouped_categories(db.session, include_triage=True),
        staff=staff,
        args=request.args,
        display=display,
        first_url=first_url,
        drill_keys=DRILL_KEYS,
    )


def _staff_scope(statement: Select) -> Select:
    return statement.where(assignees_where(Actor.staff(current_user)))
