"""Tests for incidex.scoring: matching and figures on hand-made gold and predictions, and
agreement with the reference scorer (``shared/eval/score.py``) when it is present."""

from __future__ import annotations

import copy
import importlib.util
import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from incidex.scoring import FIELDS, score


def incident(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "place": "Quetta",
        "country": "PK",
        "date": "2024-05-06",
        "killed": {"low": 4, "high": 4},
        "wounded": {"low": 11, "high": None},
        "event_type": "Explosions/Remote violence",
        "target_type": "civilians",
        "sub_event_type": "Remote explosive/landmine/IED",
        "weapon": "explosives",
        "perpetrator": None,
        "claimed": False,
        "perpetrator_aliases": [],
        "place_aliases": [],
    }
    base.update(fields)
    return base


QUETTA = incident()
KABUL = incident(
    place="Kabul",
    country="AF",
    date="2024-05-02",
    killed={"low": 7, "high": 7},
    wounded=None,
    perpetrator="Islamic State",
    claimed=True,
    sub_event_type="Suicide bomb",
)


def doc(doc_id: str, *incidents: dict[str, Any]) -> dict[str, Any]:
    return {"doc_id": doc_id, "text": "(fictional)", "published": "2024-05-08", "incidents": list(incidents)}


def test_perfect_prediction() -> None:
    gold = [doc("a", QUETTA, KABUL), doc("b")]
    s = score(gold, {"a": [copy.deepcopy(KABUL), copy.deepcopy(QUETTA)], "b": []})
    assert (s.tp, s.fp, s.fn) == (2, 0, 0)
    assert s.precision == s.recall == s.f1 == 1.0
    assert s.field_mean == 1.0
    assert set(s.fields) == set(FIELDS)


def test_a_missing_incident_lowers_recall_only() -> None:
    s = score([doc("a", QUETTA, KABUL)], {"a": [copy.deepcopy(QUETTA)]})
    assert (s.tp, s.fp, s.fn) == (1, 0, 1)
    assert s.precision == 1.0
    assert s.recall == 0.5
    assert s.f1 == pytest.approx(2 / 3)


def test_an_extra_incident_lowers_precision_only() -> None:
    extra = incident(place="Gwadar", date="2024-04-01", killed=None, wounded=None, country="PK")
    s = score([doc("a", QUETTA, KABUL)], {"a": [copy.deepcopy(QUETTA), copy.deepcopy(KABUL), extra]})
    assert (s.tp, s.fp, s.fn) == (2, 1, 0)
    assert s.recall == 1.0
    assert s.precision == pytest.approx(2 / 3)


def test_a_document_missing_from_predictions_predicts_nothing() -> None:
    s = score([doc("a", QUETTA)], {})
    assert (s.tp, s.fp, s.fn) == (0, 0, 1)
    assert s.f1 == 0.0


def test_a_place_alias_counts_as_right() -> None:
    gold = incident(place="Kandahar province", place_aliases=["Kandahar"], country="AF")
    s = score([doc("a", gold)], {"a": [incident(place="kandahar", country="AF")]})
    assert s.tp == 1
    assert s.fields["place"] == 1.0


def test_places_compare_without_case_or_accents() -> None:
    gold = incident(place="Ménaka", country="ML")
    s = score([doc("a", gold)], {"a": [incident(place="MENAKA", country="ML")]})
    assert s.fields["place"] == 1.0


def test_a_wrong_field_counts_against_that_field_only() -> None:
    s = score([doc("a", QUETTA)], {"a": [incident(weapon="firearms", killed={"low": 4, "high": None})]})
    assert s.tp == 1
    assert s.fields["weapon"] == 0.0
    assert s.fields["killed.low"] == 1.0
    assert s.fields["killed.high"] == 0.0
    assert s.fields["place"] == 1.0


def test_optional_gold_is_neither_rewarded_nor_penalised() -> None:
    background = incident(place="Chaman", date=None, killed=None, wounded=None, optional=True)
    gold = [doc("a", QUETTA, background)]
    with_it = score(
        gold, {"a": [copy.deepcopy(QUETTA), incident(place="Chaman", date=None, killed=None, wounded=None)]}
    )
    without = score(gold, {"a": [copy.deepcopy(QUETTA)]})
    assert (with_it.tp, with_it.fp, with_it.fn) == (1, 0, 0)
    assert (without.tp, without.fp, without.fn) == (1, 0, 0)


