"""API tokens over their life, on SQLite and PostgreSQL: created (optionally expiring), listed
without their secrets, revoked by name or id; revoked and expired tokens answer 401 saying so;
migration 0006 keeps the tokens made before it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import text, update

from incidex.api import create_app
from incidex.cli import main
from incidex.store import NotFoundError, Store, StoreError, migrate, open_store
from incidex.store.dialects import make_engine, normalise_url
from incidex.store.schema import api_tokens
from tests import test_store

# the storage suite's fixtures: each test runs on SQLite and on PostgreSQL
pg_cluster, db_url, store = test_store.pg_cluster, test_store.db_url, test_store.store

NOW = dt.datetime.now(dt.UTC)


def _set(store: Store, name: str, **values: object) -> None:
    """Change a token's row behind the store's back (as time passing would)."""
    with store._engine.begin() as conn:
        conn.execute(update(api_tokens).where(api_tokens.c.name == name).values(**values))


def test_tokens_are_listed_without_secrets_and_revoked_by_name_or_id(store: Store) -> None:
    desk = store.create_token("desk")
    ops = store.create_token("ops", expires_at=NOW + dt.timedelta(days=30))
    listed = store.tokens()
    assert [(t.name, t.state(NOW)) for t in listed] == [("desk", "active"), ("ops", "active")]
    assert listed[0].expires_at is None and abs(
        listed[1].expires_at - (NOW + dt.timedelta(days=30))
    ) < dt.timedelta(seconds=1)  # type: ignore[operator]
    assert desk not in repr(listed) and ops not in repr(listed)  # only digests are stored

    gone = store.revoke_token("desk")
    assert gone.name == "desk" and gone.state(NOW) == "revoked"
    assert store.token_name(desk) is None  # unusable from now on
    assert store.find_token(desk).state(dt.datetime.now(dt.UTC)) == "revoked"  # type: ignore[union-attr]
    assert store.revoke_token(str(listed[1].id)).name == "ops"  # by id
    assert store.token_name(ops) is None
    with pytest.raises(StoreError, match="'desk' was revoked already"):
        store.revoke_token("desk")
    with pytest.raises(NotFoundError, match="no token named or numbered 'nobody'"):
        store.revoke_token("nobody")


def test_expiry_and_names_are_checked(store: Store) -> None:
    token = store.create_token("temp", expires_at=NOW + dt.timedelta(hours=1))
    assert store.token_name(token) == "temp"
    _set(store, "temp", expires_at=NOW - dt.timedelta(seconds=1))
    assert store.token_name(token) is None
    assert store.find_token(token).state(dt.datetime.now(dt.UTC)) == "expired"  # type: ignore[union-attr]
    with pytest.raises(StoreError, match="has passed"):
        store.create_token("late", expires_at=NOW - dt.timedelta(days=1))
    with pytest.raises(StoreError, match="cannot be a number"):
        store.create_token("42")  # revoke takes a name or an id: a number is always an id


def test_migration_0006_keeps_earlier_tokens(db_url: str) -> None:
    token = "incx_made-before-0006"
    engine = make_engine(normalise_url(db_url))
    cfg = migrate.config()
    with engine.connect() as conn, conn.begin():
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
        conn.execute(
            text("INSERT INTO api_tokens (name, digest, created_at) VALUES ('old', :d, :t)"),
            {"d": hashlib.sha256(token.encode()).hexdigest(), "t": NOW},
        )
    engine.dispose()
    with open_store(db_url) as s:  # migrates on open
        assert migrate.current(s._engine) == migrate.head()
        [old] = s.tokens()
        assert (old.name, old.expires_at, old.revoked_at, old.last_used_at) == ("old", None, None, None)
        assert s.token_name(token) == "old"


@pytest.fixture
def api(db_url: str) -> Iterator[tuple[TestClient, Store]]:
    with open_store(db_url) as s, TestClient(create_app(store=s, open_reads=False)) as client:
        yield client, s


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_revoked_and_expired_tokens_answer_401_saying_so(api: tuple[TestClient, Store]) -> None:
    client, s = api
    revoked, expired, good = (s.create_token(n) for n in ("gone", "old", "good"))
    s.revoke_token("gone")
    _set(s, "old", expires_at=NOW - dt.timedelta(days=1))
    fix = {"fields": {"place": "Kano"}}
    for token, says in ((revoked, "'gone' was revoked on"), (expired, "'old' expired on")):
        for resp in (
            client.patch("/incidents/inc_000000000000", json=fix, headers=_bearer(token)),
            client.get("/incidents", headers=_bearer(token)),  # reads need a token on this server
        ):
            assert resp.status_code == 401, resp.text
            assert says in resp.json()["error"]["message"]
            assert resp.headers["www-authenticate"] == "Bearer"
    # a valid token passes (the incident does not exist), and its use is recorded
    resp = client.patch("/incidents/inc_000000000000", json=fix, headers=_bearer(good))
    assert resp.status_code == 404, resp.text
    [used] = [t for t in s.tokens() if t.name == "good"]
    assert used.last_used_at is not None and used.last_used_at >= NOW - dt.timedelta(seconds=1)
    assert client.get("/incidents", headers=_bearer(good)).status_code == 200


def test_token_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "t.db")
    assert main(["token", "create", "desk", "--db", db, "--expires-in", "7"]) == 0
    desk = capsys.readouterr().out.strip()
    assert main(["token", "create", "ops", "--db", db, "--expires", "2099-12-31"]) == 0
    ops = capsys.readouterr().out.strip()
    assert main(["token", "create", "bad", "--db", db, "--expires-in", "0"]) == 2
    assert "at least 1 day" in capsys.readouterr().err

    assert main(["token", "list", "--db", db, "--format", "jsonl"]) == 0
    out = capsys.readouterr().out
    assert desk not in out and ops not in out
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["name"], r["state"], r["revoked"]) for r in rows] == [
        ("desk", "active", None),
        ("ops", "active", None),
    ]
    assert rows[1]["expires"] == "2100-01-01T00:00:00+00:00"  # to the end of the day given, UTC
    assert dt.datetime.fromisoformat(rows[0]["expires"]) - dt.datetime.fromisoformat(
        rows[0]["created"]
    ) == dt.timedelta(days=7)

    assert main(["token", "revoke", "desk", "--db", db]) == 0
    assert "'desk' (id 1) revoked" in capsys.readouterr().err
    assert main(["token", "revoke", "2", "--db", db]) == 0  # by id
    assert main(["token", "revoke", "desk", "--db", db]) == 2
    assert "revoked already" in capsys.readouterr().err
    assert main(["token", "list", "--db", db]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["id", "name", "created", "last_write", "expires", "state"]
    assert [line.split()[-1] for line in table[1:]] == ["revoked", "revoked"]
    with open_store(db) as s:
        assert s.token_name(desk) is None and s.token_name(ops) is None
