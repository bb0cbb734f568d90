"""Ingest end to end: idempotence, merging across documents, exports, a kill -9 in the middle
of an ingest followed by a re-run (SQLite), and failures of one document, which fail alone,
against an error of the database itself, which stops the run (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import procs  # noqa: E402
import stand_in  # noqa: E402
import test_store  # noqa: E402

import incidex.ingest  # noqa: E402
from incidex.cli import main  # noqa: E402
from incidex.ingest import ingest  # noqa: E402
from incidex.records import Document, ExtractionFailure  # noqa: E402
from incidex.settings import Limits  # noqa: E402
from incidex.sources import iter_sources  # noqa: E402
from incidex.store import IncidentQuery, StoreError, open_store  # noqa: E402

# the storage suite's fixtures, for the tests that run on SQLite and on PostgreSQL
pg_cluster, db_url = test_store.pg_cluster, test_store.db_url

# Fictional reports: two outlets tell one bombing (with a toll update), a third tells another.
REPORTS = [
    {
        "doc_id": "wire-1",
        "url": "https://wire.example.com/kano-1",
        "published": "2024-05-07",
        "text": "A car bomb exploded at a crowded bus station in Kano on Monday, killing at least nine "
        "people and wounding 20 others, police said. No group has claimed responsibility.",
    },
    {
        "doc_id": "daily-1",
        "url": "https://daily.example.org/news/kano-blast",
        "published": "2024-05-07",
        "text": "At least 12 people were killed when a car bomb went off at a bus station in the northern "
        "city of Kano on Monday, witnesses said. Police blamed Boko Haram for the attack.",
    },
    {
        "doc_id": "wire-2",
        "url": "https://wire.example.com/maiduguri-2",
        "published": "2024-05-10",
        "text": "Gunmen on motorcycles killed five villagers in a raid near Maiduguri on Thursday, "
        "residents said.",
    },
]


def _write(path: Path, docs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


def test_ingest_merges_outlets_and_is_idempotent(tmp_path: Path) -> None:
    src = _write(tmp_path / "reports.jsonl", REPORTS)
    with open_store(tmp_path / "a.db") as store:
        first = ingest(iter_sources([str(src)]), store)
        assert (first.read, first.new, first.duplicate) == (3, 3, 0)
        counts = store.counts()
        incidents = list(store.incidents(IncidentQuery(limit=None)))
        again = ingest(iter_sources([str(src)]), store)
        assert (again.read, again.new, again.duplicate) == (3, 0, 3)
        assert store.counts() == counts
    assert counts["documents"] == 3
    kano = [i for i in incidents if i.fields.get("place") == "Kano"]
    assert len(kano) == 1, "two outlets telling one bombing make one incident"
    assert kano[0].n_reports == 2
    # the outlets disagree (9+ and 12+): the range keeps the lowest figure as best
    assert kano[0].fields["killed"]["low"] == 9
    assert any(
        i.fields.get("country") == "NG" and i.fields.get("killed", {}).get("low") == 5 for i in incidents
    )


def test_history_names_the_document_that_changed_an_incident(tmp_path: Path) -> None:
    src = _write(tmp_path / "reports.jsonl", REPORTS[:2])
    with open_store(tmp_path / "h.db") as store:
        ingest(iter_sources([str(src)]), store)
        [kano] = [i for i in store.incidents(IncidentQuery(limit=None)) if i.fields.get("place") == "Kano"]
        history = store.history(kano.id)
    assert [h.action for h in history] == ["created", "merged"]
    assert [h.doc_id for h in history] == ["wire-1", "daily-1"]
    assert "perpetrator" in history[1].changes  # the second outlet named Boko Haram


def test_failures_are_counted_and_the_rest_stored(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.jsonl", REPORTS[:1])
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc_id": "x", "text": 5}\nnot json\n', encoding="utf-8")
    with open_store(tmp_path / "f.db") as store:
        summary = ingest(iter_sources([str(good), str(tmp_path / "empty.txt"), str(bad)]), store)
        assert store.counts()["documents"] == 1
    assert summary.new == 1
    assert len(summary.failed) == 3
    assert any("empty.txt" in line for line in summary.failed)
    assert any("bad.jsonl:2" in line for line in summary.failed)


def test_near_duplicate_wire_copy_joins_the_first_copys_story(tmp_path: Path) -> None:
    base = (
        REPORTS[0]["text"]
        + " "
        + " ".join(f"Paragraph {i} of the wire story repeats background." for i in range(30))
    )
    copy = dict(
        REPORTS[0], doc_id="copy", url="https://copy.example.net/kano", text=base + " Updated at noon."
    )
    src = _write(tmp_path / "dups.jsonl", [dict(REPORTS[0], text=base), copy])
    with open_store(tmp_path / "n.db") as store:
        summary = ingest(iter_sources([str(src)]), store, extract=False)
        docs = list(store.iter_documents())
    assert summary.near_duplicate == 1
    assert docs[1].story_id == (docs[0].story_id or docs[0].id)


def test_cli_ingest_incidents_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path / "reports.jsonl", REPORTS)
    db = str(tmp_path / "cli.db")
    assert main(["ingest", str(src), "--db", db]) == 0
    assert "read 3, new 3" in capsys.readouterr().out

    assert main(["incidents", "--db", db, "--country", "NG", "--min-killed", "6", "--format", "jsonl"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["place"] for x in lines] == ["Kano"]
    assert {r["doc_id"] for r in lines[0]["reports"]} == {"wire-1", "daily-1"}

    assert main(["incidents", "--db", db, "--near", "12.0,8.5,50", "--format", "jsonl"]) == 0  # Kano
    assert [json.loads(x)["place"] for x in capsys.readouterr().out.splitlines()] == ["Kano"]
    assert main(["incidents", "--db", db, "--text", "motorcycles", "--format", "jsonl"]) == 0
    assert [json.loads(x)["killed"]["low"] for x in capsys.readouterr().out.splitlines()] == [5]

    assert main(["export", "--db", db, "--format", "acled-csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 2
    kano = next(r for r in rows if r["location"] == "Kano")
    assert (kano["country"], kano["iso"], kano["fatalities"]) == ("Nigeria", "566", "9")
    assert set(kano["source"].split("; ")) == {"wire.example.com", "daily.example.org"}

    assert main(["export", "--db", db, "--format", "geojson"]) == 0
    geo = json.loads(capsys.readouterr().out)
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 2
    assert all(f["geometry"]["type"] == "Point" for f in geo["features"])

    out = tmp_path / "x.parquet"
    assert main(["export", "--db", db, "--format", "parquet", "-o", str(out)]) == 0
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    assert table.num_rows == 2 and "event_id_cnty" in table.column_names
    assert main(["export", "--db", db, "--format", "parquet"]) == 2  # needs a file


def _fictional_corpus(n: int) -> list[dict]:
    towns = ["Kano", "Maiduguri", "Mogadishu", "Kandahar", "Mosul", "Peshawar", "Goma", "Bamako"]
    return [
        {
            "doc_id": f"doc-{i}",
            "url": f"https://news.example.com/{i}",
            "published": f"2024-03-{1 + i % 28:02d}",
            "text": f"Gunmen killed {2 + i % 7} people in an attack on a market in {towns[i % len(towns)]} on "
            f"Monday, officials said. Report number {i} of the fictional test corpus.",
        }
        for i in range(n)
    ]


def _dump(db: Path) -> dict[str, list]:
    con = sqlite3.connect(db)
    try:
        docs = sorted(r[0] for r in con.execute("select doc_id from documents"))
        reports = sorted(
            con.execute("select d.doc_id, r.ordinal from reports r join documents d on d.id = r.document_id")
        )
        orphans = con.execute(
            "select count(*) from documents d where not exists (select 1 from reports r where r.document_id = d.id)"
        ).fetchone()[0]
        incidents = sorted(r[0] for r in con.execute("select incident_uid from incidents"))
    finally:
        con.close()
    return {"documents": docs, "reports": reports, "orphans": [orphans], "incidents": incidents}


def test_kill_9_during_ingest_then_rerun_equals_uninterrupted_run(tmp_path: Path) -> None:
    src = _write(tmp_path / "corpus.jsonl", _fictional_corpus(120))
    cmd = [sys.executable, "-m", "incidex.cli", "ingest", str(src), "--batch-size", "4", "--db"]
    clean = tmp_path / "clean.db"
    subprocess.run([*cmd, str(clean)], check=True, capture_output=True)

    killed = tmp_path / "killed.db"
    proc = subprocess.Popen([*cmd, str(killed)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        if killed.exists():
            try:
                con = sqlite3.connect(f"file:{killed}?mode=ro", uri=True, timeout=0.1)
                stored = con.execute("select count(*) from documents").fetchone()[0]
                con.close()
            except sqlite3.Error:
                continue
            if stored >= 20:
                break
    assert proc.poll() is None, "the ingest finished before it could be killed; make the corpus larger"
    # its extraction worker, the forkserver that started it and the resource tracker
    helpers = procs.descendants(proc.pid)
    assert any("forkserver" in p.cmdline for p in helpers), helpers
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    left = procs.wait_gone((p.pid for p in helpers), timeout=30)  # generous: a loaded machine
    for p in left:
        os.kill(p.pid, signal.SIGKILL)
    assert not left, f"processes outlived the killed ingest: {left}"
    partial = _dump(killed)
    assert 20 <= len(partial["documents"]) < 120
    assert partial["orphans"] == [0], "every stored document has its reports"

    subprocess.run([*cmd, str(killed)], check=True, capture_output=True)
    assert _dump(killed) == _dump(clean)


def test_two_texts_under_one_doc_id_are_both_kept(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "report.txt").write_text(REPORTS[0]["text"], encoding="utf-8")
    (tmp_path / "b" / "report.txt").write_text(REPORTS[2]["text"], encoding="utf-8")
    with open_store(tmp_path / "d.db") as store:
        summary = ingest(iter_sources([str(tmp_path / "a"), str(tmp_path / "b")], published=None), store)
        ids = sorted(d.doc_id for d in store.iter_documents())
    assert summary.new == 2 and not summary.failed
    assert ids[0] == "report" and ids[1].startswith("report~")


def test_worker_processes_store_the_same_as_extracting_in_process(tmp_path: Path) -> None:
    # ... and fail the same document: one over the limits, among the others
    corpus = _fictional_corpus(24)
    corpus.insert(7, {"doc_id": "long", "text": "Gunmen attacked a convoy near Kano. " * 200})
    src = _write(tmp_path / "corpus.jsonl", corpus)
    limits = Limits(doc_chars=5_000)
    dumps = []
    for jobs in (0, 2):
        db = tmp_path / f"jobs{jobs}.db"
        with open_store(db) as store:
            summary = ingest(iter_sources([str(src)]), store, batch_size=5, jobs=jobs, limits=limits)
        assert (summary.new, summary.reports) == (24, 24)
        assert len(summary.failed) == 1 and summary.failed[0].startswith("long: ")
        dumps.append(_dump(db))
    assert dumps[0] == dumps[1] and dumps[0]["incidents"]  # same documents, reports and incidents


def test_a_town_report_merges_into_an_incident_placed_only_by_its_province(tmp_path: Path) -> None:
    # Biu lies about 140 km from the point that stands for Borno State: no distance bars it.
    docs = [
        {
            "doc_id": "province",
            "url": "https://one.example.com/a",
            "published": "2020-02-10",
            "text": "Gunmen kidnapped 12 aid workers at a camp in Borno State late Saturday, police said. "
            "The ISWAP faction was blamed.",
        },
        {
            "doc_id": "town",
            "url": "https://two.example.com/b",
            "published": "2020-02-10",
            "text": "Gunmen kidnapped 12 aid workers at a camp outside Biu late Saturday night, officials "
            "said. The ISWAP faction was blamed.",
        },
    ]
    src = _write(tmp_path / "two.jsonl", docs)
    with open_store(tmp_path / "reach.db") as store:
        summary = ingest(iter_sources([str(src)]), store)
        [inc] = store.incidents(IncidentQuery(limit=None))
    assert (summary.incidents_created, summary.incidents_merged) == (1, 1)
    assert (inc.place, inc.n_reports) == ("Biu", 2)  # the more specific place wins


# -- one document's failure is its own ------------------------------------------------------------


def _poisoned(kind: str, stand: stand_in.StandIn) -> list[Document]:
    """100 reports, the 51st poisoned: extraction gives up on it, or the database refuses one of
    its values (a title with a lone surrogate that no sanitiser caught, a toll of 10**20)."""
    docs = [stand_in.numbered(n) for n in range(100)]
    if kind == "extraction":
        stand.fails["doc-50"] = "over its budget of 20 s (the stand-in's failure)"
    elif kind == "document value":
        object.__setattr__(docs[50], "title", "Attack \ud800")  # past Document's own sanitiser
    else:
        docs[50] = stand_in.numbered(50, killed=10**20)
    return docs


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("extraction", "over its budget"),
        ("document value", "surrogates not allowed"),
        ("report value", "out of range|too large"),
    ],
)
def test_a_poisoned_document_fails_alone_and_the_others_are_stored(
    db_url: str, kind: str, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand = stand_in.StandIn().install(incidex.ingest, monkeypatch)
    docs = _poisoned(kind, stand)
    with open_store(db_url) as store:
        summary = ingest(docs, store, batch_size=8)
        assert (summary.read, summary.new, len(summary.failed)) == (100, 99, 1)
        assert summary.failed[0].startswith("doc-50: ") and re.search(reason, summary.failed[0])
        assert store.counts() == {"documents": 99, "reports": 99, "incidents": 99}
        again = ingest(docs, store)  # a re-run does not stop there either
        assert (again.read, again.new, again.duplicate, len(again.failed)) == (100, 0, 99, 1)


def test_an_error_of_the_database_itself_stops_the_run_and_keeps_what_was_stored(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand = stand_in.StandIn().install(incidex.ingest, monkeypatch)
    docs = [stand_in.numbered(n) for n in range(20)]
    with open_store(db_url) as store, open_store(db_url) as admin:

        def lose_a_table() -> None:  # what every later document needs is gone
            with admin._engine.begin() as conn:
                conn.exec_driver_sql("DROP TABLE reports")

        stand.during["doc-10"] = lose_a_table
        with pytest.raises(StoreError, match="stopped after 10 new documents, each stored whole"):
            ingest(docs, store, batch_size=1)
        assert sorted(d.doc_id for d in store.iter_documents()) == sorted(f"doc-{n}" for n in range(10))


def test_a_document_that_kills_its_worker_fails_alone_and_the_rest_are_extracted() -> None:
    """A worker killed by one document (for memory, or a crash in native code) breaks the
    pool and loses every batch in flight; only that document may fail, in order, and the
    others (in its batch and in the batches after it) are extracted."""
    docs = [stand_in.numbered(i) for i in range(12)]
    poison = Document(doc_id="poison", text=f"{stand_in.CRASH_MARKER} in an otherwise plain report.")
    docs.insert(6, poison)  # in the second of four batches
    batches = incidex.ingest._batches(docs, 4)
    out = [
        pair
        for batch in incidex.ingest._extracted(batches, extract=True, jobs=1, work=stand_in.crash_on_marker)
        for pair in batch
    ]
    assert [d.doc_id for d, _ in out] == [d.doc_id for d in docs]
    failed = {d.doc_id: r for d, r in out if isinstance(r, ExtractionFailure)}
    assert list(failed) == ["poison"]
    assert failed["poison"].reason == incidex.ingest.WORKER_DIED
    assert all(r == stand_in.incidents_in(d) for d, r in out if d.doc_id != "poison")
