"""Audit events: round trip, refusal of raw values, HMACs of values, bounded agent context."""

from __future__ import annotations

import json
from typing import Any

import pytest

from credgate.domain.audit import (
    TRUNCATION_MARK,
    AuditEvent,
    bound_context,
    format_time,
    hmac_mapping,
    hmac_value,
    parse_time,
)

KEY = b"k" * 32


def _event(**overrides: Any) -> AuditEvent:
    fields: dict[str, Any] = {
        "type": "response",
        "time": 1_800_000_000.25,
        "request_id": "req-1",
        "action": "kv.read",
        "agent_id": "agent-7",
        "principal_kind": "agent",
        "token_accessor": "acc-1",
        "session_id": "sess-1",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "span_id": "00f067aa0ba902b7",
        "namespace": "acme/",
        "operation": "read",
        "path": "secret/data/dev/app",
        "parameters": {"path": "dev/app", "version": 3},
        "result": "ok",
        "duration_ms": 3.2,
        "decision": {"allowed": True, "policies": ["dev-read"], "rule": "secret/data/dev/*"},
        "context": {"reasoning": "deploying the app"},
        "values": {"data.password": hmac_value(KEY, "hunter2")},
        "remote_addr": "127.0.0.1",
    }
    fields.update(overrides)
    return AuditEvent(**fields)


def test_round_trip_through_json() -> None:
    """An event written to the trail reads back identical, so tools see what was logged."""
    event = _event(time=1_800_000_000.123456)
    text = json.dumps(event.to_dict())
    assert AuditEvent.from_dict(json.loads(text)) == event


def test_time_is_rfc3339_utc_with_microseconds() -> None:
    """Times in the trail are unambiguous UTC strings that sort as text."""
    assert _event(time=1_800_000_000.1234567).to_dict()["time"] == "2027-01-15T08:00:00.123457Z"
    assert format_time(0) == "1970-01-01T00:00:00.000000Z"
    assert parse_time("2027-01-15T09:00:00.5+01:00") == 1_800_000_000.5


def test_parse_time_refuses_times_without_offset() -> None:
    """A time without a zone is refused rather than silently read as local time."""
    with pytest.raises(ValueError, match="offset"):
        parse_time("2027-01-15T08:00:00")


def test_raw_value_is_refused_in_values() -> None:
    """A caller cannot put a secret value itself in the audit event, only its HMAC."""
    with pytest.raises(ValueError, match="must be an HMAC") as info:
        _event(values={"data.password": "hunter2"})
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize(("field", "value"), [("type", "reply"), ("result", "maybe")])
def test_unknown_type_or_result_is_refused(field: str, value: str) -> None:
    """Events with an unknown type or result cannot be logged (search relies on them)."""
    with pytest.raises(ValueError, match=field):
        _event(**{field: value})


def test_event_mappings_are_frozen_copies() -> None:
    """Changing the caller's dict afterwards does not change what is audited."""
    params: dict[str, Any] = {"path": "dev/app", "nested": {"v": 1}}
    event = _event(parameters=params)
    params["path"] = "prod/db"
    params["nested"]["v"] = 2
    assert event.parameters == {"path": "dev/app", "nested": {"v": 1}}
    with pytest.raises(TypeError):
        event.parameters["path"] = "x"  # type: ignore[index]


def test_none_mappings_mean_empty() -> None:
    """Passing None for context or values is the same as passing nothing."""
    event = _event(context=None, values=None)
    assert event.to_dict()["context"] == {}
    assert event.to_dict()["values"] == {}


def test_hmac_value_known_answer() -> None:
    """The HMAC matches RFC 4231 test case 2 shape (HMAC-SHA256), so other tools agree."""
    key = bytes([0x0B] * 20)
    assert hmac_value(key, "Hi There") == (
        "hmac-sha256:b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    )
    assert hmac_value(key, b"Hi There") == hmac_value(key, "Hi There")


def test_hmac_needs_a_real_key() -> None:
    """A short (guessable) audit key is refused."""
    with pytest.raises(ValueError, match="at least 16 bytes"):
        hmac_value(b"short", "x")


def test_hmac_mapping_flattens_to_dotted_keys() -> None:
    """Every served leaf gets its own HMAC under a dotted key; non-strings hash as JSON."""
    out = hmac_mapping(KEY, {"password": "s3cr3t", "db": {"port": 5432, "tags": ["a", "b"]}})
    assert out == {
        "data.password": hmac_value(KEY, "s3cr3t"),
        "data.db.port": hmac_value(KEY, "5432"),  # canonical JSON of 5432
        "data.db.tags": hmac_value(KEY, '["a","b"]'),
    }
    assert hmac_mapping(KEY, {"on": True})["data.on"] == hmac_value(KEY, "true")
    assert hmac_mapping(KEY, {"on": "True"})["data.on"] != hmac_value(KEY, "true")
    assert set(hmac_mapping(KEY, {"a": {"b": "c"}}, prefix="")) == {"a.b"}


def test_canary_value_never_in_serialised_event() -> None:
    """A served value shows up in the trail only as an HMAC, never in clear."""
    canary = "CANARY-5f2e9d1c-never-log-me"
    event = _event(values=hmac_mapping(KEY, {"password": canary, "nested": {"k": canary}}))
    text = json.dumps(event.to_dict(), ensure_ascii=False)
    assert canary not in text
    assert hmac_value(KEY, canary) in text
    assert canary not in repr(event)


def test_bound_context_keeps_short_fields_and_cuts_long_ones() -> None:
    """A huge prompt cannot bloat the trail; the short reasoning next to it survives whole."""
    out = bound_context({"prompt": "x" * 100_000, "reasoning": "deploy"}, max_bytes=1000)
    assert out["reasoning"] == "deploy"
    assert out["prompt"].endswith(TRUNCATION_MARK)
    assert sum(len(v.encode()) for v in out.values()) <= 1000


def test_bound_context_cuts_on_character_boundaries() -> None:
    """Multi-byte text is cut between characters, never into invalid UTF-8."""
    out = bound_context({"prompt": "é" * 5000, "alternatives": "ü" * 5000}, max_bytes=301)
    total = 0
    for text in out.values():
        assert text.endswith(TRUNCATION_MARK)
        total += len(text.encode("utf-8"))
    assert total <= 301


def test_bound_context_limits_fields_and_encodes_non_strings() -> None:
    """Too many fields are dropped (and counted); lists become JSON text."""
    ctx: dict[str, object] = {f"f{i:02d}": "v" for i in range(20)}
    ctx["alternatives"] = ["a", "b"]
    out = bound_context(ctx, max_fields=5)
    assert out["_truncated_fields"] == "16"
    assert out["alternatives"] == '["a", "b"]'
    assert len(out) == 6
    assert bound_context(None) == {}
