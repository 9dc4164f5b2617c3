"""Creating SQLAlchemy engines for the two supported databases.

- SQLite (embedded default): WAL journal, foreign keys on, ``synchronous=NORMAL`` (safe with
  WAL), a busy timeout so concurrent writers wait instead of failing.
- PostgreSQL through psycopg 3 (``postgresql+psycopg://...``); a plain ``postgresql://`` URL is
  upgraded to the psycopg driver.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from credgate.errors import ConfigError


def normalise_url(url: str) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"invalid database URL: {exc}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"unsupported database {parsed.get_backend_name()!r}",
            hint="use sqlite:///path/to/credgate.db or postgresql+psycopg://user@host/db",
        )
    return parsed.render_as_string(hide_password=False)


def _private_file(database: str | None) -> None:
    """Create the SQLite file readable by its owner only (its WAL and SHM files follow)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        fd = os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise ConfigError(f"cannot create the database file {database}: {exc.strerror}") from None
    os.close(fd)


def create_engine(url: str, *, schema: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine; ``schema`` puts PostgreSQL tables in a schema (tests use one each)."""
    url = normalise_url(url)
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        _private_file(parsed.database)
        engine = sa_create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Take transaction control from pysqlite so that BEGIN IMMEDIATE is possible.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A transaction that will write takes the write lock up front (BEGIN IMMEDIATE):
            # a deferred one could fail to upgrade once another writer has committed.
            if conn.get_execution_options().get("sqlite_write"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

        return engine
    connect_args: dict[str, Any] = {}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    return sa_create_engine(url, connect_args=connect_args, pool_pre_ping=True, **kwargs)
