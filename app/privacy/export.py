"""A person's data, exported for them (access and portability): a JSON document (machine
readable; its keys are documented in the README), a CSV (one value per row) and the same
content for a printed letter. An export asks for a reason and is recorded with it.

The document is built from the dossier only, so it holds the person's rows and nothing of
anyone else; staff appear by name where they acted on the person's data (the trail).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.models import Contact, utcnow
from app.privacy.dossier import Dossier, gather
from app.spreadsheet import safe_cell
from app.tickets.access_log import kind_label, record_access
from app.tickets.codes import display
from app.tickets.contacts import clean_name
from app.tickets.errors import ValidationFailed
from app.tickets.permissions import Actor, require
from app.tickets.publication import coarse_address

FORMAT = "conectados.persona"
VERSION = 1
FORMATS = ("json", "csv", "html")
CSV_HEADER = ("seccion", "registro", "campo", "valor")


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _person(person: Contact) -> dict[str, Any]:
    return {
        "id": person.id,
        "nombre": person.name,
        "rut": person.rut,
        "celular": person.mobile,
        "correo": person.email,
        "acepta_avisos": person.consent_notify,
        "rut_verificado": _when(person.rut_verified_at),
        "celular_verificado": _when(person.mobile_verified_at),
        "correo_verificado": _when(person.email_verified_at),
        "creado": _when(person.created_at),
        "actualizado": _when(person.updated_at),
        "bloqueado": _when(person.blocked_at),
        "motivo_bloqueo": person.blocked_reason,
    }


def _ticket(ticket) -> dict[str, Any]:
    given = ticket.contact
    return {
        "codigo": display(ticket.code),
        "canal": ticket.channel,
        "categoria": ticket.category.name,
        "unidad": ticket.department.name,
        "estado": ticket.status,
        "descripcion": ticket.description,
        "direccion": ticket.address,
        "latitud": ticket.lat,
        "longitud": ticket.lon,
        "adjuntos": list(ticket.media_urls or []),
        "respuestas_adicionales": ticket.attributes,
        "datos_del_canal": ticket.channel_data,
        "resumen_publico": ticket.public_summary,
        "creada": _when(ticket.created_at),
        "resuelta": _when(ticket.resolved_at),
        "cerrada": _when(ticket.closed_at),
        "contacto_dado": None
        if given is None
        else {
            "nombre": given.name,
            "rut": given.rut,
            "celular": given.mobile,
            "correo": given.email,
            "acepta_avisos": given.consent_notify,
            "canal": given.channel,
            "dado": _when(given.given_at),
            "celular_verificado": given.mobile_verified,
            "correo_confirmado": _when(given.email_confirmed_at),
        },
    }


def document(dossier: Dossier, now: datetime | None = None) -> dict[str, Any]:
    """The JSON export (keys in Spanish, documented in the README)."""
    codes = {t.id: display(t.code) for t in dossier.tickets}
    return {
        "formato": FORMAT,
        "version": VERSION,
        "generado": _when(now or utcnow()),
        "persona": _person(dossier.person),
        "cambios": [
            {
                "fecha": _when(c.created_at),
                "accion": c.action,
                "origen": c.source,
                "por": c.actor.name if c.actor else c.actor_kind,
                "cambios": c.changes,
                "motivo": c.reason,
            }
            for c in dossier.changes
        ],
        "solicitudes": [_ticket(t) for t in dossier.tickets],
        "mensajes_escritos": [
            {
                "solicitud": codes.get(e.ticket_id),
                "fecha": _when(e.created_at),
                "tipo": e.kind,
                "texto": e.body,
            }
            for e in dossier.events
        ],
        "avisos": [
            {
                "solicitud": codes.get(n.ticket_id),
                "canal": n.channel,
                "destinatario": n.recipient,
                "plantilla": n.template,
                "asunto": n.subject,
                "texto": n.body,
                "estado": n.status,
                "creado": _when(n.created_at),
                "enviado": _when(n.sent_at),
            }
            for n in dossier.notifications
        ],
        "sms_recibidos": [
            {
                "remitente": m.sender,
                "texto": m.body,
                "respuesta": m.reply,
                "solicitud": codes.get(m.ticket_id),
                "fecha": _when(m.created_at),
            }
            for m in dossier.inbound_sms
        ],
        "bajas_sms": [
            {"celular": s.mobile, "motivo": s.reason, "fecha": _when(s.created_at)}
            for s in dossier.suppressions
        ],
        "seguimientos": [
            {
                "tema": f.ticket.category.name,
                "calle": coarse_address(f.ticket.address),
                "celular": f.mobile,
                "correo": f.email,
                "version_consentimiento": f.consent_wording,
                "desde": _when(f.created_at),
                "avisado": _when(f.notified_at),
                "dejo_de_seguir": _when(f.unsubscribed_at),
            }
            for f in dossier.followers
        ],
        "encuestas": [
            {
                "solicitud": codes.get(r.ticket_id),
                "nota": r.rating,
                "comentario": r.comment,
                "canal": r.channel,
                "fecha": _when(r.created_at),
            }
            for r in dossier.ratings
        ],
        "accesos": [
            {
                "fecha": _when(a.created_at),
                "funcionario": a.actor.name if a.actor else a.actor_kind,
                "accion": a.kind,
                "descripcion": kind_label(a.kind),
                "solicitud": codes.get(a.ticket_id),
                "motivo": a.reason,
            }
            for a in dossier.trail
        ],
    }


def _flat(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flat(f"{prefix}.{key}" if prefix else key, inner)
    elif isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        for index, inner in enumerate(value, 1):
            yield from _flat(f"{prefix}.{index}", inner)
    elif isinstance(value, list):
        yield prefix, "; ".join(str(v) for v in value)
    else:
        yield prefix, value


def csv_text(doc: dict[str, Any]) -> str:
    """One value a row: section, record number in it, field, value (formulas quoted)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for section, content in doc.items():
        if isinstance(content, list):
            for number, item in enumerate(content, 1):
                for field, value in _flat("", item):
                    writer.writerow([section, number, field, safe_cell(value)])
        elif isinstance(content, dict):
            for field, value in _flat("", content):
                writer.writerow([section, 1, field, safe_cell(value)])
        else:
            writer.writerow([section, "", "", safe_cell(content)])
    return out.getvalue()


def export_person(
    session: Session,
    actor: Actor,
    person: Contact,
    output: str,
    reason: str | None,
    now: datetime | None = None,
) -> Dossier:
    """Check the officer may export and said why; record the export (with the reason and the
    format) before anything is handed out, and return the dossier to write out."""
    require(actor, "privacy")
    if output not in FORMATS:
        raise ValidationFailed("Elija el formato de la exportación.", field="output")
    reason = clean_name(reason)
    if not reason:
        raise ValidationFailed(
            "Indique el motivo de la exportación (por ejemplo, el número de la solicitud de "
            "acceso).",
            field="reason",
        )
    record_access(
        session,
        actor,
        "person_exported",
        person=person,
        reason=reason,
        detail={"format": output},
        now=now,
    )
    session.flush()
    return gather(session, person)
