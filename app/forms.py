"""Helpers shared by the HTML forms of every channel."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import Field, SelectChoice, StringField

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


# Loosely Chile, Easter Island included: a typo (a lost minus, a decimal comma read as a
# thousands separator: -334853) lands outside and is named, instead of a point at sea.
LATITUDES = (-56.0, -17.0)
LONGITUDES = (-110.0, -66.0)
_COORDINATE = re.compile(r"[+-]?\d{1,3}([.,]\d+)?")


def parse_coordinate(text: str | None) -> float | None:
    """``-33,4853`` (decimal comma, as Chileans write it) or ``-33.4853``; blank is None;
    anything else is ValueError."""
    text = (text or "").strip().replace(" ", "").replace("\u2212", "-")
    if not text:
        return None
    if not _COORDINATE.fullmatch(text):
        raise ValueError(text)
    return float(text.replace(",", "."))


class CoordinateField(StringField):
    """A coordinate typed as text (``inputmode=decimal``): ``data`` is a float or None."""

    def __init__(self, label, bounds: tuple[float, float], message, **kwargs):
        super().__init__(label, **kwargs)
        self.bounds = bounds
        self.message = message
        self.typed = ""

    def process_formdata(self, valuelist):
        self.typed = valuelist[0] if valuelist else ""
        try:
            self.data = parse_coordinate(self.typed)
        except ValueError:
            self.data = None
            raise ValueError(self.message) from None
        low, high = self.bounds
        if self.data is not None and not low <= self.data <= high:
            self.data = None
            raise ValueError(self.message)

    def _value(self) -> str:
        if self.raw_data:  # what the person typed, as typed (a comma stays a comma)
            return self.typed
        return "" if self.data is None else str(self.data)
