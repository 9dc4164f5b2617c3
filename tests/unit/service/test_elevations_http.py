"""Time-bound elevation through the real ASGI app: profiles, requests, sign-off, the elevated
child token (its policies, its end by itself, its end with its parent), visibility, audit."""

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
EXTRA = 'path "secret/data/ops/*" { capabilities = ["read"] }\n'


def _setup(inst: Instance, **profile: object) -> str:
    """A secret only the ``ops-extra`` policy reads, a profile granting it, and an agent."""
    inst.ok("POST", "secret/data/ops/db", json={"data": {"password": "ops-pw"}})
    inst.ok("PUT", "sys/policies/acl/ops-extra", json={"policy": EXTRA})
    body = {"policies": ["ops-extra"], "max_ttl": "1h", **profile}
    inst.ok("PUT", "sys/elevation-profiles/ops", json=body)
    token: str = inst.agent_token("bot", BASE)
    return token


def _request(inst: Instance, token: str, duration: str = "15m") -> str:
    body = {"profile": "ops", "justification": "incident 42", "duration": duration}
    answer = inst.ok("POST", "sys/elevations", token, json=body)
    elevation_id: str = answer["data"]["id"]
    return elevation_id


def _operator(inst: Instance, name: str, policy: str | None = None) -> str:
    policies = []
    if policy is not None:
        inst.ok("PUT", f"sys/policies/acl/{name}-pol", json={"policy": policy})
        policies = [f"{name}-pol"]
    inst.ok("POST", f"sys/operators/{name}", json={"policies": policies})
    token: str = inst.ok("POST", "auth/token/create", json={"operator": name})["auth"][
        "client_token"
    ]
    return token


APPROVER = 'path "sys/elevations/*" { capabilities = ["read", "list", "update"] }\n'


def test_profile_crud(instance: Instance) -> None:
    """An operator writes, reads, lists and deletes a profile; a deleted one is a 404."""
    body = {"policies": ["Ops-Extra"], "max_ttl": "30m", "approvers_required": 2}
    written = instance.ok("PUT", "sys/elevation-profiles/ops", json=body)["data"]
    assert written == {
        "name": "ops",
        "policies": ["ops-extra"],
        "max_ttl": 1800.0,
        "approval_required": True,
        "approvers_required": 2,
        "description": "",
    }
    assert instance.ok("GET", "sys/elevation-profiles/ops")["data"] == written
    assert instance.ok("LIST", "sys/elevation-profiles")["data"]["keys"] == ["ops"]
    instance.ok("DELETE", "sys/elevation-profiles/ops")
    assert instance.call("GET", "sys/elevation-profiles/ops").status_code == 404
    assert instance.call("DELETE", "sys/elevation-profiles/ops").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"policies": ["root"], "max_ttl": "1h"},
        {"policies": [], "max_ttl": "1h"},
        {"policies": ["ops"], "max_ttl": "8d"},
        {"policies": ["ops"], "max_ttl": 0},
        {"policies": ["ops"], "max_ttl": "1h", "approvers_required": 6},
        {"policies": ["ops"], "max_ttl": "1h", "surprise": True},
    ],
)
def test_bad_profiles_are_refused(instance: Instance, body: dict[str, object]) -> None:
    """A profile granting root, nothing, too long a TTL or too many approvers is a 400."""
    r = instance.call("PUT", "sys/elevation-profiles/ops", json=body)
    assert r.status_code == 400, r.text
    assert instance.call("GET", "sys/elevation-profiles/ops").status_code == 404


def test_agent_cannot_write_profiles(instance: Instance) -> None:
    """The default policy lets an agent read profiles, never write one."""
    token = _setup(instance)
    assert instance.ok("LIST", "sys/elevation-profiles", token)["data"]["keys"] == ["ops"]
    r = instance.call(
        "PUT", "sys/elevation-profiles/ops", token, json={"policies": ["x"], "max_ttl": "1h"}
    )
    assert r.status_code == 403


