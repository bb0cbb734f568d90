"""Split and merge by hand, on both engines: reports move, every side's fields are
recomputed, corrections stay, the trail is kept, and a merged-away incident leaves lists and
the candidates later ingests merge into."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from incidex.api import create_app
from incidex.review import correct_incident, merge_incidents, split_incident
from incidex.store import IncidentQuery, Store, StoreError
from tests import test_store
from tests.test_store import add, fields

# the storage suite's fixtures: each test runs on SQLite and on PostgreSQL
pg_cluster, db_url, store = test_store.pg_cluster, test_store.db_url, test_store.store

AT = dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC)


def _incident(store: Store, n_reports: int, killed: list[int]) -> int:
    """One incident of ``n_reports`` reports, report i telling ``killed[i]`` dead."""
    ids, doc = [], None
    for i in range(n_reports):
        doc, [rid] = add(store, 100 + i, [fields(killed=killed[i])], url=f"https://outlet{i}.example/x")
        ids.append(rid)
    return store.create_incident(fields(killed=killed[0]), ids, document_id=doc, at=AT).id


def test_split_moves_reports_and_recomputes_both_sides(store: Store) -> None:
    inc_id = _incident(store, 3, [3, 3, 40])
    rids = [r.id for r in store.reports_of(inc_id)]
    correct_incident(store, inc_id, {"perpetrator": "Ansaru"}, reviewer="ana", at=AT)
    new = split_incident(store, inc_id, [rids[2]], reviewer="ana", at=AT)
    old = store.get_incident(inc_id)
    assert (old.n_reports, new.n_reports) == (2, 1)
    assert [r.id for r in store.reports_of(new.id)] == [rids[2]]
    assert new.killed_low == 40 and old.killed_high == 5  # each side from its own reports
    assert old.perpetrator == "Ansaru"  # the earlier correction stays with the incident
    assert new.perpetrator == "Gunmen"
    trail = store.reviews_of(inc_id)[-1]
    assert trail["reviewer"] == "ana"
    assert trail["changes"]["reports"] == [sorted(rids), sorted(rids[:2])]
    assert trail["changes"]["split_into"] == [None, new.incident_uid]
    assert store.reviews_of(new.id)[0]["changes"]["split_from"] == [None, old.incident_uid]
    assert [h.action for h in store.history(new.id)] == ["created"]


@pytest.mark.parametrize(
    ("pick", "message"),
    [
        (lambda rids: [], "needs the report ids"),
        (lambda rids: rids, "leaves at least one report"),
        (lambda rids: [rids[0], 10**6], r"reports \[1000000\] are not reports of"),
    ],
)
def test_bad_splits_change_nothing(store: Store, pick, message: str) -> None:  # type: ignore[no-untyped-def]
    inc_id = _incident(store, 2, [3, 4])
    rids = [r.id for r in store.reports_of(inc_id)]
    with pytest.raises(StoreError, match=message):
        split_incident(store, inc_id, pick(rids), reviewer="ana", at=AT)
    assert store.get_incident(inc_id).n_reports == 2
    assert store.reviews_of(inc_id) == []
    assert store.counts()["incidents"] == 1


def test_merge_folds_incidents_and_retires_the_others(store: Store) -> None:
    a = _incident(store, 1, [3])
    _, [rid] = add(store, 200, [fields(killed=7, date="2024-05-07")], url="https://other.example/y")
    b = store.create_incident(fields(killed=7, date="2024-05-07"), [rid], document_id=1, at=AT).id
    correct_incident(store, b, {"weapon": "explosives", "perpetrator": "X"}, reviewer="bo", at=AT)
    correct_incident(store, a, {"perpetrator": "Ansaru"}, reviewer="ana", at=AT)
    kept = merge_incidents(store, a, [b], reviewer="ana", at=AT)
    assert kept.n_reports == 2 and kept.killed_high == 9
    # b's correction survives where a has none; a's own wins where both corrected
    assert kept.fields["weapon"] == "explosives" and kept.perpetrator == "Ansaru"
    gone = store.get_incident(b)
    assert gone.merged_into == a and gone.n_reports == 0 and store.reports_of(b) == []
    assert [i.id for i in store.incidents(IncidentQuery(include_not_incident=True))] == [a]
    assert [c.id for c in store.candidate_incidents(country="NG", date=dt.date(2024, 5, 6))] == [a]
    assert store.reviews_of(a)[-1]["changes"]["merged_from"] == [None, [gone.incident_uid]]
    assert store.reviews_of(b)[-1]["changes"]["merged_into"] == [None, a]
    with pytest.raises(StoreError, match=f"was merged into {kept.incident_uid}"):
        correct_incident(store, b, {"place": "Kano"}, reviewer="ana", at=AT)
    with pytest.raises(StoreError, match="was merged into"):
        merge_incidents(store, a, [b], reviewer="ana", at=AT)
    with pytest.raises(StoreError, match="into itself"):
        merge_incidents(store, a, [a], reviewer="ana", at=AT)


def test_split_back_out_after_a_merge_gets_a_fresh_uid(store: Store) -> None:
    a = _incident(store, 1, [3])
    _, [rid] = add(store, 300, [fields(killed=7)], url="https://other.example/z")
    b = store.create_incident(fields(killed=7), [rid], document_id=1, at=AT)
    merge_incidents(store, a, [b.id], reviewer="ana", at=AT)
    again = split_incident(store, a, [rid], reviewer="ana", at=AT)
    assert again.incident_uid not in (b.incident_uid, store.get_incident(a).incident_uid)
    assert store.get_incident(b.id).merged_into == a  # the old record still points where it went
    assert [r.id for r in store.reports_of(again.id)] == [rid]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ({"low": 5, "high": 7}, {"low": 5, "high": 7, "best": 5}),
        ({"high": 4}, {"low": None, "high": 4, "best": 4}),
        (9, {"low": 9, "high": 9, "best": 9}),
        (None, None),
    ],
)
def test_corrected_figures_get_a_best(store: Store, given: object, stored: object) -> None:
    inc_id = _incident(store, 1, [3])
    inc = correct_incident(store, inc_id, {"killed": given}, reviewer="ana", at=AT)
    assert inc.fields["killed"] == stored and inc.fields["reviewed"]["killed"] == stored
    assert inc.killed_best == (stored or {}).get("best")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"low": 8, "high": 2}, "killed: low 8 is above high 2"),
        ({"low": -1}, "killed.low: Input should be greater than or equal to 0"),
        ({"low": 2**70}, "killed.low: Input should be less than or equal to 10000000"),
        ({}, "killed: give low or high"),
    ],
)
def test_bad_figures_are_refused(store: Store, given: object, message: str) -> None:
    inc_id = _incident(store, 1, [3])
    with pytest.raises(StoreError, match=message):
        correct_incident(store, inc_id, {"killed": given}, reviewer="ana", at=AT)
    assert store.reviews_of(inc_id) == []


# -- checked corrections (issue 9) --------------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused_by_the_store_itself(store: Store, bad: float) -> None:
    inc_id = _incident(store, 1, [3])
    before = store.get_incident(inc_id).fields
    with pytest.raises(StoreError, match="'latitude' must be a finite number"):
        store.review_incident(inc_id, {"latitude": bad}, reviewer="ana", at=AT)  # no check above it
    with pytest.raises(StoreError, match="latitude: Input should be a finite number"):
        correct_incident(store, inc_id, {"latitude": bad}, reviewer="ana", at=AT)
    assert store.get_incident(inc_id).fields == before and store.reviews_of(inc_id) == []


def test_no_json_field_can_hold_a_nan(store: Store) -> None:
    with pytest.raises(StoreError, match="NaN or Infinity"):
        add(store, 7, [fields(confidence=math.nan)])  # a field no check above the store knows
    assert store.counts() == {"documents": 0, "reports": 0, "incidents": 0}


def test_a_nan_correction_is_422_and_every_read_still_answers(store: Store) -> None:
    inc_id = _incident(store, 1, [3])
    uid = store.get_incident(inc_id).incident_uid
    token = store.create_token("ana")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with TestClient(create_app(store=store)) as client:
        for bad in (b"NaN", b"Infinity", b"-Infinity", b"1e999"):
            resp = client.patch(
                f"/incidents/{uid}", content=b'{"fields": {"latitude": %s}}' % bad, headers=headers
            )
            assert resp.status_code == 422, resp.text
            assert resp.json()["error"]["message"].startswith("fields.latitude:")
        assert client.get("/incidents").status_code == 200
        assert client.get(f"/incidents/{uid}").json()["reviews"] == []
        geojson = client.get("/incidents", params={"format": "geojson"}).text
        json.loads(geojson, parse_constant=lambda c: pytest.fail(f"bare {c} in GeoJSON"))


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"claimed": "yes"}, "claimed: Input should be a valid boolean"),
        ({"latitude": 1000}, "latitude: Input should be less than or equal to 90"),
        ({"target_type": ["police"]}, "target_type: Input should be a valid string"),
        ({"place": "x" * 5_000_000}, "place: String should have at most 300 characters"),
        ({"event_type": "Skirmishes"}, "event_type: not an ACLED event type"),
        ({"evidence": []}, "evidence: not a field that can be set here"),
    ],
)
def test_corrections_are_checked_for_every_caller(store: Store, given: dict, message: str) -> None:  # type: ignore[type-arg]
    inc_id = _incident(store, 1, [3])
    with pytest.raises(StoreError, match=message):
        correct_incident(store, inc_id, given, reviewer="ana", at=AT)
    assert store.reviews_of(inc_id) == []


def test_every_export_works_after_any_accepted_correction(store: Store, tmp_path: Path) -> None:
    from incidex.export import export

    inc_id = _incident(store, 1, [3])
    correct_incident(
        store,
        inc_id,
        {
            "event_type": "Explosions/Remote violence", "sub_event_type": "Grenade", "date": "2024-05-05",
            "place": "Kano", "admin1": "Kano", "country": "NG", "latitude": 12.0, "longitude": 8.5,
            "killed": {"high": 7}, "wounded": 2, "perpetrator": "Ansaru", "claimed": True,
            "target_type": "police", "weapon": "explosives",
        },
        reviewer="ana",
        at=AT,
    )  # fmt: skip
    correct_incident(store, inc_id, {"place": None, "latitude": None, "killed": None}, reviewer="ana", at=AT)
    for fmt in ("jsonl", "acled-csv", "geojson"):
        out = io.StringIO()
        assert export(store, store.incidents(IncidentQuery(limit=None)), fmt, out) == 1
    assert (
        export(store, store.incidents(IncidentQuery(limit=None)), "parquet", str(tmp_path / "x.parquet")) == 1
    )
