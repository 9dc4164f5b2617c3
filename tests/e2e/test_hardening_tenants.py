"""Issue 15, findings 1, 2, 3 and 8, attacked the way an outsider would: over real HTTP against
a real ``credgate serve`` (embedded SQLite, file audit) on 127.0.0.1.

1. the audit-trail API shows a tenant only its own namespace (and an operator its children);
2. nobody mints a token more powerful than their own (agents never for another principal);
3. a use-limited token never creates a child with more uses than it has left;
8. a UTF-16 body is refused with a 4xx and a hint, and nothing is stored.

One server for the module; each test works in namespaces of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from credgate_server import Server, start_server

pytestmark = pytest.mark.e2e

TENANT_ADMIN = (
    'path "*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }\n'
)
AUDIT_READER = 'path "sys/audit-trail/*" { capabilities = ["read", "update", "sudo"] }\n'
TOKEN_MINTER = (
    'path "auth/token/*" { capabilities = ["create", "read", "update", "sudo"] }\n'
    'path "secret/data/*" { capabilities = ["read"] }\n'
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with start_server(tmp_path_factory.mktemp("hardening")) as running:
        yield running


class Tenant:
    """A namespace with its own admin operator, made by the root operator over HTTP."""

    def __init__(self, server: Server, name: str | None = None, parent: str = "") -> None:
        self.server = server
        self.name = name or "t" + uuid.uuid4().hex[:10]
        self.path = f"{parent}{self.name}/"
        parent_headers = {"X-Credgate-Namespace": parent} if parent else {}
        with server.client() as root:
            r = root.post(
                f"/v1/sys/namespaces/{self.name}", json={"mount_kv": True}, headers=parent_headers
            )
        assert r.status_code == 200, r.text
        self.admin = self.operator("admin", TENANT_ADMIN)

    def _root(self, method: str, path: str, **kw: Any) -> httpx.Response:
        with self.server.client() as root:
            r = root.request(
                method, "/v1/" + path, headers={"X-Credgate-Namespace": self.path}, **kw
            )
        assert r.status_code in (200, 204), (path, r.status_code, r.text)
        return r

    def policy(self, name: str, text: str) -> None:
        self._root("PUT", f"sys/policies/acl/{name}", json={"policy": text})

    def operator(self, name: str, policy_text: str) -> str:
        self.policy(f"{name}-pol", policy_text)
        self._root("POST", f"sys/operators/{name}", json={"policies": [f"{name}-pol"]})
        r = self._root("POST", "auth/token/create", json={"operator": name})
        token: str = r.json()["auth"]["client_token"]
        return token

    def agent(self, name: str, policy_text: str, **token_args: Any) -> str:
        self.policy(f"{name}-pol", policy_text)
        body = {"owner": "o@example.com", "policies": [f"{name}-pol"]}
        self._root("POST", f"sys/agents/{name}", json=body)
        r = self._root("POST", "auth/token/create", json={"agent": name, **token_args})
        token: str = r.json()["auth"]["client_token"]
        return token

    def client(self, token: str, session: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"}
        if session:
            headers["X-Credgate-Session"] = session
        return httpx.Client(base_url=self.server.addr, timeout=30, headers=headers)


# -- finding 1: the audit-trail API is scoped to the caller's namespace -------------------------


def _victim_activity(tenant: Tenant, value: str) -> str:
    """The victim tenant's agent reads a secret with reasoning; returns its session id."""
    tenant._root("POST", "secret/data/dev/app", json={"data": {"password": value}})
    token = tenant.agent("bot", 'path "secret/data/dev/*" { capabilities = ["read"] }\n')
    session = "victim-" + uuid.uuid4().hex[:8]
    with tenant.client(token, session) as c:
        r = c.get(
            "/v1/secret/data/dev/app",
            headers={"X-Credgate-Reasoning": "victim-reasoning-marker"},
        )
        assert r.status_code == 200, r.text
    return session


