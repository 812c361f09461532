"""The municipality's service area: a polygon (``SERVICE_AREA``), and whether a point is in it.

``SERVICE_AREA`` is a path to a GeoJSON file (a FeatureCollection, a Feature or a bare
Polygon/MultiPolygon), or the GeoJSON text itself; ``off`` accepts any point. The default is a
simplified Peñalolén boundary shipped in ``app/geo/penalolen.geojson``. The check is a plain
ray-casting test (no GEOS needed): a point exactly on the boundary counts as inside, so a pin
dropped on the limit street is accepted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.tickets.errors import N_, ValidationFailed
from config.settings import settings

Ring = tuple[tuple[float, float], ...]  # (lon, lat) pairs, GeoJSON order
EDGE_TOLERANCE = 1e-9  # degrees: about 0.1 mm

OUTSIDE_MESSAGE = N_(
    "El punto está fuera de la comuna de Peñalolén: revise el lugar en el mapa o las "
    "coordenadas. Si el problema está en otra comuna, consulte a esa municipalidad."
)


class AreaConfigError(ValueError):
    """SERVICE_AREA could not be read as a polygon."""


@dataclass(frozen=True)
class Polygon:
    outer: Ring
    holes: tuple[Ring, ...] = ()

    def contains(self, lon: float, lat: float) -> bool:
        if _on_boundary(self.outer, lon, lat):
            return True
        if not _inside(self.outer, lon, lat):
            return False
        return not any(_inside(h, lon, lat) and not _on_boundary(h, lon, lat) for h in self.holes)


@dataclass(frozen=True)
class ServiceArea:
    polygons: tuple[Polygon, ...]

    def contains(self, lat: float, lon: float) -> bool:
        return any(p.contains(lon, lat) for p in self.polygons)

    def bounds(self) -> tuple[float, float, float, float]:
        """(south, west, north, east)."""
        points = [pt for p in self.polygons for pt in p.outer]
        lons = [x for x, _ in points]
        lats = [y for _, y in points]
        return min(lats), min(lons), max(lats), max(lons)


def _inside(ring: Ring, x: float, y: float) -> bool:
    """Ray casting: a ray to the east crosses the ring an odd number of times."""
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        if (y1 > y) != (y2 > y):
            crossing = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < crossing:
                inside = not inside
    return inside


def _on_boundary(ring: Ring, x: float, y: float) -> bool:
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        cross = (x - x1) * (y2 - y1) - (y - y1) * (x2 - x1)
        length = max(abs(x2 - x1), abs(y2 - y1), EDGE_TOLERANCE)
        if abs(cross) / length > EDGE_TOLERANCE:
            continue
        if min(x1, x2) - EDGE_TOLERANCE <= x <= max(x1, x2) + EDGE_TOLERANCE and (
            min(y1, y2) - EDGE_TOLERANCE <= y <= max(y1, y2) + EDGE_TOLERANCE
        ):
            return True
    return False


def _ring(coordinates) -> Ring:
    ring = tuple((float(p[0]), float(p[1])) for p in coordinates)
    if len(ring) < 3:
        raise AreaConfigError("a polygon ring needs at least 3 points")
    if ring[0] == ring[-1]:
        ring = ring[:-1]
    return ring


def _polygons(geometry: dict) -> list[Polygon]:
    kind = geometry.get("type")
    if kind == "FeatureCollection":
        return [p for feature in geometry.get("features", []) for p in _polygons(feature)]
    if kind == "Feature":
        return _polygons(geometry.get("geometry") or {})
    if kind == "Polygon":
        rings = [_ring(r) for r in geometry["coordinates"]]
        return [Polygon(rings[0], tuple(rings[1:]))]
    if kind == "MultiPolygon":
        return [
            p
            for part in geometry["coordinates"]
            for p in _polygons({"type": "Polygon", "coordinates": part})
        ]
    raise AreaConfigError(f"unsupported GeoJSON type {kind!r}")


@lru_cache(maxsize=8)
def load_area(source: str) -> ServiceArea | None:
    """The area ``SERVICE_AREA`` names (None: ``off``). Cached per setting value."""
    source = source.strip()
    if source.lower() in ("", "off", "none"):
        return None
    try:
        text = source if source.startswith("{") else Path(source).read_text(encoding="utf-8")
        polygons = _polygons(json.loads(text))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise AreaConfigError(f"SERVICE_AREA is not a readable GeoJSON polygon: {exc}") from exc
    if not polygons:
        raise AreaConfigError("SERVICE_AREA has no polygon")
    return ServiceArea(tuple(polygons))


def service_area() -> ServiceArea | None:
    return load_area(settings().service_area)


def check_in_area(lat: float | None, lon: float | None, *, field: str = "lat") -> None:
    """Refuse a point outside the service area (no point: nothing to check)."""
    if lat is None or lon is None:
        return
    area = service_area()
    if area is not None and not area.contains(lat, lon):
        raise ValidationFailed(OUTSIDE_MESSAGE, field=field)


def area_geojson(area: ServiceArea) -> dict:
    """The area as GeoJSON (what the map draws)."""

    def ring(points: Ring) -> list[list[float]]:
        return [[x, y] for x, y in (*points, points[0])]

    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [ring(p.outer), *(ring(h) for h in p.holes)],
                },
            }
            for p in area.polygons
        ],
    }
