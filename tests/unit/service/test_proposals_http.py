"""Grant proposals through the real ASGI app: an agent proposes, an operator accepts (the
policy write is the operator's, audited) or rejects; the agent never grants itself anything."""

from __future__ import annotations

from typing import Any

import pytest

Instance = Any  # the `instance` fixture (tests/conftest.py)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def instance(request: pytest.FixtureRequest) -> Any:
    """Every test here runs on the embedded SQLite default and on a real PostgreSQL."""
    name = "instance" if request.param == "sqlite" else "instance_pg"
    return request.getfixturevalue(name)


BASE = 'path "secret/data/dev/*" { capabilities = ["read"] }\n'
WANTED = "secret/data/staging/search/*"
DECIDER = 'path "sys/proposals/*" { capabilities = ["read", "list", "update"] }\n'


def _propose(inst: Instance, token: str, **extra: object) -> str:
    body = {
        "path": WANTED,
        "capabilities": ["read", "list"],
        "justification": "I rebuild the search index",
        **extra,
    }
    proposal_id: str = inst.ok("POST", "sys/proposals", token, json=body)["data"]["id"]
    return proposal_id


def _operator(inst: Instance, name: str, policy: str) -> tuple[str, str]:
    inst.ok("PUT", f"sys/policies/acl/{name}-pol", json={"policy": policy})
    created = inst.ok("POST", f"sys/operators/{name}", json={"policies": [f"{name}-pol"]})
    token = inst.ok("POST", "auth/token/create", json={"operator": name})["auth"]["client_token"]
    return token, created["data"]["id"]


def test_accepting_writes_the_policy_as_the_operator_and_the_agent_gains_it(
    instance: Instance,
) -> None:
    """After acceptance a new token of the agent reads the path; the write names the operator."""
    instance.ok("POST", "secret/data/staging/search/index", json={"data": {"k": "v1"}})
    token = instance.agent_token("bot", BASE)
    assert instance.call("GET", "secret/data/staging/search/index", token).status_code == 403
    proposal_id = _propose(instance, token)
    pending = instance.ok("GET", f"sys/proposals/{proposal_id}", token)["data"]
    assert pending["status"] == "pending"
    assert pending["capabilities"] == ["read", "list"]
    operator_token, operator_id = _operator(
        instance,
        "alice",
        DECIDER
        + 'path "sys/policies/acl/*" { capabilities = ["update"] }\n'
        + 'path "sys/agents/+/config" { capabilities = ["update"] }\n',
    )
    accepted = instance.ok(
        "POST", f"sys/proposals/{proposal_id}/accept", operator_token, json={"reason": "fine"}
    )["data"]
    assert accepted["status"] == "accepted"
    assert accepted["decided_by"] == operator_id
    assert accepted["policy_name"] == "proposal-bot"
    assert (accepted["policy_created"], accepted["policy_attached"]) == (True, True)
    policy = instance.ok("GET", "sys/policies/acl/proposal-bot")["data"]
    assert policy["updated_by"] == operator_id
    assert f'path "{WANTED}"' in policy["policy"]
    assert "# I rebuild the search index" in policy["policy"]
    agent = instance.ok("GET", "sys/agents/bot")["data"]
    assert agent["policies"] == ["bot-pol", "proposal-bot"]
    fresh = instance.ok("POST", "auth/token/create", json={"agent": "bot"})["auth"]["client_token"]
    read = instance.call("GET", "secret/data/staging/search/index", fresh)
    assert read.status_code == 200
    assert instance.call("POST", "secret/data/staging/search/index", fresh).status_code == 403
    events = [
        e
        for e in instance.audit_records()
        if e["type"] == "response" and e["action"] == "proposal.accept"
    ]
    assert len(events) == 1
    assert events[0]["agent_id"] == operator_id
    assert events[0]["parameters"]["policy"] == "proposal-bot"
    assert events[0]["result"] == "ok"


def test_accepting_into_a_policy_the_token_carries_takes_effect_at_once(
    instance: Instance,
) -> None:
    """Appended to the agent's own policy, the grant works for its current token; the old
    rules stay."""
    instance.ok("POST", "secret/data/staging/search/index", json={"data": {"k": "v1"}})
    instance.ok("POST", "secret/data/dev/app", json={"data": {"k": "v0"}})
    token = instance.agent_token("bot", BASE)
    proposal_id = _propose(instance, token)
    accepted = instance.ok(
        "POST", f"sys/proposals/{proposal_id}/accept", json={"policy": "bot-pol"}
    )["data"]
    assert (accepted["policy_created"], accepted["policy_attached"]) == (False, False)
    assert instance.call("GET", "secret/data/staging/search/index", token).status_code == 200
    assert instance.call("GET", "secret/data/dev/app", token).status_code == 200
    again = instance.call("POST", f"sys/proposals/{proposal_id}/accept", json={})
    assert again.status_code == 409


