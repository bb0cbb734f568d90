"""The REST API in-process: listing with filters and paging, GeoJSON, the incident and document
views, and the one error shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from incidex.api import create_app
from incidex.errors import IncidexError
from incidex.ingest import ingest
from incidex.sources import iter_sources
from incidex.store import open_store
from tests import test_store

# the storage suite's fixtures, for the tests that run on SQLite and on PostgreSQL
pg_cluster, db_url = test_store.pg_cluster, test_store.db_url

# Fictional reports: two outlets tell one bombing, a third tells a raid elsewhere; the fourth
# carries markup that must come back as text, never as markup.
REPORTS = [
    {
        "doc_id": "wire-1",
        "url": "https://wire.example.com/kano-1",
        "published": "2024-05-07",
        "text": "A car bomb exploded at a crowded bus station in Kano on Monday, killing at least nine "
        "people and wounding 20 others, police said.",
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
        "residents said. <script>alert(1)</script>",
    },
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("api")
    src = root / "reports.jsonl"
    src.write_text("".join(json.dumps(d) + "\n" for d in REPORTS), encoding="utf-8")
    db = root / "api.db"
    with open_store(db) as store:
        ingest(iter_sources([str(src)]), store)
    with TestClient(create_app(str(db))) as c:
        yield c


def _error(resp, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


def test_list_newest_first_with_merged_reports(client: TestClient) -> None:
    body = client.get("/incidents").json()
    items = body["items"]
    assert [i["place"] for i in items] == ["Maiduguri", "Kano"]
    kano = items[1]
    assert kano["n_reports"] == 2
    assert kano["killed"]["best"] in (9, 12)  # the reconciled figure of the two reports
    assert body["next_offset"] is None


def test_filters(client: TestClient) -> None:
    assert [i["place"] for i in client.get("/incidents", params={"min_killed": 6}).json()["items"]] == [
        "Kano"
    ]
    assert client.get("/incidents", params={"country": "PK"}).json()["items"] == []
    got = client.get("/incidents", params={"date_from": "2024-05-08"}).json()["items"]
    assert [i["place"] for i in got] == ["Maiduguri"]
    got = client.get("/incidents", params={"text": "motorcycles"}).json()["items"]
    assert [i["place"] for i in got] == ["Maiduguri"]
    # Maiduguri lies about 470 km east of Kano.
    near = {"lat": 12.0, "lon": 8.52, "km": 50}
    assert [i["place"] for i in client.get("/incidents", params=near).json()["items"]] == ["Kano"]


def test_paging(client: TestClient) -> None:
    first = client.get("/incidents", params={"limit": 1}).json()
    assert len(first["items"]) == 1 and first["next_offset"] == 1
    second = client.get("/incidents", params={"limit": 1, "offset": 1}).json()
    assert second["next_offset"] is None
    assert first["items"][0]["incident_id"] != second["items"][0]["incident_id"]


def test_geojson(client: TestClient) -> None:
    resp = client.get("/incidents", params={"format": "geojson"})
    assert resp.headers["content-type"].startswith("application/geo+json")
    features = resp.json()["features"]
    assert len(features) == 2
    lon, lat = next(f for f in features if f["properties"]["location"] == "Kano")["geometry"]["coordinates"]
    assert abs(lat - 12.0) < 0.3 and abs(lon - 8.52) < 0.3


def test_incident_view_has_reports_evidence_and_history(client: TestClient) -> None:
    uid = next(i["incident_id"] for i in client.get("/incidents").json()["items"] if i["place"] == "Kano")
    body = client.get(f"/incidents/{uid}").json()
    assert {r["doc_id"] for r in body["reports"]} == {"wire-1", "daily-1"}
    assert all(r["evidence"] for r in body["reports"])
    assert [h["action"] for h in body["history"]][0] == "created"
    assert len(body["history"]) >= 2


def test_document_view_returns_text_and_evidence_spans(client: TestClient) -> None:
    uid = next(
        i["incident_id"] for i in client.get("/incidents").json()["items"] if i["place"] == "Maiduguri"
    )
    doc_id = client.get(f"/incidents/{uid}").json()["reports"][0]["document_id"]
    doc = client.get(f"/documents/{doc_id}").json()
    assert doc["doc_id"] == "wire-2"
    # Markup in a report is data: it comes back verbatim inside a JSON string.
    assert "<script>alert(1)</script>" in doc["text"]
    spans = doc["reports"][0]["evidence"]
    assert {"incident", "killed"} <= {s["field"] for s in spans}
    for span in spans:
        assert doc["text"][span["start"] : span["end"]] == span["text"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/incidents/inc_000000000000", 404),
        ("/incidents/99999999999999999999999", 404),
        ("/incidents/%C2%B2", 404),  # "²": a digit to str.isdigit, not to int()
        ("/documents/424242", 404),
        ("/documents/abc", 422),
        ("/incidents?limit=0", 422),
        ("/incidents?date_from=yesterday", 422),
        ("/incidents?lat=12", 422),
        ("/incidents?date_from=2024-05-09&date_to=2024-05-01", 400),
        ("/no/such/route", 404),
    ],
)
def test_one_error_shape(client: TestClient, path: str, status: int) -> None:
    _error(client.get(path), status)


def test_schema_is_served(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/incidents", "/incidents/{incident_id}", "/documents/{document_id}"} <= set(paths)


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    # A directory is not a database file: the store refuses it, naming it, when the app starts.
    folder = tmp_path / "api-dir"
    folder.mkdir()
    with pytest.raises(IncidexError, match="api-dir"), TestClient(create_app(str(folder))):
        pass


# -- writes ---------------------------------------------------------------------------------

NEW_REPORT = {
    "text": "Militants stormed a police post in Bauchi on Sunday, killing three officers, a police "
    "spokesman said.",
    "url": "https://wire.example.com/bauchi-3",
    "published": "2024-05-14",
}


@pytest.fixture
def writable(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    db = tmp_path / "w.db"
    with open_store(db) as store:
        token = store.create_token("desk")
    with TestClient(create_app(str(db))) as c:
        yield c, token


def test_post_needs_a_valid_token(writable: tuple[TestClient, str]) -> None:
    client, _ = writable
    err = _error(client.post("/documents", json=NEW_REPORT), 401)
    assert err["code"] == "unauthorized" and "token create" in err["message"]
    _error(client.post("/documents", json=NEW_REPORT, headers={"Authorization": "Bearer incx_wrong"}), 401)
    assert client.get("/incidents").json()["items"] == []


def test_post_extracts_merges_and_refuses_a_repeat(writable: tuple[TestClient, str]) -> None:
    client, token = writable
    auth = {"Authorization": f"Bearer {token}"}
    resp = client.post("/documents", json=NEW_REPORT, headers=auth)
    assert resp.status_code == 201, resp.text
    doc = resp.json()
    assert resp.headers["location"] == f"/documents/{doc['id']}"
    assert doc["source"] == "desk"  # no source given: the token's name stands in
    [report] = doc["reports"]
    assert report["place"] == "Bauchi" and report["killed"]["low"] == 3 and report["date"] == "2024-05-12"
    [inc] = client.get("/incidents").json()["items"]
    assert inc["place"] == "Bauchi"
    again = _error(client.post("/documents", json=NEW_REPORT, headers=auth), 409)
    assert f"documents.id {doc['id']}" in again["message"]
    assert len(client.get("/incidents").json()["items"]) == 1


def test_post_refuses_an_empty_report(writable: tuple[TestClient, str]) -> None:
    client, token = writable
    _error(client.post("/documents", json={"text": ""}, headers={"Authorization": f"Bearer {token}"}), 422)
    _error(client.post("/documents", content=b"\xff\xfe", headers={"Authorization": f"Bearer {token}"}), 422)


def test_tokens_are_stored_hashed_and_named_once(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "t.db"
    with open_store(db) as store:
        token = store.create_token("desk")
        assert store.token_name(token) == "desk"
        assert store.token_name(token + "x") is None
        with pytest.raises(IncidexError, match="'desk' exists"):
            store.create_token("desk")
        with pytest.raises(IncidexError, match="needs a name"):
            store.create_token("  ")
    stored = sqlite3.connect(db).execute("SELECT digest FROM api_tokens").fetchall()
    assert len(stored) == 1 and token not in stored[0][0]


def test_token_cli_prints_a_working_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from incidex.cli import main

    db = tmp_path / "c.db"
    assert main(["token", "create", "ops", "--db", str(db)]) == 0
    token = capsys.readouterr().out.strip()
    with open_store(db) as store:
        assert store.token_name(token) == "ops"
    assert main(["token", "create", "ops", "--db", str(db)]) == 2


def test_worker_processes_build_the_app_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from incidex.api import app_from_env, serve

    db = tmp_path / "env.db"
    with open_store(db) as store:
        store.create_token("env")
    monkeypatch.setenv("INCIDEX_DB", str(db))
    with TestClient(app_from_env()) as c:
        assert c.get("/incidents").json()["items"] == []
        assert c.app.state.store.token_name("nope") is None  # type: ignore[attr-defined]
    with pytest.raises(IncidexError, match="--workers must be at least 1"):
        serve(str(db), "127.0.0.1", 0, workers=0)


def test_reads_can_be_closed(tmp_path: Path) -> None:
    db = tmp_path / "closed.db"
    with open_store(db) as store:
        token = store.create_token("analyst")
    with TestClient(create_app(str(db), open_reads=False)) as c:
        err = _error(c.get("/incidents"), 401)
        assert "reads on this server need a token" in err["message"]
        _error(c.get("/documents/1"), 401)
        _error(c.get("/incidents", headers={"Authorization": "Bearer incx_wrong"}), 401)
        assert c.get("/incidents", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert c.get("/openapi.json").status_code == 200


# -- review ---------------------------------------------------------------------------------


def test_a_correction_is_audited_and_outlives_later_merges(writable: tuple[TestClient, str]) -> None:
    client, token = writable
    auth = {"Authorization": f"Bearer {token}"}
    assert client.post("/documents", json=NEW_REPORT, headers=auth).status_code == 201
    [inc] = client.get("/incidents").json()["items"]
    uid = inc["incident_id"]
    fix = {"fields": {"killed": {"low": 4, "high": 4, "best": 4}, "perpetrator": "Boko Haram"}}
    _error(client.patch(f"/incidents/{uid}", json=fix), 401)
    body = client.patch(f"/incidents/{uid}", json=fix, headers=auth).json()
    assert body["killed"]["best"] == 4 and body["perpetrator"] == "Boko Haram"
    [review] = body["reviews"]
    assert review["reviewer"] == "desk"
    assert review["changes"]["killed"] == [inc["killed"], {"low": 4, "high": 4, "best": 4}]
    # A second outlet reports the same attack with another toll: it merges, the correction stays.
    later = {
        "text": "Five police officers were killed when militants stormed a police post in Bauchi "
        "on Sunday, officials said.",
        "url": "https://daily.example.org/bauchi-post",
        "published": "2024-05-14",
    }
    assert client.post("/documents", json=later, headers=auth).status_code == 201
    [merged] = client.get("/incidents").json()["items"]
    assert merged["incident_id"] == uid and merged["n_reports"] == 2
    assert merged["killed"]["best"] == 4 and merged["perpetrator"] == "Boko Haram"
    assert client.get("/incidents", params={"min_killed": 4}).json()["items"]  # the index follows too


def test_marking_not_an_incident_and_refusing_unknown_fields(writable: tuple[TestClient, str]) -> None:
    client, token = writable
    auth = {"Authorization": f"Bearer {token}"}
    client.post("/documents", json=NEW_REPORT, headers=auth)
    [inc] = client.get("/incidents").json()["items"]
    uid = inc["incident_id"]
    body = client.patch(f"/incidents/{uid}", json={"fields": {"not_incident": True}}, headers=auth).json()
    assert body["not_incident"] is True and body["reviewed"] == {"not_incident": True}
    err = _error(client.patch(f"/incidents/{uid}", json={"fields": {"evidence": []}}, headers=auth), 422)
    assert "fields.evidence: not a field" in err["message"]
    _error(client.patch(f"/incidents/{uid}", json={"fields": {"not_incident": "yes"}}, headers=auth), 422)
    _error(client.patch("/incidents/inc_000000000000", json={"fields": {"place": "X"}}, headers=auth), 404)
    assert len(client.get(f"/incidents/{uid}").json()["reviews"]) == 1
    # Left out of lists (and so of the map and exports) unless asked for.
    assert client.get("/incidents").json()["items"] == []
    [kept] = client.get("/incidents", params={"include_not_incident": True}).json()["items"]
    assert kept["incident_id"] == uid
    # Undone by the same means.
    client.patch(f"/incidents/{uid}", json={"fields": {"not_incident": False}}, headers=auth)
    assert len(client.get("/incidents").json()["items"]) == 1


def test_split_and_merge_by_hand(writable: tuple[TestClient, str]) -> None:
    client, token = writable
    auth = {"Authorization": f"Bearer {token}"}
    for doc in REPORTS[:2]:  # two outlets, one bombing: one incident of two reports
        assert client.post("/documents", json=doc, headers=auth).status_code == 201
    [inc] = client.get("/incidents").json()["items"]
    uid = inc["incident_id"]
    reports = client.get(f"/incidents/{uid}").json()["reports"]
    assert len(reports) == 2 and all(r["report_id"] for r in reports)
    daily = next(r["report_id"] for r in reports if r["doc_id"] == "daily-1")
    _error(client.post(f"/incidents/{uid}/split", json={"reports": [daily]}), 401)
    every = [r["report_id"] for r in reports]
    err = _error(client.post(f"/incidents/{uid}/split", json={"reports": every}, headers=auth), 400)
    assert "at least one report behind" in err["message"]

    resp = client.post(f"/incidents/{uid}/split", json={"reports": [daily]}, headers=auth)
    assert resp.status_code == 201, resp.text
    new = resp.json()
    assert resp.headers["location"] == f"/incidents/{new['incident_id']}"
    assert [r["doc_id"] for r in new["reports"]] == ["daily-1"] and new["killed"]["low"] == 12
    old = client.get(f"/incidents/{uid}").json()
    assert [r["doc_id"] for r in old["reports"]] == ["wire-1"] and old["killed"]["low"] == 9
    assert old["reviews"][-1]["changes"]["split_into"] == [None, new["incident_id"]]
    assert len(client.get("/incidents").json()["items"]) == 2

    resp = client.post(f"/incidents/{uid}/merge", json={"incidents": [new["incident_id"]]}, headers=auth)
    assert resp.status_code == 200, resp.text
    assert resp.json()["n_reports"] == 2
    gone = client.get(f"/incidents/{new['incident_id']}").json()
    assert gone["merged_into"] == uid and gone["reports"] == []
    assert [i["incident_id"] for i in client.get("/incidents").json()["items"]] == [uid]
    err = _error(
        client.patch(f"/incidents/{new['incident_id']}", json={"fields": {"place": "X"}}, headers=auth), 400
    )
    assert f"merged into {uid}" in err["message"]
    _error(client.post(f"/incidents/{uid}/merge", json={"incidents": [uid]}, headers=auth), 400)
    _error(
        client.post(f"/incidents/{uid}/merge", json={"incidents": ["inc_000000000000"]}, headers=auth), 404
    )
    _error(client.post(f"/incidents/{uid}/merge", json={"incidents": []}, headers=auth), 422)


def test_submit_by_url_alone_fetches_the_page(tmp_path: Path) -> None:
    import httpx

    page = (
        "<html><head><title>Police post attacked</title></head><body><nav>Home | World</nav>"
        "<article><h1>Police post attacked</h1><p>Militants stormed a police post in Bauchi on Sunday, "
        "killing three officers, a police spokesman said.</p><p>Residents said the attackers arrived "
        "on motorcycles and fled into the bush after the raid.</p></article></body></html>"
    )

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/bauchi":
            return httpx.Response(200, text=page, headers={"content-type": "text/html; charset=utf-8"})
        return httpx.Response(404, text="gone")

    db = tmp_path / "u.db"
    with open_store(db) as store:
        token = store.create_token("desk")
    http = httpx.Client(transport=httpx.MockTransport(answer))
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(str(db), http_client=http)) as c:
        sub = {"url": "https://news.example.com/bauchi", "published": "2024-05-14"}
        resp = c.post("/documents", json=sub, headers=auth)
        assert resp.status_code == 201, resp.text
        doc = resp.json()
        assert "Home | World" not in doc["text"] and "Militants stormed a police post" in doc["text"]
        assert doc["title"] == "Police post attacked"
        assert doc["reports"][0]["place"] == "Bauchi" and doc["reports"][0]["date"] == "2024-05-12"
        again = _error(c.post("/documents", json=sub, headers=auth), 409)
        assert "this URL is stored already" in again["message"]
        err = _error(c.post("/documents", json={"url": "https://news.example.com/x"}, headers=auth), 400)
        assert "news.example.com/x" in err["message"] and "404" in err["message"]
        err = _error(c.post("/documents", json={"title": "no text"}, headers=auth), 422)
        assert "give the report's text, or the url" in err["message"]


def test_a_server_failure_keeps_the_error_shape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from incidex.store import Store

    def broken(self: Store, *a: object, **kw: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Store, "incidents", broken)
    with TestClient(create_app(str(tmp_path / "b.db")), raise_server_exceptions=False) as c:
        err = _error(c.get("/incidents"), 500)
        assert err["code"] == "server_error" and "disk on fire" not in err["message"]


# -- hardening (issue 9): limits, auth before the body, hosts, feeds, errors, schema --------------


def _scope(method: str, path: str, headers: dict[str, str]) -> dict:  # type: ignore[type-arg]
    """An HTTP request's ASGI scope, for driving the app by hand."""
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000), "server": ("testserver", 80), "state": {},
    }  # fmt: skip


