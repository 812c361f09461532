"""The rules of Transparencia Focalizada, in one place: which units are focused (at most
``FOCUSED_UNITS``), who edits an initiative (admins any, a head their own unit's), what a valid
initiative is, how its progress is derived, and the history row every change writes.

Functions take a session and flush; the request's boundary commits (app/transaction.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    INITIATIVE_STATUSES,
    PROGRESS_MODES,
    Department,
    Initiative,
    InitiativeChange,
    Milestone,
    ProgressUpdate,
    StaffUser,
    utcnow,
)
from app.tickets.errors import N_, PermissionDenied, ValidationFailed
from app.tickets.permissions import ADMIN, HEAD

STATUS_LABELS = {
    "planned": _l("Planificada"),
    "in_progress": _l("En ejecución"),
    "done": _l("Terminada"),
    "suspended": _l("Suspendida"),
}
CHANGE_KINDS = {
    "initiative_created": _l("Creó la iniciativa"),
    "initiative_changed": _l("Cambió la iniciativa"),
    "milestone_added": _l("Agregó un hito"),
    "milestone_changed": _l("Cambió un hito"),
    "update_added": _l("Publicó un avance"),
}


# --- focused units ----------------------------------------------------------------------------


def focused_units(session: Session) -> list[Department]:
    return list(
        session.scalars(
            select(Department)
            .where(Department.active.is_(True), Department.highlighted.is_(True))
            .order_by(Department.name)
        )
    )


def check_focus(session: Session, department: Department | None, focused: bool, limit: int):
    """Refuse to focus one more unit than ``limit`` (the pilot's three, by default)."""
    if not focused or (department is not None and department.highlighted):
        return
    count = session.scalar(
        select(func.count()).select_from(Department).where(Department.highlighted.is_(True))
    )
    if (count or 0) >= limit:
        raise ValidationFailed(
            N_(
                "Ya están elegidas todas las unidades que permite el piloto de Transparencia "
                "Focalizada: quite una antes de agregar otra."
            ),
            field="highlighted",
            limit=limit,
        )


# --- who edits --------------------------------------------------------------------------------


def may_edit(user: StaffUser | None, department: Department | None) -> bool:
    """Admins edit every unit's initiatives; a head only their own unit's."""
    if user is None or department is None or not user.active:
        return False
    if user.role == ADMIN:
        return True
    return user.role == HEAD and user.department_id == department.id


def may_manage_any(user: StaffUser | None) -> bool:
    """Whether the initiatives' staff pages open at all (admins, and heads of a unit)."""
    return user is not None and (
        user.role == ADMIN or (user.role == HEAD and user.department_id is not None)
    )


def require_editor(user: StaffUser, department: Department) -> None:
    if not may_edit(user, department):
        raise PermissionDenied()


def editable_units(session: Session, user: StaffUser) -> list[Department]:
    return [unit for unit in focused_units(session) if may_edit(user, unit)]


# --- initiatives ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InitiativeDetails:
    title: str
    summary: str
    objective: str
    responsible: str
    start_date: date
    planned_end_date: date
    status: str = "planned"
    status_reason: str = ""
    budget_clp: int | None = None
    progress_mode: str = "milestones"
    progress_manual: int | None = None
    progress_justification: str = ""
    title_en: str = ""
    summary_en: str = ""
    objective_en: str = ""
    status_reason_en: str = ""
    progress_justification_en: str = ""


def _validate(details: InitiativeDetails) -> None:
    if not details.title.strip():
        raise ValidationFailed(N_("Escriba el título de la iniciativa."), field="title")
    if details.planned_end_date < details.start_date:
        raise ValidationFailed(
            N_("El término previsto no puede ser anterior al inicio."), field="planned_end_date"
        )
    if details.status not in INITIATIVE_STATUSES:
        raise ValidationFailed(N_("Elija un estado de la lista."), field="status")
    if details.status == "suspended" and not details.status_reason.strip():
        raise ValidationFailed(
            N_("Explique a la comunidad por qué la iniciativa está suspendida."),
            field="status_reason",
        )
    if details.budget_clp is not None and details.budget_clp < 0:
        raise ValidationFailed(N_("El presupuesto no puede ser negativo."), field="budget_clp")
    if details.progress_mode not in PROGRESS_MODES:
        raise ValidationFailed(N_("Elija cómo se calcula el avance."), field="progress_mode")
    if details.progress_mode == "manual":
        if details.progress_manual is None or not 0 <= details.progress_manual <= 100:
            raise ValidationFailed(
                N_("Indique el avance como un número de 0 a 100."), field="progress_manual"
            )
        if not details.progress_justification.strip():
            raise ValidationFailed(
                N_("Explique en qué se basa el avance que indica."),
                field="progress_justification",
            )


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def record_change(
    session: Session,
    user: StaffUser | None,
    initiative: Initiative,
    kind: str,
    target: str = "",
    changes: dict[str, list[Any]] | None = None,
    now: datetime | None = None,
) -> InitiativeChange:
    """The history row of a change (who, when, what: each field's old and new value); it also
    moves the initiative's "última actualización"."""
    now = now or utcnow()
    initiative.updated_at = now
    change = InitiativeChange(
        initiative=initiative,
        actor_id=user.id if user else None,
        created_at=now,
        kind=kind,
        target=target[:200],
        changes={f: [_plain(a), _plain(b)] for f, (a, b) in (changes or {}).items()} or None,
    )
    session.add(change)
    return change


def save_initiative(
    session: Session,
    user: StaffUser,
    department: Department,
    initiative: Initiative | None,
    details: InitiativeDetails,
    now: datetime | None = None,
) -> Initiative:
    if initiative is not None:
        department = initiative.department
    require_editor(user, department)
    if initiative is None and not department.highlighted:
        raise ValidationFailed(
            N_("Solo las unidades de Transparencia Focalizada publican iniciativas.")
        )
    _validate(details)
    new = asdict(details)
    if details.status != "suspended" and not details.status_reason.strip():
        new["status_reason"] = new["status_reason_en"] = ""
    changes = {
        field: [getattr(initiative, field, None) if initiative else None, value]
        for field, value in new.items()
        if initiative is None or getattr(initiative, field) != value
    }
    created = initiative is None
    if created:
        initiative = Initiative(department=department, created_at=now or utcnow())
        session.add(initiative)
    for field, value in new.items():
        setattr(initiative, field, value)
    if changes:
        kind = "initiative_created" if created else "initiative_changed"
        record_change(session, user, initiative, kind, initiative.title, changes, now)
    session.flush()
    return initiative


def add_milestone(
    session: Session,
    user: StaffUser,
    initiative: Initiative,
    title: str,
    planned_date: date,
    title_en: str = "",
    done_date: date | None = None,
    now: datetime | None = None,
) -> Milestone:
    require_editor(user, initiative.department)
    if not title.strip():
        raise ValidationFailed(N_("Escriba el nombre del hito."), field="title")
    milestone = Milestone(
        initiative=initiative,
        title=title.strip(),
        title_en=title_en.strip(),
        planned_date=planned_date,
        done_date=done_date,
    )
    session.add(milestone)
    changes = {"title": [None, milestone.title], "planned_date": [None, planned_date]}
    if done_date:
        changes["done_date"] = [None, done_date]
    record_change(session, user, initiative, "milestone_added", milestone.title, changes, now)
    session.flush()
    return milestone


def update_milestone(
    session: Session,
    user: StaffUser,
    milestone: Milestone,
    planned_date: date,
    done_date: date | None,
    now: datetime | None = None,
) -> Milestone:
    initiative = milestone.initiative
    require_editor(user, initiative.department)
    changes = {
        field: [getattr(milestone, field), value]
        for field, value in (("planned_date", planned_date), ("done_date", done_date))
        if getattr(milestone, field) != value
    }
    milestone.planned_date, milestone.done_date = planned_date, done_date
    if changes:
        record_change(session, user, initiative, "milestone_changed", milestone.title, changes, now)
    session.flush()
    return milestone


def add_update(
    session: Session,
    user: StaffUser,
    initiative: Initiative,
    body: str,
    body_en: str = "",
    progress: int | None = None,
    link: str = "",
    now: datetime | None = None,
) -> ProgressUpdate:
    require_editor(user, initiative.department)
    if not body.strip():
        raise ValidationFailed(N_("Escriba qué avanzó."), field="body")
    if progress is not None and not 0 <= progress <= 100:
        raise ValidationFailed(N_("Indique el avance como un número de 0 a 100."), field="progress")
    link = link.strip()
    if link and not link.startswith(("https://", "http://")):
        raise ValidationFailed(N_("El enlace debe comenzar con https:// o http://."), field="link")
    now = now or utcnow()
    update = ProgressUpdate(
        initiative=initiative,
        published_at=now,
        body=body.strip(),
        body_en=body_en.strip(),
        progress=progress,
        link=link,
    )
    session.add(update)
    changes = {"body": [None, update.body]}
    if progress is not None:
        changes["progress"] = [None, progress]
    record_change(session, user, initiative, "update_added", "", changes, now)
    session.flush()
    return update


# --- reading ----------------------------------------------------------------------------------


def progress_of(initiative: Initiative) -> int | None:
    """Percent done: entered (with its justification), or the share of milestones done; None
    when it is derived and there are no milestones yet."""
    if initiative.progress_mode == "manual":
        return initiative.progress_manual
    if initiative.status == "done":
        return 100
    milestones = initiative.milestones
    if not milestones:
        return None
    return round(100 * sum(1 for m in milestones if m.done_date) / len(milestones))


def milestone_state(milestone: Milestone, today: date) -> str:
    """``done``, ``done_late``, ``late`` (past its date, not done) or ``pending``."""
    if milestone.done_date is not None:
        return "done_late" if milestone.done_date > milestone.planned_date else "done"
    return "late" if milestone.planned_date < today else "pending"


def initiatives_of(session: Session, department_ids: list[int]) -> list[Initiative]:
    if not department_ids:
        return []
    return list(
        session.scalars(
            select(Initiative)
            .where(Initiative.department_id.in_(department_ids))
            .options(
                selectinload(Initiative.milestones),
                selectinload(Initiative.updates),
                selectinload(Initiative.department),
            )
            .order_by(Initiative.department_id, Initiative.start_date, Initiative.id)
        )
    )


def published(session: Session) -> list[Initiative]:
    """Every initiative of the focused units (what the public pages and open data show)."""
    return initiatives_of(session, [unit.id for unit in focused_units(session)])


def history(session: Session, initiative: Initiative) -> list[InitiativeChange]:
    return list(
        session.scalars(
            select(InitiativeChange)
            .where(InitiativeChange.initiative_id == initiative.id)
            .options(selectinload(InitiativeChange.actor))
            .order_by(InitiativeChange.id.desc())
        )
    )
