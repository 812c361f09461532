"""``/staff/dashboard``: heads see their department, admins all departments with a comparison
table; everyone else gets 403. The page, its charts and its CSV render the same figures."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.catalog import grouped_categories
from app.dashboards import charts, dashboard, export
from app.dashboards.scope import Scope, local_today, scope_from_args
from app.diagnoses import external
from app.extensions import db, login_manager
from app.models import CHANNELS, Department, utcnow
from app.notices.attention import attention_count
from app.public.presenters import channel_label
from app.tickets import Actor, may
from app.tickets.sla import business_calendar

bp = Blueprint("dashboards", __name__, url_prefix="/staff")


@bp.before_request
def heads_and_admins():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not may(Actor.staff(current_user), "dashboard"):
        abort(403)
    if current_user.role != "admin" and current_user.department_id is None:
        abort(403)  # a head without a department has no figures to see
    return None


def _is_admin() -> bool:
    return current_user.role == "admin"


def current_scope(now) -> Scope:
    timezone = current_app.config["TIMEZONE"]
    scope = scope_from_args(request.args, local_today(now, timezone), timezone)
    if not _is_admin():
        scope = scope.for_department(current_user.department_id)
    return scope


def _build(*, exact: bool = False) -> dashboard.Dashboard:
    """``exact``: the CSV's medians and p90 come from the tickets, not the daily histograms."""
    now = utcnow()
    scope = current_scope(now)
    compare = _is_admin() and scope.department_id is None
    return dashboard.build(
        db.session,
        scope,
        business_calendar(db.session),
        now,
        compare_departments=compare,
        exact=exact,
    )


def drill(scope: Scope, **extra: object) -> str:
    """The staff queue listing the tickets behind a figure."""
    args = {k: v for k, v in scope.query_args().items() if k in ("direccion", "categoria", "canal")}
    args.update({k: v for k, v in extra.items() if v is not None})
    return url_for("staff.queue", **args)


@bp.get("/dashboard")
def dashboard_page():
    figures = _build()
    categories = grouped_categories(db.session, include_triage=True)
    if not _is_admin():
        categories = {
            name: listed
            for name, listed in categories.items()
            if listed[0].department_id == current_user.department_id
        }
    departments = db.session.scalars(
        select(Department).where(Department.active.is_(True)).order_by(Department.name)
    ).all()
    return render_template(
        "dashboards/dashboard.html",
        d=figures,
        scope=figures.scope,
        span=figures.scope.span,
        charts=charts,
        drill=drill,
        is_admin=_is_admin(),
        departments=departments,
        categories=categories,
        channels=CHANNELS,
        csv_args=figures.scope.query_args(),
        timedelta=timedelta,
        notices_needing_attention=attention_count(db.session, Actor.staff(current_user), utcnow()),
        attention=external.results(
            db.session,
            figures.scope.span.first,
            figures.scope.span.last,
            figures.scope.department_id,
        ),
        channel_label=channel_label,
    )


@bp.get("/dashboard.csv")
def dashboard_csv():
    figure = request.args.get("figura")
    figures = _build(exact=True)
    spanish = request.args.get("formato") == "es"
    body = export.to_csv(figures, figure if figure in export.FIGURES else None, spanish=spanish)
    name = f"tablero-{figures.scope.span.first}-{figures.scope.span.last}"
    if spanish:
        name += "-excel-es"
    if figure in export.FIGURES:
        name += f"-{figure}"
    return Response(
        "\ufeff" + body,  # a BOM so spreadsheet programs read the accents as UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
