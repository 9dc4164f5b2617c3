"""The SQL audit sink on SQLite and PostgreSQL: storage, search, recovery, checkpoints."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from credgate.adapters.audit.sql_sink import SqlAuditSink, audit_events
from credgate.adapters.storage.schema import load_all_tables
from credgate.domain.audit import (
    AuditEvent,
    ChainKey,
    ChainState,
    format_time,
    hmac_value,
    record_hash,
    seal,
    verify,
)
from credgate.errors import Unavailable

T0 = 1_800_000_000.0
KEY = b"k" * 32
CHAIN_KEY = ChainKey.from_audit_key(KEY)


def _log(sink: SqlAuditSink, state: ChainState, **fields: Any) -> tuple[dict[str, Any], ChainState]:
    base: dict[str, Any] = {
        "type": "response",
        "time": T0,
        "request_id": f"req-{state.seq + 1}",
        "action": "kv.read",
        "agent_id": "agent-7",
        "session_id": "s1",
        "path": "secret/data/dev/app",
        "namespace": "acme/",
    }
    base.update(fields)
    sealed, after = seal(AuditEvent(**base).to_dict(), state, key=CHAIN_KEY)
    sink.write(sealed)
    return sealed, after


def test_table_is_registered_on_the_shared_metadata() -> None:
    """Migrations and create_all see the audit table with a unique (writer, seq)."""
    table = load_all_tables().tables["audit_events"]
    assert table is audit_events
    uniques = [
        tuple(c.name for c in con.columns)
        for con in table.constraints
        if isinstance(con, sa.UniqueConstraint)
    ]
    assert ("writer", "seq") in uniques


def test_records_come_back_byte_identical(db_engine: sa.Engine) -> None:
    """What the table holds re-hashes to the same value: the SQL copy verifies on its own."""
    sink = SqlAuditSink(db_engine)
    state = ChainState("w1")
    written = []
    for i in range(5):
        sealed, state = _log(sink, state, time=T0 + i, path=f"secret/data/é/{i}", duration_ms=1.5)
        written.append(sealed)
    stored = list(sink.records(batch=2))
    assert stored == written
    assert all(record_hash(r, key=CHAIN_KEY) == r["hash"] for r in stored)
    assert verify(stored, key=CHAIN_KEY).ok


def test_duplicate_seq_is_refused_by_the_database(db_engine: sa.Engine) -> None:
    """Two records with the same writer and seq cannot both be stored."""
    sink = SqlAuditSink(db_engine)
    sealed, _ = _log(sink, ChainState("w1"))
    with pytest.raises(sa.exc.IntegrityError):
        sink.write(sealed)


def test_query_filters_and_orders(db_engine: sa.Engine) -> None:
    """Search by agent, session, time and path prefix returns the latest matches, oldest first."""
    sink = SqlAuditSink(db_engine)
    state = ChainState("w1")
    _, state = _log(sink, state, time=T0 + 1, agent_id="a1", path="secret/data/prod/db")
    _, state = _log(sink, state, time=T0 + 2, agent_id="a2", path="secret/data/prod/api")
    _, state = _log(sink, state, time=T0 + 3, agent_id="a1", path="secret/data/dev/app")
    _, state = _log(
        sink, state, time=T0 + 4, agent_id="a1", path="secret/data/prod_x", session_id="s2"
    )
    _, state = _log(sink, state, time=T0 + 5, agent_id="a1", path="secret/data/prod/db")

    def seqs(**kw: Any) -> list[int]:
        return [r["seq"] for r in sink.query(**kw)]

    assert seqs(agent="a1") == [1, 3, 4, 5]
    assert seqs(agent="a1", limit=2) == [4, 5]
    assert seqs(path="secret/data/prod/*") == [1, 2, 5]
    assert seqs(path="secret/data/prod_*") == [4]  # "_" is not a wildcard
    assert seqs(path="secret/data/prod/db") == [1, 5]
    assert seqs(session="s2") == [4]
    assert seqs(since=T0 + 3) == [3, 4, 5]
    assert sink.query(agent="a1", since=T0 + 5)[0]["time"] == format_time(T0 + 5)


def test_recover_and_anchors(db_engine: sa.Engine) -> None:
    """A restarted broker continues from the table; each writer's tip is a checkpoint."""
    sink = SqlAuditSink(db_engine)
    a, b = ChainState("a"), ChainState("b")
    for _ in range(3):
        _, a = _log(sink, a)
    _, b = _log(sink, b)
    assert sink.recover("a") == a
    assert sink.recover("b") == b
    assert sink.recover("c") == ChainState("c")
    anchors = sink.anchors()
    assert {w: (x.seq, x.hash) for w, x in anchors.items()} == {
        "a": (3, a.prev_hash),
        "b": (1, b.prev_hash),
    }


def test_find_value(db_engine: sa.Engine) -> None:
    """An operator can find which events served a value, by its HMAC."""
    sink = SqlAuditSink(db_engine)
    digest = hmac_value(KEY, "hunter2")
    state = ChainState("w1")
    _, state = _log(sink, state, values={"data.password": digest})
    _, state = _log(sink, state, values={"data.password": hmac_value(KEY, "other")})
    assert [r["seq"] for r in sink.find_value(digest)] == [1]
    assert sink.find_value(hmac_value(KEY, "never")) == []


def test_read_failure_is_unavailable(db_engine: sa.Engine) -> None:
    """A broken database gives one clear error, not a driver traceback."""
    sink = SqlAuditSink(db_engine)
    with db_engine.begin() as conn:
        audit_events.drop(conn)
    with pytest.raises(Unavailable, match="audit table cannot be read"):
        sink.recover("w1")


def test_write_after_close_raises(db_engine: sa.Engine) -> None:
    """A closed sink refuses records so the broker can fail closed."""
    sink = SqlAuditSink(db_engine)
    sink.close()
    with pytest.raises(RuntimeError, match="closed"):
        _log(sink, ChainState("w1"))
