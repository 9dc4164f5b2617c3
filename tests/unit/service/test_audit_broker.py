"""The audit broker: sealing, fan-out to sinks, fail closed, recovery, no secrets in logs."""

from __future__ import annotations

import json
import logging
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from credgate.adapters.audit import FileAuditSink, MemoryAuditSink, iter_lines
from credgate.clock import ManualClock
from credgate.domain.audit import (
    TRUNCATION_MARK,
    AuditEvent,
    ChainKey,
    ChainState,
    verify,
    verify_lines,
)
from credgate.errors import AuditUnavailable, ConfigError
from credgate.service.audit import AuditBroker

KEY = b"audit-key-" + b"x" * 22
CHAIN_KEY = ChainKey.from_audit_key(KEY)
CANARY = "CANARY-7d0c2b-secret-value"


def _broker(*sinks: Any, writer: str = "w1", **kw: Any) -> AuditBroker:
    return AuditBroker(list(sinks), writer_id=writer, hmac_key=KEY, clock=ManualClock(), **kw)


def _event(broker: AuditBroker, request_id: str = "req-1", **fields: Any) -> AuditEvent:
    fields.setdefault("agent_id", "agent-7")
    fields.setdefault("path", "secret/data/dev/app")
    return broker.new_event("response", request_id=request_id, action="kv.read", **fields)


def test_every_sink_gets_the_same_sealed_record() -> None:
    """File and SQL copies of the trail are identical, so either can be verified."""
    first, second = MemoryAuditSink("one"), MemoryAuditSink("two")
    broker = _broker(first, second)
    sealed = broker.log(_event(broker))
    broker.log(_event(broker, "req-2"))
    assert first.records == second.records
    assert first.records[0] == sealed
    assert (sealed["writer"], sealed["seq"]) == ("w1", 1)
    assert verify(first.records, key=CHAIN_KEY).ok
    assert broker.state.seq == 2


def test_new_event_uses_the_broker_clock() -> None:
    """Events are stamped with injected time (frozen in tests), not the wall clock."""
    clock = ManualClock(1_800_000_000.0)
    broker = AuditBroker([MemoryAuditSink()], writer_id="w1", hmac_key=KEY, clock=clock)
    clock.advance(1.5)
    assert broker.new_event("request", request_id="r", action="kv.read").time == 1_800_000_001.5


def test_no_sink_accepting_fails_closed() -> None:
    """When no sink takes the event the request must fail, and no seq is used up."""
    sink = MemoryAuditSink()
    broker = _broker(sink)
    broker.log(_event(broker))
    sink.fail_with = OSError("disk full")
    with pytest.raises(AuditUnavailable):
        broker.log(_event(broker, "req-2"))
    assert broker.state.seq == 1
    sink.fail_with = None
    assert broker.log(_event(broker, "req-3"))["seq"] == 2
    assert verify(sink.records, key=CHAIN_KEY).ok


def test_one_sink_suffices_and_the_other_shows_a_gap() -> None:
    """One healthy sink keeps serving; the sink that missed an event shows it as deleted."""
    healthy, flaky = MemoryAuditSink("healthy"), MemoryAuditSink("flaky")
    broker = _broker(healthy, flaky)
    broker.log(_event(broker, "r1"))
    flaky.fail_with = ConnectionError("db down")
    broker.log(_event(broker, "r2"))
    flaky.fail_with = None
    broker.log(_event(broker, "r3"))
    assert verify(healthy.records, key=CHAIN_KEY).ok
    report = verify(flaky.records, key=CHAIN_KEY)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("deleted", 3)


def test_unwritable_file_fails_closed(tmp_path: Path) -> None:
    """If the audit directory disappears and cannot be recreated, nothing is served.

    Tests run as root, where chmod does not stop writes; so the directory is replaced by a
    regular file: the sink notices its file is gone, cannot recreate it (its parent is not a
    directory) and the write fails for every user, root included.
    """
    audit_dir = tmp_path / "audit"
    path = audit_dir / "audit.log"
    broker = _broker(FileAuditSink(path))
    broker.log(_event(broker, "r1"))
    before = broker.state
    shutil.rmtree(audit_dir)
    audit_dir.write_text("not a directory")
    with pytest.raises(AuditUnavailable):
        broker.log(_event(broker, "r2"))
    assert broker.state == before
    audit_dir.unlink()
    after = broker.log(_event(broker, "r3"))
    assert (after["seq"], after["prev_hash"]) == (2, before.prev_hash)


def test_full_disk_fails_closed() -> None:
    """A sink on a full disk (/dev/full: ENOSPC, even for root) refuses and nothing is served."""
    broker = _broker(FileAuditSink("/dev/full", create_dirs=False))
    with pytest.raises(AuditUnavailable, match="no audit sink accepted"):
        broker.log(_event(broker))
    assert broker.state == ChainState("w1")


