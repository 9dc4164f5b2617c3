"""``credgate run`` against a real ``credgate serve``: secrets in the child's environment,
masked in its output (raw and base64), the child's exit code passed through."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from credgate_server import Server, run_cli

pytestmark = pytest.mark.e2e

VALUE = "run-e2e-Secret-7f3kQ9zLw2"
PROD_VALUE = "prod-e2e-Secret-J4m8Xc1v"
POLICY = 'path "secret/data/dev/*" { capabilities = ["read"] }\n'

CHILD = """
import base64, os, sys
value = os.environ["API_TOKEN"]
print("raw:", value)
print("b64:", base64.b64encode(value.encode()).decode())
print("hex:", value.encode().hex(), file=sys.stderr)
print("argv:", " ".join(sys.argv[1:]))
sys.exit(int(os.environ.get("EXIT_WITH", "0")))
"""


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.stdout, result.stderr)
    return result.stdout


@pytest.fixture
def agent_env(server: Server, tmp_path: Path) -> dict[str, str]:
    """An agent that may read dev/*, with a dev and a prod secret stored by the operator."""
    op = {"CREDGATE_ADDR": server.addr, "CREDGATE_TOKEN": server.token}
    (tmp_path / "p.hcl").write_text(POLICY, encoding="utf-8")
    (tmp_path / "v.txt").write_text(VALUE, encoding="utf-8")
    (tmp_path / "pv.txt").write_text(PROD_VALUE, encoding="utf-8")
    ok(run_cli("policy", "write", "dev-read", str(tmp_path / "p.hcl"), env=op))
    ok(run_cli("kv", "put", "dev/app", f"token=@{tmp_path / 'v.txt'}", env=op))
    ok(run_cli("kv", "put", "prod/app", f"token=@{tmp_path / 'pv.txt'}", env=op))
    agent = json.loads(
        ok(
            run_cli(
                "agent",
                "create",
                "runner",
                "--owner",
                "alice@example.com",
                "--policy",
                "dev-read",
                "--json",
                env=op,
            )
        )
    )
    assert agent["policies"] == ["dev-read"]
    token = ok(run_cli("token", "create", "--agent", "runner", "--field", "token", env=op))
    assert token.startswith("cg_")
    return {"CREDGATE_ADDR": server.addr, "CREDGATE_TOKEN": token.strip()}


def test_run_masks_the_secret_the_child_prints(agent_env: dict[str, str]) -> None:
    """The child sees the value; what reaches the agent has it masked, raw, base64 and hex."""
    result = run_cli(
        "run",
        "--secret",
        "API_TOKEN=secret/data/dev/app#token",
        "--",
        sys.executable,
        "-c",
        CHILD,
        "plain",
        "args",
        env=agent_env,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout + result.stderr
    assert VALUE not in out
    assert base64.b64encode(VALUE.encode()).decode() not in out
    assert VALUE.encode().hex() not in out
    assert "raw: [REDACTED" in result.stdout
    assert "b64: [REDACTED" in result.stdout
    assert "hex: [REDACTED" in result.stderr
    assert "argv: plain args" in result.stdout


def test_run_passes_the_exit_code_through(agent_env: dict[str, str]) -> None:
    """credgate run exits with the child's own exit code."""
    result = run_cli(
        "run",
        "--secret",
        "API_TOKEN=dev/app#token",
        "--",
        sys.executable,
        "-c",
        CHILD,
        env={**agent_env, "EXIT_WITH": "7"},
    )
    assert result.returncode == 7, result.stderr
    assert VALUE not in result.stdout


def test_no_mask_passes_output_through(agent_env: dict[str, str]) -> None:
    """--no-mask leaves the child's output as it is (for output no agent reads)."""
    result = run_cli(
        "run",
        "--no-mask",
        "--secret",
        "API_TOKEN=dev/app#token",
        "--",
        sys.executable,
        "-c",
        CHILD,
        env=agent_env,
    )
    assert result.returncode == 0, result.stderr
    assert f"raw: {VALUE}" in result.stdout


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        ("API_TOKEN=secret/data/prod/app#token", 3),  # denied by policy
        ("API_TOKEN=dev/app", 2),  # no #field
        ("1BAD=dev/app#token", 2),  # not an environment variable name
        ("API_TOKEN=dev/app#nope", 4),  # no such field
    ],
    ids=["denied", "no-field", "bad-name", "missing-field"],
)
def test_bad_or_denied_secret_is_one_error_line_and_nothing_runs(
    agent_env: dict[str, str], tmp_path: Path, spec: str, code: int
) -> None:
    """A refused or malformed --secret: one `error:` line, non-zero exit, no command run."""
    marker = tmp_path / "ran"
    result = run_cli(
        "run",
        "--secret",
        spec,
        "--",
        sys.executable,
        "-c",
        f"open({str(marker)!r}, 'w').write('x')",
        env=agent_env,
    )
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error:")
    assert not marker.exists()
    assert PROD_VALUE not in result.stderr + result.stdout
