"""The SDK's human-control calls against the real in-process server (approvals held and
redeemed, elevations, proposals, taint) and against a scripted one (202 handling, long-poll)."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import httpx
import pytest

from credgate import errors
from credgate.sdk import AsyncClient, Client
from credgate.sdk import _governance_calls as gc
from credgate.sdk._governance_methods import AsyncGovernanceMethods, GovernanceMethods
from credgate.sdk.errors import ApprovalRequiredError, PendingError, SuggestionRecordedError

Instance = Any  # the `instance` fixture (tests/conftest.py)

WRITER = 'path "secret/data/*" { capabilities = ["read", "create", "update"] }\n'
EXTRA = 'path "secret/data/ops/*" { capabilities = ["read"] }\n'


def _client(inst: Instance, token: str | None = None) -> Client:
    """An SDK client whose transport is the instance's real ASGI app."""

    def forward(request: httpx.Request) -> httpx.Response:
        answer = inst.client.request(
            request.method, str(request.url), content=request.content, headers=request.headers
        )
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    return Client(
        "http://127.0.0.1", token or inst.root_token, transport=httpx.MockTransport(forward)
    )


def _public(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if not name.startswith("_") and callable(member)
    }


def test_async_mixin_has_every_sync_method_awaitable() -> None:
    """The async client has the same human-control calls, with the same parameters."""
    sync, async_ = _public(GovernanceMethods), _public(AsyncGovernanceMethods)
    assert sorted(sync) == sorted(async_)
    assert len(sync) > 25
    for name, signature in sync.items():
        assert list(signature.parameters) == list(async_[name].parameters), name
        assert inspect.iscoroutinefunction(getattr(AsyncGovernanceMethods, name)), name
    assert issubclass(Client, GovernanceMethods)
    assert issubclass(AsyncClient, AsyncGovernanceMethods)


def test_a_held_write_is_approved_then_redeemed_once(instance: Instance) -> None:
    """202 becomes ApprovalRequiredError with the approval id; with_approval redeems it once."""
    agent = _client(instance, instance.agent_token("bot", WRITER))
    operator = _client(instance)
    with pytest.raises(ApprovalRequiredError) as held:
        agent.write_secret("prod/db", {"password": "new-pw"})
    pending = held.value.pending
    assert held.value.status == 202
    assert held.value.exit_code == 7
    assert isinstance(held.value, errors.ApprovalRequired)
    assert pending["kind"] == "approval"
    assert [a["id"] for a in operator.list_approvals(kind="approval")] == [pending["id"]]
    assert agent.read_approval(pending["id"])["status"] == "pending"
    operator.approve(pending["id"], reason="release window")
    assert agent.read_approval(pending["id"], wait=5)["status"] == "approved"
    approved = agent.with_approval(pending["id"])
    assert approved.write_secret("prod/db", {"password": "new-pw"})["version"] == 1
    with pytest.raises(errors.Conflict):
        approved.write_secret("prod/db", {"password": "new-pw"})


def test_a_tainted_session_is_reported(instance: Instance) -> None:
    """An agent flags its own session; an operator reading it sees the reason."""
    agent = _client(instance, instance.agent_token("bot", WRITER))
    agent.taint_session(reason="read an untrusted web page")
    session = _client(instance).read_session(agent.session_id)
    assert session["session_id"] == agent.session_id
    assert session["tainted"] is True
    assert session["reasons"][0]["reason"] == "read an untrusted web page"


