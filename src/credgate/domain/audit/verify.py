"""Verifying audit chains: find the first edited, deleted, inserted or reordered event.

Each writer's chain is checked on its own, in the order its records appear. Every record's
``hash`` must be the HMAC of its content under the deployment's chain key, its ``seq`` must
follow the writer's previous one and its ``prev_hash`` must be that record's hash. At the
first break the rest of the input is read once more to tell what happened:

- ``edited``: a record's hash does not verify under the chain key (its content was changed,
  or it was forged or re-hashed by someone without the key, for example with plain SHA-256);
  or a record was changed and re-sealed with the key, so the next record's ``prev_hash`` no
  longer points at it; or a record differs from a checkpoint of its seq.
- ``deleted``: sequence numbers are missing and never show up, or a chain ends before the
  ``seq`` of its checkpoint.
- ``inserted``: a record that does not belong to the chain (a forgery or a copy), recognised
  because the genuine chain continues around it.
- ``reordered``: a record appears before one that precedes it in its chain.
- ``malformed``: a line that is not a JSON object with the chain fields.

Limits, by construction: without the key nobody can append a record that verifies or
re-hash one they changed. A chain alone still cannot reveal that its *last* records were
removed; :class:`~.chain.Anchor` checkpoints kept elsewhere (the writer's own periodic
checkpoints, another sink, a saved checkpoint file) detect that up to the checkpoint. Whoever
holds the key can rewrite a chain wholesale; only a checkpoint they cannot change reveals it.
"""

from __future__ import annotations

import hmac
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from credgate.domain.audit.chain import GENESIS_HASH, Anchor, ChainKey, record_hash, unkeyed_hash

KINDS: Final = ("edited", "deleted", "inserted", "reordered", "malformed")
_HEX64: Final = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Problem:
    """The first thing wrong: where (0-based ``index``, 1-based ``line``), whose, and what."""

    index: int
    line: int
    writer: str | None
    seq: int | None
    kind: str
    message: str

    def describe(self) -> str:
        who = f"writer {self.writer}, seq {self.seq}" if self.writer else "no chain fields"
        return f"line {self.line}: {self.kind} event ({who}): {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "line": self.line,
            "writer": self.writer,
            "seq": self.seq,
            "kind": self.kind,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome: counts per writer, each chain's last good record, the first problem.

    ``anchors_checked`` is how many anchors (checkpoints) the chains were compared with.
    """

    events: int
    writers: Mapping[str, int]
    last: Mapping[str, Anchor]
    problem: Problem | None = None
    anchors_checked: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        if self.problem is None:
            return f"ok: {self.events} events, {len(self.writers)} writers"
        return f"FAILED: {self.problem.describe()}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "writers": dict(self.writers),
            "last": {w: a.to_dict() for w, a in self.last.items()},
            "problem": self.problem.to_dict() if self.problem else None,
            "anchors_checked": self.anchors_checked,
        }


@dataclass(slots=True)
class _Tip:
    seq: int
    hash: str
    index: int
    line: int


@dataclass(slots=True)
class _Later:
    """What the rest of the input holds for one writer: seq -> [(prev_hash, hash)]."""

    by_seq: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    def prevs(self, seq: int) -> list[str]:
        return [prev for prev, _ in self.by_seq.get(seq, [])]

    def hashes(self, seq: int) -> list[str]:
        return [digest for _, digest in self.by_seq.get(seq, [])]


_Item = tuple[int, int, object]  # (index, line, parsed record or None)


Anchors = Mapping[str, Anchor] | Iterable[Anchor]


def verify(
    records: Iterable[Mapping[str, Any]], *, key: ChainKey, anchors: Anchors | None = None
) -> VerifyReport:
    """Verify records (already parsed) in the order given; line = index + 1.

    ``key`` is the deployment's chain key; ``anchors`` are checkpoints the chains' tails must
    reach (a mapping writer -> anchor, or any number of anchors, several per writer allowed).
    """
    return _verify(((i, i + 1, r) for i, r in enumerate(records)), key, _anchor_list(anchors))


def verify_lines(
    lines: Iterable[str], *, key: ChainKey, anchors: Anchors | None = None
) -> VerifyReport:
    """Verify JSON lines (a JSONL file); blank lines are skipped, line numbers are physical."""

    def parsed() -> Iterator[_Item]:
        index = 0
        for number, text in enumerate(lines, 1):
            if not text.strip():
                continue
            try:
                record: object = json.loads(text, parse_constant=_reject_constant)
            except ValueError:
                record = None
            yield index, number, record
            index += 1

    return _verify(parsed(), key, _anchor_list(anchors))


def _anchor_list(anchors: Anchors | None) -> list[Anchor]:
    if anchors is None:
        return []
    found = list(anchors.values()) if isinstance(anchors, Mapping) else list(anchors)
    for anchor in found:
        if not isinstance(anchor, Anchor):
            raise TypeError(f"anchors must be Anchor objects, not {type(anchor).__name__}")
    return found


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid in an audit record")


def _chain_fields(record: object) -> tuple[str, int, str, str] | str:
    """The chain fields of a record, or why it is malformed."""
    if not isinstance(record, Mapping):
        return "not a JSON object"
    writer, seq = record.get("writer"), record.get("seq")
    prev, digest = record.get("prev_hash"), record.get("hash")
    if not isinstance(writer, str) or not writer:
        return "no writer"
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return "no valid seq"
    if not isinstance(prev, str) or not isinstance(digest, str) or not _HEX64.fullmatch(digest):
        return "no valid prev_hash/hash"
    return writer, seq, prev, digest


def _content_problem(record: Mapping[str, Any], digest: str) -> str:
    """Why ``record``'s hash, which is not its HMAC under the chain key, fails."""
    try:
        unkeyed = unkeyed_hash(record) == digest
    except (TypeError, ValueError):
        unkeyed = False
    if unkeyed:
        return (
            "its hash is a plain SHA-256, not under this deployment's chain key "
            "(an unkeyed or forged record)"
        )
    return (
        "its hash is not under this deployment's chain key: its content was changed, "
        "or it was forged or sealed under another key"
    )


