"""Alembic, configured from code: the migrations ship inside the package (``incidex/migrations``),
so no ``alembic.ini`` is needed.

New migration (from the repository root)::

    python -c "from incidex.store.migrate import revision; revision('add something')"

and edit ``incidex/store/schema.py`` to match; ``tests/test_store.py`` checks that they agree.
"""

from __future__ import annotations

import functools
import logging

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from incidex.store.dialects import WRITE
from incidex.store.errors import StoreError

log = logging.getLogger(__name__)

SCRIPT_LOCATION = "incidex:migrations"


def config() -> Config:
    """A fresh Alembic configuration for incidex's migrations (no ini file)."""
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    return cfg


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision this version of incidex knows."""
    h = _scripts().get_current_head()
    assert h is not None, "incidex/migrations/versions holds no migration"
    return h


def current(engine: Engine) -> str | None:
    """The revision the database is at; ``None`` for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, *, name: str) -> bool:
    """Migrate the database to :func:`head`, in one transaction; ``False`` if it already was.

    ``name`` names the database in errors (a URL with its password hidden).
    """
    try:
        rev = current(engine)
        if rev == head():
            return False
        known = {s.revision for s in _scripts().walk_revisions()}
        if rev is not None and rev not in known:
            raise StoreError(
                f"{name}: the database schema is at revision {rev!r}, which this incidex does not "
                f"know (it knows up to {head()!r}); upgrade incidex to open it"
            )
        log.info("%s: migrating the schema from %s to %s", name, rev or "empty", head())
        cfg = config()
        with engine.connect() as conn, conn.execution_options(**{WRITE: True}).begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except SQLAlchemyError as e:
        raise StoreError(f"{name}: could not open and migrate the database: {e}") from e
    return True


def require_head(engine: Engine, *, name: str) -> None:
    """Check, without writing, that a database opened read-only is at :func:`head` (one that
    is not cannot be migrated, and this incidex cannot read an older or newer schema)."""
    try:
        rev = current(engine)
    except SQLAlchemyError as e:
        raise StoreError(f"{name}: could not read the database (opened read-only): {e}") from e
    if rev != head():
        raise StoreError(
            f"{name}: the database is read-only and its schema is at revision {rev!r}, not "
            f"{head()!r} as this incidex needs; open it once with write access to migrate it"
        )


def revision(message: str, *, autogenerate_url: str | None = None) -> None:
    """Write a new, empty migration script under ``incidex/migrations/versions``.

    With ``autogenerate_url`` (a database at the current head), Alembic fills in the
    differences between that database and :mod:`incidex.store.schema`; review them.
    """
    cfg = config()
    if autogenerate_url:
        cfg.set_main_option("sqlalchemy.url", autogenerate_url)
    n = len(list(_scripts().walk_revisions())) + 1
    command.revision(cfg, message=message, autogenerate=bool(autogenerate_url), rev_id=f"{n:04d}")
