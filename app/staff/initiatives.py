"""Staff pages of Transparencia Focalizada: admins edit every focused unit's initiatives, a
head their own unit's; everyone else gets 403. Every change writes its history row
(app/initiatives/service.py), shown on the initiative's page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.forms import show_domain_error
from app.initiatives.service import (
    CHANGE_KINDS,
    STATUS_LABELS,
    InitiativeDetails,
    add_milestone,
    add_update,
    editable_units,
    history,
    initiatives_of,
    may_edit,
    may_manage_any,
    save_initiative,
    update_milestone,
)
from app.inputs import bounded_int
from app.models import Department, Initiative, Milestone
from app.staff.blueprint import bp
from app.staff.initiative_forms import InitiativeForm, MilestoneDatesForm, MilestoneForm, UpdateForm
from app.tickets import ValidationFailed
from app.transaction import transaction


def _user():
    return current_user._get_current_object()  # noqa: SLF001 - the row, not the proxy


def _editable(initiative: Initiative) -> Initiative:
    if not may_edit(_user(), initiative.department):
        abort(403)
    return initiative


@bp.get("/iniciativas")
@login_required
@transaction
def initiatives():
    if not may_manage_any(_user()):
        abort(403)
    units = editable_units(db.session, _user())
    found = initiatives_of(db.session, [u.id for u in units])
    return render_template(
        "staff/initiatives.html",
        units=[(u, [i for i in found if i.department_id == u.id]) for u in units],
        labels=STATUS_LABELS,
    )


NUMBERS = ("budget_clp", "progress_manual")


def _details(form: InitiativeForm) -> InitiativeDetails:
    """The form's values; an optional text left out is empty (the domain checks the rest,
    before it changes anything: a refusal leaves nothing to roll back)."""
    values = {f.name: f.data for f in form if f.name != "csrf_token"}
    return InitiativeDetails(
        **{
            name: value
            if name in NUMBERS or not isinstance(value, str | None)
            else (value or "").strip()
            for name, value in values.items()
        }
    )


def _page(initiative, form, milestone_form=None, update_form=None, status=200):
    return (
        render_template(
            "staff/initiative.html",
            initiative=initiative,
            form=form,
            milestone_form=milestone_form or MilestoneForm(prefix="hito", formdata=None),
            update_form=update_form or UpdateForm(prefix="avance", formdata=None),
            dates_form=MilestoneDatesForm,
            history=history(db.session, initiative) if initiative else [],
            change_kinds=CHANGE_KINDS,
        ),
        status,
    )


@bp.route("/iniciativas/nueva", methods=["GET", "POST"], defaults={"initiative_id": None})
@bp.route("/iniciativas/<int:initiative_id>", methods=["GET", "POST"])
@login_required
@transaction
def initiative(initiative_id: int | None):
    if initiative_id is not None:
        found = _editable(db.session.get(Initiative, initiative_id) or abort(404))
        unit = found.department
    else:
        found = None
        unit = db.session.get(Department, bounded_int(request.values.get("unidad")) or 0)
        if unit is None:
            abort(404)
        if not may_edit(_user(), unit):
            abort(403)
    form = InitiativeForm(obj=found)
    if form.validate_on_submit():
        try:
            saved = save_initiative(db.session, _user(), unit, found, _details(form))
        except ValidationFailed as error:
            show_domain_error(form, error)
        else:
            flash(_("Iniciativa guardada. Ya se publica en la página de transparencia."))
            return redirect(url_for("staff.initiative", initiative_id=saved.id), code=303)
    status = 422 if request.method == "POST" else 200
    return (
        _page(found, form, status=status)
        if found
        else (
            render_template("staff/initiative.html", initiative=None, form=form, unit=unit),
            status,
        )
    )


@bp.post("/iniciativas/<int:initiative_id>/hitos")
@login_required
@transaction
def initiative_milestone(initiative_id: int):
    found = _editable(db.session.get(Initiative, initiative_id) or abort(404))
    form = MilestoneForm(prefix="hito")
    if form.validate_on_submit():
        try:
            add_milestone(
                db.session,
                _user(),
                found,
                form.title.data,
                form.planned_date.data,
                title_en=form.title_en.data or "",
                done_date=form.done_date.data,
            )
        except ValidationFailed as error:
            show_domain_error(form, error)
        else:
            flash(_("Hito agregado."))
            return redirect(url_for("staff.initiative", initiative_id=found.id), code=303)
    return _page(found, InitiativeForm(obj=found, formdata=None), milestone_form=form, status=422)


@bp.post("/iniciativas/<int:initiative_id>/hitos/<int:milestone_id>")
@login_required
@transaction
def initiative_milestone_dates(initiative_id: int, milestone_id: int):
    found = _editable(db.session.get(Initiative, initiative_id) or abort(404))
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.initiative_id != found.id:
        abort(404)
    form = MilestoneDatesForm(prefix=f"hito{milestone.id}")
    if not form.validate_on_submit():
        flash(_("Revise las fechas del hito: escríbalas como AAAA-MM-DD."))
        return _page(found, InitiativeForm(obj=found, formdata=None), status=422)
    update_milestone(db.session, _user(), milestone, form.planned_date.data, form.done_date.data)
    flash(_("Hito actualizado."))
    return redirect(url_for("staff.initiative", initiative_id=found.id), code=303)


@bp.post("/iniciativas/<int:initiative_id>/avances")
@login_required
@transaction
def initiative_update(initiative_id: int):
    found = _editable(db.session.get(Initiative, initiative_id) or abort(404))
    form = UpdateForm(prefix="avance")
    if form.validate_on_submit():
        try:
            add_update(
                db.session,
                _user(),
                found,
                form.body.data,
                body_en=form.body_en.data or "",
                progress=form.progress.data,
                link=form.link.data or "",
            )
        except ValidationFailed as error:
            show_domain_error(form, error)
        else:
            flash(_("Avance publicado."))
            return redirect(url_for("staff.initiative", initiative_id=found.id), code=303)
    return _page(found, InitiativeForm(obj=found, formdata=None), update_form=form, status=422)
