"""Alembic migrations of the incidex database; run by :func:`incidex.store.open_store`."""
