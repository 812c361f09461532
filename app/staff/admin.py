"""Administration: users, departments, categories (targets, keywords, templates), the SLA
calendar (working hours, closed days) and API keys. Admins only (``configure``)."""

from __future__ import annotations

from datetime import time

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from app import protocols
from app.accounts import (
    UserDetails,
    issue_api_key,
    name_units,
    revoke_api_key,
    save_user,
)
from app.extensions import db
from app.forms import choices, show_domain_error
from app.initiatives.service import check_focus
from app.inputs import bounded_date
from app.models import (
    ApiKey,
    Category,
    ClosedDay,
    Department,
    ResponseTemplate,
    Setting,
    StaffUser,
)
from app.staff.auth import start_session
from app.staff.blueprint import bp
from app.staff.forms import (
    ROLE_LABELS,
    ApiKeyForm,
    CalendarForm,
    CategoryForm,
    ClosedDayForm,
    DepartmentForm,
    ProtocolForm,
    TemplateForm,
    UserForm,
)
from app.tickets import Actor, ValidationFailed, may, practice
from app.tickets.access_log import changed_fields, record_admin_change
from app.tickets.sla import business_calendar
from app.transaction import transaction


@bp.before_request
def admins_only():
    if not current_user.is_authenticated:
        return  # the login check answers first
    endpoint = request.endpoint or ""
    # The access trail is read by whoever audits (admins and the data protection officer).
    needed = "audit" if endpoint.startswith("staff.admin_access_log") else "configure"
    if endpoint.startswith("staff.admin") and not may(Actor.staff(current_user), needed):
        abort(403)


def _admin() -> Actor:
    return Actor.staff(current_user)


def _departments() -> list[SelectChoice]:
    rows = db.session.scalars(select(Department).order_by(Department.name)).all()
    return choices([("", _("Ninguna"))] + [(d.id, d.name) for d in rows])


@bp.get("/admin")
@transaction
def admin_home():
    return render_template(
        "staff/admin/home.html",
        users=db.session.scalars(select(StaffUser).order_by(StaffUser.name)).all(),
        departments=db.session.scalars(select(Department).order_by(Department.name)).all(),
        categories=db.session.scalars(select(Category).order_by(Category.name)).all(),
        keys=db.session.scalars(select(ApiKey).order_by(ApiKey.name)).all(),
        role_labels=ROLE_LABELS,
        practice_tickets=practice.count(db.session),
        practising=[u for u in db.session.scalars(select(StaffUser)) if u.practice_mode],
    )


@bp.route("/admin/usuarios/nuevo", methods=["GET", "POST"], defaults={"user_id": None})
@bp.route("/admin/usuarios/<int:user_id>", methods=["GET", "POST"])
@transaction
def admin_user(user_id: int | None):
    user = db.session.get(StaffUser, user_id) if user_id else None
    if user_id and user is None:
        abort(404)
    form = UserForm(obj=user)
    if request.method == "GET" and user is not None:
        form.department.data = user.department_id
    form.department.choices = _departments()
    if form.validate_on_submit():
        details = UserDetails(
            email=form.email.data,
            name=form.name.data,
            role=form.role.data,
            department_id=form.department.data,
            active=form.active.data,
            password=form.password.data or None,
        )
        try:
            user = save_user(db.session, _admin(), user, details)
        except ValidationFailed as error:
            getattr(form, error.details.get("field", "email")).errors.append(_(error.message))
        else:
            if user is current_user._get_current_object():  # noqa: SLF001
                start_session(user)  # an admin resetting their own password stays in
            flash(_("Usuario guardado."))
            return redirect(url_for("staff.admin_home"), code=303)
    return render_template("staff/admin/form.html", form=form, title=_("Usuario"))


@bp.get("/admin/unidades")
@transaction
def admin_departments():
    return render_template(
        "staff/admin/units.html",
        departments=db.session.scalars(select(Department).order_by(Department.name)).all(),
        limit=current_app.config["FOCUSED_UNITS"],
    )


DEPARTMENT_TEXTS = (
    "description",
    "description_en",
    "functions",
    "functions_en",
    "address",
    "opening_hours",
    "opening_hours_en",
    "phone",
    "email",
)


