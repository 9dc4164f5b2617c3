"""Time-bound elevation: profiles, justification, approvals, child token life, expiry."""

from __future__ import annotations

from typing import Any

import pytest

from credgate.domain.elevations import (
    Elevation,
    ElevationProfile,
    ElevationRequest,
    ElevationStatus,
    activate_elevation,
    approve_elevation,
    child_token_ttl,
    deny_elevation,
    elevated_policies,
    request_elevation,
    revoke_elevation,
)
from credgate.errors import Conflict, Denied, InvalidRequest

NOW = 1_800_000_000.0
AGENT = "agt_1"
PROFILE = ElevationProfile("prod-deploy", ("prod-write",), max_ttl=3600, approvers_required=1)


def requested(profile: ElevationProfile = PROFILE, duration: float = 1800) -> Elevation:
    req = ElevationRequest(AGENT, profile, "deploy release 4.2 to production", duration)
    return request_elevation(req, elevation_id="elv_1", namespace="acme/", now=NOW)


def approved() -> Elevation:
    return approve_elevation(requested(), "op_alice", "operator", NOW + 10, "release window")


# -- profiles and requests ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "Bad Name"},
        {"policies": ()},
        {"policies": ("root",)},
        {"policies": (" ROOT ",)},
        {"max_ttl": 0},
        {"max_ttl": 8 * 86400},
        {"approvers_required": 0},
        {"max_ttl": True},
    ],
)
def test_invalid_profiles_are_refused(kwargs: dict[str, Any]) -> None:
    """A profile granting root, lasting forever or needing nobody is not time-bound elevation."""
    values: dict[str, Any] = {"name": "p", "policies": ("x",), "max_ttl": 60}
    values.update(kwargs)
    with pytest.raises(InvalidRequest):
        ElevationProfile(**values)


def test_justification_is_required_and_bounded() -> None:
    """Every elevation records why; an essay or an empty reason is refused."""
    with pytest.raises(InvalidRequest, match="justification is required"):
        ElevationRequest(AGENT, PROFILE, "   ", 60)
    with pytest.raises(InvalidRequest, match="longer than"):
        ElevationRequest(AGENT, PROFILE, "x" * 1001, 60)


def test_duration_cannot_exceed_the_profile_max_ttl() -> None:
    """An agent cannot ask for more time than the operator allowed."""
    with pytest.raises(InvalidRequest, match="max_ttl"):
        ElevationRequest(AGENT, PROFILE, "deploy", 3601)
    with pytest.raises(InvalidRequest):
        ElevationRequest(AGENT, PROFILE, "deploy", 0)


def test_request_is_pending_with_the_profile_policies() -> None:
    """A new elevation waits for an operator and copies the profile's policies."""
    elevation = requested()
    assert elevation.status is ElevationStatus.PENDING
    assert elevation.policies == ("prod-write",)
    assert elevation.request_expires_at == NOW + 900
    assert elevation.to_dict(NOW)["justification"] == "deploy release 4.2 to production"


def test_profile_without_approval_starts_approved() -> None:
    """Low-stakes profiles can be self-service, still time-bound and audited."""
    profile = ElevationProfile("read-logs", ("logs-read",), max_ttl=600, approval_required=False)
    assert requested(profile, 300).status is ElevationStatus.APPROVED


# -- decisions ---------------------------------------------------------------------------------


def test_agent_cannot_approve_an_elevation() -> None:
    """The agent never grants itself (or another agent) extra policies."""
    with pytest.raises(Denied):
        approve_elevation(requested(), "agt_2", "agent", NOW)
    with pytest.raises(Denied):
        approve_elevation(requested(), AGENT, "operator", NOW)


def test_two_approvers_must_be_distinct() -> None:
    """A two-approver profile is not satisfied by one operator approving twice."""
    profile = ElevationProfile("break-glass", ("admin",), max_ttl=900, approvers_required=2)
    first = approve_elevation(requested(profile, 600), "op_alice", "operator", NOW)
    assert first.status is ElevationStatus.PENDING
    with pytest.raises(Conflict):
        approve_elevation(first, "op_alice", "operator", NOW + 1)
    assert approve_elevation(first, "op_bob", "operator", NOW + 2).status is (
        ElevationStatus.APPROVED
    )


