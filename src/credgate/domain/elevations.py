"""Time-bound elevation: an agent asks for a profile's extra policies for a while, with a reason.

API::

    ElevationProfile(name, policies, max_ttl, approval_required=True, approvers_required=1,
                     description="")                 defined by operators
    ElevationRequest(agent_id, profile, justification, duration)    validated on creation
    request_elevation(request, *, elevation_id, namespace, now, approval_ttl=900) -> Elevation
    approve_elevation(elevation, approver_id, approver_kind, now, reason="") -> Elevation
    deny_elevation(elevation, approver_id, approver_kind, now, reason) -> Elevation
    activate_elevation(elevation, agent_id, token_accessor, parent_remaining, now) -> Elevation
    revoke_elevation(elevation, by, now, reason="") -> Elevation
    expire_elevation(elevation, now) -> Elevation     record an end that already happened
    child_token_ttl(duration, parent_remaining) -> float
    elevated_policies(parent_policies, elevation) -> tuple[str, ...]
    Elevation.status_at(now), .to_dict(now);  ElevationStatus

Lifecycle::

    pending --(enough distinct operators approve)--> approved --(agent activates: a child
    token is issued)--> active --(expires_at passes)--> expired
    pending --deny--> denied;   pending/approved --(approval_ttl passes)--> expired
    pending/approved/active --revoke--> revoked  (an operator, the agent itself giving the
    privilege back, or the system when the parent token is revoked)

A profile with ``approval_required = false`` starts ``approved``. The child token lives
``min(duration, parent's remaining life)``: it can never outlive the token it came from, and
it is revoked with it (the token store's parent link). The same sign-off rules as approvals
apply: operators only, never the requesting agent, one operator counts once.
"""

from __future__ import annotations

import enum
import math
import re
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
    "ELEVATION_ID_PREFIX",
    "MAX_ELEVATION_TTL",
    "Elevation",
    "ElevationProfile",
    "ElevationRequest",
    "ElevationStatus",
    "activate_elevation",
    "approve_elevation",
    "child_token_ttl",
    "deny_elevation",
    "elevated_policies",
    "expire_elevation",
    "request_elevation",
    "revoke_elevation",
]

ELEVATION_ID_PREFIX = "elv_"
MAX_ELEVATION_TTL = 7 * 86_400.0
MAX_JUSTIFICATION_CHARS = 1000
MAX_PROFILE_POLICIES = 32
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


class ElevationStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    ACTIVE = "active"
    DENIED = "denied"
    EXPIRED = "expired"
    REVOKED = "revoked"


def _error(cls: type[Error], message: str, reason: str, hint: str = "") -> Error:
    exc = cls(message, hint=hint or None)
    exc.reason = reason  # type: ignore[attr-defined]
    return exc


