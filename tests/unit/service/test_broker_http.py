"""The broker pipeline driven through the real ASGI app (SQLite, file audit, real barrier)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

Instance = Any  # the `instance` fixture (tests/conftest.py)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def instance(request: pytest.FixtureRequest) -> Any:
    """Every test here runs on the embedded SQLite default and on a real PostgreSQL."""
    name = "instance" if request.param == "sqlite" else "instance_pg"
    return request.getfixturevalue(name)


DEV_READ = """
path "secret/data/dev/*" { capabilities = ["read", "list"] }
path "secret/metadata/dev/*" { capabilities = ["read", "list"] }
path "secret/data/prod/*" { capabilities = ["deny"] }
"""

CAN_CREATE_CHILD = 'path "auth/token/create" { capabilities = ["update"] }\n'


def _seed(inst: Instance) -> None:
    inst.ok("POST", "secret/data/dev/app", json={"data": {"password": "dev-pw-1"}})
    inst.ok("POST", "secret/data/prod/db", json={"data": {"password": "prod-pw-1"}})


def test_agent_reads_allowed_secret_and_is_denied_the_other(instance: Instance) -> None:
    """An agent gets the development value its policy allows and a clean 403 for production."""
    _seed(instance)
    token = instance.agent_token("bot", DEV_READ)
    r = instance.call("GET", "secret/data/dev/app", token)
    assert r.status_code == 200
    assert r.json()["data"]["data"] == {"password": "dev-pw-1"}
    r = instance.call("GET", "secret/data/prod/db", token)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "permission_denied"
    assert "prod-pw-1" not in r.text


@pytest.mark.parametrize(
    "token",
    ["", "nope", "cg_" + "a" * 39, "Bearer x", "cg_" + "0" * 33 + "000000"],
)
def test_every_bad_token_gets_the_same_answer(instance: Instance, token: str) -> None:
    """Unknown and malformed tokens all get the identical permission-denied envelope."""
    _seed(instance)
    r = instance.client.get("/v1/secret/data/dev/app", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403
    assert r.json()["error"] == {
        "code": "permission_denied",
        "message": "permission denied",
        "hint": "check the token and its policies (credgate token lookup-self)",
    }


def test_expired_and_revoked_tokens_are_refused_like_unknown_ones(instance: Instance) -> None:
    """A token stops working when its TTL passes, and after revocation, with the same answer."""
    _seed(instance)
    short = instance.agent_token("bot", DEV_READ, ttl="60s")
    assert instance.call("GET", "secret/data/dev/app", short).status_code == 200
    instance.clock.advance(61)
    expired = instance.call("GET", "secret/data/dev/app", short)
    assert expired.status_code == 403
    other = instance.ok("POST", "auth/token/create", json={"agent": "bot"})["auth"]
    instance.ok("POST", "auth/token/revoke-accessor", json={"accessor": other["accessor"]})
    revoked = instance.call("GET", "secret/data/dev/app", other["client_token"])
    assert revoked.status_code == 403
    assert revoked.json() == expired.json()


def test_use_count_limits_a_token(instance: Instance) -> None:
    """A token created with num_uses=2 serves exactly two requests."""
    _seed(instance)
    token = instance.agent_token("bot", DEV_READ, num_uses=2)
    codes = [instance.call("GET", "secret/data/dev/app", token).status_code for _ in range(3)]
    assert codes == [200, 200, 403]


def test_revoking_a_parent_revokes_its_children(instance: Instance) -> None:
    """Child tokens die with their parent."""
    _seed(instance)
    parent = instance.agent_token("bot", DEV_READ + CAN_CREATE_CHILD)
    child = instance.ok("POST", "auth/token/create", parent, json={})["auth"]["client_token"]
    assert instance.call("GET", "secret/data/dev/app", child).status_code == 200
    instance.ok("POST", "auth/token/revoke-self", parent)
    assert instance.call("GET", "secret/data/dev/app", child).status_code == 403


def test_child_token_cannot_gain_policies(instance: Instance) -> None:
    """A token cannot mint a child carrying a policy it does not hold."""
    instance.ok(
        "PUT",
        "sys/policies/acl/admin",
        json={"policy": 'path "*" { capabilities = ["sudo", "read", "update", "create", "list"] }'},
    )
    parent = instance.agent_token("bot", DEV_READ + CAN_CREATE_CHILD)
    r = instance.call("POST", "auth/token/create", parent, json={"policies": ["admin"]})
    assert r.status_code == 403


def test_audit_trail_records_requests_with_hmacs_only(instance: Instance) -> None:
    """Each request leaves a request and a response event; served values appear only as HMACs."""
    canary = "canary-" + os.urandom(8).hex()
    instance.ok("POST", "secret/data/dev/app", json={"data": {"password": canary}})
    token = instance.agent_token("bot", DEV_READ)
    r = instance.call(
        "GET",
        "secret/data/dev/app",
        token,
        headers={
            "X-Credgate-Session": "sess-1",
            "X-Credgate-Reasoning": "deploying",
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        },
    )
    assert r.status_code == 200
    raw = instance.settings.resolved_audit_file.read_text()
    assert canary not in raw
    records = instance.audit_records()
    mine = [x for x in records if x.get("session_id") == "sess-1"]
    assert [x["type"] for x in mine] == ["request", "response"]
    request, response = mine
    assert request["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert request["context"]["reasoning"] == "deploying"
    assert response["result"] == "ok"
    assert response["decision"]["policies"] == ["bot-pol"]
    assert response["values"]
    assert all(v.startswith("hmac-sha256:") for v in response["values"].values())
    found = instance.ok("POST", "sys/audit-trail/hash", json={"value": canary})["data"]
    assert found["found"] is True
    verdict = instance.ok("POST", "sys/audit-trail/verify")["data"]
    assert verdict["ok"] is True


def test_denied_requests_are_audited(instance: Instance) -> None:
    """A refused request leaves an audit event with result 'denied'."""
    _seed(instance)
    token = instance.agent_token("bot", DEV_READ)
    instance.call("GET", "secret/data/prod/db", token, headers={"X-Credgate-Session": "s-deny"})
    events = [x for x in instance.audit_records() if x.get("session_id") == "s-deny"]
    assert [x["result"] for x in events] == ["pending", "denied"]
    response = events[1]
    assert response["agent_id"].startswith("agt_")
    assert response["namespace"] == ""
    assert response["decision"]["allowed"] is False
    assert response["decision"]["token_policies"] == ["bot-pol", "default"]


def test_audit_failure_serves_nothing(instance: Instance) -> None:
    """Fail closed: when the audit file cannot be written, the secret is not served."""
    _seed(instance)
    token = instance.agent_token("bot", DEV_READ)
    audit_file = instance.settings.resolved_audit_file
    # Root ignores permission bits, so replace the file by a directory: appends must fail.
    for sink in instance.cg.sinks:
        sink.close()
    audit_file.unlink()
    audit_file.mkdir()
    r = instance.call("GET", "secret/data/dev/app", token)
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "audit_unavailable"
    assert "dev-pw-1" not in r.text


def test_values_are_encrypted_at_rest(instance: Instance) -> None:
    """The raw database (files for SQLite, every row for PostgreSQL) never holds a stored value."""
    canary = "at-rest-" + os.urandom(8).hex()
    instance.ok("POST", "secret/data/dev/app", json={"data": {"k": canary}})
    engine = instance.cg.store.engine
    if engine.dialect.name == "sqlite":
        files = Path(instance.settings.data_dir).glob("credgate.db*")
        raw = b"".join(p.read_bytes() for p in files)
    else:
        with engine.connect() as conn:
            tables = [
                t
                for (t,) in conn.execute(
                    sa.text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                )
            ]
            raw = "".join(
                str(row[0])
                for t in tables
                for row in conn.execute(
                    # table names come from pg_tables, not from input
                    sa.text(f'SELECT x::text FROM "{t}" x')  # noqa: S608
                )
            ).encode()
            assert b"secret/" in raw  # the rows were really read
    assert raw
    assert canary.encode() not in raw
    assert canary.encode().hex().encode() not in raw  # bytea columns print as hex


def test_kv_versions_cas_delete_undelete_destroy_rollback(instance: Instance) -> None:
    """KV v2 behaves as OpenBao's: versions, check-and-set, soft delete, destroy, rollback."""
    p = "secret/data/dev/app"
    assert instance.ok("POST", p, json={"data": {"v": "1"}})["data"]["version"] == 1
    assert (
        instance.ok("POST", p, json={"data": {"v": "2"}, "options": {"cas": 1}})["data"]["version"]
        == 2
    )
    conflict = instance.call("POST", p, json={"data": {"v": "x"}, "options": {"cas": 1}})
    assert conflict.status_code == 409
    assert instance.ok("GET", p + "?version=1")["data"]["data"] == {"v": "1"}
    instance.ok("POST", "secret/delete/dev/app", json={"versions": [2]})
    assert instance.call("GET", p).status_code == 404
    instance.ok("POST", "secret/undelete/dev/app", json={"versions": [2]})
    assert instance.ok("GET", p)["data"]["data"] == {"v": "2"}
    instance.ok("POST", "secret/destroy/dev/app", json={"versions": [1]})
    assert instance.call("GET", p + "?version=1").status_code == 404
    instance.ok("POST", "secret/data/dev/other", json={"data": {"a": "b"}})
    assert instance.ok("GET", "secret/metadata/dev/?list=true")["data"]["keys"] == ["app", "other"]
    meta = instance.ok("GET", "secret/metadata/dev/app")["data"]
    assert meta["current_version"] == 2
    assert meta["versions"]["1"]["destroyed"] is True
    instance.ok("POST", "secret/data/dev/app", json={"data": {"v": "3"}})
    assert (
        instance.ok("POST", "secret/rollback/dev/app", json={"version": 2})["data"]["version"] == 4
    )
    assert instance.ok("GET", p)["data"]["data"] == {"v": "2"}


