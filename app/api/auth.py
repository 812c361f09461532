"""Who is calling the API: a staff session (flask-login) or an API key (X-API-Key / Bearer)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from flask_login import current_user
from flask_smorest import abort

from app.accounts import authenticate_key
from app.extensions import csrf, db
from app.models import ApiKey, StaffUser


@dataclass(frozen=True)
class Caller:
    staff: StaffUser | None = None
    api_key: ApiKey | None = None


def _presented_key() -> str | None:
    key = request.headers.get("X-API-Key")
    if key:
        return key.strip()
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    return None


def current_caller() -> Caller:
    if current_user.is_authenticated:
        unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
        if unsafe and current_app.config["WTF_CSRF_ENABLED"]:
            csrf.protect()  # a browser session must prove the request came from our pages
        return Caller(staff=current_user._get_current_object())  # noqa: SLF001
    key = _presented_key()
    if key:
        record = authenticate_key(db.session, key)
        if record is None:
            abort(403, message="La clave de API no es válida.")
        return Caller(api_key=record)
    return Caller()


def require_caller() -> Caller:
    caller = current_caller()
    if caller.staff is None and caller.api_key is None:
        abort(401, message="Se requiere una clave de API o una sesión de funcionario.")
    return caller


def require_staff() -> StaffUser:
    caller = current_caller()
    if caller.staff is None:
        abort(401, message="Se requiere una sesión de funcionario.")
    return caller.staff
