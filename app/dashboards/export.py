"""The dashboard's figures as CSV rows: (figure, row label, column, value), one figure or all."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from app.dashboards.dashboard import Dashboard
from app.spreadsheet import safe_cell

Row = tuple[str, str, str, object]
FIGURES = (
    "resumen",
    "antiguedad",
    "tiempos",
    "incumplimientos",
    "canales",
    "categorias",
    "tendencia",
    "satisfaccion",
    "direcciones",
)


def _summary(d: Dashboard) -> Iterator[Row]:
    s = d.summary
    for name, value in (
        ("recibidas", s.received),
        ("resueltas", s.resolved),
        ("duplicadas", s.duplicates),
        ("pendientes_ahora", s.backlog),
        ("fuera_de_plazo_ahora", s.overdue),
    ):
        yield ("resumen", name, "cantidad", value)


def _times(d: Dashboard) -> Iterator[Row]:
    for name, clock in (("primera_respuesta", d.first_response), ("resolucion", d.resolution)):
        for column, value in (
            ("cantidad", clock.stopped),
            ("dentro_de_plazo", clock.within_target),
            ("cumplimiento_pct", clock.compliance),
            ("mediana_horas_habiles", clock.median_hours),
            ("p90_horas_habiles", clock.p90_hours),
            ("mediana_dias_corridos", clock.median_days),
            ("p90_dias_corridos", clock.p90_days),
        ):
            yield ("tiempos", name, column, value)


def _breakdowns(d: Dashboard) -> Iterator[Row]:
    for label, count in d.aging:
        yield ("antiguedad", label, "pendientes", count)
    for b in d.breaches:
        yield ("incumplimientos", b.name, "primera_respuesta", b.first_response)
        yield ("incumplimientos", b.name, "resolucion", b.resolution)
    for channel, count in d.channels:
        yield ("canales", channel, "recibidas", count)
    for _, name, count in d.categories:
        yield ("categorias", name, "recibidas", count)
    for w in d.weeks:
        yield ("tendencia", w.start.isoformat(), "recibidas", w.received)
        yield ("tendencia", w.start.isoformat(), "resueltas", w.resolved)
        yield ("tendencia", w.start.isoformat(), "mediana_horas_habiles", w.median_hours)
    for s in d.satisfaction:
        yield ("satisfaccion", s.channel, "resueltas", s.resolved)
        yield ("satisfaccion", s.channel, "evaluaciones", s.ratings)
        yield ("satisfaccion", s.channel, "promedio", s.average)
        yield ("satisfaccion", s.channel, "tasa_respuesta_pct", s.response_rate)


def _departments(d: Dashboard) -> Iterator[Row]:
    for r in d.departments or []:
        for column, value in (
            ("recibidas", r.received),
            ("resueltas", r.resolved),
            ("dentro_de_plazo_pct", r.compliance),
            ("mediana_dias_corridos", r.median_days),
            ("mediana_horas_habiles", r.median_hours),
            ("satisfaccion_promedio", r.rating),
            ("evaluaciones", r.ratings),
        ):
            yield ("direcciones", r.name, column, value)


def rows(dashboard: Dashboard, figure: str | None = None) -> Iterator[Row]:
    for source in (_summary, _times, _breakdowns, _departments):
        for row in source(dashboard):
            if figure in (None, row[0]):
                yield row


def _spanish(cell: object) -> object:
    """A decimal as a Spanish-locale spreadsheet reads it: ``83,3``."""
    if isinstance(cell, float):
        return f"{cell:.1f}".replace(".", ",")
    return cell


def to_csv(dashboard: Dashboard, figure: str | None = None, *, spanish: bool = False) -> str:
    """Plain CSV (comma, decimal point: for programs), or ``spanish``: semicolons and decimal
    commas, as Excel and LibreOffice set to Spanish (Chile) open a file with a double click."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if spanish else ",")
    span = dashboard.scope.span
    writer.writerow(["figura", "fila", "columna", "valor", "desde", "hasta"])
    for row in rows(dashboard, figure):
        cells = [safe_cell(_spanish(cell) if spanish else cell) for cell in row]
        writer.writerow([*cells, span.first.isoformat(), span.last.isoformat()])
    return buffer.getvalue()
