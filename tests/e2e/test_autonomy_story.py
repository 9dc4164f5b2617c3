"""Issue 4, end to end over real HTTP on 127.0.0.1: risk tiers, autonomy levels, approvals,
notifications to a real webhook receiver, taint, the pci guardrail and time-bound elevation.

The server is the real ASGI app under uvicorn in a thread, built with a manual clock so the
test can move time past an approval's or an elevation's end without sleeping.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from credgate_server import free_port

from credgate.adapters.http.app import create_app
from credgate.clock import ManualClock
from credgate.service.app import build, initialise
from credgate.service.settings import load_settings

pytestmark = pytest.mark.e2e

AGENT_POLICY = """
path "secret/data/*" { capabilities = ["read", "create", "update"] }
path "secret/metadata/*" { capabilities = ["read", "list"] }
"""
PAYMENTS_POLICY = 'path "secret/data/pay/*" { capabilities = ["read"] }\n'


class Receiver:
    """A webhook receiver: a real HTTP server on 127.0.0.1 recording what it gets."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.events.append(json.loads(body))
                received.headers.append(dict(self.headers))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, kind: str, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events:
                if event.get("type") == kind:
                    return event
            time.sleep(0.05)
        kinds = [e.get("type") for e in self.events]
        raise AssertionError(f"no {kind} notification; got {kinds}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Story:
    def __init__(self, tmp_path: Path) -> None:
        settings = load_settings(env={}, overrides={"data_dir": tmp_path / "cg"})
        result = initialise(settings, env={})
        assert result.token is not None
        self.root = result.token
        self.clock = ManualClock(start=time.time())
        self.cg = build(
            load_settings(env={}, overrides={"data_dir": tmp_path / "cg"}), env={}, clock=self.clock
        )
        port = free_port()
        config = uvicorn.Config(
            create_app(self.cg), host="127.0.0.1", port=port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}/v1/", timeout=30)

    def call(
        self, method: str, path: str, token: str | None = None, body: object = None, **headers: str
    ) -> httpx.Response:
        h = {"Authorization": f"Bearer {token or self.root}"}
        h.update({k.replace("_", "-"): v for k, v in headers.items()})
        return self.http.request(method, path, json=body, headers=h)

    def ok(
        self, method: str, path: str, token: str | None = None, body: object = None, **headers: str
    ) -> Any:
        r = self.call(method, path, token, body, **headers)
        assert r.status_code in (200, 204), (method, path, r.status_code, r.text)
        return r.json() if r.status_code == 200 else None

    def close(self) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.cg.close()


@pytest.fixture
def story(tmp_path: Path) -> Iterator[Story]:
    s = Story(tmp_path)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    try:
        yield r
    finally:
        r.close()


def _secret(s: Story, path: str, value: str, **labels: str) -> None:
    s.ok("POST", f"secret/data/{path}", body={"data": {"value": value}})
    s.ok("POST", f"secret/metadata/{path}", body={"custom_metadata": labels})


def _setup(s: Story, receiver: Receiver) -> str:
    s.ok("POST", "sys/webhooks/ops", body={"url": receiver.url, "events": ["*"]})
    s.ok("PUT", "sys/policies/acl/agent", body={"policy": AGENT_POLICY})
    s.ok("PUT", "sys/policies/acl/payments", body={"policy": PAYMENTS_POLICY})
    s.ok("POST", "sys/agents/deployer", body={"owner": "alice@example.com", "policies": ["agent"]})
    _secret(s, "dev/app", "dev-value", environment="development")
    _secret(s, "prod/db", "prod-value-1", environment="production")
    _secret(s, "prod/other", "other-value", environment="production")
    _secret(s, "pay/card", "4111-pci-value", environment="production", data_class="pci")
    token: str = s.ok("POST", "auth/token/create", body={"agent": "deployer", "ttl": "8h"})["auth"][
        "client_token"
    ]
    return token


def test_the_whole_autonomy_story(story: Story, receiver: Receiver) -> None:
    """Levels 3, 2, 1 and 0, approvals bound to one request, taint and elevation expiry."""
    s = story
    agent = _setup(s, receiver)

    # Level 3: a development read is served, autonomously.
    dev = s.ok("GET", "secret/data/dev/app", agent)
    assert dev["data"]["data"] == {"value": "dev-value"}
    assert dev["credgate"]["autonomy"] == 3
    assert dev["credgate"]["verdict"] == "allow"

    # Level 2: a production read is served and a human is told, by webhook.
    prod = s.ok("GET", "secret/data/prod/db", agent, x_credgate_session="s-1")
    assert prod["data"]["data"] == {"value": "prod-value-1"}
    assert prod["credgate"]["autonomy"] == 2
    note = receiver.wait_for("notify.action")
    assert note["subject"]["path"] == "secret/data/prod/db"
    assert "prod-value-1" not in json.dumps(receiver.events)

    # Level 1: a production write waits for an operator.
    write = {"data": {"value": "prod-value-2"}}
    held = s.call("POST", "secret/data/prod/db", agent, write)
    assert held.status_code == 202, held.text
    pending = held.json()["pending"]
    assert held.json()["error"]["code"] == "approval_required"
    assert pending["kind"] == "approval"
    approval_id = pending["id"]
    assert receiver.wait_for("approval.requested")["subject"]["approval_id"] == approval_id
    # Not served before approval; the agent may follow its own request.
    assert (
        s.call(
            "POST", "secret/data/prod/db", agent, write, x_credgate_approval=approval_id
        ).status_code
        == 409
    )
    assert s.ok("GET", f"sys/approvals/{approval_id}", agent)["data"]["status"] == "pending"
    # The requesting agent can never approve.
    assert (
        s.call("POST", f"sys/approvals/{approval_id}/approve", agent, {"reason": "me"}).status_code
        == 403
    )
    s.ok("POST", f"sys/approvals/{approval_id}/approve", body={"reason": "change ticket 42"})
    assert receiver.wait_for("approval.granted")["subject"]["approval_id"] == approval_id
    done = s.ok("GET", f"sys/approvals/{approval_id}?wait=2s", agent)
    assert done["data"]["status"] == "approved"
    # The approval is bound to the exact request: another path or another value is refused.
    other = s.call("POST", "secret/data/prod/other", agent, write, x_credgate_approval=approval_id)
    assert other.status_code == 403, other.text
    assert "path" in other.json()["error"]["message"]
    wrong_value = s.call(
        "POST",
        "secret/data/prod/db",
        agent,
        {"data": {"value": "evil"}},
        x_credgate_approval=approval_id,
    )
    assert wrong_value.status_code == 403
    # Served exactly once; a replay fails and writes nothing.
    served = s.ok("POST", "secret/data/prod/db", agent, write, x_credgate_approval=approval_id)
    assert served["data"]["version"] == 2
    replay = s.call("POST", "secret/data/prod/db", agent, write, x_credgate_approval=approval_id)
    assert replay.status_code == 409, replay.text
    assert replay.json()["error"]["code"] == "conflict"
    assert s.ok("GET", "secret/metadata/prod/db")["data"]["current_version"] == 2

    # Level 0: a pci secret never reaches the agent, with or without an approval.
    pci = s.call("GET", "secret/data/pay/card", agent)
    assert pci.status_code == 403
    assert pci.json()["error"]["code"] == "guardrail"
    assert "4111" not in pci.text
    assert (
        s.call("GET", "secret/data/pay/card", agent, x_credgate_approval=approval_id).status_code
        == 403
    )
    # An operator (a human) can still read it.
    assert s.ok("GET", "secret/data/pay/card")["data"]["data"] == {"value": "4111-pci-value"}

    # A tainted session drops a level: production reads now need approval in that session.
    s.ok(
        "POST",
        "sys/sessions/s-taint/taint",
        agent,
        {"reason": "read a web page with hidden text"},
        x_credgate_session="s-taint",
    )
    tainted = s.call("GET", "secret/data/prod/db", agent, x_credgate_session="s-taint")
    assert tainted.status_code == 202
    assert tainted.json()["pending"]["autonomy"] == 1
    dev_tainted = s.ok("GET", "secret/data/dev/app", agent, x_credgate_session="s-taint")
    assert dev_tainted["credgate"]["autonomy"] == 2
    # Taint follows the token: the same token in another session stays held (issue 15) ...
    escaped = s.call("GET", "secret/data/prod/db", agent, x_credgate_session="s-clean")
    assert escaped.status_code == 202
    # ... while a fresh token of the agent (a new task) in a clean session is not affected.
    fresh = s.ok("POST", "auth/token/create", body={"agent": "deployer", "ttl": "1h"})["auth"][
        "client_token"
    ]
    clean = s.ok("GET", "secret/data/prod/db", fresh, x_credgate_session="s-clean")
    assert clean["credgate"]["autonomy"] == 2

    # Every step is in the audit trail, and the trail verifies.
    assert s.ok("POST", "sys/audit-trail/verify")["data"]["ok"] is True
    assert "prod-value-2" not in (s.cg.settings.resolved_audit_file.read_text())


def test_elevation_expires_by_itself_and_never_reveals_pci(
    story: Story, receiver: Receiver
) -> None:
    """A granted elevation is a child token that expires on its own; pci stays hidden."""
    s = story
    agent = _setup(s, receiver)
    s.ok(
        "PUT",
        "sys/elevation-profiles/payments",
        body={"policies": ["payments"], "max_ttl": "30m", "approval_required": True},
    )
    requested = s.ok(
        "POST",
        "sys/elevations",
        agent,
        {"profile": "payments", "justification": "refund ticket 7", "duration": "10m"},
    )
    elevation_id = requested["data"]["id"]
    assert requested["data"]["status"] == "pending"
    s.ok("POST", f"sys/elevations/{elevation_id}/approve", body={"reason": "ok for ticket 7"})
    active = s.ok("POST", f"sys/elevations/{elevation_id}/activate", agent, {})
    elevated = active["auth"]["client_token"]
    assert "payments" in active["auth"]["policies"]
    # The elevation grants the policy, but the pci guardrail still holds.
    refused = s.call("GET", "secret/data/pay/card", elevated)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "guardrail"
    assert s.ok("GET", "secret/data/dev/app", elevated)["data"]["data"] == {"value": "dev-value"}
    listed = s.ok("GET", "sys/elevations?list=true")["data"]
    assert elevation_id in json.dumps(listed)
    # Time passes beyond the elevation's TTL: the elevated token stops working by itself.
    s.clock.advance(11 * 60)
    assert s.call("GET", "secret/data/dev/app", elevated).status_code == 403
    assert s.ok("GET", "secret/data/dev/app", agent)["data"]["data"] == {"value": "dev-value"}


@pytest.mark.parametrize("case", ["unknown", "expired", "self", "bad-body"])
def test_bad_approval_input_gets_a_clear_4xx(story: Story, receiver: Receiver, case: str) -> None:
    """Unknown, expired or self-approved approvals and bad bodies get a clear 4xx, never a 500."""
    s = story
    agent = _setup(s, receiver)
    held = s.call("POST", "secret/data/prod/db", agent, {"data": {"value": "x"}})
    approval_id = held.json()["pending"]["id"]
    if case == "unknown":
        r = s.call("GET", "sys/approvals/apr_doesnotexist")
        assert r.status_code == 404
        r = s.call(
            "POST",
            "secret/data/prod/db",
            agent,
            {"data": {"value": "x"}},
            x_credgate_approval="apr_doesnotexist",
        )
        assert r.status_code == 404
    elif case == "expired":
        s.clock.advance(16 * 60)
        r = s.call("POST", f"sys/approvals/{approval_id}/approve", body={"reason": "late"})
        assert r.status_code == 409
        assert s.ok("GET", f"sys/approvals/{approval_id}")["data"]["status"] == "expired"
    elif case == "self":
        r = s.call("POST", f"sys/approvals/{approval_id}/approve", agent, {})
        assert r.status_code == 403
    else:
        r = s.call("POST", f"sys/approvals/{approval_id}/approve", body={"reason": 5})
        assert r.status_code == 400
    assert r.json()["error"]["code"]
    assert r.json()["error"]["hint"]