def test_request_approve_activate_gives_a_child_token_with_the_extra_policies(
    instance: Instance,
) -> None:
    """The elevated token reads what the profile allows; the agent's own token still cannot."""
    token = _setup(instance)
    assert instance.call("GET", "secret/data/ops/db", token).status_code == 403
    elevation_id = _request(instance, token)
    assert instance.ok("GET", f"sys/elevations/{elevation_id}", token)["data"]["status"] == (
        "pending"
    )
    approved = instance.ok("POST", f"sys/elevations/{elevation_id}/approve", json={"reason": "ok"})
    assert approved["data"]["status"] == "approved"
    active = instance.ok("POST", f"sys/elevations/{elevation_id}/activate", token, json={})
    auth, data = active["auth"], active["data"]
    assert data["status"] == "active"
    assert auth["policies"] == ["bot-pol", "default", "ops-extra"]
    assert data["token_accessor"] == auth["accessor"]
    parent = instance.ok("GET", "auth/token/lookup-self", token)["data"]
    child = instance.ok("GET", "auth/token/lookup-self", auth["client_token"])["data"]
    assert child["parent_accessor"] == parent["accessor"]
    assert child["expires_at"] == pytest.approx(instance.clock.now() + 900)
    read = instance.call("GET", "secret/data/ops/db", auth["client_token"])
    assert read.status_code == 200
    assert read.json()["data"]["data"] == {"password": "ops-pw"}
    assert instance.call("GET", "secret/data/ops/db", token).status_code == 403
    twice = instance.call("POST", f"sys/elevations/{elevation_id}/activate", token, json={})
    assert twice.status_code == 409


def test_a_use_limited_token_cannot_activate(instance: Instance) -> None:
    """One use of a limited token never buys an elevated token without a limit."""
    token = _setup(instance)
    limited = instance.ok("POST", "auth/token/create", json={"agent": "bot", "num_uses": 5})
    limited_token = limited["auth"]["client_token"]
    elevation_id = _request(instance, limited_token)
    instance.ok("POST", f"sys/elevations/{elevation_id}/approve", json={})
    r = instance.call("POST", f"sys/elevations/{elevation_id}/activate", limited_token, json={})
    assert r.status_code == 403
    assert "use limit" in r.json()["error"]["message"]
    assert instance.ok("POST", f"sys/elevations/{elevation_id}/activate", token, json={})


def test_elevated_token_expires_by_itself(instance: Instance) -> None:
    """Past its TTL the elevated token stops working and the elevation reads 'expired'."""
    token = _setup(instance)
    instance.ok(
        "POST",
        "sys/webhooks/ops",
        json={"url": "http://127.0.0.1:9/hook", "events": ["elevation.*"]},
    )
    elevation_id = _request(instance, token, duration="10m")
    instance.ok("POST", f"sys/elevations/{elevation_id}/approve", json={})
    child = instance.ok("POST", f"sys/elevations/{elevation_id}/activate", token, json={})
    elevated = child["auth"]["client_token"]
    instance.clock.advance(9 * 60)
    assert instance.call("GET", "secret/data/ops/db", elevated).status_code == 200
    instance.clock.advance(61)
    assert instance.call("GET", "secret/data/ops/db", elevated).status_code == 403
    ended = instance.ok("GET", f"sys/elevations/{elevation_id}")["data"]
    assert ended["status"] == "expired"
    assert ended["ended_by"] == "system"
    assert ended["ended_at"] == child["data"]["expires_at"]
    kinds = [d["kind"] for d in instance.ok("GET", "sys/webhook-deliveries")["data"]["deliveries"]]
    assert sorted(kinds) == ["elevation.expired", "elevation.granted", "elevation.requested"]


def test_elevated_token_is_revoked_with_its_parent(instance: Instance) -> None:
    """Revoking the requesting token revokes the elevated child; the elevation reads revoked."""
    token = _setup(instance)
    elevation_id = _request(instance, token)
    instance.ok("POST", f"sys/elevations/{elevation_id}/approve", json={})
    elevated = instance.ok("POST", f"sys/elevations/{elevation_id}/activate", token, json={})
    child = elevated["auth"]["client_token"]
    instance.ok("POST", "auth/token/revoke-self", token)
    assert instance.call("GET", "secret/data/ops/db", child).status_code == 403
    ended = instance.ok("GET", f"sys/elevations/{elevation_id}")["data"]
    assert (ended["status"], ended["ended_by"]) == ("revoked", "system")


def test_child_never_outlives_its_parent(instance: Instance) -> None:
    """A 30-minute elevation on a token with 5 minutes left lives 5 minutes."""
    instance.ok("PUT", "sys/policies/acl/ops-extra", json={"policy": EXTRA})
    instance.ok(
        "PUT", "sys/elevation-profiles/ops", json={"policies": ["ops-extra"], "max_ttl": "1h"}
    )
    token = instance.agent_token("bot", BASE, ttl="5m")
    elevation_id = _request(instance, token, duration="30m")
    instance.ok("POST", f"sys/elevations/{elevation_id}/approve", json={})
    active = instance.ok("POST", f"sys/elevations/{elevation_id}/activate", token, json={})
    assert active["auth"]["expires_at"] == pytest.approx(instance.clock.now() + 300)
    assert active["auth"]["lease_duration"] == 300


