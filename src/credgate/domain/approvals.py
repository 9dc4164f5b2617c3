"""Approvals for confirm-level requests: bound to the exact request, single use, expiring.

API::

    fingerprint(principal_id, namespace, path, operation, version, params, *, key)
        -> RequestFingerprint        params: the query parameters of a read, the body of a write
    new_approval(*, approval_id, request, now, ttl=900, required_approvals=1, risk="",
                 reasons=(), justification="") -> Approval
    approve(approval, approver_id, approver_kind, now, reason="") -> Approval
    deny(approval, approver_id, approver_kind, now, reason) -> Approval
    redeem(approval, request, principal_id, now) -> Approval          marked used
    expire(approval, now) -> Approval                                 marked expired if due
    Approval.status_at(now), .approvers, .deny_reason, .to_dict(now)
    ApprovalStatus: pending, approved, denied, expired, used
    new_id("apr_", randbytes)  (from credgate.domain.sign_off) makes an id

Lifecycle: ``pending`` -> ``approved`` (once ``required_approvals`` distinct operators
approved) -> ``used`` (redeemed once); ``pending`` -> ``denied`` (any operator, with a
reason); ``pending``/``approved`` -> ``expired`` at ``expires_at`` (one deadline for both
deciding and redeeming). Every function returns a new value and raises on anything not
allowed; storage must persist a transition with a compare-and-set on the old status (e.g.
``UPDATE ... WHERE status = 'approved'``) so two concurrent redemptions cannot both win.

Binding: the fingerprint holds the principal, namespace, path, operation, version and
``request_hash`` = HMAC-SHA256 under a server key of the canonical JSON of the parameters
(sorted keys, no spaces, UTF-8). So an approval to write one value cannot write another, and
the record stores no hash of the value that could be brute-forced (a plain SHA-256 of a short
secret could be). Errors name the part that differs, never a value.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from credgate.domain.sign_off import (
    MAX_REASON_CHARS,
    SignOff,
    add_approval,
    check_decider,
    clean_text,
)
from credgate.errors import Conflict, Denied, Error, InvalidRequest

__all__ = [
    "APPROVAL_ID_PREFIX",
    "DEFAULT_APPROVAL_TTL",
    "Approval",
    "ApprovalStatus",
    "RequestFingerprint",
    "approve",
    "canonical_json",
    "deny",
    "expire",
    "fingerprint",
    "new_approval",
    "redeem",
]

APPROVAL_ID_PREFIX = "apr_"
DEFAULT_APPROVAL_TTL = 900.0
MAX_JUSTIFICATION_CHARS = 1000
_MIN_KEY_BYTES = 16


class ApprovalStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True)
class RequestFingerprint:
    """Everything an approval is bound to. ``param_names``: the top-level parameter names,
    shown to the approving operator (never the values)."""

    principal_id: str
    namespace: str
    path: str
    operation: str
    version: int | None
    request_hash: str
    param_names: tuple[str, ...] = ()

    def differences(self, other: RequestFingerprint) -> list[str]:
        """The parts that differ, by name: principal, namespace, path, operation, version,
        parameters."""
        out = []
        for label, mine, theirs in (
            ("principal", self.principal_id, other.principal_id),
            ("namespace", self.namespace, other.namespace),
            ("path", self.path, other.path),
            ("operation", self.operation, other.operation),
            ("version", self.version, other.version),
        ):
            if mine != theirs:
                out.append(label)
        if not hmac.compare_digest(self.request_hash, other.request_hash):
            out.append("parameters")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "principal_id": self.principal_id,
            "namespace": self.namespace,
            "path": self.path,
            "operation": self.operation,
            "version": self.version,
            "parameters": list(self.param_names),
            "request_hash": self.request_hash,
        }


def _check_json(value: object, depth: int = 0) -> None:
    if depth > 64:
        raise InvalidRequest("the request parameters are nested too deeply")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidRequest("the request parameters hold a number that is not finite")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidRequest("the request parameters must have text keys")
            _check_json(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_json(item, depth + 1)
    elif value is not None and not isinstance(value, str | int | float | bool):
        raise InvalidRequest("the request parameters must be JSON values")


def canonical_json(params: Mapping[str, object] | None) -> bytes:
    """The one byte string for ``params``: sorted keys, no whitespace, UTF-8 (``{}`` for None)."""
    value: Mapping[str, object] = params if params is not None else {}
    _check_json(value)
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8", "surrogatepass")


def fingerprint(
    principal_id: str,
    namespace: str,
    path: str,
    operation: str,
    version: int | None,
    params: Mapping[str, object] | None,
    *,
    key: bytes,
) -> RequestFingerprint:
    """Bind a request: ``params`` are the query parameters of a read or the body of a write.

    ``operation`` should be the operation as the request was sent (``create_or_update`` for a
    POST/PUT), so a retry is recognised even if the secret was created in between.
    ``key`` is a server secret of at least 16 bytes (the audit HMAC key will do).
    """
    if not isinstance(principal_id, str) or not principal_id:
        raise InvalidRequest("an approval needs the requesting principal's id")
    if not isinstance(key, bytes) or len(key) < _MIN_KEY_BYTES:
        raise ValueError("the fingerprint key must be at least 16 bytes")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise InvalidRequest("version must be an integer")
    digest = hmac.new(key, canonical_json(params), hashlib.sha256).hexdigest()
    names = tuple(sorted(params)) if params else ()
    return RequestFingerprint(principal_id, namespace, path, operation, version, digest, names)


@dataclass(frozen=True)
class Approval:
    """One approval request and its decisions. Holds no secret value."""

    id: str
    request: RequestFingerprint
    created_at: float
    expires_at: float
    required_approvals: int = 1
    status: ApprovalStatus = ApprovalStatus.PENDING
    sign_offs: tuple[SignOff, ...] = ()
    risk: str = ""
    reasons: tuple[str, ...] = ()
    justification: str = ""
    decided_at: float | None = None
    used_at: float | None = None

    def status_at(self, now: float) -> ApprovalStatus:
        """The status at ``now``: pending and approved become expired at ``expires_at``."""
        live = (ApprovalStatus.PENDING, ApprovalStatus.APPROVED)
        if self.status in live and now >= self.expires_at:
            return ApprovalStatus.EXPIRED
        return self.status

    @property
    def approvers(self) -> tuple[str, ...]:
        return tuple(s.approver_id for s in self.sign_offs if s.approved)

    @property
    def deny_reason(self) -> str | None:
        denials = [s for s in self.sign_offs if not s.approved]
        return denials[-1].reason if denials else None

    def to_dict(self, now: float) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status_at(now).value,
            "request": self.request.to_dict(),
            "risk": self.risk,
            "reasons": list(self.reasons),
            "justification": self.justification,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "required_approvals": self.required_approvals,
            "approvals": len(set(self.approvers)),
            "sign_offs": [s.to_dict() for s in self.sign_offs],
            "deny_reason": self.deny_reason,
            "decided_at": self.decided_at,
            "used_at": self.used_at,
        }


def _error(cls: type[Error], message: str, reason: str, hint: str) -> Error:
    """``cls(message)`` with a machine-readable ``reason`` (audited by the broker)."""
    exc = cls(message, hint=hint)
    exc.reason = reason  # type: ignore[attr-defined]
    return exc


def new_approval(
    *,
    approval_id: str,
    request: RequestFingerprint,
    now: float,
    ttl: float = DEFAULT_APPROVAL_TTL,
    required_approvals: int = 1,
    risk: str = "",
    reasons: tuple[str, ...] = (),
    justification: str = "",
) -> Approval:
    """A pending approval for ``request``, expiring ``ttl`` seconds from ``now``."""
    if not isinstance(ttl, int | float) or not math.isfinite(ttl) or ttl <= 0:
        raise InvalidRequest("the approval ttl must be a positive number of seconds")
    if isinstance(required_approvals, bool) or required_approvals not in range(1, 6):
        raise InvalidRequest("required approvals must be between 1 and 5")
    if not approval_id:
        raise InvalidRequest("an approval needs an id")
    text = clean_text(
        justification, field="justification", max_chars=MAX_JUSTIFICATION_CHARS, required=False
    )
    return Approval(
        id=approval_id,
        request=request,
        created_at=now,
        expires_at=now + ttl,
        required_approvals=required_approvals,
        risk=risk,
        reasons=tuple(reasons),
        justification=text,
    )


def _check_open(approval: Approval, now: float) -> None:
    status = approval.status_at(now)
    if status is ApprovalStatus.EXPIRED:
        raise _error(
            Conflict,
            f"approval {approval.id} has expired",
            "approval_expired",
            "the agent must send the request again to ask for a new approval",
        )
    if status is not ApprovalStatus.PENDING:
        raise _error(
            Conflict,
            f"approval {approval.id} is already {status.value}",
            f"approval_{status.value}",
            "only a pending approval can be approved or denied",
        )


def approve(
    approval: Approval, approver_id: str, approver_kind: str, now: float, reason: str = ""
) -> Approval:
    """Record an operator's approval; the approval becomes ``approved`` once enough
    distinct operators approved. The requester and agents can never approve."""
    check_decider(approver_id, approver_kind, approval.request.principal_id)
    _check_open(approval, now)
    why = clean_text(reason, field="reason", max_chars=MAX_REASON_CHARS, required=False)
    sign_offs, complete = add_approval(
        approval.sign_offs, approver_id, now, why, approval.required_approvals
    )
    if not complete:
        return replace(approval, sign_offs=sign_offs)
    return replace(approval, sign_offs=sign_offs, status=ApprovalStatus.APPROVED, decided_at=now)


def deny(
    approval: Approval, approver_id: str, approver_kind: str, now: float, reason: str
) -> Approval:
    """Deny a pending approval; the reason is required and is shown to the agent."""
    check_decider(approver_id, approver_kind, approval.request.principal_id)
    _check_open(approval, now)
    why = clean_text(reason, field="reason", max_chars=MAX_REASON_CHARS, required=True)
    sign_offs = (*approval.sign_offs, SignOff(approver_id, now, False, why))
    return replace(approval, sign_offs=sign_offs, status=ApprovalStatus.DENIED, decided_at=now)


def redeem(
    approval: Approval, request: RequestFingerprint, principal_id: str, now: float
) -> Approval:
    """Spend an approved approval on ``request``; returns it marked ``used``.

    Raises :class:`Denied` when another principal presents it or when the request differs
    (the message names which part), :class:`Conflict` when it is pending, expired or used,
    :class:`Denied` when an operator denied it. The caller runs the guardrail first: no
    approval ever makes critical data reach an agent.
    """
    if principal_id != approval.request.principal_id or request.principal_id != principal_id:
        raise _error(
            Denied,
            "this approval belongs to another principal",
            "approval_principal_mismatch",
            "an approval can only be used by the principal that requested it",
        )
    differences = approval.request.differences(request)
    if differences:
        raise _error(
            Denied,
            f"approval {approval.id} was granted for a different request: the "
            f"{' and '.join(differences)} differ{'s' if len(differences) == 1 else ''}",
            "approval_mismatch",
            "send exactly the request that was approved, or ask for a new approval",
        )
    status = approval.status_at(now)
    if status is ApprovalStatus.APPROVED:
        return replace(approval, status=ApprovalStatus.USED, used_at=now)
    if status is ApprovalStatus.DENIED:
        raise _error(
            Denied,
            f"approval {approval.id} was denied by an operator: {approval.deny_reason}",
            "approval_denied",
            "do not retry this request; ask the operator",
        )
    if status is ApprovalStatus.PENDING:
        raise _error(
            Conflict,
            f"approval {approval.id} is still waiting for an operator",
            "approval_pending",
            "wait for the decision (long-poll the approval), then retry",
        )
    if status is ApprovalStatus.USED:
        raise _error(
            Conflict,
            f"approval {approval.id} has already been used",
            "approval_used",
            "an approval serves one request; send the request again to ask for a new one",
        )
    raise _error(
        Conflict,
        f"approval {approval.id} has expired",
        "approval_expired",
        "send the request again to ask for a new approval",
    )


def expire(approval: Approval, now: float) -> Approval:
    """``approval`` with status ``expired`` if its deadline passed (for storage sweeps)."""
    if approval.status_at(now) is ApprovalStatus.EXPIRED and approval.status is not (
        ApprovalStatus.EXPIRED
    ):
        return replace(approval, status=ApprovalStatus.EXPIRED)
    return approval
