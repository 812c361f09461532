"""A ticket's photos for staff: the files (behind the same permission as the ticket), and
publishing one for everyone or withdrawing it (staff of the ticket's unit)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.models import Photo
from app.photos import service
from app.photos.storage import MissingFile, photo_storage
from app.staff.blueprint import bp
from app.staff.forms import ActionForm
from app.staff.ticket import render_ticket
from app.tickets import Actor, DomainError, PermissionDenied, may
from app.tickets.codes import display
from app.transaction import transaction


def _photo(photo_id: int) -> Photo:
    photo = db.session.get(Photo, photo_id)
    if photo is None:
        abort(404)
    if not may(Actor.staff(current_user), "read", photo.ticket):
        abort(403)
    return photo


def _file(key: str) -> Response:
    try:
        data = photo_storage().get(key)
    except MissingFile:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    # Staff-only: kept by the browser that asked, never by a shared cache.
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/fotos/<int:photo_id>")
def photo_file(photo_id: int):
    return _file(_photo(photo_id).key)


@bp.get("/fotos/<int:photo_id>/miniatura")
def photo_thumb(photo_id: int):
    return _file(_photo(photo_id).thumb_key)


def _refused(error: DomainError, photo_id: int):
    photo = _photo(photo_id)
    form = ActionForm(formdata=None)
    form.form_errors.append(_(error.message))
    status = 403 if isinstance(error, PermissionDenied) else 422
    return render_ticket(photo.ticket, form, status=status)


@bp.post("/fotos/<int:photo_id>/publicar")
@transaction(on_error=_refused)
def publish_photo(photo_id: int):
    photo = _photo(photo_id)
    service.publish(db.session, photo_storage(), photo, Actor.staff(current_user))
    flash(_("La foto quedó publicada en la página de seguimiento."))
    return redirect(url_for("staff.ticket_page", code=display(photo.ticket.code)), code=303)


@bp.post("/fotos/<int:photo_id>/retirar")
@transaction(on_error=_refused)
def withdraw_photo(photo_id: int):
    photo = _photo(photo_id)
    service.withdraw(db.session, photo_storage(), photo, Actor.staff(current_user))
    flash(_("La foto ya no es pública."))
    return redirect(url_for("staff.ticket_page", code=display(photo.ticket.code)), code=303)
