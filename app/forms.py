"""Helpers shared by the HTML forms of every channel."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import Field

from app.tickets import DomainError


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a domain refusal next to the field it names (form fields use the domain's names),
    or at the top of the form."""
    target = getattr(form, str(error.details.get("field") or ""), None)
    if isinstance(target, Field):
        target.errors = [*target.errors, _(error.message)]  # a tuple until the form validated
    else:
        form.form_errors.append(_(error.message))
