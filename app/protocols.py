"""Attention protocols: per category, what to ask, what to check and what to tell the resident
about times. Short Markdown-like text written by admins, rendered sanitised, versioned (each edit
is a new version), and read ("leído") by staff version by version.

Rendering allows paragraphs, lists, bold and italic and nothing else: markdown-it-py's "zero"
preset (raw HTML off, so any tag is shown as text; no links, images, autolinks or entities) with
only emphasis and lists switched on. Whatever the text, the output holds only ``<p>``, ``<ul>``,
``<ol>``, ``<li>``, ``<strong>``, ``<em>`` (and ``start`` on a numbered list) and escaped text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Category, CategoryProtocol, ProtocolRead, StaffUser, utcnow
from app.tickets.errors import ValidationFailed

MAX_PROTOCOL = 4000
_RENDERER = MarkdownIt("zero").enable(["emphasis", "list"])


def render(text: str | None) -> Markup:
    """The protocol as safe HTML (see the module's docstring for what survives)."""
    return Markup(_RENDERER.render(text or ""))  # noqa: S704 - escaped by the renderer itself


def current(session: Session, category_id: int | None) -> CategoryProtocol | None:
    """The category's protocol in force: its latest version, unless that one is empty."""
    if category_id is None:
        return None
    latest = session.scalar(
        select(CategoryProtocol)
        .where(CategoryProtocol.category_id == category_id)
        .order_by(CategoryProtocol.version.desc())
        .limit(1)
    )
    return latest if latest is not None and latest.body.strip() else None


def save(
    session: Session, category: Category, body: str, author: StaffUser | None, now=None
) -> CategoryProtocol | None:
    """A new version when the text changed (None when it did not). Empty text withdraws it."""
    body = (body or "").replace("\r\n", "\n").strip()
    if len(body) > MAX_PROTOCOL:
        raise ValidationFailed(
            f"El protocolo no puede tener más de {MAX_PROTOCOL} caracteres.", field="body"
        )
    latest = session.scalar(
        select(CategoryProtocol)
        .where(CategoryProtocol.category_id == category.id)
        .order_by(CategoryProtocol.version.desc())
        .limit(1)
    )
    if (latest.body if latest else "") == body:
        return None
    version = CategoryProtocol(
        category_id=category.id,
        version=(latest.version if latest else 0) + 1,
        body=body,
        created_at=now or utcnow(),
        created_by_id=author.id if author else None,
    )
    session.add(version)
    session.flush()
    return version


def has_read(session: Session, protocol: CategoryProtocol, user: StaffUser) -> bool:
    return (
        session.scalar(
            select(ProtocolRead.id).where(
                ProtocolRead.protocol_id == protocol.id, ProtocolRead.staff_user_id == user.id
            )
        )
        is not None
    )


def mark_read(session: Session, protocol: CategoryProtocol, user: StaffUser) -> None:
    if not has_read(session, protocol, user):
        session.add(ProtocolRead(protocol_id=protocol.id, staff_user_id=user.id))
        session.flush()


@dataclass(frozen=True)
class Reading:
    name: str
    role: str
    version: int
    read_at: datetime


def readings(session: Session, category_id: int) -> list[Reading]:
    """Who read which version of a category's protocol (admins see it), newest first."""
    rows = session.execute(
        select(StaffUser.name, StaffUser.role, CategoryProtocol.version, ProtocolRead.read_at)
        .join(ProtocolRead, ProtocolRead.staff_user_id == StaffUser.id)
        .join(CategoryProtocol, CategoryProtocol.id == ProtocolRead.protocol_id)
        .where(CategoryProtocol.category_id == category_id)
        .order_by(CategoryProtocol.version.desc(), ProtocolRead.read_at.desc())
    ).all()
    return [Reading(*row) for row in rows]


def versions(session: Session, category_id: int) -> list[CategoryProtocol]:
    return list(
        session.scalars(
            select(CategoryProtocol)
            .where(CategoryProtocol.category_id == category_id)
            .order_by(CategoryProtocol.version.desc())
        )
    )


def read_counts(session: Session) -> dict[int, int]:
    """Per protocol version id, how many staff members read it."""
    return dict(
        session.execute(
            select(ProtocolRead.protocol_id, func.count()).group_by(ProtocolRead.protocol_id)
        ).all()
    )
