"""``/direcciones`` and ``/direcciones/<unit>``: the public directory (no login, no personal
data: only a unit's institutional address, hours, phone and email)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from app.dashboards.transparency import cacheable, unit_report
from app.directory.search import (
    MAX_QUERY,
    directory,
    find_unit,
    general_desk,
    public_topics,
    who_handles,
)
from app.extensions import db
from app.models import utcnow
from app.public.views import describe_target
from app.tickets.sla import business_calendar

bp = Blueprint("directory", __name__)


@bp.get("/direcciones")
def index():
    query = (request.args.get("q") or "").strip()[:MAX_QUERY]
    matches = who_handles(db.session, query) if query else []
    units = directory(db.session)
    per_day = business_calendar(db.session).minutes_per_day
    return cacheable(
        current_app.make_response(
            render_template(
                "directory/index.html",
                query=query,
                matches=[
                    (m.category, describe_target(m.category.resolution_minutes, per_day))
                    for m in matches
                ],
                desk=general_desk(db.session) if query and not matches else None,
                units=[(unit, public_topics(unit)) for unit in units],
            )
        )
    )


@bp.get("/direcciones/<code>")
def unit(code: str):
    found = find_unit(db.session, code[:64])
    if found is None:
        abort(404)
    per_day = business_calendar(db.session).minutes_per_day
    figures = unit_report(db.session, utcnow(), current_app.config["TIMEZONE"], found.id)
    return cacheable(
        current_app.make_response(
            render_template(
                "directory/unit.html",
                unit=found,
                topics=[
                    (c, describe_target(c.resolution_minutes, per_day))
                    for c in public_topics(found)
                ],
                report=figures,
            )
        )
    )
