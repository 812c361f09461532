"""The queue: a department's tickets (admins: all), nearest due first, filtered and paged by
keyset (``next_due_at``, ``id``) so page N costs the same as page 1 at a million tickets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, select, text, tuple_
from sqlalchemy.orm import selectinload

from app.catalog import grouped_categories
from app.dashboards.drill import DRILL_KEYS, apply_drill_filters, is_drill_down
from app.extensions import db
from app.inputs import bounded_date, bounded_int, in_date_range
from app.models import CHANNELS, StaffUser, Ticket, TicketCount, utcnow
from app.models.practice import in_practice
from app.models.tickets import OPEN_PREDICATE
from app.public.presenters import status_label
from app.staff.blueprint import bp
from app.tickets.codes import CodeError, display, parse
from app.tickets.counts import live_open_counts, open_counts
from app.tickets.errors import PermissionDenied, ValidationFailed
from app.tickets.lifecycle import OPEN_STATUSES, STATUSES
from app.tickets.people import person_tickets_where
from app.tickets.permissions import Actor, assignees_where, listed_where, may_see_contact
from app.tickets.search import text_where
from app.tickets.sla import at_risk_where, business_calendar
from app.transaction import transaction

PAGE_SIZE = 50
# Written out (not bound parameters) so Postgres matches the partial indexes on open tickets.
OPEN_TICKETS = text(f"tickets.{OPEN_PREDICATE}")


def _scope(statement: Select) -> Select:
    return statement.where(listed_where(Actor.staff(current_user)))


SORTS = {  # name in the URL -> (column, newest first?)
    "vence": (Ticket.next_due_at, False),
    "recientes": (Ticket.created_at, True),
    "antiguas": (Ticket.created_at, False),
}


@dataclass
class QueueErrors:
    """What staff typed that the queue cannot use: shown, linked, never silently ignored."""

    fields: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)


def _date(args, name: str, errors: QueueErrors) -> datetime | None:
    """A date typed by staff means midnight in Santiago."""
    text = (args.get(name) or "").strip()
    if not text:
        return None
    day = bounded_date(text)
    if day is None:
        errors.add(name, _("Escriba una fecha válida (día, mes y año)."))
        return None
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))


def _apply_filters(statement: Select, args, now: datetime, errors: QueueErrors) -> Select:  # noqa: C901 - one per filter
    actor = Actor.staff(current_user)
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
    created_from, created_to = _date(args, "desde", errors), _date(args, "hasta", errors)
    if created_from and created_to and created_to < created_from:
        errors.add("hasta", _("La fecha «Hasta» es anterior a «Ingresadas desde»."))
    if created_from:
        statement = statement.where(Ticket.created_at >= created_from)
    if created_to:
        statement = statement.where(Ticket.created_at < created_to + timedelta(days=1))
    if text := args.get("q", "").strip():
        try:
            statement = statement.where(Ticket.code == parse(text))
        except CodeError:
            statement = statement.where(text_where(actor, text))
    if person := args.get("persona", "").strip():
        try:
            statement = statement.where(person_tickets_where(db.session, actor, person))
        except PermissionDenied:
            abort(403)
        except ValidationFailed as error:
            errors.add("persona", _(error.message))
    return statement


def _cursor(ticket: Ticket, column) -> str:
    value = getattr(ticket, column.key)
    return f"{value.isoformat() if value else ''}_{ticket.id}"


def _page(statement: Select, column, newest_first: bool, args) -> tuple[Select, bool]:
    """Keyset paging in the chosen order: ``despues`` (the next page) or ``antes`` (the
    previous one, read backwards and turned around). Returns the statement and whether it
    reads backwards."""
    backwards = bool(args.get("antes")) and not args.get("despues")
    cursor = args.get("antes") if backwards else args.get("despues")
    forward_desc = newest_first != backwards  # the direction rows are read in
    order = (column.desc(), Ticket.id.desc()) if forward_desc else (column, Ticket.id)
    statement = statement.order_by(*order)
    if not cursor:
        return statement, backwards
    try:
        value_text, id_text = cursor.rsplit("_", 1)
        value, last_id = datetime.fromisoformat(value_text), bounded_int(id_text)
    except ValueError:
        return statement, backwards
    if last_id is None or not in_date_range(value):
        return statement, backwards
    key, mark = tuple_(column, Ticket.id), tuple_(value, last_id)
    return statement.where(key < mark if forward_desc else key > mark), backwards


@bp.get("/tickets")
@transaction  # commits the trail row of a search by RUT, mobile or email
def queue():
    now = utcnow()
    errors = QueueErrors()
    sort = request.args.get("orden") if request.args.get("orden") in SORTS else "vence"
    column, newest_first = SORTS[sort]
    base = _apply_filters(_scope(select(Ticket)), request.args, now, errors)
    if is_drill_down(request.args):  # links from the dashboard (app/dashboards/drill.py)
        base = apply_drill_filters(base, request.args, now, business_calendar(db.session))
    paged, backwards = _page(base, column, newest_first, request.args)
    rows = db.session.scalars(
        paged.options(selectinload(Ticket.category), selectinload(Ticket.assignee)).limit(
            PAGE_SIZE + 1
        )
    ).all()
    more = len(rows) > PAGE_SIZE
    tickets = rows[:PAGE_SIZE]
    if backwards:
        tickets.reverse()
    kept = {k: v for k, v in request.args.items() if k not in ("despues", "antes")}
    next_url = prev_url = None
    if tickets and (more if not backwards else True):
        next_url = url_for("staff.queue", **kept, despues=_cursor(tickets[-1], column))
    if tickets and (more if backwards else bool(request.args.get("despues"))):
        prev_url = url_for("staff.queue", **kept, antes=_cursor(tickets[0], column))
    first_url = url_for("staff.queue", **kept) if prev_url else None
    # Open tickets per status from the maintained counter rows (app/tickets/counts.py): one row
    # per unit and status, so the cost does not grow with the backlog.
    if in_practice():  # practice tickets are never in the counter rows
        counts = live_open_counts(
            db.session, listed_where(Actor.staff(current_user), Ticket.department_id)
        )
    else:
        counts = open_counts(
            db.session, listed_where(Actor.staff(current_user), TicketCount.department_id)
        )
    staff = db.session.scalars(
        _staff_scope(select(StaffUser).where(StaffUser.active.is_(True))).order_by(StaffUser.name)
    ).all()
    html = render_template(
        "staff/queue.html",
        tickets=tickets,
        next_url=next_url,
        prev_url=prev_url,
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
        errors=errors.fields,
        sort=sort,
        may_search_people=may_see_contact(Actor.staff(current_user)),
    )
    return html, 422 if errors.fields else 200


def _staff_scope(statement: Select) -> Select:
    return statement.where(assignees_where(Actor.staff(current_user)))
