"""``/transparencia``: per department, the last 12 full months and the current month, the same
figures as the staff dashboard for those periods (``figures.departments``). No personal data:
only counts, medians and averages per department. Cacheable by browsers and proxies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import Blueprint, Response, current_app, render_template
from sqlalchemy.orm import Session

from app.dashboards.figures import DepartmentRow, departments
from app.dashboards.periods import Period, month_start, period
from app.dashboards.scope import Scope, local_today
from app.diagnoses import external
from app.extensions import db
from app.initiatives.service import focused_units, initiatives_of
from app.models import utcnow
from app.public.presenters import channel_label

bp = Blueprint("transparency", __name__)
MAX_AGE = 15 * 60  # seconds: the figures move slowly; a quarter of an hour is fresh enough


@dataclass(frozen=True)
class Report:
    year: Period
    month: Period
    rows: list[tuple[DepartmentRow, DepartmentRow]]  # (last 12 months, current month)


def periods(today: date, timezone: str) -> tuple[Period, Period]:
    """The 12 full months before the current one, and the current month up to today."""
    this_month = month_start(today)
    year = period(month_start(today, 12), this_month - timedelta(days=1), timezone)
    return year, period(this_month, today, timezone)


def report(session: Session, now: datetime, timezone: str) -> Report:
    year, month = periods(local_today(now, timezone), timezone)
    yearly = departments(session, Scope(span=year))
    monthly = {row.department_id: row for row in departments(session, Scope(span=month))}
    return Report(year, month, [(row, monthly[row.department_id]) for row in yearly])


def unit_report(session: Session, now: datetime, timezone: str, department_id: int) -> Report:
    """The same figures for one unit (its directory and Transparencia Focalizada pages)."""
    year, month = periods(local_today(now, timezone), timezone)
    yearly = departments(session, Scope(span=year, department_id=department_id))
    monthly = departments(session, Scope(span=month, department_id=department_id))
    return Report(year, month, list(zip(yearly, monthly, strict=True)))


def cacheable(response: Response) -> Response:
    """Public pages and files of figures: cached a quarter of an hour, per language."""
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.vary.update(("Accept-Language", "Cookie"))  # the page language follows both
    return response


@bp.get("/transparencia")
def transparency():
    now = utcnow()
    found = report(db.session, now, current_app.config["TIMEZONE"])
    today = local_today(now, current_app.config["TIMEZONE"])
    # The attention survey, aggregated (never the open answers), over the same 12 months and
    # the current month; groups under DIAGNOSIS_MIN_GROUP answers show their count only.
    attention = external.results(db.session, found.year.first, today)
    min_group = current_app.config["DIAGNOSIS_MIN_GROUP"]
    units = focused_units(db.session)
    initiatives = initiatives_of(db.session, [unit.id for unit in units])
    return cacheable(
        current_app.make_response(
            render_template(
                "dashboards/transparency.html",
                report=found,
                focused=[(u, [i for i in initiatives if i.department_id == u.id]) for u in units],
                today=today,
                attention=attention,
                channel_label=channel_label,
                min_group=min_group,
                shown_channels=external.published([s for _, s in attention.by_channel], min_group),
                shown_units=external.published(attention.by_unit, min_group),
            )
        )
    )