def test_the_agent_or_an_operator_revokes_an_elevation(instance: Instance) -> None:
    """Revoking ends the elevation and its token at once; a second revoke is a 409."""
    token = _setup(instance)
    elevation_id = _request(instance, token)
    instance.ok("POST", f"sys/elevations/{elevation_id}/approve", json={})
    child = instance.ok("POST", f"sys/elevations/{elevation_id}/activate", token, json={})
    elevated = child["auth"]["client_token"]
    given_back = instance.ok(
        "POST", f"sys/elevations/{elevation_id}/revoke", token, json={"reason": "done"}
    )["data"]
    assert (given_back["status"], given_back["end_reason"]) == ("revoked", "done")
    assert instance.call("GET", "secret/data/ops/db", elevated).status_code == 403
    again = instance.call("POST", f"sys/elevations/{elevation_id}/revoke", json={})
    assert again.status_code == 409
    other = _request(instance, token)
    by_operator = instance.ok("POST", f"sys/elevations/{other}/revoke", json={"reason": "no"})
    assert by_operator["data"]["status"] == "revoked"
    assert (
        instance.call("POST", f"sys/elevations/{other}/activate", token, json={}).status_code == 409
    )


def test_an_operator_with_only_the_default_policy_cannot_revoke(instance: Instance) -> None:
    """The default policy lets an agent give back its own elevation, not any operator end one."""
    token = _setup(instance)
    elevation_id = _request(instance, token)
    plain = _operator(instance, "bob")
    r = instance.call("POST", f"sys/elevations/{elevation_id}/revoke", plain, json={})
    assert r.status_code == 403
    assert instance.ok("GET", f"sys/elevations/{elevation_id}")["data"]["status"] == "pending"


def test_the_requester_never_approves_even_with_a_policy_allowing_it(instance: Instance) -> None:
    """An agent is refused at the door, and refused again by the sign-off rule if let in."""
    token = _setup(instance)
    elevation_id = _request(instance, token)
    r = instance.call("POST", f"sys/elevations/{elevation_id}/approve", token, json={})
    assert r.status_code == 403
    sneaky = instance.agent_token("sneaky", BASE + APPROVER)
    body = {"profile": "ops", "justification": "let me in", "duration": "5m"}
    own = instance.ok("POST", "sys/elevations", sneaky, json=body)["data"]["id"]
    r = instance.call("POST", f"sys/elevations/{own}/approve", sneaky, json={})
    assert r.status_code == 403
    assert "operator" in r.json()["error"]["message"]
    assert instance.ok("GET", f"sys/elevations/{own}")["data"]["status"] == "pending"


def test_two_approvers_must_be_two_distinct_operators(instance: Instance) -> None:
    """With approvers_required=2 one operator's approval, even twice, is not enough."""
    token = _setup(instance, approvers_required=2)
    elevation_id = _request(instance, token)
    alice = _operator(instance, "alice", APPROVER)
    carol = _operator(instance, "carol", APPROVER)
    first = instance.ok("POST", f"sys/elevations/{elevation_id}/approve", alice, json={})
    assert first["data"]["status"] == "pending"
    twice = instance.call("POST", f"sys/elevations/{elevation_id}/approve", alice, json={})
    assert twice.status_code == 409
    early = instance.call("POST", f"sys/elevations/{elevation_id}/activate", token, json={})
    assert early.status_code == 409
    second = instance.ok("POST", f"sys/elevations/{elevation_id}/approve", carol, json={})
    assert second["data"]["status"] == "approved"
    assert len(second["data"]["sign_offs"]) == 2
    instance.ok("POST", f"sys/elevations/{elevation_id}/activate", token, json={})


def test_a_profile_without_approval_is_granted_at_once(instance: Instance) -> None:
    """approval_required=false: the request is approved on arrival and still needs activate."""
    token = _setup(instance, approval_required=False)
    body = {"profile": "ops", "justification": "routine", "duration": 600}
    data = instance.ok("POST", "sys/elevations", token, json=body)["data"]
    assert data["status"] == "approved"
    active = instance.ok("POST", f"sys/elevations/{data['id']}/activate", token, json={})
    assert "ops-extra" in active["auth"]["policies"]