def _drive(app: object, scope: dict, chunks: int) -> tuple[int, int]:  # type: ignore[type-arg]
    """Send a body of ``chunks`` 64 KiB chunks; returns (status answered, chunks the app read)."""
    import asyncio

    read = 0
    answer: list[int] = []

    async def receive() -> dict:  # type: ignore[type-arg]
        nonlocal read
        read += 1
        return {"type": "http.request", "body": b"x" * 65536, "more_body": read < chunks}

    async def send(message: dict) -> None:  # type: ignore[type-arg]
        if message["type"] == "http.response.start":
            answer.append(message["status"])

    asyncio.run(app(scope, receive, send))  # type: ignore[operator]
    return answer[0], read


def test_an_anonymous_write_is_refused_before_its_body_is_read(writable: tuple[TestClient, str]) -> None:
    client, token = writable
    headers = {"host": "testserver", "content-type": "application/json", "transfer-encoding": "chunked"}
    for path, method in (("/documents", "POST"), ("/incidents/inc_000000000000", "PATCH")):
        status, read = _drive(client.app, _scope(method, path, headers), chunks=50)
        assert (status, read) == (401, 0), (path, status, read)
    # with a token the body is read, up to the limit and no further (4 MB = 62 chunks)
    status, read = _drive(
        client.app, _scope("POST", "/documents", headers | {"authorization": f"Bearer {token}"}), 1000
    )
    assert status == 413 and read == 62


