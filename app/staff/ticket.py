"""The staff ticket page: contact, whole timeline, SLA clocks, notifications, and the actions
the lifecycle and the role allow. A stale form says so and keeps what was typed."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.delivery.state import for_ticket, retry_notification
from app.extensions import db
from app.forms import category_choices, choices, show_domain_error
from app.models import (
    Category,
    Notification,
    ResponseTemplate,
    StaffUser,
    Ticket,
    TicketEvent,
    utcnow,
)
from app.notices import labels
from app.photos import service as photo_service
from app.public.presenters import channel_label, status_label
from app.staff.blueprint import bp
from app.staff.forms import ActionForm
from app.staff.people import proof_label
from app.staff.protocols import panel_context
from app.tickets import (
    Actor,
    DomainError,
    NotFound,
    PermissionDenied,
    StaleTicket,
    ValidationFailed,
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
from app.tickets.followers import follower_count
from app.tickets.lifecycle import STAFF_ACTIONS
from app.tickets.nearby import reported_nearby
from app.tickets.permissions import allowed_actions, can_be_assignee, is_blocked
from app.tickets.publication import set_public_summary
from app.tickets.sla import at_risk, business_calendar
from app.transaction import transaction


def _load(code: str) -> Ticket:
    try:
        return get_by_code(db.session, code)
    except (CodeError, NotFound):
        abort(404)


def _clock(
    calendar, due: datetime, warn_at: datetime | None, now: datetime, stopped_at: datetime | None
) -> dict:
    if stopped_at is not None:
        return {"state": "met" if stopped_at <= due else "late", "minutes": None}
    if now > due:
        return {"state": "overdue", "minutes": calendar.minutes_between(due, now)}
    state = "at_risk" if at_risk(warn_at, due, now) else "running"
    return {"state": state, "minutes": calendar.minutes_between(now, due)}


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
        # A template's kind (reply, ask, resolve, reject) is the action form it fills.
        form.body.data, open_action = template.body, template.kind
    assignees = [
        u
        for u in db.session.scalars(
            select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.name)
        )
        if can_be_assignee(u, ticket)
    ]
    form.assignee.choices = choices([("", _("Sin asignar"))] + [(u.id, u.name) for u in assignees])
    form.category.choices = category_choices(db.session, include_triage=True)
    clocks = {
        "first": _clock(
            calendar,
            ticket.first_response_due_at,
            ticket.first_response_warn_at,
            now,
            ticket.first_responded_at,
        ),
        "resolution": _clock(
            calendar,
            ticket.resolution_due_at,
            ticket.resolution_warn_at,
            now,
            ticket.resolved_at or (ticket.closed_at if ticket.status != "closed" else None),
        ),
    }
    # Reroutes record category codes (stable across renames); staff read today's names.
    category_names = dict(db.session.execute(select(Category.code, Category.name)).all())
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
        category_names=category_names,
        display=display,
        instant=datetime.fromisoformat,
        status_label=status_label,
        format_rut=format_rut,
        channel_label=channel_label,
        proof_label=proof_label,
        contact_visible=contact_shown(db.session, actor, ticket),
        contact_blocked=is_blocked(ticket),
        may_see_people=may(actor, "people"),
        photos=photo_service.of_ticket(db.session, ticket.id),
        may_publish=may(actor, "summarize", ticket) and not ticket.category.sensitive,
        nearby=reported_nearby(db.session, ticket),
        followers=follower_count(db.session, ticket),
        volver=url_for("staff.ticket_page", code=display(ticket.code)),
        **panel_context(ticket.category_id),
    )
    return html, status  # the boundary commits the access-trail row of what it showed


@bp.get("/tickets/<code>")
@transaction
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
            db.session, ticket, STAFF_ACTIONS[action][1], actor, body=body, expected_version=version
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
        try:
            original = get_by_code(db.session, form.original.data or "")
        except CodeError as error:
            raise ValidationFailed(
                "El número de la solicitud original no es válido.", field="original"
            ) from error
        mark_duplicate(db.session, ticket, original, actor, expected_version=version)
    elif action == "reroute":
        category = db.session.get(Category, form.category.data) if form.category.data else None
        if category is None:
            raise ValidationFailed("Elija la nueva categoría.", field="category")
        reroute(db.session, ticket, category, actor, reason=body or "", expected_version=version)
    elif action == "summary":
        set_public_summary(db.session, ticket, actor, body, expected_version=version)
    elif action == "extend":
        extension.extend_target(db.session, ticket, actor, body or "", expected_version=version)
    else:
        abort(400)


RESIDENT_NOTICES = {"received", "info_requested", "public_reply", "resolved", "rejected"}
RESIDENT_NOTICES |= {"duplicate", "survey"}


def _what_was_done(action: str, ticket: Ticket) -> str:  # noqa: C901 - one sentence per action
    if action == "take":
        return _("Requerimiento asignado a usted.")
    if action == "assign":
        if ticket.assignee is None:
            return _("El requerimiento quedó sin asignar.")
        return _("Requerimiento asignado a %(name)s.", name=ticket.assignee.name)
    if action == "start":
        return _("Requerimiento marcado en proceso.")
    if action == "ask":
        return _("Pregunta enviada; el plazo queda detenido hasta que responda.")
    if action == "resolve":
        return _("Requerimiento marcado resuelto.")
    if action == "reject":
        return _("Requerimiento marcado «No corresponde».")
    if action == "reopen":
        return _("Requerimiento reabierto.")
    if action == "reply":
        return _("Respuesta pública guardada en el historial.")
    if action == "note":
        return _("Nota interna guardada (el vecino o vecina no la ve).")
    if action == "duplicate":
        original = ticket.duplicate_of
        return _("Marcado como duplicado de %(code)s.", code=display(original.code))
    if action == "reroute":
        return _(
            "Derivado a %(category)s (%(department)s).",
            category=ticket.category.name,
            department=ticket.department.name,
        )
    if ticket.public_summary:
        return _("Resumen público guardado.")
    return _("Resumen público retirado.")


def _done(action: str, ticket: Ticket, last_notice: int) -> str:
    """What happened, in one sentence, and where the resident's notice goes (masked), so
    staff need not scroll to check: "Respuesta ... Aviso por SMS a +56 9 •••• 4321"."""
    done = _what_was_done(action, ticket)
    notices = db.session.scalars(
        select(Notification).where(
            Notification.ticket_id == ticket.id,
            Notification.id > last_notice,
            Notification.template.in_(RESIDENT_NOTICES),
        )
    ).all()
    sent = [
        _(
            "Aviso por %(channel)s a %(recipient)s.",
            channel=labels.channel_label(n),
            recipient=labels.masked_recipient(n),
        )
        for n in notices
    ]
    if not sent and action in {"reply", "ask", "resolve", "reject"}:
        sent = [_("No se envió aviso: la solicitud no tiene un contacto que aceptó avisos.")]
    return " ".join([done, *sent])


def _show_action_again(error: DomainError, code: str) -> tuple[str, int]:
    """The domain refused: the page again, with what was typed and why (409 when someone
    else changed the ticket meanwhile: the new version is loaded, the text kept)."""
    form = ActionForm()
    ticket = _load(code)
    form.version.data = ticket.version
    if error.details.get("field") == "reason":  # a reroute's reason is typed in the text box
        error.details["field"] = "body"
    show_domain_error(form, error)  # beside the field it names, or at the top
    if isinstance(error, StaleTicket):
        status = 409
    else:
        status = 403 if isinstance(error, PermissionDenied) else 422
    return render_ticket(ticket, form, open_action=form.action.data, status=status)


@bp.post("/tickets/<code>")
@transaction(on_error=_show_action_again)
def ticket_action(code: str):
    ticket = _load(code)
    form = ActionForm()
    action = form.action.data
    if not form.validate_on_submit() or action not in STAFF_ACTIONS:
        return render_ticket(ticket, form, open_action=action, status=422)
    last_notice = db.session.scalar(
        select(func.max(Notification.id)).where(Notification.ticket_id == ticket.id)
    )
    _perform(action, ticket, form, Actor.staff(current_user))
    db.session.flush()
    flash(_done(action, ticket, last_notice or 0))
    return redirect(url_for("staff.ticket_page", code=display(ticket.code)), code=303)


def _show_retry_refused(error: DomainError, code: str, notification_id: int):
    if isinstance(error, NotFound):  # not a notification of this ticket
        abort(404)
    form = ActionForm(formdata=None)
    form.form_errors.append(_(error.message))
    status = 403 if isinstance(error, PermissionDenied) else 422
    return render_ticket(_load(code), form, status=status)


@bp.post("/tickets/<code>/avisos/<int:notification_id>/reintentar")
@transaction(on_error=_show_retry_refused)
def retry_notice(code: str, notification_id: int):
    """Send a failed notification again (a new outbox row; the failed one stays as history)."""
    ticket = _load(code)
    retry_notification(db.session, notification_id, Actor.staff(current_user), ticket=ticket)
    flash(_("El aviso se enviará de nuevo."))
    return redirect(url_for("staff.ticket_page", code=display(ticket.code)), code=303)
