"""A database incidex may not write is still read: a SQLite file of mode 0444 in a read-only
folder by ``incidex incidents``, ``export`` and ``serve``, and a PostgreSQL database by a
role that may only SELECT. Opening such a database migrates nothing (it cannot)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import incidex
from incidex.store import IncidentQuery, StoreError, open_store
from tests import test_store
from tests.pg import USER, Cluster
from tests.test_store import incident_from

pg_cluster = test_store.pg_cluster

#: As root, file modes do not bind; without these two capabilities they do.
_AS_ROOT = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]

SERVE = """
import sys
from fastapi.testclient import TestClient
from incidex.api import create_app
with TestClient(create_app(sys.argv[1])) as c:
    items = c.get("/incidents").json()["items"]
    write = c.post("/documents", json={"text": "x"}, headers={"Authorization": "Bearer " + sys.argv[2]})
    print(len(items), write.status_code, write.json()["error"]["message"])
"""


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` where file modes bind (dropping root's override), with this incidex."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root, and setpriv (util-linux) is missing to drop CAP_DAC_OVERRIDE")
        prefix = _AS_ROOT
    env = {**os.environ, "PYTHONPATH": str(Path(incidex.__file__).parent.parent)}
    return subprocess.run([*prefix, *argv], capture_output=True, text=True, timeout=120, env=env, cwd="/")


@pytest.fixture
def read_only_db(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    folder = tmp_path / "archive"
    db = folder / "incidents.db"
    with open_store(db) as store:
        incident_from(store, 1)
        token = store.create_token("desk")
    db.chmod(0o444)
    folder.chmod(0o555)  # not even the WAL index can be made beside it
    try:
        yield db, token
    finally:
        folder.chmod(stat.S_IRWXU)


def test_a_read_only_sqlite_database_is_read(read_only_db: tuple[Path, str]) -> None:
    db, token = read_only_db
    listed = _run(sys.executable, "-m", "incidex.cli", "incidents", "--db", str(db), "--format", "jsonl")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["place"] == "Kano"
    exported = _run(sys.executable, "-m", "incidex.cli", "export", "--db", str(db), "--format", "geojson")
    assert exported.returncode == 0, exported.stderr
    assert len(json.loads(exported.stdout)["features"]) == 1
    served = _run(sys.executable, "-c", SERVE, str(db), token)
    assert served.returncode == 0, served.stderr
    assert served.stdout.split(" ", 2)[:2] == ["1", "503"] and "read-only" in served.stdout
    refused = _run(sys.executable, "-m", "incidex.cli", "token", "create", "x", "--db", str(db))
    assert refused.returncode == 2 and "readonly" in refused.stderr
    assert sorted(p.name for p in db.parent.iterdir()) == ["incidents.db"]  # nothing written beside it


def test_a_postgresql_role_that_may_only_read_reads(pg_cluster: Cluster) -> None:
    owner_url = pg_cluster.create_schema("ro")
    with open_store(owner_url) as store:
        incident_from(store, 1)
    grants = "GRANT USAGE ON SCHEMA ro TO reader; GRANT SELECT ON ALL TABLES IN SCHEMA ro TO reader"
    for sql in ("CREATE ROLE reader LOGIN", grants):  # in the cluster's database, which holds the schema
        pg_cluster._sql(USER, sql)
    reader_url = owner_url.replace(f"postgresql://{USER}@", "postgresql://reader@")
    with open_store(reader_url) as store:
        [inc] = store.incidents(IncidentQuery())
        assert inc.place == "Kano"
        with pytest.raises(StoreError, match="permission denied"):
            store.create_token("x")