def test_metadata_is_validated(instance: Instance) -> None:
    """environment and data_class only take the documented values."""
    r = instance.call(
        "POST", "secret/metadata/dev/app", json={"custom_metadata": {"environment": "prod"}}
    )
    assert r.status_code == 400
    instance.ok(
        "POST",
        "secret/metadata/dev/app",
        json={"custom_metadata": {"environment": "production", "data_class": "pci"}},
    )
    meta = instance.ok("GET", "secret/metadata/dev/app")["data"]
    assert meta["custom_metadata"] == {"environment": "production", "data_class": "pci"}


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "secret/data/dev/x", b"{not json", 400, "invalid_request"),
        ("POST", "secret/data/dev/x", b'["a"]', 400, "invalid_request"),
        ("POST", "secret/data/dev/x", b'{"data": {"a": 1}, "bogus": 1}', 400, "invalid_request"),
        ("POST", "secret/data/dev/x", b'{"data": "str"}', 400, "invalid_request"),
        ("POST", "sys/agents/bot", b'{"description": "no owner"}', 400, "invalid_request"),
        ("POST", "auth/token/create", b'{"ttl": "forever"}', 400, "invalid_request"),
        ("POST", "auth/token/create", b'{"ttl": -5}', 400, "invalid_request"),
        (
            "PUT",
            "sys/policies/acl/p",
            b'{"policy": "path \\"x\\" { capabilities = [\\"fly\\"] }"}',
            400,
            "invalid_policy",
        ),
        ("GET", "secret/data/dev/x%00y", None, 400, "invalid_path"),
        ("GET", "secret/data/dev/%2e%2e/x", None, 400, "invalid_path"),
        ("GET", "secret/data/dev%2fx", None, 400, "invalid_path"),
        ("GET", "sys/nothing-here", None, 404, "not_found"),
        ("DELETE", "auth/token/create", None, 405, "method_not_allowed"),
    ],
)
def test_bad_input_gets_a_clear_4xx(
    instance: Instance, method: str, path: str, body: bytes | None, status: int, code: str
) -> None:
    """Malformed or invalid requests get a 4xx with a stable code, message and hint."""
    r = instance.client.request(method, "/v1/" + path, content=body, headers=instance.headers())
    assert r.status_code == status, r.text
    err: dict[str, Any] = r.json()["error"]
    assert err["code"] == code
    assert err["message"]
    assert err["hint"]


