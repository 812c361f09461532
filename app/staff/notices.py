"""``/staff/avisos``: failed and stuck notifications in one place, filtered by status, channel
and age, with a retry button (the same domain function as the ticket page's). Need to know:
each viewer sees only the notifications of the tickets they may see, recipients masked."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.delivery.state import retry_notification
from app.extensions import db
from app.models import utcnow
from app.notices import labels
from app.notices.attention import (
    FAILED,
    LIMIT,
    STUCK_AFTER,
    NoticeFilter,
    may_see_notices,
    needing_attention,
    visible_notice,
)
from app.staff.blueprint import bp
from app.tickets import Actor, DomainError, NotFound
from app.tickets.codes import display
from app.tickets.errors import N_
from app.transaction import transaction

FILTER_KEYS = ("estado", "canal", "antiguedad")
SHOWN = (
    ("atencion", N_("Fallidos y atrasados")),
    ("fallidos", N_("Solo fallidos")),
    ("atrasados", N_("Solo atrasados")),
    ("reenviados", N_("Correos reenviados")),
)
AGE_CHOICES = (
    ("24h", N_("Últimas 24 horas")),
    ("7d", N_("Últimos 7 días")),
    ("30d", N_("Últimos 30 días")),
)


def _choices(pairs) -> list[tuple[str, str]]:
    return [(value, _(label)) for value, label in pairs]


@bp.app_context_processor
def notices_link() -> dict:
    """The staff menu offers the page to whoever may see it."""
    return {"sees_notices": lambda: may_see_notices(Actor.staff(current_user))}


def _actor() -> Actor:
    actor = Actor.staff(current_user)
    if not may_see_notices(actor):
        abort(403)
    return actor


@bp.get("/avisos")
def notices():
    actor = _actor()
    chosen = NoticeFilter.from_args(request.args)
    now = utcnow()
    return render_template(
        "staff/notices.html",
        rows=needing_attention(db.session, actor, chosen, now),
        chosen=chosen,
        filter_args=_filter_args(),
        shown_choices=_choices(SHOWN),
        channel_choices=_choices(labels.CHANNELS.items()),
        age_choices=_choices(AGE_CHOICES),
        stuck_minutes=int(STUCK_AFTER.total_seconds() // 60),
        limit=LIMIT,
        failed=FAILED,
        notice=labels,
        display=display,
    )


def _filter_args() -> dict[str, str]:
    return {key: value for key, value in request.args.items() if key in FILTER_KEYS}


def _retry_refused(error: DomainError, notification_id: int):  # noqa: ARG001 - the view's
    if isinstance(error, NotFound):
        abort(404)
    flash(_(error.message))
    return redirect(url_for("staff.notices", **_filter_args()), code=303)


@bp.post("/avisos/<int:notification_id>/reintentar")
@transaction(on_error=_retry_refused)
def retry_from_notices(notification_id: int):
    actor = _actor()
    visible_notice(db.session, actor, notification_id)
    retry_notification(db.session, notification_id, actor)
    flash(_("El aviso se enviará de nuevo."))
    return redirect(url_for("staff.notices", **_filter_args()), code=303)
