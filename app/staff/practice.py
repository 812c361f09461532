"""The staff side of "Modo práctica": the switch, the request's scope, the banner's data, the
guided exercise, and the admin's reset."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.models.practice import in_practice, set_scope_for
from app.photos.storage import photo_storage
from app.staff.blueprint import bp, staff_path
from app.tickets import Actor
from app.tickets import practice as practice_tickets
from app.transaction import transaction

NOTED = "practice_steps"  # what the exercise cannot read from rows: receipt opened, person found


@bp.before_request
def practice_scope():
    set_scope_for(current_user)


def note_step(key: str) -> None:
    """A step of the guided exercise that leaves no ticket row (only while practising)."""
    if in_practice():
        noted = set(session.get(NOTED, []))
        if key not in noted:
            session[NOTED] = sorted(noted | {key})


@bp.context_processor
def practice_context():
    if not current_user.is_authenticated:
        return {"practice_on": False}
    if not current_user.practice_mode:
        return {"practice_on": False}
    steps = practice_tickets.exercise(db.session, current_user, set(session.get(NOTED, [])))
    return {"practice_on": True, "practice_exercise": steps}


@bp.post("/practica")
@transaction
def practice_toggle():
    """Switch "Modo práctica" on or off for this staff member (all their sessions)."""
    current_user.practice_mode = not current_user.practice_mode
    if current_user.practice_mode:
        flash(_("Modo práctica activado: lo que registre ahora es de práctica."))
    else:
        session.pop(NOTED, None)
        flash(_("Modo práctica desactivado: vuelve a trabajar con solicitudes reales."))
    return redirect(staff_path(request.form.get("volver")), code=303)


@bp.post("/admin/practica/reiniciar")
@transaction
def admin_practice_reset():
    """Delete every practice ticket (admins; the admin pages' check applies by endpoint)."""
    keys = practice_tickets.photo_keys(db.session)
    gone = practice_tickets.reset(db.session, Actor.staff(current_user))
    storage = photo_storage()
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # noqa: BLE001 - a file already gone is not a failed reset
            current_app.logger.warning("practice reset: could not delete %s", key)
    flash(_("Se eliminaron %(n)d solicitudes de práctica.", n=gone))
    return redirect(url_for("staff.admin_home"), code=303)