def test_oversize_body_is_refused_without_writing(instance: Instance) -> None:
    """A body over max_request_bytes gets 413 and nothing is stored."""
    big = json.dumps({"data": {"blob": "x" * (instance.settings.max_request_bytes + 10)}})
    r = instance.client.post("/v1/secret/data/dev/big", content=big, headers=instance.headers())
    assert r.status_code == 413
    assert instance.call("GET", "secret/data/dev/big").status_code == 404


def test_policy_parse_error_names_line_and_column(instance: Instance) -> None:
    """A bad policy is refused with its line and column, and is not stored."""
    r = instance.call(
        "PUT", "sys/policies/acl/bad", json={"policy": 'path "a" {\n  capabilities = ["read"\n}'}
    )
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith("policy bad:3:1: ")
    assert instance.call("GET", "sys/policies/acl/bad").status_code == 404


def test_namespaces_isolate_agents(instance: Instance) -> None:
    """An agent of one namespace cannot read another's secrets, whatever header it sends."""
    instance.ok("POST", "sys/namespaces/acme")
    instance.ok("POST", "sys/namespaces/globex")
    instance.ok(
        "POST",
        "secret/data/dev/app",
        json={"data": {"who": "acme"}},
        headers={"X-Credgate-Namespace": "acme"},
    )
    instance.ok(
        "POST",
        "secret/data/dev/app",
        json={"data": {"who": "globex"}},
        headers={"X-Credgate-Namespace": "globex"},
    )
    token = instance.agent_token("bot", DEV_READ, namespace="acme")
    assert instance.ok("GET", "secret/data/dev/app", token)["data"]["data"] == {"who": "acme"}
    for spoof in ("globex", "../globex", "/globex", "acme/../globex", ""):
        r = instance.call(
            "GET", "secret/data/dev/app", token, headers={"X-Credgate-Namespace": spoof}
        )
        assert r.status_code in (200, 400, 403)
        assert "globex" not in r.text or r.status_code != 200
    # The operator of the root may address a child by header.
    assert instance.ok("GET", "secret/data/dev/app", headers={"X-Credgate-Namespace": "globex"})[
        "data"
    ]["data"] == {"who": "globex"}


