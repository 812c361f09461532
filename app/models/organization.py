"""Departments, the categories residents choose from (with their SLA policy), closed days."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # The public directory (/direcciones): what the unit does and where to find it. Texts in
    # Spanish, with an optional English translation (empty: the Spanish is shown). Only
    # institutional contact details: never a staff member's own phone or email.
    description_en: Mapped[str] = mapped_column(Text, default="")
    functions: Mapped[str] = mapped_column(Text, default="")
    functions_en: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    opening_hours: Mapped[str] = mapped_column(String(300), default="")
    opening_hours_en: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    # A focused unit of the "Transparencia Focalizada" pilot: shown first on /transparencia
    # with its initiatives (at most FOCUSED_UNITS of them).
    highlighted: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    categories: Mapped[list[Category]] = relationship(back_populates="department")

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class Category(Base):
    """What a resident asks for, in plain words; routes to a department and carries the SLA.

    Targets are business minutes (working time in America/Santiago; one business day is one
    working day of the calendar, 540 minutes with the default 08:30-17:30 hours).
    """

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Comma-separated Spanish keywords, used to suggest a category from free text (SMS).
    keywords: Mapped[str] = mapped_column(Text, default="")
    first_response_minutes: Mapped[int]
    resolution_minutes: Mapped[int]
    # The category that receives what could not be classified (one per deployment).
    is_triage: Mapped[bool] = mapped_column(default=False)
    # Extra questions asked with this category (Open311 service attributes): a list of
    # {code, datatype, required, description, datatype_description, order, values: [{key, name}]}.
    attributes: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # Sensitive (social assistance, disability, health, complaints about people): its tickets
    # never appear in public feeds, not even by public id.
    sensitive: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department] = relationship(back_populates="categories")

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(",") if k.strip()]

    def __repr__(self) -> str:
        return f"<Category {self.code}>"


class ClosedDay(Base):
    """A day the municipality does not work, besides Chile's national holidays."""

    __tablename__ = "closed_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