def test_elevation_and_proposal_through_the_sdk(instance: Instance) -> None:
    """Profile, request, approve, activate (an IssuedToken), revoke; propose and accept."""
    operator = _client(instance)
    instance.ok("POST", "secret/data/ops/db", json={"data": {"password": "ops-pw"}})
    operator.write_policy("ops-extra", EXTRA)
    operator.put_elevation_profile("ops", policies=["ops-extra"], max_ttl="1h")
    assert [p["name"] for p in operator.list_elevation_profiles()] == ["ops"]
    agent = _client(instance, instance.agent_token("bot", 'path "x" { capabilities = ["read"] }'))
    requested = agent.request_elevation("ops", justification="incident 42", duration="10m")
    operator.approve_elevation(requested["id"], reason="ok")
    elevated = agent.activate_elevation(requested["id"])
    assert "ops-extra" in elevated.policies
    assert "ops-pw" not in repr(elevated)
    assert _client(instance, elevated.token).read_secret("ops/db", field="password") == "ops-pw"
    assert agent.read_elevation(requested["id"])["status"] == "active"
    assert agent.revoke_elevation(requested["id"], reason="done")["status"] == "revoked"
    assert [e["status"] for e in operator.list_elevations()] == ["revoked"]
    proposal = agent.propose_grant("secret/data/ops/*", ["read"], justification="on call")
    accepted = operator.accept_proposal(proposal["id"], reason="fine")
    assert accepted["policy_name"] == "proposal-bot"
    assert agent.read_proposal(proposal["id"])["status"] == "accepted"
    assert operator.list_proposals(status="accepted")[0]["id"] == proposal["id"]


def test_the_sdk_manages_webhooks_and_the_risk_config(instance: Instance) -> None:
    """Create, list, read and delete a webhook; write and read the risk configuration."""
    cg = _client(instance)
    created = cg.create_webhook("ops", "http://127.0.0.1:9/hook", events=["approval.*"])
    assert created["secret"]
    assert [w["name"] for w in cg.list_webhooks()] == ["ops"]
    assert cg.read_webhook("ops")["events"] == ["approval.*"]
    assert cg.list_deliveries() == []
    cg.delete_webhook("ops")
    assert cg.list_webhooks() == []
    cg.write_risk_config('risk "secret/data/pay/*" {\n  level = "critical"\n}\n')
    assert "secret/data/pay/*" in cg.read_risk_config()["config"]
    with pytest.raises(errors.InvalidRequest):
        cg.write_risk_config('risk "x" { level = "apocalyptic" }')


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("approval_required", ApprovalRequiredError),
        ("suggestion_recorded", SuggestionRecordedError),
        ("", PendingError),
    ],
)
def test_every_202_is_a_pending_error_never_an_empty_success(code: str, cls: type) -> None:
    """A held read never looks like a secret with no fields."""

    def answer(request: httpx.Request) -> httpx.Response:
        body = {"error": {"code": code, "message": "held", "hint": ""}, "pending": {"id": "apr_1"}}
        return httpx.Response(202, json=body)

    transport = httpx.MockTransport(answer)
    with (
        Client("http://credgate.test", "cg_tok", transport=transport) as cg,
        pytest.raises(cls) as raised,
    ):
        cg.read_secret("prod/db")
    assert type(raised.value) is cls
    assert raised.value.pending == {"id": "apr_1"}
    assert isinstance(raised.value, errors.Pending)


def test_long_poll_gets_a_timeout_longer_than_its_wait() -> None:
    """?wait=30s is sent with a request timeout above 30 s; a wait over 60 s is refused."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": {"status": "approved"}})

    with Client("http://credgate.test", "cg_tok", transport=httpx.MockTransport(answer)) as cg:
        assert cg.with_approval("apr_1").read_approval("apr_1", wait=30)["status"] == "approved"
    assert seen[0].url.params["wait"] == "30s"
    assert seen[0].headers["x-credgate-approval"] == "apr_1"
    assert seen[0].extensions["timeout"]["read"] == 30 + gc.LONG_POLL_MARGIN
    with pytest.raises(errors.InvalidRequest):
        gc.read_approval("apr_1", 61)


def test_async_client_sends_the_same_calls() -> None:
    """AsyncClient builds the same request as Client for a governance call."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": {"id": "elv_1", "status": "pending"}})

    async def main() -> dict[str, Any]:
        transport = httpx.MockTransport(answer)
        async with AsyncClient("http://credgate.test", "cg_tok", transport=transport) as cg:
            return await cg.request_elevation("ops", justification="why", duration="5m")

    assert asyncio.run(main())["id"] == "elv_1"
    assert (seen[0].method, seen[0].url.path) == ("POST", "/v1/sys/elevations")
