"""Tests for the ``incidex`` command, run in process through :func:`incidex.cli.main`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from incidex.cli import main

pytestmark = pytest.mark.usefixtures("restore_logging")

GUSAU = (
    "Gunmen shot dead six farmers at a market in the town of Gusau in Zamfara state on Monday, police said.\n"
)
KANO = "A bomb hidden in a rubbish bin killed three people at a bus station in Kano on Friday.\n"


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def jsonl_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_extract_jsonl_prints_one_line_per_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(tmp_path / "gusau.txt", GUSAU)
    b = write(tmp_path / "kano.txt", KANO)
    rc = main(["extract", str(a), str(b), "--published", "2024-05-08", "--format", "jsonl"])
    out = capsys.readouterr().out
    assert rc == 0
    lines = jsonl_lines(out)
    assert [d["doc_id"] for d in lines] == ["gusau", "kano"]
    assert all(d["published"] == "2024-05-08" for d in lines)
    gusau = lines[0]["incidents"]
    assert len(gusau) == 1
    assert gusau[0]["place"] == "Gusau"
    assert gusau[0]["date"] == "2024-05-06"
    assert gusau[0]["killed"]["low"] == 6
    assert lines[1]["incidents"][0]["place"] == "Kano"
    assert lines[1]["incidents"][0]["date"] == "2024-05-03"


def test_extract_table_prints_a_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path / "gusau.txt", GUSAU)
    rc = main(["extract", str(a), "--published", "2024-05-08", "--format", "table"])
    out = capsys.readouterr().out.splitlines()
    assert rc == 0
    assert out[0].split() == [
        "doc",
        "date",
        "place",
        "cc",
        "type",
        "killed",
        "wounded",
        "perpetrator",
        "target",
        "weapon",
    ]
    assert len(out) == 2
    assert out[1].split()[:4] == ["gusau", "2024-05-06", "Gusau", "NG"]


def test_a_malformed_jsonl_line_is_skipped_and_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "batch.jsonl"
    write(
        docs,
        "".join(
            [
                json.dumps({"doc_id": "first", "text": KANO, "published": "2024-05-08"}) + "\n",
                '{"doc_id": "broken", "text": \n',
                json.dumps({"doc_id": "third", "text": GUSAU, "published": "2024-05-08"}) + "\n",
            ]
        ),
    )
    rc = main(["extract", str(docs)])
    captured = capsys.readouterr()
    assert rc == 0
    assert [d["doc_id"] for d in jsonl_lines(captured.out)] == ["first", "third"]
    assert f"{docs}:2" in captured.err
    assert "broken" not in captured.out


def test_no_readable_input_is_an_error_naming_each_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = write(tmp_path / "empty.txt", "")
    binary = write(tmp_path / "blob.txt", bytes(range(256)) * 8)
    rc = main(["extract", str(empty), str(binary), "--published", "2024-05-08"])
    captured = capsys.readouterr()
    assert rc != 0
    assert captured.out == ""
    assert str(empty) in captured.err
    assert str(binary) in captured.err


def test_a_bad_published_date_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path / "gusau.txt", GUSAU)
    with pytest.raises(SystemExit) as exc:
        main(["extract", str(a), "--published", "8 May 2024"])
    assert exc.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


GOLD = [
    {
        "doc_id": "g1",
        "url": None,
        "published": "2024-05-08",
        "text": GUSAU,
        "incidents": [
            {
                "place": "Gusau",
                "country": "NG",
                "date": "2024-05-06",
                "killed": {"low": 6, "high": 6},
                "wounded": None,
                "event_type": "Violence against civilians",
                "target_type": "civilians",
                "sub_event_type": "Attack",
                "weapon": "firearms",
                "perpetrator": None,
                "claimed": False,
                "place_aliases": [],
            }
        ],
    },
    {
        "doc_id": "g2",
        "url": None,
        "published": "2024-05-08",
        "text": "The council met on Tuesday to discuss the budget for new roads.\n",
        "incidents": [],
    },
]


def test_eval_prints_scores_and_writes_predictions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gold = write(tmp_path / "gold.jsonl", "".join(json.dumps(d) + "\n" for d in GOLD))
    pred = tmp_path / "pred.jsonl"
    rc = main(["eval", str(gold), "--out", str(pred)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "incidents P" in out
    assert "F1 1.000" in out
    lines = jsonl_lines(pred.read_text(encoding="utf-8"))
    assert [d["doc_id"] for d in lines] == ["g1", "g2"]
    assert lines[0]["incidents"][0]["place"] == "Gusau"
    assert lines[1]["incidents"] == []


def test_eval_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold = write(tmp_path / "gold.jsonl", "".join(json.dumps(d) + "\n" for d in GOLD))
    assert main(["eval", str(gold), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["documents"] == 2
    assert figures["matched"] == 1
    assert figures["incident_f1"] == 1.0
    assert figures["field_accuracy"]["killed.low"] == 1.0


def test_eval_names_a_bad_gold_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold = write(tmp_path / "gold.jsonl", json.dumps(GOLD[0]) + "\n" + json.dumps({"doc_id": "x"}) + "\n")
    rc = main(["eval", str(gold)])
    err = capsys.readouterr().err
    assert rc != 0
    assert f"{gold}:2" in err
