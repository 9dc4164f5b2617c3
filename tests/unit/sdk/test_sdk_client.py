"""The sync SDK client against a scripted server: headers, fresh reads, paths, request bodies."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from credgate.errors import ConfigError, InvalidPath, InvalidRequest, NotFound
from credgate.sdk import Client, SecretData

TOKEN = "cg_testtoken123"
TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-01$")


def make(server: Any, **kwargs: Any) -> Client:
    kwargs.setdefault("token", TOKEN)
    return Client("http://credgate.test", transport=server.transport, **kwargs)


def test_every_call_carries_token_session_and_trace(server: Any) -> None:
    """The audit trail can tie an agent's calls together: one session, one trace, new spans."""
    server.handler = lambda r: server.secret_answer({"k": "v"})
    with make(server, namespace="acme/") as cg:
        cg.read_secret("dev/app")
        cg.lookup_self()
    first, second = server.requests
    for request in (first, second):
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["x-credgate-namespace"] == "acme/"
        assert request.headers["x-credgate-session"] == cg.session_id
        assert request.headers["cache-control"] == "no-store"
    one = TRACEPARENT.match(first.headers["traceparent"])
    two = TRACEPARENT.match(second.headers["traceparent"])
    assert one
    assert two
    assert one.group(1) == two.group(1) == cg.trace_id
    assert one.group(2) != two.group(2)


def test_session_ids_differ_between_clients_unless_given(server: Any) -> None:
    """Two agents' clients do not share a session in the audit trail; a given id is kept."""
    with make(server) as one, make(server) as two:
        assert one.session_id != two.session_id
    with make(server, session_id="ses-task-42") as given:
        assert given.session_id == "ses-task-42"


def test_configured_traceparent_is_sent_unchanged(server: Any) -> None:
    """An agent already inside a trace sees credgate's events in that trace."""
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    with make(server, traceparent=parent) as cg:
        cg.lookup_self()
        cg.lookup_self()
    assert [r.headers["traceparent"] for r in server.requests] == [parent, parent]


