"""Helpers shared by the HTML forms of every channel."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import Field, SelectChoice

from app.catalog import grouped_categories
from app.tickets import DomainError


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """A select's options from ``(value, label)`` pairs (WTForms 3.3 deprecates bare tuples)."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def category_choices(session: Session, *, include_triage: bool = False) -> list[SelectChoice]:
    """The active categories as options, grouped (``optgroup``) by department."""
    groups = grouped_categories(session, include_triage=include_triage)
    return [
        SelectChoice(value=category.id, label=category.name, optgroup=group)
        for group, categories in groups.items()
        for category in categories
    ]


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a domain refusal next to the field it names (form fields use the domain's names),
    or at the top of the form."""
    target = getattr(form, str(error.details.get("field") or ""), None)
    if isinstance(target, Field):
        target.errors = [*target.errors, _(error.message)]  # a tuple until the form validated
    else:
        form.form_errors.append(_(error.message))


def show_domain_errors(form: FlaskForm, problems: Iterable[DomainError]) -> None:
    """Every domain refusal at once, each beside its field; a field the form already refused
    keeps its own message (the same problem is not said twice)."""
    for problem in problems:
        target = getattr(form, str(problem.details.get("field") or ""), None)
        if isinstance(target, Field) and target.errors:
            continue
        show_domain_error(form, problem)
