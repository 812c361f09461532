"""Attention protocols in the staff workspace: the admin's editor (a new version per edit),
"leído" per version, and the counter's live panel (a fragment for staff.js)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import protocols
from app.extensions import db
from app.models import Category, CategoryProtocol
from app.staff.blueprint import bp, staff_path
from app.staff.forms import ProtocolForm
from app.tickets import Actor
from app.tickets.access_log import record_admin_change
from app.transaction import transaction


def panel_context(category_id: int | None) -> dict:
    """What the protocol panel shows: the version in force, rendered, and whether this staff
    member already marked it read."""
    protocol = protocols.current(db.session, category_id)
    return {
        "protocol": protocol,
        "protocol_html": protocols.render(protocol.body) if protocol else None,
        "protocol_read": bool(protocol and protocols.has_read(db.session, protocol, current_user)),
    }


@bp.post("/admin/categorias/<int:category_id>/protocolo")
@transaction
def admin_protocol(category_id: int):
    category = db.session.get(Category, category_id) or abort(404)
    form = ProtocolForm(prefix="protocol")
    if not form.validate_on_submit():
        flash(_("El protocolo no puede tener más de 4000 caracteres."))
    elif (
        version := protocols.save(db.session, category, form.body.data or "", current_user)
    ) is None:
        flash(_("El protocolo no cambió."))
    else:
        changes = {"version": [version.version - 1 or None, version.version]}
        record_admin_change(
            db.session, Actor.staff(current_user), "protocol_published", category.name, changes
        )
        flash(_("Protocolo guardado como una nueva versión."))
    return redirect(url_for("staff.admin_category", category_id=category_id) + "#protocolo", 303)


@bp.post("/protocolos/leido")
@transaction
def protocol_read():
    """ "Leído" for one version. staff.js posts it in the background (the counter's form stays
    as typed) and gets 204; without JavaScript the page comes back."""
    protocol_id = request.form.get("protocol_id", type=int)
    protocol = db.session.get(CategoryProtocol, protocol_id) if protocol_id else None
    if protocol is None:
        abort(404)
    protocols.mark_read(db.session, protocol, current_user)
    if request.headers.get("X-Fragment"):
        return "", 204
    flash(_("Marcó como leída la versión %(v)d del protocolo.", v=protocol.version))
    return redirect(staff_path(request.form.get("volver")), code=303)


@bp.get("/protocolos/categoria")
def protocol_fragment():
    """The counter's panel for the chosen category, for staff.js to swap in (no layout)."""
    category_id = request.args.get("categoria", type=int)
    return render_template(
        "staff/_protocol.html", volver=url_for("staff.counter"), **panel_context(category_id)
    )