def test_a_tenant_admin_sees_only_its_own_namespace_in_search(server: Server) -> None:
    """A hostile tenant's admin (path "*" with sudo in its namespace) finds no event of
    another tenant by search, by session timeline or by value hash; its own events it finds."""
    victim, attacker = Tenant(server), Tenant(server)
    value = "victim-value-" + uuid.uuid4().hex
    session = _victim_activity(victim, value)
    with attacker.client(attacker.admin) as c:
        attacker._root("POST", "secret/data/mine", json={"data": {"k": "attacker-own-1"}})
        r = c.get("/v1/sys/audit-trail/search", params={"limit": "1000"})
        assert r.status_code == 200, r.text
        events = r.json()["data"]["events"]
        assert events, "the tenant's own events must be visible"
        assert {e["namespace"] for e in events} == {attacker.path}
        assert victim.path not in r.text
        assert "victim-reasoning-marker" not in r.text

        r = c.get(f"/v1/sys/audit-trail/session/{session}")
        assert r.status_code == 404

        r = c.post("/v1/sys/audit-trail/hash", json={"value": value})
        assert r.status_code == 200
        assert r.json()["data"]["found"] is False
        assert r.json()["data"]["events"] == []

    # The victim's own admin and the root operator do find it.
    with victim.client(victim.admin) as c:
        assert c.post("/v1/sys/audit-trail/hash", json={"value": value}).json()["data"]["found"]
        r = c.get(f"/v1/sys/audit-trail/session/{session}")
        assert r.status_code == 200
        assert "secret/data/dev/app" in r.text
    with server.client() as c:
        assert c.post("/v1/sys/audit-trail/hash", json={"value": value}).json()["data"]["found"]


def test_an_agent_granted_the_audit_api_sees_only_its_namespace(server: Server) -> None:
    """An agent whose policy grants sys/audit-trail/* reads its own namespace only."""
    victim, attacker = Tenant(server), Tenant(server)
    value = "victim-value-" + uuid.uuid4().hex
    _victim_activity(victim, value)
    spy = attacker.agent("spy", AUDIT_READER)
    with attacker.client(spy) as c:
        r = c.get("/v1/sys/audit-trail/search", params={"limit": "1000"})
        assert r.status_code == 200, r.text
        assert {e["namespace"] for e in r.json()["data"]["events"]} <= {attacker.path}
        assert not c.post("/v1/sys/audit-trail/hash", json={"value": value}).json()["data"]["found"]


def test_a_child_namespace_admin_cannot_see_its_parent_but_the_parent_sees_it(
    server: Server,
) -> None:
    """Scope goes down the tree only: a child's admin sees nothing of the parent; the
    parent's admin sees the child's events."""
    parent = Tenant(server)
    child = Tenant(server, parent=parent.path)
    parent_value = "parent-value-" + uuid.uuid4().hex
    child_value = "child-value-" + uuid.uuid4().hex
    _victim_activity(parent, parent_value)
    _victim_activity(child, child_value)
    with child.client(child.admin) as c:
        assert not c.post("/v1/sys/audit-trail/hash", json={"value": parent_value}).json()["data"][
            "found"
        ]
        events = c.get("/v1/sys/audit-trail/search", params={"limit": "1000"}).json()["data"][
            "events"
        ]
        assert events
        assert {e["namespace"] for e in events} == {child.path}
    with parent.client(parent.admin) as c:
        assert c.post("/v1/sys/audit-trail/hash", json={"value": child_value}).json()["data"][
            "found"
        ]


# -- finding 2: no token minting beyond one's own rights ----------------------------------------


def test_an_agent_cannot_mint_an_operator_token_or_another_agents(server: Server) -> None:
    """The attack: an agent holding auth/token/* asked for auth/token/create/operator/<admin>
    and got the admin's policies. Now every principal-targeted mint by an agent is a 403."""
    tenant = Tenant(server)
    tenant.agent("other", 'path "secret/data/other/*" { capabilities = ["read"] }\n')
    minter = tenant.agent("minter", TOKEN_MINTER)
    with tenant.client(minter) as c:
        for body in ({"operator": "admin"}, {"agent": "other"}, {"agent": "minter"}):
            r = c.post("/v1/auth/token/create", json=body)
            assert r.status_code == 403, (body, r.text)
            assert r.json()["error"]["code"] == "permission_denied"
            assert "client_token" not in r.text
        # A child of its own token, with a subset of its policies, is still fine.
        r = c.post("/v1/auth/token/create", json={"policies": ["minter-pol"], "ttl": "5m"})
        assert r.status_code == 200, r.text
        child = r.json()["auth"]
        assert child["principal_kind"] == "agent"
        assert set(child["policies"]) <= {"minter-pol", "default"}
        # ... and never with a policy it does not hold.
        r = c.post("/v1/auth/token/create", json={"policies": ["admin-pol"]})
        assert r.status_code == 403


