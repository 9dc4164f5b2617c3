"""Alembic environment: credgate passes the connection in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from credgate.adapters.storage.schema import load_all_tables

config = context.config
target_metadata = load_all_tables()
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    raise RuntimeError("run migrations through credgate (credgate init / serve)")
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
