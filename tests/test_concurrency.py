"""Several writers on one database at once, on SQLite and on PostgreSQL (issue 9, findings 4,
9 and 11): two ingests and the API storing overlapping documents, and each race on its own,
made certain by doing another writer's work while a document is being extracted (after this
ingest checked that it is new, before it stores it).

After any of them: every document is stored once, no run stops, each incident's merged
fields are what the merge rules make of its stored reports, and documents and stories group
as one writer alone would have grouped them. Extraction is the stand-in of tests/stand_in.py.

Run as a script, this file is one ingest of the concurrent test:
``python tests/test_concurrency.py URL forward|across GO_FILE``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

sys.path.insert(0, str(Path(__file__).parent))
import stand_in  # noqa: E402
import test_store  # noqa: E402

import incidex.ingest  # noqa: E402
from incidex import merge  # noqa: E402
from incidex.api import create_app  # noqa: E402
from incidex.ingest import ingest, stored_report  # noqa: E402
from incidex.records import Document  # noqa: E402
from incidex.store import IncidentQuery, Store, open_store  # noqa: E402

# the storage suite's fixtures: each test runs on SQLite and on PostgreSQL
pg_cluster, db_url = test_store.pg_cluster, test_store.db_url


@pytest.fixture
def stand(monkeypatch: pytest.MonkeyPatch) -> stand_in.StandIn:
    return stand_in.StandIn().install(incidex.ingest, monkeypatch)


@pytest.fixture
def stores(db_url: str) -> Iterator[tuple[Store, Store]]:
    """This ingest's store and another writer's, on one database (each its own connections)."""
    with open_store(db_url) as mine, open_store(db_url) as theirs:
        yield mine, theirs


# -- what must hold after any mix of writers --------------------------------------------------


def assert_merged_fields_follow_reports(store: Store) -> None:
    """Every incident's merged fields are :func:`merge.reconcile` over its stored reports."""
    found = list(store.incidents(IncidentQuery(limit=None)))
    assert found
    for inc in found:
        reports = store.reports_of(inc.id)
        assert inc.n_reports == len(reports), inc.incident_uid
        expected = merge.reconcile([stored_report(r) for r in reports]).fields
        assert inc.fields == expected, f"{inc.incident_uid} disagrees with its {len(reports)} reports"


def groupings(store: Store) -> tuple[set[frozenset[str]], set[frozenset[str]]]:
    """The documents (by doc_id) of each story and of each incident."""
    docs = list(store.iter_documents())
    roots = {d.id for d in docs if d.story_id is None}
    assert all(d.story_id in roots for d in docs if d.story_id), "a story points at its first copy"
    stories: defaultdict[int, set[str]] = defaultdict(set)
    for d in docs:
        stories[d.story_id or d.id].add(d.doc_id)
    incidents = {
        frozenset(r.doc_id for r in store.reports_of(i.id))
        for i in store.incidents(IncidentQuery(limit=None))
    }
    return {frozenset(s) for s in stories.values()}, incidents


# -- each race on its own ---------------------------------------------------------------------


def test_a_merge_counts_the_reports_another_writer_added_meanwhile(
    stores: tuple[Store, Store], stand: stand_in.StandIn
) -> None:
    mine, theirs = stores
    reports = [stand_in.report(0, 0, copy) for copy in range(3)]
    highest = stand_in.report(0, 1, 3)  # of incident 0, the report with the highest figure
    # this ingest has read the incident's reports for the first two; then another writer adds one
    stand.during[reports[2].doc_id] = lambda: ingest([highest], theirs)
    summary = ingest(reports, mine, batch_size=1)
    assert (summary.new, summary.failed) == (3, [])
    [incident] = mine.incidents()
    assert incident.n_reports == 4
    assert incident.fields["killed"]["high"] == stand_in.incidents_in(highest)[0].to_dict()["killed"]["high"]
    assert_merged_fields_follow_reports(mine)


def test_a_document_another_writer_stored_meanwhile_is_a_duplicate(
    stores: tuple[Store, Store], stand: stand_in.StandIn
) -> None:
    mine, theirs = stores
    first, second = stand_in.report(0, 0, 0), stand_in.report(1, 0, 0)
    stand.during[second.doc_id] = lambda: ingest([second], theirs)
    summary = ingest([first, second], mine, batch_size=1)
    assert (summary.read, summary.new, summary.duplicate, summary.failed) == (2, 1, 1, [])
    assert mine.counts() == {"documents": 2, "reports": 2, "incidents": 2}


def test_a_near_duplicate_joins_the_story_another_writer_stored_meanwhile(
    stores: tuple[Store, Store], stand: stand_in.StandIn
) -> None:
    mine, theirs = stores
    copy, original = stand_in.report(0, 0, 1), stand_in.report(0, 0, 0)  # one story, two outlets
    stand.during[copy.doc_id] = lambda: ingest([original], theirs)
    summary = ingest([stand_in.report(1, 0, 0), copy], mine, batch_size=1)
    assert (summary.new, summary.near_duplicate) == (2, 1)
    stored = {d.doc_id: d for d in mine.iter_documents()}
    assert stored[copy.doc_id].story_id == stored[original.doc_id].id


