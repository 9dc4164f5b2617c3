"""Approvals: bound to the exact request, operators only, distinct approvers, single use."""

from __future__ import annotations

from typing import Any

import pytest

from credgate.domain.approvals import (
    Approval,
    ApprovalStatus,
    RequestFingerprint,
    approve,
    canonical_json,
    deny,
    expire,
    fingerprint,
    new_approval,
    redeem,
)
from credgate.domain.sign_off import new_id
from credgate.errors import Conflict, Denied, InvalidRequest

KEY = b"k" * 32
NOW = 1_800_000_000.0
AGENT = "agt_1"
BODY = {"data": {"password": "hunter2-canary"}, "options": {"cas": 3}}


def fp(**overrides: Any) -> RequestFingerprint:
    values: dict[str, Any] = {
        "principal_id": AGENT,
        "namespace": "acme/",
        "path": "secret/data/prod/db",
        "operation": "create_or_update",
        "version": None,
        "params": BODY,
    }
    values.update(overrides)
    return fingerprint(**values, key=KEY)


def pending(required: int = 1, ttl: float = 900) -> Approval:
    return new_approval(
        approval_id="apr_1",
        request=fp(),
        now=NOW,
        ttl=ttl,
        required_approvals=required,
        risk="high",
        reasons=("environment production: high for writes",),
        justification="rotate the db password",
    )


def approved() -> Approval:
    return approve(pending(), "op_alice", "operator", NOW + 1, "looks right")


# -- fingerprint -------------------------------------------------------------------------------


def test_fingerprint_is_independent_of_key_order() -> None:
    """The retried request may serialise its body in another order; it is the same request."""
    again = fp(params={"options": {"cas": 3}, "data": {"password": "hunter2-canary"}})
    assert again == fp()


def test_fingerprint_changes_with_the_value() -> None:
    """An approval for one value cannot be used to write another."""
    other = fp(params={"data": {"password": "different"}, "options": {"cas": 3}})
    assert fp().differences(other) == ["parameters"]


def test_fingerprint_holds_no_value_and_no_plain_hash_of_it() -> None:
    """The approval record is shown to operators and stored: it must not leak the value."""
    import hashlib

    record = fp()
    text = repr(record) + repr(record.to_dict())
    assert "hunter2" not in text
    assert hashlib.sha256(canonical_json(BODY)).hexdigest() not in text
    assert record.param_names == ("data", "options")


def test_fingerprint_is_keyed() -> None:
    """Another server key gives another hash, so hashes cannot be precomputed offline."""
    assert fingerprint(AGENT, "", "p", "read", None, None, key=b"x" * 32).request_hash != (
        fingerprint(AGENT, "", "p", "read", None, None, key=b"y" * 32).request_hash
    )


@pytest.mark.parametrize(
    "params", [{"x": float("nan")}, {"x": object()}, {1: "a"}, {"x": {"y": b"raw"}}]
)
def test_non_json_parameters_are_refused(params: Any) -> None:
    """Parameters that have no canonical JSON form cannot be bound to an approval."""
    with pytest.raises(InvalidRequest):
        fp(params=params)


def test_fingerprint_needs_a_principal_and_a_real_key() -> None:
    """Binding to nobody, or hashing under an empty key, would defeat the binding."""
    with pytest.raises(InvalidRequest):
        fp(principal_id="")
    with pytest.raises(ValueError, match="16 bytes"):
        fingerprint(AGENT, "", "p", "read", None, None, key=b"short")


# -- lifecycle ---------------------------------------------------------------------------------


def test_new_approval_is_pending_until_its_deadline() -> None:
    """Default life is 15 minutes; after it the request must be made again."""
    approval = new_approval(approval_id="apr_1", request=fp(), now=NOW)
    assert approval.expires_at == NOW + 900
    assert approval.status_at(NOW + 899.9) is ApprovalStatus.PENDING
    assert approval.status_at(NOW + 900) is ApprovalStatus.EXPIRED


