"""The merge rules declared as data (incidex.merge): the README and the module docstring
carry the declared weights, and the decision, the store and ingest read the declaration."""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from incidex import ingest, merge
from incidex.store.records import StoredIncident
from incidex.store.store import Store

README = Path(__file__).resolve().parent.parent / "README.md"


def _table(text: str) -> dict[str, dict[str, float]]:
    """{comparison: {level: weight}} read back from a Markdown weights table."""
    out: dict[str, dict[str, float]] = {}
    lines = [line.strip() for line in text.splitlines()]
    start = lines.index("| comparison | levels and match weights |") + 2
    for line in lines[start:]:
        m = re.fullmatch(r"\| ([a-z]+) \| (.+) \|", line)
        if not m:
            break
        levels = {}
        for part in m.group(2).split("; "):
            label, _, weight = part.rpartition(" ")
            levels[label or m.group(1)] = float(weight)
        out[m.group(1)] = levels
    return out


def _declared() -> dict[str, dict[str, float]]:
    out = {"prior": {"prior": merge.PRIOR}}
    out.update({c.name: {lv.label: lv.weight for lv in c.levels} for c in merge.COMPARISONS})
    return out


def test_readme_weights_table_matches_the_declaration() -> None:
    text = README.read_text(encoding="utf-8")
    assert _table(text) == _declared()
    assert merge.weights_table() in text, "paste merge.weights_table() into README.md"


def test_docstring_weights_table_matches_the_declaration() -> None:
    assert merge.__doc__ is not None
    assert _table(merge.__doc__) == _declared()
    assert merge.weights_table() in merge.__doc__


def test_level_labels_are_unique_and_name_the_declared_distances() -> None:
    for c in merge.COMPARISONS:
        labels = [lv.label for lv in c.levels]
        assert len(labels) == len(set(labels)), c.name
    labels = [lv.label for lv in merge.PLACE.levels]
    assert f"within {merge.NEAR_KM:g} km" in labels
    assert f"within {merge.BLOCKING.far_km:g} km" in labels
    assert f"{merge.BLOCKING.far_km:g}-{merge.BLOCKING.reach_km:g} km apart (a district)" in labels
    (places,) = [r.rule for r in merge.BLOCKING.rules if r.name == "places"]
    assert f"{merge.BLOCKING.far_km:g} km apart ({merge.BLOCKING.reach_km:g} km for a district)" in places
    with pytest.raises(KeyError):
        merge.DATE["no such level"]


def test_wounded_weigh_half_the_killed() -> None:
    for k, w in zip(merge.KILLED.levels, merge.WOUNDED.levels, strict=True):
        assert (w.label, w.weight) == (k.label, k.weight / 2)


def _bombing(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Remote explosive/landmine/IED",
        "date": "2031-03-04",
        "country": "XV",
        "place": None,
        "perpetrator": "Red Dawn Front",
        "perpetrator_aliases": [],
    }
    return base | over


def test_the_decision_reads_the_declared_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = _bombing(), _bombing()
    before = merge.match_weight(a, b)
    assert before is not None
    raised = merge.Comparison(
        "perpetrator",
        tuple(
            dataclasses.replace(lv, weight=lv.weight + 1) if lv.label == "same group" else lv
            for lv in merge.PERPETRATOR.levels
        ),
    )
    monkeypatch.setattr(merge, "PERPETRATOR", raised)
    assert merge.match_weight(a, b) == before + 1


def test_an_unknown_country_blocks_nothing_in_the_pairwise_decision() -> None:
    assert merge.match_weight(_bombing(), _bombing(country=None)) is not None
    assert merge.match_weight(_bombing(), _bombing(country="XW")) is None
    assert not merge.BLOCKING.countries_block("XV", None)
    assert merge.BLOCKING.countries_block("XV", "XW")


def test_the_store_and_ingest_read_the_blocking_declaration() -> None:
    params = inspect.signature(Store.candidate_incidents).parameters
    assert params["days"].default == merge.BLOCKING.candidate_days
    assert params["limit"].default == merge.BLOCKING.candidate_limit
    # ingest's pre-filter: a town within a district's reach of the incident, not beyond it
    lat_per_km = 1 / 111.195  # degrees of latitude per km on the haversine sphere
    reach = merge.BLOCKING.reach_km
    stored = StoredIncident(id=1, incident_uid="inc_000000000001", fields={}, latitude=0.0, longitude=0.0)
    assert ingest._within_reach({"latitude": (reach - 1) * lat_per_km, "longitude": 0.0}, stored)
    assert not ingest._within_reach({"latitude": (reach + 1) * lat_per_km, "longitude": 0.0}, stored)
