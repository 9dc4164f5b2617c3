"""The chain is keyed: forged, re-hashed or unkeyed records fail; checkpoints catch a cut tail.

Issue 15, finding 9: with a plain SHA-256 chain, re-hashing the last event or appending a
well-chained one passed verification. Each test here fails on that chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from credgate.domain.audit import (
    Anchor,
    ChainKey,
    ChainState,
    Checkpoint,
    canonical_json,
    hmac_value,
    record_hash,
    seal,
    verify,
    verify_lines,
)

AUDIT_KEY = b"the audit hmac key of this test."
KEY = ChainKey.from_audit_key(AUDIT_KEY)
OTHER = ChainKey.from_audit_key(b"the audit key of another deploy")


def _chain(n: int, writer: str = "w1", key: ChainKey = KEY) -> list[dict[str, Any]]:
    state = ChainState(writer)
    out = []
    for i in range(n):
        sealed, state = seal({"action": "kv.read", "path": f"secret/data/p{i}"}, state, key=key)
        out.append(sealed)
    return out


def _unkeyed_seal(event: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What a forger without the key can do: chain a record with plain SHA-256."""
    record = dict(event, writer=after["writer"], seq=after["seq"] + 1, prev_hash=after["hash"])
    record["hash"] = hashlib.sha256(canonical_json(record)).hexdigest()
    return record


def test_hash_is_an_hmac_under_the_derived_chain_key() -> None:
    """Known answer: the hash is HMAC-SHA256(HMAC(audit key, label), canonical JSON)."""
    [record] = _chain(1)
    chain_key = hmac.new(AUDIT_KEY, b"credgate audit chain v1", hashlib.sha256).digest()
    body = canonical_json({k: v for k, v in record.items() if k != "hash"})
    assert record["hash"] == hmac.new(chain_key, body, hashlib.sha256).hexdigest()
    assert record["hash"] != hashlib.sha256(body).hexdigest()
    assert record_hash(record, key=KEY) == record["hash"]


def test_chain_key_is_not_the_value_hmac_key() -> None:
    """The derivation is domain-separated: the same bytes get another MAC than a value HMAC."""
    data = b"some bytes"
    assert KEY.mac(data) != hmac_value(AUDIT_KEY, data).split(":", 1)[1]


def test_the_key_is_required_and_typed() -> None:
    """No silent unkeyed fallback: raw bytes or no key are refused, not used."""
    with pytest.raises(TypeError):
        seal({"action": "x"}, ChainState("w1"))  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="ChainKey"):
        seal({"action": "x"}, ChainState("w1"), key=AUDIT_KEY)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ChainKey"):
        verify(_chain(1), key=AUDIT_KEY)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="16 bytes"):
        ChainKey.from_audit_key(b"short")


def test_chain_key_repr_hides_the_key() -> None:
    """The key never shows up in a repr (logs, tracebacks)."""
    assert repr(KEY) == "ChainKey(<hidden>)"
    assert AUDIT_KEY.hex() not in repr(KEY)


def test_appended_unkeyed_event_is_refused() -> None:
    """A well-chained event appended with plain SHA-256 fails, as an edit not under the key."""
    records = _chain(4)
    records.append(_unkeyed_seal({"action": "kv.read", "path": "secret/data/alibi"}, records[-1]))
    report = verify(records, key=KEY)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.index, report.problem.seq) == ("edited", 4, 5)
    assert "not under this deployment's chain key" in report.problem.message
    assert "plain SHA-256" in report.problem.message


def test_appended_event_sealed_under_another_key_is_refused() -> None:
    """A forger with some other key fares no better."""
    records = _chain(4)
    forged, _ = seal({"action": "kv.read"}, ChainState.after(records[-1]), key=OTHER)
    records.append(forged)
    report = verify(records, key=KEY)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.index) == ("edited", 4)
    assert "not under this deployment's chain key" in report.problem.message


def test_rehashed_last_event_is_refused() -> None:
    """Editing the last event and re-hashing it (no next event to betray it) still fails."""
    records = _chain(5)
    last = records[-1]
    last["path"] = "secret/data/innocent"
    last["hash"] = hashlib.sha256(
        canonical_json({k: v for k, v in last.items() if k != "hash"})
    ).hexdigest()
    report = verify(records, key=KEY)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.index, report.problem.seq) == ("edited", 4, 5)


def test_unkeyed_trail_is_refused_at_its_first_record() -> None:
    """A whole trail sealed without the key (or under another) fails at line 1."""
    lines = [json.dumps(r) for r in _chain(3, key=OTHER)]
    report = verify_lines(lines, key=KEY)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.line) == ("edited", 1)
    assert report.summary().startswith("FAILED: line 1: edited event (writer w1, seq 1)")


def test_truncated_tail_is_caught_only_with_a_checkpoint() -> None:
    """Cutting the tail leaves a valid shorter chain; the writer's checkpoint reveals it."""
    records = _chain(6)
    checkpoint = Checkpoint("w1", 6, records[-1]["hash"], 100.0, "database")
    truncated = records[:3]
    assert verify(truncated, key=KEY).ok
    report = verify(truncated, key=KEY, anchors=[checkpoint.anchor])
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("deleted", 4)
    assert "last 3 event(s)" in report.problem.message
    assert report.anchors_checked == 1


def test_whole_writer_removed_is_caught_by_its_checkpoint() -> None:
    """A checkpointed writer whose every record was removed is reported deleted."""
    kept = _chain(2, "a")
    gone = _chain(3, "b")
    report = verify(kept, key=KEY, anchors=[Anchor("b", 3, gone[-1]["hash"])])
    assert report.problem is not None
    assert (report.problem.kind, report.problem.writer) == ("deleted", "b")


def test_several_checkpoints_per_writer_are_all_checked() -> None:
    """The furthest checkpoint names the cut; an older one is checked as well."""
    records = _chain(6)
    older, newer = Anchor("w1", 2, records[1]["hash"]), Anchor("w1", 5, records[4]["hash"])
    assert verify(records, key=KEY, anchors=[older, newer]).ok
    report = verify(records[:3], key=KEY, anchors=[older, newer])
    assert report.problem is not None
    assert "checkpoint has #5" in report.problem.message
    wrong_older = Anchor("w1", 2, "0" * 64)
    report = verify(records, key=KEY, anchors=[wrong_older, newer])
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("edited", 2)


def test_checkpoint_with_another_hash_at_its_seq_is_an_edit() -> None:
    """A record at the checkpointed seq with a different hash: the chain was rewritten."""
    records = _chain(4)
    report = verify(records, key=KEY, anchors={"w1": Anchor("w1", 4, "ab" * 32)})
    assert report.problem is not None
    assert (report.problem.kind, report.problem.index, report.problem.seq) == ("edited", 3, 4)


def test_anchors_must_be_anchors() -> None:
    """A checkpoint passed in the wrong shape is refused instead of silently ignored."""
    with pytest.raises(TypeError, match="Anchor"):
        verify(_chain(1), key=KEY, anchors=[("w1", 1, "x")])  # type: ignore[list-item]