def _verify(items: Iterable[_Item], key: ChainKey, anchors: list[Anchor]) -> VerifyReport:
    if not isinstance(key, ChainKey):  # never fall back to an unkeyed check
        raise TypeError(f"verifying the audit chain needs its ChainKey, not {type(key).__name__}")
    stream = iter(items)
    tips: dict[str, _Tip] = {}
    counts: Counter[str] = Counter()
    wanted = {(a.writer, a.seq) for a in anchors}
    anchored: dict[tuple[str, int], tuple[str, int, int]] = {}  # (writer, seq) -> hash, at
    events = 0
    last_line = 0
    problem: Problem | None = None
    for index, line, record in stream:
        events += 1
        last_line = line
        fields = _chain_fields(record)
        if isinstance(fields, str):
            problem = Problem(index, line, None, None, "malformed", fields)
            events += _drain(stream, None, counts)[0]
            break
        writer, seq, prev, digest = fields
        counts[writer] += 1
        assert isinstance(record, Mapping)  # noqa: S101 - _chain_fields checked it
        try:
            content_ok = hmac.compare_digest(record_hash(record, key=key), digest)
        except (TypeError, ValueError):
            problem = Problem(index, line, writer, seq, "malformed", "not canonical JSON")
            events += _drain(stream, None, counts)[0]
            break
        if not content_ok:
            why = _content_problem(record, digest)
            problem = Problem(index, line, writer, seq, "edited", why)
            events += _drain(stream, None, counts)[0]
            break
        tip = tips.get(writer)
        last_seq, last_hash = (tip.seq, tip.hash) if tip else (0, GENESIS_HASH)
        if seq == last_seq + 1 and prev == last_hash:
            tips[writer] = _Tip(seq, digest, index, line)
            if (writer, seq) in wanted:
                anchored[(writer, seq)] = (digest, index, line)
            continue
        more, later = _drain(stream, writer, counts)
        events += more
        problem = _classify(writer, tip, (index, line, seq, prev, digest), later)
        break
    if problem is None:
        problem = _check_anchors(anchors, tips, anchored, events, last_line)
    last = {w: Anchor(w, t.seq, t.hash) for w, t in sorted(tips.items())}
    checked = sum(1 for a in anchors if a.seq >= 1)
    return VerifyReport(events, dict(sorted(counts.items())), last, problem, checked)


