"""``credgate approvals|elevations|elevation-profile|proposals|session|risk-config|webhook``:
against the real in-process server (whole flows) and a scripted API (shapes and errors)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_fake_api import FakeAPI, assert_one_line_error, envelope, ok, run

from credgate.adapters.cli import remote
from credgate.sdk import Client

Instance = Any  # the `instance` fixture (tests/conftest.py)

EXTRA = 'path "secret/data/ops/*" { capabilities = ["read"] }\n'
WRITER = 'path "secret/data/*" { capabilities = ["read", "create", "update"] }\n'


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeAPI:
    fake = FakeAPI()
    fake.install(monkeypatch)
    return fake


@pytest.fixture
def live(instance: Instance, monkeypatch: pytest.MonkeyPatch) -> Instance:
    """The CLI's SDK client talks to the instance's real ASGI app."""

    def forward(request: httpx.Request) -> httpx.Response:
        answer = instance.client.request(
            request.method, str(request.url), content=request.content, headers=request.headers
        )
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    def make(addr: str | None, token: str | None, namespace: str | None) -> Client:
        return Client(
            "http://127.0.0.1", token, namespace=namespace, transport=httpx.MockTransport(forward)
        )

    monkeypatch.setattr(remote, "make_client", make)
    return instance


def _as(token: str, *args: str) -> Any:
    result = run(*args, env={"CREDGATE_TOKEN": token})
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result


def test_elevation_story_through_the_cli(live: Instance) -> None:
    """Profile, request, approve, activate (token alone), list, revoke: all as a user types it."""
    root = live.root_token
    live.ok("POST", "secret/data/ops/db", json={"data": {"password": "ops-pw"}})
    live.ok("PUT", "sys/policies/acl/ops-extra", json={"policy": EXTRA})
    agent = live.agent_token("bot", 'path "x" { capabilities = ["read"] }')
    put = _as(root, "elevation-profile", "put", "ops", "--policy", "ops-extra", "--max-ttl", "1h")
    assert "ops-extra" in put.stdout
    assert "1 operator(s)" in put.stdout
    listed = _as(root, "elevation-profile", "list")
    assert listed.stdout.splitlines()[1].split()[:2] == ["ops", "ops-extra"]
    requested = _as(
        agent,
        "elevations",
        "request",
        "ops",
        "--justification",
        "incident 42",
        "--duration",
        "10m",
        "--json",
    )
    elevation_id = json.loads(requested.stdout)["id"]
    approved = _as(root, "elevations", "approve", elevation_id, "--reason", "ok")
    assert approved.stdout.strip() == f"elevation {elevation_id}: approved"
    token = _as(agent, "elevations", "activate", elevation_id, "--field", "token").stdout
    assert token.startswith("cg_")
    read = _as(token, "kv", "get", "ops/db", "--field", "password")
    assert read.stdout == "ops-pw"
    table = _as(root, "elevations", "list").stdout.splitlines()
    assert table[0].split()[:3] == ["ID", "STATUS", "PROFILE"]
    assert table[1].split()[:3] == [elevation_id, "active", "ops"]
    shown = _as(agent, "elevations", "show", elevation_id).stdout
    assert "approved by opr_" in shown
    assert "ok" in shown
    _as(agent, "elevations", "revoke", elevation_id, "--reason", "done")
    again = run("kv", "get", "ops/db", env={"CREDGATE_TOKEN": token})
    assert again.exit_code == 3
    _as(root, "elevation-profile", "delete", "ops")
    assert _as(root, "elevation-profile", "list").stdout.strip() == "no elevation profiles"


def test_self_approval_is_one_error_line(live: Instance) -> None:
    """An agent trying to approve its own elevation gets exit 3 and one line, no traceback."""
    live.ok("PUT", "sys/elevation-profiles/ops", json={"policies": ["x"], "max_ttl": "1h"})
    agent = live.agent_token(
        "bot", 'path "sys/elevations/*" { capabilities = ["update", "read"] }\n'
    )
    body = {"profile": "ops", "justification": "j", "duration": "5m"}
    elevation_id = live.ok("POST", "sys/elevations", agent, json=body)["data"]["id"]
    result = run("elevations", "approve", elevation_id, env={"CREDGATE_TOKEN": agent})
    assert_one_line_error(result, 3, "operator")


def test_approval_story_through_the_cli(live: Instance) -> None:
    """A held write is listed, shown (with --wait), approved; deny needs a reason."""
    agent = live.agent_token("bot", WRITER)
    held = live.call("POST", "secret/data/prod/db", agent, {"data": {"password": "x"}})
    approval_id = held.json()["pending"]["id"]
    listed = _as(live.root_token, "approvals", "list", "--status", "pending").stdout
    assert approval_id in listed
    assert "secret/data/prod/db" in listed
    shown = _as(agent, "approvals", "show", approval_id, "--wait", "0s").stdout
    assert "pending" in shown
    missing_reason = run("approvals", "deny", approval_id, env={"CREDGATE_TOKEN": live.root_token})
    assert missing_reason.exit_code == 2
    _as(live.root_token, "approvals", "approve", approval_id, "--reason", "window")
    done = json.loads(_as(agent, "approvals", "show", approval_id, "--json").stdout)
    assert done["status"] == "approved"
    pending = run("kv", "put", "prod/db", "password=y", env={"CREDGATE_TOKEN": agent})
    assert pending.exit_code == 7
    assert "approval" in pending.stderr


def test_proposal_story_through_the_cli(live: Instance) -> None:
    """An agent proposes, an operator accepts; the policy is written and attached."""
    agent = live.agent_token("bot", 'path "x" { capabilities = ["read"] }')
    created = _as(
        agent,
        "proposals",
        "create",
        "secret/data/staging/search/*",
        "--capability",
        "read",
        "--capability",
        "list",
        "--justification",
        "I rebuild the index",
        "--json",
    )
    proposal_id = json.loads(created.stdout)["id"]
    listed = _as(agent, "proposals", "list", "--status", "pending").stdout
    assert proposal_id in listed
    accepted = _as(live.root_token, "proposals", "accept", proposal_id, "--reason", "fine")
    assert accepted.stdout.strip() == (
        f"accepted proposal {proposal_id}: wrote policy proposal-bot and attached it to the agent"
    )
    assert "accepted" in _as(agent, "proposals", "show", proposal_id).stdout
    policy = live.ok("GET", "sys/policies/acl/proposal-bot")["data"]["policy"]
    assert 'path "secret/data/staging/search/*"' in policy
    other = _as(
        agent,
        "proposals",
        "create",
        "secret/data/x",
        "--capability",
        "read",
        "--justification",
        "j",
        "--json",
    )
    other_id = json.loads(other.stdout)["id"]
    _as(live.root_token, "proposals", "reject", other_id, "--reason", "no")
    assert "rejected" in _as(agent, "proposals", "show", other_id).stdout


def test_session_risk_config_and_webhooks_through_the_cli(live: Instance, tmp_path: Path) -> None:
    """Taint a session, set and read the risk config from a file, manage a webhook."""
    root = live.root_token
    tainted = _as(root, "session", "taint", "s-1", "--reason", "untrusted page").stdout
    assert tainted.splitlines()[0] == "session s-1: tainted"
    assert "untrusted page" in _as(root, "session", "show", "s-1").stdout
    assert "default table applies" in _as(root, "risk-config", "get").stdout
    config = tmp_path / "risk.hcl"
    config.write_text('risk "secret/data/pay/*" {\n  level = "critical"\n}\n')
    _as(root, "risk-config", "set", str(config))
    assert 'risk "secret/data/pay/*"' in _as(root, "risk-config", "get").stdout
    bad = tmp_path / "bad.hcl"
    bad.write_text('risk "x" { level = "apocalyptic" }\n')
    assert run("risk-config", "set", str(bad), env={"CREDGATE_TOKEN": root}).exit_code == 2
    missing = run("risk-config", "set", str(tmp_path / "nope"), env={"CREDGATE_TOKEN": root})
    assert_one_line_error(missing, 2, "cannot read risk configuration file")
    created = _as(
        root,
        "webhook",
        "create",
        "ops",
        "--url",
        "http://127.0.0.1:9/hook",
        "--event",
        "approval.*",
    )
    assert "secret" in created.stdout
    assert "shown only now" in created.stdout
    assert _as(root, "webhook", "list").stdout.splitlines()[1].split()[0] == "ops"
    assert "approval.*" in _as(root, "webhook", "get", "ops").stdout
    assert _as(root, "webhook", "deliveries").stdout.strip() == "no deliveries"
    _as(root, "webhook", "delete", "ops")
    assert _as(root, "webhook", "list").stdout.strip() == "no webhooks"


def test_scripted_requests_have_the_documented_shapes(api: FakeAPI) -> None:
    """Each command sends the method, path and body of the HTTP reference."""
    api.handler = lambda r: ok({"id": "x", "status": "pending"})
    run("approvals", "show", "apr_1", "--wait", "30s")
    run("elevations", "deny", "elv_1", "--reason", "no")
    run(
        "elevation-profile",
        "put",
        "ops",
        "--policy",
        "a",
        "--policy",
        "b",
        "--max-ttl",
        "2h",
        "--no-approval",
    )
    run("proposals", "accept", "gpr_1", "--policy", "team")
    run("webhook", "redeliver", "dlv_1")
    assert api.paths() == [
        "GET /v1/sys/approvals/apr_1",
        "POST /v1/sys/elevations/elv_1/deny",
        "PUT /v1/sys/elevation-profiles/ops",
        "POST /v1/sys/proposals/gpr_1/accept",
        "POST /v1/sys/webhook-deliveries/dlv_1/redeliver",
    ]
    assert api.requests[0].url.params["wait"] == "30s"
    assert api.body(1) == {"reason": "no"}
    assert api.body(2) == {
        "policies": ["a", "b"],
        "max_ttl": "2h",
        "approval_required": False,
        "approvers_required": 1,
        "description": "",
    }
    assert api.body(3) == {"policy": "team", "reason": ""}


@pytest.mark.parametrize(
    ("args", "exit_code", "fragment"),
    [
        (("approvals", "show", "apr_1", "--wait", "2m"), 2, "wait"),
        (("approvals", "show", "apr_1", "--wait", "soon"), 2, "--wait"),
        (("elevations", "show", "a/b"), 2, "'/'"),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(
    api: FakeAPI, args: tuple[str, ...], exit_code: int, fragment: str
) -> None:
    """A wait over 60 s, a non-duration, an id with '/': one line, nothing sent."""
    result = run(*args)
    assert_one_line_error(result, exit_code, fragment)
    assert api.requests == []


def test_server_errors_become_one_line(api: FakeAPI) -> None:
    """A 404 from the server is exit 4 with its message and hint."""
    api.handler = lambda r: envelope(
        404, "not_found", "no elevation 'elv_x' in this namespace", "h"
    )
    assert_one_line_error(run("elevations", "show", "elv_x"), 4, "no elevation 'elv_x'")
