"""Attention protocols: what to ask, check and tell the resident, per category, versioned."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, append_only, utcnow
from app.models.organization import Category
from app.models.people import StaffUser


class CategoryProtocol(Base):
    """One version of a category's protocol. Editing adds a version (append-only); the current
    one is the highest. An empty ``body`` withdraws the protocol from that version on."""

    __tablename__ = "category_protocols"
    __table_args__ = (UniqueConstraint("category_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    version: Mapped[int]
    body: Mapped[str] = mapped_column(Text)  # Markdown-like source, rendered sanitised
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    category: Mapped[Category] = relationship()
    created_by: Mapped[StaffUser | None] = relationship()


class ProtocolRead(Base):
    """A staff member marked a protocol version as read ("leído")."""

    __tablename__ = "protocol_reads"
    __table_args__ = (UniqueConstraint("protocol_id", "staff_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("category_protocols.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)

    protocol: Mapped[CategoryProtocol] = relationship()
    staff_user: Mapped[StaffUser] = relationship()


append_only(CategoryProtocol, "protocol versions")
