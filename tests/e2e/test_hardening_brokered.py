"""Issue 15, findings 4, 6 and 7, attacked the way an outsider would: a real ``credgate serve``
(embedded SQLite, file audit) on 127.0.0.1, a hostile upstream that an operator allowed (a
real HTTP server on 127.0.0.1), and the agent calling over HTTP and through ``credgate mcp``.

4. a value echoed into response header *names* (as is, hex, base64url) is withheld, not
   renamed, and counted;
6. an approval for a brokered call binds its body and headers: it cannot be redeemed for
   ``amount=1000000``, with an extra header or with another header value;
7. a value percent-encoded byte by byte (either hex case, or twice), ``\\u``-escaped or written
   as HTML character references, in the body or a header value, is masked.

The namespaces allow brokered use of critical (``pci``) data after an operator's approval,
as in the attack run. One server and one upstream for the module; a namespace per test.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from credgate_server import CREDGATE, Server, start_server
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

pytestmark = pytest.mark.e2e

# A pci value made of header-name characters only, so it can be echoed into a name as is.
CARD = "pci-4111-Zq8rT3vW-canary-77aB"
REF = '{{secret "secret/data/pay/card#number"}}'
AGENT_POLICY = 'path "secret/data/pay/*" { capabilities = ["read"] }\n'
CRITICAL_BROKERED = 'autonomy "critical" {\n  read_max = 1\n}\n'
MARK = "[REDACTED:known_value]"


def pct(value: str, *, lower: bool = False) -> str:
    out = "".join(f"%{b:02X}" for b in value.encode())
    return out.lower() if lower else out


def js_escaped(value: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in value)


def html_decimal(value: str) -> str:
    return "".join(f"&#{ord(c)};" for c in value)


def html_hex(value: str) -> str:
    return "".join(f"&#x{ord(c):X}" for c in value)  # no ';': browsers accept it too


def name_forms(value: str) -> dict[str, str]:
    """Header names carrying the value: each would hand it to the agent."""
    raw = value.encode()
    return {
        "as-is": f"X-{value}",
        "hex": f"X-H-{raw.hex()}",
        "HEX": f"X-HU-{raw.hex().upper()}",
        "base64url": f"X-B-{base64.urlsafe_b64encode(raw).decode().rstrip('=')}",
    }


def escaped_forms(value: str) -> dict[str, str]:
    """The value in forms that a list of exact encodings does not cover."""
    return {
        "pct": pct(value),
        "pct-lower": pct(value, lower=True),
        "pct-twice": pct(value).replace("%", "%25"),
        "js": js_escaped(value),
        "html-decimal": html_decimal(value),
        "html-hex": html_hex(value),
        "mixed": "".join(
            c if i % 3 == 0 else pct(c) if i % 3 == 1 else f"&#{ord(c)};"
            for i, c in enumerate(value)
        ),
    }


class HostileUpstream:
    """An allowed host that reflects the credential it receives (``X-Key``) every way it can.

    ``/reflect``: the value in header names (:func:`name_forms`), in header values and in the
    body (:func:`escaped_forms`), plus one harmless header. Anything else: ``{"ok": true}``.
    Every request is recorded.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                upstream.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                seen = self.headers.get("x-key", "")
                headers: list[tuple[str, str]] = [("X-Harmless", "kept")]
                if self.path.startswith("/reflect") and seen:
                    headers += [(name, "1") for name in name_forms(seen).values()]
                    headers += [(f"X-Echo-{k}", v) for k, v in escaped_forms(seen).items()]
                    payload = "\n".join(f"{k}: {v}" for k, v in escaped_forms(seen).items())
                else:
                    payload = '{"ok": true}'
                data = payload.encode()
                self.send_response(200)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with start_server(tmp_path_factory.mktemp("hardening-brokered")) as running:
        yield running


@pytest.fixture(scope="module")
def upstream() -> Iterator[HostileUpstream]:
    service = HostileUpstream()
    try:
        yield service
    finally:
        service.close()


