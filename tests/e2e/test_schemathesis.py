"""Schemathesis against ``/v1/openapi.json``: whatever a client sends, the server never fails.

Every operation of the published OpenAPI document is fuzzed (schemathesis's examples, coverage
and fuzzing phases; valid and invalid data) against the in-process ASGI app of a real,
freshly initialised embedded instance, authenticated with the root operator token. Each
instance is seeded first (namespaces with a child, agents, an operator, policies, two more KV
mounts, a secret with versions and metadata, throw-away tokens, an audited session) and
generated path parameters and bodies are steered towards those objects part of the time, so
requests reach existing objects and not only 404s. A request that would lock the run out
(revoking or disabling the root token, unmounting ``secret/``) is pointed at a throw-away
object instead.

Checked on every response: no 5xx, the status code is one the document declares, the content
type and body match the declared schema (one JSON error envelope for every error), and
invalid data is refused with a 4xx.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.parameters import EncodedPath

from credgate.adapters.http.openapi import openapi_document

Instance = Any  # the `instance` fixture (tests/conftest.py)

pytestmark = pytest.mark.e2e

DEV_READ = """
path "secret/data/dev/*" { capabilities = ["read", "list"] }
path "secret/metadata/dev/*" { capabilities = ["read", "list"] }
"""
SESSION = "seed-session"

# fmt: off
# Names the seed creates, offered to the generator for each path parameter.
EXISTING: dict[tuple[str, str], list[str]] = {
    ("/v1/sys/namespaces/{name}", "name"): ["acme", "globex", "empty"],
    ("/v1/sys/agents/{name}", "name"): ["bot", "bot2"],
    ("/v1/sys/agents/{name}/disable", "name"): ["bot2"],
    ("/v1/sys/agents/{name}/enable", "name"): ["bot", "bot2"],
    ("/v1/sys/agents/{name}/config", "name"): ["bot", "bot2"],
    ("/v1/sys/operators/{name}", "name"): ["ops"],
    ("/v1/sys/operators/{name}/disable", "name"): ["ops"],
    ("/v1/sys/operators/{name}/enable", "name"): ["ops"],
    ("/v1/sys/policies/acl/{name}", "name"): ["dev-read", "spare", "default"],
    ("/v1/sys/mounts/{path}", "path"): ["kv2", "kv3"],
    ("/v1/sys/audit-trail/session/{session_id}", "session_id"): [SESSION],
    ("/v1/secret/{path}", "path"): [
        "data/dev/app", "data/dev/new", "metadata/dev/app", "metadata/dev/", "data/dev/",
        "metadata/dev/old", "data/prod/db", "delete/dev/app", "rollback/dev/app",
    ],
}
# Writes of the right shape for the KV paths (the document only says "an object").
KV_WRITES: list[tuple[str, dict[str, Any]]] = [
    ("data/dev/app", {"data": {"password": "generated-pw"}}),
    ("data/dev/new", {"data": {"password": "generated-pw", "user": "u"}, "options": {"cas": 0}}),
    ("data/dev/app", {"data": {"password": "generated-pw"}, "options": {"cas": 2}}),
    ("delete/dev/app", {"versions": [1, 2]}),
    ("undelete/dev/app", {"versions": [1, 2]}),
    ("destroy/dev/old", {"versions": [1]}),
    ("rollback/dev/app", {"version": 1}),
    ("metadata/dev/app", {"max_versions": 5, "custom_metadata": {"environment": "production"}}),
    ("metadata/dev/new", {"cas_required": True, "custom_metadata": {"data_class": "pii"}}),
]
# Headers the API reads that the document does not declare (namespace, session, trace, context).
EXTRA_HEADERS: list[dict[str, str]] = [
    {"X-Credgate-Namespace": "acme"},
    {"X-Credgate-Namespace": "acme/team-a"},
    {"X-Vault-Namespace": "globex/"},
    {"X-Credgate-Namespace": "../acme"},
    {"X-Credgate-Namespace": "nope"},
    {"X-Credgate-Session": "session-1", "traceparent": f"00-{'ab' * 16}-{'cd' * 8}-01"},
    {"X-Credgate-Session": "s" * 200},
    {"traceparent": "00-00000000000000000000000000000000-0000000000000000-01"},
    {"traceparent": "ff-zz"},
    {"X-Credgate-Reasoning": "%ff%fe%", "X-Credgate-Prompt": "%E2%82%AC" * 3000},
    {"X-Credgate-Alternatives": "a%00b", "X-Vault-Token": "not-a-token"},
]
# Query parameters of the KV paths that the document does not declare.
KV_QUERIES: list[dict[str, str]] = [
    {"version": "1"}, {"version": "0"}, {"version": "-1"}, {"version": "99999999999"},
    {"version": "x"}, {"list": "true"}, {"list": "1"}, {"list": "true", "version": "2"},
]
# fmt: on
# Requests that would end the run early, and the harmless object they are pointed at instead.
PROTECTED = {
    ("/v1/sys/operators/{name}/disable", "name", "admin"): "ops",
    ("/v1/sys/mounts/{path}", "path", "secret"): "kv3",
}
SELF_TOKEN_PATHS = {"/v1/auth/token/revoke-self", "/v1/auth/token/renew-self"}


class CurrentApp:
    """An ASGI app that forwards to the app of the test's own fresh instance."""

    def __init__(self) -> None:
        self.app: Any = None
        self.accessors: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.app is not None, "no instance: use the `target` fixture"
        await self.app(scope, receive, send)


