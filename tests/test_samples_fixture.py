"""The fictional sample reports in samples/ stay well-formed (they feed `make demo` and the benchmark)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from incidex.records import Document

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
FIELDS = {"doc_id", "url", "published", "title", "text"}


def _rows() -> list[dict[str, str]]:
    with (SAMPLES / "reports.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


ROWS = _rows()


def test_reports_are_unique_and_between_8_and_10() -> None:
    assert 8 <= len(ROWS) <= 10
    assert len({row["doc_id"] for row in ROWS}) == len(ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[row["doc_id"] for row in ROWS])
def test_report_has_the_document_fields(row: dict[str, str]) -> None:
    assert set(row) == FIELDS
    assert all(isinstance(row[name], str) and row[name].strip() for name in FIELDS)
    published = dt.date.fromisoformat(row["published"])
    assert row["url"].startswith("https://") and ".example." in row["url"]
    sentences = [s for s in row["text"].replace("\n", " ").split(". ") if s.strip()]
    assert 3 <= len(sentences) <= 20  # the repeated-body report counts its sentences twice
    doc = Document(doc_id=row["doc_id"], text=row["text"], published=published, url=row["url"])
    assert doc.published == published


def test_plain_text_sample_is_one_of_the_reports() -> None:
    text = (SAMPLES / "report.txt").read_text(encoding="utf-8")
    assert text.strip() in {row["text"].strip() for row in ROWS}


def test_html_sample_carries_its_report_and_boilerplate() -> None:
    html = (SAMPLES / "report.html").read_text(encoding="utf-8")
    yala = next(row for row in ROWS if row["doc_id"] == "sample-yala-roadside-bomb")
    assert yala["published"] in html
    for tag in ("<nav>", "<footer>", "<article>"):
        assert tag in html
    first_words = " ".join(yala["text"].split()[:8])
    assert first_words in " ".join(html.split())