class Tenant:
    """A namespace (made by the root operator) whose risk config lets critical data be used in
    brokered calls after approval, a pci secret allowed to the upstream, and an agent."""

    def __init__(self, server: Server, upstream: HostileUpstream) -> None:
        self.server = server
        self.name = "b" + uuid.uuid4().hex[:10]
        self.path = f"{self.name}/"
        self.root("POST", f"sys/namespaces/{self.name}", json={"mount_kv": True}, ns=False)
        self.root("PUT", "sys/risk-config", json={"config": CRITICAL_BROKERED})
        self.root("POST", "secret/data/pay/card", json={"data": {"number": CARD}})
        meta = {"data_class": "pci", "allowed_hosts": f"127.0.0.1:{upstream.port}"}
        self.root("POST", "secret/metadata/pay/card", json={"custom_metadata": meta})
        self.root("PUT", "sys/policies/acl/payer", json={"policy": AGENT_POLICY})
        agent = {"owner": "o@example.com", "policies": ["payer"]}
        self.root("POST", "sys/agents/payer", json=agent)
        answer = self.root("POST", "auth/token/create", json={"agent": "payer", "ttl": "1h"})
        self.token: str = answer.json()["auth"]["client_token"]

    def root(self, method: str, path: str, *, ns: bool = True, **kw: Any) -> httpx.Response:
        headers = {"X-Credgate-Namespace": self.path} if ns else {}
        with self.server.client() as root:
            r = root.request(method, "/v1/" + path, headers=headers, **kw)
        assert r.status_code in (200, 204), (path, r.status_code, r.text)
        return r

    def approve(self, approval_id: str) -> None:
        self.root("POST", f"sys/approvals/{approval_id}/approve", json={"reason": "ok"})

    def broker(self, body: dict[str, Any], approval_id: str | None = None) -> httpx.Response:
        headers = {"X-Credgate-Approval": approval_id} if approval_id else {}
        with httpx.Client(
            base_url=self.server.addr, timeout=30, headers={"Authorization": f"Bearer {self.token}"}
        ) as agent:
            return agent.post("/v1/broker/http", json=body, headers=headers)

    def approved_call(self, body: dict[str, Any]) -> httpx.Response:
        """Ask, have an operator approve, and repeat the call with the approval."""
        first = self.broker(body)
        assert first.status_code == 202, first.text
        assert first.json()["error"]["code"] == "approval_required"
        approval = first.json()["pending"]["id"]
        self.approve(approval)
        return self.broker(body, approval)


