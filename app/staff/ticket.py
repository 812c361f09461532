"""The staff ticket page: contact, whole timeline, SLA clocks, notifications, and the actions
the lifecycle and the role allow. A stale form says so and keeps what was typed."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.catalog import category_choices
from app.extensions import db
from app.models import ResponseTemplate, StaffUser, Ticket, TicketEvent, utcnow
from app.notifications import labels
from app.notifications.state import for_ticket, retry_notification
from app.public.presenters import status_label
from app.staff import bp
from app.staff.forms import ActionForm
from app.staff.people import channel_label, proof_label
from app.tickets import (
    Actor,
    DomainError,
    NotFound,
    PermissionDenied,
    StaleTicket,
    add_comment,
    assign,
    extension,
    get_by_code,
    mark_duplicate,
    may,
    reroute,
    transition,
)
from app.tickets.access_log import contact_shown
from app.tickets.codes import CodeError, display
from app.tickets.contacts import format_rut
from app.tickets.lifecycle import FINAL_STATUSES, TRANSITIONS
from app.tickets.permissions import can_be_assignee
from app.tickets.publication import set_public_summary
from app.tickets.sla import business_calendar

# action -> (domain permission, target status or None)
ACTIONS = {
    "take": ("take", None),
    "assign": ("assign", None),
    "start": ("transition", "in_progress"),
    "ask": ("transition", "waiting_resident"),
    "reply": ("comment", None),
    "note": ("note", None),
    "resolve": ("transition", "resolved"),
    "reject": ("transition", "rejected"),
    "duplicate": ("mark_duplicate", "duplicate"),
    "reopen": ("transition", "in_progress"),
    "reroute": ("reroute", None),
    "summary": ("summarize", None),
    "extend": ("extend", None),
}


NOT_ON_FINAL = {"take", "assign", "reroute", "reply"}
ONLY_FROM = {"start": "new", "reopen": "resolved"}


def allowed_actions(actor: Actor, ticket: Ticket) -> list[str]:
    """The actions to offer: what the role may do and the lifecycle allows now."""
    final = ticket.status in FINAL_STATUSES
    return [
        action
        for action, (permission, target) in ACTIONS.items()
        if may(actor, permission, ticket)
        and not (target and target not in TRANSITIONS[ticket.status])
        and ONLY_FROM.get(action, ticket.status) == ticket.status
        and not (final and action in NOT_ON_FINAL)
        and not (action == "take" and ticket.assignee_id == actor.user_id)
        and not (action == "extend" and extension.refusal(ticket) is not None)
    ]


def _load(code: str) -> Ticket:
    try:
        return get_by_code(db.session, code)
    except (CodeError, NotFound):
        abort(404)


def _clock(calendar, due: datetime, now: datetime, stopped_at: datetime | None) -> dict:
    if stopped_at is not None:
        return {"state": "met" if stopped_at <= due else "late", "minutes": None}
    if now > due:
        return {"state": "overdue", "minutes": calendar.minutes_between(due, now)}
    return {"state": "running", "minutes": calendar.minutes_between(now, due)}


def render_ticket(
    ticket: Ticket,
    form: ActionForm | None = None,
    open_action: str | None = None,
    status: int = 200,
):
    actor = Actor.staff(current_user)
    now = utcnow()
    calendar = business_calendar(db.session)
    events = db.session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id)
        .options(selectinload(TicketEvent.actor))
        .order_by(TicketEvent.id)
    ).all()
    notifications = for_ticket(db.session, ticket.id)
    templates = db.session.scalars(
        select(ResponseTemplate)
        .where(
            ResponseTemplate.active.is_(True),
            (ResponseTemplate.category_id == ticket.category_id)
            | ResponseTemplate.category_id.is_(None),
        )
        .order_by(ResponseTemplate.kind, ResponseTemplate.title)
    ).all()
    form = form or ActionForm(formdata=None)
    chosen = request.args.get("plantilla", type=int)
    template = next((t for t in templates if t.id == chosen), None)
    if template is not None and not form.body.data:
        form.body.data, open_action = template.body, _template_action(template.kind)
    assignees = [
        u
        for u in db.session.scalars(
            select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.name)
        )
        if can_be_assignee(u, ticket)
    ]
    form.assignee.choices = [("", _("Sin asignar"))] + [(u.id, u.name) for u in assignees]
    form.category.choices = category_choices(db.session, include_triage=True)
    clocks = {
        "first": _clock(calendar, ticket.first_response_due_at, now, ticket.first_responded_at),
        "resolution": _clock(
            calendar,
            ticket.resolution_due_at,
            now,
            ticket.resolved_at or (ticket.closed_at if ticket.status != "closed" else None),
        ),
    }
    paused = ticket.sla_paused_at is not None and ticket.status == "waiting_resident"
    html = render_template(
        "staff/ticket.html",
        ticket=ticket,
        events=events,
        notifications=notifications,
        notice=labels,
        templates=templates,
        form=form,
        actions=allowed_actions(actor, ticket),
        open_action=open_action,
        clocks=clocks,
        paused=paused,
        display=display,
        instant=datetime.fromisoformat,
        status_label=status_label,
        format_rut=format_rut,
        channel_label=channel_label,
        proof_label=proof_label,
        contact_visible=contact_shown(db.session, actor, ticket),
        may_see_people=may(actor, "people"),
    )
    db.session.commit()  # the view's access-trail row (need to know: see contact_shown)
    return html, status


def _template_action(kind: str) -> str:
    return {"reply": "reply", "ask": "ask", "resolve": "resolve", "reject": "reject"}[kind]


@bp.get("/tickets/<code>")
def ticket_page(code: str):
    ticket = _load(code)
    if not may(Actor.staff(current_user), "read", ticket):
        abort(403)
    return render_ticket(ticket)


def _perform(action: str, ticket: Ticket, form: ActionForm, actor: Actor) -> None:  # noqa: C901
    version = form.version.data
    body = form.body.data
    if action == "take":
        assign(db.session, ticket, current_user, actor, expected_version=version)
    elif action == "assign":
        user = db.session.get(StaffUser, form.assignee.data) if form.assignee.data else None
        assign(db.session, ticket, user, actor, expected_version=version)
    elif action in {"start", "ask", "resolve", "reject", "reopen"}:
        transition(
            db.session, ticket, ACTIONS[action][1], actor, body=body, expected_version=version
        )
    elif action in {"reply", "note"}:
        add_comment(
            db.session,
            ticket,
            actor,
            body or "",
            public=action == "reply",
            expected_version=version,
        )
    elif action == "duplicate":
        original = get_by_code(db.session, form.original.data or "")
        mark_duplicate(db.session, ticket, original, actor, expected_version=version)
    elif action == "reroute":
        from app.models import Category

        category = db.session.get(Category, form.category.data) if form.category.data else None
        if category is None:
            from app.tickets import ValidationFailed

            raise ValidationFailed("Elija la nueva categoría.", field="category")
        reroute(db.session, ticket, category, actor, reason=body or "", expected_version=version)
    elif action == "summary":
        set_public_summary(db.session, ticket, actor, body, expected_version=version)
    elif action == "extend":
        extension.extend_target(db.session, ticket, actor, body or "", expected_version=version)
    else:
        abort(400)


@bp.post("/tickets/<code>")
def ticket_action(code: str):
    ticket = _load(code)
    form = ActionForm()
    action = form.action.data
    if not form.validate_on_submit() or action not in ACTIONS:
        return render_ticket(ticket, form, open_action=action, status=422)
    try:
        _perform(action, ticket, form, Actor.staff(current_user))
    except StaleTicket as error:
        db.session.rollback()
        ticket = _load(code)
        form.version.data = ticket.version  # what they typed stays; the new version is loaded
        form.form_errors.append(_(error.message))
        return render_ticket(ticket, form, open_action=action, status=409)
    except (DomainError, CodeError) as error:
        db.session.rollback()
        ticket = _load(code)
        form.version.data = ticket.version
        message = (
            _(error.message)
            if isinstance(error, DomainError)
            else _("El número de la solicitud original no es válido.")
        )
        form.form_errors.append(message)
        status = 403 if isinstance(error, PermissionDenied) else 422
        return render_ticket(ticket, form, open_action=action, status=status)
    db.session.commit()
    flash(_("Cambios guardados."))
    return redirect(url_for("staff.ticket_page", code=display(ticket.code)), code=303)


@bp.post("/tickets/<code>/avisos/<int:notification_id>/reintentar")
def retry_notice(code: str, notification_id: int):
    """Send a failed notification again (a new outbox row; the failed one stays as history)."""
    ticket = _load(code)
    form = ActionForm(formdata=None)
    try:
        retry_notification(db.session, notification_id, Actor.staff(current_user), ticket=ticket)
    except NotFound:  # not a notification of this ticket
        db.session.rollback()
        abort(404)
    except DomainError as error:
        db.session.rollback()
        form.form_errors.append(_(error.message))
        status = 403 if isinstance(error, PermissionDenied) else 422
        return render_ticket(_load(code), form, status=status)
    db.session.commit()
    flash(_("El aviso se enviará de nuevo."))
    return redirect(url_for("staff.ticket_page", code=display(ticket.code)), code=303)
