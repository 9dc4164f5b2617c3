"""The key ring on SQL (SQLite and PostgreSQL): table ``keyring`` and :class:`SqlKeyringStore`.

Rows hold data keys wrapped under the master key, never a key in the clear.

- ``insert_if_absent`` is ``INSERT ... ON CONFLICT (namespace, version) DO NOTHING``, so two
  broker instances racing to create the first key of a namespace cannot overwrite each other.
- ``rewrap_all`` runs in one transaction that first blocks other writers to the table
  (PostgreSQL: ``LOCK TABLE ... IN SHARE ROW EXCLUSIVE MODE``; SQLite: a write statement takes
  the database write lock), so no key can be added under the old master key while the ring is
  re-wrapped under the new one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from credgate.adapters.crypto.keyring_store import (
    RewrapFn,
    WrappedKey,
    check_rewrap_keeps_identity,
)
from credgate.adapters.storage.schema import metadata
from credgate.errors import Unavailable

keyring_table = sa.Table(
    "keyring",
    metadata,
    sa.Column("namespace", sa.String(512), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("wrapped", sa.LargeBinary, nullable=False),
    sa.Column("master_key_id", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    comment="Data keys wrapped under the master key (AES-256-GCM); never a key in the clear.",
)


class SqlKeyringStore:
    """:class:`~credgate.adapters.crypto.keyring_store.KeyringStore` on a SQLAlchemy engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name

    def get(self, namespace: str, version: int) -> WrappedKey | None:
        query = sa.select(keyring_table).where(
            keyring_table.c.namespace == namespace, keyring_table.c.version == version
        )
        with self._connect() as conn:
            row = conn.execute(query).first()
        return _to_key(row) if row is not None else None

    def get_active(self, namespace: str) -> WrappedKey | None:
        query = (
            sa.select(keyring_table)
            .where(keyring_table.c.namespace == namespace)
            .order_by(keyring_table.c.version.desc())
            .limit(1)
        )
        with self._connect() as conn:
            row = conn.execute(query).first()
        return _to_key(row) if row is not None else None

    def insert_if_absent(self, key: WrappedKey) -> bool:
        values = {
            "namespace": key.namespace,
            "version": key.version,
            "wrapped": key.wrapped,
            "master_key_id": key.master_key_id,
            "created_at": key.created_at,
        }
        index = ["namespace", "version"]
        insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
        # RETURNING (SQLite 3.35+) says whether this row was inserted; rowcount is not
        # reliable for ON CONFLICT DO NOTHING across drivers.
        statement = (
            insert(keyring_table)
            .values(values)
            .on_conflict_do_nothing(index_elements=index)
            .returning(keyring_table.c.version)
        )
        with self._begin() as conn:
            inserted = conn.execute(statement).first()
        return inserted is not None

    def list_all(self) -> list[WrappedKey]:
        query = sa.select(keyring_table).order_by(
            keyring_table.c.namespace, keyring_table.c.version
        )
        with self._connect() as conn:
            return [_to_key(row) for row in conn.execute(query)]

    def rewrap_all(self, fn: RewrapFn) -> int:
        with self._begin() as conn:
            self._lock_for_rewrap(conn)
            query = sa.select(keyring_table).order_by(
                keyring_table.c.namespace, keyring_table.c.version
            )
            rows = [_to_key(row) for row in conn.execute(query)]
            for old in rows:
                new = fn(old)
                check_rewrap_keeps_identity(old, new)
                conn.execute(
                    sa.update(keyring_table)
                    .where(
                        keyring_table.c.namespace == old.namespace,
                        keyring_table.c.version == old.version,
                    )
                    .values(wrapped=new.wrapped, master_key_id=new.master_key_id)
                )
        return len(rows)

    def _lock_for_rewrap(self, conn: sa.Connection) -> None:
        if self._dialect == "postgresql":
            # Blocks concurrent INSERT/UPDATE (and another rewrap); plain reads continue.
            conn.execute(sa.text("LOCK TABLE keyring IN SHARE ROW EXCLUSIVE MODE"))
        else:
            # SQLite's driver opens the transaction lazily at the first write; a write that
            # touches the table takes the database write lock before anything is read.
            conn.execute(
                sa.update(keyring_table).values(master_key_id=keyring_table.c.master_key_id)
            )

    @contextmanager
    def _connect(self) -> Iterator[sa.Connection]:
        try:
            with self._engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise _unavailable(exc) from None

    @contextmanager
    def _begin(self) -> Iterator[sa.Connection]:
        try:
            with self._engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise _unavailable(exc) from None

    def __repr__(self) -> str:
        return f"SqlKeyringStore(dialect={self._dialect!r})"


def _unavailable(exc: SQLAlchemyError) -> Unavailable:
    # The class name helps the operator; the statement and its parameters are not shown.
    return Unavailable(f"the key ring database failed ({type(exc).__name__})")


def _to_key(row: sa.Row[Any]) -> WrappedKey:
    m = row._mapping
    return WrappedKey(
        namespace=str(m["namespace"]),
        version=int(m["version"]),
        wrapped=bytes(m["wrapped"]),
        master_key_id=str(m["master_key_id"]),
        created_at=float(m["created_at"]),
    )
