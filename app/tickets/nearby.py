"""Reported nearby: open tickets of the same category within ``RADIUS_M`` of a ticket's point,
filed in the last ``DAYS`` days, so staff can tell a second report of the same lamp post.

A box of coordinates on the (category_id, lat, lon) index narrows the rows in SQL; the exact
distance (haversine) is checked on the few left.
"""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Ticket, utcnow
from app.models.tickets import OPEN_STATUSES

RADIUS_M = 50
DAYS = 30
LIMIT = 10
EARTH_RADIUS_M = 6_371_000
METERS_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def reported_nearby(session: Session, ticket: Ticket, radius_m: float = RADIUS_M) -> list[Ticket]:
    if ticket.lat is None or ticket.lon is None:
        return []
    dlat = radius_m / METERS_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(ticket.lat)), 0.01)
    candidates = session.scalars(
        select(Ticket)
        .where(
            Ticket.category_id == ticket.category_id,
            Ticket.lat.between(ticket.lat - dlat, ticket.lat + dlat),
            Ticket.lon.between(ticket.lon - dlon, ticket.lon + dlon),
            Ticket.status.in_(OPEN_STATUSES),
            Ticket.created_at >= utcnow() - timedelta(days=DAYS),
            Ticket.id != ticket.id,
        )
        .order_by(Ticket.created_at.desc())
        .limit(LIMIT * 4)
    )
    close = [
        other
        for other in candidates
        if distance_m(ticket.lat, ticket.lon, other.lat, other.lon) <= radius_m
    ]
    return close[:LIMIT]
