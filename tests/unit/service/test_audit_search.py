"""Reading the trail: search filters, value lookup and the human session timeline."""

from __future__ import annotations

from typing import Any

from credgate.adapters.audit import MemoryAuditSink
from credgate.clock import ManualClock
from credgate.domain.audit import AuditEvent
from credgate.service.audit import AuditBroker, find_value, search, session_timeline

T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z
KEY = b"s" * 32


class _Trail:
    def __init__(self) -> None:
        self.sink = MemoryAuditSink()
        self.clock = ManualClock(T0)
        self.broker = AuditBroker([self.sink], writer_id="w1", hmac_key=KEY, clock=self.clock)

    def log(self, type: str = "response", *, at: float = 0.0, **fields: Any) -> None:
        fields.setdefault("request_id", f"req-{len(self.sink.records)}")
        fields.setdefault("action", "kv.read")
        fields.setdefault("agent_id", "agent-7")
        fields.setdefault("session_id", "s1")
        self.broker.log(AuditEvent(type=type, time=T0 + at, **fields))


def _trail() -> _Trail:
    trail = _Trail()
    trail.log(at=1, agent_id="a1", path="secret/data/prod/db")
    trail.log(at=2, agent_id="a2", path="secret/data/prod/api", session_id="s2")
    trail.log(at=3, agent_id="a1", path="secret/data/dev/app")
    trail.log(at=4, agent_id="a1", path="secret/data/production", trace_id="t" * 32)
    return trail


def _paths(records: Any) -> list[str]:
    return [r["path"] for r in records]


def test_search_filters_combine() -> None:
    """Each filter narrows the result; together they must all match."""
    records = _trail().sink.records
    assert _paths(search(records, agent="a1")) == [
        "secret/data/prod/db",
        "secret/data/dev/app",
        "secret/data/production",
    ]
    assert _paths(search(records, agent="a1", path="secret/data/prod/*")) == ["secret/data/prod/db"]
    assert _paths(search(records, path="secret/data/prod*")) == [
        "secret/data/prod/db",
        "secret/data/prod/api",
        "secret/data/production",
    ]
    assert _paths(search(records, session="s2")) == ["secret/data/prod/api"]
    assert _paths(search(records, since=T0 + 3)) == [
        "secret/data/dev/app",
        "secret/data/production",
    ]
    assert _paths(search(records, trace="t" * 32)) == ["secret/data/production"]
    assert search(records, agent="nobody") == []


def test_search_limit_keeps_the_most_recent() -> None:
    """A limited search shows the latest events, still in time order."""
    records = _trail().sink.records
    assert [r["seq"] for r in search(records, limit=2)] == [3, 4]
    assert search(records, limit=0) == []


def test_find_value_by_hmac() -> None:
    """The events that served a value are found from its HMAC alone."""
    trail = _Trail()
    trail.log(at=1, values=trail.broker.hmac_mapping({"password": "hunter2"}))
    trail.log(at=2, values=trail.broker.hmac_mapping({"password": "other"}))
    hits = find_value(trail.sink.records, trail.broker.hmac("hunter2"))
    assert [r["seq"] for r in hits] == [1]


def test_session_timeline_reads_like_a_story() -> None:
    """A session shows each request once, in time order, with outcome, policy and duration."""
    trail = _Trail()
    trail.log("request", at=0.117, request_id="r1", path="secret/data/dev/app", result="pending")
    trail.log(
        at=0.120,
        request_id="r1",
        path="secret/data/dev/app",
        duration_ms=3.2,
        decision={"allowed": True, "policies": ["dev-read"]},
        context={"reasoning": "need the DB URL\nto run\x1b[31m migrations"},
    )
    trail.log(
        at=5,
        request_id="r2",
        path="secret/data/prod/db",
        result="denied",
        error_code="permission_denied",
        duration_ms=0.4,
        decision={"allowed": False, "reason": "no policy grants read"},
    )
    trail.log(
        "request",
        at=9,
        request_id="r3",
        action="kv.write",
        path="secret/data/prod/db",
        result="pending",
    )
    trail.log(at=2, request_id="other", session_id="s-other")
    assert session_timeline(trail.sink.records, "s1") == [
        "08:00:00.120  agent-7  kv.read  secret/data/dev/app  ok  (policy dev-read, 3.2 ms)\n"
        "    reasoning: need the DB URL to run\\x1b[31m migrations",
        "08:00:05.000  agent-7  kv.read  secret/data/prod/db  denied  "
        "(no policy grants read, 0.4 ms)",
        "08:00:09.000  agent-7  kv.write  secret/data/prod/db  pending  (no response recorded)",
    ]
    assert session_timeline(trail.sink.records, "s1", include_context=False)[0].count("\n") == 0
    assert session_timeline(trail.sink.records, "nope") == []


def test_session_timeline_orders_by_time_then_seq() -> None:
    """Events logged out of time order (several instances) are shown in time order."""
    trail = _Trail()
    trail.log(at=5, request_id="late", path="b")
    trail.log(at=1, request_id="early", path="a")
    trail.log(at=5, request_id="late-2", path="c")
    lines = session_timeline(trail.sink.records, "s1")
    assert [line.split("  ")[3] for line in lines] == ["a", "b", "c"]
