"""Declarative base: constraint naming convention and timezone-aware UTC datetimes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event, inspect
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Always an aware UTC datetime in Python; ``timestamptz`` on Postgres, naive UTC on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: ARG002
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):  # noqa: ARG002
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def render_item(type_: str, obj, autogen_context):
    """Alembic autogenerate: write UTCDateTime as a plain timezone-aware DateTime."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("import sqlalchemy as sa")
        return "sa.DateTime(timezone=True)"
    return False


class AppendOnlyError(RuntimeError):
    """History rows (ticket events, person changes) are never changed or removed."""


# What an anonymized value reads: personal fields and resident text become this, never a delete.
REDACTED = "[anonimizado]"


def is_redacted(value: Any) -> bool:
    """A value a redaction may leave: the placeholder, nothing, or a structure whose every text
    is the placeholder (what it held is gone; its shape and its non-text facts stay)."""
    if value is None or value == REDACTED:
        return True
    if isinstance(value, dict):
        return all(is_redacted(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(is_redacted(v) for v in value)
    return not isinstance(value, str)


def _is_redaction(target: Any, redactable: frozenset[str]) -> bool:
    """The one change an append-only row accepts: ``redaction_id`` set for the first time, and
    nothing else changed but ``redactable`` columns, each replaced by a redacted value."""
    state = inspect(target)
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    if "redaction_id" not in changed or not changed <= redactable | {"redaction_id"}:
        return False
    marker = state.attrs.redaction_id.history
    if list(marker.deleted) != [None] or marker.added[0] is None:
        return False  # a row is redacted once, and only a row whose value was loaded
    return all(is_redacted(getattr(target, key)) for key in changed - {"redaction_id"})


def _is_completion(target: Any, completed: frozenset[str]) -> bool:
    """Columns written once after the row's INSERT (a summary known only at the end of the
    work the row records), each from nothing to a value; nothing else changed."""
    state = inspect(target)
    changed = [attr for attr in state.attrs if attr.history.has_changes()]
    return bool(changed) and all(
        attr.key in completed and list(attr.history.deleted) in ([None], []) for attr in changed
    )


def append_only(
    model: type, what: str, redactable: Iterable[str] = (), completed: Iterable[str] = ()
) -> None:
    """Refuse every UPDATE and DELETE of ``model``'s rows through the ORM.

    With ``redactable`` columns (and a ``redaction_id`` column), one UPDATE is let through: a
    recorded redaction (see app/privacy/anonymize.py) that points the row at its ``Redaction``
    and replaces those columns' text by the placeholder. Nothing else, and never twice.
    ``completed`` columns may be written once, from NULL, after the INSERT.
    """
    allowed, filled = frozenset(redactable), frozenset(completed)

    def refuse_update(mapper, connection, target):  # noqa: ARG001
        if allowed and _is_redaction(target, allowed):
            return
        if filled and _is_completion(target, filled):
            return
        raise AppendOnlyError(f"{what} are append-only")

    def refuse_delete(mapper, connection, target):  # noqa: ARG001
        raise AppendOnlyError(f"{what} are append-only")

    event.listen(model, "before_update", refuse_update)
    event.listen(model, "before_delete", refuse_delete)
