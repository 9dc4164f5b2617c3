"""Secrets are radioactive: a canary value planted in a real server shows up nowhere it should not.

A real ``credgate serve`` (started as a user starts it, with debug logging; once with the default
file audit, once with the SQL audit sink as well) gets a random canary secret value. A whole
scenario runs through the HTTP API and the CLI: an operator creates a namespace, a policy, an
agent and its token and stores the value (API, and ``credgate kv put KEY=-``); the agent reads
it (API and ``credgate kv get``: the two legitimate answers), is refused another secret holding
it, sends bad bodies carrying it; lookup-self, capabilities, metadata, audit verify / search /
hash / session, metrics and the OpenAPI document; then the server is stopped, the audit trail
checked with the CLI (``audit hash`` reads the value from standard input) and the master key
rotated. Finally every file the run produced (database, WAL while serving, audit trail, key
files, the server's stdout and stderr, its temporary directory), every CLI output and every
HTTP response except the two legitimate reads are searched for the value in raw, JSON-escaped,
URL-encoded, hex, UTF-16 and base64 forms (every alignment, both alphabets).
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from credgate_server import Server, run_cli, start_server

pytestmark = pytest.mark.e2e

DEV_READ = """
path "secret/data/dev/*" { capabilities = ["read", "list"] }
path "secret/metadata/dev/*" { capabilities = ["read", "list"] }
path "secret/data/prod/*" { capabilities = ["deny"] }
"""
SESSION = "canary-session-1"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _base64_fragments(data: bytes) -> set[bytes]:
    """Substrings every base64 encoding of ``data`` contains, whatever bytes surround it."""
    found: set[bytes] = set()
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * shift + data)
            start = -(-4 * shift // 3)  # characters still mixed with the filler
            end = (8 * (shift + len(data))) // 6  # characters made only of data bits
            found.add(encoded[start:end])
            found.add(encode(data).rstrip(b"="))
    return found


def leak_forms(value: str) -> dict[str, bytes]:
    """The byte strings whose presence anywhere means ``value`` leaked, by name of the form."""
    raw = value.encode("utf-8")
    forms = {
        "raw": raw,
        "json-escaped": json.dumps(value)[1:-1].encode(),
        "url-encoded": quote(value, safe="").encode(),
        "url-encoded (path)": quote(value).encode(),
        "url-encoded (lower)": quote(value, safe="").lower().encode(),
        "url-encoded (plus)": quote_plus(value).encode(),
        "hex": raw.hex().encode(),
        "HEX": raw.hex().upper().encode(),
        "utf-16": value.encode("utf-16-le"),
    }
    for index, fragment in enumerate(sorted(_base64_fragments(raw))):
        forms[f"base64 #{index}"] = fragment
    return forms


def new_canary() -> tuple[str, dict[str, bytes]]:
    """A random secret value and its leak forms (those of its random core included)."""
    core = secrets.token_hex(16)
    # '+/=&?%' and 'e-acute' make every encoding of the whole value differ from its raw form;
    # the core alone is caught in whatever encoding keeps bytes in order.
    value = f"cnry-{core}+/=&?%\u00e9"
    core_forms = {f"core {name}": form for name, form in leak_forms(core).items()}
    return value, {**leak_forms(value), **core_forms}


def find_leaks(blob: bytes, needles: dict[str, bytes]) -> list[str]:
    return [name for name, needle in needles.items() if needle in blob]


@dataclass
class Recorder:
    """Everything the scenario saw; only the agent's reads may legitimately carry the value."""

    outputs: list[tuple[str, bytes]] = field(default_factory=list)
    legitimate: list[bytes] = field(default_factory=list)
    live_files: list[tuple[str, bytes]] = field(default_factory=list)

    def keep(self, label: str, blob: bytes, legitimate: bool) -> None:
        if legitimate:
            self.legitimate.append(blob)
        else:
            self.outputs.append((label, blob))

    def call(
        self,
        client: httpx.Client,
        method: str,
        path: str,
        *,
        expect: int | tuple[int, ...],
        legitimate: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        """An HTTP request whose status must be in ``expect``; the response is kept."""
        response = client.request(method, path, **kwargs)
        expected = (expect,) if isinstance(expect, int) else expect
        assert response.status_code in expected, (method, path, response.status_code, response.text)
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        self.keep(
            f"{method} {path} -> {response.status_code}",
            headers.encode() + b"\n\n" + response.content,
            legitimate,
        )
        return response

    def cli(
        self,
        *args: str,
        env: dict[str, str],
        expect: int = 0,
        stdin: str | None = None,
        legitimate: bool = False,
    ) -> str:
        """A ``credgate`` command whose exit code must be ``expect``; its output is kept."""
        run = run_cli(*args, env=env, input_text=stdin)
        assert run.returncode == expect, (args, run.returncode, run.stdout, run.stderr)
        self.keep(
            f"credgate {' '.join(args)} -> exit {run.returncode}",
            (run.stdout + run.stderr).encode(),
            legitimate,
        )
        return run.stdout

    def snapshot(self, root: Path) -> None:
        """Every file under ``root`` as it is now (a WAL is folded into the database at exit)."""
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            self.live_files.append((str(path.relative_to(root)), path.read_bytes()))


def operator_setup(rec: Recorder, op: httpx.Client, canary: str) -> str:
    """Namespace, policy, agent, token and the canary stored; returns the agent's token."""
    acme = {"X-Credgate-Namespace": "acme"}
    rec.call(op, "POST", "/v1/sys/namespaces/acme", expect=(200, 204))
    rec.call(
        op,
        "PUT",
        "/v1/sys/policies/acl/dev-read",
        json={"policy": DEV_READ},
        headers=acme,
        expect=(200, 204),
    )
    agent = {"owner": "alice@example.com", "description": "canary run", "policies": ["dev-read"]}
    rec.call(op, "POST", "/v1/sys/agents/deploy-bot", json=agent, headers=acme, expect=(200, 204))
    issued = rec.call(
        op, "POST", "/v1/auth/token/create", json={"agent": "deploy-bot"}, headers=acme, expect=200
    )
    for path in ("dev/app", "prod/db"):
        rec.call(
            op,
            "POST",
            f"/v1/secret/data/{path}",
            headers=acme,
            expect=200,
            json={"data": {"password": canary, "user": "app"}},
        )
    rec.call(
        op,
        "POST",
        "/v1/secret/metadata/dev/app",
        headers=acme,
        expect=(200, 204),
        json={"custom_metadata": {"environment": "development", "owner": "alice"}},
    )
    # Bad bodies that carry the value: refused, and never echoed.
    json_header = {**acme, "Content-Type": "application/json"}
    for bad in (
        {"data": canary},
        {"data": {"password": canary}, "bogus": canary},
        {"data": {"password": canary}, "options": {"cas": canary}},
        [canary],
    ):
        rec.call(
            op,
            "POST",
            "/v1/secret/data/dev/app",
            content=json.dumps(bad).encode(),
            headers=json_header,
            expect=400,
        )
    truncated = json.dumps({"data": {"password": canary}})[:-2].encode()
    rec.call(
        op, "POST", "/v1/secret/data/dev/app", content=truncated, headers=json_header, expect=400
    )
    rec.call(
        op,
        "POST",
        "/v1/sys/audit-trail/hash",
        expect=400,
        content=json.dumps({"value": 7, "x": canary}).encode(),
        headers=json_header,
    )
    token: str = issued.json()["auth"]["client_token"]
    return token


def agent_story(rec: Recorder, agent: httpx.Client, canary: str) -> None:
    """The agent reads its secret once (legitimately) and everything else fails cleanly."""
    read = rec.call(agent, "GET", "/v1/secret/data/dev/app", expect=200, legitimate=True)
    assert read.json()["data"]["data"]["password"] == canary
    denied = rec.call(agent, "GET", "/v1/secret/data/prod/db", expect=403)
    assert denied.json()["error"]["code"] == "permission_denied"
    rec.call(
        agent, "POST", "/v1/secret/data/dev/app", json={"data": {"password": canary}}, expect=403
    )
    rec.call(
        agent,
        "POST",
        "/v1/secret/data/dev/app",
        content=json.dumps({"data": canary}),
        headers={"Content-Type": "application/json"},
        expect=(400, 403),
    )
    rec.call(agent, "GET", "/v1/secret/metadata/dev/app", expect=200)
    rec.call(agent, "GET", "/v1/secret/metadata/dev/?list=true", expect=200)
    me = rec.call(agent, "GET", "/v1/auth/token/lookup-self", expect=200).json()["data"]
    assert me["namespace"] == "acme/"
    rec.call(
        agent,
        "POST",
        "/v1/sys/capabilities-self",
        expect=200,
        json={"paths": ["secret/data/dev/app", "secret/data/prod/db"]},
    )
    rec.call(
        agent,
        "GET",
        "/v1/secret/data/dev/app",
        headers={"X-Credgate-Namespace": "../"},
        expect=(400, 403),
    )


def cli_story(rec: Recorder, srv: Server, agent_token: str, canary: str) -> None:
    """The same through the CLI: a write from standard input, one legitimate read, refusals."""
    op = {
        **srv.env,
        "CREDGATE_ADDR": srv.addr,
        "CREDGATE_TOKEN": srv.token,
        "CREDGATE_NAMESPACE": "acme",
    }
    agent = {**srv.env, "CREDGATE_ADDR": srv.addr, "CREDGATE_TOKEN": agent_token}
    rec.cli("kv", "put", "dev/cli", "password=-", env=op, stdin=canary + "\n")
    rec.cli("kv", "metadata", "get", "dev/cli", "--json", env=op)
    rec.cli("kv", "list", "dev/", env=op)
    got = rec.cli("kv", "get", "dev/cli", "--field", "password", env=agent, legitimate=True)
    assert canary in got
    rec.cli("kv", "get", "prod/db", env=agent, expect=3)
    rec.cli("kv", "put", "dev/cli", "password=-", env=agent, stdin=canary + "\n", expect=3)
    rec.cli("token", "lookup-self", "--json", env=agent)


def run_scenario(srv: Server, canary: str, rec: Recorder) -> None:
    """The whole user story through the API and the CLI, then the offline CLI commands."""
    trace = {
        "X-Credgate-Session": SESSION,
        "traceparent": TRACEPARENT,
        "X-Credgate-Reasoning": "deploying%20the%20app",
    }
    with srv.client() as op, httpx.Client(base_url=srv.addr, timeout=30) as anonymous:
        rec.call(anonymous, "GET", "/v1/sys/health", expect=200)
        doc = rec.call(anonymous, "GET", "/v1/openapi.json", expect=200).json()
        assert "/v1/sys/agents/{name}" in doc["paths"]
        agent_token = operator_setup(rec, op, canary)
        with srv.client(agent_token) as agent:
            agent.headers.update(trace)
            agent_story(rec, agent, canary)
            cli_story(rec, srv, agent_token, canary)
            rec.call(agent, "POST", "/v1/auth/token/revoke-self", expect=(200, 204))
            rec.call(agent, "GET", "/v1/secret/data/dev/app", expect=403)
        rec.call(
            op,
            "GET",
            "/v1/secret/metadata/dev/app",
            headers={"X-Credgate-Namespace": "acme"},
            expect=200,
        )
        found = rec.call(op, "POST", "/v1/sys/audit-trail/hash", json={"value": canary}, expect=200)
        assert found.json()["data"]["found"] is True
        verdict = rec.call(op, "POST", "/v1/sys/audit-trail/verify", expect=200)
        assert verdict.json()["data"]["ok"] is True
        events = rec.call(
            op, "GET", "/v1/sys/audit-trail/search", params={"session": SESSION}, expect=200
        )
        assert SESSION in events.text
        rec.call(
            op, "GET", "/v1/sys/audit-trail/search", params={"path": "secret/data/*"}, expect=200
        )
        rec.call(op, "GET", f"/v1/sys/audit-trail/session/{SESSION}", expect=200)
        metrics = rec.call(anonymous, "GET", "/metrics", expect=200)
        assert "credgate_requests_total" in metrics.text

    rec.snapshot(srv.data_dir)
    # Graceful shutdown: uvicorn finishes, then re-raises SIGTERM (exit status -15).
    assert srv.stop() in (0, -15), srv.output()[-2000:]
    assert "Application shutdown complete" in srv.output()
    log = ["--file", str(srv.data_dir / "audit.log")]
    rec.cli("audit", "verify", *log, "--data-dir", str(srv.data_dir), env=srv.env)
    assert SESSION in rec.cli("audit", "search", "--session", SESSION, "--json", *log, env=srv.env)
    rec.cli("audit", "search", "--path", "secret/data/*", *log, env=srv.env)
    rec.cli("audit", "session", SESSION, *log, env=srv.env)
    served = rec.cli(
        "audit",
        "hash",
        "-",
        "--data-dir",
        str(srv.data_dir),
        *log,
        env=srv.env,
        stdin=canary + "\n",
    )
    assert "served in" in served
    rec.cli("operator", "rotate-key", "--data-dir", str(srv.data_dir), env=srv.env)


def test_leak_detector_sees_every_encoding() -> None:
    """The canary search would notice the value hidden in base64, hex or URL encoding."""
    value, needles = new_canary()
    for prefix in (b"", b"a", b"ab"):
        assert find_leaks(base64.b64encode(prefix + value.encode() + b"!"), needles)
        assert find_leaks(base64.urlsafe_b64encode(prefix + value.encode()), needles)
    assert find_leaks(b"x" + value.encode().hex().encode() + b"y", needles)
    assert find_leaks(json.dumps({"v": value}).encode(), needles)
    assert find_leaks(quote(value).encode(), needles)
    assert find_leaks(quote_plus(value).lower().encode(), needles)
    assert find_leaks(repr(value.encode()).encode(), needles)
    assert not find_leaks(b"nothing to see " + secrets.token_hex(40).encode(), needles)


@pytest.mark.parametrize(
    ("config", "expected_files"),
    [
        pytest.param(None, {"credgate.db", "audit.log"}, id="default"),
        pytest.param(
            "audit_sql = true\n", {"credgate.db", "audit.log", "audit.db"}, id="sql-audit"
        ),
    ],
)
def test_canary_value_appears_nowhere_but_the_agents_read(
    tmp_path: Path, config: str | None, expected_files: set[str]
) -> None:
    """A secret value never lands in the database, WAL, audit log, logs, outputs or responses."""
    canary, needles = new_canary()
    server_tmp = tmp_path / "server-tmp"
    server_tmp.mkdir()
    env = {"CREDGATE_LOG_LEVEL": "debug", "TMPDIR": str(server_tmp)}
    rec = Recorder()
    with start_server(tmp_path, env=env, config=config) as srv:
        run_scenario(srv, canary, rec)

    assert len(rec.legitimate) == 2
    assert all(find_leaks(blob, needles) for blob in rec.legitimate)
    live = {name for name, _ in rec.live_files}
    assert expected_files | {"credgate.db-wal", "master.key", "operator.token"} <= live, live
    leaks: list[str] = []
    files = [
        (str(p.relative_to(tmp_path)), p.read_bytes())
        for p in sorted(tmp_path.rglob("*"))
        if p.is_file()
    ]
    for where, items in (
        ("file", files),
        ("file while serving", rec.live_files),
        ("output of", rec.outputs),
    ):
        for name, blob in items:
            hits = find_leaks(blob, needles)
            if hits:
                leaks.append(f"{where} {name}: {', '.join(hits)}")
    assert not leaks, "the canary value leaked:\n" + "\n".join(leaks)