def test_reject_needs_a_reason_and_grants_nothing(instance: Instance) -> None:
    """A rejection records the operator's reason; no policy is written."""
    token = instance.agent_token("bot", BASE)
    proposal_id = _propose(instance, token)
    assert instance.call("POST", f"sys/proposals/{proposal_id}/reject", json={}).status_code == 400
    rejected = instance.ok(
        "POST", f"sys/proposals/{proposal_id}/reject", json={"reason": "use the index API"}
    )["data"]
    assert (rejected["status"], rejected["decision_reason"]) == ("rejected", "use the index API")
    assert instance.ok("GET", f"sys/proposals/{proposal_id}", token)["data"]["status"] == "rejected"
    assert instance.call("GET", "sys/policies/acl/proposal-bot").status_code == 404
    late = instance.call("POST", f"sys/proposals/{proposal_id}/accept", json={})
    assert late.status_code == 409


def test_an_agent_cannot_accept_its_own_proposal(instance: Instance) -> None:
    """Even with a policy that lets it call accept, an agent is refused and nothing is written."""
    token = instance.agent_token(
        "bot", BASE + DECIDER + 'path "sys/policies/acl/*" { capabilities = ["update"] }\n'
    )
    proposal_id = _propose(instance, token)
    r = instance.call("POST", f"sys/proposals/{proposal_id}/accept", token, json={})
    assert r.status_code == 403
    assert instance.ok("GET", f"sys/proposals/{proposal_id}")["data"]["status"] == "pending"
    assert instance.call("GET", "sys/policies/acl/proposal-bot").status_code == 404
    plain = instance.agent_token("plain", BASE)
    own = _propose(instance, plain)
    assert instance.call("POST", f"sys/proposals/{own}/accept", plain, json={}).status_code == 403


def test_an_operator_who_cannot_write_the_policy_cannot_accept(instance: Instance) -> None:
    """Accepting is never a way around the operator's own policies."""
    token = instance.agent_token("bot", BASE)
    proposal_id = _propose(instance, token)
    operator_token, _ = _operator(instance, "dave", DECIDER)
    r = instance.call("POST", f"sys/proposals/{proposal_id}/accept", operator_token, json={})
    assert r.status_code == 403
    assert instance.ok("GET", f"sys/proposals/{proposal_id}")["data"]["status"] == "pending"
    assert instance.call("GET", "sys/policies/acl/proposal-bot").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"path": WANTED, "capabilities": ["deny"], "justification": "x"},
        {"path": WANTED, "capabilities": ["sudo", "fly"], "justification": "x"},
        {"path": "secret/data/../sys/*", "capabilities": ["read"], "justification": "x"},
        {"path": 'secret/" { x', "capabilities": ["read"], "justification": "x"},
        {"path": WANTED, "capabilities": ["read"], "justification": ""},
        {"path": WANTED, "capabilities": [], "justification": "x"},
    ],
)
def test_bad_proposals_are_refused(instance: Instance, body: dict[str, object]) -> None:
    """deny, unknown capabilities, traversal, HCL injection or no reason: a 400, nothing stored."""
    token = instance.agent_token("bot", BASE)
    r = instance.call("POST", "sys/proposals", token, json=body)
    assert r.status_code == 400, r.text
    assert instance.ok("LIST", "sys/proposals")["data"]["keys"] == []


def test_operators_do_not_propose_and_accept_refuses_builtin_policies(instance: Instance) -> None:
    """Operators write policies directly; no grant lands in root or default."""
    body = {"path": WANTED, "capabilities": ["read"], "justification": "x"}
    assert instance.call("POST", "sys/proposals", json=body).status_code == 403
    token = instance.agent_token("bot", BASE)
    proposal_id = _propose(instance, token)
    for name in ("default", "root"):
        r = instance.call("POST", f"sys/proposals/{proposal_id}/accept", json={"policy": name})
        assert r.status_code == 400


def test_agents_see_only_their_own_proposals_and_unknown_ids_are_404(instance: Instance) -> None:
    """Another agent's proposal is a 404 for an agent; operators list them all."""
    token = instance.agent_token("bot", BASE)
    other = instance.agent_token("other", BASE)
    mine = _propose(instance, token)
    theirs = _propose(instance, other)
    assert instance.ok("LIST", "sys/proposals", token)["data"]["keys"] == [mine]
    assert instance.call("GET", f"sys/proposals/{theirs}", token).status_code == 404
    assert sorted(instance.ok("LIST", "sys/proposals")["data"]["keys"]) == sorted([mine, theirs])
    pending = instance.ok("LIST", "sys/proposals?status=pending")["data"]["keys"]
    assert len(pending) == 2
    for verb in ("accept", "reject"):
        r = instance.call("POST", f"sys/proposals/gpr_nope/{verb}", json={"reason": "x"})
        assert r.status_code == 404
    assert instance.call("GET", "sys/proposals/gpr_nope").status_code == 404
    assert instance.call("LIST", "sys/proposals?status=maybe").status_code == 400
