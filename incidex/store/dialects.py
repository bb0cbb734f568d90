"""What differs between SQLite and PostgreSQL: URLs, connection settings, text search.

Everything else in the store is engine-neutral SQLAlchemy Core.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from sqlalchemy import (
    Engine,
    Integer,
    create_engine,
    event,
    func,
    literal,
    literal_column,
    select,
    table,
    true,
)
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
    """JSON for the store's JSON columns: UTF-8 kept as is, dates as ISO strings; NaN and
    Infinity are refused (they are not JSON: PostgreSQL refuses them, and every JSON reader
    of what SQLite kept would fail)."""
    try:
        return json.dumps(o, ensure_ascii=False, default=_json_default, allow_nan=False)
    except ValueError as e:
        raise StoreError(f"a field holds NaN or Infinity, which JSON cannot carry: {e}") from e


def loads(s: str) -> Any:
    """The store's JSON columns read back; a NaN or Infinity an older incidex let into a SQLite
    database reads as null, so that one bad value cannot break every read."""
    return json.loads(s, parse_constant=lambda name: None)


#: How a SQLite file incidex cannot write is opened: ``"ro"`` read-only (the WAL index can
#: still be made beside it), ``"immutable"`` when even that cannot be (a read-only folder).
ReadOnly = Literal["ro", "immutable"]


def sqlite_read_only(url: URL) -> ReadOnly | None:
    """How to open the SQLite file of ``url`` when this process cannot write it (file mode
    0444, a read-only folder or mount); ``None`` when it can, or for other databases."""
    if url.get_backend_name() != "sqlite" or is_memory(url):
        return None
    path = Path(url.database or "")
    if not path.exists():
        return None  # made on open, where the folder allows
    folder = path.parent
    if os.access(path, os.W_OK) and os.access(folder, os.W_OK):
        return None
    # Without a -wal file no writer has the database open; with a read-only folder SQLite
    # could not make the WAL index a read-only connection needs, so it reads the file as is.
    wal = path.with_name(path.name + "-wal")
    return "immutable" if not os.access(folder, os.W_OK) and not wal.exists() else "ro"


def make_engine(url: URL, *, read_only: ReadOnly | None = None) -> Engine:
    """An engine for ``url`` with incidex's connection settings applied; ``read_only`` opens
    a SQLite file without writing it (see :func:`sqlite_read_only`)."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, read_only)
    try:
        import psycopg  # noqa: F401  (imported only to give a clear hint when it is missing)
    except ImportError as e:
        raise StoreError(f"{url.render_as_string(hide_password=True)}: {POSTGRES_HINT}") from e
    return create_engine(url, json_serializer=dumps, json_deserializer=loads, pool_pre_ping=True)


def _sqlite_engine(url: URL, read_only: ReadOnly | None = None) -> Engine:
    kw: dict[str, Any] = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}}
    if read_only is not None:
        option = {"ro": "mode=ro", "immutable": "immutable=1"}[read_only]
        uri = f"file:{quote(str(Path(url.database or '').resolve()))}?{option}"
        kw["creator"] = lambda: sqlite3.connect(
            uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_S, check_same_thread=False
        )
    elif is_memory(url):
        kw["poolclass"] = StaticPool  # one connection, or every connection sees its own empty DB
    else:
        Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, json_serializer=dumps, json_deserializer=loads, **kw)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: ConnectionPoolEntry) -> None:
        # SQLAlchemy, not the sqlite3 module, emits BEGIN (see _on_begin): then DDL and
        # SAVEPOINTs are transactional, as on PostgreSQL.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if read_only is None:  # the journal mode is the writer's to set
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
#: Characters no search engine takes in a query: SQLite ends a string at a NUL ("unterminated
#: string"), PostgreSQL refuses one; control characters and lone surrogates are no words.
_NOT_TEXT = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def text_match(engine_name: str, query: str) -> ColumnElement[bool]:
    """A condition on ``documents``: the title or text holds every term of ``query``."""
    terms = _TERM.findall(_NOT_TEXT.sub(" ", query))
    if not terms:
        return true()  # nothing to look for: no text filter
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
