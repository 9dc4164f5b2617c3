"""Checkpoint stores on SQLite, PostgreSQL and a file: upsert, never backwards, atomic file."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from credgate.adapters.audit.checkpoint_store import FileCheckpointStore, SqlCheckpointStore
from credgate.adapters.storage.governance_tables import audit_checkpoints
from credgate.domain.audit import Anchor, Checkpoint, CheckpointStore, anchors_from_json
from credgate.errors import Unavailable

H1, H2, H3 = "1" * 64, "2" * 64, "3" * 64


def test_both_stores_implement_the_port(db_engine: sa.Engine, tmp_path: Path) -> None:
    """The broker talks to them through one small Protocol."""
    assert isinstance(SqlCheckpointStore(db_engine), CheckpointStore)
    assert isinstance(FileCheckpointStore(tmp_path / "cp.json"), CheckpointStore)


def test_sql_store_upserts_each_writer(db_engine: sa.Engine) -> None:
    """One row per writer: inserted first, then moved forward, read back with its time."""
    store = SqlCheckpointStore(db_engine)
    assert store.read() == []
    assert store.write(Anchor("w1", 3, H1), at=100.0)
    assert store.write(Anchor("w2", 1, H2), at=101.0)
    assert store.write(Anchor("w1", 7, H3), at=102.0)
    assert store.read() == [
        Checkpoint("w1", 7, H3, 102.0, "database"),
        Checkpoint("w2", 1, H2, 101.0, "database"),
    ]
    with db_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_checkpoints)).scalar() == 2


def test_sql_store_never_moves_backwards(db_engine: sa.Engine) -> None:
    """A lower seq, or the same seq with another hash, is refused; the same head refreshes."""
    store = SqlCheckpointStore(db_engine)
    store.write(Anchor("w1", 5, H1), at=100.0)
    assert not store.write(Anchor("w1", 4, H2), at=101.0)
    assert not store.write(Anchor("w1", 5, H2), at=101.0)
    assert store.write(Anchor("w1", 5, H1), at=102.0)
    assert store.read() == [Checkpoint("w1", 5, H1, 102.0, "database")]


def test_sql_store_read_failure_is_unavailable(db_engine: sa.Engine) -> None:
    """A missing table reads as one Unavailable error (no driver text), not a crash."""
    audit_checkpoints.drop(db_engine)
    with pytest.raises(Unavailable, match="checkpoints cannot be read"):
        SqlCheckpointStore(db_engine).read()


def test_file_store_merges_writers_in_the_anchor_format(tmp_path: Path) -> None:
    """The file is the --anchor format, one entry per writer, private to its owner."""
    path = tmp_path / "safe" / "checkpoints.json"
    store = FileCheckpointStore(path)
    assert store.read() == []
    assert store.write(Anchor("w1", 2, H1), at=1_800_000_000.0)
    assert store.write(Anchor("w2", 9, H2), at=1_800_000_001.0)
    assert anchors_from_json(path.read_text()) == {
        "w1": Anchor("w1", 2, H1),
        "w2": Anchor("w2", 9, H2),
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert {c.writer: (c.seq, c.at, c.source) for c in store.read()} == {
        "w1": (2, 1_800_000_001.0, "file"),
        "w2": (9, 1_800_000_001.0, "file"),
    }
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "checkpoints.json",
        "checkpoints.json.lock",
    ]  # no temporary file left behind


def test_file_store_never_moves_backwards(tmp_path: Path) -> None:
    """As the table: a regression is refused and the file left as it was."""
    store = FileCheckpointStore(tmp_path / "cp.json")
    store.write(Anchor("w1", 5, H1), at=100.0)
    before = (tmp_path / "cp.json").read_bytes()
    assert not store.write(Anchor("w1", 3, H2), at=101.0)
    assert (tmp_path / "cp.json").read_bytes() == before


def test_file_store_refuses_a_broken_file(tmp_path: Path) -> None:
    """An edited, unparsable file is an error for reading and writing, never overwritten."""
    path = tmp_path / "cp.json"
    path.write_text("{not json")
    store = FileCheckpointStore(path)
    with pytest.raises(Unavailable, match="not valid"):
        store.read()
    with pytest.raises(Unavailable):
        store.write(Anchor("w1", 1, H1), at=1.0)
    assert path.read_text() == "{not json"


def test_file_store_replaces_atomically(tmp_path: Path) -> None:
    """Readers see the old or the new file, whole: each write is a rename of a full file."""
    path = tmp_path / "cp.json"
    store = FileCheckpointStore(path)
    store.write(Anchor("w0", 1, H1), at=1.0)
    stop = threading.Event()
    seen_broken: list[str] = []

    def read_loop() -> None:
        while not stop.is_set():
            try:
                json.loads(path.read_text())
            except ValueError as exc:
                seen_broken.append(str(exc))

    reader = threading.Thread(target=read_loop)
    reader.start()
    try:
        for seq in range(2, 60):
            store.write(Anchor("w0", seq, H1), at=float(seq))
    finally:
        stop.set()
        reader.join()
    assert not seen_broken