def _post(client: TestClient, token: str, doc: Document) -> Response:
    body = {"text": doc.text, "url": doc.url, "doc_id": doc.doc_id, "title": doc.title}
    body["published"] = doc.published.isoformat() if doc.published else None
    return client.post("/documents", json=body, headers={"Authorization": f"Bearer {token}"})


def test_the_same_report_posted_twice_at_once_is_stored_once(
    stores: tuple[Store, Store], stand: stand_in.StandIn
) -> None:
    store, _ = stores
    token = store.create_token("desk")
    doc = stand_in.report(0, 0, 0)
    with TestClient(create_app(store=store)) as client:
        inner: list[Response] = []
        stand.during[doc.doc_id] = lambda: inner.append(_post(client, token, doc))
        outer = _post(client, token, doc)
    [first] = inner
    assert first.status_code == 201, first.text
    stored_as = first.json()["id"]
    assert outer.status_code == 409, outer.text
    assert str(stored_as) in outer.json()["error"]["message"]  # names the stored document
    assert store.counts()["documents"] == 1


def test_the_api_reads_only_the_documents_stored_since_its_last_request(
    stores: tuple[Store, Store], stand: stand_in.StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, theirs = stores
    ingest(stand_in.corpus(2), store)  # 16 documents before the server starts
    token = store.create_token("desk")
    read: list[str] = []
    iter_documents = Store.iter_documents

    def counted(self: Store, **kw: Any) -> Iterator[Any]:
        for d in iter_documents(self, **kw):
            read.append(d.doc_id)
            yield d

    monkeypatch.setattr(Store, "iter_documents", counted)
    with TestClient(create_app(store=store)) as client:
        assert _post(client, token, stand_in.report(2, 0, 0)).status_code == 201
        assert len(read) == 16  # the first request reads what was stored before
        read.clear()
        assert _post(client, token, stand_in.report(2, 0, 1)).status_code == 201
        assert read == []  # nothing again: the index kept what it read and what it stored
        ingest([stand_in.report(3, 0, 0), stand_in.report(3, 0, 1)], theirs)  # another writer
        read.clear()
        assert _post(client, token, stand_in.report(3, 0, 2)).status_code == 201
        assert sorted(read) == ["i3-s0-c0", "i3-s0-c1"]  # only what the other writer stored
    stored = {d.doc_id: d for d in store.iter_documents()}
    assert stored["i2-s0-c1"].story_id == stored["i2-s0-c0"].id  # near-duplicates still link
    assert stored["i3-s0-c2"].story_id == stored["i3-s0-c0"].id


# -- all writers at once ----------------------------------------------------------------------


def _writer(url: str, order: str, go: Path) -> None:
    """One ingest of the concurrent test, in a process of its own (see the module docstring):
    ``forward`` incident by incident, ``across`` the last copies of every incident first, so
    that the two ingests merge into the same incidents at the same time."""
    docs = stand_in.corpus()
    if order == "across":
        docs.sort(key=lambda d: d.doc_id.split("-")[::-1], reverse=True)  # "i0-s1-c2": copy first
    stand_in.StandIn().install(incidex.ingest)
    with open_store(url) as store:
        print("ready", flush=True)
        while not go.exists():
            time.sleep(0.01)
        summary = ingest(docs, store, batch_size=4)
    print(json.dumps(asdict(summary)), flush=True)


def test_two_ingests_and_api_posts_at_once(db_url: str, tmp_path: Path, stand: stand_in.StandIn) -> None:
    docs = stand_in.corpus()
    with open_store(tmp_path / "one-writer.db") as alone:
        ingest(docs, alone)
        expected = groupings(alone)
    assert len(expected[0]) == 12 and len(expected[1]) == 6  # 12 stories, 6 incidents

    go = tmp_path / "go"
    writers = [
        subprocess.Popen(
            [sys.executable, __file__, db_url, order, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for order in ("forward", "across")
    ]
    with open_store(db_url) as store:
        token = store.create_token("desk")
        statuses: list[Response] = []
        with TestClient(create_app(store=store)) as client:

            def post_each(some: list[Document]) -> None:
                statuses.extend(_post(client, token, d) for d in some)

            for w in writers:
                assert w.stdout is not None and w.stdout.readline().strip() == "ready", w.communicate()
            posters = [threading.Thread(target=post_each, args=(docs[k::6],)) for k in (0, 3)]
            go.touch()
            for t in posters:
                t.start()
            outputs = [w.communicate(timeout=300) for w in writers]
            for t in posters:
                t.join(timeout=300)

        for w, (_, err) in zip(writers, outputs, strict=True):
            assert w.returncode == 0, err[-3000:]
        summaries = [json.loads(out.splitlines()[-1]) for out, _ in outputs]
        for s in summaries:
            assert (s["read"], s["new"] + s["duplicate"], s["failed"]) == (48, 48, [])
        assert len(statuses) == 16
        assert {r.status_code for r in statuses} <= {201, 409}, [r.text for r in statuses]
        created = sum(r.status_code == 201 for r in statuses)
        assert sum(s["new"] for s in summaries) + created == 48  # each stored by one writer

        assert sorted(d.doc_id for d in store.iter_documents()) == sorted(d.doc_id for d in docs)
        assert store.counts()["reports"] == 48
        assert_merged_fields_follow_reports(store)
        assert groupings(store) == expected


if __name__ == "__main__":
    _writer(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
