"""A private, throwaway PostgreSQL cluster for the storage tests.

:func:`start_cluster` runs ``initdb`` into a fresh temporary folder and starts ``postgres``
there, listening only on a Unix socket in that folder (no TCP port, so it never meets the
machine's own server), with durability off for speed. As root, ``initdb`` refuses to run:
the cluster then runs as the ``postgres`` system user (``runuser``/``su``), which owns the
folder. The caller stops it with :meth:`Cluster.stop`; the folder goes with it.

When the cluster cannot be had, :class:`Unavailable` says why and what to install.
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "incidex"  # the cluster's superuser


class Unavailable(Exception):
    """No private PostgreSQL cluster can be started here; the message says why."""


def find_bin() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl``: from PATH, else the newest
    ``/usr/lib/postgresql/*/bin`` (Debian and Ubuntu keep them off PATH)."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(os.path.realpath(initdb)).parent
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: [int(x) for x in Path(p).parts[-3].split(".") if x.isdigit()],
    )
    if not found:
        raise Unavailable(
            "PostgreSQL binaries not found; install postgresql to run the storage tests on PostgreSQL"
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    # Only names the socket file (.s.PGSQL.<port>) in our private folder; any free number will do.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    root: Path  # temporary folder: data/ and the socket
    port: int
    bin: Path
    run_as: str | None  # system user the server runs as (when we are root)

    def url(self, dbname: str) -> str:
        """A ``postgresql://`` URL for one database of this cluster (over its Unix socket)."""
        return f"postgresql://{USER}@/{dbname}?host={self.root}&port={self.port}"

    def create_database(self, dbname: str) -> str:
        """Create an empty database; returns its URL."""
        self._sql("postgres", f'CREATE DATABASE "{dbname}"')
        return self.url(dbname)

    def create_schema(self, schema: str) -> str:
        """A URL for an empty schema of the ``incidex`` database, first on the search path:
        as good as a fresh database, and 100 times faster to make."""
        self._sql(USER, f'CREATE SCHEMA "{schema}"')
        return self.url(USER) + f"&options=-csearch_path%3D{schema}"

    def _sql(self, dbname: str, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host=str(self.root), port=self.port, user=USER, dbname=dbname, autocommit=True
        ) as c:
            c.execute(sql)

    def stop(self) -> None:
        _run(
            self,
            [str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop"],
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def _run(cluster: Cluster, argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    if cluster.run_as:
        argv = (
            ["runuser", "-u", cluster.run_as, "--", *argv]
            if shutil.which("runuser")
            else ["su", cluster.run_as, "-s", "/bin/sh", "-c", shlex.join(argv)]
        )
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    if check and p.returncode != 0:
        raise Unavailable(
            f"{shlex.join(argv)} failed ({p.returncode}): {(p.stderr or p.stdout).strip()[-800:]}"
        )
    return p


def start_cluster() -> Cluster:
    """initdb and start a private cluster; raises :class:`Unavailable` if it cannot."""
    try:
        import psycopg  # noqa: F401
    except ImportError as e:
        raise Unavailable(
            "psycopg is not installed; pip install 'psycopg[binary]>=3' to test on PostgreSQL"
        ) from e
    bindir = find_bin()
    run_as = None
    if os.geteuid() == 0:
        run_as = "postgres"
        try:
            user = pwd.getpwnam(run_as)
        except KeyError as e:
            raise Unavailable("running as root and there is no 'postgres' user to run initdb as") from e
    # A short path under /tmp: a Unix socket path must stay under ~100 bytes, and the
    # postgres user must be able to reach it (pytest's own tmp folders are private to root).
    root = Path(tempfile.mkdtemp(prefix="incidex-pg-", dir="/tmp"))
    if run_as:
        os.chown(root, user.pw_uid, user.pw_gid)
    cluster = Cluster(root=root, port=_free_port(), bin=bindir, run_as=run_as)
    data = root / "data"
    try:
        _run(cluster, [str(bindir / "initdb"), "-D", str(data), "--auth=trust", "-U", USER, "-E", "UTF8",
                       "--locale=C", "--no-sync"])  # fmt: skip
        opts = (
            f"-p {cluster.port} -k {root} -c listen_addresses='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        _run(cluster, [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o", opts, "-w",
                       "-t", "30", "start"])  # fmt: skip
    except (Unavailable, OSError, subprocess.TimeoutExpired) as e:
        log = root / "log"
        tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
        cluster.stop()
        raise Unavailable(f"could not start a private PostgreSQL cluster: {e} {tail}".strip()) from e
    cluster.create_database(USER)
    return cluster