def test_request_bodies_are_limited(tmp_path: Path) -> None:
    from incidex.settings import Limits

    db = tmp_path / "limit.db"
    with open_store(db) as store:
        token = store.create_token("desk")
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with TestClient(create_app(str(db), limits=Limits(request_bytes=1000))) as c:
        big = json.dumps({"text": "Gunmen killed three people in Kano. " * 100}).encode()
        err = _error(c.post("/documents", content=big, headers=auth), 413)  # said by Content-Length
        assert err["code"] == "too_large" and "1,000 bytes" in err["message"]
        chunked = _error(c.post("/documents", content=iter([big[:600], big[600:]]), headers=auth), 413)
        assert chunked["code"] == "too_large"
        _error(c.post("/documents", content=big), 413)  # the size is refused before the token is looked at
        assert c.get("/incidents").json()["items"] == []


def test_errors_name_neither_the_database_nor_the_driver(db_url: str) -> None:
    from sqlalchemy import text

    from tests.test_store import incident_from

    with open_store(db_url) as store, TestClient(create_app(store=store), raise_server_exceptions=False) as c:
        uid = store.get_incident(incident_from(store, 1)).incident_uid
        for resp in (c.get("/documents/424242"), c.get("/incidents/inc_000000000000")):
            err = _error(resp, 404)
            assert store.url not in err["message"] and store.engine_name not in err["message"]
        with store._engine.begin() as conn:  # a database broken under the server
            conn.execute(text("DROP TABLE reviews"))
        err = _error(c.get(f"/incidents/{uid}"), 500)
        assert err["code"] == "server_error" and "reviews" not in err["message"]
        assert store.url not in err["message"] and store.engine_name not in err["message"].lower()


