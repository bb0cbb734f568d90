"""Incidents out of the database: JSON Lines, ACLED-style CSV, GeoJSON and Parquet.

JSON Lines is the full record: each incident's ``incident_id``, its merged fields and
``reports`` (one entry per source document: its ``doc_id`` and the fields as extracted from
it), the shape ``shared/eval/merge_score.py`` reads. The other formats are flat views.

ACLED-style CSV uses ACLED's column names where ACLED has the column (mapping below) and
``incidex_`` names for what ACLED does not have:

| ACLED column | from |
|---|---|
| event_id_cnty | incident_id |
| event_date, year | date |
| time_precision | time_precision of the reports (coarsest wins when they disagree) |
| disorder_type | from event_type (Political violence; Demonstrations) |
| event_type, sub_event_type | event_type, sub_event_type |
| actor1 | perpetrator |
| civilian_targeting | "Civilian targeting" when target_type is civilians |
| iso | ISO 3166-1 numeric code of country |
| country | country name |
| admin1 | admin1 |
| location | place |
| latitude, longitude, geo_precision | the place's coordinates and precision |
| source | outlets (URL hosts) of the reports, "; "-separated |
| source_scale | "Other" (not assessed) |
| notes | the first report's evidence sentence |
| fatalities | killed.best (0 when no report gives a figure, as ACLED does) |
| timestamp | last update, Unix seconds |

Every output is safe to open whatever text the sources held:

* **CSV** (``acled-csv``, ``incidents --format csv``): a text cell that begins with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe ``'`` (OWASP's
  advice against formula injection), so a spreadsheet shows it as text instead of running
  it. Only text is touched: numbers (fatalities, a latitude of -12.5) stay numbers. See
  :func:`csv_cell`.
* **JSON Lines and GeoJSON** are strict JSON. A non-finite number (NaN, Infinity) that an
  older version or direct SQL left in a database is written as null, a lone surrogate or NUL
  in a string as U+FFFD (no UTF-8 file can hold a lone surrogate), each with a warning naming
  the incident and the field (:func:`clean`).
* **The flat columns** (CSV, GeoJSON properties, Parquet) have one fixed type each
  (:data:`ACLED_TYPES`). A text column shows any other value as its JSON text (a list
  ``["a", 1]`` as ``["a", 1]``); a number or yes/no column leaves a value of the wrong
  type empty, with a warning. The JSON record (JSON Lines, Parquet's ``record``) keeps
  every value as stored, but for those.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import IO, Any
from urllib.parse import urlsplit

from incidex.store import Store, StoredIncident, StoredReport
from incidex.text import safe_text

log = logging.getLogger(__name__)

FORMATS = ("jsonl", "acled-csv", "geojson", "parquet")

#: Each flat column and the one type its values have (or null).
ACLED_TYPES: dict[str, type] = {
    "event_id_cnty": str, "event_date": str, "year": str, "time_precision": int, "disorder_type": str,
    "event_type": str, "sub_event_type": str, "actor1": str, "civilian_targeting": str, "iso": int,
    "country": str, "admin1": str, "location": str, "latitude": float, "longitude": float,
    "geo_precision": int, "source": str, "source_scale": str, "notes": str, "fatalities": int,
    "timestamp": int, "incidex_killed_low": int, "incidex_killed_high": int, "incidex_wounded_low": int,
    "incidex_wounded_high": int, "incidex_wounded_best": int, "incidex_claimed": bool,
    "incidex_target_type": str, "incidex_weapon": str, "incidex_reports": int,
}  # fmt: skip
ACLED_COLUMNS = list(ACLED_TYPES)

#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")

_INT64 = range(-(2**63), 2**63)  # Parquet's int64: a larger figure would not fit the column


def csv_cell(value: Any) -> Any:
    """``value`` as a CSV cell a spreadsheet will not run: text beginning with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return gets a leading apostrophe (``'=1+1`` shows as
    ``=1+1``). The decision is on the value's type, not its printed form: only ``str`` is
    touched, so a latitude of -12.5 stays a number; everything else is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def clean(value: Any, where: str, path: tuple[str | int, ...] = ()) -> Any:
    """``value`` (a JSON value) as every output format can carry it, each change logged:
    a NaN or infinity becomes None (JSON has no such numbers, and a strict reader refuses a
    file that holds one), a lone surrogate or NUL in a string U+FFFD (no UTF-8 writer can
    encode a lone surrogate; :func:`incidex.text.safe_text`).

    The store writes neither; they reach a database from an older version or direct SQL.
    ``where`` names the incident in the warning, ``path`` the keys down to ``value`` (joined
    only when there is something to log)."""
    if isinstance(value, float) and not math.isfinite(value):
        log.warning("%s: %s is %s, not a finite number; exported as null", where, _path(path), value)
        return None
    if isinstance(value, str):
        safe = safe_text(value)
        if safe is not value:
            log.warning("%s: %s holds a NUL or a lone surrogate; exported as U+FFFD", where, _path(path))
        return safe
    if isinstance(value, dict):
        return {clean(str(k), where, path): clean(v, where, (*path, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v, where, (*path, i)) for i, v in enumerate(value)]
    return value


def _path(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path).lstrip(".") or "value"


def _dumps(value: Any) -> str:
    """Strict JSON: a non-finite number that slipped past :func:`clean` is an error, never
    a bare ``NaN`` in the output."""
    return json.dumps(value, ensure_ascii=False, default=str, allow_nan=False)


@dataclass(frozen=True)
class Exported:
    """One incident with its reports, as every format sees it."""

    incident: StoredIncident
    reports: list[StoredReport]

    @cached_property
    def fields(self) -> dict[str, Any]:
        """The incident's merged fields, made safe to write (:func:`clean`)."""
        return clean(self.incident.fields, f"incident {self.incident.incident_uid}")

    @cached_property
    def report_fields(self) -> list[dict[str, Any]]:
        """Each report's fields, in ``reports`` order, made safe to write (:func:`clean`)."""
        uid = self.incident.incident_uid
        return [clean(r.fields, f"incident {uid}, report {r.doc_id}") for r in self.reports]

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {"incident_id": self.incident.incident_uid, **self.fields}
        out["n_reports"] = len(self.reports)
        out["reports"] = [
            {"doc_id": r.doc_id, "url": r.url, **f}
            for r, f in zip(self.reports, self.report_fields, strict=True)
        ]
        return out


def collect(store: Store, incidents: Iterable[StoredIncident]) -> Iterator[Exported]:
    for inc in incidents:
        yield Exported(inc, store.reports_of(inc.id))


def _count(fields: dict[str, Any], key: str, bound: str) -> Any:
    c = fields.get(key)
    return c.get(bound) if isinstance(c, dict) else None


def _real(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole(value: Any) -> int | None:
    """``value`` if it is a whole number (an int, or a float such as 2.0), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _country(code: Any) -> tuple[str | None, str | None]:
    if not code or not isinstance(code, str):
        return None, None
    import pycountry

    entry = pycountry.countries.get(alpha_2=code)
    if entry is None:
        return code, None
    return getattr(entry, "common_name", None) or entry.name, entry.numeric


def _outlet(url: str) -> str:
    """The host of a report's URL, or the URL itself when it has none or does not parse
    (``urlsplit`` refuses a malformed IPv6 host such as ``http://[x/``)."""
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url


def _typed(value: Any, kind: type, column: str, where: str) -> Any:
    """``value`` as column ``column``'s type ``kind`` (:data:`ACLED_TYPES`), for a flat format.

    Text columns show another value as its JSON text; number and yes/no columns leave a
    value of another type empty (logged): the JSON record still holds it."""
    if value is None:
        return None
    if kind is str:
        return value if isinstance(value, str) else _dumps(value)
    if kind is float and _real(value) and abs(value) <= sys.float_info.max:
        return float(value)  # a whole number past float range (jsonb keeps 1e999 as one) is left empty
    whole = _whole(value)
    if kind is int and whole is not None and whole in _INT64:
        return whole
    if kind is bool and isinstance(value, bool):
        return value
    log.warning("%s: column %s takes %s, got %.80r; left empty", where, column, kind.__name__, value)
    return None


def acled_row(e: Exported) -> dict[str, Any]:
    """The flat ACLED-style row of an incident: each column of :data:`ACLED_TYPES`, typed."""
    f = e.fields
    name, numeric = _country(f.get("country"))
    precisions = [p for r in e.report_fields if (p := _whole(r.get("time_precision")))]
    geo = [p for r in e.report_fields if (p := _whole(r.get("geo_precision")))]
    outlets = sorted({_outlet(r.url) for r in e.reports if r.url})
    notes = next((r.get("evidence_text") for r in e.report_fields if r.get("evidence_text")), None)
    event_type = f.get("event_type")
    date = f.get("date")
    updated = e.incident.updated_at
    row = {
        "event_id_cnty": e.incident.incident_uid,
        "event_date": date,
        "year": date[:4] if date and isinstance(date, str) else None,
        "time_precision": max(precisions) if precisions else 3,
        "disorder_type": "Demonstrations" if event_type == "Protests" else "Political violence",
        "event_type": event_type,
        "sub_event_type": f.get("sub_event_type"),
        "actor1": f.get("perpetrator"),
        "civilian_targeting": "Civilian targeting" if f.get("target_type") == "civilians" else None,
        "iso": int(numeric) if numeric else None,
        "country": name,
        "admin1": f.get("admin1"),
        "location": f.get("place"),
        "latitude": f.get("latitude"),
        "longitude": f.get("longitude"),
        "geo_precision": min(geo) if geo else None,
        "source": "; ".join(outlets) or None,
        "source_scale": "Other",
        "notes": notes,
        "fatalities": _count(f, "killed", "best") or 0,
        "timestamp": int(updated.timestamp()) if updated else None,
        "incidex_killed_low": _count(f, "killed", "low"),
        "incidex_killed_high": _count(f, "killed", "high"),
        "incidex_wounded_low": _count(f, "wounded", "low"),
        "incidex_wounded_high": _count(f, "wounded", "high"),
        "incidex_wounded_best": _count(f, "wounded", "best"),
        "incidex_claimed": f.get("claimed"),
        "incidex_target_type": f.get("target_type"),
        "incidex_weapon": f.get("weapon"),
        "incidex_reports": len(e.reports),
    }
    where = f"incident {e.incident.incident_uid}"
    return {c: _typed(row[c], kind, c, where) for c, kind in ACLED_TYPES.items()}


def write_jsonl(items: Iterable[Exported], out: IO[str]) -> int:
    n = 0
    for e in items:
        out.write(_dumps(e.record()) + "\n")
        n += 1
    return n


def write_acled_csv(items: Iterable[Exported], out: IO[str]) -> int:
    """ACLED-style CSV, every cell through :func:`csv_cell`."""
    writer = csv.DictWriter(out, fieldnames=ACLED_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    n = 0
    for e in items:
        writer.writerow({c: csv_cell(v) for c, v in acled_row(e).items()})
        n += 1
    return n


def write_geojson(items: Iterable[Exported], out: IO[str]) -> int:
    """A FeatureCollection; incidents without coordinates (or with coordinates off the globe)
    have a null geometry (RFC 7946 3.2)."""
    out.write('{"type": "FeatureCollection", "features": [\n')
    n = 0
    for e in items:
        row = acled_row(e)
        geometry = _point(row["latitude"], row["longitude"], e.incident.incident_uid)
        feature = {"type": "Feature", "id": e.incident.incident_uid, "geometry": geometry, "properties": row}
        out.write((",\n" if n else "") + _dumps(feature))
        n += 1
    out.write("\n]}\n")
    return n


def _point(lat: float | None, lon: float | None, uid: str) -> dict[str, Any] | None:
    """A GeoJSON Point, or None (a null geometry) without coordinates or with coordinates off
    the globe, which map libraries refuse (the properties still show them)."""
    if lat is None or lon is None:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        log.warning("incident %s: latitude %s, longitude %s is not a place; null geometry", uid, lat, lon)
        return None
    return {"type": "Point", "coordinates": [lon, lat]}


def write_parquet(items: Iterable[Exported], path: str) -> int:
    """ACLED-style columns, typed by :data:`ACLED_TYPES`, plus the full record as JSON
    (column ``record``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
    schema = pa.schema([(c, arrow[kind]) for c, kind in ACLED_TYPES.items()] + [("record", pa.string())])
    rows = []
    for e in items:
        row = acled_row(e)
        row["record"] = _dumps(e.record())
        rows.append(row)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return len(rows)


def write_table(items: Iterable[Exported], out: IO[str]) -> int:
    """A plain-text table for a terminal, one incident a line, cells cut at 30 characters.
    Control characters in a cell (a newline, an escape sequence) are shown as spaces, so a
    hostile field can neither break a line nor drive the terminal."""
    head = ["incident", "date", "place", "cc", "type", "killed", "perpetrator", "reports"]
    rows = []
    for e in items:
        f = e.fields
        cells = [e.incident.incident_uid, f.get("date"), f.get("place"), f.get("country"),
                 f.get("sub_event_type"), _count(f, "killed", "best"), f.get("perpetrator"), len(e.reports)]  # fmt: skip
        rows.append([_table_cell(c) for c in cells])
    widths = [min(30, max(len(r[i]) for r in [head, *rows])) for i in range(len(head))]
    for r in [head, *rows]:
        out.write("  ".join(c[:w].ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")
    return len(rows)


def _table_cell(value: Any) -> str:
    if value is None or value == "":
        return "-"
    text = value if isinstance(value, str) else _dumps(value)
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)


def export(store: Store, incidents: Iterable[StoredIncident], fmt: str, out: IO[str] | str) -> int:
    """Write ``incidents`` in ``fmt`` to ``out`` (a text stream, or a path for Parquet); the count."""
    items = collect(store, incidents)
    if fmt == "parquet":
        if not isinstance(out, str):
            raise ValueError("Parquet needs a file path (--output FILE)")
        return write_parquet(items, out)
    stream = out if not isinstance(out, str) else open(out, "w", encoding="utf-8", newline="")  # noqa: SIM115
    try:
        writer = {"jsonl": write_jsonl, "acled-csv": write_acled_csv, "geojson": write_geojson}[fmt]
        return writer(items, stream)
    finally:
        if isinstance(out, str):
            stream.close()


def to_string(store: Store, incidents: Iterable[StoredIncident], fmt: str) -> str:
    buf = io.StringIO()
    export(store, incidents, fmt, buf)
    return buf.getvalue()
