"""The keyed hash chain: sealing, and verification naming the first tampered event and its kind."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credgate.domain.audit import (
    GENESIS_HASH,
    Anchor,
    ChainKey,
    ChainState,
    anchors_from_json,
    anchors_to_json,
    canonical_json,
    record_hash,
    seal,
    verify,
    verify_lines,
)

KEY = ChainKey.from_audit_key(b"test audit key, 32 bytes long..")


def _chain(n: int, writer: str = "w1", start: ChainState | None = None) -> list[dict[str, Any]]:
    state = start or ChainState(writer)
    out = []
    for i in range(n):
        event = {"type": "response", "action": "kv.read", "path": f"secret/data/p{i}", "n": i}
        sealed, state = seal(event, state, key=KEY)
        out.append(sealed)
    return out


def _interleave(*chains: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged: list[dict[str, Any]] = []
    for group in zip(*chains, strict=True):
        merged.extend(group)
    return merged


def _problem(records: list[dict[str, Any]], **kw: Any) -> tuple[str, int, str | None, int | None]:
    report = verify(records, **kw, key=KEY)
    assert report.problem is not None, "tampering went unnoticed"
    p = report.problem
    return p.kind, p.index, p.writer, p.seq


def test_seal_adds_chain_fields() -> None:
    """Each record names its writer, a 1-based seq and the previous record's hash."""
    first, second = _chain(2)
    assert (first["writer"], first["seq"], first["prev_hash"]) == ("w1", 1, GENESIS_HASH)
    assert (second["seq"], second["prev_hash"]) == (2, first["hash"])
    assert first["hash"] == record_hash(first, key=KEY)


def test_seal_does_not_reseal() -> None:
    """An event that already carries chain fields is refused instead of being re-chained."""
    with pytest.raises(ValueError, match="chain fields"):
        seal({"seq": 3, "action": "x"}, ChainState("w1"), key=KEY)


def test_canonical_json_is_sorted_compact_utf8() -> None:
    """The hashed bytes are reproducible by any tool: sorted keys, no spaces, raw UTF-8."""
    assert canonical_json({"b": 1, "a": "é", "c": [1.5, None]}) == (
        '{"a":"é","b":1,"c":[1.5,null]}'.encode()
    )
    with pytest.raises(ValueError, match="JSON compliant"):
        canonical_json({"x": float("nan")})


def test_untouched_chain_verifies() -> None:
    """An intact trail passes, with events counted per writer and each chain's tip reported."""
    records = _chain(5)
    report = verify(records, key=KEY)
    assert report.ok
    assert report.summary() == "ok: 5 events, 1 writers"
    assert report.writers == {"w1": 5}
    assert report.last["w1"] == Anchor("w1", 5, records[-1]["hash"])


def test_edited_field_is_found() -> None:
    """Changing any field of a logged event is detected at that event."""
    records = _chain(6)
    records[3]["path"] = "secret/data/innocent"
    assert _problem(records) == ("edited", 3, "w1", 4)


def test_edited_and_rehashed_event_is_found() -> None:
    """Re-hashing an edited event, even with the key, does not help: the next event still
    points at the old hash."""
    records = _chain(6)
    records[2]["result"] = "ok"
    records[2]["hash"] = record_hash(records[2], key=KEY)
    assert _problem(records) == ("edited", 2, "w1", 3)


def test_deleted_middle_event_is_found() -> None:
    """Removing an event from the middle is reported where it was missing."""
    records = _chain(6)
    del records[3]
    kind, index, _writer, seq = _problem(records)
    assert (kind, index, seq) == ("deleted", 3, 5)


def test_deleted_first_events_are_found() -> None:
    """Removing the start of a chain is reported too (the chain must start at seq 1)."""
    records = _chain(6)[2:]
    assert _problem(records)[:2] == ("deleted", 0)


def test_inserted_forged_event_is_found() -> None:
    """A forged event chained onto a real one is named as the insertion, not the real event."""
    records = _chain(6)
    forged = {k: v for k, v in records[2].items() if k not in ("seq", "prev_hash", "hash")}
    forged.pop("writer")
    forged["path"] = "secret/data/alibi"
    sealed, _ = seal(forged, ChainState.after(records[2]), key=KEY)  # seq 4, links to #3
    records.insert(3, sealed)
    assert _problem(records) == ("inserted", 3, "w1", 4)


def test_inserted_event_with_made_up_link_is_found() -> None:
    """A forged event that claims the next seq but links nowhere is named as the insertion."""
    records = _chain(6)
    forged, _ = seal({"action": "kv.read"}, ChainState("w1", 3, "ab" * 32), key=KEY)
    records.insert(3, forged)
    assert _problem(records) == ("inserted", 3, "w1", 4)


def test_inserted_event_far_ahead_is_found() -> None:
    """A forged event with an invented seq is an insertion, not a deletion."""
    records = _chain(6)
    forged, _ = seal({"action": "kv.read"}, ChainState("w1", 99, "cd" * 32), key=KEY)
    records.insert(2, forged)
    assert _problem(records) == ("inserted", 2, "w1", 100)


def test_duplicated_event_is_found() -> None:
    """Replaying a copy of an event is reported as an insertion at the copy."""
    records = _chain(5)
    records.insert(3, copy.deepcopy(records[2]))
    assert _problem(records) == ("inserted", 3, "w1", 3)