def test_hosts_outside_the_allow_list_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from incidex.api import default_allowed_hosts, serve

    assert default_allowed_hosts("127.0.0.1") == ["localhost", "127.0.0.1", "::1"]
    assert default_allowed_hosts("127.0.0.2") == ["localhost", "127.0.0.1", "::1", "127.0.0.2"]
    assert default_allowed_hosts("::1") == ["localhost", "127.0.0.1", "::1"]
    assert default_allowed_hosts("localhost") == ["localhost", "127.0.0.1", "::1"]
    assert default_allowed_hosts("0.0.0.0") is None  # exposed on purpose: any name, unless told
    served: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(app))
    db = str(tmp_path / "hosts.db")
    serve(db, "127.0.0.1", 8000)  # the default on loopback: loopback names only
    serve(db, "0.0.0.0", 8000, allowed_hosts=["incidex.example.org", "*.desk.example"])
    loopback, named = served
    with TestClient(loopback, base_url="http://127.0.0.1:8000") as c:  # type: ignore[arg-type]
        assert c.get("/incidents").status_code == 200
        assert c.get("/incidents", headers={"Host": "localhost:8000"}).status_code == 200
        assert c.get("/incidents", headers={"Host": "[::1]:8000"}).status_code == 200
        # a page at rebind.example whose name now points at 127.0.0.1
        err = _error(c.get("/incidents", headers={"Host": "rebind.example:8000"}), 400)
        assert "rebind.example" in err["message"] and "--allowed-hosts" in err["message"]
        _error(c.get("/", headers={"Host": "rebind.example"}), 400)
    with TestClient(named, base_url="http://incidex.example.org") as c:  # type: ignore[arg-type]
        assert c.get("/incidents").status_code == 200
        assert c.get("/incidents", headers={"Host": "a.desk.example"}).status_code == 200
        _error(c.get("/incidents", headers={"Host": "127.0.0.1:8000"}), 400)


