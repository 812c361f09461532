"""Reported nearby: open tickets of the same category within a radius of a point.

Two uses: staff on a ticket's page ("Posibles duplicados cerca": ``RADIUS_M``, filed in the last
``DAYS`` days), and the web form and the counter before filing (``FORM_RADIUS_M``, the setting
``NEARBY_RADIUS_M``, every open ticket; sensitive categories are never listed to residents).

A box of coordinates on the (category_id, lat, lon) index narrows the rows in SQL; the exact
distance (haversine) is checked on the few left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import Category, Ticket, utcnow
from app.models.tickets import OPEN_STATUSES

RADIUS_M = 50  # the staff ticket page
FORM_RADIUS_M = 150  # the web form and the counter (the default of NEARBY_RADIUS_M)
DAYS = 30
LIMIT = 10
EARTH_RADIUS_M = 6_371_000
METERS_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) of a box holding every point within ``radius_m``."""
    dlat = radius_m / METERS_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


@dataclass(frozen=True)
class Near:
    ticket: Ticket
    distance_m: float


def nearby_open(
    session: Session,
    category_id: int,
    lat: float,
    lon: float,
    radius_m: float,
    *,
    since: datetime | None = None,
    exclude_id: int | None = None,
    public: bool = False,
    limit: int = LIMIT,
) -> list[Near]:
    """Open tickets of ``category_id`` within ``radius_m`` of (lat, lon), nearest first.
    ``public``: only what may be shown to a resident (not a sensitive category)."""
    if public:
        category = session.get(Category, category_id)
        if category is None or category.sensitive:
            return []
    south, north, west, east = bounding_box(lat, lon, radius_m)
    statement = select(Ticket).where(
        Ticket.category_id == category_id,
        Ticket.lat.between(south, north),
        Ticket.lon.between(west, east),
        Ticket.status.in_(OPEN_STATUSES),
    )
    if since is not None:
        statement = statement.where(Ticket.created_at >= since)
    if exclude_id is not None:
        statement = statement.where(Ticket.id != exclude_id)
    candidates = session.scalars(
        statement.options(selectinload(Ticket.category))
        .order_by(Ticket.created_at.desc())
        .limit(limit * 4)
    )
    close = [
        Near(other, d)
        for other in candidates
        if (d := distance_m(lat, lon, other.lat, other.lon)) <= radius_m
    ]
    close.sort(key=lambda near: near.distance_m)
    return close[:limit]


def reported_nearby(session: Session, ticket: Ticket, radius_m: float = RADIUS_M) -> list[Ticket]:
    """The staff ticket page: open tickets like this one, close and recent."""
    if ticket.lat is None or ticket.lon is None:
        return []
    return [
        near.ticket
        for near in nearby_open(
            session,
            ticket.category_id,
            ticket.lat,
            ticket.lon,
            radius_m,
            since=utcnow() - timedelta(days=DAYS),
            exclude_id=ticket.id,
        )
    ]
