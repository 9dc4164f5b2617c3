"""Brokered HTTP (POST /v1/broker/http) against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

import pytest

from credgate.service import schemas
from credgate.service.brokered_request import plan_request

Instance = Any  # the `instance` fixture (tests/conftest.py)

TOKEN = "ghp_" + "Zq8rT3vW" * 4 + "x9Kd"  # a GitHub-shaped value that no pattern would guess
REF = '{{secret "secret/data/dev/github#token"}}'
AGENT_POLICY = """
path "secret/data/dev/*" { capabilities = ["read"] }
path "secret/data/prod/*" { capabilities = ["read"] }
path "secret/data/cards/*" { capabilities = ["read"] }
"""


class Upstream:
    """A real HTTP server recording every request it receives."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        self.redirect_to = ""
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                upstream.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                auth = self.headers.get("authorization", "")
                if self.path.startswith("/echo"):
                    if auth != f"Bearer {TOKEN}":
                        return self._send(401, b'{"message": "Bad credentials"}')
                    seen = auth.removeprefix("Bearer ")
                    payload = {
                        "raw": seen,
                        "b64": base64.b64encode(seen.encode()).decode(),
                        "hex": seen.encode().hex(),
                        "url": quote(seen, safe=""),
                        "path": self.path,
                        "body": body,
                    }
                    return self._send(
                        200,
                        json.dumps(payload).encode(),
                        [("X-Echo", seen), ("Set-Cookie", "session=abc123def456")],
                    )
                if self.path.startswith("/hostile"):
                    seen = self.headers.get("x-key", "")
                    raw = seen.encode()
                    return self._send(
                        200,
                        json.dumps({"pct": "".join(f"%{b:02X}" for b in raw)}).encode(),
                        [
                            (f"X-{seen}", "1"),
                            (f"X-H-{raw.hex()}", "1"),
                            (f"X-B-{base64.b64encode(raw).decode().rstrip('=')}", "1"),
                            (f"X-Up-{seen.upper()}", "1"),
                            ("X-Plain", "kept"),
                            ("X-Value", "".join(f"&#{ord(c)};" for c in seen)),
                        ],
                    )
                if self.path == "/redirect":
                    return self._send(302, b"", [("Location", upstream.redirect_to)])
                if self.path == "/big":
                    return self._send(200, b"x" * 50_000)
                if self.path == "/bigstream":
                    self.send_response(200)
                    self.end_headers()
                    for _ in range(50):
                        self.wfile.write(b"y" * 1000)
                    self.close_connection = True
                    return None
                if self.path == "/slow":
                    upstream.release.wait(10)
                    return self._send(200, b"late")
                return self._send(200, b'{"ok": true}')

            def _send(self, status: int, body: bytes, headers: Any = ()) -> None:
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    """The API the agent wants to call."""
    server = Upstream()
    yield server
    server.close()


@pytest.fixture
def elsewhere() -> Iterator[Upstream]:
    """Another server (another host:port) that must never receive the secret."""
    server = Upstream()
    yield server
    server.close()


def put_secret(inst: Instance, path: str, data: dict[str, Any], **meta: str) -> None:
    inst.ok("POST", f"secret/data/{path}", json={"data": data})
    inst.ok("POST", f"secret/metadata/{path}", json={"custom_metadata": meta})


@pytest.fixture
def agent(instance: Instance, upstream: Upstream) -> str:
    """An agent allowed to read dev/*; dev/github may go to the upstream server only."""
    put_secret(
        instance,
        "dev/github",
        {"token": TOKEN, "short": "abc"},
        environment="development",
        allowed_hosts=f"127.0.0.1:{upstream.port}",
    )
    return instance.agent_token("bot", AGENT_POLICY)


def broker(inst: Instance, token: str, **body: Any) -> Any:
    return inst.call("POST", "broker/http", token, json=body)


def leaked(text: str) -> bool:
    forms = [TOKEN, base64.b64encode(TOKEN.encode()).decode(), TOKEN.encode().hex()]
    return any(form in text for form in forms)


