"""Transparencia Focalizada: the initiatives a focused unit publishes, their milestones, dated
progress updates, and the history of every change (who, when, what)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, append_only, utcnow
from app.models.organization import Department
from app.models.people import StaffUser

INITIATIVE_STATUSES = ("planned", "in_progress", "done", "suspended")
PROGRESS_MODES = ("milestones", "manual")


class Initiative(Base):
    __tablename__ = "initiatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    objective: Mapped[str] = mapped_column(Text, default="")
    objective_en: Mapped[str] = mapped_column(Text, default="")
    # The team in charge, as residents know it ("Departamento de Alumbrado Público").
    responsible: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date]
    planned_end_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default="planned")
    # Why it is suspended (required then), or a note on the status.
    status_reason: Mapped[str] = mapped_column(Text, default="")
    status_reason_en: Mapped[str] = mapped_column(Text, default="")
    budget_clp: Mapped[int | None] = mapped_column(BigInteger)
    # "milestones": the share of milestones done; "manual": progress_manual with a justification.
    progress_mode: Mapped[str] = mapped_column(String(16), default="milestones")
    progress_manual: Mapped[int | None]
    progress_justification: Mapped[str] = mapped_column(Text, default="")
    progress_justification_en: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "Última actualización": the last change to the initiative, its milestones or updates.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department] = relationship()
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="initiative",
        order_by="(Milestone.planned_date, Milestone.id)",
        cascade="all, delete-orphan",
    )
    updates: Mapped[list[ProgressUpdate]] = relationship(
        back_populates="initiative",
        order_by="(ProgressUpdate.published_at.desc(), ProgressUpdate.id.desc())",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Initiative {self.id} {self.title!r}>"


class Milestone(Base):
    __tablename__ = "initiative_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    planned_date: Mapped[date]
    done_date: Mapped[date | None]

    initiative: Mapped[Initiative] = relationship(back_populates="milestones")


class ProgressUpdate(Base):
    """A dated note on how the initiative goes (published as is: no personal data in it)."""

    __tablename__ = "initiative_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    published_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    body: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text, default="")
    progress: Mapped[int | None]
    link: Mapped[str] = mapped_column(String(500), default="")

    initiative: Mapped[Initiative] = relationship(back_populates="updates")


class InitiativeChange(Base):
    """Append-only: one row per change to an initiative, its milestones or updates."""

    __tablename__ = "initiative_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(200), default="")
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    initiative: Mapped[Initiative] = relationship()
    actor: Mapped[StaffUser | None] = relationship()


append_only(InitiativeChange, "initiative changes")
