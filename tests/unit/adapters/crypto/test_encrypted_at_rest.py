"""The barrier on a real database: nothing readable reaches the disk, rotation works on SQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from crypto_helpers import RecordingRandom

from credgate.adapters.crypto.barrier import Barrier
from credgate.adapters.crypto.master_key import MasterKey
from credgate.adapters.crypto.sql_keyring import SqlKeyringStore
from credgate.adapters.storage.engine import create_engine
from credgate.adapters.storage.schema import load_all_tables
from credgate.errors import DecryptionFailed

CANARY = b"CANARY-at-rest-5b1e0d77-do-not-store-in-clear"

_scratch = sa.MetaData()
stored_values = sa.Table(
    "test_stored_values",
    _scratch,
    sa.Column("path", sa.String(200), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("blob", sa.LargeBinary, nullable=False),
)


def _database_bytes(db: Path) -> bytes:
    """Every file SQLite keeps for this database (main file, WAL, shared memory)."""
    files = [p for p in db.parent.iterdir() if p.name.startswith(db.name)]
    assert files, "the database file was not created"
    return b"".join(p.read_bytes() for p in files)


def _write_value(
    db: Path, store_value: Callable[[Barrier, bytes], bytes], rng: RecordingRandom
) -> bytes:
    """Write CANARY into a fresh SQLite file through the SQL key ring; return what was stored."""
    engine = create_engine(f"sqlite:///{db}")
    load_all_tables().create_all(engine)
    _scratch.create_all(engine)
    barrier = Barrier(SqlKeyringStore(engine), MasterKey(bytes(range(32))), randbytes=rng)
    barrier.named_key("audit-hmac")
    stored = store_value(barrier, CANARY)
    with engine.begin() as conn:
        conn.execute(sa.insert(stored_values).values(path="secret/app", version=1, blob=stored))
    wal = db.with_name(db.name + "-wal")
    assert wal.exists(), "expected SQLite to be in WAL mode with an open connection"
    raw_while_open = _database_bytes(db)
    engine.dispose()  # last connection closes: SQLite checkpoints the WAL into the file
    return raw_while_open + _database_bytes(db)


def test_stored_value_is_not_in_the_database_files(tmp_path: Path) -> None:
    """Grepping the raw SQLite file and its WAL finds no secret value and no key."""
    rng = RecordingRandom()
    raw = _write_value(
        tmp_path / "credgate.db",
        lambda barrier, value: barrier.encrypt("acme/", "secret/app", 1, value),
        rng,
    )
    assert CANARY not in raw
    assert CANARY.hex().encode() not in raw
    assert bytes(range(32)) not in raw  # the master key
    keys = rng.of_length(32)
    assert len(keys) == 2  # the audit HMAC key and the namespace data key
    for key in keys:
        assert key not in raw


def test_the_grep_does_see_values_stored_in_clear(tmp_path: Path) -> None:
    """Control: the same scenario without encryption leaves the canary visible on disk."""
    raw = _write_value(tmp_path / "credgate.db", lambda _barrier, value: value, RecordingRandom())
    assert CANARY in raw


def test_barrier_on_sql_round_trip_and_rotations(db_engine: sa.Engine) -> None:
    """On SQLite and PostgreSQL: values survive namespace and master key rotation."""
    old_master, new_master = MasterKey(bytes(range(32))), MasterKey(bytes(range(1, 33)))
    store = SqlKeyringStore(db_engine)
    barrier = Barrier(store, old_master)
    v1 = barrier.encrypt("acme/", "secret/app", 1, b"first")
    hmac_key = barrier.named_key("token-hmac")
    assert barrier.rotate_namespace_key("acme/") == 2
    v2 = barrier.encrypt("acme/", "secret/app", 2, b"second")

    assert barrier.rotate_master_key(new_master) == 3

    fresh = Barrier(SqlKeyringStore(db_engine), new_master)
    assert fresh.verify_master_key() == 3
    assert fresh.decrypt("acme/", "secret/app", 1, v1) == b"first"
    assert fresh.decrypt("acme/", "secret/app", 2, v2) == b"second"
    assert fresh.named_key("token-hmac") == hmac_key
    with pytest.raises(DecryptionFailed, match="wrapped under master key"):
        Barrier(SqlKeyringStore(db_engine), old_master).decrypt("acme/", "secret/app", 1, v1)
