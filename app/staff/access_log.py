"""The access trail for admins (``/staff/admin/accesos``): filters, pages and a CSV. Every
kind, page and value is shown in words; reading and downloading it are recorded too."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, current_app, render_template, request, stream_with_context
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.forms import choices, show_domain_error
from app.models import AccessLogEntry, StaffUser
from app.spreadsheet import safe_cell
from app.staff.blueprint import bp
from app.staff.forms import ROLE_LABELS, AccessLogFilterForm
from app.staff.people import FIELD_LABELS
from app.tickets import Actor, ValidationFailed
from app.tickets.access_log import KINDS, kind_label
from app.tickets.audit import LogFilter, export_log, read_log
from app.tickets.codes import display
from app.transaction import transaction

# Where a row came from: exact pages first, then the part of the system.
PAGE_LABELS = {
    "staff.ticket_page": _l("Ficha de la solicitud"),
    "staff.ticket_action": _l("Ficha de la solicitud"),
    "staff.retry_notice": _l("Ficha de la solicitud"),
    "staff.counter": _l("Mesón"),
    "staff.person_page": _l("Registro de la persona"),
    "staff.admin_access_log": _l("Registro de accesos"),
    "staff.admin_access_log_csv": _l("Registro de accesos"),
    "api.TicketContactView": _l("API: contacto de la solicitud"),
}
AREA_LABELS = (
    ("staff.privacy", _l("Protección de datos")),
    ("staff.admin", _l("Administración")),
    ("staff.", _l("Área de funcionarios")),
    ("api.", _l("API")),
    ("public.", _l("Sitio público")),
)
QUERY_LABELS = {"rut": _l("RUT"), "mobile": _l("celular"), "email": _l("correo")}
CHANGE_LABELS = {
    **FIELD_LABELS,
    "role": _l("Rol"),
    "department": _l("Unidad"),
    "active": _l("Activo"),
    "code": _l("Código"),
    "description": _l("Descripción"),
    "keywords": _l("Palabras clave"),
    "highlighted": _l("Destacada"),
    "first_response_minutes": _l("Primera respuesta (minutos hábiles)"),
    "resolution_minutes": _l("Resolución (minutos hábiles)"),
    "workday_start": _l("Inicio de la jornada"),
    "workday_end": _l("Fin de la jornada"),
    "reason": _l("Motivo"),
    "sensitive": _l("Sensible (fuera de las publicaciones)"),
    "staff_integration": _l("Integración municipal"),
}
FILTER_KEYS = ("persona", "persona_id", "funcionario", "desde", "hasta", "tipo")
CSV_HEADER = (
    "fecha_hora",
    "funcionario",
    "correo_funcionario",
    "accion",
    "persona_n",
    "persona",
    "solicitud_n_interno",
    "busqueda_por",
    "pagina",
    "motivo",
    "objeto",
    "detalle",
)


def page_label(page: str | None) -> str:
    if not page:
        return _("Proceso automático")
    if page in PAGE_LABELS:
        return str(PAGE_LABELS[page])
    return next((str(label) for prefix, label in AREA_LABELS if page.startswith(prefix)), "—")


def _value(field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Sí") if value else _("No")
    if field == "role":
        return str(ROLE_LABELS.get(value, value))
    return str(value)


def detail_text(entry: AccessLogEntry) -> str:
    """The row's detail in words: each change (field: before → after), the fields a person
    change touched, or how many results a search gave."""
    detail = entry.detail or {}
    parts = [
        f"{CHANGE_LABELS.get(f, f)}: {_value(f, old)} → {_value(f, new)}"
        for f, (old, new) in (detail.get("changes") or {}).items()
    ]
    if detail.get("fields"):
        fields = ", ".join(str(CHANGE_LABELS.get(f, f)) for f in detail["fields"])
        parts.append(_("Campos: %(fields)s", fields=fields))
    if entry.kind == "person_searched":
        parts.append(_("Resultados: %(n)d", n=detail.get("found", 0)))
    return "; ".join(parts)


def actor_name(entry: AccessLogEntry) -> str:
    if entry.actor is not None:
        return entry.actor.name
    return _("Vecino/a") if entry.actor_kind == "resident" else _("Sistema")


def person_name(entry: AccessLogEntry) -> str:
    if entry.person is None:
        return ""
    return entry.person.name or _("Persona N° %(n)d", n=entry.person.id)


def _day(form: AccessLogFilterForm, name: str) -> date | None:
    text = (getattr(form, name).data or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationFailed("Escriba la fecha como AAAA-MM-DD.", field=name) from exc


def _form() -> AccessLogFilterForm:
    form = AccessLogFilterForm(formdata=request.args)
    staff = db.session.scalars(select(StaffUser).order_by(StaffUser.name)).all()
    form.funcionario.choices = choices([("", _("Todos"))] + [(u.id, u.name) for u in staff])
    form.tipo.choices = choices(
        [("", _("Todas"))] + [(k, str(label)) for k, label in KINDS.items()]
    )
    return form


def _filter(form: AccessLogFilterForm) -> LogFilter:
    if not form.validate():
        raise ValidationFailed("Revise los filtros.")
    return LogFilter(
        person=form.persona.data or "",
        person_id=request.args.get("persona_id", type=int),
        staff_id=form.funcionario.data,
        first=_day(form, "desde"),
        last=_day(form, "hasta"),
        kind=form.tipo.data or "",
    )


def _render(form: AccessLogFilterForm, page=None, status: int = 200):
    return render_template(
        "staff/admin/access_log.html",
        form=form,
        page=page,
        kind_label=kind_label,
        page_label=page_label,
        detail_text=detail_text,
        actor_name=actor_name,
        person_name=person_name,
        query_labels=QUERY_LABELS,
        display=display,
        filter_args={k: v for k, v in request.args.items() if k in FILTER_KEYS and v},
    ), status


def _show_filter_errors(error: ValidationFailed) -> tuple[str, int]:
    form = _form()
    show_domain_error(form, error)
    return _render(form, status=422)


@bp.get("/admin/accesos")
@transaction(on_error=_show_filter_errors)  # reading the trail is recorded too
def admin_access_log():
    form = _form()
    page = read_log(
        db.session,
        Actor.staff(current_user),
        _filter(form),
        before=request.args.get("antes", type=int),
    )
    return _render(form, page)


def _csv_row(entry: AccessLogEntry, zone: ZoneInfo) -> list[object]:
    return [
        entry.created_at.astimezone(zone).isoformat(timespec="seconds"),
        actor_name(entry),
        entry.actor.email if entry.actor else "",
        kind_label(entry.kind),
        entry.person_id,
        person_name(entry),
        entry.ticket_id,
        str(QUERY_LABELS.get(entry.query_kind or "", "")),
        page_label(entry.page),
        entry.reason,
        entry.target,
        detail_text(entry),
    ]


def _csv_lines(entries: Iterable[AccessLogEntry]) -> Iterator[str]:
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    buffer = io.StringIO()
    buffer.write("\ufeff")  # a BOM so spreadsheet programs read the accents as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for entry in entries:
        writer.writerow([safe_cell(cell) for cell in _csv_row(entry, zone)])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


@bp.get("/admin/accesos.csv")
@transaction(on_error=_show_filter_errors)  # the download is recorded before the first row leaves
def admin_access_log_csv():
    entries = export_log(db.session, Actor.staff(current_user), _filter(_form()))
    stamp = format_datetime(format="yyyyMMdd-HHmm")
    return Response(
        stream_with_context(_csv_lines(entries)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="registro-accesos-{stamp}.csv"'},
    )