def test_environment_supplies_address_token_namespace_and_session(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CREDGATE_ADDR / CREDGATE_TOKEN / CREDGATE_NAMESPACE / CREDGATE_SESSION need no code."""
    monkeypatch.setenv("CREDGATE_ADDR", "http://10.0.0.9:8300/")
    monkeypatch.setenv("CREDGATE_TOKEN", " cg_fromenv\n")
    monkeypatch.setenv("CREDGATE_NAMESPACE", "acme/")
    monkeypatch.setenv("CREDGATE_SESSION", "ses-from-harness")
    with Client(transport=server.transport) as cg:
        cg.lookup_self()
    assert str(server.last.url) == "http://10.0.0.9:8300/v1/auth/token/lookup-self"
    assert server.last.headers["authorization"] == "Bearer cg_fromenv"
    assert server.last.headers["x-credgate-namespace"] == "acme/"
    assert server.last.headers["x-credgate-session"] == "ses-from-harness"


def test_no_token_sends_no_authorization_header(server: Any) -> None:
    """Without a token nothing is invented; the server answers permission denied."""
    with Client("http://credgate.test", transport=server.transport) as cg:
        cg.lookup_self()
    assert "authorization" not in server.last.headers


def test_agent_context_headers_are_percent_encoded(server: Any) -> None:
    """Prompt and reasoning reach the audit trail intact, whatever characters they hold."""
    with make(server) as cg:
        cg.with_context(prompt="déployer l'app?", reasoning="needs db\nnow").lookup_self()
        cg.lookup_self()
    with_ctx, without = server.requests
    assert with_ctx.headers["x-credgate-prompt"] == "d%C3%A9ployer%20l%27app%3F"
    assert with_ctx.headers["x-credgate-reasoning"] == "needs%20db%0Anow"
    assert with_ctx.headers["x-credgate-session"] == without.headers["x-credgate-session"]
    assert "x-credgate-prompt" not in without.headers


def test_two_reads_are_two_requests_and_see_a_rotation(server: Any) -> None:
    """Nothing caches a value: a rotated secret is seen on the very next read."""
    values = iter(["old-password", "new-password"])
    server.handler = lambda r: server.secret_answer({"password": next(values)})
    with make(server) as cg:
        first = cg.read_secret("prod/db", field="password")
        second = cg.read_secret("prod/db", field="password")
    assert (first, second) == ("old-password", "new-password")
    assert server.paths() == ["GET /v1/secret/data/prod/db"] * 2


@pytest.mark.parametrize("path", ["dev/app", "/dev/app/", "secret/data/dev/app"])
def test_short_and_api_paths_name_the_same_secret(server: Any, path: str) -> None:
    """Both `dev/app` and `secret/data/dev/app` (as in a policy) read the same secret."""
    server.handler = lambda r: server.secret_answer({"user": "app"})
    with make(server) as cg:
        assert cg.read_secret(path) == {"user": "app"}
    assert server.paths() == ["GET /v1/secret/data/dev/app"]


def test_read_secret_version_field_and_mount(server: Any) -> None:
    """An older version, another mount and one field can be asked for."""
    server.handler = lambda r: server.secret_answer({"port": 5432, "host": "db"}, version=2)
    with make(server) as cg:
        port = cg.read_secret("db", field="port", version=2, mount="kv-team")
        entry = cg.read_secret_version("kv-team/data/db", mount="kv-team")
    assert port == "5432"
    assert str(server.requests[0].url) == "http://credgate.test/v1/kv-team/data/db?version=2"
    assert entry.version == 2
    assert entry.data["host"] == "db"


def test_secret_values_stay_out_of_reprs_and_errors(server: Any) -> None:
    """A printed or logged secret, or a missing-field error, never shows a value."""
    server.handler = lambda r: server.secret_answer({"password": "hunter2-canary"})
    with make(server) as cg:
        data = cg.read_secret("prod/db")
        entry = cg.read_secret_version("prod/db")
        with pytest.raises(NotFound) as missing:
            cg.read_secret("prod/db", field="user")
    assert isinstance(data, SecretData)
    for text in (repr(data), str(data), repr(entry), str(missing.value), repr(cg)):
        assert "hunter2-canary" not in text
    assert "password" in repr(data)
    assert "password" in (missing.value.hint or "")
    assert TOKEN not in repr(cg)


def test_write_secret_sends_data_and_cas(server: Any) -> None:
    """A check-and-set write sends the version it expects; the new version comes back."""
    server.handler = lambda r: httpx.Response(200, json={"data": {"version": 3}})
    with make(server) as cg:
        answer = cg.write_secret("secret/data/dev/app", {"k": "v"}, cas=2)
        cg.write_secret("dev/app", {"k": "v"})
    assert answer == {"version": 3}
    assert server.paths() == ["POST /v1/secret/data/dev/app"] * 2
    assert server.body(0) == {"data": {"k": "v"}, "options": {"cas": 2}}
    assert server.body(1) == {"data": {"k": "v"}}


def test_list_uses_get_list_true_on_the_metadata_folder(server: Any) -> None:
    """Listing works through proxies that drop the LIST method."""
    server.handler = lambda r: httpx.Response(200, json={"data": {"keys": ["app", "db/"]}})
    with make(server) as cg:
        assert cg.list_secrets("dev") == ["app", "db/"]
        cg.list_secrets()
    assert [str(r.url) for r in server.requests] == [
        "http://credgate.test/v1/secret/metadata/dev/?list=true",
        "http://credgate.test/v1/secret/metadata/?list=true",
    ]


def test_write_metadata_builds_custom_metadata(server: Any) -> None:
    """Environment, data class, owner and hosts land in custom_metadata as the server wants."""
    with make(server) as cg:
        cg.write_metadata(
            "prod/db",
            environment="production",
            data_class="none",
            owner="alice@example.com",
            allowed_hosts=["db.example.com", "db2.example.com:5432"],
            custom={"team": "payments"},
            max_versions=5,
        )
        cg.write_metadata("prod/db", cas_required=True)
    assert server.paths() == ["POST /v1/secret/metadata/prod/db"] * 2
    assert server.body(0) == {
        "custom_metadata": {
            "team": "payments",
            "environment": "production",
            "data_class": "none",
            "owner": "alice@example.com",
            "allowed_hosts": "db.example.com,db2.example.com:5432",
        },
        "max_versions": 5,
    }
    assert server.body(1) == {"cas_required": True}


def test_version_operations_send_openbao_bodies(server: Any) -> None:
    """Delete, undelete, destroy, rollback and delete-all hit OpenBao's KV v2 paths."""
    with make(server) as cg:
        cg.delete_secret("dev/app")
        cg.delete_secret("dev/app", versions=[1])
        cg.undelete("dev/app", [1, 2])
        cg.destroy("dev/app", [3])
        cg.rollback("dev/app", 1)
        cg.delete_metadata("dev/app")
    assert server.paths() == [
        "DELETE /v1/secret/data/dev/app",
        "POST /v1/secret/delete/dev/app",
        "POST /v1/secret/undelete/dev/app",
        "POST /v1/secret/destroy/dev/app",
        "POST /v1/secret/rollback/dev/app",
        "DELETE /v1/secret/metadata/dev/app",
    ]
    assert [server.body(i) for i in range(1, 5)] == [
        {"versions": [1]},
        {"versions": [1, 2]},
        {"versions": [3]},
        {"version": 1},
    ]


@pytest.mark.parametrize(
    "path", ["../prod/db", "dev/./app", "dev/app?x=1", "dev%2fapp", "", "a//b"]
)
def test_bad_paths_are_refused_before_anything_is_sent(server: Any, path: str) -> None:
    """A path that could mean two things never leaves the client."""
    with make(server) as cg, pytest.raises(InvalidPath):
        cg.read_secret(path)
    assert server.requests == []


@pytest.mark.parametrize("bad", [{"": "canary-v"}, {1: "canary-v"}, ["canary-v"]])
def test_bad_secret_data_is_refused_without_echoing_it(server: Any, bad: Any) -> None:
    """Malformed data is refused locally and the error shows no value."""
    with make(server) as cg, pytest.raises(InvalidRequest) as err:
        cg.write_secret("dev/app", bad)
    assert "canary-v" not in str(err.value)
    assert "canary-v" not in repr(err.value)
    assert server.requests == []


def test_a_name_with_a_slash_cannot_reach_another_endpoint(server: Any) -> None:
    """create_agent('x/disable') must not turn into a request that disables agent x."""
    with make(server) as cg, pytest.raises(InvalidRequest):
        cg.create_agent("x/disable", owner="alice")
    assert server.requests == []


def test_admin_helpers_hit_the_documented_routes(server: Any) -> None:
    """The CLI's helpers map to the routes in docs/reference/http.md."""
    server.handler = lambda r: httpx.Response(200, json={"data": {"keys": []}})
    with make(server) as cg:
        cg.create_namespace("acme", description="ACME")
        cg.list_namespaces()
        cg.create_agent("ci-bot", owner="alice@example.com", policies=["dev-read"])
        cg.update_agent("ci-bot", policies=["dev-read", "prod-read"])
        cg.disable_agent("ci-bot")
        cg.list_operators()
        cg.write_policy("dev-read", 'path "secret/data/dev/*" { capabilities = ["read"] }')
        cg.list_policies()
        cg.enable_mount("kv-team")
        cg.revoke_accessor("acc123")
        cg.capabilities(["secret/data/dev/app"])
    assert server.paths() == [
        "POST /v1/sys/namespaces/acme",
        "GET /v1/sys/namespaces",
        "POST /v1/sys/agents/ci-bot",
        "POST /v1/sys/agents/ci-bot/config",
        "POST /v1/sys/agents/ci-bot/disable",
        "GET /v1/sys/operators",
        "PUT /v1/sys/policies/acl/dev-read",
        "GET /v1/sys/policies/acl",
        "POST /v1/sys/mounts/kv-team",
        "POST /v1/auth/token/revoke-accessor",
        "POST /v1/sys/capabilities-self",
    ]
    assert server.body(2) == {
        "owner": "alice@example.com",
        "description": "",
        "policies": ["dev-read"],
    }
    assert server.body(3) == {"policies": ["dev-read", "prod-read"]}
    assert server.requests[1].url.params["list"] == "true"


def test_create_token_returns_a_token_whose_repr_hides_it(server: Any) -> None:
    """The new token is usable, and printing the result does not leak it."""
    auth = {
        "client_token": "cg_newagenttoken",
        "accessor": "acc1",
        "policies": ["default", "dev-read"],
        "namespace": "acme/",
        "lease_duration": 3600,
        "renewable": True,
        "num_uses": 0,
    }
    server.handler = lambda r: httpx.Response(200, json={"auth": auth})
    with make(server) as cg:
        issued = cg.create_token(agent="ci-bot", policies=["dev-read"], ttl="1h", num_uses=5)
    assert server.body() == {
        "agent": "ci-bot",
        "policies": ["dev-read"],
        "ttl": "1h",
        "num_uses": 5,
    }
    assert issued.token == "cg_newagenttoken"
    assert issued.accessor == "acc1"
    assert "cg_newagenttoken" not in repr(issued)
    assert "cg_newagenttoken" not in str(issued.describe())


def test_capabilities_answers_per_path(server: Any) -> None:
    """An agent can ask what it may do before it tries."""
    answer = {"secret/data/dev/app": ["read"], "capabilities": ["read"]}
    server.handler = lambda r: httpx.Response(200, json={"data": answer})
    with make(server) as cg:
        assert cg.capabilities("secret/data/dev/app") == {"secret/data/dev/app": ["read"]}
    assert server.body() == {"paths": ["secret/data/dev/app"]}


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"addr": "127.0.0.1:8300"}, "invalid credgate address"),
        ({"addr": "ftp://host"}, "invalid credgate address"),
        ({"token": "cg_bad token"}, "token contains"),
        ({"token": "cg_tok\nX-Evil: 1"}, "token contains"),
        ({"session_id": "x" * 129}, "session id"),
        ({"traceparent": "not-a-trace"}, "traceparent"),
    ],
)
def test_bad_configuration_is_a_config_error(kwargs: dict[str, Any], fragment: str) -> None:
    """A wrong address, token or session fails at construction, clearly, without the token."""
    kwargs.setdefault("addr", "http://credgate.test")
    with pytest.raises(ConfigError) as err:
        Client(**kwargs)
    assert fragment in err.value.message
    assert "cg_bad" not in err.value.message
    assert "X-Evil" not in err.value.message