def test_call_injects_the_secret_and_the_answer_never_contains_it(
    instance: Instance, agent: str, upstream: Upstream
) -> None:
    """The upstream gets the real credential; the agent gets a masked echo (raw, base64, hex)."""
    r = broker(
        instance,
        agent,
        method="POST",
        url=f"{upstream.base}/echo?q={REF}",
        headers={"Authorization": f"Bearer {REF}", "Content-Type": "application/json"},
        body=json.dumps({"token": REF}),
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == 200
    assert upstream.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(upstream.requests[0]["body"]) == {"token": TOKEN}
    assert upstream.requests[0]["path"] == f"/echo?q={quote(TOKEN, safe='')}"
    assert not leaked(r.text)
    assert "[REDACTED" in out["body"]
    assert "[REDACTED" in out["headers"]["x-echo"]
    assert "set-cookie" not in out["headers"]
    assert out["credgate"]["host"] == f"127.0.0.1:{upstream.port}"
    assert out["credgate"]["secrets"][0]["path"] == "secret/data/dev/github"
    assert out["credgate"]["secrets"][0]["verdict"] == "allow"


def test_audit_records_brokered_use_without_the_value(
    instance: Instance, agent: str, upstream: Upstream
) -> None:
    """The trail shows broker.http for the secret and where the call went, never the value."""
    r = broker(
        instance, agent, url=f"{upstream.base}/echo", headers={"Authorization": f"Bearer {REF}"}
    )
    assert r.status_code == 200, r.text
    records = instance.audit_records()
    used = [e for e in records if e["action"] == "broker.http" and e["type"] == "response"]
    assert used
    assert used[-1]["path"] == "secret/data/dev/github"
    assert used[-1]["parameters"]["host"] == f"127.0.0.1:{upstream.port}"
    calls = [e for e in records if e["action"] == "broker.http.upstream"]
    assert [e["type"] for e in calls] == ["request", "response"]
    assert calls[-1]["parameters"]["status"] == 200
    assert calls[-1]["trace_id"] == used[-1]["trace_id"]
    assert not leaked(instance.settings.resolved_audit_file.read_text())


def test_host_not_in_allowed_hosts_is_refused_and_audited(
    instance: Instance, agent: str, upstream: Upstream, elsewhere: Upstream
) -> None:
    """An injected instruction to send the secret elsewhere gets a 403 egress_denied."""
    r = broker(instance, agent, url=f"{elsewhere.base}/echo", headers={"X-Key": REF})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "egress_denied"
    assert elsewhere.requests == []
    assert upstream.requests == []
    denied = [
        e
        for e in instance.audit_records()
        if e["action"] == "broker.http" and e.get("error_code") == "egress_denied"
    ]
    assert denied
    assert denied[-1]["result"] == "denied"
    assert denied[-1]["parameters"]["host"] == f"127.0.0.1:{elsewhere.port}"


def test_loopback_is_refused_unless_listed(
    instance: Instance, agent: str, upstream: Upstream
) -> None:
    """A secret listing only a public host cannot be sent to 127.0.0.1."""
    put_secret(instance, "dev/api", {"key": TOKEN}, allowed_hosts="api.example.com")
    r = broker(
        instance,
        agent,
        url=f"{upstream.base}/",
        headers={"X-Key": '{{secret "secret/data/dev/api#key"}}'},
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "egress_denied"
    assert upstream.requests == []


def test_wildcard_host_resolving_to_loopback_is_refused(
    instance: Instance, agent: str, upstream: Upstream
) -> None:
    """*.example.test lets a name through only if it resolves to public addresses."""
    put_secret(instance, "dev/wild", {"key": TOKEN}, allowed_hosts="*.example.test")
    assert instance.cg.brokered is not None
    instance.cg.brokered.resolver = lambda host, port: ["127.0.0.1"]
    r = broker(
        instance,
        agent,
        url=f"http://api.example.test:{upstream.port}/",
        headers={"X-Key": '{{secret "secret/data/dev/wild#key"}}'},
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "egress_denied"
    assert "loopback" in r.json()["error"]["message"]
    assert upstream.requests == []


def test_exact_name_connects_to_the_address_checked(
    instance: Instance, agent: str, upstream: Upstream
) -> None:
    """The call goes to the resolved, checked address with the listed name as Host."""
    put_secret(instance, "dev/named", {"key": TOKEN}, allowed_hosts=f"svc.internal:{upstream.port}")
    assert instance.cg.brokered is not None
    asked: list[str] = []
    instance.cg.brokered.resolver = lambda host, port: asked.append(host) or ["127.0.0.1"]
    r = broker(
        instance,
        agent,
        url=f"http://svc.internal:{upstream.port}/plain",
        headers={"X-Key": '{{secret "secret/data/dev/named#key"}}'},
    )
    assert r.status_code == 200, r.text
    assert asked == ["svc.internal"]
    assert upstream.requests[0]["headers"]["Host"] == f"svc.internal:{upstream.port}"
    assert upstream.requests[0]["headers"]["X-Key"] == TOKEN


def test_redirect_is_returned_not_followed(
    instance: Instance, agent: str, upstream: Upstream, elsewhere: Upstream
) -> None:
    """A 3xx to another host comes back as is; the other host never sees the secret."""
    upstream.redirect_to = f"{elsewhere.base}/steal"
    r = broker(instance, agent, url=f"{upstream.base}/redirect", headers={"X-Key": REF})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == 302
    assert r.json()["headers"]["location"] == f"{elsewhere.base}/steal"
    assert elsewhere.requests == []
    assert len(upstream.requests) == 1


@pytest.mark.parametrize("path", ["/big", "/bigstream"])
def test_oversize_response_is_refused(
    instance: Instance, agent: str, upstream: Upstream, path: str
) -> None:
    """A response over max_response_bytes is a 502 upstream_too_large, nothing of it returned."""
    r = broker(
        instance,
        agent,
        url=f"{upstream.base}{path}",
        headers={"X-Key": REF},
        max_response_bytes=10_000,
    )
    assert r.status_code == 502, r.text
    assert r.json()["error"]["code"] == "upstream_too_large"
    assert "xxxx" not in r.text
    assert "yyyy" not in r.text


def test_timeout_is_a_504(instance: Instance, agent: str, upstream: Upstream) -> None:
    """An upstream that does not answer in time gives upstream_timeout, audited as an error."""
    r = broker(instance, agent, url=f"{upstream.base}/slow", headers={"X-Key": REF}, timeout=0.3)
    assert r.status_code == 504, r.text
    assert r.json()["error"]["code"] == "upstream_timeout"
    calls = [e for e in instance.audit_records() if e["action"] == "broker.http.upstream"]
    assert calls[-1]["error_code"] == "upstream_timeout"


def test_without_read_on_the_secret_nothing_is_sent(
    instance: Instance, upstream: Upstream, agent: str
) -> None:
    """A token whose policies do not grant read on the secret's path gets a 403."""
    other = instance.agent_token("nosy", 'path "secret/data/other/*" { capabilities = ["read"] }')
    r = broker(instance, other, url=f"{upstream.base}/echo", headers={"X-Key": REF})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "permission_denied"
    assert upstream.requests == []


def test_pci_secret_is_only_suggested_by_default(
    instance: Instance, agent: str, upstream: Upstream
) -> None:
    """Critical data: brokered use becomes a suggestion; nothing is sent."""
    put_secret(
        instance,
        "cards/stripe",
        {"key": TOKEN},
        data_class="pci",
        allowed_hosts=f"127.0.0.1:{upstream.port}",
    )
    ref = '{{secret "secret/data/cards/stripe#key"}}'
    r = broker(instance, agent, url=f"{upstream.base}/echo", headers={"X-Key": ref})
    assert r.status_code == 202, r.text
    assert r.json()["error"]["code"] == "suggestion_recorded"
    assert upstream.requests == []


def test_pci_secret_with_opt_in_runs_after_approval(
    instance: Instance, agent: str, upstream: Upstream
) -> None:
    """A namespace raising the critical read maximum gets approval-gated brokered use."""
    put_secret(
        instance,
        "cards/stripe",
        {"key": TOKEN},
        data_class="pci",
        allowed_hosts=f"127.0.0.1:{upstream.port}",
    )
    instance.ok(
        "PUT", "sys/risk-config", json={"config": 'autonomy "critical" {\n  read_max = 1\n}\n'}
    )
    body = {
        "url": f"{upstream.base}/echo",
        "headers": {"Authorization": 'Bearer {{secret "secret/data/cards/stripe#key"}}'},
    }
    r = instance.call("POST", "broker/http", agent, json=body)
    assert r.status_code == 202, r.text
    assert r.json()["error"]["code"] == "approval_required"
    approval = r.json()["pending"]["id"]
    instance.ok("POST", f"sys/approvals/{approval}/approve", json={"reason": "ok"})
    # The approval is for this brokered call: it does not let the agent read the value.
    read = instance.call(
        "GET", "secret/data/cards/stripe", agent, headers={"X-Credgate-Approval": approval}
    )
    assert read.status_code == 403
    r = instance.call(
        "POST", "broker/http", agent, json=body, headers={"X-Credgate-Approval": approval}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == 200
    assert not leaked(r.text)
    assert upstream.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"


def test_production_secret_is_used_with_a_notification(
    instance: Instance, agent: str, upstream: Upstream
) -> None:
    """A production read is notify-level for a reveal; brokered, it runs autonomously."""
    put_secret(
        instance,
        "prod/api",
        {"key": TOKEN},
        environment="production",
        allowed_hosts=f"127.0.0.1:{upstream.port}",
    )
    ref = '{{secret "secret/data/prod/api#key"}}'
    r = broker(instance, agent, url=f"{upstream.base}/", headers={"X-Key": ref})
    assert r.status_code == 200, r.text
    assert r.json()["credgate"]["secrets"][0]["autonomy"] == 3


@pytest.mark.parametrize(
    "body",
    [
        {"url": "http://127.0.0.1:1/", "headers": {"X": '{{secret "secret/data/dev/github"}}'}},
        {"url": "http://127.0.0.1:1/", "headers": {"X": "{{ secret oops }}"}},
        {"url": 'http://{{secret "secret/data/dev/github#token"}}.evil.test/'},
        {"url": "ftp://127.0.0.1/", "headers": {"X": REF}},
        {"url": "http://u:p@127.0.0.1/", "headers": {"X": REF}},
        {"url": "http://127.0.0.1:1/", "headers": {"Host": REF}},
        {"url": "http://127.0.0.1:1/"},
    ],
    ids=["no-field", "malformed", "in-host", "scheme", "userinfo", "host-header", "no-secret"],
)
def test_bad_requests_are_400(instance: Instance, agent: str, body: dict[str, Any]) -> None:
    """Malformed references, references in the host, odd schemes: a 400 before anything runs."""
    r = broker(instance, agent, **body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "invalid_request"


def test_short_value_is_not_used(instance: Instance, agent: str, upstream: Upstream) -> None:
    """A value too short to be masked reliably is refused rather than sent."""
    ref = '{{secret "secret/data/dev/github#short"}}'
    r = broker(instance, agent, url=f"{upstream.base}/", headers={"X-Key": ref})
    assert r.status_code == 400
    assert upstream.requests == []


def test_an_approved_brokered_call_does_not_approve_a_reveal(
    instance: Instance, agent: str, upstream: Upstream
) -> None:
    """The approval binds this call (method, URL, host): presenting it for a read gives no value."""
    put_secret(
        instance,
        "prod/api",
        {"key": TOKEN},
        environment="production",
        allowed_hosts=f"127.0.0.1:{upstream.port}",
    )
    config = 'autonomy "medium" {\n  read = 1\n  read_max = 1\n}\n'
    instance.ok("PUT", "sys/risk-config", json={"config": config})
    body = {
        "url": f"{upstream.base}/",
        "headers": {"X-Key": '{{secret "secret/data/prod/api#key"}}'},
    }
    r = instance.call("POST", "broker/http", agent, json=body)
    assert r.status_code == 202, r.text
    approval = r.json()["pending"]["id"]
    instance.ok("POST", f"sys/approvals/{approval}/approve", json={"reason": "ok"})
    approved = {"X-Credgate-Approval": approval}
    read = instance.call("GET", "secret/data/prod/api", agent, headers=approved)
    assert read.status_code != 200
    assert TOKEN not in read.text
    other = {**body, "url": f"{upstream.base}/other"}
    r = instance.call("POST", "broker/http", agent, json=other, headers=approved)
    assert r.status_code != 200
    assert upstream.requests == []
    r = instance.call("POST", "broker/http", agent, json=body, headers=approved)
    assert r.status_code == 200, r.text
    assert upstream.requests[0]["headers"]["X-Key"] == TOKEN


def test_a_value_echoed_into_header_names_is_withheld(
    instance: Instance, agent: str, upstream: Upstream
) -> None:
    """A header whose name holds the value (as is, hex, base64, upper-cased: shown lower-case it
    would be the value) is dropped, not renamed, and only counted; values and body are masked
    in escaped forms too."""
    r = broker(instance, agent, url=f"{upstream.base}/hostile", headers={"X-Key": REF})
    assert r.status_code == 200, r.text
    out = r.json()
    assert not leaked(r.text)
    assert TOKEN.lower() not in r.text.lower()
    names = set(out["headers"])
    assert "x-plain" in names
    assert not any(name.startswith(("x-ghp", "x-h-", "x-b-", "x-up-")) for name in names)
    assert out["credgate"]["headers_withheld"] == 4
    assert out["headers"]["x-value"] == "[REDACTED:known_value]"
    assert json.loads(out["body"]) == {"pct": "[REDACTED:known_value]"}


def test_plain_answers_withhold_no_header(
    instance: Instance, agent: str, upstream: Upstream
) -> None:
    """Without a value in a name nothing is withheld: the count is 0."""
    r = broker(instance, agent, url=f"{upstream.base}/plain", headers={"X-Key": REF})
    assert r.status_code == 200, r.text
    assert r.json()["credgate"]["headers_withheld"] == 0


def test_an_approval_binds_the_body_and_the_headers(
    instance: Instance, agent: str, upstream: Upstream
) -> None:
    """Approved for amount=1: another body, an extra header or another header value is refused
    (403, nothing sent); a transport header may differ; the exact call is served once."""
    put_secret(
        instance,
        "prod/pay",
        {"key": TOKEN},
        environment="production",
        allowed_hosts=f"127.0.0.1:{upstream.port}",
    )
    config = 'autonomy "medium" {\n  read = 1\n  read_max = 1\n}\n'
    instance.ok("PUT", "sys/risk-config", json={"config": config})
    body = {
        "method": "POST",
        "url": f"{upstream.base}/pay",
        "headers": {"X-Key": '{{secret "secret/data/prod/pay#key"}}', "X-Account": "acct_1"},
        "body": "amount=1",
    }
    r = instance.call("POST", "broker/http", agent, json=body)
    assert r.status_code == 202, r.text
    approval = r.json()["pending"]["id"]
    instance.ok("POST", f"sys/approvals/{approval}/approve", json={"reason": "ok"})
    approved = {"X-Credgate-Approval": approval}
    tampered = [
        {**body, "body": "amount=1000000"},
        {**body, "headers": {**body["headers"], "X-Extra": "1"}},
        {**body, "headers": {**body["headers"], "X-Account": "acct_2"}},
        {**body, "headers": {**body["headers"], "Accept": '{{secret "secret/data/prod/pay#key"}}'}},
        {**body, "body": None},
    ]
    for other in tampered:
        r = instance.call("POST", "broker/http", agent, json=other, headers=approved)
        assert r.status_code == 403, (other, r.text)
        assert "different request" in r.json()["error"]["message"]
    assert upstream.requests == []
    same = {**body, "headers": {**body["headers"], "User-Agent": "another-client/2"}}
    r = instance.call("POST", "broker/http", agent, json=same, headers=approved)
    assert r.status_code == 200, r.text
    assert [req["body"] for req in upstream.requests] == ["amount=1"]
    again = instance.call("POST", "broker/http", agent, json=body, headers=approved)
    assert again.status_code != 200
    assert len(upstream.requests) == 1


def test_the_approval_binding_holds_no_value_and_audits_header_names() -> None:
    """The binding: method, URL template, headers (lower-case name, template; transport ones
    without a reference left out), the body's SHA-256 and length; never a value."""
    plan = plan_request(
        schemas.BrokerHttp(
            method="POST",
            url="https://api.example.com/pay",
            headers={"X-Key": REF, "Accept": "application/json", "User-Agent": REF},
            body="amount=1",
        )
    )
    binding = plan.binding()
    assert binding == {
        "method": "POST",
        "url": "https://api.example.com/pay",
        "host": "api.example.com:443",
        "headers": [["user-agent", REF], ["x-key", REF]],
        "body": {"sha256": hashlib.sha256(b"amount=1").hexdigest(), "bytes": 8},
    }
    assert TOKEN not in json.dumps(binding)
