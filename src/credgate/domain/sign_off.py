"""Human sign-off, shared by approvals, elevations and grant proposals.

API::

    SignOff(approver_id, decided_at, approved, reason)      one operator's decision, recorded
    check_decider(approver_id, approver_kind, requester_id)  raises Denied / InvalidRequest
    add_approval(sign_offs, approver_id, now, reason, required) -> (sign_offs, complete)
    clean_text(value, *, field, max_chars, required) -> str
    new_id(prefix, randbytes) -> str                         e.g. "apr_" + 32 hex digits

The rules: only an operator decides (an agent never approves or denies anything, its own
requests or another agent's); the requester never decides its own request; one operator
counts once, so a two-approver rule needs two different operators.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from credgate.errors import Conflict, Denied, InvalidRequest

__all__ = ["SignOff", "add_approval", "check_decider", "clean_text", "new_id"]

MAX_REASON_CHARS = 1000


@dataclass(frozen=True)
class SignOff:
    """Who decided, when, which way, and why (the words are the operator's own)."""

    approver_id: str
    decided_at: float
    approved: bool
    reason: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "approver_id": self.approver_id,
            "decided_at": self.decided_at,
            "decision": "approved" if self.approved else "denied",
            "reason": self.reason,
        }


def _denied(message: str, reason: str) -> Denied:
    exc = Denied(message, hint="an operator other than the requester must decide")
    exc.reason = reason  # type: ignore[attr-defined]
    return exc


def check_decider(approver_id: str, approver_kind: str, requester_id: str) -> None:
    """Raise unless ``approver_id`` is an operator other than the requester."""
    if approver_kind != "operator":
        raise _denied("only an operator can approve or deny; an agent never can", "not_operator")
    if not isinstance(approver_id, str) or not approver_id:
        raise InvalidRequest("a decision needs the identity of the operator who makes it")
    if approver_id == requester_id:
        raise _denied("the requester cannot decide its own request", "self_approval")


def add_approval(
    sign_offs: tuple[SignOff, ...], approver_id: str, now: float, reason: str, required: int
) -> tuple[tuple[SignOff, ...], bool]:
    """``sign_offs`` plus this approval, and whether ``required`` distinct approvals are met.

    The same operator approving twice raises :class:`Conflict`: it would not count twice.
    """
    if any(s.approver_id == approver_id and s.approved for s in sign_offs):
        raise Conflict(
            "this operator has already approved; a different operator must approve",
            hint=f"{required} distinct approvers are required",
        )
    updated = (*sign_offs, SignOff(approver_id, now, True, reason))
    distinct = {s.approver_id for s in updated if s.approved}
    return updated, len(distinct) >= required


def clean_text(value: object, *, field: str, max_chars: int, required: bool) -> str:
    """``value`` trimmed; refused when not text, too long, or holding control characters.

    Newlines and tabs are allowed; other control and format characters (bidirectional
    overrides, zero-width spaces) are refused, since these texts are shown to operators.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidRequest(f"{field} must be text")
    text = value.strip()
    if required and not text:
        raise InvalidRequest(f"{field} is required", hint=f"say why, in at most {max_chars} chars")
    if len(text) > max_chars:
        raise InvalidRequest(f"{field} is longer than {max_chars} characters")
    for char in text:
        if char in "\n\t":
            continue
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            raise InvalidRequest(
                f"{field} contains a control or invisible character (U+{ord(char):04X})"
            )
    return text


def new_id(prefix: str, randbytes: Callable[[int], bytes]) -> str:
    """``prefix`` + 32 hex digits from 16 random bytes (injected, so tests can fix them)."""
    raw = randbytes(16)
    if len(raw) != 16:
        raise ValueError("randbytes returned the wrong number of bytes")
    return prefix + raw.hex()
