"""Safe exports, on SQLite and on PostgreSQL: no CSV cell a spreadsheet would run, strict JSON
whatever number a database holds, and a Parquet file whatever type a correction left.

The incidents are fictional; the hostile values are written the way an attacker's document
or an older database would leave them: through the store, or straight into the tables.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import math
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlalchemy import text, update

from incidex.cli import main
from incidex.export import Exported, csv_cell, export, to_string, write_jsonl
from incidex.review import correct_incident
from incidex.store import Store, StoredIncident, StoredReport, open_store
from incidex.store.schema import incidents, reports
from tests import test_store
from tests.test_store import add, fields

# the storage suite's fixtures: each test runs on SQLite and on PostgreSQL
pg_cluster, db_url, store = test_store.pg_cluster, test_store.db_url, test_store.store

AT = dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC)

#: What a spreadsheet takes for the start of a formula (OWASP, "CSV Injection").
LEADS = ["=", "+", "-", "@", "\t", "\r"]
#: A classic payload: behind any of LEADS, Excel would offer to run calc.exe.
PAYLOAD = "cmd|' /C calc'!A0"


def _rows(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


def _strict(line: str) -> Any:
    """``json.loads`` that refuses NaN and Infinity, as strict JSON readers do."""

    def refuse(name: str) -> Any:
        raise ValueError(f"not JSON: {name}")

    return json.loads(line, parse_constant=refuse)


def _hostile(store: Store, i: int, lead: str) -> str:
    """An incident whose perpetrator, evidence sentence and source each begin with ``lead``,
    at a negative latitude and longitude; where a correction may begin so (not with a tab or
    a carriage return: corrections are stripped plain text), its place is corrected to such a
    name. Returns its incident_uid."""
    f = fields(
        lat=-12.5,
        lon=-45.25,
        perpetrator=f"{lead}{PAYLOAD}",
        evidence_text=f'{lead}HYPERLINK("https://x.example","{i}")',
    )
    # a document URL with no host is exported as is: this one is the source column
    did, (rid,) = add(store, 300 + i, [f], url=f"{lead}{PAYLOAD} {i}")
    inc = store.create_incident(f, [rid], document_id=did, at=AT)
    if lead.strip():
        correct_incident(store, inc.id, {"place": f"{lead}{PAYLOAD}"}, reviewer="ana", at=AT)
    return inc.incident_uid


# -- CSV ----------------------------------------------------------------------------------------


def test_csv_cell_neutralises_text_only() -> None:
    for lead in LEADS:
        assert csv_cell(f"{lead}1+1") == f"'{lead}1+1"
    assert csv_cell("-12.5") == "'-12.5"  # text, even when it reads as a number
    assert csv_cell(-12.5) == -12.5 and csv_cell(-3) == -3  # numbers stay numbers
    assert csv_cell(True) is True and csv_cell(None) is None
    assert csv_cell("Gunmen said 1+1=2") == "Gunmen said 1+1=2"  # only the first character counts
    assert csv_cell("") == "" and csv_cell("'=1") == "'=1"


def _assert_neutral(rows: list[dict[str, str]], uids: dict[str, str]) -> None:
    by_uid = {r["event_id_cnty"]: r for r in rows}
    for lead, uid in uids.items():
        row = by_uid[uid]
        assert row["actor1"] == f"'{lead}{PAYLOAD}", lead
        if lead.strip():
            assert row["location"] == f"'{lead}{PAYLOAD}", lead  # a correction
        assert row["notes"].startswith(f"'{lead}HYPERLINK("), lead  # an evidence sentence
        assert row["source"] == f"'{lead}{PAYLOAD} {LEADS.index(lead)}", lead
        # numbers are written as numbers, the minus sign kept
        assert (row["latitude"], row["longitude"], row["fatalities"]) == ("-12.5", "-45.25", "3")
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(tuple(LEADS)) or column in ("latitude", "longitude"), (column, cell)


def test_acled_csv_neutralises_formula_cells(store: Store) -> None:
    uids = {lead: _hostile(store, i, lead) for i, lead in enumerate(LEADS)}
    _assert_neutral(_rows(to_string(store, store.incidents(), "acled-csv")), uids)


def test_incidents_csv_neutralises_formula_cells(
    store: Store, db_url: str, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    uids = {lead: _hostile(store, i, lead) for i, lead in enumerate(LEADS)}
    assert main(["incidents", "--db", db_url, "--format", "csv", "--limit", "0"]) == 0
    _assert_neutral(_rows(capsys.readouterr().out), uids)


def test_the_json_formats_keep_hostile_text_as_is(store: Store) -> None:
    """Neutralising is for CSV: JSON readers run nothing, and the record stays true."""
    uid = _hostile(store, 0, "=")
    [line] = to_string(store, store.incidents(), "jsonl").splitlines()
    assert _strict(line)["perpetrator"] == f"={PAYLOAD}"
    [feature] = _strict(to_string(store, store.incidents(), "geojson"))["features"]
    assert feature["id"] == uid and feature["properties"]["actor1"] == f"={PAYLOAD}"


# -- non-finite numbers -------------------------------------------------------------------------


def _set_json(store: Store, table: str, row_id: int, value: dict[str, Any], numbers: dict[str, str]) -> None:
    """Write ``value`` as the ``fields`` of one row by direct SQL, each key of ``numbers``
    holding that literal JSON number (``NaN``, ``1e999``): what an older version or a
    hand-made UPDATE leaves, past every check of the store."""
    doc = json.dumps(value | {k: f"@{k}@" for k in numbers})
    for k, literal in numbers.items():
        doc = doc.replace(f'"@{k}@"', literal)
    cast = "CAST(:f AS jsonb)" if store._engine.dialect.name == "postgresql" else ":f"
    with store._engine.begin() as conn:
        conn.execute(text(f"UPDATE {table} SET fields = {cast} WHERE id = :id"), {"f": doc, "id": row_id})


class OutOfRange(NamedTuple):
    uid: str  # the incident's incident_uid
    kept: int | None  # its latitude in the JSON record: see the fixture


@pytest.fixture
def out_of_range(store: Store) -> OutOfRange:
    """An incident whose stored latitude, longitude and report confidence are 1e999, written
    by direct SQL (PostgreSQL's jsonb refuses NaN but takes 1e999). Python reads SQLite's
    JSON text as infinity, which the JSON record nulls; jsonb keeps 1e999 as a whole number of
    1,000 digits, which is JSON and stays in the record. No flat column can hold either."""
    f = fields()
    did, (rid,) = add(store, 1, [f])
    inc = store.create_incident(f, [rid], document_id=did, at=AT)
    _set_json(store, "incidents", inc.id, f, {"latitude": "1e999", "longitude": "1e999"})
    _set_json(store, "reports", rid, f, {"confidence": "1e999"})
    return OutOfRange(inc.incident_uid, None if store._engine.dialect.name == "sqlite" else 10**999)


def test_exported_nulls_nan_whatever_the_store_reads() -> None:
    """The export's own guard, without a store: NaN and infinities become null."""
    inc = StoredIncident(id=1, incident_uid="inc_000000000001", fields=fields(lat=math.nan, lon=-math.inf))
    report = StoredReport(
        id=1, document_id=1, ordinal=0, incident_id=1, fields={"confidence": math.nan}, doc_id="d"
    )
    out = io.StringIO()
    write_jsonl([Exported(inc, [report])], out)
    record = _strict(out.getvalue())
    assert (record["latitude"], record["longitude"], record["reports"][0]["confidence"]) == (None, None, None)


def test_jsonl_is_strict_json(
    store: Store, out_of_range: OutOfRange, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="incidex.export"):
        [line] = to_string(store, store.incidents(), "jsonl").splitlines()
    record = _strict(line)
    kept = out_of_range.kept
    assert (record["latitude"], record["longitude"], record["reports"][0]["confidence"]) == (kept, kept, kept)
    assert record["killed"] == {"low": 3, "high": 5, "best": 3}  # the rest as stored
    if kept is None:  # each nulled number is named in a warning
        named = [r.getMessage() for r in caplog.records if out_of_range.uid in r.getMessage()]
        assert any("latitude" in m for m in named) and any("confidence" in m for m in named)


def test_geojson_is_strict_json(store: Store, out_of_range: OutOfRange) -> None:
    [feature] = _strict(to_string(store, store.incidents(), "geojson"))["features"]
    assert feature["id"] == out_of_range.uid
    assert feature["geometry"] is None  # no coordinates: a null geometry (RFC 7946 3.2)
    assert (feature["properties"]["latitude"], feature["properties"]["longitude"]) == (None, None)


def test_csv_and_parquet_leave_out_of_range_numbers_empty(
    store: Store, out_of_range: OutOfRange, tmp_path: Path
) -> None:
    [row] = _rows(to_string(store, store.incidents(), "acled-csv"))
    assert (row["latitude"], row["longitude"]) == ("", "")
    import pyarrow.parquet as pq

    out = tmp_path / "x.parquet"
    to_parquet(store, out)
    [got] = pq.read_table(out).to_pylist()
    assert got["latitude"] is None
    assert _strict(got["record"])["latitude"] == out_of_range.kept


def test_incidents_jsonl_is_strict_json(
    store: Store,
    db_url: str,
    out_of_range: OutOfRange,
    capsys: pytest.CaptureFixture[str],
    restore_logging: None,
) -> None:
    assert main(["incidents", "--db", db_url, "--format", "jsonl"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert _strict(line)["latitude"] == out_of_range.kept


def test_lone_surrogates_and_nul_are_replaced(tmp_path: Path) -> None:
    """SQLite only: PostgreSQL's jsonb refuses both escapes, so no store there holds them."""
    import pyarrow.parquet as pq

    with open_store(tmp_path / "s.db") as store:
        inc = test_store.incident_from(store, 1)
        with store._engine.begin() as conn:  # JSON escapes, as another tool could write them
            conn.execute(
                text("UPDATE incidents SET fields = :f WHERE id = :id"),
                {"f": '{"perpetrator": "\\ud800Gunmen", "place": "Ka\\u0000no"}', "id": inc},
            )
        for fmt in ("jsonl", "acled-csv", "geojson"):
            out = tmp_path / f"out.{fmt}"
            export(store, store.incidents(), fmt, str(out))
            written = out.read_text(encoding="utf-8")
            assert "\ufffdGunmen" in written and "Ka\ufffdno" in written, fmt
        to_parquet(store, tmp_path / "x.parquet")
        assert pq.read_table(tmp_path / "x.parquet").column("actor1").to_pylist() == ["\ufffdGunmen"]


# -- values of unexpected types -----------------------------------------------------------------

#: The corrections the probe made before Parquet export failed (issue 9, finding 12).
PROBED = {"claimed": "yes", "target_type": ["civilians", 1]}
#: More values of types no field has, as an older database or direct SQL can hold them.
ODD = PROBED | {
    "weapon": {"kind": "rifle", "n": 2},
    "perpetrator": 12,
    "date": 20240506,
    "killed": {"low": "many", "high": 10**30, "best": 2.0},
    "latitude": "12.5",
    "country": ["NG"],
}
ODD_REPORT = {"time_precision": "day", "geo_precision": [1]}


def to_parquet(store: Store, path: Path) -> None:
    export(store, store.incidents(), "parquet", str(path))


def _plain_and_odd(
    store: Store, odd_fields: dict[str, Any], odd_report: dict[str, Any] | None = None
) -> tuple[str, str]:
    """Two incidents: one plain, one corrected to ``odd_fields`` straight in the tables (and
    its report's fields laid over with ``odd_report``); their uids."""
    plain = test_store.incident_from(store, 1, claimed=True, target_type="civilians")
    f = fields()
    did, (rid,) = add(store, 2, [f])
    odd = store.create_incident(f, [rid], document_id=did, at=AT)
    new = f | odd_fields | {"reviewed": odd_fields}
    with store._engine.begin() as conn:
        conn.execute(update(incidents).where(incidents.c.id == odd.id).values(fields=new))
        conn.execute(update(reports).where(reports.c.id == rid).values(fields=f | (odd_report or {})))
    return store.get_incident(plain).incident_uid, odd.incident_uid


def _parquet_rows(store: Store, path: Path) -> dict[str, dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    to_parquet(store, path)
    table = pq.read_table(path)
    # one fixed type per column, whatever the rows held
    assert table.schema.field("incidex_claimed").type == pa.bool_()
    assert table.schema.field("incidex_target_type").type == pa.string()
    assert table.schema.field("latitude").type == pa.float64()
    return {r["event_id_cnty"]: r for r in table.to_pylist()}


def test_parquet_after_the_probed_corrections(store: Store, tmp_path: Path) -> None:
    plain_uid, odd_uid = _plain_and_odd(store, PROBED)
    rows = _parquet_rows(store, tmp_path / "x.parquet")
    plain, odd = rows[plain_uid], rows[odd_uid]
    assert (plain["incidex_claimed"], plain["incidex_target_type"]) == (True, "civilians")
    assert odd["incidex_claimed"] is None  # "yes" is no yes/no value
    assert json.loads(odd["incidex_target_type"]) == ["civilians", 1]  # text columns: JSON text
    assert {k: json.loads(odd["record"])[k] for k in PROBED} == PROBED  # the record as stored


def test_parquet_after_values_of_unexpected_types(store: Store, tmp_path: Path) -> None:
    _, odd_uid = _plain_and_odd(store, ODD, ODD_REPORT)
    odd = _parquet_rows(store, tmp_path / "x.parquet")[odd_uid]
    assert json.loads(odd["incidex_weapon"]) == {"kind": "rifle", "n": 2}
    assert (odd["actor1"], odd["event_date"], odd["year"], odd["country"]) == ("12", "20240506", None, None)
    # "many" and 10**30 fit no int64 column; 2.0 is a whole number
    assert (odd["incidex_killed_low"], odd["incidex_killed_high"], odd["fatalities"]) == (None, None, 2)
    assert odd["latitude"] is None and odd["time_precision"] == 3  # "day" is no precision: ACLED's 3
    assert {k: json.loads(odd["record"])[k] for k in ODD} == ODD


def test_every_format_after_values_of_unexpected_types(store: Store) -> None:
    uids = set(_plain_and_odd(store, ODD, ODD_REPORT))
    rows = _rows(to_string(store, store.incidents(), "acled-csv"))
    assert {r["event_id_cnty"] for r in rows} == uids
    assert '["civilians", 1]' in {r["incidex_target_type"] for r in rows}
    features = _strict(to_string(store, store.incidents(), "geojson"))["features"]
    assert {f["id"] for f in features} == uids
    lines = to_string(store, store.incidents(), "jsonl").splitlines()
    assert {_strict(x)["incident_id"] for x in lines} == uids


# -- other hostile strings ----------------------------------------------------------------------


def test_a_url_that_does_not_parse_is_its_own_source(store: Store) -> None:
    """``urlsplit`` refuses a malformed IPv6 host; the export shows the URL instead of failing."""
    f = fields()
    did, (rid,) = add(store, 1, [f], url="http://[fe80::1/report")
    store.create_incident(f, [rid], document_id=did, at=AT)
    [row] = _rows(to_string(store, store.incidents(), "acled-csv"))
    assert row["source"] == "http://[fe80::1/report"


def test_coordinates_off_the_globe_have_no_geometry(store: Store) -> None:
    inc = test_store.incident_from(store, 1)
    with store._engine.begin() as conn:  # an older database, before corrections were checked
        conn.execute(update(incidents).where(incidents.c.id == inc).values(fields=fields(lat=1000.0)))
    [feature] = _strict(to_string(store, store.incidents(), "geojson"))["features"]
    assert feature["geometry"] is None and feature["properties"]["latitude"] == 1000.0


def test_table_shows_control_characters_as_spaces(
    store: Store, db_url: str, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    test_store.incident_from(store, 1, perpetrator="Gunmen\n\x1b[2J\x1b[31mforged line\r")
    assert main(["incidents", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out
    head, row = out.splitlines()  # one line per incident, however the field breaks
    assert "Gunmen" in row and head.split()[0] == "incident"
