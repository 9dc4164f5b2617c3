"""What an MCP tool hands back to the model: structured results, scrubbed on the way out.

Every tool result is a JSON object. :class:`ResultFilter` passes each one through the session's
:class:`~credgate.guard.OutputFilter` (every value this MCP server obtained is registered with
it as a known value) before it is serialised, so a credential that found its way into an HTTP
response, an error message or an approval's reason leaves as ``[REDACTED:<type>]``.

The one exception is the value of an explicit, allowed reveal (``request_secret_value`` where
credgate's autonomy decision served it): that value is the point of the call, it already went
through credgate's authorisation, risk decision and audit, and it is registered as known so it
is masked in every *other* result of this server.

Errors never reach the model as a bare exception text: :func:`error_result` turns a credgate
error into ``{"status": ..., "error": code, "message", "hint", "next_step"}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from credgate.errors import Error, GuardrailDenied, OutputBlocked
from credgate.guard import OutputFilter

Result = dict[str, Any]

BROKERED_HINT = (
    "use call_http_with_secret: credgate injects the secret into the HTTP call itself and "
    "its value never enters this conversation"
)


class ResultFilter:
    """Masks credentials in tool results. One per MCP server process (one session)."""

    def __init__(self, guard: OutputFilter | None = None) -> None:
        self.guard = guard if guard is not None else OutputFilter(mode="mask")

    def __repr__(self) -> str:
        return f"ResultFilter(known_values={self.guard.known_value_count})"

    def remember(self, value: object) -> None:
        """Register a value this server obtained (a revealed secret, an elevated token)."""
        if isinstance(value, str) and value:
            self.guard.add_known_value(value)
        elif isinstance(value, Mapping):
            for item in value.values():
                self.remember(item)
        elif isinstance(value, list | tuple):
            for item in value:
                self.remember(item)

    def scrub(self, value: Any) -> Any:
        """``value`` with every string (keys included) masked; other scalars unchanged."""
        if isinstance(value, str):
            return self.guard.mask(value) if value else value
        if isinstance(value, Mapping):
            return {self.scrub(str(k)): self.scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.scrub(item) for item in value]
        if value is None or isinstance(value, bool | int | float):
            return value
        return self.guard.mask(str(value))

    def render(self, result: Result, revealed: Mapping[str, Any] | None = None) -> str:
        """The text the model receives: ``result`` scrubbed, then serialised as JSON.

        ``revealed`` (an allowed reveal) is merged in after scrubbing, unmasked. Without it the
        serialised text is masked once more as a whole (a value that only appears once JSON
        escaping is applied would otherwise slip through).
        """
        try:
            clean = self.scrub(result)
            if revealed:
                clean.update(revealed)
                return json.dumps(clean, ensure_ascii=False, indent=2)
            return self.guard.mask(json.dumps(clean, ensure_ascii=False, indent=2))
        except OutputBlocked:  # pragma: no cover - mask mode never blocks; kept for safety
            return json.dumps({"status": "error", "error": "output_blocked"})


def error_result(exc: Error, *, next_step: str | None = None) -> Result:
    """A structured result for a refused or failed call the model can act on."""
    status = "refused" if exc.status in (401, 403) else "error"
    out: Result = {
        "status": status,
        "error": exc.code,
        "message": exc.message,
    }
    if exc.hint:
        out["hint"] = exc.hint
    if isinstance(exc, GuardrailDenied) or exc.code == "guardrail":
        out["next_step"] = (
            "this value is never revealed to an agent; if the task needs it, "
            + BROKERED_HINT
            + " (it may still require a human's decision)"
        )
    elif next_step:
        out["next_step"] = next_step
    return out


def unexpected_result(exc: BaseException) -> Result:
    """A structured result for a failure that is not a credgate error (a bug, a crash)."""
    return {
        "status": "error",
        "error": "internal_error",
        "message": f"the credgate MCP server failed ({type(exc).__name__})",
        "hint": "retry; if it persists, ask the operator to check the MCP server's stderr",
    }