def test_sink_failures_are_logged_without_content(caplog: pytest.LogCaptureFixture) -> None:
    """The failure log names sink, writer, seq and request id, never the event or error text."""
    sink = MemoryAuditSink("db")
    sink.fail_with = RuntimeError(f"INSERT failed for record containing {CANARY}")
    broker = _broker(sink)
    with caplog.at_level(logging.ERROR, logger="credgate.audit"), pytest.raises(AuditUnavailable):
        broker.log(_event(broker, "req-9", path=f"secret/data/{CANARY}", context={"p": CANARY}))
    assert "db" in caplog.text
    assert "req-9" in caplog.text
    assert "RuntimeError" in caplog.text
    assert CANARY not in caplog.text


def test_canary_value_never_reaches_sinks_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A served value is stored only as its HMAC in every sink and in the log file bytes."""
    memory = MemoryAuditSink()
    path = tmp_path / "audit.log"
    broker = _broker(FileAuditSink(path), memory)
    with caplog.at_level(logging.DEBUG):
        values = broker.hmac_mapping({"password": CANARY, "nested": {"token": CANARY}})
        broker.log(_event(broker, values=values))
        broker.close()
    raw = path.read_bytes()
    assert CANARY.encode() not in raw
    assert broker.hmac(CANARY).encode() in raw
    assert CANARY not in json.dumps(memory.records)
    assert CANARY not in caplog.text
    assert "audit-key" not in repr(broker)


def test_restart_continues_the_chain_from_the_file(tmp_path: Path) -> None:
    """After a restart the same writer continues its chain, so the trail still verifies."""
    path = tmp_path / "audit.log"
    first = _broker(FileAuditSink(path))
    for i in range(3):
        first.log(_event(first, f"r{i}"))
    first.close()
    second = _broker(FileAuditSink(path))
    assert second.state.seq == 3
    assert second.log(_event(second, "r3"))["seq"] == 4
    second.close()
    report = verify_lines(iter_lines(path), key=CHAIN_KEY)
    assert report.ok
    assert report.writers == {"w1": 4}


def test_recovery_follows_the_sink_furthest_ahead() -> None:
    """If the primary missed the last events, no sink is given a sequence number twice."""
    primary, secondary = MemoryAuditSink("file"), MemoryAuditSink("sql")
    broker = _broker(primary, secondary)
    broker.log(_event(broker, "r1"))
    primary.fail_with = OSError("disk")
    broker.log(_event(broker, "r2"))
    primary.fail_with = None
    restarted = _broker(primary, secondary)
    assert restarted.state.seq == 2
    restarted.log(_event(restarted, "r3"))
    assert verify(secondary.records, key=CHAIN_KEY).ok


def test_unreadable_primary_refuses_to_start() -> None:
    """A broker that cannot tell where its chain stands does not start writing a forked chain."""
    sink = MemoryAuditSink()
    sink.records.append({"writer": "w1", "seq": "broken"})
    with pytest.raises(AuditUnavailable, match="cannot be read"):
        _broker(sink)


def test_context_is_bounded_by_the_broker() -> None:
    """An agent's oversized prompt is cut before it reaches the trail."""
    sink = MemoryAuditSink()
    broker = _broker(sink, context_max_bytes=256)
    broker.log(_event(broker, context={"prompt": "x" * 10_000, "reasoning": "why"}))
    context = sink.records[0]["context"]
    assert context["reasoning"] == "why"
    assert context["prompt"].endswith(TRUNCATION_MARK)
    assert len(json.dumps(context)) < 400


def test_concurrent_logging_keeps_one_unbroken_chain() -> None:
    """Many threads logging at once still produce seq 1..N with every link intact."""
    sink = MemoryAuditSink()
    broker = _broker(sink)

    def worker(n: int) -> None:
        for i in range(50):
            broker.log(_event(broker, f"t{n}-{i}"))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r["seq"] for r in sink.records] == list(range(1, 401))
    assert verify(sink.records, key=CHAIN_KEY).ok


@pytest.mark.parametrize(
    ("sinks", "writer", "key", "match"),
    [([], "w1", KEY, "at least one sink"), (None, "", KEY, "writer id"), (None, "w", b"k", "16")],
)
def test_bad_configuration_is_refused(
    sinks: list[Any] | None, writer: str, key: bytes, match: str
) -> None:
    """A broker without sinks, writer id or a real key cannot be built."""
    chosen = [MemoryAuditSink()] if sinks is None else sinks
    with pytest.raises(ConfigError, match=match):
        AuditBroker(chosen, writer_id=writer, hmac_key=key, clock=ManualClock())
