"""The MCP server's SDK connection: what it sends to credgate, over a mock transport."""

from __future__ import annotations

import json

import httpx

from credgate.adapters.mcp.agent_client import SdkAgentClient
from credgate.clock import ManualClock
from credgate.sdk import Client, IssuedToken

ADDR = "http://127.0.0.1:8300"


def _client(seen: list[httpx.Request]) -> Client:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/broker/http":
            return httpx.Response(200, json={"data": {"status": 200, "body": "ok"}})
        if request.url.path.startswith("/v1/secret/data/"):
            return httpx.Response(200, json={"data": {"data": {"password": "pw"}, "metadata": {}}})
        return httpx.Response(200, json={"data": {"keys": ["a"]}})

    return Client(ADDR, "cg_agent", session_id="mcp_fixed", transport=httpx.MockTransport(handler))


def test_brokered_call_posts_the_request_with_session_and_approval() -> None:
    """The brokered call reaches POST /v1/broker/http in the fixed session, approval attached."""
    seen: list[httpx.Request] = []
    agent = SdkAgentClient(_client(seen))
    answer = agent.broker_http({"method": "GET", "url": "https://a.io"}, approval_id="apr_9")
    assert answer == {"status": 200, "body": "ok"}
    request = seen[0]
    assert request.method == "POST"
    assert json.loads(request.content) == {"method": "GET", "url": "https://a.io"}
    assert request.headers["X-Credgate-Session"] == "mcp_fixed"
    assert request.headers["X-Credgate-Approval"] == "apr_9"


def test_a_reveal_sends_the_justification_as_audited_reasoning() -> None:
    """The model's justification travels as the request's reasoning context."""
    seen: list[httpx.Request] = []
    agent = SdkAgentClient(_client(seen))
    value = agent.read_field("prod/db", "password", justification="migrate now", approval_id=None)
    assert value == "pw"
    assert seen[0].headers["X-Credgate-Reasoning"] == "migrate%20now"
    assert "X-Credgate-Approval" not in seen[0].headers


def test_an_elevation_is_used_until_it_ends_then_the_agent_token_again() -> None:
    """Calls use the elevated token while the elevation lasts, the agent's own token after."""
    seen: list[httpx.Request] = []
    clock = ManualClock(start=1000.0)
    agent = SdkAgentClient(_client(seen), clock=clock)
    issued = IssuedToken(
        "cg_elevated", "acc", ["payments"], "root", None, "agent", 1600.0, 600, False, 0
    )
    agent.use_elevated(issued)
    assert agent.current.session_id == "mcp_fixed"
    assert agent.current._config.token == "cg_elevated"
    clock.advance(700)
    agent.list_secrets("")
    assert seen[-1].headers["Authorization"] == "Bearer cg_agent"
