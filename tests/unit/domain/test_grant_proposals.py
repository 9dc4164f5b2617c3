"""Grant proposals: agents ask, operators decide, the block is a valid OpenBao policy."""

from __future__ import annotations

from typing import Any

import pytest

from credgate.domain.grant_proposals import (
    GrantProposal,
    ProposalStatus,
    accept_proposal,
    propose_grant,
    reject_proposal,
    render_policy_block,
)
from credgate.domain.policy import ACL, parse_policy
from credgate.errors import Conflict, Denied, InvalidRequest

NOW = 1_800_000_000.0


def proposal(**overrides: Any) -> GrantProposal:
    values: dict[str, Any] = {
        "proposal_id": "gpr_1",
        "agent_id": "agt_1",
        "namespace": "acme/",
        "path": "secret/data/staging/search/*",
        "capabilities": ["list", "read", "read"],
        "justification": "I rebuild the search index from its staging config.",
        "now": NOW,
    }
    values.update(overrides)
    return propose_grant(**values)


def test_rendered_block_is_a_policy_that_grants_exactly_what_was_asked() -> None:
    """Accepting writes a block OpenBao accepts, granting the proposed capabilities there."""
    text = render_policy_block(proposal())
    policy = parse_policy(text, name="agent-grants", namespace="acme/")
    assert [r.path for r in policy.rules] == ["secret/data/staging/search/*"]
    acl = ACL([policy])
    assert acl.capabilities("secret/data/staging/search/x", namespace="acme/") == [
        "list",
        "read",
    ]
    assert acl.capabilities("secret/data/prod/search/x", namespace="acme/") == ["deny"]


def test_rendered_block_names_the_agent_and_the_reason_in_comments() -> None:
    """Whoever reads the policy later sees who asked and why (objection 4: liability)."""
    text = render_policy_block(proposal(justification="line one\nline two"))
    assert text.startswith("# Proposed by agent agt_1 (proposal gpr_1).\n# line one\n# line two\n")


def test_capabilities_are_deduplicated_and_ordered() -> None:
    """`["list", "read", "read"]` is stored as read, list (OpenBao's order)."""
    assert proposal().capabilities == ("read", "list")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"capabilities": ["deny"]}, "cannot propose"),
        ({"capabilities": ["root"]}, "cannot propose"),
        ({"capabilities": []}, "at least one"),
        ({"capabilities": "read"}, "list of capability"),
        ({"path": ""}, "needs a path"),
        ({"path": "secret/data/{{identity.entity.id}}/*"}, "cannot contain"),
        ({"path": "secret/../sys/*"}, ""),
        ({"path": "secret/+*"}, "not a valid policy path"),
        ({"justification": ""}, "justification is required"),
        ({"agent_id": ""}, "agent"),
    ],
)
def test_invalid_proposals_are_refused(change: dict[str, Any], message: str) -> None:
    """An agent cannot smuggle a deny, a template, a traversal or a silent reason into policy."""
    with pytest.raises(InvalidRequest, match=message or None):
        proposal(**change)


def test_leading_slash_is_dropped_like_openbao() -> None:
    """`/secret/x` and `secret/x` are the same policy path."""
    assert proposal(path="/secret/data/x").path == "secret/data/x"


def test_operator_accepts_and_it_is_recorded() -> None:
    """Accepting records the operator, the time, the target policy and shows in the block."""
    accepted = accept_proposal(
        proposal(), "op_alice", "operator", NOW + 5, policy_name="Agent-Grants", reason="fine"
    )
    assert accepted.status is ProposalStatus.ACCEPTED
    assert (accepted.decided_by, accepted.decided_at) == ("op_alice", NOW + 5)
    assert accepted.policy_name == "agent-grants"
    assert "# Accepted by op_alice." in render_policy_block(accepted)


def test_agent_never_accepts_a_proposal() -> None:
    """The agent never grants itself anything, nor can another agent grant it."""
    with pytest.raises(Denied):
        accept_proposal(proposal(), "agt_1", "agent", NOW, policy_name="p")
    with pytest.raises(Denied):
        accept_proposal(proposal(), "agt_1", "operator", NOW, policy_name="p")


def test_reject_needs_a_reason_and_is_final() -> None:
    """The agent learns why, and a rejected proposal cannot be accepted afterwards."""
    with pytest.raises(InvalidRequest):
        reject_proposal(proposal(), "op_alice", "operator", NOW, "")
    rejected = reject_proposal(proposal(), "op_alice", "operator", NOW, "use the read-only role")
    assert rejected.to_dict()["decision_reason"] == "use the read-only role"
    with pytest.raises(Conflict, match="already rejected"):
        accept_proposal(rejected, "op_bob", "operator", NOW, policy_name="p")


def test_accept_needs_a_policy_name() -> None:
    """An accepted grant must land in a named policy, or it changes nothing."""
    with pytest.raises(InvalidRequest, match="name the policy"):
        accept_proposal(proposal(), "op_alice", "operator", NOW, policy_name=" ")
