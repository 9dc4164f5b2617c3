"""The Alembic revision for the notifier's tables matches the code, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from credgate.adapters.storage.engine import create_engine
from credgate.adapters.storage.migrations import alembic_config, current_revision, upgrade
from credgate.adapters.storage.schema import load_all_tables

NOTIFY_TABLES = {"webhooks", "deliveries"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An engine on an empty database (no tables), SQLite file or PostgreSQL schema."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'migrate.db'}")
    else:
        engine = create_engine(
            request.getfixturevalue("postgres_url"),
            schema=request.getfixturevalue("postgres_schema"),
        )
    try:
        yield engine
    finally:
        engine.dispose()


def _notify_diffs(engine: sa.Engine) -> list[object]:
    """Differences between the database and the code that concern the notifier's tables."""
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), load_all_tables())
    return [d for d in diffs if any(t in repr(d) for t in NOTIFY_TABLES)]


def test_the_comparison_sees_missing_tables(empty_engine: sa.Engine) -> None:
    """Guard for the test below: before revision 0002 the comparison reports both tables."""
    upgrade(empty_engine, "0001")
    assert len(_notify_diffs(empty_engine)) >= 2


def test_upgrade_creates_the_tables_exactly_as_declared(empty_engine: sa.Engine) -> None:
    """A database migrated by `credgate init` has the webhook tables the code expects."""
    upgrade(empty_engine)
    names = set(sa.inspect(empty_engine).get_table_names())
    assert names >= NOTIFY_TABLES
    assert _notify_diffs(empty_engine) == []


def test_downgrade_and_upgrade_again(empty_engine: sa.Engine) -> None:
    """The revision can be rolled back and re-applied without leaving anything behind."""
    upgrade(empty_engine)
    head = current_revision(empty_engine)
    with empty_engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
    assert not NOTIFY_TABLES & set(sa.inspect(empty_engine).get_table_names())
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head
    assert set(sa.inspect(empty_engine).get_table_names()) >= NOTIFY_TABLES