def test_openapi_and_health_and_metrics(instance: Instance) -> None:
    """The OpenAPI document, health check and Prometheus metrics are served."""
    doc = instance.client.get("/v1/openapi.json").json()
    assert "/v1/sys/agents/{name}" in doc["paths"]
    assert instance.client.get("/v1/sys/health").json()["database"] == "ok"
    instance.call("GET", "secret/data/dev/none")
    assert "credgate_requests_total" in instance.client.get("/metrics").text


def test_lookup_renew_and_capabilities_self(instance: Instance) -> None:
    """Every token may look itself up, renew within its max TTL and ask its capabilities."""
    token = instance.agent_token("bot", DEV_READ, ttl="60s", max_ttl="120s")
    info = instance.ok("GET", "auth/token/lookup-self", token)["data"]
    assert info["policies"] == ["bot-pol", "default"]
    instance.clock.advance(50)
    renewed = instance.ok("POST", "auth/token/renew-self", token, json={})["data"]
    assert renewed["expires_at"] == pytest.approx(instance.clock.now() + 60)
    caps = instance.ok(
        "POST",
        "sys/capabilities-self",
        token,
        json={"paths": ["secret/data/dev/x", "secret/data/prod/x"]},
    )["data"]
    assert caps["secret/data/dev/x"] == ["list", "read"]
    assert caps["secret/data/prod/x"] == ["deny"]


def test_database_files_are_private(instance: Instance) -> None:
    """The embedded database (ciphertexts, token hashes) is readable by its owner only."""
    instance.ok("POST", "secret/data/dev/app", json={"data": {"k": "v"}})
    if instance.cg.store.engine.dialect.name != "sqlite":
        pytest.skip("file modes apply to the embedded SQLite database")
    for path in Path(instance.settings.data_dir).glob("credgate.db*"):
        assert path.stat().st_mode & 0o077 == 0, path
