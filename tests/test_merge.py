"""Merging reports of one incident across documents (incidex.merge), on fictional incidents."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from incidex.merge import THRESHOLD, Report, assign, diff, merge_all, reconcile, same_incident

# Fictional places: Port Varen, a town; Varen Heights, a suburb 8 km away; Kestrel Bay,
# 140 km away; Lowmarsh, the province they lie in.
PORT_VAREN = {"place": "Port Varen", "latitude": 10.0, "longitude": 20.0, "geonames_id": 9000001}
VAREN_HEIGHTS = {"place": "Varen Heights", "latitude": 10.07, "longitude": 20.03, "geonames_id": 9000002}
KESTREL_BAY = {"place": "Kestrel Bay", "latitude": 11.0, "longitude": 20.9, "geonames_id": 9000003}
LOWMARSH = {"place": "Lowmarsh", "latitude": 10.3, "longitude": 20.2, "geonames_id": None, "geo_precision": 3}

FRONT = {"perpetrator": "Red Dawn Front", "perpetrator_aliases": ["Red Dawn Front", "RDF"]}


def incident(**over: Any) -> dict[str, Any]:
    """An incident dict in ``Incident.to_dict()`` shape: a car bombing in Port Varen."""
    base: dict[str, Any] = {
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Remote explosive/landmine/IED",
        "date": "2031-03-04",
        "date_text": "on Tuesday",
        "time_precision": 1,
        "place": None,
        "place_aliases": [],
        "place_detail": None,
        "admin1": "Lowmarsh",
        "country": "XV",
        "latitude": None,
        "longitude": None,
        "geonames_id": None,
        "geo_precision": 1,
        "killed": {"low": 12, "high": 12, "best": 12},
        "wounded": None,
        "perpetrator": None,
        "perpetrator_aliases": [],
        "claimed": False,
        "claim_status": "unknown",
        "target_type": "civilians",
        "weapon": "explosives",
    }
    base.update(PORT_VAREN)
    base.update(over)
    return base


def count(low: int | None, high: int | None) -> dict[str, int | None]:
    return {"low": low, "high": high, "best": low if low is not None else high}


def report(doc_id: str, published: str | None, source: str | None, **over: Any) -> Report:
    pub = dt.date.fromisoformat(published) if published else None
    return Report(doc_id=doc_id, published=pub, source=source, fields=incident(**over))


# ---- same_incident ---------------------------------------------------------------------


def test_same_event_from_two_outlets_merges() -> None:
    a = report("a1", "2031-03-04", "daily-post.test", killed=count(12, 12), **FRONT)
    b = report(
        "b1", "2031-03-05", "wire.test", killed=count(15, None), sub_event_type="Suicide bomb", **FRONT
    )
    assert same_incident(a.fields, b.fields, published=(a.published, b.published)) > 0.9
    merged = merge_all([a, b])
    assert [(key, [r.doc_id for r in reps]) for key, reps in merged] == [("inc-1", ["a1", "b1"])]


def test_a_nearby_suburb_and_a_day_apart_still_match() -> None:
    a = incident(date="2031-03-04")
    b = incident(date="2031-03-05", **VAREN_HEIGHTS)
    assert same_incident(a, b) > THRESHOLD


def test_same_place_on_days_two_apart_does_not_merge() -> None:
    a = report("a1", "2031-03-04", "daily-post.test", date="2031-03-04")
    b = report("b1", "2031-03-06", "wire.test", date="2031-03-06")
    assert same_incident(a.fields, b.fields) == 0.0
    assert len(merge_all([a, b])) == 2


def test_different_event_types_at_one_place_and_day_do_not_merge() -> None:
    bombing = incident()
    abduction = incident(
        event_type="Violence against civilians",
        sub_event_type="Abduction/forced disappearance",
        killed=None,
        weapon="firearms",
    )
    assert same_incident(bombing, abduction) == 0.0
    assert (
        len(merge_all([Report("a1", None, "x.test", bombing), Report("b1", None, "y.test", abduction)])) == 2
    )


def test_a_bombing_told_as_an_armed_clash_stays_compatible() -> None:
    bombing = incident(**FRONT)
    clash = incident(event_type="Battles", sub_event_type="Armed clash", weapon="firearms", **FRONT)
    assert same_incident(bombing, clash) > THRESHOLD


@pytest.mark.parametrize(
    "other",
    [
        {"country": "XW"},  # another country
        KESTREL_BAY,  # 140 km away
        {"place": "Greywater", "admin1": "Highfen", "geo_precision": 3, "latitude": 10.2, "longitude": 20.1},
    ],
    ids=["country", "distance", "other-province"],
)
def test_blocking_rules(other: dict[str, Any]) -> None:
    assert same_incident(incident(), incident(**other)) == 0.0


def test_a_province_contains_its_towns() -> None:
    assert same_incident(incident(), incident(**LOWMARSH)) > THRESHOLD


def test_an_unknown_day_does_not_block_but_publication_bounds_it() -> None:
    dated = incident(date="2031-03-04")
    undated = incident(date=None, date_text=None)
    # published the day after: fresh news of the act
    assert same_incident(dated, undated, published=(None, dt.date(2031, 3, 5))) > THRESHOLD
    # published a week before the act: it cannot be telling of it
    assert same_incident(dated, undated, published=(None, dt.date(2031, 2, 25))) == 0.0
    # date words naming another year rule it out too
    years_ago = incident(date=None, date_text="in 2024")
    assert same_incident(dated, years_ago, published=(None, dt.date(2031, 3, 5))) == 0.0


def test_counts_only_weakly_discriminate() -> None:
    early = incident(killed=count(4, 4), **FRONT)
    final = incident(killed=count(60, None), **FRONT)
    # a toll that rose fifteenfold in a later report is still the same bombing
    assert same_incident(early, final, published=(dt.date(2031, 3, 4), dt.date(2031, 3, 9))) > THRESHOLD


def test_different_perpetrators_count_against() -> None:
    other = {"perpetrator": "Grey Wolves Brigade", "perpetrator_aliases": ["Grey Wolves Brigade"]}
    assert same_incident(incident(**FRONT), incident(**other)) < same_incident(
        incident(**FRONT), incident(**FRONT)
    )


# ---- assign and merge_all --------------------------------------------------------------


def test_assign_picks_the_best_candidate_or_none() -> None:
    here = [report("a1", "2031-03-04", "x.test")]
    elsewhere = [report("b1", "2031-03-04", "y.test", **KESTREL_BAY)]
    new = report("c1", "2031-03-05", "z.test")
    assert assign(new, [("inc-1", elsewhere), ("inc-2", here)]) == "inc-2"
    assert assign(new, [("inc-1", elsewhere)]) is None
    assert assign(new, []) is None


def test_two_reports_of_one_document_are_never_merged() -> None:
    a = report("a1", "2031-03-04", "x.test")
    b = report("a1", "2031-03-04", "x.test", killed=count(13, 13))
    merged = merge_all([a, b])
    assert [len(reps) for _, reps in merged] == [1, 1]


def test_one_document_contributes_at_most_one_report_to_an_incident() -> None:
    first = report("a1", "2031-03-04", "x.test", killed=count(20, 20), **FRONT)
    # doc b1 tells two incidents that both fit: the closer one joins, the other stays apart
    close = report("b1", "2031-03-05", "y.test", killed=count(20, 20), **FRONT)
    loose = report("b1", "2031-03-05", "y.test", date=None, killed=None, **VAREN_HEIGHTS)
    merged = merge_all([first, loose, close])
    assert [[id(r) for r in reps] for _, reps in merged] == [[id(first), id(close)], [id(loose)]]
    for _, reps in merged:
        assert len({r.doc_id for r in reps}) == len(reps)
    key = assign(loose, [(k, reps) for k, reps in merged])
    assert key is None  # inc-1 already holds a report of b1


def test_merge_all_keeps_separate_incidents_apart_and_numbers_them() -> None:
    reports = [
        report("a1", "2031-03-04", "x.test"),
        report("a1", "2031-03-04", "x.test", **KESTREL_BAY, killed=count(3, 3)),
        report("b1", "2031-03-05", "y.test", **VAREN_HEIGHTS, killed=count(14, None)),
        report("c1", "2031-03-05", "z.test", **KESTREL_BAY, killed=count(3, 3)),
    ]
    merged = merge_all(reports)
    assert [(key, [r.doc_id for r in reps]) for key, reps in merged] == [
        ("inc-1", ["a1", "b1"]),
        ("inc-2", ["a1", "c1"]),
    ]


# ---- reconcile -------------------------------------------------------------------------


def test_a_toll_update_from_the_same_outlet_supersedes() -> None:
    first = report("a1", "2031-03-04", "daily-post.test", killed=count(8, 8), wounded=count(20, None))
    update = report("a2", "2031-03-05", "daily-post.test", killed=count(17, 17), wounded=None)
    merged = reconcile([update, first])  # order given does not matter, publication does
    assert merged.fields["killed"] == {"low": 17, "high": 17, "best": 17}
    # the update is silent on the wounded: the earlier figure stands
    assert merged.fields["wounded"] == {"low": 20, "high": None, "best": 20}
    assert merged.figures["a1"]["superseded"] == ["killed"]
    assert merged.figures["a2"]["superseded"] == []
    assert merged.sources == ("a2", "a1")


def test_disagreeing_outlets_widen_the_range() -> None:
    merged = reconcile(
        [
            report("a1", "2031-03-04", "daily-post.test", killed=count(10, 10)),
            report("b1", "2031-03-04", "wire.test", killed=count(12, 15)),
        ]
    )
    assert merged.fields["killed"] == {"low": 10, "high": 15, "best": 10}


def test_an_open_ended_figure_above_every_closed_one_leaves_the_range_open() -> None:
    merged = reconcile(
        [
            report("a1", "2031-03-04", "daily-post.test", killed=count(10, 10)),
            report("b1", "2031-03-05", "wire.test", killed=count(14, None)),
            report("c1", "2031-03-05", "radio.test", killed=count(12, 12)),
        ]
    )
    assert merged.fields["killed"] == {"low": 10, "high": None, "best": 10}
    below = reconcile(
        [
            report("a1", "2031-03-04", "daily-post.test", killed=count(9, None)),
            report("b1", "2031-03-05", "wire.test", killed=count(12, 12)),
        ]
    )
    assert below.fields["killed"] == {"low": 9, "high": 12, "best": 9}


def test_reconcile_other_fields() -> None:
    merged = reconcile(
        [
            report("a1", "2031-03-05", "x.test", date="2031-03-05", **LOWMARSH, **FRONT),
            report(
                "b1", "2031-03-05", "y.test", date="2031-03-04", perpetrator="RDF", claim_status="suspected"
            ),
            report("c1", "2031-03-06", "z.test", date="2031-03-05", **VAREN_HEIGHTS, **FRONT),
            report(
                "d1",
                "2031-03-06",
                "w.test",
                date="2031-03-04",
                perpetrator="Grey Wolves Brigade",
                claimed=True,
                claim_status="claimed",
            ),
            report("e1", "2031-03-07", "v.test", date=None, perpetrator="Grey Wolves Brigade"),
        ]
    )
    f = merged.fields
    assert f["date"] == "2031-03-04"  # two and two: the earliest
    # Port Varen: named twice, inside the province named once, Varen Heights within 25 km
    assert (f["place"], f["geonames_id"], f["admin1"], f["country"]) == (
        "Port Varen",
        9000001,
        "Lowmarsh",
        "XV",
    )
    assert set(f["place_aliases"]) == {"Lowmarsh", "Varen Heights"}
    # a claim beats the more often named (three times) but only suspected group
    assert (f["perpetrator"], f["claimed"]) == ("Grey Wolves Brigade", True)
    assert (f["event_type"], f["target_type"], f["weapon"]) == (
        "Explosions/Remote violence",
        "civilians",
        "explosives",
    )
    assert merged.sources == ("a1", "b1", "c1", "d1", "e1")


def test_reconcile_without_figures() -> None:
    merged = reconcile([report("a1", None, None, killed=None, place=None, latitude=None, longitude=None)])
    assert merged.fields["killed"] is None
    assert merged.fields["place"] is None
    assert merged.fields["date"] == "2031-03-04"


# ---- diff ------------------------------------------------------------------------------


def test_diff_lists_changed_fields_only() -> None:
    before = {"date": "2031-03-04", "killed": {"low": 8, "high": 8, "best": 8}, "place": "Port Varen"}
    after = {
        "date": "2031-03-04",
        "killed": {"low": 8, "high": None, "best": 8},
        "place": "Port Varen",
        "perpetrator": "Red Dawn Front",
    }
    assert diff(before, after) == {
        "killed": [{"low": 8, "high": 8, "best": 8}, {"low": 8, "high": None, "best": 8}],
        "perpetrator": [None, "Red Dawn Front"],
    }
    assert diff(after, after) == {}
    assert list(diff({"b": 1, "a": 1}, {"b": 2, "a": 2})) == ["a", "b"]


def test_diff_of_reconciled_records_tracks_a_toll_update() -> None:
    first = report("a1", "2031-03-04", "daily-post.test", killed=count(8, 8))
    update = report("a2", "2031-03-05", "daily-post.test", killed=count(17, 17))
    changes = diff(reconcile([first]).fields, reconcile([first, update]).fields)
    assert changes == {"killed": [{"low": 8, "high": 8, "best": 8}, {"low": 17, "high": 17, "best": 17}]}
