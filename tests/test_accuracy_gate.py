"""Accuracy gate: extraction scored on the shared evaluation files must stay above pinned floors.

Floors only move up. When a change lifts a figure, raise its floor to just under the new
figure in the same change; never lower a floor to let a change through. The files live in
``shared/eval`` beside the repository; without them the gate is skipped.

Figures when the floors were pinned: dev incident F1 0.922, field mean 0.929; wiki_dev
killed.low 0.935, wounded.low 0.919, place 0.852, country 0.870, perpetrator 0.899; merge_dev
pairs P 1.000, R 0.934.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from incidex.evaluate import evaluate
from incidex.scoring import Score

pytestmark = pytest.mark.slow

DEV_FLOORS = {"incident_f1": 0.91, "field_mean": 0.92}
WIKI_FLOORS = {"killed.low": 0.93, "wounded.low": 0.91, "place": 0.84, "country": 0.86, "perpetrator": 0.89}


@cache
def _scored(path: Path) -> Score:
    return evaluate(path)


def _gold(shared_eval: Path, name: str) -> Path:
    path = shared_eval / name
    if not path.is_file():
        pytest.skip(f"no gold file at {path}: the accuracy gate needs shared/eval beside the repository")
    return path


@pytest.mark.parametrize(("figure", "floor"), DEV_FLOORS.items())
def test_dev_overall(shared_eval: Path, figure: str, floor: float) -> None:
    result = _scored(_gold(shared_eval, "dev.jsonl"))
    value = result.f1 if figure == "incident_f1" else result.field_mean
    assert value >= floor, f"dev {figure} {value:.3f} fell below its floor {floor}\n{result.report()}"


@pytest.mark.parametrize(("field", "floor"), WIKI_FLOORS.items())
def test_wiki_dev_fields(shared_eval: Path, field: str, floor: float) -> None:
    result = _scored(_gold(shared_eval, "wiki_dev.jsonl"))
    value = result.fields.get(field, 0.0)
    assert value >= floor, f"wiki_dev {field} {value:.3f} fell below its floor {floor}\n{result.report()}"


def test_seed_report_exactly(shared_eval: Path, tmp_path: Path) -> None:
    """The brief's seed report (its body printed twice): exactly its four required incidents,
    every scored field right."""
    gold = _gold(shared_eval, "dev.jsonl")
    seed = [line for line in gold.read_text(encoding="utf-8").splitlines() if '"seed-karachi"' in line]
    if not seed:
        pytest.skip("dev.jsonl holds no seed-karachi document")
    path = tmp_path / "seed.jsonl"
    path.write_text(seed[0] + "\n", encoding="utf-8")
    result = evaluate(path)
    assert (result.tp, result.fp, result.fn) == (4, 0, 0), result.report()
    assert all(v == 1.0 for v in result.fields.values()), result.report()


MERGE_FLOORS = {"pair_precision": 0.97, "pair_recall": 0.9}


def test_merge_dev_pairs(shared_eval: Path, tmp_path: Path) -> None:
    """merge_dev ingested into an empty database, exported as JSON Lines and scored by the
    reference merge scorer, as the database issue asks (pairs P 1.000, R 0.934 when pinned)."""
    import json
    import subprocess
    import sys

    from incidex.export import collect, write_jsonl
    from incidex.ingest import ingest
    from incidex.sources import iter_sources
    from incidex.store import IncidentQuery, open_store

    gold = _gold(shared_eval, "merge_dev.jsonl")
    out = tmp_path / "INCIDENTS.jsonl"
    with open_store(tmp_path / "merge.db") as store:
        ingest(iter_sources([str(gold)]), store)
        with out.open("w", encoding="utf-8") as f:
            write_jsonl(collect(store, store.incidents(IncidentQuery(limit=None))), f)
    scorer = [sys.executable, str(shared_eval / "merge_score.py"), str(gold), str(out), "--json"]
    figures = json.loads(subprocess.run(scorer, check=True, capture_output=True, text=True).stdout)
    for name, floor in MERGE_FLOORS.items():
        assert figures[name] >= floor, (
            f"merge_dev pairs {name} {figures[name]:.3f} fell below {floor}: {figures}"
        )
