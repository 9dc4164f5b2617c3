"""Fixtures shared by the whole suite: databases (SQLite and a real PostgreSQL)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from credgate.adapters.storage.engine import create_engine
from credgate.adapters.storage.schema import load_all_tables

POSTGRES_URL = os.environ.get(
    "CREDGATE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_available() -> bool:
    try:
        eng = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(sa.text("select 1"))
        eng.dispose()
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The URL of the real PostgreSQL; skipped only when CI does not require it."""
    if not _postgres_available():
        if os.environ.get("CREDGATE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but not reachable at {POSTGRES_URL}")
        pytest.skip("PostgreSQL not reachable")
    return POSTGRES_URL


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema, dropped after the test."""
    name = "t_" + secrets.token_hex(6)
    admin = sa.create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    try:
        yield name
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An engine with every credgate table created, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'credgate.db'}")
    else:
        schema = request.getfixturevalue("postgres_schema")
        engine = create_engine(request.getfixturevalue("postgres_url"), schema=schema)
    load_all_tables().create_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()
