"""Reading the audit trail: search, session timelines, "was this value ever served?".

The readers work over any iterable of sealed records: a file
(:func:`credgate.adapters.audit.iter_records`) or the SQL table
(:meth:`credgate.adapters.audit.sql_sink.SqlAuditSink.query`), so the CLI and the HTTP API
give the same answers. They never need the HMAC key except :func:`find_value`, which takes the
HMAC already computed.

Text they print comes partly from agents (paths, ids, the reasoning an agent gave): control
characters are escaped so that a record cannot drive the operator's terminal.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from credgate.domain.audit.event import format_time, parse_time

Record = Mapping[str, Any]

_CONTEXT_SHOWN = ("reasoning", "prompt")
_CONTEXT_CHARS = 160


def record_time(record: Record) -> float | None:
    """A record's time as epoch seconds (``None`` when absent or unreadable)."""
    raw = record.get("time")
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if isinstance(raw, str):
        try:
            return parse_time(raw)
        except ValueError:
            return None
    return None


def match_path(pattern: str, path: object) -> bool:
    """Exact match, or a prefix match when ``pattern`` ends with ``*``."""
    if not isinstance(path, str):
        return False
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return path == pattern


def search(
    records: Iterable[Record],
    *,
    agent: str | None = None,
    session: str | None = None,
    since: float | None = None,
    path: str | None = None,
    trace: str | None = None,
    limit: int = 100,
) -> list[Record]:
    """The most recent ``limit`` records that match every filter given, oldest first."""
    if limit < 1:
        return []
    found: deque[Record] = deque(maxlen=limit)
    for record in records:
        if agent is not None and record.get("agent_id") != agent:
            continue
        if session is not None and record.get("session_id") != session:
            continue
        if trace is not None and record.get("trace_id") != trace:
            continue
        if path is not None and not match_path(path, record.get("path")):
            continue
        if since is not None:
            moment = record_time(record)
            if moment is None or moment < since:
                continue
        found.append(record)
    return list(found)


def find_value(records: Iterable[Record], digest: str) -> list[Record]:
    """Records whose ``values`` contain the HMAC ``digest`` (a served value), in order."""
    hits = []
    for record in records:
        values = record.get("values")
        if isinstance(values, Mapping) and digest in values.values():
            hits.append(record)
    return hits


def _sort_key(record: Record) -> tuple[float, int, str]:
    seq = record.get("seq")
    return (
        record_time(record) or 0.0,
        seq if isinstance(seq, int) else 0,
        str(record.get("writer", "")),
    )


def session_timeline(
    records: Iterable[Record], session_id: str, *, include_context: bool = True
) -> list[str]:
    """The session as a human reads it: one entry per request, ordered by time then seq.

    A request is shown by its response event (result, policies, duration); a request with no
    response recorded (still pending, or the process stopped) is shown by its request event.
    With ``include_context`` the agent's stated reasoning or prompt follows, indented, on a
    second line of the same entry.
    """
    chosen: dict[tuple[str, str], Record] = {}
    for record in records:
        if record.get("session_id") != session_id:
            continue
        key = (str(record.get("request_id", "")), str(record.get("writer", "")))
        previous = chosen.get(key)
        if previous is None or previous.get("type") != "response":
            chosen[key] = record
    entries = []
    for record in sorted(chosen.values(), key=_sort_key):
        entry = format_event_line(record, unanswered=record.get("type") == "request")
        if include_context:
            note = _context_note(record)
            if note:
                entry += "\n    " + note
        entries.append(entry)
    return entries


def format_event_line(record: Record, *, with_date: bool = False, unanswered: bool = False) -> str:
    """``12:01:03.120  agent-7  kv.read  secret/data/dev/app  ok  (policy dev-read, 3.2 ms)``.

    ``with_date`` shows the full UTC time; ``unanswered`` marks a request event that has no
    response event (the timeline knows; a single record does not).
    """
    moment = record_time(record)
    stamp = format_time(moment) if moment is not None else "????-??-??T??:??:??.??????Z"
    stamp = stamp[:23] + "Z" if with_date else stamp[11:23]
    who = record.get("agent_id") or record.get("principal_kind") or "anonymous"
    result = str(record.get("result", "?"))
    if result == "error" and record.get("error_code"):
        result = f"error {record['error_code']}"
    columns = [stamp, who, record.get("action") or "?", record.get("path") or "-", result]
    line = "  ".join(_clean(str(c)) for c in columns)
    details = _details(record, unanswered=unanswered)
    return f"{line}  ({details})" if details else line


def _details(record: Record, *, unanswered: bool) -> str:
    parts = []
    decision = record.get("decision")
    decision = decision if isinstance(decision, Mapping) else {}
    policies = decision.get("policies")
    if isinstance(policies, list | tuple) and policies:
        label = "policy" if len(policies) == 1 else "policies"
        parts.append(f"{label} {', '.join(str(p) for p in policies)}")
    reason = decision.get("reason")
    if reason and record.get("result") != "ok":
        parts.append(str(reason))
    duration = record.get("duration_ms")
    if isinstance(duration, int | float) and not isinstance(duration, bool):
        parts.append(f"{duration:.0f} ms" if duration >= 10 else f"{duration:.1f} ms")
    if record.get("type") == "request":
        parts.append("no response recorded" if unanswered else "request event")
    return _clean(", ".join(parts))


def _context_note(record: Record) -> str:
    context = record.get("context")
    if not isinstance(context, Mapping):
        return ""
    for name in _CONTEXT_SHOWN:
        text = context.get(name)
        if isinstance(text, str) and text.strip():
            flat = " ".join(text.split())
            if len(flat) > _CONTEXT_CHARS:
                flat = flat[: _CONTEXT_CHARS - 1] + "…"
            return f"{name}: {_clean(flat)}"
    return ""


def _clean(text: str) -> str:
    """Escape control characters (terminal escapes, newlines) in text from records."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