def test_denied_elevation_cannot_be_activated(instance: Instance) -> None:
    """A denial needs a reason, and a denied elevation never yields a token."""
    token = _setup(instance)
    elevation_id = _request(instance, token)
    no_reason = instance.call("POST", f"sys/elevations/{elevation_id}/deny", json={})
    assert no_reason.status_code == 400
    denied = instance.ok("POST", f"sys/elevations/{elevation_id}/deny", json={"reason": "no"})
    assert denied["data"]["status"] == "denied"
    r = instance.call("POST", f"sys/elevations/{elevation_id}/activate", token, json={})
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"profile": "ops", "justification": "x", "duration": "2h"}, 400),
        ({"profile": "ops", "justification": "", "duration": "5m"}, 400),
        ({"profile": "ops", "justification": "x", "duration": "soon"}, 400),
        ({"profile": "ops", "justification": "x", "duration": 0}, 400),
        ({"profile": "nope", "justification": "x", "duration": "5m"}, 404),
    ],
)
def test_bad_requests_get_a_clear_4xx(
    instance: Instance, body: dict[str, object], status: int
) -> None:
    """Over max_ttl, no reason, a bad duration or an unknown profile: a 4xx, nothing stored."""
    token = _setup(instance)
    r = instance.call("POST", "sys/elevations", token, json=body)
    assert r.status_code == status, r.text
    assert instance.ok("LIST", "sys/elevations")["data"]["keys"] == []


def test_an_operator_cannot_request_an_elevation(instance: Instance) -> None:
    """Elevation is for agents; an operator is refused."""
    _setup(instance)
    body = {"profile": "ops", "justification": "x", "duration": "5m"}
    assert instance.call("POST", "sys/elevations", json=body).status_code == 403


@pytest.mark.parametrize("verb", ["approve", "deny", "activate", "revoke"])
def test_unknown_elevation_ids_are_404(instance: Instance, verb: str) -> None:
    """An id that does not exist is a 404 for every verb, never a 500."""
    token = _setup(instance)
    assert instance.call("GET", "sys/elevations/elv_nope").status_code == 404
    caller = token if verb == "activate" else None
    body = {"reason": "x"} if verb != "activate" else {}
    r = instance.call("POST", f"sys/elevations/elv_nope/{verb}", caller, json=body)
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "not_found"


def test_an_agent_sees_and_activates_only_its_own(instance: Instance) -> None:
    """Another agent's elevation is invisible (404) to an agent, listed for operators."""
    token = _setup(instance)
    elevation_id = _request(instance, token)
    instance.ok("POST", f"sys/elevations/{elevation_id}/approve", json={})
    other = instance.agent_token("other", BASE)
    assert instance.call("GET", f"sys/elevations/{elevation_id}", other).status_code == 404
    assert instance.ok("LIST", "sys/elevations", other)["data"]["keys"] == []
    stolen = instance.call("POST", f"sys/elevations/{elevation_id}/activate", other, json={})
    assert stolen.status_code == 404
    assert instance.ok("LIST", "sys/elevations", token)["data"]["keys"] == [elevation_id]
    listed = instance.ok("LIST", "sys/elevations?status=approved")["data"]
    assert [e["id"] for e in listed["elevations"]] == [elevation_id]
    assert instance.ok("LIST", "sys/elevations?status=active")["data"]["keys"] == []


def test_every_elevation_step_is_audited(instance: Instance) -> None:
    """Request, approval and activation each leave an audit response with who acted."""
    token = _setup(instance)
    elevation_id = _request(instance, token)
    instance.ok("POST", f"sys/elevations/{elevation_id}/approve", json={"reason": "fine"})
    active = instance.ok("POST", f"sys/elevations/{elevation_id}/activate", token, json={})
    responses = {
        e["action"]: e
        for e in instance.audit_records()
        if e["type"] == "response" and e["action"].startswith("elevation.")
    }
    assert {"elevation.request", "elevation.approve", "elevation.activate"} <= set(responses)
    request = responses["elevation.request"]
    assert request["parameters"]["elevation_id"] == elevation_id
    assert request["parameters"]["justification"] == "incident 42"
    assert request["principal_kind"] == "agent"
    assert responses["elevation.approve"]["principal_kind"] == "operator"
    activation = responses["elevation.activate"]
    assert activation["parameters"]["accessor"].startswith("acc_")
    assert active["auth"]["client_token"] not in instance.settings.resolved_audit_file.read_text()