def every_string(value: Any) -> Iterator[str]:
    """Every string of a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from every_string(item)
    elif isinstance(value, list):
        for item in value:
            yield from every_string(item)


def assert_nothing_reflected(answer: Any) -> None:
    """No form the upstream used, in any string the agent received (names compared in lower
    case: that is how they would be shown)."""
    forms = [CARD, *name_forms(CARD).values(), *escaped_forms(CARD).values()]
    for text in every_string(answer):
        for form in forms:
            assert form.lower() not in text.lower(), (form, text[:200])


# -- findings 4 and 7: what a hostile allowed upstream sends back ---------------------------------


def test_reflected_value_in_header_names_and_escapes_never_reaches_the_agent(
    server: Server, upstream: HostileUpstream
) -> None:
    """Over HTTP: the names carrying the value are withheld and counted, the escaped forms in
    header values and the body are masked, the harmless header is kept."""
    tenant = Tenant(server, upstream)
    r = tenant.approved_call({"url": f"{upstream.base}/reflect", "headers": {"X-Key": REF}})
    assert r.status_code == 200, r.text
    assert upstream.requests[-1]["headers"]["X-Key"] == CARD  # the upstream did get it
    answer = r.json()
    assert_nothing_reflected(answer)
    assert CARD.lower() not in r.text.lower()
    headers = answer["headers"]
    assert headers["x-harmless"] == "kept"
    assert answer["credgate"]["headers_withheld"] == len(name_forms(CARD))
    assert not [name for name in headers if name.startswith(("x-pci", "x-h-", "x-hu-", "x-b-"))]
    for name in escaped_forms(CARD):
        assert headers[f"x-echo-{name}"] == MARK, name
    lines = answer["body"].split("\n")
    assert lines == [f"{name}: {MARK}" for name in escaped_forms(CARD)]


def test_reflected_value_never_reaches_the_agent_through_mcp(
    server: Server, upstream: HostileUpstream, tmp_path: Path
) -> None:
    """Through ``credgate mcp`` driven by the official MCP client: the same hostile answer,
    after an operator's approval, holds none of the reflected forms."""
    tenant = Tenant(server, upstream)
    seen: dict[str, Any] = {}
    arguments = {
        "method": "GET",
        "url": f"{upstream.base}/reflect/mcp",
        "headers": {"X-Key": REF},
    }

    async def call(session: ClientSession, **extra: Any) -> dict[str, Any]:
        result = await session.call_tool("call_http_with_secret", {**arguments, **extra})
        text = "".join(getattr(block, "text", "") for block in result.content)
        assert CARD.lower() not in text.lower()
        parsed: dict[str, Any] = json.loads(text)
        return parsed

    async def scenario(session: ClientSession) -> None:
        held = await call(session)
        assert held["status"] == "pending_approval", held
        tenant.approve(held["approval_id"])
        seen["ok"] = await call(session, approval_id=held["approval_id"])

    params = StdioServerParameters(
        command=str(CREDGATE),
        args=["mcp"],
        env={
            "CREDGATE_ADDR": server.addr,
            "CREDGATE_TOKEN": tenant.token,
            "CREDGATE_SESSION": "brokered-hardening",
        },
        cwd=str(tmp_path),
    )
    errlog = tmp_path / "mcp.stderr"

    async def main() -> None:
        with errlog.open("w") as err:
            async with (
                stdio_client(params, errlog=err) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                await scenario(session)

    anyio.run(main)
    ok = seen["ok"]
    assert ok["status"] == "ok", ok
    assert upstream.requests[-1]["path"] == "/reflect/mcp"
    assert_nothing_reflected(ok)
    response = ok["response"]
    assert response["credgate"]["headers_withheld"] == len(name_forms(CARD))
    assert response["headers"]["x-harmless"] == "kept"
    assert MARK in response["body"]
    assert CARD not in errlog.read_text(errors="replace")


# -- finding 6: an approval binds the whole call ---------------------------------------------


def test_an_approval_for_amount_1_is_not_redeemed_for_another_call(
    server: Server, upstream: HostileUpstream
) -> None:
    """Approved: POST amount=1 with given headers. Redeeming it for amount=1000000, with an
    extra header, with another header value or without the body is refused and nothing is
    sent; the exact approved call is then served, once."""
    tenant = Tenant(server, upstream)
    url = f"{upstream.base}/pay?order=7"
    body = {
        "method": "POST",
        "url": url,
        "headers": {"X-Key": REF, "X-Account": "acct_1", "Content-Type": "text/plain"},
        "body": "amount=1",
    }
    first = tenant.broker(body)
    assert first.status_code == 202, first.text
    approval = first.json()["pending"]["id"]
    tenant.approve(approval)
    # What the operator was shown carries no value.
    shown = tenant.root("GET", f"sys/approvals/{approval}").text
    assert CARD not in shown

    before = len(upstream.requests)
    tampered = {
        "bigger amount": {**body, "body": "amount=1000000"},
        "extra header": {**body, "headers": {**body["headers"], "X-Override": "1"}},
        "other header value": {**body, "headers": {**body["headers"], "X-Account": "acct_2"}},
        "other content type": {
            **body,
            "headers": {**body["headers"], "Content-Type": "application/json"},
        },
        "no body": {**body, "body": None},
        "other url": {**body, "url": f"{upstream.base}/pay?order=8"},
    }
    for what, other in tampered.items():
        r = tenant.broker(other, approval)
        assert r.status_code == 403, (what, r.status_code, r.text)
        assert r.json()["error"]["code"] == "permission_denied", what
        assert "different request" in r.json()["error"]["message"], what
    assert len(upstream.requests) == before, "a refused redemption reached the upstream"

    served = tenant.broker(body, approval)
    assert served.status_code == 200, served.text
    assert len(upstream.requests) == before + 1
    sent = upstream.requests[-1]
    assert sent["body"] == "amount=1"
    assert sent["headers"]["X-Key"] == CARD
    assert sent["headers"]["X-Account"] == "acct_1"
    assert "X-Override" not in sent["headers"]
    again = tenant.broker(body, approval)
    assert again.status_code != 200
    assert len(upstream.requests) == before + 1


def test_a_transport_header_may_differ_but_not_when_it_carries_a_secret(
    server: Server, upstream: HostileUpstream
) -> None:
    """A reference-free User-Agent or Accept is not part of the binding (a client may set its
    own); the same header carrying a secret reference is."""
    tenant = Tenant(server, upstream)
    body = {"url": f"{upstream.base}/ok", "headers": {"X-Key": REF, "User-Agent": "client/1"}}
    first = tenant.broker(body)
    assert first.status_code == 202, first.text
    approval = first.json()["pending"]["id"]
    tenant.approve(approval)
    smuggle = {**body, "headers": {**body["headers"], "Accept": f"text/plain, {REF}"}}
    r = tenant.broker(smuggle, approval)
    assert r.status_code == 403, r.text
    other_client = {**body, "headers": {"X-Key": REF, "User-Agent": "client/2", "Accept": "*/*"}}
    r = tenant.broker(other_client, approval)
    assert r.status_code == 200, r.text
    assert upstream.requests[-1]["headers"]["User-Agent"] == "client/2"
