"""Staff accounts and API keys: created, changed and authenticated here, whoever asks (the
admin pages, the CLI, the API and Open311). Every change is written to the access trail."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ApiKey, Department, StaffUser, utcnow
from app.tickets.access_log import (
    changed_fields,
    record_admin_change,
    record_user_changes,
)
from app.tickets.errors import N_, ValidationFailed
from app.tickets.permissions import ADMIN, PRIVACY, Actor

MIN_PASSWORD = 10
KEY_PREFIX = "cnd_"
# A key's last use is stamped once a minute at most: not a write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


# --- API keys -----------------------------------------------------------------------------------


def authenticate_key(session: Session, raw_key: str | None, now: datetime | None = None):
    """The live key presented, or None (unknown or revoked). Stamps its last use."""
    if not raw_key:
        return None
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == ApiKey.hash_key(raw_key)))
    if key is None or key.revoked_at is not None:
        return None
    now = now or utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        key.last_used_at = now
    return key


def key_label(key: ApiKey) -> str:
    return f"{key.name} ({key.prefix}…)"


def issue_api_key(
    session: Session, actor: Actor, name: str, *, staff_integration: bool
) -> tuple[ApiKey, str]:
    """A new key and its secret, to be shown once (only its hash is stored)."""
    name = name.strip()
    if not name:
        raise ValidationFailed(N_("Escriba un nombre para la clave."), field="name")
    if session.scalar(select(ApiKey).where(ApiKey.name == name)):
        raise ValidationFailed(N_("Ya existe una clave con ese nombre."), field="name")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        prefix=secret[:10],
        key_hash=ApiKey.hash_key(secret),
        staff_integration=staff_integration,
    )
    session.add(key)
    changes = {"staff_integration": [None, staff_integration]}
    record_admin_change(session, actor, "api_key_created", key_label(key), changes)
    return key, secret


def revoke_api_key(session: Session, actor: Actor, key: ApiKey) -> None:
    if key.revoked_at is None:
        record_admin_change(session, actor, "api_key_revoked", key_label(key))
        key.revoked_at = utcnow()


# --- staff users --------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserDetails:
    email: str
    name: str
    role: str
    department_id: int | None
    active: bool = True
    password: str | None = None  # None: unchanged (a new user needs one)


def save_user(
    session: Session, actor: Actor, user: StaffUser | None, details: UserDetails
) -> StaffUser:
    """Create (``user`` None) or change a staff user; each kind of change is recorded. A new
    password ends the person's sessions."""
    email = details.email.strip().lower()
    clash = session.scalar(select(StaffUser).where(StaffUser.email == email))
    if clash is not None and clash is not user:
        raise ValidationFailed(N_("Ya existe un usuario con ese correo."), field="email")
    if user is None and not details.password:
        raise ValidationFailed(N_("Escriba una contraseña inicial."), field="password")
    if details.password is not None and len(details.password) < MIN_PASSWORD:
        raise ValidationFailed(
            N_("La contraseña debe tener al menos 10 caracteres."), field="password"
        )
    department_id = _unit(session, details)
    new = {
        "email": email,
        "name": details.name.strip() or email.split("@")[0],
        "role": details.role,
        "department_id": department_id,
        "active": details.active,
    }
    created = user is None
    changes = name_units(session, changed_fields(user, new))
    if created:
        user = StaffUser(email=email, password_hash="")
        session.add(user)
    for field, value in new.items():
        setattr(user, field, value)
    if details.password:
        user.set_password(details.password)
    record_user_changes(
        session,
        actor,
        f"{user.name} <{user.email}>",
        changes,
        created=created,
        password_reset=bool(details.password),
    )
    return user


def _unit(session: Session, details: UserDetails) -> int | None:
    """The unit a staff member belongs to: none for admins, optional for the data protection
    officer (who works on persons, not on a unit's tickets), required for everyone else."""
    department_id = details.department_id
    if details.role == ADMIN:
        if department_id:
            raise ValidationFailed(
                N_("Un administrador no pertenece a una unidad."), field="department"
            )
        return None
    if department_id and session.get(Department, department_id) is None:
        raise ValidationFailed(N_("Elija la unidad del funcionario."), field="department")
    if not department_id and details.role != PRIVACY:
        raise ValidationFailed(N_("Elija la unidad del funcionario."), field="department")
    return department_id or None


def name_units(session: Session, changes: dict[str, list]) -> dict[str, list]:
    """The trail names units, not their ids."""
    if "department_id" not in changes:
        return changes
    named = dict(changes)
    named["department"] = [
        session.get(Department, value).name if value is not None else None
        for value in named.pop("department_id")
    ]
    return named