def test_operator_approval_approves() -> None:
    """One operator approving a one-approver request lets the agent retry."""
    approval = approved()
    assert approval.status is ApprovalStatus.APPROVED
    assert approval.approvers == ("op_alice",)
    assert approval.decided_at == NOW + 1
    assert approval.sign_offs[0].reason == "looks right"


def test_agents_can_never_approve() -> None:
    """No agent approves anything: not its own request, not another agent's."""
    with pytest.raises(Denied, match="only an operator") as info:
        approve(pending(), "agt_2", "agent", NOW)
    assert info.value.reason == "not_operator"  # type: ignore[attr-defined]


def test_requester_can_never_approve_its_own_request() -> None:
    """Self-approval is refused even for an operator-kind principal with the same id."""
    with pytest.raises(Denied, match="its own request"):
        approve(pending(), AGENT, "operator", NOW)


def test_two_approver_rule_needs_two_distinct_operators() -> None:
    """Four-eyes means four eyes: the same operator twice is refused and does not count."""
    first = approve(pending(required=2), "op_alice", "operator", NOW)
    assert first.status is ApprovalStatus.PENDING
    with pytest.raises(Conflict, match="already approved"):
        approve(first, "op_alice", "operator", NOW + 1)
    second = approve(first, "op_bob", "operator", NOW + 2)
    assert second.status is ApprovalStatus.APPROVED
    assert second.approvers == ("op_alice", "op_bob")


def test_expired_approval_cannot_be_approved() -> None:
    """An operator approving a stale request gets told it expired."""
    with pytest.raises(Conflict, match="expired") as info:
        approve(pending(), "op_alice", "operator", NOW + 901)
    assert info.value.reason == "approval_expired"  # type: ignore[attr-defined]


def test_decided_approval_cannot_be_decided_again() -> None:
    """An approval that was approved or denied is final."""
    with pytest.raises(Conflict, match="already approved"):
        approve(approved(), "op_bob", "operator", NOW + 2)
    denied = deny(pending(), "op_bob", "operator", NOW + 2, "not during the freeze")
    with pytest.raises(Conflict, match="already denied"):
        approve(denied, "op_alice", "operator", NOW + 3)


def test_deny_needs_a_reason_and_records_it() -> None:
    """The agent is told why; an empty reason is refused."""
    with pytest.raises(InvalidRequest, match="reason is required"):
        deny(pending(), "op_bob", "operator", NOW, "  ")
    denied = deny(pending(), "op_bob", "operator", NOW, "change freeze")
    assert denied.status is ApprovalStatus.DENIED
    assert denied.deny_reason == "change freeze"


def test_agents_cannot_deny_either() -> None:
    """An agent denying another agent's request would be a denial-of-service lever."""
    with pytest.raises(Denied):
        deny(pending(), "agt_2", "agent", NOW, "no")


def test_reason_with_invisible_characters_is_refused() -> None:
    """Operators read these texts; bidi overrides could disguise them."""
    with pytest.raises(InvalidRequest, match="invisible"):
        approve(pending(), "op_alice", "operator", NOW, "ok\u202e")


# -- redemption --------------------------------------------------------------------------------


def test_redeem_marks_used_once() -> None:
    """The retried request is served exactly once; a replay fails."""
    used = redeem(approved(), fp(), AGENT, NOW + 5)
    assert used.status is ApprovalStatus.USED
    assert used.used_at == NOW + 5
    with pytest.raises(Conflict, match="already been used") as info:
        redeem(used, fp(), AGENT, NOW + 6)
    assert info.value.reason == "approval_used"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("change", "part"),
    [
        ({"path": "secret/data/prod/other"}, "path"),
        ({"operation": "delete"}, "operation"),
        ({"version": 2}, "version"),
        ({"namespace": "other/"}, "namespace"),
        ({"params": {"data": {"password": "x"}}}, "parameters"),
    ],
)
def test_redeem_refuses_a_different_request_naming_the_part(
    change: dict[str, Any], part: str
) -> None:
    """An approval for one path cannot serve another; the error says which part differs."""
    with pytest.raises(Denied, match=f"the {part} differs") as info:
        redeem(approved(), fp(**change), AGENT, NOW + 5)
    assert info.value.reason == "approval_mismatch"  # type: ignore[attr-defined]
    assert "hunter2" not in str(info.value.message)


