"""Alembic environment for incidex.

:func:`incidex.store.migrate.upgrade` runs it with an open connection, already inside the
transaction the whole upgrade runs in (``config.attributes["connection"]``). Run from the
``alembic`` command line instead, it opens its own connection to the URL given as
``-x url=...`` or the ``sqlalchemy.url`` option.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from incidex.store.schema import include_object, metadata

#: Key of the PostgreSQL advisory lock that serialises concurrent upgrades ("incidex" in hex-ish).
PG_LOCK_KEY = 0x1AC1DE


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("incidex migrations: give the database as -x url=sqlite:///incidex.db")
    return url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=include_object,
        compare_type=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two processes opening a fresh database at once: the second waits, then finds it
            # at head. (On SQLite the caller's BEGIN IMMEDIATE does the same.)
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from incidex.store.dialects import WRITE, make_engine, normalise_url

    engine = make_engine(normalise_url(_url()))
    try:
        with engine.connect() as conn, conn.execution_options(**{WRITE: True}).begin():
            _run(conn)
    finally:
        engine.dispose()


def run_offline() -> None:
    from incidex.store.dialects import normalise_url

    context.configure(url=normalise_url(_url()), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
