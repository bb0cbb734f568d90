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
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit

from incidex.store import Store, StoredIncident, StoredReport

FORMATS = ("jsonl", "acled-csv", "geojson", "parquet")

ACLED_COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "civilian_targeting", "iso", "country", "admin1", "location", "latitude", "longitude",
    "geo_precision", "source", "source_scale", "notes", "fatalities", "timestamp",
    "incidex_killed_low", "incidex_killed_high", "incidex_wounded_low", "incidex_wounded_high",
    "incidex_wounded_best", "incidex_claimed", "incidex_target_type", "incidex_weapon", "incidex_reports",
]  # fmt: skip


@dataclass(frozen=True)
class Exported:
    """One incident with its reports, as every format sees it."""

    incident: StoredIncident
    reports: list[StoredReport]

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {"incident_id": self.incident.incident_uid, **self.incident.fields}
        out["n_reports"] = len(self.reports)
        out["reports"] = [{"doc_id": r.doc_id, "url": r.url, **r.fields} for r in self.reports]
        return out


def collect(store: Store, incidents: Iterable[StoredIncident]) -> Iterator[Exported]:
    for inc in incidents:
        yield Exported(inc, store.reports_of(inc.id))


def _count(fields: dict[str, Any], key: str, bound: str) -> Any:
    c = fields.get(key)
    return c.get(bound) if isinstance(c, dict) else None


def _country(code: str | None) -> tuple[str | None, str | None]:
    if not code:
        return None, None
    import pycountry

    entry = pycountry.countries.get(alpha_2=code)
    if entry is None:
        return code, None
    return getattr(entry, "common_name", None) or entry.name, entry.numeric


def acled_row(e: Exported) -> dict[str, Any]:
    f = e.incident.fields
    name, numeric = _country(f.get("country"))
    precisions = [int(r.fields["time_precision"]) for r in e.reports if r.fields.get("time_precision")]
    geo = [int(r.fields["geo_precision"]) for r in e.reports if r.fields.get("geo_precision")]
    outlets = sorted({urlsplit(r.url).hostname or r.url for r in e.reports if r.url})
    notes = next((r.fields.get("evidence_text") for r in e.reports if r.fields.get("evidence_text")), None)
    event_type = f.get("event_type")
    updated = e.incident.updated_at
    return {
        "event_id_cnty": e.incident.incident_uid,
        "event_date": f.get("date"),
        "year": f["date"][:4] if f.get("date") else None,
        "time_precision": max(precisions) if precisions else 3,
        "disorder_type": "Demonstrations" if event_type in ("Protests",) else "Political violence",
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


def write_jsonl(items: Iterable[Exported], out: IO[str]) -> int:
    n = 0
    for e in items:
        out.write(json.dumps(e.record(), ensure_ascii=False, default=str) + "\n")
        n += 1
    return n


def write_acled_csv(items: Iterable[Exported], out: IO[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=ACLED_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    n = 0
    for e in items:
        writer.writerow(acled_row(e))
        n += 1
    return n


def write_geojson(items: Iterable[Exported], out: IO[str]) -> int:
    """A FeatureCollection; incidents without coordinates have a null geometry (RFC 7946 3.2)."""
    out.write('{"type": "FeatureCollection", "features": [\n')
    n = 0
    for e in items:
        row = acled_row(e)
        lat, lon = row["latitude"], row["longitude"]
        geometry = (
            {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
        )
        feature = {"type": "Feature", "id": e.incident.incident_uid, "geometry": geometry, "properties": row}
        out.write((",\n" if n else "") + json.dumps(feature, ensure_ascii=False, default=str))
        n += 1
    out.write("\n]}\n")
    return n


def write_parquet(items: Iterable[Exported], path: str) -> int:
    """ACLED-style columns plus the full record as JSON (column ``record``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = []
    for e in items:
        row = acled_row(e)
        row["record"] = json.dumps(e.record(), ensure_ascii=False, default=str)
        rows.append(row)
    table = (
        pa.Table.from_pylist(rows)
        if rows
        else pa.table({c: pa.array([], pa.string()) for c in ACLED_COLUMNS})
    )
    pq.write_table(table, path)
    return len(rows)


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
