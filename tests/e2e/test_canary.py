"""Secrets are radioactive: a canary value planted in a real server shows up nowhere it should not.

A real ``credgate serve`` (started as a user starts it, here with debug logging) gets a random
canary secret value; a whole scenario runs through the HTTP API and the CLI: an operator stores
the value, creates a namespace, a policy, an agent and a token; the agent reads the value, is
refused another secret holding it, sends bad bodies; lookup-self, capabilities, metadata, audit
verify / search / hash / session, metrics and the OpenAPI document; then the server is stopped,
the audit trail checked with the CLI and the master key rotated. Finally every file the run
produced (database, WAL, audit trail, key files, the server's stdout and stderr, its temporary
directory), every CLI output and every HTTP response except the agent's one legitimate read
are searched for the value in raw, JSON-escaped, URL-encoded, hex and base64 forms (every
base64 alignment, standard and URL-safe alphabets).
"""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
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
    """Every HTTP exchange of the scenario; one of them may legitimately carry the value."""

    responses: list[tuple[str, bytes]] = field(default_factory=list)
    legitimate: list[bytes] = field(default_factory=list)
    live_files: list[tuple[str, bytes]] = field(default_factory=list)

    def snapshot(self, root: Path) -> None:
        """Every file under ``root`` as it is now (a WAL is folded into the database at exit)."""
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            self.live_files.append((str(path.relative_to(root)), path.read_bytes()))

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
        response = client.request(method, path, **kwargs)
        expected = (expect,) if isinstance(expect, int) else expect
        assert response.status_code in expected, (method, path, response.status_code, response.text)
        label = f"{method} {path} -> {response.status_code}"
        blob = "\n".join(f"{k}: {v}" for k, v in response.headers.items()).encode() + b"\n\n"
        blob += response.content
        if legitimate:
            self.legitimate.append(blob)
        else:
            self.responses.append((label, blob))
        return response