def test_cli_serve_passes_allowed_hosts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import incidex.api
    from incidex.cli import main

    calls: list[dict] = []  # type: ignore[type-arg]
    monkeypatch.setattr(incidex.api, "serve", lambda *a, **kw: calls.append(kw))
    assert main(["serve", "--db", str(tmp_path / "s.db"), "--allowed-hosts", "a.example,b.example"]) == 0
    assert main(["serve", "--db", str(tmp_path / "s.db")]) == 0
    assert [c["allowed_hosts"] for c in calls] == [["a.example", "b.example"], None]


FEED_OF_ONE = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Police post attacked</title><link>https://news.example.com/bauchi</link>
<description>Militants stormed a police post in Bauchi on Sunday, killing three officers.</description>
</item></channel></rss>"""


def test_a_feed_of_one_item_is_refused_as_a_feed(tmp_path: Path) -> None:
    import httpx

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=FEED_OF_ONE, headers={"content-type": "application/rss+xml"})

    db = tmp_path / "feed.db"
    with open_store(db) as store:
        token = store.create_token("desk")
    with (
        httpx.Client(transport=httpx.MockTransport(answer)) as http,
        TestClient(create_app(str(db), http_client=http)) as c,
    ):
        resp = c.post(
            "/documents",
            json={"url": "https://news.example.com/feed.xml"},
            headers={"Authorization": f"Bearer {token}"},
        )
        err = _error(resp, 400)
        assert "is a feed, not one report" in err["message"] and "incidex ingest" in err["message"]
        assert c.get("/incidents").json()["items"] == []


def test_the_schema_documents_errors_and_correctable_fields(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    expected = {
        ("get", "/incidents"): {"400", "401", "413", "422"},
        ("get", "/incidents/{incident_id}"): {"400", "401", "404", "413", "422"},
        ("get", "/documents/{document_id}"): {"400", "401", "404", "413", "422"},
        ("patch", "/incidents/{incident_id}"): {"400", "401", "404", "413", "422"},
        ("post", "/incidents/{incident_id}/split"): {"400", "401", "404", "413", "422"},
        ("post", "/incidents/{incident_id}/merge"): {"400", "401", "404", "413", "422"},
        ("post", "/documents"): {"400", "401", "409", "413", "422"},
    }
    for (method, path), statuses in expected.items():
        responses = schema["paths"][path][method]["responses"]
        assert statuses <= set(responses), (method, path, sorted(responses))
        for s in statuses:
            ref = responses[s]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorBody"), (method, path, s)
    fields = schema["components"]["schemas"]["Corrections"]
    assert fields["additionalProperties"] is False
    props = fields["properties"]
    assert set(props) == {
        "event_type", "sub_event_type", "date", "place", "admin1", "country", "latitude", "longitude",
        "killed", "wounded", "perpetrator", "claimed", "target_type", "weapon", "not_incident",
    }  # fmt: skip
    assert props["latitude"]["anyOf"][0] == {"type": "number", "minimum": -90, "maximum": 90}
    assert "Armed clash" in props["sub_event_type"]["anyOf"][0]["enum"]
    assert (
        props["weapon"]["enum"] == sorted(props["weapon"]["enum"]) and "firearms" in props["weapon"]["enum"]
    )


@pytest.mark.parametrize(
    ("fields", "names"),
    [
        ({"claimed": "yes"}, "fields.claimed"),
        ({"latitude": 1000}, "fields.latitude"),
        ({"longitude": -181}, "fields.longitude"),
        ({"target_type": ["police"]}, "fields.target_type"),
        ({"target_type": "pets"}, "fields.target_type: not a target type"),
        ({"weapon": "harsh words"}, "fields.weapon: not a weapon type"),
        ({"event_type": "Parties"}, "fields.event_type: not an ACLED event type"),
        ({"sub_event_type": "Skirmish"}, "fields.sub_event_type"),
        ({"event_type": "Riots", "sub_event_type": "Grenade"}, "does not belong to event type 'Riots'"),
        ({"country": "Nigeria"}, "fields.country: not an ISO 3166-1 alpha-2"),
        ({"country": "ng"}, "fields.country"),
        ({"date": "2024-13-01"}, "fields.date"),
        ({"date": "1066-10-14"}, "fields.date: must lie between"),
        ({"place": "x" * 400_000}, "fields.place: String should have at most 300 characters"),
        ({"perpetrator": "Boko\x00Haram"}, "fields.perpetrator: holds a control character"),
        ({"killed": "many"}, "fields.killed"),
        ({"killed": {"low": 3, "high": 1}}, "fields.killed: low 3 is above high 1"),
        ({"wounded": {"low": 1, "worst": 9}}, "fields.wounded.worst"),
        ({"not_incident": None}, "fields.not_incident"),
        ({"evidence": []}, "fields.evidence: not a field"),
        ({}, "fields: give at least one field"),
    ],
)
def test_corrections_are_typed_and_range_checked(
    writable: tuple[TestClient, str],
    fields: dict,
    names: str,  # type: ignore[type-arg]
) -> None:
    client, token = writable
    auth = {"Authorization": f"Bearer {token}"}
    assert client.post("/documents", json=NEW_REPORT, headers=auth).status_code == 201
    [inc] = client.get("/incidents").json()["items"]
    err = _error(client.patch(f"/incidents/{inc['incident_id']}", json={"fields": fields}, headers=auth), 422)
    assert names in err["message"]
    assert client.get(f"/incidents/{inc['incident_id']}").json()["reviews"] == []


@pytest.mark.parametrize("bad", ["NaN", "1e999"])  # 1e999 reads back as infinity
def test_a_nan_stored_by_an_older_version_cannot_break_reads(
    writable: tuple[TestClient, str], bad: str
) -> None:
    import re
    import sqlite3

    client, token = writable
    assert (
        client.post("/documents", json=NEW_REPORT, headers={"Authorization": f"Bearer {token}"}).status_code
        == 201
    )
    db = client.app.state.store.url.removeprefix("sqlite:///")  # type: ignore[attr-defined]
    with sqlite3.connect(db) as conn:  # what incidex before issue 9 committed for {"latitude": NaN}
        [(fields,)] = conn.execute("SELECT fields FROM incidents").fetchall()
        conn.execute(
            "UPDATE incidents SET fields = ?", (re.sub(r'"latitude": [^,]+', f'"latitude": {bad}', fields),)
        )

    def strict(text: str) -> object:
        return json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in a JSON answer"))

    [inc] = strict(client.get("/incidents").text)["items"]  # type: ignore[index]
    assert inc["latitude"] is None
    assert strict(client.get(f"/incidents/{inc['incident_id']}").text)["latitude"] is None  # type: ignore[index]
    strict(client.get("/incidents", params={"format": "geojson"}).text)