@bp.route("/admin/unidades/nueva", methods=["GET", "POST"], defaults={"department_id": None})
@bp.route("/admin/unidades/<int:department_id>", methods=["GET", "POST"])
@transaction
def admin_department(department_id: int | None):
    department = db.session.get(Department, department_id) if department_id else None
    if department_id and department is None:
        abort(404)
    form = DepartmentForm(obj=department)
    if form.validate_on_submit():
        clash = db.session.scalar(select(Department).where(Department.code == form.code.data))
        if clash is not None and clash is not department:
            form.code.errors.append(_("Ya existe una unidad con ese código."))
        else:
            try:
                check_focus(
                    db.session,
                    department,
                    form.highlighted.data,
                    current_app.config["FOCUSED_UNITS"],
                )
            except ValidationFailed as error:
                show_domain_error(form, error)
            else:
                _save_department(department, form)
                flash(_("Unidad guardada."))
                return redirect(url_for("staff.admin_departments"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("staff/admin/form.html", form=form, title=_("Unidad")), status


def _save_department(department: Department | None, form: DepartmentForm) -> Department:
    new = {f.name: f.data for f in form if f.name != "csrf_token"}
    for name in DEPARTMENT_TEXTS:
        new[name] = (new[name] or "").strip()
    changes = changed_fields(department, new)
    if department is None:  # a new unit: the directory texts it was created without are no news
        changes = {f: pair for f, pair in changes.items() if f == "description" or pair[1] != ""}
    kind = "department_changed" if department else "department_created"
    department = department or Department()
    for field, value in new.items():
        setattr(department, field, value)
    db.session.add(department)
    if "highlighted" in changes and department_id_known(department):
        record_admin_change(
            db.session,
            _admin(),
            "focus_added" if department.highlighted else "focus_removed",
            department.name,
            {"highlighted": changes.pop("highlighted")},
        )
    if changes:
        record_admin_change(db.session, _admin(), kind, department.name, changes)
    return department


def department_id_known(department: Department) -> bool:
    """A unit that already existed (a new one's focus is part of its creation)."""
    return department.id is not None


@bp.route("/admin/categorias/nueva", methods=["GET", "POST"], defaults={"category_id": None})
@bp.route("/admin/categorias/<int:category_id>", methods=["GET", "POST"])
@transaction
def admin_category(category_id: int | None):
    category = db.session.get(Category, category_id) if category_id else None
    if category_id and category is None:
        abort(404)
    per_day = business_calendar(db.session).minutes_per_day
    form = CategoryForm(obj=category)
    form.department.choices = _departments()[1:]
    if request.method == "GET" and category is not None:
        form.department.data = category.department_id
        form.first_response_hours.data = round(category.first_response_minutes / 60)
        form.resolution_days.data = round(category.resolution_minutes / per_day)
    template_form = TemplateForm(prefix="template")
    if form.validate_on_submit():
        clash = db.session.scalar(select(Category).where(Category.code == form.code.data))
        if clash is not None and clash is not category:
            form.code.errors.append(_("Ya existe una categoría con ese código."))
        else:
            category = _save_category(category, form, per_day)
            flash(_("Categoría guardada. Los nuevos plazos rigen para las solicitudes nuevas."))
            return redirect(url_for("staff.admin_category", category_id=category.id), code=303)
    templates = (
        db.session.scalars(
            select(ResponseTemplate).where(ResponseTemplate.category_id == category.id)
        ).all()
        if category
        else []
    )
    history = protocols.versions(db.session, category.id) if category else []
    protocol_form = ProtocolForm(prefix="protocol", formdata=None)
    protocol_form.body.data = history[0].body if history else ""
    return render_template(
        "staff/admin/category.html",
        form=form,
        category=category,
        templates=templates,
        template_form=template_form,
        protocol_form=protocol_form,
        protocol_versions=history,
        protocol_html=protocols.render,
        protocol_reads=protocols.readings(db.session, category.id) if category else [],
        role_labels=ROLE_LABELS,
    )


def _save_category(category: Category | None, form: CategoryForm, per_day: int) -> Category:
    new = {
        "code": form.code.data,
        "name": form.name.data,
        "department_id": form.department.data,
        "description": form.description.data or "",
        "keywords": form.keywords.data or "",
        "first_response_minutes": form.first_response_hours.data * 60,
        "resolution_minutes": form.resolution_days.data * per_day,
        "sensitive": form.sensitive.data,
        "active": form.active.data,
    }
    changes = name_units(db.session, changed_fields(category, new))
    kind = "category_changed" if category else "category_created"
    category = category or Category()
    for field, value in new.items():
        setattr(category, field, value)
    db.session.add(category)
    if changes:
        record_admin_change(db.session, _admin(), kind, category.name, changes)
    return category


@bp.post("/admin/categorias/<int:category_id>/plantillas")
@transaction
def admin_template(category_id: int):
    category = db.session.get(Category, category_id) or abort(404)
    form = TemplateForm(prefix="template")
    if form.validate_on_submit():
        db.session.add(
            ResponseTemplate(
                category=category, kind=form.kind.data, title=form.title.data, body=form.body.data
            )
        )
        target = f"{category.name}: {form.title.data}"
        record_admin_change(db.session, _admin(), "template_added", target)
        flash(_("Respuesta tipo agregada."))
    else:
        flash(_("Complete el título y el texto de la respuesta tipo."))
    return redirect(url_for("staff.admin_category", category_id=category_id), code=303)


@bp.post("/admin/plantillas/<int:template_id>/desactivar")
@transaction
def admin_template_disable(template_id: int):
    template = db.session.get(ResponseTemplate, template_id) or abort(404)
    if template.active:
        where = template.category.name if template.category else None
        target = f"{where}: {template.title}" if where else template.title
        record_admin_change(db.session, _admin(), "template_disabled", target)
    template.active = False
    return redirect(url_for("staff.admin_category", category_id=template.category_id), code=303)


def _hhmm(text: str) -> str | None:
    try:
        return time.fromisoformat(text.strip()).strftime("%H:%M")
    except ValueError:
        return None


@bp.route("/admin/calendario", methods=["GET", "POST"])
@transaction
def admin_calendar():
    calendar = business_calendar(db.session)
    form = CalendarForm(prefix="hours")
    day_form = ClosedDayForm(prefix="day")
    if request.method == "GET":
        form.workday_start.data = calendar.workday_start.strftime("%H:%M")
        form.workday_end.data = calendar.workday_end.strftime("%H:%M")
    if "hours-workday_start" in request.form and form.validate_on_submit():
        start, end = _hhmm(form.workday_start.data), _hhmm(form.workday_end.data)
        if not start or not end or end <= start:
            form.workday_end.errors.append(
                _("Escriba horas válidas (HH:MM) y un fin posterior al inicio.")
            )
        else:
            _save_hours(calendar, start, end)
            flash(_("Horario guardado."))
            return redirect(url_for("staff.admin_calendar"), code=303)
    if "day-day" in request.form and day_form.validate_on_submit():
        day = bounded_date(day_form.day.data)
        if day is None:
            day_form.day.errors.append(_("Escriba la fecha como AAAA-MM-DD."))
        else:
            closed = db.session.get(ClosedDay, day)
            changes = changed_fields(closed, {"reason": day_form.reason.data or ""})
            closed = closed or ClosedDay(day=day)
            closed.reason = day_form.reason.data or ""
            db.session.add(closed)
            target = day.isoformat()
            record_admin_change(db.session, _admin(), "closed_day_added", target, changes)
            flash(_("Día sin atención agregado."))
            return redirect(url_for("staff.admin_calendar"), code=303)
    days = db.session.scalars(select(ClosedDay).order_by(ClosedDay.day)).all()
    return render_template("staff/admin/calendar.html", form=form, day_form=day_form, days=days)


def _save_hours(calendar, start: str, end: str) -> None:
    old = {
        "workday_start": calendar.workday_start.strftime("%H:%M"),
        "workday_end": calendar.workday_end.strftime("%H:%M"),
    }
    changes = {f: [old[f], new] for f, new in (("workday_start", start), ("workday_end", end))}
    changes = {f: pair for f, pair in changes.items() if pair[0] != pair[1]}
    for key, value in (("WORKDAY_START", start), ("WORKDAY_END", end)):
        setting = db.session.get(Setting, key) or Setting(key=key)
        setting.value = value
        db.session.add(setting)
    if changes:
        record_admin_change(db.session, _admin(), "calendar_changed", None, changes)


@bp.post("/admin/calendario/<day>/quitar")
@transaction
def admin_closed_day_remove(day: str):
    closed = db.session.get(ClosedDay, bounded_date(day) or abort(404)) or abort(404)
    changes = {"reason": [closed.reason or None, None]}
    target = closed.day.isoformat()
    record_admin_change(db.session, _admin(), "closed_day_removed", target, changes)
    db.session.delete(closed)
    return redirect(url_for("staff.admin_calendar"), code=303)


@bp.route("/admin/claves", methods=["GET", "POST"])
@transaction
def admin_api_keys():
    form = ApiKeyForm()
    new_key = None
    if form.validate_on_submit():
        try:
            _key, new_key = issue_api_key(
                db.session, _admin(), form.name.data, staff_integration=form.staff_integration.data
            )
        except ValidationFailed as error:
            form.name.errors.append(_(error.message))
    keys = db.session.scalars(select(ApiKey).order_by(ApiKey.name)).all()
    return render_template("staff/admin/keys.html", form=form, keys=keys, new_key=new_key)


@bp.post("/admin/claves/<int:key_id>/revocar")
@transaction
def admin_api_key_revoke(key_id: int):
    key = db.session.get(ApiKey, key_id) or abort(404)
    revoke_api_key(db.session, _admin(), key)
    flash(_("Clave revocada."))
    return redirect(url_for("staff.admin_api_keys"), code=303)