def run_scenario(srv: Server, canary: str, rec: Recorder) -> list[subprocess.CompletedProcess[str]]:
    """The whole user story through the API; returns the CLI runs made after the server stops."""
    acme = {"X-Credgate-Namespace": "acme"}
    with srv.client() as op, httpx.Client(base_url=srv.addr, timeout=30) as anonymous:
        rec.call(anonymous, "GET", "/v1/sys/health", expect=200)
        assert (
            "/v1/sys/agents/{name}"
            in rec.call(anonymous, "GET", "/v1/openapi.json", expect=200).json()["paths"]
        )
        rec.call(op, "POST", "/v1/sys/namespaces/acme", expect=(200, 204))
        rec.call(
            op,
            "PUT",
            "/v1/sys/policies/acl/dev-read",
            json={"policy": DEV_READ},
            headers=acme,
            expect=(200, 204),
        )
        rec.call(
            op,
            "POST",
            "/v1/sys/agents/deploy-bot",
            headers=acme,
            expect=(200, 204),
            json={
                "owner": "alice@example.com",
                "description": "canary run",
                "policies": ["dev-read"],
            },
        )
        issued = rec.call(
            op,
            "POST",
            "/v1/auth/token/create",
            headers=acme,
            expect=200,
            json={"agent": "deploy-bot", "ttl": "1h"},
        ).json()["auth"]
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
        # Bad bodies that carry the value: refused without echoing it.
        for body in (
            json.dumps({"data": canary}),
            json.dumps({"data": {"password": canary}, "bogus": canary}),
            json.dumps({"data": {"password": canary}, "options": {"cas": canary}}),
            json.dumps({"data": {"password": canary}})[:-2],
            json.dumps([canary]),
        ):
            rec.call(
                op,
                "POST",
                "/v1/secret/data/dev/app",
                headers={**acme, "Content-Type": "application/json"},
                content=body.encode(),
                expect=400,
            )
        rec.call(
            op,
            "POST",
            "/v1/sys/audit-trail/hash",
            content=json.dumps({"value": 7, "x": canary}).encode(),
            expect=400,
        )

        agent_headers = {
            "X-Credgate-Session": SESSION,
            "traceparent": TRACEPARENT,
            "X-Credgate-Reasoning": "deploying%20the%20app",
        }
        with srv.client(issued["client_token"]) as agent:
            agent.headers.update(agent_headers)
            read = rec.call(agent, "GET", "/v1/secret/data/dev/app", expect=200, legitimate=True)
            assert read.json()["data"]["data"]["password"] == canary
            denied = rec.call(agent, "GET", "/v1/secret/data/prod/db", expect=403)
            assert denied.json()["error"]["code"] == "permission_denied"
            rec.call(
                agent,
                "POST",
                "/v1/secret/data/dev/app",
                json={"data": {"password": canary}},
                expect=403,
            )
            rec.call(
                agent,
                "POST",
                "/v1/secret/data/dev/app",
                content=json.dumps({"data": canary}).encode(),
                headers={"Content-Type": "application/json"},
                expect=(400, 403),
            )
            rec.call(agent, "GET", "/v1/secret/metadata/dev/app", expect=200)
            rec.call(agent, "GET", "/v1/secret/metadata/dev/?list=true", expect=200)
            assert (
                rec.call(agent, "GET", "/v1/auth/token/lookup-self", expect=200).json()["data"][
                    "namespace"
                ]
                == "acme/"
            )
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
            rec.call(agent, "POST", "/v1/auth/token/revoke-self", expect=(200, 204))
            rec.call(agent, "GET", "/v1/secret/data/dev/app", expect=403)

        rec.call(op, "GET", "/v1/secret/metadata/dev/app", headers=acme, expect=200)
        found = rec.call(
            op, "POST", "/v1/sys/audit-trail/hash", json={"value": canary}, expect=200
        ).json()["data"]
        assert found["found"] is True
        assert (
            rec.call(op, "POST", "/v1/sys/audit-trail/verify", expect=200).json()["data"]["ok"]
            is True
        )
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
    assert srv.stop() in (0, -15), srv.output()[-2000:]
    audit_log = str(srv.data_dir / "audit.log")
    runs = [
        run_cli("audit", "verify", "--file", audit_log, env=srv.env),
        run_cli(
            "audit", "search", "--session", SESSION, "--json", "--file", audit_log, env=srv.env
        ),
        run_cli("audit", "search", "--path", "secret/data/*", "--file", audit_log, env=srv.env),
        run_cli("audit", "session", SESSION, "--file", audit_log, env=srv.env),
        run_cli("operator", "rotate-key", "--data-dir", str(srv.data_dir), env=srv.env),
    ]
    for run in runs:
        assert run.returncode == 0, (run.args, run.stdout, run.stderr)
    assert SESSION in runs[1].stdout
    return runs


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
        runs = run_scenario(srv, canary, rec)

    assert rec.legitimate
    assert all(find_leaks(blob, needles) for blob in rec.legitimate)
    live = {name for name, _ in rec.live_files}
    assert expected_files | {"credgate.db-wal", "master.key", "operator.token"} <= live, live
    leaks: list[str] = []
    for path in sorted(p for p in tmp_path.rglob("*") if p.is_file()):
        hits = find_leaks(path.read_bytes(), needles)
        if hits:
            leaks.append(f"file {path.relative_to(tmp_path)}: {hits}")
    for name, blob in rec.live_files:
        hits = find_leaks(blob, needles)
        if hits:
            leaks.append(f"file {name} (while serving): {hits}")
    for label, blob in rec.responses:
        hits = find_leaks(blob, needles)
        if hits:
            leaks.append(f"response {label}: {hits}")
    for run in runs:
        hits = find_leaks((run.stdout + run.stderr).encode(), needles)
        if hits:
            leaks.append(f"command {' '.join(map(str, run.args[1:]))}: {hits}")
    assert not leaks, "the canary value leaked:\n" + "\n".join(leaks)
