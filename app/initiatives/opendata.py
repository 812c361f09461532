"""Open data of Transparencia Focalizada, with a stable schema (README: "Transparencia
Focalizada y directorio"): the focused units' initiatives, and per unit and month the figures of
``/transparencia`` (the same function as the staff dashboard computes them). CSV and JSON carry
the same rows; no personal data, no ticket."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.dashboards.figures import departments
from app.dashboards.periods import month_start, period
from app.dashboards.scope import Scope, local_today
from app.initiatives.service import milestone_state, progress_of, published
from app.spreadsheet import safe_cell

LICENSE = "CC BY 4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
SOURCE = "Municipalidad de Peñalolén, Conectados"
MONTHS = 12  # full months before the current one (and the current one so far)

INITIATIVE_FIELDS = (
    "id",
    "unidad_codigo",
    "unidad",
    "titulo",
    "titulo_en",
    "resumen",
    "objetivo",
    "responsable",
    "inicio",
    "termino_previsto",
    "estado",
    "motivo_estado",
    "presupuesto_clp",
    "avance_porcentaje",
    "avance_origen",
    "avance_justificacion",
    "hitos_total",
    "hitos_cumplidos",
    "hitos_atrasados",
    "ultima_actualizacion",
)
MONTHLY_FIELDS = (
    "unidad_codigo",
    "unidad",
    "mes",
    "recibidas",
    "resueltas",
    "mediana_dias_resolucion",
    "porcentaje_dentro_de_plazo",
    "satisfaccion_promedio",
    "respuestas_encuesta",
)


def initiative_rows(session: Session, today: date) -> list[dict[str, Any]]:
    rows = []
    for initiative in published(session):
        states = [milestone_state(m, today) for m in initiative.milestones]
        manual = initiative.progress_mode == "manual"
        rows.append(
            {
                "id": initiative.id,
                "unidad_codigo": initiative.department.code,
                "unidad": initiative.department.name,
                "titulo": initiative.title,
                "titulo_en": initiative.title_en,
                "resumen": initiative.summary,
                "objetivo": initiative.objective,
                "responsable": initiative.responsible,
                "inicio": initiative.start_date.isoformat(),
                "termino_previsto": initiative.planned_end_date.isoformat(),
                "estado": initiative.status,
                "motivo_estado": initiative.status_reason,
                "presupuesto_clp": initiative.budget_clp,
                "avance_porcentaje": progress_of(initiative),
                "avance_origen": "declarado" if manual else "hitos",
                "avance_justificacion": initiative.progress_justification if manual else "",
                "hitos_total": len(states),
                "hitos_cumplidos": sum(1 for s in states if s in ("done", "done_late")),
                "hitos_atrasados": sum(1 for s in states if s == "late"),
                "ultima_actualizacion": initiative.updated_at.isoformat(timespec="seconds"),
            }
        )
    return rows


def months(today: date) -> list[date]:
    """The first day of each month reported: the 12 full months, then the current one."""
    return [month_start(today, back) for back in range(MONTHS, -1, -1)]


def monthly_rows(session: Session, now: datetime, timezone: str) -> list[dict[str, Any]]:
    today = local_today(now, timezone)
    rows = []
    for first in months(today):
        last = min(month_start(first + timedelta(days=32)) - timedelta(days=1), today)
        for row in departments(session, Scope(span=period(first, last, timezone)), exact=True):
            rows.append(
                {
                    "unidad_codigo": row.code,
                    "unidad": row.name,
                    "mes": first.strftime("%Y-%m"),
                    "recibidas": row.received,
                    "resueltas": row.resolved,
                    "mediana_dias_resolucion": row.median_days,
                    "porcentaje_dentro_de_plazo": row.compliance,
                    "satisfaccion_promedio": row.rating,
                    "respuestas_encuesta": row.ratings,
                }
            )
    return rows


def to_csv(fields: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: safe_cell(row[key]) for key in fields})
    return out.getvalue()


def to_json(fields: tuple[str, ...], rows: list[dict[str, Any]], generated: datetime) -> dict:
    return {
        "fuente": SOURCE,
        "licencia": LICENSE,
        "licencia_url": LICENSE_URL,
        "generado": generated.isoformat(timespec="seconds"),
        "campos": list(fields),
        "filas": rows,
    }
