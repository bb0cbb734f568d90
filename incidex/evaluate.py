"""Runs extraction over a gold file and scores it (see scoring.py and shared/eval/GUIDE.md)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from incidex.errors import InputError
from incidex.pipeline import extract_documents
from incidex.records import Document
from incidex.scoring import Score, score


def load_gold(path: str | Path) -> list[dict[str, Any]]:
    """Gold documents, one JSON object a line; a bad line is an error naming it."""
    docs = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
                doc["doc_id"], doc["text"], doc["incidents"]  # noqa: B018 - the fields a gold line must have
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise InputError(
                    str(path), f"not a gold document ({exc}); see shared/eval/GUIDE.md", line=lineno
                ) from exc
            docs.append(doc)
    return docs


def evaluate(gold_path: str | Path, out: str | Path | None = None) -> Score:
    """Extract every gold document's incidents, optionally write them as JSON Lines, and score them."""
    gold = load_gold(gold_path)
    docs = [
        Document(
            doc_id=d["doc_id"],
            text=d["text"],
            url=d.get("url"),
            published=dt.date.fromisoformat(d["published"]) if d.get("published") else None,
        )
        for d in gold
    ]
    predicted: dict[str, list[dict[str, Any]]] = {}
    for doc, incidents in extract_documents(docs):
        predicted[doc.doc_id] = [i.to_dict() for i in incidents]
    if out is not None:
        with open(out, "w", encoding="utf-8") as fh:
            for doc in docs:
                fh.write(
                    json.dumps({"doc_id": doc.doc_id, "incidents": predicted[doc.doc_id]}, ensure_ascii=False)
                    + "\n"
                )
    return score(gold, predicted)
