"""Schemathesis against the OpenAPI schema, in-process: every operation, with generated
parameters and bodies and a valid write token, answers without a server error (5xx).

Other checks (undocumented status codes, response schemas) are left off: the schema documents
success bodies only, and 4xx answers to generated nonsense are the point."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from incidex.api import create_app
from incidex.ingest import ingest
from incidex.sources import iter_sources
from incidex.store import open_store

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "reports.jsonl"

# The schema is read at collection time, so the app exists then; its database is made (and
# its store opened, by the lifespan) only when the tests run: collecting writes nothing.
_db = Path(tempfile.gettempdir()) / f"incidex-fuzz-{os.getpid()}.db"
# Reports submitted by URL alone are fetched: here every URL answers 404, offline.
_http = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(404, text="none here")))
app = create_app(str(_db), http_client=_http)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module")
def token() -> Iterator[str]:
    """A write token over a database of the samples, with the app's lifespan running."""
    try:
        with open_store(_db) as store:
            ingest(iter_sources([str(SAMPLES)]), store)
            made = store.create_token("schemathesis")
        with TestClient(app):
            yield made
    finally:
        _http.close()
        for path in _db.parent.glob(_db.name + "*"):  # the database and its -wal, -shm files
            path.unlink(missing_ok=True)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error])
