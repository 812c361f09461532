from __future__ import annotations

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Department
from app.public import bp
from app.tickets.sla import business_calendar


def describe_target(minutes: int, minutes_per_day: int) -> str:
    """A response target in words a resident reads: hours when short, business days otherwise."""
    if minutes < minutes_per_day:
        hours = max(1, round(minutes / 60))
        return f"{hours} hora hábil" if hours == 1 else f"{hours} horas hábiles"
    days = round(minutes / minutes_per_day)
    return "1 día hábil" if days == 1 else f"{days} días hábiles"


@bp.get("/")
def home():
    departments = db.session.scalars(
        select(Department)
        .where(Department.active.is_(True))
        .options(selectinload(Department.categories))
        .order_by(Department.name)
    ).all()
    per_day = business_calendar(db.session).minutes_per_day
    groups = [
        (
            department,
            [
                (category, describe_target(category.resolution_minutes, per_day))
                for category in sorted(department.categories, key=lambda c: c.name)
                if category.active and not category.is_triage
            ],
        )
        for department in departments
    ]
    return render_template("public/home.html", groups=[g for g in groups if g[1]])
