"""What differs between SQLite and PostgreSQL: URLs, connection settings, text search.

Everything else in the store is engine-neutral SQLAlchemy Core.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Integer, create_engine, event, func, literal, literal_column, select, table
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool
from sqlalchemy.sql.elements import ColumnElement

from incidex.store.errors import StoreError
from incidex.store.schema import documents

DEFAULT_URL = "sqlite:///incidex.db"
#: How long a SQLite writer waits for another writer's lock before giving up.
SQLITE_BUSY_TIMEOUT_S = 30.0
#: Execution option that makes a SQLite transaction take the write lock at BEGIN.
WRITE = "incidex_write"

POSTGRES_HINT = "install PostgreSQL support with: pip install 'psycopg[binary]>=3'"


def normalise_url(url: str | Path | None) -> URL:
    """A SQLAlchemy URL for ``url``: a ``sqlite:///`` or ``postgresql://`` URL, or a plain path
    (a SQLite file). ``postgresql://`` and ``postgres://`` use psycopg 3."""
    if url is None:
        url = DEFAULT_URL
    if isinstance(url, Path) or "://" not in url:
        return URL.create("sqlite", database=str(Path(url)))
    try:
        u = make_url(url)
    except ArgumentError as e:
        raise StoreError(f"{url!r} is not a database URL: {e}") from e
    backend, _, driver = u.drivername.partition("+")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return u.set(drivername="sqlite")
    if backend in ("postgresql", "postgres") and driver in ("", "psycopg"):
        return u.set(drivername="postgresql+psycopg")
    raise StoreError(
        f"{u.render_as_string(hide_password=True)}: unsupported database; use sqlite:///PATH, "
        "a plain file path, or postgresql://USER@HOST/DB"
    )


def is_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _json_default(o: Any) -> Any:
    if hasattr(o, "isoformat"):  # date, datetime
        return o.isoformat()
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def dumps(o: Any) -> str:
    """JSON for the store's JSON columns: UTF-8 kept as is, dates as ISO strings."""
    return json.dumps(o, ensure_ascii=False, default=_json_default)


def make_engine(url: URL) -> Engine:
    """An engine for ``url`` with incidex's connection settings applied."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    try:
        import psycopg  # noqa: F401  (imported only to give a clear hint when it is missing)
    except ImportError as e:
        raise StoreError(f"{url.render_as_string(hide_password=True)}: {POSTGRES_HINT}") from e
    return create_engine(url, json_serializer=dumps, pool_pre_ping=True)


def _sqlite_engine(url: URL) -> Engine:
    kw: dict[str, Any] = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}}
    if is_memory(url):
        kw["poolclass"] = StaticPool  # one connection, or every connection sees its own empty DB
    else:
        Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, json_serializer=dumps, **kw)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: ConnectionPoolEntry) -> None:
        # SQLAlchemy, not the sqlite3 module, emits BEGIN (see _on_begin): then DDL and
        # SAVEPOINTs are transactional, as on PostgreSQL.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL never corrupts and loses nothing on a process crash; only a power
        # loss can drop the last transactions.
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes the write lock up front: a deferred transaction that reads and then
        # writes cannot wait for a lock another writer holds (SQLITE_BUSY at once).
        immediate = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


_TERM = re.compile(r"\S+")


def text_match(engine_name: str, query: str) -> ColumnElement[bool]:
    """A condition on ``documents``: the title or text holds every term of ``query``."""
    terms = _TERM.findall(query)
    if engine_name == "sqlite":
        # Each term becomes an FTS5 phrase: quoted, so punctuation in it is never FTS5 syntax.
        fts = " ".join('"' + t.replace('"', '""') + '"' for t in terms)
        hits = (
            select(literal_column("rowid", Integer))
            .select_from(table("documents_fts"))
            .where(literal_column("documents_fts").op("MATCH")(fts))
        )
        return documents.c.id.in_(hits)
    # PostgreSQL: the generated tsvector column (GIN-indexed), 'simple' config like FTS5's
    # unicode61 tokenizer: lower-cased words, no stemming, no stop words.
    return literal_column("documents.search").op("@@")(
        func.plainto_tsquery(literal("simple", REGCONFIG), " ".join(terms))
    )
