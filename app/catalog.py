"""Read helpers for the category catalogue, shared by the resident and staff forms."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import Category, Department
from app.tickets import reference
from app.tickets.text import fold


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
    """Active categories by department name, for <optgroup> lists: read-only copies kept per
    process (app/tickets/reference.py), without SQL on most requests."""
    groups: dict[str, list[Category]] = {}
    for department in reference.catalog(session).departments:
        if not department.active:
            continue
        categories = [
            c
            for c in sorted(department.categories, key=lambda c: c.name)
            if c.active and (include_triage or not c.is_triage)
        ]
        if categories:
            groups[department.name] = categories
    return groups


def suggest_category(session: Session, text: str) -> Category | None:
    """The active category whose Spanish keywords best match free text (an SMS), else the
    triage category, else (none configured) the first active category: a text is never
    refused for want of a topic; staff reroute it. None only when no category is active.
    Whole-word matches count double."""
    words = set(re.findall(r"[a-z0-9ñ]+", fold(text)))
    folded = " " + " ".join(re.findall(r"[a-z0-9ñ]+", fold(text))) + " "
    best, best_score = None, 0
    triage = first = None
    for category in sorted(reference.catalog(session).by_id.values(), key=lambda c: c.id):
        if not category.active:
            continue
        first = first or category
        if category.is_triage:
            triage = category
            continue
        score = 0
        for keyword in (fold(k) for k in category.keyword_list):
            if keyword in words or f" {keyword} " in folded:
                score += 2
            elif len(keyword) >= 4 and keyword in folded:
                score += 1
        if score > best_score:
            best, best_score = category, score
    return reference.attached(session, best or triage or first)


def preselected_category(session: Session, code: str | None) -> int | None:
    """The id of the active category a link names by code (``?categoria=datos_acceso`` from
    /privacidad), to preselect it on a form; None when the code names none."""
    if not code or len(code) > 48:
        return None
    return session.scalar(
        select(Category.id)
        .join(Department, Department.id == Category.department_id)
        .where(
            Category.code == code,
            Category.active.is_(True),
            Category.is_triage.is_(False),
            Department.active.is_(True),
        )
    )
