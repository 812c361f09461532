"""Read helpers for the category catalogue, shared by the resident and staff forms."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import Category, Department


def active_departments(session: Session) -> list[Department]:
    return list(
        session.scalars(
            select(Department)
            .where(Department.active.is_(True))
            .options(selectinload(Department.categories))
            .order_by(Department.name)
        )
    )


def grouped_categories(
    session: Session, *, include_triage: bool = False
) -> dict[str, list[Category]]:
    """Active categories by department name, for <optgroup> lists."""
    groups: dict[str, list[Category]] = {}
    for department in active_departments(session):
        categories = [
            c
            for c in sorted(department.categories, key=lambda c: c.name)
            if c.active and (include_triage or not c.is_triage)
        ]
        if categories:
            groups[department.name] = categories
    return groups


def category_choices(session: Session, *, include_triage: bool = False):
    return {
        group: [(c.id, c.name) for c in categories]
        for group, categories in grouped_categories(session, include_triage=include_triage).items()
    }