CURRENT = CurrentApp()
# The same document /v1/openapi.json serves (test_the_fuzzed_document_is_the_served_one).
schema = schemathesis.openapi.from_dict(openapi_document())
schema.app = CURRENT


def _steer(
    case: Any, params: dict[str, str], body: Any, headers: dict[str, str], query: dict[str, str]
) -> Any:
    # EncodedPath: the slashes of a KV path stay slashes (they are not re-quoted).
    case.path_parameters = {
        **case.path_parameters,
        **{k: EncodedPath(v) for k, v in params.items()},
    }
    if body is not None:
        case.body = body
    case.headers = {**(case.headers or {}), **headers}
    if query:
        case.query = {**(case.query or {}), **query}
    return case


@schema.hook
def flatmap_case(context: Any, case: Any) -> Any:
    """Valid cases: often aimed at a seeded object (invalid ones stay exactly as generated)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return st.just(case)
    template = case.operation.path
    choices: list[tuple[dict[str, str], Any]] = [({}, None)]
    for (path, name), values in EXISTING.items():
        if path == template:
            choices += [({name: value}, None) for value in values]
    if template == "/v1/secret/{path}" and case.method.upper() in ("POST", "PUT"):
        choices += [({"path": path}, body) for path, body in KV_WRITES]
    elif template in ("/v1/auth/token/lookup-accessor", "/v1/auth/token/revoke-accessor"):
        choices += [({}, {"accessor": accessor}) for accessor in CURRENT.accessors]
    elif template == "/v1/sys/policies/acl/{name}" and case.method.upper() == "PUT":
        choices += [({"name": "spare"}, {"policy": DEV_READ}), ({}, {"policy": DEV_READ})]
    elif template == "/v1/auth/token/create":
        choices += [({}, {"agent": "bot"}), ({}, {"operator": "ops", "ttl": "1h"})]
    headers = st.sampled_from([{}, {}, {}, *EXTRA_HEADERS])
    queries = st.sampled_from([{}, *KV_QUERIES] if template == "/v1/secret/{path}" else [{}])
    return st.tuples(st.sampled_from(choices), headers, queries).map(
        lambda chosen: _steer(case, *chosen[0], chosen[1], chosen[2])
    )


def seed(inst: Instance) -> list[str]:
    """Objects for the fuzzer to find; returns the accessors of throw-away agent tokens."""
    inst.ok("POST", "sys/namespaces/acme")
    inst.ok("POST", "sys/namespaces/globex")
    inst.ok("POST", "sys/namespaces/empty")
    inst.ok("POST", "sys/namespaces/team-a", headers={"X-Credgate-Namespace": "acme"})
    inst.ok("PUT", "sys/policies/acl/spare", json={"policy": DEV_READ})
    inst.agent_token("bot", DEV_READ)
    inst.ok("POST", "sys/agents/bot2", json={"owner": "bob@example.com", "policies": ["spare"]})
    inst.ok("POST", "sys/operators/ops", json={"policies": ["spare"]})
    inst.ok("POST", "sys/mounts/kv2", json={"type": "kv"})
    inst.ok("POST", "sys/mounts/kv3", json={"type": "kv"})
    for version in range(3):
        inst.ok("POST", "secret/data/dev/app", json={"data": {"password": f"pw-{version}"}})
    inst.ok("POST", "secret/data/dev/old", json={"data": {"password": "old"}})
    inst.ok("POST", "secret/data/prod/db", json={"data": {"password": "prod"}})
    meta = {"custom_metadata": {"environment": "development"}}
    inst.ok("POST", "secret/metadata/dev/app", json=meta)
    inst.call("GET", "secret/data/dev/app", headers={"X-Credgate-Session": SESSION})
    return [
        inst.ok("POST", "auth/token/create", json={"agent": "bot"})["auth"]["accessor"]
        for _ in range(3)
    ]


@pytest.fixture
def target(instance: Instance) -> Iterator[Instance]:
    """A fresh seeded instance behind the schema's app, for one operation's examples."""
    CURRENT.accessors = seed(instance)
    CURRENT.app = instance.app
    try:
        yield instance
    finally:
        CURRENT.app = None
        CURRENT.accessors = []


def test_the_fuzzed_document_is_the_served_one(instance: Instance) -> None:
    """The document fuzzed here is exactly what /v1/openapi.json serves."""
    served = instance.client.get("/v1/openapi.json")
    assert served.status_code == 200
    assert served.json() == openapi_document()


@schema.parametrize()
@settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    # One seeded instance serves all of an operation's examples on purpose.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_no_server_errors(case: Any, target: Instance) -> None:
    """No request, valid or not, gets a 5xx or a response the OpenAPI document does not promise."""
    for (path, name, value), replacement in PROTECTED.items():
        if case.operation.path == path and case.path_parameters.get(name) == value:
            case.path_parameters[name] = replacement
    token = target.root_token
    if case.operation.path in SELF_TOKEN_PATHS:
        token = target.ok("POST", "auth/token/create", json={"ttl": "1h"})["auth"]["client_token"]
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )


# Hostile bodies the generator does not produce (it never emits lone surrogates, non-finite
# numbers, integers past 64 bits or deep nesting into the free-form KV and HCL fields), each
# with the read that must still work afterwards. A request refused with a 4xx must have written
# nothing: for a secret that did not exist, the read is then a 404.
DEEP_LIST = "[" * 3000 + "]" * 3000
DEEP_OBJECT = "{a = " * 3000 + "1" + "}" * 3000
HOSTILE: dict[str, tuple[str, str, str]] = {
    "kv-lone-surrogate": ("POST", "secret/data/dev/new1", r'{"data": {"k": "\ud800"}}'),
    "kv-reversed-pair": ("POST", "secret/data/dev/new2", r'{"data": {"k": "\udc00\ud800"}}'),
    "kv-nan": ("POST", "secret/data/dev/new3", '{"data": {"k": NaN}}'),
    "kv-infinity": ("POST", "secret/data/dev/new4", '{"data": {"k": 1e999}}'),
    "kv-100-bit-int": (
        "POST",
        "secret/data/dev/new5",
        '{"data": {"k": 1234567890123456789012345}}',
    ),
    "kv-deep-array": ("POST", "secret/data/dev/new6", '{"data": ' + DEEP_LIST * 30 + "}"),
    "metadata-surrogate": (
        "POST",
        "secret/metadata/dev/app",
        r'{"custom_metadata": {"o": "\ud800"}}',
    ),
    "delete-huge-version": (
        "POST",
        "secret/delete/dev/app",
        '{"versions": [99999999999999999999]}',
    ),
    "undelete-2**63": ("POST", "secret/undelete/dev/app", '{"versions": [9223372036854775808]}'),
    "destroy-negative": ("POST", "secret/destroy/dev/app", '{"versions": [-1, 0]}'),
    "rollback-huge-version": (
        "POST",
        "secret/rollback/dev/app",
        '{"version": 99999999999999999999}',
    ),
    "cas-huge": (
        "POST",
        "secret/data/dev/app",
        '{"data": {}, "options": {"cas": 99999999999999999999}}',
    ),
    "policy-deep-list": (
        "PUT",
        "sys/policies/acl/deep1",
        json.dumps({"policy": f'path "a" {{ capabilities = ["read"] x = {DEEP_LIST} }}'}),
    ),
    "policy-deep-object": (
        "PUT",
        "sys/policies/acl/deep2",
        json.dumps({"policy": f'path "a" {{ capabilities = ["read"] x = {DEEP_OBJECT} }}'}),
    ),
    "capabilities-surrogate": ("POST", "sys/capabilities-self", r'{"paths": ["\ud800"]}'),
    "token-meta-surrogate": ("POST", "auth/token/create", r'{"meta": {"k": "\ud800"}}'),
}


def read_after(path: str) -> str | None:
    """The read that must still work after a request to ``path`` (None: nothing to read)."""
    if path.startswith(
        ("secret/delete/", "secret/undelete/", "secret/destroy/", "secret/rollback/")
    ):
        return "secret/data/" + path.split("/", 2)[2]
    if path == "auth/token/create":
        return "auth/token/lookup-self"
    return None if path == "sys/capabilities-self" else path


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_bodies_never_get_a_server_error(instance: Instance, name: str) -> None:
    """Odd JSON is refused with a 4xx writing nothing, or stored so that it can be read back."""
    method, path, body = HOSTILE[name]
    seed(instance)
    sent = instance.client.request(
        method, "/v1/" + path, content=body.encode(), headers=instance.headers()
    )
    assert sent.status_code < 500, (sent.status_code, sent.text)
    if sent.status_code >= 400:
        assert sent.json()["error"]["code"]
    then_read = read_after(path)
    if then_read is None:
        return
    token = None
    if sent.status_code == 200 and "auth" in sent.json():
        token = sent.json()["auth"]["client_token"]  # the new token looks itself up
    after = instance.call("GET", then_read, token)
    assert after.status_code < 500, (after.status_code, after.text)
    if sent.status_code >= 400 and "/new" in path:
        assert after.status_code == 404, "a refused write left a secret behind"
