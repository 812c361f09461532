"""Staff login, logout and password change.

Sessions: the cookie carries the person's ``session_token`` (``StaffUser.get_id``), checked on
every request; logout, a new password and an admin's reset replace it, which ends every session
of that person at once, copies of the cookie included.

Failed logins are throttled so that a stranger cannot lock the real person out: per address
(``LOGIN_RATE_LIMIT``: the offending address is the one slowed down), per account only for
browsers that never logged into it (``LOGIN_ACCOUNT_RATE_LIMIT``, wider, against guessing from
many addresses), and per browser for browsers that did (a signed "known device" cookie set at a
successful login, which exempts it from the other two limits for that account).
"""

from __future__ import annotations

import hmac
import secrets
from functools import cache

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db, limiter, login_manager
from app.inputs import bounded_int
from app.models import StaffUser
from app.staff.blueprint import bp, staff_path
from app.staff.forms import LoginForm, PasswordChangeForm
from app.transaction import transaction
from config.settings import settings

PUBLIC_ENDPOINTS = {"staff.login"}
DEVICE_COOKIE = "staff_device"
DEVICE_SALT = "staff-known-device"
DEVICE_MAX_AGE = 180 * 24 * 3600


@bp.before_request
def require_login():
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def load_session_user(session_id: str) -> StaffUser | None:
    """flask-login's user loader: the person, if the cookie's token is still theirs."""
    user_id, _, token = session_id.partition(":")
    if (found := bounded_int(user_id, low=1)) is None or not token:
        return None  # a cookie from before session tokens (or forged): log in again
    user = db.session.get(StaffUser, found)
    if user is None or not user.active:
        return None
    return user if hmac.compare_digest(user.session_token, token) else None


def start_session(user: StaffUser) -> None:
    """A fresh session for ``user`` (no fixation), lasting a working day."""
    session.clear()
    login_user(user)
    session.permanent = True


@cache
def _absent_user_hash() -> str:
    """A hash made like real ones, so an unknown email costs the same check as a wrong password."""
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(email: str, password: str) -> StaffUser | None:
    """The active staff member with this email and password; the same work when there is none."""
    user = db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email))
    if user is None:
        check_password_hash(_absent_user_hash(), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


# --- throttling --------------------------------------------------------------------------------


def _failed(response) -> bool:
    return response.status_code != 303


def _login_limit() -> str:
    return settings().login_rate_limit


def _account_limit() -> str:
    return settings().login_account_rate_limit


def _posted_email() -> str:
    return request.form.get("email", "").strip().lower()


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=DEVICE_SALT)


def _known_device() -> str | None:
    """The id of this browser if it logged into the account being tried before, else None."""
    if DEVICE_COOKIE not in request.environ:  # worked out once per request
        device = None
        cookie = request.cookies.get(DEVICE_COOKIE)
        if cookie:
            try:
                email, device = _device_serializer().loads(cookie, max_age=DEVICE_MAX_AGE)
            except (BadSignature, ValueError, TypeError):
                email = None
            if not email or email != _posted_email():
                device = None
        request.environ[DEVICE_COOKIE] = device
    return request.environ[DEVICE_COOKIE]


def _unknown_device() -> bool:
    return _known_device() is None


def _account_key() -> str:
    return "login-account:" + _posted_email()


def _device_key() -> str:
    return "login-device:" + (_known_device() or "")


def _remember_device(response, email: str) -> None:
    value = _device_serializer().dumps([email, secrets.token_urlsafe(12)])
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_MAX_AGE,
        path=url_for("staff.login"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Strict",
    )


# --- views -------------------------------------------------------------------------------------


def _failed_logins(limit, **options):
    """A limit on failed login attempts (a successful login is not counted)."""
    return limiter.limit(limit, methods=["POST"], deduct_when=_failed, **options)


@bp.route("/login", methods=["GET", "POST"])
@_failed_logins(_login_limit, exempt_when=_known_device)  # per address
@_failed_logins(_account_limit, key_func=_account_key, exempt_when=_known_device)
@_failed_logins(_login_limit, key_func=_device_key, exempt_when=_unknown_device)
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = authenticate(email, form.password.data)
        if user is not None:
            start_session(user)
            response = redirect(staff_path(form.next.data), code=303)
            _remember_device(response, email)
            return response
        form.form_errors.append(_("Correo o contraseña incorrectos."))
    status = 401 if request.method == "POST" else 200
    return render_template("staff/login.html", form=form), status


@bp.post("/logout")
@transaction
def logout():
    current_user.end_sessions()  # every copy of every session of this person, not just this one
    logout_user()
    session.clear()
    flash(_("Cerró su sesión."))
    return redirect(url_for("staff.login"), code=303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
@transaction
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("La contraseña actual no es correcta."))
        else:
            user = current_user._get_current_object()  # noqa: SLF001
            user.set_password(form.new.data)  # ends every session of this person...
            start_session(user)  # ...but the one that changed it goes on
            flash(_("Su contraseña fue cambiada. Sus otras sesiones se cerraron."))
            return redirect(url_for("staff.home"), code=303)
    return render_template("staff/password.html", form=form)


@bp.get("/")
def home():
    if current_user.role == "counter":
        return redirect(url_for("staff.counter"))
    if current_user.role == "admin":
        return redirect(url_for("staff.queue"))
    return redirect(url_for("staff.queue", asignadas="mias"))
