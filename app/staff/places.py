"""``/staff/mapa``: the queue's open tickets on a map, with the queue's filters.

The server answers the points as GeoJSON (``/staff/mapa.geojson``) and draws them itself as an
SVG over the tickets' bounding box, so the page works without JavaScript and without a tile
server; a table beside it is the keyboard and screen-reader view. Points are grouped into
clusters by a grid (one marker per cell with its count), so a busy day stays readable.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import jsonify, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Category, Ticket, utcnow
from app.public.presenters import status_label
from app.staff.blueprint import bp
from app.staff.queue import QueueErrors, _apply_filters
from app.tickets.codes import display
from app.tickets.permissions import Actor, listed_where
from app.transaction import transaction

MAP_LIMIT = 2000  # points drawn; the table and the GeoJSON say when more matched
GRID = 24  # cells per side of the drawing: points in one cell become one cluster
WIDTH, HEIGHT, MARGIN = 640, 480, 16


@dataclass(frozen=True)
class Cluster:
    x: float
    y: float
    tickets: list[Ticket]


def _located_statement(args, errors: QueueErrors):
    return _apply_filters(
        select(Ticket).where(listed_where(Actor.staff(current_user))),
        args,
        utcnow(),
        errors,
    ).where(Ticket.lat.is_not(None), Ticket.lon.is_not(None))


def _located(args) -> tuple[list[Ticket], bool, QueueErrors]:
    errors = QueueErrors()
    statement = _located_statement(args, errors)
    rows = db.session.scalars(
        statement.options(selectinload(Ticket.category))
        .order_by(Ticket.next_due_at, Ticket.id)
        .limit(MAP_LIMIT + 1)
    ).all()
    return rows[:MAP_LIMIT], len(rows) > MAP_LIMIT, errors


def clusters(tickets: list[Ticket]) -> list[Cluster]:
    """Grid clusters over the tickets' bounding box, in drawing coordinates (north up)."""
    if not tickets:
        return []
    lats = [t.lat for t in tickets]
    lons = [t.lon for t in tickets]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    span_lat, span_lon = (north - south) or 1e-6, (east - west) or 1e-6
    cells: dict[tuple[int, int], list[Ticket]] = {}
    for ticket in tickets:
        column = min(GRID - 1, int((ticket.lon - west) / span_lon * GRID))
        row = min(GRID - 1, int((north - ticket.lat) / span_lat * GRID))
        cells.setdefault((column, row), []).append(ticket)
    inner_w, inner_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    return [
        Cluster(
            x=MARGIN + (sum(t.lon for t in group) / len(group) - west) / span_lon * inner_w,
            y=MARGIN + (north - sum(t.lat for t in group) / len(group)) / span_lat * inner_h,
            tickets=group,
        )
        for group in cells.values()
    ]


@bp.get("/mapa")
@transaction
def staff_map():
    tickets, more, errors = _located(request.args)
    status = 422 if errors.fields else 200
    page = render_template(
        "staff/map.html",
        tickets=tickets,
        clusters=clusters(tickets),
        more=more,
        errors=errors,
        args=request.args,
        width=WIDTH,
        height=HEIGHT,
        display=display,
        status_label=status_label,
        geojson_url=url_for("staff.staff_map_geojson", **request.args),
    )
    return page, status


@bp.get("/mapa.geojson")
@transaction
def staff_map_geojson():
    """The same points as the page, read as bare columns (no ticket objects: at 2,000 points
    the ORM and ``url_for`` per point cost more than the SQL; bench/nearby.py)."""
    errors = QueueErrors()
    statement = _located_statement(request.args, errors)
    if errors.fields:
        return jsonify({"errors": errors.fields}), 422
    rows = db.session.execute(
        statement.join(Category, Category.id == Ticket.category_id)
        .with_only_columns(Ticket.code, Ticket.status, Ticket.lat, Ticket.lon, Category.name)
        .order_by(Ticket.next_due_at, Ticket.id)
        .limit(MAP_LIMIT + 1)
    ).all()
    more, rows = len(rows) > MAP_LIMIT, rows[:MAP_LIMIT]
    page = url_for("staff.ticket_page", code="CODE")  # one url_for: the code goes in its place
    head, tail = page.split("CODE", 1)
    labels = {status: status_label(status) for status in {row.status for row in rows}}
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "code": (shown := display(code)),
                "status": status,
                "status_label": labels[status],
                "category": category,
                "url": f"{head}{shown}{tail}",
            },
        }
        for code, status, lat, lon, category in rows
    ]
    return jsonify({"type": "FeatureCollection", "features": features, "truncated": more})