def test_an_operator_cannot_mint_a_more_powerful_operator(server: Server) -> None:
    """An operator allowed to create tokens mints an agent's token (provisioning) but not the
    tenant admin's; minting an operator with a subset of its own policies still works."""
    tenant = Tenant(server)
    provisioner = tenant.operator(
        "provisioner", 'path "auth/token/create/*" { capabilities = ["update"] }\n'
    )
    tenant.agent("worker", 'path "secret/data/dev/*" { capabilities = ["read"] }\n')
    tenant._root("POST", "sys/operators/peer", json={"policies": ["provisioner-pol"]})
    with tenant.client(provisioner) as c:
        r = c.post("/v1/auth/token/create", json={"operator": "admin"})
        assert r.status_code == 403, r.text
        assert "admin-pol" in r.json()["error"]["message"]
        r = c.post("/v1/auth/token/create", json={"operator": "admin", "policies": ["admin-pol"]})
        assert r.status_code == 403
        r = c.post("/v1/auth/token/create", json={"agent": "worker"})
        assert r.status_code == 200, r.text
        assert r.json()["auth"]["policies"] == ["worker-pol", "default"]
        r = c.post("/v1/auth/token/create", json={"operator": "peer"})
        assert r.status_code == 200, r.text
    # The root operator of the tenant (root token) may mint anyone.
    r = tenant._root("POST", "auth/token/create", json={"operator": "admin"})
    assert "admin-pol" in r.json()["auth"]["policies"]


def test_every_mint_is_audited_with_who_and_what(server: Server) -> None:
    """The token.create response event names the new token's principal and policies, and the
    request event the creator's accessor."""
    tenant = Tenant(server)
    tenant.agent("audited", 'path "secret/data/x" { capabilities = ["read"] }\n')
    with tenant.client(tenant.admin) as c:
        r = c.post("/v1/auth/token/create", json={"agent": "audited"})
        assert r.status_code == 200
        accessor = r.json()["auth"]["accessor"]
        me = c.get("/v1/auth/token/lookup-self").json()["data"]["accessor"]
        events = c.get(
            "/v1/sys/audit-trail/search", params={"path": "auth/token/create/agent/audited"}
        ).json()["data"]["events"]
    response = [e for e in events if e["type"] == "response" and e["result"] == "ok"][-1]
    assert response["token_accessor"] == me
    assert response["parameters"]["accessor"] == accessor
    assert response["parameters"]["policies"] == ["audited-pol", "default"]
    assert response["parameters"]["principal_kind"] == "agent"


# -- finding 3: a child never gets more uses than its parent has left ---------------------------


def test_a_use_limited_token_cannot_create_an_unlimited_child(server: Server) -> None:
    """The attack: a num_uses=2 token spent one use creating a num_uses=0 child that served 5
    reads. Now the child gets at most the uses its parent has left."""
    tenant = Tenant(server)
    tenant._root("POST", "secret/data/app", json={"data": {"k": "use-limited-value"}})
    limited = tenant.agent("limited", TOKEN_MINTER, num_uses=2)
    with tenant.client(limited) as c:
        r = c.post("/v1/auth/token/create", json={"num_uses": 0})
        assert r.status_code == 400, r.text
        assert "num_uses" in r.json()["error"]["message"]
        # A refused request spends no use (its transaction rolled back): 2 are left, this
        # request spends one, so the child may have 1.
        r = c.post("/v1/auth/token/create", json={"num_uses": 2})
        assert r.status_code == 400, r.text
        r = c.post("/v1/auth/token/create", json={"num_uses": 1})
        assert r.status_code == 200, r.text
        child = r.json()["auth"]["client_token"]
    with tenant.client(child) as c:
        assert c.get("/v1/secret/data/app").status_code == 200
        assert c.get("/v1/secret/data/app").status_code == 403
    with tenant.client(limited) as c:  # the parent had one use left, and spends it now
        assert c.get("/v1/secret/data/app").status_code == 200
        assert c.get("/v1/secret/data/app").status_code == 403


# -- finding 8: the API speaks UTF-8 only ----------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_a_body_that_is_not_plain_utf8_is_refused_and_not_stored(
    server: Server, encoding: str
) -> None:
    """A UTF-16 (or UTF-32, or BOM-prefixed) JSON body gets a 400 with a hint, and no secret
    version is written."""
    tenant = Tenant(server)
    body = '{"data": {"password": "utf16-stored"}}'.encode(encoding)
    with tenant.client(tenant.admin) as c:
        r = c.post(
            "/v1/secret/data/enc", content=body, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert error["code"] == "invalid_request"
        assert "UTF-8" in error["message"] + error["hint"]
        assert c.get("/v1/secret/data/enc").status_code == 404


def test_a_utf8_body_with_non_ascii_text_is_accepted(server: Server, tmp_path: Path) -> None:
    """The guard for the test above: real UTF-8 with non-ASCII characters is fine."""
    tenant = Tenant(server)
    with tenant.client(tenant.admin) as c:
        body = '{"data": {"password": "pässwörd-ünïcode"}}'.encode()
        r = c.post(
            "/v1/secret/data/enc", content=body, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 200, r.text
        assert c.get("/v1/secret/data/enc").json()["data"]["data"]["password"] == (
            "pässwörd-ünïcode"
        )