def test_redeem_names_every_differing_part() -> None:
    """Two differences are both named, so the agent can fix its retry in one go."""
    with pytest.raises(Denied, match="the path and operation differ"):
        redeem(approved(), fp(path="x", operation="delete"), AGENT, NOW + 5)


def test_redeem_by_another_principal_is_refused() -> None:
    """A leaked approval id is useless to any other agent."""
    with pytest.raises(Denied, match="another principal"):
        redeem(approved(), fp(principal_id="agt_2"), "agt_2", NOW + 5)
    with pytest.raises(Denied, match="another principal"):
        redeem(approved(), fp(), "agt_2", NOW + 5)


def test_redeem_pending_says_wait() -> None:
    """An agent retrying too early learns it must wait, not that it was denied."""
    with pytest.raises(Conflict, match="still waiting") as info:
        redeem(pending(), fp(), AGENT, NOW + 5)
    assert info.value.reason == "approval_pending"  # type: ignore[attr-defined]


def test_redeem_denied_says_denied_with_the_reason() -> None:
    """The operator's reason reaches the agent so it can stop asking."""
    denied = deny(pending(), "op_bob", "operator", NOW + 1, "use staging")
    with pytest.raises(Denied, match="use staging") as info:
        redeem(denied, fp(), AGENT, NOW + 5)
    assert info.value.reason == "approval_denied"  # type: ignore[attr-defined]


def test_redeem_after_expiry_is_refused_even_if_approved() -> None:
    """An approval granted but not used in time cannot be used later."""
    with pytest.raises(Conflict, match="expired"):
        redeem(approved(), fp(), AGENT, NOW + 900)


def test_expire_marks_only_due_approvals() -> None:
    """A storage sweep turns stale approvals into 'expired' and leaves live ones alone."""
    assert expire(pending(), NOW + 10).status is ApprovalStatus.PENDING
    assert expire(pending(), NOW + 900).status is ApprovalStatus.EXPIRED
    used = redeem(approved(), fp(), AGENT, NOW + 5)
    assert expire(used, NOW + 10_000).status is ApprovalStatus.USED


def test_to_dict_is_what_an_operator_needs_and_nothing_secret() -> None:
    """`credgate approvals show` displays path, operation, parameter names, who and why."""
    data = approve(pending(required=2), "op_alice", "operator", NOW + 1, "ok").to_dict(NOW + 2)
    assert data["status"] == "pending"
    assert data["request"]["path"] == "secret/data/prod/db"
    assert data["request"]["parameters"] == ["data", "options"]
    assert data["approvals"] == 1
    assert data["required_approvals"] == 2
    assert data["sign_offs"][0]["approver_id"] == "op_alice"
    assert "hunter2" not in repr(data)
    assert pending().to_dict(NOW + 901)["status"] == "expired"


@pytest.mark.parametrize(
    "kwargs", [{"ttl": 0}, {"ttl": float("inf")}, {"required_approvals": 0}, {"approval_id": ""}]
)
def test_new_approval_validates(kwargs: dict[str, Any]) -> None:
    """A zero-length life or zero approvers would make approvals meaningless."""
    values: dict[str, Any] = {"approval_id": "apr_1", "request": fp(), "now": NOW}
    values.update(kwargs)
    with pytest.raises(InvalidRequest):
        new_approval(**values)


def test_new_id_uses_the_injected_randomness() -> None:
    """Ids are unguessable in production and reproducible in tests."""
    assert new_id("apr_", lambda n: b"\x01" * n) == "apr_" + "01" * 16
