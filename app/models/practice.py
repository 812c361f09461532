"""Which tickets this unit of work sees: real ones (the default everywhere), practice ones (a
staff member in "Modo práctica", in the staff workspace), or both (an admin's reset).

A request's scope lives on ``flask.g`` (the staff blueprint sets it from the user); ``scope``
overrides it, and is how jobs, commands and tests choose. ``app/database.py`` adds the matching
criterion to every ORM query of tickets.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import g, has_request_context

REAL = "real"
PRACTICE = "practice"
ALL = "all"
SCOPES = (REAL, PRACTICE, ALL)

_override: ContextVar[str | None] = ContextVar("conectados_practice_scope", default=None)


def current_scope() -> str:
    chosen = _override.get()
    if chosen is not None:
        return chosen
    if has_request_context():
        return g.get("practice_scope", REAL)
    return REAL


def in_practice() -> bool:
    return current_scope() == PRACTICE


def set_request_scope(value: str) -> None:
    """For this request (the staff blueprint, from the user's switch)."""
    if value not in SCOPES:
        raise ValueError(value)
    g.practice_scope = value


def set_scope_for(user) -> None:
    """For this request, from who makes it: staff in "Modo práctica" see and file practice
    tickets only; everybody else, real ones (the staff pages and the API with a session)."""
    set_request_scope(PRACTICE if user.is_authenticated and user.practice_mode else REAL)


@contextmanager
def scope(value: str) -> Iterator[None]:
    if value not in SCOPES:
        raise ValueError(value)
    token = _override.set(value)
    try:
        yield
    finally:
        _override.reset(token)