def test_audit_trail_helpers_send_filters_and_return_events(server: Any) -> None:
    """An operator script can search, replay, verify and hash through the SDK."""
    answers = {
        "/v1/sys/audit-trail/search": {"events": [{"path": "secret/data/dev/app"}]},
        "/v1/sys/audit-trail/session/ses-1": {"timeline": ["10:00:00 read ok"]},
        "/v1/sys/audit-trail/verify": {"ok": True},
        "/v1/sys/audit-trail/hash": {"hmac": "ab", "found": False, "events": []},
    }
    server.handler = lambda r: httpx.Response(200, json={"data": answers[r.url.path]})
    with make(server) as cg:
        events = cg.audit_search(agent="agt_1", since="2026-11-25T00:00:00Z", limit=5)
        timeline = cg.audit_session("ses-1")
        verified = cg.audit_verify()
        hashed = cg.audit_hash("value-to-find")
    assert events == [{"path": "secret/data/dev/app"}]
    assert dict(server.requests[0].url.params) == {
        "agent": "agt_1",
        "since": "2026-11-25T00:00:00Z",
        "limit": "5",
    }
    assert timeline == ["10:00:00 read ok"]
    assert verified == {"ok": True}
    assert hashed["found"] is False
    assert server.body(3) == {"value": "value-to-find"}


