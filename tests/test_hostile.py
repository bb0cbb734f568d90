"""A hostile JSON Lines file through ``incidex ingest``, on SQLite and PostgreSQL: one poison
line among 99 good reports stores every good one, reports the bad one with its line, never
stops the run, and a re-run stores nothing new (issue 9, finding 2).

On main, with the bad line at position 51 of 100, 0 or 32 of the 99 good documents were
stored and every re-run stopped at the same place. Each poison shape is tried alone at line
51, then all of them mixed into one file; most runs store without extraction (``--no-extract``,
fast), one run per engine extracts. The reports are invented.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from incidex import reader
from incidex.cli import main
from incidex.reader import clean_title
from incidex.store import open_store
from tests import test_store

# The good reports are the hostile benchmark's own (fictional; doc_id "good-0051").
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_hostile import good_report  # noqa: E402

# the storage suite's fixtures: each test runs on SQLite and on PostgreSQL (skipped, saying
# why, where PostgreSQL is not installed)
pg_cluster, db_url = test_store.pg_cluster, test_store.db_url

GOOD_COUNT = 99
POSITION = 51  # of the poison line, 1-based, as in the issue


@dataclass(frozen=True)
class Poison:
    """One bad line; ``stored`` when the reader repairs it (the document is then kept), ``None``
    when it may be kept or refused (extraction's budgets decide), never an abort."""

    name: str
    line: Callable[[], bytes]
    stored: bool | None = False
    message: str = ""  # a part of the failure's reason


def _json(record: dict[str, object]) -> bytes:
    return json.dumps(record).encode()


def _with(raw: str) -> Callable[[], bytes]:
    """A line from a JSON text with ``TEXT`` standing for a report's text (its own: a text
    stored before would be a duplicate, not a poison)."""
    tag = hashlib.blake2b(raw.encode(), digest_size=4).hexdigest()
    text = json.dumps(f"Gunmen attacked checkpoint {tag} in Gao, police said.")
    return lambda: raw.replace("TEXT", text).encode()


POISONS = [
    Poison("surrogate-text", lambda: b'{"doc_id": "p1", "text": "Gunmen attacked \\ud800 Gao."}', stored=True),
    Poison(
        "surrogates-everywhere",
        lambda: (
            b'{"doc_id": "p2-\\udc00", "text": "Gunmen attacked Gao \\ud800.", "\\udfff": 1, '
            b'"title": "Blast \\ud800", "url": "https://wire.example.com/p2/\\ud800"}'
        ),
        stored=True,
    ),
    Poison("nul-escape", _with('{"doc_id": "p3", "text": "Gunmen\\u0000attacked Gao.", "title": "A\\u0000B"}'), stored=True),
    Poison("control-title", _with('{"doc_id": "p4", "text": TEXT, "title": "\\u001b[2J\\nBlast"}'), stored=True),
    Poison("bom-and-crlf", lambda: b"\xef\xbb\xbf" + _with('{"doc_id": "p5", "text": TEXT}')() + b"\r", stored=True),
    Poison("raw-nul", lambda: b'{"doc_id": "p6", "text": "Gunmen\x00attacked Gao."}', message="malformed JSON"),
    Poison("deep-nesting", _with('{"doc_id": "p7", "text": TEXT, "n": ' + "[" * 20_000 + "]" * 20_000 + "}"), message="nested more than 64 levels"),
    Poison("absurd-nesting", _with('{"doc_id": "p8", "text": TEXT, "n": ' + "[" * 300 + "]" * 300 + "}"), message="nested more than 64 levels"),
    Poison("huge-int", _with('{"doc_id": ' + "9" * 5000 + ', "text": TEXT}'), message="a number of 5,000 digits"),
    Poison("nan", _with('{"doc_id": "p10", "text": TEXT, "score": NaN}'), message="NaN is not JSON"),
    Poison("infinity-date", _with('{"doc_id": "p11", "text": TEXT, "published": 1e999}'), message='"published" must be a date string'),
    Poison("doc-id-list", _with('{"doc_id": ["p12"], "text": TEXT}'), message='"doc_id" must be a string or an integer'),
    Poison("text-object", lambda: b'{"doc_id": "p13", "text": {"body": "Gunmen attacked Gao."}}', message='"text" must be a string'),
    Poison("title-dict", _with('{"doc_id": "p14", "text": TEXT, "title": {"a": 1}}'), message='"title" must be a string'),
    Poison("bad-url", _with('{"doc_id": "p15", "text": TEXT, "url": "http://[::1/x"}'), message="not a valid URL"),
    Poison("long-url", _with('{"doc_id": "p16", "text": TEXT, "url": "https://wire.example.com/' + "u" * 3000 + '"}'), message="longer than 2,048 bytes"),
    Poison("long-doc-id", _with('{"doc_id": "' + "i" * 3000 + '", "text": TEXT}'), message="longer than 1,000 bytes"),
    Poison("latin1", lambda: b'{"doc_id": "p18", "text": "Gunmen attacked Yaound\xe9."}', message="not UTF-8 text"),
    Poison("not-json", lambda: b'{"doc_id": "p19", "text": "Gunmen attacked', message="malformed JSON"),
    Poison("overlong-line", _with('{"doc_id": "p20", "text": TEXT, "pad": "' + "x" * 70_000 + '"}'), message="larger than the"),
]  # fmt: skip


def write_corpus(path: Path, poisons: list[Poison]) -> dict[str, int]:
    """99 good lines with the poison lines from line 51 on; returns each poison's line number."""
    lines = [_json(good_report(i)) for i in range(1, GOOD_COUNT + 1)]
    at = {}
    for n, poison in enumerate(poisons):
        lines.insert(POSITION - 1 + n, poison.line())
        at[poison.name] = POSITION + n
    path.write_bytes(b"\n".join(lines) + b"\n")
    return at


@pytest.fixture
def small_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 64 kB line limit, so that the over-long line need not be 10 MB."""
    monkeypatch.setattr(reader, "MAX_DOCUMENT_BYTES", 64 * 1024)


def ingest(
    capsys: pytest.CaptureFixture[str], path: Path, url: str, *options: str
) -> tuple[int, str, list[str]]:
    """``incidex ingest`` in this process: its exit status, summary line and failure lines."""
    rc = main(["ingest", str(path), "--db", url, *options])
    out, err = capsys.readouterr()
    failed = [line for line in err.splitlines() if line.startswith("incidex: failed ")]
    return rc, out.strip().splitlines()[-1], failed


def stored_ids(url: str) -> set[str]:
    """The doc_ids stored; and every stored string as both engines and every reader need it:
    no NUL, no lone surrogate, a title of one printable line."""
    with open_store(url) as store:
        docs = list(store.iter_documents())
    for d in docs:
        for value in (d.doc_id, d.text, d.url, d.title, d.source):
            assert value is None or ("\x00" not in value and value.encode("utf-8")), d.doc_id
        assert d.title == clean_title(d.title), d.title
    return {d.doc_id for d in docs}


def check_run(
    capsys: pytest.CaptureFixture[str], path: Path, url: str, poisons: list[Poison], *options: str
) -> None:
    at = write_corpus(path, poisons)
    rc, summary, failed = ingest(capsys, path, url, *options)
    assert rc == 0, summary
    ids = stored_ids(url)
    assert {f"good-{i:04d}" for i in range(1, GOOD_COUNT + 1)} <= ids, "every good document is stored"
    undecided = [p for p in poisons if p.stored is None]
    for poison in undecided:  # kept, or failed with a line that names it
        assert (poison.name in ids) != any(poison.name in line for line in failed), (poison.name, failed)
    kept = sum(p.stored is True for p in poisons) + sum(p.name in ids for p in undecided)
    refused = [p for p in poisons if p.stored is False]
    assert f"new {GOOD_COUNT + kept}," in summary, summary
    assert len(ids) == GOOD_COUNT + kept
    assert len(failed) == len(poisons) - kept, failed
    for poison in refused:
        (line,) = [f for f in failed if f.startswith(f"incidex: failed {path}:{at[poison.name]}")]
        assert poison.message in line, (poison.name, line)

    rc, summary, again = ingest(capsys, path, url, *options)
    assert rc == 0
    assert f"new 0, duplicate {GOOD_COUNT + kept} " in summary, summary
    assert again == failed, "a re-run reports the same failures and stops nowhere"
    assert stored_ids(url) == ids


@pytest.mark.usefixtures("restore_logging", "small_lines")
@pytest.mark.parametrize("poison", POISONS, ids=[p.name for p in POISONS])
def test_one_poison_line_among_99_good(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, db_url: str, poison: Poison
) -> None:
    check_run(capsys, tmp_path / "reports.jsonl", db_url, [poison], "--no-extract")


@pytest.mark.usefixtures("restore_logging", "small_lines")
def test_every_poison_line_mixed_in(capsys: pytest.CaptureFixture[str], tmp_path: Path, db_url: str) -> None:
    check_run(capsys, tmp_path / "reports.jsonl", db_url, POISONS, "--no-extract")


LONG_SENTENCE = Poison(
    "million-character-sentence",
    lambda: _json(
        {"doc_id": "million-character-sentence", "text": "Gunmen attacked Gao and " + "then fled " * 100_001}
    ),
    stored=None,
)


@pytest.mark.usefixtures("restore_logging")
def test_every_poison_line_mixed_in_with_extraction(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, db_url: str
) -> None:
    # a sentence of over a million characters made spaCy raise E088 for the whole batch on main;
    # here the line limit stays 10 MB so that it is read
    poisons = [p for p in POISONS if p.name != "overlong-line"] + [LONG_SENTENCE]
    check_run(capsys, tmp_path / "reports.jsonl", db_url, poisons, "--jobs", "0")
