"""W3C Trace Context (``traceparent``): parse a caller's header or start a new trace."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$")


@dataclass(frozen=True)
class TraceContext:
    trace_id: str
    parent_id: str | None  # the caller's span, if any
    span_id: str  # our span
    flags: str = "01"

    def traceparent(self) -> str:
        """The header to send downstream (our span as the parent)."""
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"


def parse_or_start(header: str | None, randbytes: Callable[[int], bytes]) -> TraceContext:
    """Honour a valid ``traceparent``; otherwise start a new trace. Never raises."""
    span = randbytes(8).hex()
    if header:
        m = _TRACEPARENT.match(header.strip().lower())
        if m:
            version, trace_id, parent, flags, rest = m.groups()
            valid = (
                version != "ff"
                and trace_id != "0" * 32
                and parent != "0" * 16
                and (version != "00" or rest is None)
            )
            if valid:
                return TraceContext(trace_id, parent, span, flags)
    return TraceContext(randbytes(16).hex(), None, span)