def test_remaining_admin_helpers_hit_their_routes(server: Any) -> None:
    """Reads, enables and deletes of every administered object reach the right endpoint."""
    server.handler = lambda r: httpx.Response(200, json={"data": {}})
    with make(server) as cg:
        cg.read_namespace("acme/team-a")
        cg.delete_namespace("acme")
        cg.read_operator("bob")
        cg.enable_operator("bob")
        cg.lookup_accessor("acc_1")
        cg.read_policy("dev-read")
        cg.delete_policy("dev-read")
        cg.list_mounts()
        cg.disable_mount("kv-team")
        cg.renew_self("1h")
        cg.revoke_self()
    assert server.paths() == [
        "GET /v1/sys/namespaces/acme/team-a",
        "DELETE /v1/sys/namespaces/acme",
        "GET /v1/sys/operators/bob",
        "POST /v1/sys/operators/bob/enable",
        "POST /v1/auth/token/lookup-accessor",
        "GET /v1/sys/policies/acl/dev-read",
        "DELETE /v1/sys/policies/acl/dev-read",
        "GET /v1/sys/mounts",
        "DELETE /v1/sys/mounts/kv-team",
        "POST /v1/auth/token/renew-self",
        "POST /v1/auth/token/revoke-self",
    ]
    assert server.body(9) == {"increment": "1h"}
