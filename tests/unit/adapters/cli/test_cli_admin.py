"""``credgate namespace|agent|operator|token|policy|mount`` over a scripted API."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from cli_fake_api import FakeAPI, assert_one_line_error, envelope, ok, run

AGENT = {
    "id": "agt_1",
    "kind": "agent",
    "name": "ci-bot",
    "namespace": "acme/",
    "owner": "alice@example.com",
    "description": "",
    "status": "active",
    "policies": ["dev-read"],
    "created_at": 1_790_000_000.0,
}


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeAPI:
    fake = FakeAPI()
    fake.install(monkeypatch)
    return fake


def test_namespace_lifecycle(api: FakeAPI) -> None:
    """create, list, read and delete a namespace with readable confirmations."""
    answers = {
        "POST": ok({"path": "acme/", "description": "ACME"}),
        "GET": ok({"keys": ["acme/"]}),
        "DELETE": ok(),
    }
    api.handler = lambda r: answers[r.method]
    created = run("namespace", "create", "acme", "--description", "ACME", "--no-kv")
    listed = run("namespace", "list")
    deleted = run("namespace", "delete", "acme")
    assert created.stdout.strip() == "created namespace acme/"
    assert listed.stdout.splitlines() == ["acme/"]
    assert deleted.stdout.strip() == "deleted namespace acme"
    assert api.body(0) == {"description": "ACME", "mount_kv": False}
    assert api.paths() == [
        "POST /v1/sys/namespaces/acme",
        "GET /v1/sys/namespaces",
        "DELETE /v1/sys/namespaces/acme",
    ]


def test_agent_create_requires_an_owner(api: FakeAPI) -> None:
    """No agent without an accountable human: click refuses before anything is sent."""
    result = run("agent", "create", "ci-bot")
    assert result.exit_code == 2
    assert "--owner" in result.stderr
    assert api.requests == []


def test_agent_create_sends_owner_and_policies_and_shows_the_agent(api: FakeAPI) -> None:
    """The new agent is shown with its owner and policies; --json gives the record."""
    api.handler = lambda r: ok(AGENT)
    result = run(
        "agent",
        "create",
        "ci-bot",
        "--owner",
        "alice@example.com",
        "--policy",
        "dev-read",
        "--policy",
        "ops",
        "--namespace",
        "acme",
    )
    assert result.exit_code == 0, result.stderr
    assert api.body() == {
        "owner": "alice@example.com",
        "description": "",
        "policies": ["dev-read", "ops"],
    }
    assert api.requests[0].headers["x-credgate-namespace"] == "acme"
    assert "owner        alice@example.com" in result.stdout
    assert "created_at   2026-09-21T14:13:20Z" in result.stdout
    as_json = run("agent", "read", "ci-bot", "--json")
    assert json.loads(as_json.stdout) == AGENT


def test_agent_update_replaces_or_clears_policies(api: FakeAPI) -> None:
    """--policy replaces the list, --no-policies empties it, omitted fields stay."""
    api.handler = lambda r: ok(AGENT)
    run("agent", "update", "ci-bot", "--policy", "a", "--policy", "b")
    run("agent", "update", "ci-bot", "--no-policies")
    run("agent", "update", "ci-bot", "--owner", "bob")
    assert [api.body(i) for i in range(3)] == [
        {"policies": ["a", "b"]},
        {"policies": []},
        {"owner": "bob"},
    ]
    assert set(api.paths()) == {"POST /v1/sys/agents/ci-bot/config"}


def test_agent_disable_reports_revoked_tokens(api: FakeAPI) -> None:
    """Cutting an agent off says how many tokens died with it."""
    api.handler = lambda r: ok(AGENT | {"status": "disabled", "tokens_revoked": 2})
    result = run("agent", "disable", "ci-bot")
    assert result.stdout.strip() == "disabled agent ci-bot; revoked 2 token(s)"
    assert api.paths() == ["POST /v1/sys/agents/ci-bot/disable"]
    enabled = run("agent", "enable", "ci-bot")
    assert enabled.exit_code == 0
    assert api.paths()[-1] == "POST /v1/sys/agents/ci-bot/enable"


def test_operator_api_commands_live_beside_rotate_key(api: FakeAPI) -> None:
    """`credgate operator create/list` work and `rotate-key` is still there."""
    api.handler = lambda r: ok({"keys": ["bob"]}) if r.method == "GET" else ok(AGENT)
    assert run("operator", "create", "bob", "--policy", "admin").exit_code == 0
    assert run("operator", "list").stdout.splitlines() == ["bob"]
    assert api.paths() == ["POST /v1/sys/operators/bob", "GET /v1/sys/operators"]
    assert "rotate-key" in run("operator", "--help").stdout


def test_token_create_field_token_prints_only_the_token(api: FakeAPI) -> None:
    """`export CREDGATE_TOKEN=$(credgate token create --agent x --field token)` works."""
    auth = {
        "client_token": "cg_agenttoken",
        "accessor": "acc_1",
        "policies": ["dev-read"],
        "namespace": "acme/",
        "lease_duration": 900,
    }
    api.handler = lambda r: httpx.Response(200, json={"auth": auth})
    result = run(
        "token",
        "create",
        "--agent",
        "ci-bot",
        "--policy",
        "dev-read",
        "--ttl",
        "15m",
        "--num-uses",
        "10",
        "--field",
        "token",
    )
    assert result.stdout == "cg_agenttoken"
    assert api.body() == {"agent": "ci-bot", "policies": ["dev-read"], "ttl": "15m", "num_uses": 10}
    shown = run("token", "create", "--agent", "ci-bot", "--json")
    assert json.loads(shown.stdout)["token"] == "cg_agenttoken"
    assert json.loads(shown.stdout)["accessor"] == "acc_1"


def test_token_self_and_accessor_commands(api: FakeAPI) -> None:
    """lookup-self shows the token; renew sends the increment; revokes confirm."""
    info = {"accessor": "acc_1", "policies": ["root"], "namespace": "", "ttl": 0}
    api.handler = lambda r: ok(info) if "revoke" not in r.url.path else ok()
    lookup = run("token", "lookup-self")
    run("token", "renew-self", "--increment", "1h")
    revoked = run("token", "revoke-accessor", "acc_9")
    self_revoked = run("token", "revoke-self")
    assert ["accessor", "acc_1"] in [line.split() for line in lookup.stdout.splitlines()]
    assert api.body(1) == {"increment": "1h"}
    assert api.body(2) == {"accessor": "acc_9"}
    assert revoked.stdout.strip() == "revoked token acc_9 (and its children)"
    assert self_revoked.exit_code == 0
    assert api.paths() == [
        "GET /v1/auth/token/lookup-self",
        "POST /v1/auth/token/renew-self",
        "POST /v1/auth/token/revoke-accessor",
        "POST /v1/auth/token/revoke-self",
    ]


POLICY = 'path "secret/data/dev/*" {\n  capabilities = ["read"]\n}\n'


def test_policy_write_from_file_and_stdin_then_read(api: FakeAPI, tmp_path: Path) -> None:
    """A policy file or piped text is stored verbatim; read prints it back."""
    (tmp_path / "dev.hcl").write_text(POLICY, encoding="utf-8")
    api.handler = lambda r: (
        ok({"name": "dev-read", "policy": POLICY}) if r.method == "GET" else ok()
    )
    assert run("policy", "write", "dev-read", str(tmp_path / "dev.hcl")).exit_code == 0
    assert run("policy", "write", "ops", "-", input_text=POLICY).exit_code == 0
    read = run("policy", "read", "dev-read")
    assert api.body(0) == {"policy": POLICY}
    assert api.body(1) == {"policy": POLICY}
    assert api.paths()[:2] == ["PUT /v1/sys/policies/acl/dev-read", "PUT /v1/sys/policies/acl/ops"]
    assert read.stdout == POLICY


def test_policy_list_delete_and_offline_commands_coexist(api: FakeAPI) -> None:
    """The server-side policy commands join the offline ones in one `policy` group."""
    api.handler = lambda r: ok({"keys": ["default", "dev-read"]}) if r.method == "GET" else ok()
    assert run("policy", "list").stdout.splitlines() == ["default", "dev-read"]
    assert run("policy", "delete", "dev-read").stdout.strip() == "deleted policy dev-read"
    help_text = run("policy", "--help").stdout
    for command in ("capabilities", "fmt", "write", "read", "list", "delete"):
        assert command in help_text


def test_policy_write_bad_hcl_is_one_line(api: FakeAPI, tmp_path: Path) -> None:
    """The server's refusal of a bad policy reaches the user as one line, exit 2."""
    (tmp_path / "bad.hcl").write_text("path {", encoding="utf-8")
    api.handler = lambda r: envelope(400, "invalid_policy", "expected a string", "policies use HCL")
    result = run("policy", "write", "bad", str(tmp_path / "bad.hcl"))
    assert_one_line_error(result, 2, "expected a string")