def test_denied_elevation_cannot_start() -> None:
    """A denied elevation never yields a token."""
    denied = deny_elevation(requested(), "op_alice", "operator", NOW, "not today")
    assert denied.status is ElevationStatus.DENIED
    with pytest.raises(Denied, match="denied"):
        activate_elevation(denied, AGENT, "acc_x", 10_000, NOW + 1)


def test_unapproved_elevation_expires_after_the_approval_window() -> None:
    """A request nobody answered does not stay open forever."""
    assert requested().status_at(NOW + 900) is ElevationStatus.EXPIRED
    with pytest.raises(Conflict, match="not pending"):
        approve_elevation(requested(), "op_alice", "operator", NOW + 900)


# -- activation and expiry ---------------------------------------------------------------------


def test_child_ttl_is_the_shorter_of_duration_and_parent_life() -> None:
    """The elevated token can never outlive the token it came from."""
    assert child_token_ttl(1800, 600) == 600
    assert child_token_ttl(1800, 7200) == 1800
    assert child_token_ttl(1800, None) == 1800
    with pytest.raises(Conflict, match="no life left"):
        child_token_ttl(1800, 0)


def test_activation_records_the_child_token_and_its_end() -> None:
    """Once active, the elevation names its token and when it stops working."""
    active = activate_elevation(approved(), AGENT, "acc_child", 600, NOW + 20)
    assert active.status is ElevationStatus.ACTIVE
    assert active.token_accessor == "acc_child"
    assert active.expires_at == NOW + 20 + 600


def test_active_elevation_expires_by_itself() -> None:
    """When the clock passes its TTL, the elevation is expired with no one acting."""
    active = activate_elevation(approved(), AGENT, "acc_child", None, NOW + 20)
    assert active.status_at(NOW + 20 + 1799) is ElevationStatus.ACTIVE
    assert active.status_at(NOW + 20 + 1800) is ElevationStatus.EXPIRED
    assert active.to_dict(NOW + 5000)["status"] == "expired"


def test_only_the_requesting_agent_activates() -> None:
    """Another agent cannot pick up an elevation granted to someone else."""
    with pytest.raises(Denied, match="another agent"):
        activate_elevation(approved(), "agt_2", "acc_x", None, NOW + 20)


def test_pending_elevation_cannot_be_activated_and_activation_is_once() -> None:
    """No token before approval, and one approval gives one token."""
    with pytest.raises(Conflict, match="pending"):
        activate_elevation(requested(), AGENT, "acc_x", None, NOW)
    active = activate_elevation(approved(), AGENT, "acc_x", None, NOW + 20)
    with pytest.raises(Conflict, match="active"):
        activate_elevation(active, AGENT, "acc_y", None, NOW + 21)


def test_revocation_ends_it_and_records_who() -> None:
    """An operator (or the agent giving it back) can end an elevation early."""
    active = activate_elevation(approved(), AGENT, "acc_x", None, NOW + 20)
    revoked = revoke_elevation(active, "op_alice", NOW + 30, "done early")
    assert revoked.status_at(NOW + 30) is ElevationStatus.REVOKED
    assert (revoked.ended_by, revoked.end_reason) == ("op_alice", "done early")
    with pytest.raises(Conflict, match="already ended"):
        revoke_elevation(revoked, "op_alice", NOW + 31)


def test_expired_elevation_cannot_be_revoked() -> None:
    """Revoking something already over is a no-op the caller should hear about."""
    active = activate_elevation(approved(), AGENT, "acc_x", 60, NOW + 20)
    with pytest.raises(Conflict, match="expired"):
        revoke_elevation(active, "op_alice", NOW + 100)


def test_elevated_policies_add_without_duplicates() -> None:
    """The child token keeps the agent's policies and gains the profile's."""
    elevation = requested(ElevationProfile("p", ("prod-write", "default"), max_ttl=60), duration=60)
    assert elevated_policies(("default", "app-read"), elevation) == (
        "default",
        "app-read",
        "prod-write",
    )
