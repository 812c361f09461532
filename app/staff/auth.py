"""Staff login, logout and password change. Failed logins are throttled per address and account."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from app.extensions import db, limiter, login_manager
from app.models import StaffUser
from app.staff import bp
from app.staff.forms import LoginForm, PasswordChangeForm

PUBLIC_ENDPOINTS = {"staff.login"}


@bp.before_request
def require_login():
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def _failed(response) -> bool:
    return response.status_code != 303


def _login_limit() -> str:
    return current_app.config.get("LOGIN_RATE_LIMIT", "10 per 15 minutes")


def _account_key() -> str:
    return "login-account:" + request.form.get("email", "").strip().lower()


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/staff") and not target.startswith("//"):
        return target
    return url_for("staff.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed, key_func=_account_key)
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email))
        if user is not None and user.active and user.check_password(form.password.data):
            session.clear()  # a fresh session on login: no fixation
            login_user(user)
            session.permanent = True
            return redirect(_safe_next(form.next.data), code=303)
        form.form_errors.append(_("Correo o contraseña incorrectos."))
    status = 401 if request.method == "POST" else 200
    return render_template("staff/login.html", form=form), status


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash(_("Cerró su sesión."))
    return redirect(url_for("staff.login"), code=303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("La contraseña actual no es correcta."))
        else:
            current_user.set_password(form.new.data)
            db.session.commit()
            flash(_("Su contraseña fue cambiada."))
            return redirect(url_for("staff.home"), code=303)
    return render_template("staff/password.html", form=form)


@bp.get("/")
def home():
    if current_user.role == "counter":
        return redirect(url_for("staff.counter"))
    if current_user.role == "admin":
        return redirect(url_for("staff.queue"))
    return redirect(url_for("staff.queue", asignadas="mias"))
