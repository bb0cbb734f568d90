"""The store: the same tests on SQLite and on PostgreSQL.

The PostgreSQL runs use a private cluster this session starts and stops (tests/pg.py);
they are skipped, saying why, where PostgreSQL or psycopg is not installed. Set
``INCIDEX_TEST_PG=require`` to make that a failure instead (CI with PostgreSQL).

Run as a script, this file is the ingest loop of the crash test:
``python tests/test_store.py URL N [PAUSE_AT]``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from incidex.geo import bounding_box, haversine_km
from incidex.records import Count, Document, Evidence, Incident, Place
from incidex.store import (
    DuplicateDocumentError,
    IncidentQuery,
    InvalidRecordError,
    NotFoundError,
    Store,
    StoreError,
    migrate,
    open_store,
)
from incidex.store.dialects import normalise_url
from incidex.store.schema import documents, incident_history, incidents, include_object, metadata, reports

sys.path.insert(0, str(Path(__file__).parent))
from pg import Cluster, Unavailable, start_cluster  # noqa: E402

UTC = dt.UTC
T0 = dt.datetime(2024, 5, 10, 12, 0, tzinfo=UTC)
_dbs = itertools.count()


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    try:
        cluster = start_cluster()
    except Unavailable as e:
        if os.environ.get("INCIDEX_TEST_PG") == "require":
            pytest.fail(f"INCIDEX_TEST_PG=require: {e}")
        pytest.skip(str(e))
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each engine: a SQLite file, or a fresh schema in the private cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'incidex.db'}"
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_schema(f"t{next(_dbs)}")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url)
    yield s
    s.close()


# -- test data ----------------------------------------------------------------------------------


def digest(text: str) -> str:
    return hashlib.blake2b(" ".join(text.split()).lower().encode(), digest_size=16).hexdigest()


def make_doc(n: int, text: str | None = None, **kw: Any) -> Document:
    kw.setdefault("url", f"https://news.example/{n}")
    kw.setdefault("title", f"Report {n}")
    kw.setdefault("published", dt.date(2024, 5, 1) + dt.timedelta(days=n % 20))
    kw.setdefault("source", "https://news.example/feed")
    return Document(doc_id=f"doc{n}", text=text or f"Report number {n} about an attack.", **kw)


def fields(
    *,
    country: str | None = "NG",
    date: str | None = "2024-05-06",
    event_type: str = "Violence against civilians",
    killed: int | None = 3,
    lat: float | None = 12.0,
    lon: float | None = 8.5,
    admin1: str | None = "Kano",
    **kw: Any,
) -> dict[str, Any]:
    """An incident in the shape of Incident.to_dict()."""
    return {
        "event_type": event_type,
        "sub_event_type": "Attack",
        "date": date,
        "place": admin1,
        "admin1": admin1,
        "country": country,
        "latitude": lat,
        "longitude": lon,
        "killed": None if killed is None else {"low": killed, "high": killed + 2, "best": killed},
        "wounded": {"low": 1, "high": None, "best": 1},
        "perpetrator": "Gunmen",
        "evidence": [{"field": "incident", "start": 0, "end": 6, "text": "Gunmen"}],
    } | kw


def add(
    store: Store, n: int, incs: list[dict[str, Any]], text: str | None = None, **kw: Any
) -> tuple[int, list[int]]:
    """Store document ``n`` and its reports; returns (document id, report ids)."""
    doc = make_doc(n, text, **kw)
    with store.transaction():
        did = store.add_document(doc, digest=digest(doc.text), retrieved_at=T0)
        return did, store.add_reports(did, incs)


def incident_from(store: Store, n: int, text: str | None = None, **kw: Any) -> int:
    """A document with one report, made an incident of its own; returns the incident id."""
    f = fields(**kw)
    did, (rid,) = add(store, n, [f], text)
    return store.create_incident(f, [rid], document_id=did, at=T0).id


def raw(store: Store, stmt: Any) -> list[Any]:
    with store._engine.connect() as conn:
        return list(conn.execute(stmt))


# -- documents ----------------------------------------------------------------------------------


def test_document_round_trip(store: Store) -> None:
    doc = make_doc(1, "Gunmen killed three villagers near Kano on Monday. «Überfall»", language="en")
    kathmandu = dt.timezone(dt.timedelta(hours=5, minutes=45))
    at = dt.datetime(2024, 5, 8, 9, 30, 15, 123456, tzinfo=kathmandu)
    did = store.add_document(doc, digest=digest(doc.text), retrieved_at=at, story_id=7)
    got = store.get_document(did)
    assert got.to_document() == doc
    assert got.digest == digest(doc.text) and got.story_id == 7
    assert got.retrieved_at == at and got.retrieved_at.tzinfo == UTC  # same instant, in UTC
    assert isinstance(got.published, dt.date) and got.published == doc.published
    assert got.created_at.tzinfo == UTC and abs(dt.datetime.now(UTC) - got.created_at) < dt.timedelta(
        minutes=5
    )
    bare = Document(doc_id="bare", text="No URL, no title, no date.")
    assert (
        store.get_document(store.add_document(bare, digest="d" * 32, retrieved_at=at)).to_document() == bare
    )
    with pytest.raises(NotFoundError):
        store.get_document(10_000)


def test_duplicates_detected_by_url_digest_and_doc_id(store: Store) -> None:
    doc = make_doc(1)
    did = store.add_document(doc, digest=digest(doc.text), retrieved_at=T0)
    assert store.document_exists(url=doc.url, digest="0" * 32) == did
    assert store.document_exists(url=None, digest=digest(doc.text)) == did
    assert store.document_exists(url="https://elsewhere/1", digest=digest(doc.text)) == did
    assert store.document_exists(url="https://elsewhere/1", digest="0" * 32) is None
    other = store.add_document(make_doc(9), digest="9" * 32, retrieved_at=T0)
    for dup, dig, same, existing in [
        (make_doc(2, url=doc.url), "1" * 32, "url", did),
        (make_doc(3), digest(doc.text), "text", did),
        (Document(doc_id="doc1", text="other"), "2" * 32, "doc_id", did),
        # the same text under another document's name: stored (as doc1), not a name taken
        (Document(doc_id="doc9", text=doc.text), digest(doc.text), "text", did),
        (make_doc(9, url=doc.url), "3" * 32, "url", did),
        (Document(doc_id="doc1", text="x", url=make_doc(9).url), "4" * 32, "url", other),
    ]:
        with pytest.raises(DuplicateDocumentError) as e:
            store.add_document(dup, digest=dig, retrieved_at=T0)
        assert (e.value.same, e.value.existing_id) == (same, existing)
        assert dup.doc_id in str(e.value)
    # documents without a URL are not duplicates of each other
    for n in (4, 5):
        store.add_document(make_doc(n, url=None), digest=str(n) * 32, retrieved_at=T0)
    assert store.counts()["documents"] == 4


def test_iter_documents_pages_through_all_in_id_order(store: Store) -> None:
    ids = [store.add_document(make_doc(n), digest=str(n) * 32, retrieved_at=T0) for n in range(7)]
    assert [d.id for d in store.iter_documents(batch_size=3)] == ids
    assert [d.to_document() for d in store.iter_documents(batch_size=7)] == [make_doc(n) for n in range(7)]
    assert [d.id for d in store.iter_documents(batch_size=100)] == ids
    assert [d.id for d in store.iter_documents(after=ids[2], batch_size=2)] == ids[3:]
    assert list(store.iter_documents(after=ids[-1])) == []


def test_report_ids_of_incidents(store: Store) -> None:
    did, rids = add(store, 1, [fields(), fields(date="2024-05-20")])
    a = store.create_incident(fields(), rids[:1], document_id=did, at=T0).id
    b = store.create_incident(fields(), rids[1:], document_id=did, at=T0).id
    assert store.report_ids([a, b, 99_999]) == {a: {rids[0]}, b: {rids[1]}, 99_999: set()}
    assert store.report_ids([]) == {}


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("title", "a lone surrogate \ud800"),  # no encoder takes it (Document replaces it first)
        ("killed", 10**20),  # beyond any integer column
    ],
)
def test_a_value_the_engine_refuses_is_the_records_error(store: Store, where: str, value: Any) -> None:
    doc = make_doc(1)
    if where == "title":
        object.__setattr__(doc, "title", value)  # past Document's own sanitiser
    incs = [fields(killed=value)] if where == "killed" else [fields()]
    with pytest.raises(InvalidRecordError) as e, store.transaction():
        did = store.add_document(doc, digest=digest(doc.text), retrieved_at=T0)
        store.add_reports(did, incs)
    assert store.url.split("?")[0] not in str(e.value)  # about the record, not the database
    assert store.counts()["documents"] == 0
    add(store, 2, [fields()])  # the database is fine: the next record is stored
    assert store.counts()["documents"] == 1


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="timezone-aware"):
        store.add_document(make_doc(1), digest="a" * 32, retrieved_at=dt.datetime(2024, 5, 1))
    assert store.counts()["documents"] == 0


# -- reports ------------------------------------------------------------------------------------


def test_reports_keep_json_fields_and_scalar_columns(store: Store) -> None:
    inc = Incident(
        event_type="Explosions/Remote violence",
        sub_event_type="Remote explosive/landmine/IED",
        date=dt.date(2024, 5, 7),
        date_text="on Tuesday",
        time_precision=1,
        place="Maiduguri",
        country="NG",
        admin1="Borno",
        resolved_place=Place("Maiduguri", "NG", "city", 11.85, 13.16, 2331447, "Borno"),
        killed=Count(5, 8),
        wounded=Count(None, 12),
        perpetrator="Boko Haram",
        perpetrator_aliases=("JAS",),
        claimed=False,
        claim_status="suspected",
        target_type="civilians",
        weapon="IED",
        confidence=0.8123,
        evidence=(Evidence("incident", 0, 20, "A bomb tore through"),),
    )
    did, rids = add(
        store, 1, [inc, fields(country="KE", date=None, killed=None, lat=None, lon=None, admin1=None)]
    )
    assert len(rids) == 2
    got = store.reports_of_document(did)
    assert [r.ordinal for r in got] == [0, 1] and [r.id for r in got] == rids
    assert got[0].fields == inc.to_dict() and got[0].doc_id == "doc1" and got[0].incident_id is None
    row = raw(store, select(reports).where(reports.c.id == rids[0]))[0]
    assert (row.event_type, row.sub_event_type, row.date, row.country, row.admin1) == (
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
        dt.date(2024, 5, 7),
        "NG",
        "Borno",
    )
    assert (row.latitude, row.longitude, row.killed_low, row.wounded_low) == (11.85, 13.16, 5, None)
    row = raw(store, select(reports).where(reports.c.id == rids[1]))[0]
    assert (row.country, row.date, row.latitude, row.killed_low, row.wounded_low) == (
        "KE",
        None,
        None,
        None,
        1,
    )
    with pytest.raises(StoreError, match="already has 2 reports"):
        store.add_reports(did, [fields()])
    with pytest.raises(StoreError, match="ISO date"):
        add(store, 2, [fields(date="last Tuesday")])
    assert store.counts() == {"documents": 1, "reports": 2, "incidents": 0}


# -- incidents ----------------------------------------------------------------------------------


def test_incident_create_update_and_history(store: Store) -> None:
    f1 = fields(killed=3)
    d1, (r1,) = add(store, 1, [f1], published=dt.date(2024, 5, 6))
    created = store.create_incident(f1, [r1], document_id=d1, at=T0)
    expected_uid = (
        "inc_" + hashlib.blake2b(f"{digest(make_doc(1).text)}/0".encode(), digest_size=6).hexdigest()
    )
    assert created.incident_uid == expected_uid
    assert created == store.get_incident(created.id)  # what create_incident returns is what was stored
    assert (created.n_reports, created.killed_best, created.killed_high, created.wounded_best) == (1, 3, 5, 1)
    assert (created.first_seen, created.updated_at, created.date, created.place) == (
        T0,
        T0,
        dt.date(2024, 5, 6),
        "Kano",
    )

    # a second report raises the toll: merged, with the change and its document recorded
    f2 = fields(killed=7)
    d2, (r2,) = add(store, 2, [f2], published=dt.date(2024, 5, 7))
    t1 = T0 + dt.timedelta(hours=1)
    merged = store.update_incident(created.id, f2, [r2], document_id=d2, at=t1)
    assert (merged.n_reports, merged.killed_best, merged.killed_low, merged.updated_at) == (2, 7, 7, t1)
    assert merged.first_seen == T0 and merged.incident_uid == created.incident_uid
    assert store.get_incident(created.incident_uid) == merged == store.get_incident(created.id)

    # fields change without a new report: "updated", with the caller's own change record
    f3 = f2 | {"perpetrator": "Bandits"}
    t2 = T0 + dt.timedelta(hours=2)
    store.update_incident(
        created.id, f3, [], document_id=d2, at=t2, changes={"perpetrator": ["Gunmen", "Bandits"]}
    )
    # nothing new: nothing written
    assert (
        store.update_incident(created.id, f3, [], document_id=d2, at=T0 + dt.timedelta(hours=3)).updated_at
        == t2
    )

    h = store.history(created.id)
    assert [(e.action, e.doc_id, e.document_id, e.at) for e in h] == [
        ("created", "doc1", d1, T0),
        ("merged", "doc2", d2, t1),
        ("updated", "doc2", d2, t2),
    ]
    assert h[0].changes["killed"] == [None, f1["killed"]] and h[0].changes["country"] == [None, "NG"]
    assert h[1].changes == {"killed": [f1["killed"], f2["killed"]]}
    assert h[2].changes == {"perpetrator": ["Gunmen", "Bandits"]}
    assert store.get_incident(created.id).perpetrator == "Bandits"

    got = store.reports_of(created.id)
    assert [(r.id, r.doc_id, r.published, r.incident_id) for r in got] == [
        (r1, "doc1", dt.date(2024, 5, 6), created.id),
        (r2, "doc2", dt.date(2024, 5, 7), created.id),
    ]
    assert got[1].fields == f2

    # a report joins one incident only; unknown ids are named
    other = incident_from(store, 3)
    with pytest.raises(StoreError, match="already belong"):
        store.update_incident(other, f1, [r1], document_id=d1, at=t2)
    with pytest.raises(NotFoundError):
        store.update_incident(other, f1, [99_999], document_id=d1, at=t2)
    with pytest.raises(NotFoundError):
        store.update_incident(99_999, f1, [], document_id=d1, at=t2)
    assert store.get_incident(other).n_reports == 1 and store.get_incident(created.id).n_reports == 2


def test_candidate_incidents_date_window_and_country(store: Store) -> None:
    ids = {
        name: incident_from(store, n, country=country, date=date)
        for n, (name, country, date) in enumerate(
            [
                ("ng_1", "NG", "2024-05-01"),
                ("ng_5", "NG", "2024-05-05"),
                ("ng_10", "NG", "2024-05-10"),
                ("ng_undated", "NG", None),
                ("ke_5", "KE", "2024-05-05"),
                ("nowhere_5", None, "2024-05-05"),
            ]
        )
    }

    def names(**kw: Any) -> set[str]:
        found = {i.id for i in store.candidate_incidents(**kw)}
        return {name for name, i in ids.items() if i in found}

    assert names(country="NG", date=dt.date(2024, 5, 4)) == {"ng_1", "ng_5", "ng_undated"}
    assert names(country="NG", date=dt.date(2024, 5, 4), days=0) == {"ng_undated"}
    assert names(country="NG", date=dt.date(2024, 5, 8), days=2) == {"ng_10", "ng_undated"}
    assert names(country="NG", date=None) == {"ng_1", "ng_5", "ng_10", "ng_undated"}
    assert names(country="KE", date=dt.date(2024, 5, 5)) == {"ke_5"}
    assert names(country=None, date=dt.date(2024, 5, 5)) == {"nowhere_5"}
    assert len(store.candidate_incidents(country="NG", date=None, limit=2)) == 2


KANO = (12.0, 8.5)


def test_incidents_filters(store: Store) -> None:
    made = [  # name, text of its one document, fields
        ("kano", "Gunmen stormed a market in Kano; villagers fled.", {"date": "2024-05-06", "killed": 3}),
        ("kano_north_11km", "A checkpoint north of the city was attacked.",
         {"date": "2024-05-02", "killed": 0, "lat": 12.1, "event_type": "Battles"}),
        ("kano_north_111km", 'Bandits raided a village; al-Shabaab "denied" it.',
         {"date": "2024-04-20", "killed": 12, "lat": 13.0, "admin1": "Katsina"}),
        ("nairobi", "A grenade exploded in Nairobi.",
         {"country": "KE", "date": "2024-05-03", "killed": None, "lat": -1.29, "lon": 36.82, "admin1": "Nairobi"}),
        ("undated", "Gunmen attacked a bus somewhere.", {"date": None, "killed": 1, "lat": None, "lon": None}),
    ]  # fmt: skip
    ids = {name: incident_from(store, n, text, **kw) for n, (name, text, kw) in enumerate(made)}

    def names(**kw: Any) -> list[str]:
        by_id = {i: name for name, i in ids.items()}
        return [by_id[i.id] for i in store.incidents(IncidentQuery(**kw))]

    newest_first = ["kano", "nairobi", "kano_north_11km", "kano_north_111km", "undated"]
    assert names() == newest_first
    assert names(limit=2, offset=1) == newest_first[1:3]
    assert names(country="KE") == ["nairobi"]
    assert names(admin1="Katsina") == ["kano_north_111km"]
    assert names(date_from=dt.date(2024, 5, 2), date_to=dt.date(2024, 5, 3)) == ["nairobi", "kano_north_11km"]
    assert names(date_from=dt.date(2024, 5, 4)) == ["kano"]
    assert names(event_type="Battles") == ["kano_north_11km"]
    assert names(min_killed=3) == ["kano", "kano_north_111km"]
    assert names(min_killed=0) == ["kano", "kano_north_11km", "kano_north_111km", "undated"]
    assert haversine_km(*KANO, 12.1, 8.5) == pytest.approx(11.1, abs=0.1)
    assert names(near=(*KANO, 5)) == ["kano"]
    assert names(near=(*KANO, 20)) == ["kano", "kano_north_11km"]
    assert names(near=(*KANO, 120)) == ["kano", "kano_north_11km", "kano_north_111km"]
    assert names(near=(*KANO, 120), offset=1, limit=1) == ["kano_north_11km"]
    assert names(near=(*KANO, 120), country="NG", min_killed=1) == ["kano", "kano_north_111km"]
    # text: words of the reporting documents' text or title, case-insensitive, all terms
    assert names(text="villagers") == ["kano"]
    assert names(text="GUNMEN") == ["kano", "undated"]
    assert names(text="gunmen bus") == ["undated"]
    assert names(text="Report 3") == ["nairobi"]  # title words
    assert names(text="grenade kano") == []
    assert names(text='al-Shabaab "denied"') == ["kano_north_111km"]  # punctuation is not query syntax
    assert names(text="market", country="KE") == []
    assert names(text="   ") == newest_first  # no terms: no text filter
    assert names(text="\x00\x13") == newest_first  # control characters are no terms either
    assert names(text="gunmen\x00bus") == ["undated"]  # a NUL ends no query string early
    assert names(text="\x00+{") == []
    for odd in ['"', '""', "*", "x*", "-", "NOT", "AND OR", "a:b", "(", "^", "NEAR(a b)", "o'brien", "日本"]:
        assert names(text=odd) == [], odd  # never a syntax error


def test_text_search_follows_every_reporting_document(store: Store) -> None:
    inc = incident_from(store, 1, "A bomb went off in the capital.")
    f = fields()
    did, (rid,) = add(store, 2, [f], "Witnesses describe a pharmacy destroyed.")
    assert list(store.incidents(IncidentQuery(text="pharmacy"))) == []
    store.update_incident(inc, f, [rid], document_id=did, at=T0)
    assert [i.id for i in store.incidents(IncidentQuery(text="pharmacy"))] == [inc]
    assert [i.id for i in store.incidents(IncidentQuery(text="bomb"))] == [inc]


def test_bounding_box_never_misses_a_point_in_range() -> None:
    # across the antimeridian and near a pole, the SQL prefilter box must hold the circle
    for lat, lon, km in [(0.0, 179.9, 50.0), (-10.0, -179.95, 30.0), (89.9, 10.0, 50.0), (45.0, 0.0, 0.0)]:
        lat_min, lat_max, ranges = bounding_box(lat, lon, km)
        for bearing in range(0, 360, 15):
            # a point just inside the circle, along the bearing (spherical destination formula)
            d, b = km / 6371.0088 * 0.999, math.radians(bearing)
            p1, l1 = math.radians(lat), math.radians(lon)
            p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
            l2 = l1 + math.atan2(
                math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
            )
            plat, plon = math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180
            assert haversine_km(lat, lon, plat, plon) <= km + 1e-6
            assert lat_min <= plat <= lat_max
            assert ranges is None or any(lo <= plon <= hi for lo, hi in ranges), (lat, lon, km, plat, plon)


def test_query_arguments_are_checked() -> None:
    wrong: list[dict[str, Any]] = [
        {"limit": -1},
        {"offset": -1},
        {"near": (100.0, 0.0, 1.0)},
        {"near": (0.0, 0.0, -1.0)},
        {"date_from": dt.date(2024, 5, 2), "date_to": dt.date(2024, 5, 1)},
    ]
    for kw in wrong:
        with pytest.raises(StoreError):
            IncidentQuery(**kw)


def test_near_is_a_circle_not_a_box(store: Store) -> None:
    # 0.12 degrees north and east of Kano: inside the 15 km query's bounding box, 18 km away
    corner = incident_from(store, 1, lat=KANO[0] + 0.12, lon=KANO[1] + 0.12)
    inside = incident_from(store, 2, lat=KANO[0] + 0.1, lon=KANO[1])
    assert (
        haversine_km(*KANO, KANO[0] + 0.12, KANO[1] + 0.12) > 15 > haversine_km(*KANO, KANO[0] + 0.1, KANO[1])
    )
    assert [i.id for i in store.incidents(IncidentQuery(near=(*KANO, 15)))] == [inside]
    assert {i.id for i in store.incidents(IncidentQuery(near=(*KANO, 20)))} == {inside, corner}


# -- transactions -------------------------------------------------------------------------------


def test_transaction_rollback_leaves_nothing(store: Store) -> None:
    doc = make_doc(1)
    with pytest.raises(RuntimeError, match="boom"), store.transaction():
        did = store.add_document(doc, digest=digest(doc.text), retrieved_at=T0)
        (rid,) = store.add_reports(did, [fields()])
        store.create_incident(fields(), [rid], document_id=did, at=T0)
        assert store.counts() == {"documents": 1, "reports": 1, "incidents": 1}  # visible inside
        raise RuntimeError("boom")
    assert store.counts() == {"documents": 0, "reports": 0, "incidents": 0}
    assert store.document_exists(url=doc.url, digest=digest(doc.text)) is None
    assert raw(store, select(incident_history)) == []
    # the same document goes in cleanly afterwards
    add(store, 1, [fields()])
    assert store.counts() == {"documents": 1, "reports": 1, "incidents": 0}


def test_nested_transaction_is_a_savepoint(store: Store) -> None:
    with store.transaction():
        add(store, 1, [fields()])
        with pytest.raises(DuplicateDocumentError), store.transaction():
            add(store, 2, [fields()])
            store.add_document(make_doc(1), digest="x" * 32, retrieved_at=T0)  # doc1 again
        add(store, 3, [fields()])
    assert sorted(r.doc_id for r in raw(store, select(documents.c.doc_id))) == ["doc1", "doc3"]


def test_a_failed_write_outside_a_transaction_leaves_nothing(store: Store) -> None:
    did, (rid,) = add(store, 1, [fields()])
    with pytest.raises(StoreError):  # the second report id is unknown: the incident is not created
        store.create_incident(fields(), [rid, 99_999], document_id=did, at=T0)
    assert store.counts()["incidents"] == 0 and raw(store, select(incident_history)) == []
    assert store.reports_of_document(did)[0].incident_id is None


def test_concurrent_writers_are_serialised(store: Store) -> None:
    """Four threads ingest reports of one incident at once: had two merges run side by side,
    both would have found no candidate and created two incidents."""
    errors: list[BaseException] = []

    def writer(t: int) -> None:
        try:
            for k in range(8):
                n = t * 100 + k
                doc = make_doc(n)
                with store.transaction():
                    did = store.add_document(doc, digest=digest(doc.text), retrieved_at=T0)
                    (rid,) = store.add_reports(did, [fields()])
                    found = store.candidate_incidents(country="NG", date=dt.date(2024, 5, 6))
                    if found:
                        store.update_incident(found[0].id, fields(), [rid], document_id=did, at=T0)
                    else:
                        store.create_incident(fields(), [rid], document_id=did, at=T0)
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert not errors, errors
    (only,) = store.incidents()
    assert only.n_reports == 32 == store.counts()["reports"]
    assert [e.action for e in store.history(only.id)] == ["created"] + ["merged"] * 31


def test_database_errors_become_store_errors(store: Store) -> None:
    with store._engine.begin() as conn:
        conn.execute(text("DROP TABLE incident_history"))
    with pytest.raises(StoreError, match="incident_history") as e:
        store.history(1)
    assert str(e.value).startswith(store.url.split("?")[0])
    with pytest.raises(StoreError, match="incident_history"), store.transaction():
        store.history(1)


# -- migrations ---------------------------------------------------------------------------------


def test_migrations_twice_are_a_no_op(db_url: str) -> None:
    s = open_store(db_url)
    add(s, 1, [fields()])
    before = s.counts()
    s.close()
    engine = create_engine(normalise_url(db_url))
    try:
        # the newest migration file's revision (its name starts with it)
        newest = max(
            f.name for f in (Path(migrate.__file__).parents[1] / "migrations" / "versions").glob("0*.py")
        )
        assert migrate.current(engine) == migrate.head() == newest.split("_")[0]
        assert migrate.upgrade(engine, name="test") is False  # at head already: nothing to do
        # Alembic itself, asked again, changes nothing either
        cfg = migrate.config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            from alembic import command

            command.upgrade(cfg, "head")
        assert migrate.current(engine) == migrate.head()
    finally:
        engine.dispose()
    with open_store(db_url) as s2:
        assert s2.counts() == before
        assert [r.doc_id for r in raw(s2, select(documents.c.doc_id))] == ["doc1"]


def test_migrated_schema_matches_the_schema_module(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with store._engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object, "compare_type": True})
        assert compare_metadata(ctx, metadata) == []


def test_newer_schema_is_refused(db_url: str) -> None:
    open_store(db_url).close()
    engine = create_engine(normalise_url(db_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="upgrade incidex"):
        open_store(db_url)


def test_pg_text_search_uses_the_gin_index(store: Store) -> None:
    if store.engine_name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite searches its FTS5 table")
    incident_from(store, 1, "A car bomb in Mogadishu.")
    with store._engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        stmt = select(documents.c.id).where(text("search @@ plainto_tsquery('simple', 'mogadishu')"))
        plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN " + str(stmt.compile(conn)))))
    assert "ix_documents_search" in plan


# -- URLs ---------------------------------------------------------------------------------------


def test_urls_and_paths(tmp_path: Path) -> None:
    with open_store(tmp_path / "a.db") as s:
        assert s.engine_name == "sqlite" and s.url == f"sqlite:///{tmp_path / 'a.db'}"
    with open_store(str(tmp_path / "sub" / "b.db")) as s:  # folders are created
        assert s.counts()["documents"] == 0
    with open_store("sqlite://") as s:  # in memory: one shared connection
        add(s, 1, [fields()])
        assert s.counts()["reports"] == 1
    assert normalise_url("postgres://u:secret@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(StoreError, match="unsupported"):
        open_store("mysql://u@h/db")
    with pytest.raises(StoreError) as e:  # nothing listens there; the password is not shown
        open_store(f"postgresql://u:hunter2@/db?host={tmp_path}&port=1")
    assert "hunter2" not in str(e.value) and "***" in str(e.value)


# -- crash safety -------------------------------------------------------------------------------

N_DOCS = 40
PAUSE_AT = 23


def synthetic(i: int) -> tuple[Document, list[dict[str, Any]]]:
    """Document ``i`` of the crash test: 1-3 incidents, many of them reported again later."""
    country = ["NG", "KE", "PK"][i % 3]
    incs = [
        fields(
            country=country,
            date=(dt.date(2024, 5, 1) + dt.timedelta(days=(i + k) % 9)).isoformat(),
            admin1=f"R{(i * 7 + k) % 4}",
            killed=(i * 3 + k) % 11,
        )
        for k in range(1 + i % 3)
    ]
    doc = make_doc(i, f"Synthetic report {i}: " + " ".join(f"word{(i * j) % 97}" for j in range(30)))
    return doc, incs


def ingest(url: str, n: int, pause_at: int | None = None) -> None:
    """The ingest loop: each document, its reports and their merging in one transaction,
    skipping documents already stored. With ``pause_at`` (the child process), says what it
    committed and stops inside that document's transaction (its writes made, not committed)
    to wait to be killed."""
    with open_store(url) as store:
        for i in range(n):
            doc, incs = synthetic(i)
            if store.document_exists(url=doc.url, digest=digest(doc.text)) is not None:
                continue
            at = T0 + dt.timedelta(minutes=i)
            with store.transaction():
                did = store.add_document(doc, digest=digest(doc.text), retrieved_at=at)
                for rid, f in zip(store.add_reports(did, incs), incs, strict=True):
                    date = dt.date.fromisoformat(f["date"])
                    candidates = store.candidate_incidents(country=f["country"], date=date, days=1)
                    same = [c for c in candidates if c.admin1 == f["admin1"]]
                    if same:
                        inc = same[0]
                        killed = max(inc.fields["killed"], f["killed"], key=lambda c: c["best"])
                        store.update_incident(
                            inc.id, inc.fields | {"killed": killed}, [rid], document_id=did, at=at
                        )
                    else:
                        store.create_incident(f, [rid], document_id=did, at=at)
                if i == pause_at:
                    print(f"open {i}", flush=True)
                    time.sleep(120)
            if pause_at is not None:
                print(f"committed {i}", flush=True)


def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """The database by natural keys (surrogate ids differ after a rollback on PostgreSQL)."""
    d, r, i, h = documents.c, reports.c, incidents.c, incident_history.c
    queries = {
        "documents": select(d.doc_id, d.url, d.digest, d.text, d.published, d.retrieved_at).order_by(
            d.doc_id
        ),
        "reports": select(d.doc_id, r.ordinal, r.fields, r.killed_low, i.incident_uid)
        .join(documents, d.id == r.document_id)
        .outerjoin(incidents, i.id == r.incident_id)
        .order_by(d.doc_id, r.ordinal),
        "incidents": select(i.incident_uid, i.fields, i.n_reports, i.killed_best, i.updated_at).order_by(
            i.incident_uid
        ),
        "history": select(i.incident_uid, d.doc_id, h.action, h.changes, h.at)
        .join(incidents, i.id == h.incident_id)
        .join(documents, d.id == h.document_id)
        .order_by(i.incident_uid, h.at, d.doc_id),
        "orphans": select(d.doc_id).where(~d.id.in_(select(r.document_id))),  # documents without reports
    }
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            return {name: [tuple(row) for row in conn.execute(q)] for name, q in queries.items()}
    finally:
        engine.dispose()


def second_url(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'killed.db'}"
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_schema(f"t{next(_dbs)}")


def test_kill_9_mid_transaction_then_resume_equals_an_uninterrupted_run(
    db_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    ingest(db_url, N_DOCS)
    whole = dump(db_url)
    assert len(whole["documents"]) == N_DOCS and not whole["orphans"]
    assert any(n > 1 for _, _, n, _, _ in whole["incidents"]), "the synthetic corpus must exercise merging"

    url = second_url(db_url, request, tmp_path)
    child = subprocess.Popen(
        [sys.executable, __file__, url, str(N_DOCS), str(PAUSE_AT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[1],
    )
    try:
        assert child.stdout is not None
        lines = []
        for line in child.stdout:  # the child pauses inside document PAUSE_AT's transaction
            lines.append(line.strip())
            if line.startswith("open"):
                break
        assert lines[-1:] == [f"open {PAUSE_AT}"], (lines, child.stderr.read() if child.stderr else "")
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
        for f in (child.stdout, child.stderr):
            if f:
                f.close()
    assert child.returncode == -signal.SIGKILL

    crashed = dump(url)
    assert [d[0] for d in crashed["documents"]] == sorted(f"doc{i}" for i in range(PAUSE_AT))
    assert not crashed["orphans"], "a document was committed without its reports"
    # what was committed is what the uninterrupted run wrote for those documents
    assert all(d in whole["documents"] for d in crashed["documents"])
    assert all(r in whole["reports"] for r in crashed["reports"])

    ingest(url, N_DOCS)  # the same loop again: skips what is stored, finishes the rest
    assert dump(url) == whole


if __name__ == "__main__":  # the crash test's child process
    ingest(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else None)