def test_unscored_fields_are_skipped() -> None:
    gold = incident(unscored=["weapon", "wounded"])
    s = score([doc("a", gold)], {"a": [incident(weapon="melee", wounded=None)]})
    assert "weapon" not in s.fields
    assert "wounded.low" not in s.fields and "wounded.high" not in s.fields
    assert s.field_mean == 1.0


def test_a_pair_needs_an_anchor() -> None:
    gold = [doc("a", QUETTA, KABUL)]  # two incidents: country alone does not match
    pred = incident(place="Turbat", date="2023-01-01", killed=None, wounded=None)
    s = score(gold, {"a": [pred]})
    assert (s.tp, s.fp, s.fn) == (0, 1, 2)


def test_a_single_incident_matches_on_country() -> None:
    pred = incident(place="Turbat", date="2023-01-01", killed=None, wounded=None)
    s = score([doc("a", QUETTA)], {"a": [pred]})
    assert s.tp == 1
    assert s.fields["place"] == 0.0


# ---------------------------------------------------------------------------------------------
# The reference scorer


def _reference_scorer(shared_eval: Path) -> ModuleType:
    path = shared_eval / "score.py"
    if not path.is_file():
        pytest.skip(f"no reference scorer at {path}")
    spec = importlib.util.spec_from_file_location("reference_score", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _mixed_case() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Gold and predictions exercising every rule: aliases, accents, optional, unscored, extra,
    missing documents, counts with open bounds, claims and perpetrator aliases."""
    gold = [
        doc("d1", QUETTA, KABUL),
        doc(
            "d2",
            incident(
                place="Kandahar province",
                place_aliases=["Kandahar"],
                country="AF",
                perpetrator="Taliban",
                perpetrator_aliases=["Afghan Taliban"],
                claimed=True,
            ),
        ),
        doc(
            "d3",
            incident(
                place="Ménaka",
                country="ML",
                killed={"low": 24, "high": None},
                date=None,
                unscored=["date", "weapon"],
            ),
            incident(place="Gao", country="ML", date="2024-03-01", killed=None, wounded=None, optional=True),
        ),
        doc("d4"),
        doc("d5", incident(place=None, country="NG", date=None, killed=None, wounded=None)),
        doc("d6", incident(place="Jos", country="NG", killed={"low": 3, "high": 3})),
    ]
    pred = [
        {
            "doc_id": "d1",
            "incidents": [
                incident(wounded={"low": 11, "high": 11}),
                incident(
                    place="Kabul", country="AF", date="2024-05-02", killed={"low": 6, "high": 7}, wounded=None
                ),
            ],
        },
        {
            "doc_id": "d2",
            "incidents": [
                incident(place="KANDAHAR", country="AF", perpetrator="afghan taliban", claimed=False)
            ],
        },
        {
            "doc_id": "d3",
            "incidents": [
                incident(place="Menaka", country="ML", killed={"low": 24, "high": None}, date="2024-05-01"),
                incident(place="Gao", country="ML", date="2024-03-01"),
            ],
        },
        {"doc_id": "d4", "incidents": [incident(place="Lahore")]},
        {"doc_id": "d5", "incidents": [incident(place="Kano", country="NG", event_type="Battles")]},
    ]  # d6 missing: predicts nothing
    return gold, pred


def test_scores_equal_the_reference_scorer(shared_eval: Path, tmp_path: Path) -> None:
    ref = _reference_scorer(shared_eval)
    gold, pred = _mixed_case()
    gold_path, pred_path = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    gold_path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in gold), encoding="utf-8")
    pred_path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in pred), encoding="utf-8")

    ref_gold = ref.load(str(gold_path))
    ref_pred = {}
    for line in ref.load(str(pred_path)):
        ref_pred[line["doc_id"]] = line["incidents"]
    expected = ref.score(ref_gold, ref_pred)
    ours = score(ref_gold, ref_pred)
    assert ours.to_dict() == expected
    # the case is not trivial: some of everything
    assert 0 < expected["incident_precision"] < 1 and 0 < expected["incident_recall"] < 1
    assert 0 < expected["field_mean"] < 1

    printed = io.StringIO()
    with redirect_stdout(printed):
        assert ref.main(["score.py", str(gold_path), str(pred_path)]) == 0
    assert ours.report() == printed.getvalue().rstrip("\n")
