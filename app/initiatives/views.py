"""Public pages of Transparencia Focalizada: ``/transparencia/<unit>`` (initiatives, progress,
milestones), the Atom feeds of progress updates, and open data under ``/datos``. No login, no
personal data; cached like ``/transparencia``."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.dashboards.scope import local_today
from app.dashboards.transparency import cacheable, unit_report
from app.directory.search import find_unit
from app.extensions import db
from app.initiatives import charts, feeds, opendata
from app.initiatives.service import (
    STATUS_LABELS,
    focused_units,
    initiatives_of,
    milestone_state,
    progress_of,
)
from app.localized import english, localized
from app.models import Initiative, ProgressUpdate, utcnow

bp = Blueprint("initiatives", __name__)


def _today():
    return local_today(utcnow(), current_app.config["TIMEZONE"])


def _focused_unit(code: str):
    unit = find_unit(db.session, code[:64])
    if unit is None:
        abort(404)
    return unit


@bp.get("/transparencia/<code>")
def unit_page(code: str):
    unit = _focused_unit(code)
    if not unit.highlighted:
        return redirect(url_for("directory.unit", code=unit.code.lower()), code=302)
    report = unit_report(db.session, utcnow(), current_app.config["TIMEZONE"], unit.id)
    return cacheable(
        current_app.make_response(
            render_template(
                "initiatives/unit.html",
                unit=unit,
                initiatives=initiatives_of(db.session, [unit.id]),
                report=report,
                today=_today(),
            )
        )
    )


def _updates(department_ids: list[int]) -> list[ProgressUpdate]:
    if not department_ids:
        return []
    return list(
        db.session.scalars(
            select(ProgressUpdate)
            .join(Initiative, Initiative.id == ProgressUpdate.initiative_id)
            .where(Initiative.department_id.in_(department_ids))
            .options(selectinload(ProgressUpdate.initiative).selectinload(Initiative.department))
            .order_by(ProgressUpdate.published_at.desc(), ProgressUpdate.id.desc())
            .limit(feeds.MAX_ENTRIES)
        )
    )


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, **values)


def _feed(units, title: str, self_url: str, page_url: str) -> Response:
    body = feeds.atom(
        title=title,
        self_url=self_url,
        page_url=page_url,
        updates=_updates([u.id for u in units]),
        entry_title=lambda u: (
            f"{localized(u.initiative, 'title')} · {u.initiative.department.name}"
        ),
        entry_text=lambda u: (
            localized(u, "body")
            + (f" ({u.progress} %)" if u.progress is not None else "")
            + (f" {u.link}" if u.link else "")
        ),
        entry_url=lambda u: _absolute(
            "initiatives.unit_page",
            code=u.initiative.department.code.lower(),
            _anchor=f"iniciativa-{u.initiative_id}",
        ),
        fallback_updated=utcnow().replace(microsecond=0),
        language="en" if english() else "es-CL",
    )
    return cacheable(Response(body, mimetype="application/atom+xml"))


@bp.get("/transparencia/novedades.atom")
def feed_all():
    return _feed(
        focused_units(db.session),
        _("Transparencia Focalizada: avances de las iniciativas municipales"),
        _absolute("initiatives.feed_all"),
        _absolute("transparency.transparency"),
    )


@bp.get("/transparencia/<code>/novedades.atom")
def feed_unit(code: str):
    unit = _focused_unit(code)
    if not unit.highlighted:
        abort(404)
    return _feed(
        [unit],
        _("Avances de %(unit)s", unit=unit.name),
        _absolute("initiatives.feed_unit", code=unit.code.lower()),
        _absolute("initiatives.unit_page", code=unit.code.lower()),
    )


def _csv(name: str, fields, rows) -> Response:
    response = Response(
        "\ufeff" + opendata.to_csv(fields, rows),  # a BOM: spreadsheets read the accents
        mimetype="text/csv",
        headers={"Content-Disposition": f'inline; filename="{name}.csv"'},
    )
    response.headers["Link"] = f'<{opendata.LICENSE_URL}>; rel="license"'
    return cacheable(response)


def _json(fields, rows) -> Response:
    body = json.dumps(opendata.to_json(fields, rows, utcnow()), ensure_ascii=False, indent=1)
    response = Response(body, mimetype="application/json")
    response.headers["Link"] = f'<{opendata.LICENSE_URL}>; rel="license"'
    return cacheable(response)


@bp.get("/datos/iniciativas.<fmt>")
def open_initiatives(fmt: str):
    rows = opendata.initiative_rows(db.session, _today())
    if fmt == "csv":
        return _csv("iniciativas", opendata.INITIATIVE_FIELDS, rows)
    if fmt == "json":
        return _json(opendata.INITIATIVE_FIELDS, rows)
    abort(404)


@bp.get("/datos/cifras-mensuales.<fmt>")
def open_monthly(fmt: str):
    if fmt not in ("csv", "json"):
        abort(404)
    rows = opendata.monthly_rows(db.session, utcnow(), current_app.config["TIMEZONE"])
    if fmt == "csv":
        return _csv("cifras-mensuales", opendata.MONTHLY_FIELDS, rows)
    return _json(opendata.MONTHLY_FIELDS, rows)


@bp.app_context_processor
def initiative_helpers() -> dict[str, object]:
    """What the templates of initiatives use (here and on /transparencia)."""
    return {
        "initiative_charts": charts,
        "progress_of": progress_of,
        "milestone_states": lambda initiative, today: [
            milestone_state(m, today) for m in initiative.milestones
        ],
        "STATUS_LABELS": STATUS_LABELS,
    }