def _drain(stream: Iterator[_Item], writer: str | None, counts: Counter[str]) -> tuple[int, _Later]:
    """Read the rest of the input: count it and remember ``writer``'s records."""
    later = _Later()
    seen = 0
    for _index, _line, record in stream:
        seen += 1
        fields = _chain_fields(record)
        if isinstance(fields, str):
            continue
        counts[fields[0]] += 1
        if fields[0] == writer:
            later.by_seq.setdefault(fields[1], []).append((fields[2], fields[3]))
    return seen, later


def _classify(
    writer: str, tip: _Tip | None, bad: tuple[int, int, int, str, str], later: _Later
) -> Problem:
    """Name the first break of ``writer``'s chain at ``bad`` (index, line, seq, prev, hash)."""
    index, line, seq, prev, digest = bad
    last_seq, last_hash = (tip.seq, tip.hash) if tip else (0, GENESIS_HASH)

    def at_record(kind: str, message: str) -> Problem:
        return Problem(index, line, writer, seq, kind, message)

    if seq == last_seq + 1:  # right number, wrong link
        if last_hash in later.prevs(seq):
            return at_record(
                "inserted", f"#{seq} does not follow #{last_seq}; the real one is later"
            )
        if tip is None:
            return at_record("edited", "the first record of this writer does not start its chain")
        return Problem(
            tip.index,
            tip.line,
            writer,
            tip.seq,
            "edited",
            f"changed and re-hashed: #{seq} (line {line}) recorded a different hash for it",
        )
    if seq > last_seq + 1:  # numbers skipped
        missing = last_seq + 1
        if missing in later.by_seq:
            if prev in later.hashes(seq - 1):
                return at_record("reordered", f"#{seq} appears before #{missing}")
            return at_record("inserted", f"#{seq} is not part of the chain (#{missing} follows)")
        if prev == last_hash:
            return at_record("edited", f"its seq was changed (it follows #{last_seq})")
        gap = f"#{missing}" if missing == seq - 1 else f"#{missing}..#{seq - 1}"
        return at_record("deleted", f"{gap} missing before this record")
    # a number already used
    if tip is not None and seq == last_seq and digest == last_hash:
        return at_record("inserted", f"copy of #{seq} (line {tip.line})")
    if tip is not None and seq == last_seq:
        following = later.prevs(seq + 1)
        if digest in following and last_hash not in following:
            return Problem(
                tip.index,
                tip.line,
                writer,
                tip.seq,
                "inserted",
                f"not part of the chain: #{seq + 1} continues from line {line}",
            )
    return at_record("inserted", f"#{seq} repeats a sequence number (the chain was at #{last_seq})")


def _check_anchors(
    anchors: list[Anchor],
    tips: Mapping[str, _Tip],
    anchored: Mapping[tuple[str, int], tuple[str, int, int]],
    events: int,
    last_line: int,
) -> Problem | None:
    """Compare each chain's tail with the checkpoints: catches deleted tails and rewrites.

    Per writer the furthest checkpoint is checked first (a cut tail is named by it).
    """
    for anchor in sorted(anchors, key=lambda a: (a.writer, -a.seq, a.hash)):
        writer = anchor.writer
        if anchor.seq < 1:
            continue
        tip = tips.get(writer)
        reached = tip.seq if tip else 0
        if reached < anchor.seq:
            lost = anchor.seq - reached
            return Problem(
                events,
                last_line + 1,
                writer,
                reached + 1,
                "deleted",
                f"the chain ends at #{reached} but the checkpoint has #{anchor.seq}: "
                f"the last {lost} event(s) were deleted",
            )
        digest, index, line = anchored[(writer, anchor.seq)]
        if digest != anchor.hash:
            return Problem(
                index,
                line,
                writer,
                anchor.seq,
                "edited",
                "differs from the checkpoint: the chain was rewritten up to here",
            )
    return None
