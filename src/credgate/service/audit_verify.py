"""Verifying an audit file against the writers' checkpoints, for the API and the CLI.

:func:`describe_checkpoints` says which checkpoints a verification used and how old they are
(the domain never reads the clock, so ``now`` is passed in). :func:`verify_file` is the API's
view: the whole file is always verified, but a caller acting in a namespace other than the
root sees only its own part — counts of the records in its namespace subtree, no chain heads,
and a problem's position only when the problem record is its own (issue 15, finding 1).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from credgate.adapters.audit.file_sink import iter_lines
from credgate.domain.audit import ChainKey, Checkpoint, Problem, VerifyReport, verify_lines

OUTSIDE_NAMESPACE: Final = (
    "the audit trail failed verification outside this namespace; "
    "ask the operator of the root namespace"
)
NO_CHECKPOINTS: Final = (
    "no checkpoints: events cut from the end of a chain would not be seen "
    "(a running server saves them every audit_checkpoint_interval)"
)


def _age(checkpoint: Checkpoint, now: float) -> float | None:
    if checkpoint.at is None or not math.isfinite(checkpoint.at):
        return None
    return round(max(0.0, now - checkpoint.at), 1)


def describe_checkpoints(
    checkpoints: Sequence[Checkpoint], now: float, *, detail: bool = True
) -> dict[str, Any]:
    """How many checkpoints were used, from where, how old; per writer when ``detail``."""
    used = [c for c in checkpoints if c.seq >= 1]
    ages = [age for c in used if (age := _age(c, now)) is not None]
    info: dict[str, Any] = {
        "used": len(used),
        "sources": dict(sorted(Counter(c.source for c in used).items())),
        "newest_age_seconds": min(ages) if ages else None,
        "oldest_age_seconds": max(ages) if ages else None,
    }
    if detail:
        writers: dict[str, list[dict[str, Any]]] = {}
        for c in sorted(used, key=lambda c: (c.writer, c.source)):
            writers.setdefault(c.writer, []).append(
                {"source": c.source, "seq": c.seq, "age_seconds": _age(c, now)}
            )
        info["writers"] = writers
    return info


def _seconds(value: float) -> str:
    if value < 120:
        return f"{value:g}s"
    if value < 7200:
        return f"{value / 60:.0f}m"
    return f"{value / 3600:.1f}h"


def checkpoint_line(info: dict[str, Any]) -> str:
    """One line for people: ``checkpoints: 2 used (database 1, file 1), newest 3s old…``."""
    if not info["used"]:
        return NO_CHECKPOINTS
    sources = ", ".join(f"{name} {count}" for name, count in info["sources"].items())
    line = f"checkpoints: {info['used']} used ({sources})"
    newest, oldest = info["newest_age_seconds"], info["oldest_age_seconds"]
    if newest is not None:
        line += f", newest {_seconds(newest)} old"
        if oldest != newest:
            line += f", oldest {_seconds(oldest)} old"
    return line


def canonical_scope(namespace: str) -> str:
    """The prefix a namespace's subtree shares (``acme/``); ``""`` is the root."""
    return namespace if not namespace or namespace.endswith("/") else namespace + "/"


def _in_scope(record: object, scope: str) -> bool:
    if not isinstance(record, dict):
        return False
    namespace = record.get("namespace")
    return isinstance(namespace, str) and namespace.startswith(scope)


class _ScopeCounter:
    """Counts, per writer, the records of a namespace subtree in the lines passing through."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self.writers: Counter[str] = Counter()

    def through(self, lines: Iterable[str]) -> Iterator[str]:
        for text in lines:
            if text.strip():
                try:
                    record = json.loads(text)
                except ValueError:
                    record = None
                writer = record.get("writer") if isinstance(record, dict) else None
                if isinstance(writer, str) and _in_scope(record, self.scope):
                    self.writers[writer] += 1
            yield text


def _record_at(path: Path, line: int) -> object:
    for number, text in enumerate(iter_lines(path), 1):
        if number == line:
            try:
                return json.loads(text)
            except ValueError:
                return None
    return None


def verify_file(
    path: Path | None,
    *,
    key: ChainKey,
    checkpoints: Sequence[Checkpoint],
    now: float,
    namespace: str = "",
) -> dict[str, Any]:
    """The API's verification of the audit file at ``path`` as seen from ``namespace``."""
    scope = canonical_scope(namespace)
    counter = _ScopeCounter(scope)
    anchors = [c.anchor for c in checkpoints]
    if path is None or not path.exists():
        report = VerifyReport(0, {}, {}, None)
        if anchors:  # a file that is gone is every checkpointed event deleted
            report = verify_lines((), key=key, anchors=anchors)
    else:
        lines = iter_lines(path)
        report = verify_lines(counter.through(lines) if scope else lines, key=key, anchors=anchors)
    info = describe_checkpoints(checkpoints, now, detail=not scope)
    if not scope:
        return report.to_dict() | {"summary": report.summary(), "checkpoints": info}
    problem = report.problem
    shown: dict[str, Any] | None = None
    summary = (
        f"ok: {sum(counter.writers.values())} events in {scope}, {len(counter.writers)} writers"
    )
    if problem is not None:
        own = path is not None and _in_scope(_record_at(path, problem.line), scope)
        shown = problem.to_dict() if own else _outside(problem)
        summary = (
            f"FAILED: {problem.describe()}"
            if own
            else f"FAILED: {problem.kind}: {OUTSIDE_NAMESPACE}"
        )
    return {
        "ok": report.ok,
        "namespace": scope,
        "events": sum(counter.writers.values()),
        "writers": dict(sorted(counter.writers.items())),
        "problem": shown,
        "anchors_checked": report.anchors_checked,
        "summary": summary,
        "checkpoints": info,
    }


def _outside(problem: Problem) -> dict[str, Any]:
    return {
        "index": None,
        "line": None,
        "writer": None,
        "seq": None,
        "kind": problem.kind,
        "message": OUTSIDE_NAMESPACE,
    }