def _positive_seconds(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequest(f"{what} must be a number of seconds")
    if not math.isfinite(value) or value <= 0:
        raise InvalidRequest(f"{what} must be a positive number of seconds")
    return float(value)


@dataclass(frozen=True)
class ElevationProfile:
    """What an elevation grants (``policies``), for how long at most, and who must agree."""

    name: str
    policies: tuple[str, ...]
    max_ttl: float
    approval_required: bool = True
    approvers_required: int = 1
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise InvalidRequest(
                "a profile name is 1-64 characters: lower-case letters, digits, '_', '-', '.'"
            )
        policies = tuple(self.policies)
        if not policies or len(policies) > MAX_PROFILE_POLICIES:
            raise InvalidRequest(
                f"an elevation profile grants 1 to {MAX_PROFILE_POLICIES} policies"
            )
        for name in policies:
            if not isinstance(name, str) or not name.strip():
                raise InvalidRequest("policy names cannot be empty")
            if name.strip().lower() == "root":
                raise InvalidRequest("an elevation can never grant the root policy")
        object.__setattr__(self, "policies", tuple(p.strip().lower() for p in policies))
        ttl = _positive_seconds(self.max_ttl, "max_ttl")
        if ttl > MAX_ELEVATION_TTL:
            raise InvalidRequest("an elevation lasts at most 7 days (max_ttl)")
        object.__setattr__(self, "max_ttl", ttl)
        count = self.approvers_required
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 5:
            raise InvalidRequest("approvers_required must be between 1 and 5")
        text = clean_text(self.description, field="description", max_chars=500, required=False)
        object.__setattr__(self, "description", text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "policies": list(self.policies),
            "max_ttl": self.max_ttl,
            "approval_required": self.approval_required,
            "approvers_required": self.approvers_required,
            "description": self.description,
        }


@dataclass(frozen=True)
class ElevationRequest:
    """An agent's request: a profile, why (required), and for how long (at most max_ttl)."""

    agent_id: str
    profile: ElevationProfile
    justification: str
    duration: float

    def __post_init__(self) -> None:
        if not isinstance(self.agent_id, str) or not self.agent_id:
            raise InvalidRequest("an elevation request needs the agent's id")
        text = clean_text(
            self.justification,
            field="justification",
            max_chars=MAX_JUSTIFICATION_CHARS,
            required=True,
        )
        object.__setattr__(self, "justification", text)
        duration = _positive_seconds(self.duration, "duration")
        if duration > self.profile.max_ttl:
            raise InvalidRequest(
                f"duration is longer than the profile's max_ttl ({self.profile.max_ttl:g}s)",
                hint="ask for a shorter duration",
            )
        object.__setattr__(self, "duration", duration)


@dataclass(frozen=True)
class Elevation:
    """One elevation through its lifecycle. ``expires_at`` is the child token's end."""

    id: str
    agent_id: str
    namespace: str
    profile: str
    policies: tuple[str, ...]
    justification: str
    duration: float
    created_at: float
    request_expires_at: float
    required_approvals: int
    status: ElevationStatus = ElevationStatus.PENDING
    sign_offs: tuple[SignOff, ...] = ()
    decided_at: float | None = None
    token_accessor: str | None = None
    activated_at: float | None = None
    expires_at: float | None = None
    ended_at: float | None = None
    ended_by: str | None = None
    end_reason: str = ""

    def status_at(self, now: float) -> ElevationStatus:
        if self.status is ElevationStatus.ACTIVE:
            if self.expires_at is not None and now >= self.expires_at:
                return ElevationStatus.EXPIRED
            return self.status
        live = (ElevationStatus.PENDING, ElevationStatus.APPROVED)
        if self.status in live and now >= self.request_expires_at:
            return ElevationStatus.EXPIRED
        return self.status

    @property
    def approvers(self) -> tuple[str, ...]:
        return tuple(s.approver_id for s in self.sign_offs if s.approved)

    def to_dict(self, now: float) -> dict[str, Any]:
        return {
            "id": self.id,
            "agent_id": self.agent_id,
            "namespace": self.namespace,
            "profile": self.profile,
            "policies": list(self.policies),
            "justification": self.justification,
            "duration": self.duration,
            "status": self.status_at(now).value,
            "created_at": self.created_at,
            "request_expires_at": self.request_expires_at,
            "required_approvals": self.required_approvals,
            "sign_offs": [s.to_dict() for s in self.sign_offs],
            "decided_at": self.decided_at,
            "token_accessor": self.token_accessor,
            "activated_at": self.activated_at,
            "expires_at": self.expires_at,
            "ended_at": self.ended_at,
            "ended_by": self.ended_by,
            "end_reason": self.end_reason,
        }


def request_elevation(
    request: ElevationRequest,
    *,
    elevation_id: str,
    namespace: str,
    now: float,
    approval_ttl: float = 900.0,
) -> Elevation:
    """A new elevation: ``pending``, or ``approved`` at once if the profile needs no approval.

    ``approval_ttl`` is how long it may wait for its approvals and then for activation.
    """
    if not elevation_id:
        raise InvalidRequest("an elevation needs an id")
    window = _positive_seconds(approval_ttl, "approval_ttl")
    profile = request.profile
    auto = not profile.approval_required
    return Elevation(
        id=elevation_id,
        agent_id=request.agent_id,
        namespace=namespace,
        profile=profile.name,
        policies=profile.policies,
        justification=request.justification,
        duration=request.duration,
        created_at=now,
        request_expires_at=now + window,
        required_approvals=profile.approvers_required,
        status=ElevationStatus.APPROVED if auto else ElevationStatus.PENDING,
        decided_at=now if auto else None,
    )


def _check_pending(elevation: Elevation, now: float) -> None:
    status = elevation.status_at(now)
    if status is not ElevationStatus.PENDING:
        raise _error(
            Conflict,
            f"elevation {elevation.id} is {status.value}, not pending",
            f"elevation_{status.value}",
            "only a pending elevation can be approved or denied",
        )


def approve_elevation(
    elevation: Elevation, approver_id: str, approver_kind: str, now: float, reason: str = ""
) -> Elevation:
    """An operator's approval; ``approved`` once enough distinct operators agreed."""
    check_decider(approver_id, approver_kind, elevation.agent_id)
    _check_pending(elevation, now)
    why = clean_text(reason, field="reason", max_chars=MAX_REASON_CHARS, required=False)
    sign_offs, complete = add_approval(
        elevation.sign_offs, approver_id, now, why, elevation.required_approvals
    )
    if not complete:
        return replace(elevation, sign_offs=sign_offs)
    return replace(elevation, sign_offs=sign_offs, status=ElevationStatus.APPROVED, decided_at=now)


def deny_elevation(
    elevation: Elevation, approver_id: str, approver_kind: str, now: float, reason: str
) -> Elevation:
    """An operator's refusal, with a required reason."""
    check_decider(approver_id, approver_kind, elevation.agent_id)
    _check_pending(elevation, now)
    why = clean_text(reason, field="reason", max_chars=MAX_REASON_CHARS, required=True)
    sign_offs = (*elevation.sign_offs, SignOff(approver_id, now, False, why))
    return replace(elevation, sign_offs=sign_offs, status=ElevationStatus.DENIED, decided_at=now)


def child_token_ttl(duration: float, parent_remaining: float | None) -> float:
    """The elevated child token's TTL: ``min(duration, parent_remaining)``.

    ``parent_remaining`` is the parent token's remaining life in seconds (``None``: it never
    ends). A parent with no life left raises :class:`Conflict`.
    """
    duration = _positive_seconds(duration, "duration")
    if parent_remaining is None:
        return duration
    if not math.isfinite(parent_remaining) or parent_remaining <= 0:
        raise _error(
            Conflict,
            "the requesting token has no life left to share with an elevated token",
            "parent_expired",
            "log in again, then activate the elevation",
        )
    return min(duration, float(parent_remaining))


def activate_elevation(
    elevation: Elevation,
    agent_id: str,
    token_accessor: str,
    parent_remaining: float | None,
    now: float,
) -> Elevation:
    """Mark an approved elevation active with the child token just issued for it.

    Compute the child's TTL with :func:`child_token_ttl` before issuing it, and pass the
    same ``parent_remaining`` here. Only the requesting agent may activate.
    """
    if agent_id != elevation.agent_id:
        raise _error(
            Denied,
            "this elevation was requested by another agent",
            "elevation_agent_mismatch",
        )
    status = elevation.status_at(now)
    if status is not ElevationStatus.APPROVED:
        cls: type[Error] = Denied if status is ElevationStatus.DENIED else Conflict
        raise _error(
            cls,
            f"elevation {elevation.id} is {status.value}; only an approved elevation starts",
            f"elevation_{status.value}",
        )
    if not token_accessor:
        raise InvalidRequest("activation needs the accessor of the child token")
    ttl = child_token_ttl(elevation.duration, parent_remaining)
    return replace(
        elevation,
        status=ElevationStatus.ACTIVE,
        token_accessor=token_accessor,
        activated_at=now,
        expires_at=now + ttl,
    )


def revoke_elevation(elevation: Elevation, by: str, now: float, reason: str = "") -> Elevation:
    """End a pending, approved or active elevation now (the caller revokes the child token)."""
    status = elevation.status_at(now)
    if status not in (
        ElevationStatus.PENDING,
        ElevationStatus.APPROVED,
        ElevationStatus.ACTIVE,
    ):
        raise _error(
            Conflict,
            f"elevation {elevation.id} has already ended ({status.value})",
            f"elevation_{status.value}",
        )
    if not by:
        raise InvalidRequest("a revocation records who revoked")
    why = clean_text(reason, field="reason", max_chars=MAX_REASON_CHARS, required=False)
    return replace(
        elevation,
        status=ElevationStatus.REVOKED,
        ended_at=now,
        ended_by=by,
        end_reason=why,
    )


def elevated_policies(parent_policies: tuple[str, ...], elevation: Elevation) -> tuple[str, ...]:
    """The child token's policies: the parent's, then the profile's not already there."""
    return (*parent_policies, *(p for p in elevation.policies if p not in parent_policies))


def expire_elevation(elevation: Elevation, now: float) -> Elevation:
    """Record that ``elevation`` ran out: its stored status becomes ``expired``.

    Nothing has to happen for an elevation to end (its token expires, and :meth:`status_at`
    already answers ``expired``); this only writes the end down, as of the deadline that
    passed, for listings and the ``elevation.expired`` notification. :class:`Conflict` if it
    has not run out, or its end is already recorded.
    """
    if (
        elevation.status is ElevationStatus.EXPIRED
        or elevation.status_at(now) is not ElevationStatus.EXPIRED
    ):
        raise _error(
            Conflict,
            f"elevation {elevation.id} has not run out unrecorded",
            f"elevation_{elevation.status_at(now).value}",
        )
    active = elevation.status is ElevationStatus.ACTIVE
    deadline = elevation.expires_at if active else elevation.request_expires_at
    return replace(
        elevation,
        status=ElevationStatus.EXPIRED,
        ended_at=deadline,
        ended_by="system",
        end_reason="its time ran out" if active else "not approved or activated in time",
    )
