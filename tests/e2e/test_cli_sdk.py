"""The CLI and the SDK against a real ``credgate serve``, the way the README tells a newcomer.

An operator creates a namespace, a policy and an agent, stores a development and a production
secret; the agent's token reads the one its policy allows (CLI and SDK) and gets exit code 3
and a single ``error:`` line for the other; a rotation is survived by ``with_fresh_secret``;
the audit trail holds the agent's session and verifies.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
from pathlib import Path

import pytest
from credgate_server import Server, run_cli

from credgate.sdk import AsyncClient, Client, PermissionDeniedError

pytestmark = pytest.mark.e2e

DEV_READ = """
path "secret/data/dev/*" { capabilities = ["read"] }
"""
SESSION = "e2e-agent-session"


class DatabaseRefused(Exception):
    """What a client library raises for a refused password (it carries an HTTP-like status)."""

    status_code = 401


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """stdout of a CLI run that must succeed."""
    assert result.returncode == 0, (result.stdout, result.stderr)
    return result.stdout


@pytest.fixture
def story(server: Server, tmp_path: Path) -> dict[str, str]:
    """The operator's set-up through the CLI; returns the agent's token and the values."""
    op = {"CREDGATE_ADDR": server.addr, "CREDGATE_TOKEN": server.token}
    (tmp_path / "dev-read.hcl").write_text(DEV_READ, encoding="utf-8")
    (tmp_path / "dev.txt").write_text("dev-password-e2e", encoding="utf-8")
    (tmp_path / "prod.txt").write_text("prod-password-e2e", encoding="utf-8")
    assert ok(run_cli("namespace", "create", "acme", env=op)).strip() == "created namespace acme/"
    ns = ["--namespace", "acme"]
    ok(run_cli("policy", "write", "dev-read", str(tmp_path / "dev-read.hcl"), *ns, env=op))
    agent = json.loads(
        ok(
            run_cli(
                "agent",
                "create",
                "deploy-bot",
                "--owner",
                "alice@example.com",
                "--policy",
                "dev-read",
                "--json",
                *ns,
                env=op,
            )
        )
    )
    assert agent["owner"] == "alice@example.com"
    assert agent["policies"] == ["dev-read"]
    for path, env_name, file in (
        ("dev/app", "development", "dev.txt"),
        ("prod/db", "production", "prod.txt"),
    ):
        ok(run_cli("kv", "put", path, f"password=@{tmp_path / file}", *ns, env=op))
        ok(run_cli("kv", "metadata", "put", path, "--environment", env_name, *ns, env=op))
    token = ok(
        run_cli(
            "token",
            "create",
            "--agent",
            "deploy-bot",
            "--ttl",
            "15m",
            "--field",
            "token",
            *ns,
            env=op,
        )
    )
    assert token.startswith("cg_")
    return {"token": token, "dev": "dev-password-e2e", "prod": "prod-password-e2e"}


def test_agent_reads_what_its_policy_allows_and_nothing_else(
    server: Server, story: dict[str, str]
) -> None:
    """The quick start's promise: the allowed secret is served, the other is a clean 403."""
    agent = {
        "CREDGATE_ADDR": server.addr,
        "CREDGATE_TOKEN": story["token"],
        "CREDGATE_SESSION": SESSION,
    }
    allowed = run_cli("kv", "get", "dev/app", "--field", "password", env=agent)
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout == story["dev"]

    refused = run_cli("kv", "get", "prod/db", env=agent)
    assert refused.returncode == 3
    assert refused.stdout == ""
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: permission denied (hint: ")
    assert story["prod"] not in refused.stderr

    found = run_cli(
        "audit",
        "search",
        "--session",
        SESSION,
        "--json",
        "--file",
        str(server.data_dir / "audit.log"),
    )
    events = json.loads(ok(found))
    assert {e["path"] for e in events} >= {"secret/data/dev/app", "secret/data/prod/db"}
    assert {e["result"] for e in events if e["path"] == "secret/data/prod/db"} >= {"denied"}
    all_output = allowed.stderr + refused.stdout + refused.stderr + json.dumps(events)
    assert story["prod"] not in all_output
    assert story["dev"] not in json.dumps(events)
    ok(run_cli("audit", "verify", "--data-dir", str(server.data_dir)))


def test_sdk_reads_fresh_and_survives_a_rotation(server: Server, story: dict[str, str]) -> None:
    """An agent holding a rotated password retries once with the new one and carries on."""
    operator = Client(server.addr, server.token, namespace="acme")
    agent = Client(server.addr, story["token"], session_id=SESSION)
    with operator, agent:
        assert agent.read_secret("secret/data/dev/app", field="password") == story["dev"]
        with pytest.raises(PermissionDeniedError) as denied:
            agent.read_secret("prod/db")
        assert denied.value.status == 403
        assert story["prod"] not in str(denied.value)

        database = {"password": story["dev"]}
        attempts: list[str] = []

        def connect(password: str) -> str:
            attempts.append(password)
            if len(attempts) == 1:  # the rotation lands while the agent holds the old value
                database["password"] = "dev-password-rotated"
                operator.write_secret("dev/app", {"password": database["password"]})
            if password != database["password"]:
                raise DatabaseRefused()
            return "connected"

        assert agent.with_fresh_secret("dev/app", connect, field="password") == "connected"
        assert attempts == [story["dev"], "dev-password-rotated"]
        assert agent.lookup_self()["namespace"] == "acme/"


def test_async_sdk_against_the_real_server(server: Server, story: dict[str, str]) -> None:
    """The async client reads the allowed secret and is refused the other, like the sync one."""

    async def scenario() -> str:
        async with AsyncClient(server.addr, story["token"]) as agent:
            with pytest.raises(PermissionDeniedError):
                await agent.read_secret("prod/db", field="password")
            return await agent.read_secret("dev/app", field="password")

    assert asyncio.run(scenario()) == story["dev"]


def test_cli_without_a_server_is_one_line() -> None:
    """Nothing listening: exit 6 and one line naming the address, from the real binary."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    addr = f"http://127.0.0.1:{port}"
    result = run_cli("kv", "get", "dev/app", "--addr", addr, env={"CREDGATE_TOKEN": "cg_x"})
    assert result.returncode == 6
    assert result.stderr.strip().splitlines() == [
        f"error: cannot reach credgate at {addr} (hint: is the server running (credgate serve)? "
        "set $CREDGATE_ADDR or --addr to its address)"
    ]