def test_swapped_events_are_found() -> None:
    """Swapping two events is reported as a reordering at the first out-of-place event."""
    records = _chain(6)
    records[2], records[3] = records[3], records[2]
    assert _problem(records) == ("reordered", 2, "w1", 4)


def test_event_moved_far_is_found() -> None:
    """Moving an event several places later is a reordering, not a deletion."""
    records = _chain(8)
    moved = records.pop(2)
    records.insert(6, moved)
    assert _problem(records)[:2] == ("reordered", 2)


def test_truncated_tail_needs_an_anchor() -> None:
    """Without a checkpoint a cut tail looks like a shorter valid chain; with one it is caught."""
    records = _chain(6)
    checkpoint = verify(records, key=KEY).last
    truncated = records[:4]
    assert verify(truncated, key=KEY).ok  # the documented limit of a chain alone
    report = verify(truncated, anchors=checkpoint, key=KEY)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.index, report.problem.seq) == ("deleted", 4, 5)
    assert "last 2 event(s)" in report.problem.message


def test_anchor_allows_later_events() -> None:
    """A checkpoint taken earlier still passes once the chain has grown past it."""
    records = _chain(6)
    checkpoint = verify(records[:3], key=KEY).last
    assert verify(records, anchors=checkpoint, key=KEY).ok


def test_rewritten_chain_differs_from_anchor() -> None:
    """A chain rebuilt from scratch with new hashes is caught against the checkpoint."""
    records = _chain(4)
    checkpoint = verify(records, key=KEY).last
    rewritten = _chain(4)
    rewritten[1]["path"] = "secret/data/other"
    state = ChainState("w1")
    resealed = []
    for r in rewritten:
        body = {k: v for k, v in r.items() if k not in ("writer", "seq", "prev_hash", "hash")}
        sealed, state = seal(body, state, key=KEY)
        resealed.append(sealed)
    assert verify(resealed, key=KEY).ok
    assert _problem(resealed, anchors=checkpoint)[:3] == ("edited", 3, "w1")


def test_interleaved_writers_verify_independently() -> None:
    """Several broker instances writing one file each keep their own valid chain."""
    records = _interleave(_chain(4, "a"), _chain(4, "b"), _chain(4, "c"))
    report = verify(records, key=KEY)
    assert report.ok
    assert report.writers == {"a": 4, "b": 4, "c": 4}
    assert report.summary() == "ok: 12 events, 3 writers"


def test_tamper_in_one_of_interleaved_writers_is_named() -> None:
    """A deletion in one writer's chain names that writer and the position in the file."""
    records = _interleave(_chain(4, "a"), _chain(4, "b"))
    del records[4]  # a#3
    report = verify(records, key=KEY)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.index, report.problem.writer) == ("deleted", 5, "a")
    assert report.writers == {"a": 3, "b": 4}


def test_malformed_lines_are_named_with_their_line_number() -> None:
    """A line that is not a record is reported at its physical line (blank lines count)."""
    lines = [json.dumps(r) for r in _chain(3)]
    lines.insert(1, "")
    lines.insert(3, "{not json")
    report = verify_lines(lines, key=KEY)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.line, report.problem.index) == ("malformed", 4, 2)
    assert report.summary().startswith("FAILED: line 4: malformed event")


@pytest.mark.parametrize(
    "record",
    [[1, 2], {"writer": "w", "seq": 0}, {"writer": "w", "seq": True, "prev_hash": "", "hash": ""}],
)
def test_records_without_chain_fields_are_malformed(record: Any) -> None:
    """Records missing or faking chain fields are reported, not crashed on."""
    report = verify([record], key=KEY)
    assert report.problem is not None
    assert report.problem.kind == "malformed"


def test_nan_in_a_line_is_malformed() -> None:
    """Non-JSON constants cannot sneak a non-canonical record in."""
    good = _chain(1)[0]
    text = json.dumps(good)[:-1] + ', "x": NaN}'
    report = verify_lines([text], key=KEY)
    assert report.problem is not None
    assert report.problem.kind == "malformed"


def test_checkpoint_json_round_trip() -> None:
    """A checkpoint saved by verify reads back the same; a broken one is refused."""
    anchors = verify(_interleave(_chain(2, "a"), _chain(2, "b")), key=KEY).last
    assert anchors_from_json(anchors_to_json(anchors)) == anchors
    with pytest.raises(ValueError, match="seq"):
        anchors_from_json('{"a": {"seq": "2", "hash": "x"}}')
    with pytest.raises(ValueError, match="JSON"):
        anchors_from_json("nope")


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=3, max_value=25),
    data=st.data(),
    op=st.sampled_from(["edit", "delete", "swap"]),
)
def test_any_single_tamper_is_named_at_its_position(n: int, data: st.DataObject, op: str) -> None:
    """Wherever one event is edited, deleted (not the last) or swapped, verify names that spot."""
    records = _interleave(_chain(n, "a"), _chain(n, "b"))
    a_positions = list(range(0, len(records), 2))
    k = data.draw(st.sampled_from(a_positions[:-1]))
    if op == "edit":
        records[k]["action"] = "kv.write"
        expected = ("edited", k)
    elif op == "delete":
        del records[k]
        expected = ("deleted", k + 1)  # the next a-record now sits at k + 1
    else:
        nxt = k + 2
        records[k], records[nxt] = records[nxt], records[k]
        expected = ("reordered", k)
    report = verify(records, key=KEY)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.index) == expected
    assert report.problem.writer == "a"
