"""Great-circle distance and the bounding box that pre-filters ``near`` queries in SQL."""

from __future__ import annotations

import math
from typing import Protocol


class Located(Protocol):
    """Anything with coordinates that may be unknown (a gazetteer place)."""

    @property
    def latitude(self) -> float | None: ...

    @property
    def longitude(self) -> float | None: ...


EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
PAD = 1e-6  # degrees (about 0.1 m) added to the box's half-widths


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def place_km(a: Located, b: Located) -> float:
    """Distance in kilometres between two places; infinite when either has no coordinates,
    so that a place without them is never "near" anything."""
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return math.inf
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, list[tuple[float, float]] | None]:
    """``(lat_min, lat_max, lon_ranges)`` holding every point within ``km`` of ``(lat, lon)``.

    ``lon_ranges`` is one range, or two where the circle crosses the antimeridian, or
    ``None`` where it holds a pole (every longitude). The box is exact, padded by a hair
    against rounding, so the exact distance test that follows never misses a point.
    """
    r = km / EARTH_RADIUS_KM  # angular radius
    dlat = math.degrees(r) + PAD
    lat_min, lat_max = lat - dlat, lat + dlat
    if lat_min <= -90 or lat_max >= 90 or math.sin(r) >= math.cos(math.radians(lat)):
        return max(lat_min, -90.0), min(lat_max, 90.0), None
    dlon = math.degrees(math.asin(math.sin(r) / math.cos(math.radians(lat)))) + PAD
    lo, hi = lon - dlon, lon + dlon
    if lo < -180:
        return lat_min, lat_max, [(lo + 360, 180.0), (-180.0, hi)]
    if hi > 180:
        return lat_min, lat_max, [(lo, 180.0), (-180.0, hi - 360)]
    return lat_min, lat_max, [(lo, hi)]
