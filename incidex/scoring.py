"""Scores predicted incidents against gold ones, by the rules of the evaluation guide.

Incidents are matched within a document one to one, best pairs first and required gold
incidents before optional ones; a pair needs an anchor (agreement on place, date,
killed.low or wounded.low where the gold vouches for it; country, and event type where
given, when the gold vouches for none of them or reports a single incident). Reported:
incident precision, recall and F1 (optional gold incidents excluded) and, over matched
pairs, the share of exact agreement per field. The figures are those of the reference
scorer (``shared/eval/score.py``); a test holds the two together.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

FIELDS = (
    "killed.low",
    "killed.high",
    "wounded.low",
    "wounded.high",
    "date",
    "place",
    "country",
    "event_type",
    "sub_event_type",
    "perpetrator",
    "claimed",
    "target_type",
    "weapon",
)

Record = Mapping[str, Any]


def _norm(value: object) -> str | None:
    if value is None:
        return None
    s = unicodedata.normalize("NFKD", str(value))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(s.lower().replace("-", " ").split())


def _names(inc: Record, key: str) -> set[str]:
    out = {_norm(inc.get(key))} | {_norm(a) for a in inc.get(key + "_aliases") or []}
    return {n for n in out if n is not None}


def _count(inc: Record, key: str, bound: str) -> int | None:
    c = inc.get(key)
    return None if c is None else c.get(bound)


def _value(inc: Record, name: str) -> object:
    if "." in name:
        key, bound = name.split(".")
        return _count(inc, key, bound)
    return inc.get(name)


def agrees(gold: Record, pred: Record, name: str) -> bool:
    if name in ("place", "perpetrator"):
        p = _norm(pred.get(name))
        return gold.get(name) is None if p is None else p in _names(gold, name)
    if name == "claimed":
        return bool(gold.get("claimed")) == bool(pred.get("claimed"))
    return _value(gold, name) == _value(pred, name)


def affinity(gold: Record, pred: Record, alone: bool = False) -> float:
    """How well a predicted incident fits a gold one; 0 means they cannot be the same."""
    skip = set(gold.get("unscored") or [])

    def usable(f: str) -> bool:
        return gold.get(f) is not None and f not in skip

    hits = {
        "place": usable("place") and agrees(gold, pred, "place"),
        "date": usable("date") and pred.get("date") == gold.get("date"),
        "killed": usable("killed") and _count(gold, "killed", "low") == _count(pred, "killed", "low"),
        "wounded": usable("wounded") and _count(gold, "wounded", "low") == _count(pred, "wounded", "low"),
    }
    country = bool(gold.get("country")) and pred.get("country") == gold.get("country")
    kind = (
        gold.get("event_type") is None
        or "event_type" in skip
        or pred.get("event_type") == gold.get("event_type")
    )
    s: float = 3 * hits["place"] + 3 * hits["date"] + 2 * hits["killed"] + 1 * hits["wounded"] + 1 * country
    s += 0.5 * (pred.get("event_type") == gold.get("event_type"))
    if any(hits.values()):
        return s
    if (alone or not any(usable(f) for f in hits)) and country and kind:
        return s
    return 0.0


def match(gold: Sequence[Record], pred: Sequence[Record]) -> list[tuple[int, int]]:
    """Greedy one-to-one matching, best pairs first; required incidents before optional ones."""
    alone = sum(1 for g in gold if not g.get("optional")) == 1
    pairs = []
    for (i, g), (j, p) in product(enumerate(gold), enumerate(pred)):
        a = affinity(g, p, alone and not g.get("optional"))
        if a > 0:
            pairs.append((a + (0 if g.get("optional") else 0.5), -i, -j))
    pairs.sort(reverse=True)
    used_g: set[int] = set()
    used_p: set[int] = set()
    out = []
    for _, i, j in pairs:
        if -i in used_g or -j in used_p:
            continue
        used_g.add(-i)
        used_p.add(-j)
        out.append((-i, -j))
    return out


@dataclass
class Score:
    documents: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    agree: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    scored: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def fields(self) -> dict[str, float]:
        return {f: self.agree[f] / self.scored[f] for f in FIELDS if self.scored[f]}

    @property
    def field_mean(self) -> float:
        f = self.fields
        return sum(f.values()) / len(f) if f else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "incident_precision": self.precision,
            "incident_recall": self.recall,
            "incident_f1": self.f1,
            "matched": self.tp,
            "false_positives": self.fp,
            "false_negatives": self.fn,
            "field_accuracy": self.fields,
            "field_mean": self.field_mean,
        }

    def report(self) -> str:
        lines = [
            f"documents {self.documents}  incidents P {self.precision:.3f} R {self.recall:.3f} F1 {self.f1:.3f} "
            f"(matched {self.tp}, FP {self.fp}, FN {self.fn})"
        ]
        lines += [f"  {f:15s} {a:.3f}" for f, a in self.fields.items()]
        lines.append(f"  {'mean':15s} {self.field_mean:.3f}")
        return "\n".join(lines)


def score(gold_docs: Sequence[Record], predicted: Mapping[str, Sequence[Record]]) -> Score:
    """Score ``predicted`` (doc_id -> incidents) against gold documents."""
    result = Score(documents=len(gold_docs))
    for doc in gold_docs:
        gold = doc["incidents"]
        pred = predicted.get(doc["doc_id"], [])
        pairs = match(gold, pred)
        matched_g = {i for i, _ in pairs}
        matched_p = {j for _, j in pairs}
        for i, j in pairs:
            if gold[i].get("optional"):
                continue
            result.tp += 1
            skip = set(gold[i].get("unscored") or [])
            for f in FIELDS:
                if f in skip or f.split(".")[0] in skip:
                    continue
                result.scored[f] += 1
                result.agree[f] += agrees(gold[i], pred[j], f)
        result.fn += sum(1 for i, g in enumerate(gold) if i not in matched_g and not g.get("optional"))
        result.fp += sum(1 for j in range(len(pred)) if j not in matched_p)
    return result