def test_policy_write_missing_file_is_one_line(api: FakeAPI, tmp_path: Path) -> None:
    """A wrong file name fails before anything is sent."""
    result = run("policy", "write", "dev", str(tmp_path / "missing.hcl"))
    assert_one_line_error(result, 2, "cannot read policy file")
    assert api.requests == []


def test_mount_commands(api: FakeAPI) -> None:
    """Mounts are enabled, listed with type and description, and disabled."""
    mounts = {"secret/": {"type": "kv", "description": "key/value secrets"}}
    api.handler = lambda r: ok(mounts) if r.method == "GET" else ok()
    assert run("mount", "enable", "kv-team", "--description", "team").exit_code == 0
    listed = run("mount", "list")
    assert run("mount", "disable", "kv-team").exit_code == 0
    assert "secret/  kv  key/value secrets" in listed.stdout
    assert api.body(0) == {"type": "kv", "description": "team", "options": {}}
    assert api.paths() == [
        "POST /v1/sys/mounts/kv-team",
        "GET /v1/sys/mounts",
        "DELETE /v1/sys/mounts/kv-team",
    ]


def test_missing_token_gets_a_hint_to_set_one(api: FakeAPI) -> None:
    """Forgetting CREDGATE_TOKEN: exit 3 and a hint saying how to give one."""
    api.handler = lambda r: envelope(403, "permission_denied", "permission denied")
    result = run("agent", "list", env={"CREDGATE_TOKEN": ""})
    assert_one_line_error(result, 3, "permission denied")
    assert "CREDGATE_TOKEN" in result.stderr
    assert "authorization" not in api.requests[0].headers


def test_bad_address_is_a_config_error(api: FakeAPI) -> None:
    """An address without a scheme is refused with an example of a good one."""
    result = run("namespace", "list", "--addr", "127.0.0.1:8300")
    assert_one_line_error(result, 2, "invalid credgate address")
    assert "http://127.0.0.1:8300" in result.stderr
