"""Namespace isolation through the real HTTP app: no path and no header leaves the token's tenant.

Five namespaces hold a secret at the same path, each with its own marker value, plus a key, a
policy and an agent whose names only they have: the root, ``acme/``, ``acme/team-a/``, its child
``acme/team-a/sub/`` and the sibling ``globex/``. Two tokens of ``acme/team-a/`` (an agent and an
operator) carry the broadest read policy there is (``path "*" { capabilities = ["read",
"list"] }``). Hypothesis assembles request paths from traversal pieces (``..``, ``%2e%2e``,
``%2F``, ``//``, ``\\``, trailing dots, Unicode look-alikes of ``/`` and ``.``, NUL, spaces...)
and spoofed ``X-Credgate-Namespace`` / ``X-Vault-Namespace`` headers, and sends them byte for
byte: the raw path reaches the ASGI app as uvicorn would hand it over (httpx's dot-segment
removal is bypassed), header values arrive as UTF-8 bytes.

Whatever is sent: never a 5xx, and nothing of another namespace is ever served (the operator
may go down to its child ``sub/``, as the design allows; the agent may not).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from starlette import testclient

# The HTTP library the test client is built on (httpx2, or httpx on older Starlette).
httpx = testclient.httpx

Instance = Any  # the `instance` fixture (tests/conftest.py)

SECRET_PATH = "secret/data/shared/app"
BROAD_READ = 'path "*" { capabilities = ["read", "list"] }'
TENANTS = ("", "acme/", "acme/team-a/", "acme/team-a/sub/", "globex/")
HOME = "acme/team-a/"
CHILD = "acme/team-a/sub/"  # an operator of team-a may go down to it; an agent may not
NAMESPACE_HEADERS = ("X-Credgate-Namespace", "X-Vault-Namespace")

# Pieces of a request path after /v1/. Literal "%xx" pieces stay encoded on the wire; every
# other non-ASCII or unsafe character is percent-encoded as UTF-8, as a real client must.
# fmt: off
CLEAN_PIECES = [
    "secret", "data", "metadata", "shared", "app", "acme", "globex", "team-a", "sub", "sys",
    "auth", "namespaces", "mounts", "ACME", "Globex",
]
NASTY_PIECES = [
    "..", ".", "...", "app.", "app..", "shared.", " app", "app ", "", "%2e%2e", "%2E%2e", "%2e",
    "%2E", ".%2e", "%2e.", "%2f", "%2F", "..%2f", "%2e%2e%2f", "%5c", "%5C", "..%5c",
    "%252e%252e", "%252f", "%25", "%00", "%20", "\\", "..\\..", "\u2215", "\u2044", "\uff0f",
    "\uff0e", "\uff0e\uff0e", "\u2024", "\u2024\u2024", "\u3002", "\u2025", "\u2216", "\x00", " ",
    "\t", "\u0430cme", "acme\u200b", "secret%2fdata", "shared%2fapp", "app;x", ";", "%3f", "%23",
    "~",
]
PREFIXES = [
    "secret/data/", "secret/metadata/", "secret/data/shared/", "secret/metadata/shared/", "",
    "acme/secret/data/", "globex/secret/data/", "sub/secret/data/", "../globex/secret/data/",
    "acme/team-a/secret/data/", "secret/data/../../globex/secret/data/", "sys/namespaces/",
    "secret/", "v1/secret/data/",
]
TAILS = ["shared/app", "shared/", "app", "", "."]
# Requests that pass validation: what a namespace mix-up would serve, if there were one.
VALID_TARGETS = [
    SECRET_PATH, "secret/metadata/shared/app", "secret/metadata/shared/", "secret/metadata/",
    "secret/data/shared/", "sys/policies/acl", "sys/agents", "sys/operators", "sys/namespaces",
    "sys/mounts", "auth/token/lookup-self", "sys/audit-trail/search",
]
HEADER_PIECES = [
    "acme", "acme/", "/acme", "globex", "/globex", "globex/", "../globex", "..", "../", "../..",
    "acme/team-a", "team-a", "sub", "/sub", "team-a/sub", "/", "", ".", "%2e%2e", "%2E%2e/globex",
    "..%2fglobex", "%2fglobex", "%2Fglobex", "\u2215globex", "\uff0f\u0067lobex",
    "\uff0e\uff0e/globex", "\u2024\u2024/globex", "acme/../globex", "acme/team-a/../../globex",
    "ACME", "Globex", "\u0430cme", " globex", "globex ", "\tglobex", "\\globex", "..\\globex",
    "root", "sys", "\x00", "globex\x00", "team-a/..", "team-a/../..", "sub/..", "//globex",
    "acme//team-a",
]
QUERIES = ["", "?list=true", "?version=1", "?list=1", "?list=true&version=0"]
# fmt: on

# Clean pieces weigh three times as much: enough requests must pass validation and reach
# the policy check and the engine, where a namespace mix-up would show.
paths = st.one_of(
    st.sampled_from(VALID_TARGETS),
    st.builds(
        lambda prefix, pieces, tail: prefix + "/".join([*pieces, tail]),
        st.sampled_from(PREFIXES),
        st.lists(st.sampled_from(CLEAN_PIECES * 3 + NASTY_PIECES), max_size=5),
        st.sampled_from(TAILS),
    ),
)
header_values = st.one_of(
    st.sampled_from(HEADER_PIECES),
    st.lists(st.sampled_from(HEADER_PIECES), min_size=1, max_size=3).map("/".join),
)
namespace_headers = st.one_of(
    st.just({}), st.dictionaries(st.sampled_from(NAMESPACE_HEADERS), header_values, max_size=2)
)


def wire_path(path: str) -> str:
    """The request target for ``/v1/<path>``: literal escapes kept, everything unsafe encoded."""
    return "/v1/" + quote(path, safe="/%:@!$&'()*+,;=-._~\\")


def raw_url(target: str) -> Any:
    """An absolute URL the client sends as is (no dot-segment removal, no re-encoding)."""
    path, _, query = target.partition("?")
    url = httpx.URL("http://127.0.0.1/")
    # httpx(2) removes '.' and '..' segments in every public constructor; an attacker's client
    # does not, and neither does uvicorn, so the test must not either.
    url._uri_reference = url._uri_reference._replace(path=path, query=query or None)
    return url


def send(
    inst: Instance, method: str, target: str, token: str, headers: dict[str, str] | None = None
) -> Any:
    wire_headers: dict[str, bytes] = {"Authorization": f"Bearer {token}".encode()}
    for name, value in (headers or {}).items():
        # Non-ASCII look-alikes arrive as UTF-8 bytes, as they would on a real socket.
        wire_headers[name] = value.encode("utf-8")
    return inst.client.request(method, raw_url(target), headers=wire_headers)


class Tenants:
    """Five namespaces with their own markers; two team-a tokens with the broadest read policy."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        inst.ok("POST", "sys/namespaces/acme")
        inst.ok("POST", "sys/namespaces/globex")
        inst.ok("POST", "sys/namespaces/team-a", headers={"X-Credgate-Namespace": "acme"})
        inst.ok("POST", "sys/namespaces/sub", headers={"X-Credgate-Namespace": "acme/team-a"})
        self.markers: dict[str, str] = {}
        self.names: dict[str, list[str]] = {}
        for namespace in TENANTS:
            label = namespace.strip("/").replace("/", "-") or "root"
            marker = f"marker-{label}-{os.urandom(8).hex()}"
            key, policy, agent = (
                f"{k}-{label}-{os.urandom(4).hex()}" for k in ("key", "pol", "bot")
            )
            self.markers[namespace] = marker
            self.names[namespace] = [key, policy, agent]
            h = {"X-Credgate-Namespace": namespace} if namespace else {}
            inst.ok("POST", SECRET_PATH, json={"data": {"marker": marker}}, headers=h)
            inst.ok("POST", f"secret/data/shared/{key}", json={"data": {"m": marker}}, headers=h)
            inst.ok("PUT", f"sys/policies/acl/{policy}", json={"policy": BROAD_READ}, headers=h)
            owner = {"owner": "o@example.com", "policies": [policy]}
            inst.ok("POST", f"sys/agents/{agent}", json=owner, headers=h)
        self.tokens = {"agent": inst.agent_token("bot", BROAD_READ, namespace="acme/team-a")}
        home = {"X-Credgate-Namespace": "acme/team-a"}
        inst.ok("POST", "sys/operators/team-op", json={"policies": ["bot-pol"]}, headers=home)
        created = inst.ok("POST", "auth/token/create", json={"operator": "team-op"}, headers=home)
        self.tokens["operator"] = created["auth"]["client_token"]

    def foreign(self, kind: str) -> dict[str, str]:
        """Strings that must never appear in a response to a team-a token of ``kind``."""
        allowed = {HOME, CHILD} if kind == "operator" else {HOME}
        found: dict[str, str] = {}
        for ns in TENANTS:
            if ns not in allowed:
                where = ns or "the root"
                found[f"value of {where}"] = self.markers[ns]
                found.update({f"name {name} of {where}": name for name in self.names[ns]})
        return found


@pytest.fixture
def tenants(instance: Instance) -> Tenants:
    return Tenants(instance)


def assert_isolated(tenants: Tenants, kind: str, response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what} -> {response.status_code} {response.text[:300]}"
    body = response.content.decode("utf-8", "replace")
    for name, marker in tenants.foreign(kind).items():
        assert marker not in body, f"{what} served the {name}"


def test_home_secret_is_readable_and_raw_paths_reach_the_server(tenants: Tenants) -> None:
    """Team-a's own secret and keys are served, and a '..' path arrives un-normalised (refused)."""
    inst = tenants.inst
    for kind, token in tenants.tokens.items():
        ok = send(inst, "GET", wire_path(SECRET_PATH), token)
        assert ok.status_code == 200, (kind, ok.text)
        assert ok.json()["data"]["data"] == {"marker": tenants.markers[HOME]}
        listed = send(inst, "LIST", wire_path("secret/metadata/shared/"), token)
        assert listed.status_code == 200, (kind, listed.text)
        assert sorted(listed.json()["data"]["keys"]) == sorted(["app", tenants.names[HOME][0]])
        # Had the client collapsed 'x/..', this would be the same 200 as above.
        dotted = send(inst, "GET", wire_path("secret/data/x/../shared/app"), token)
        assert dotted.status_code == 400, (kind, dotted.text)
        assert dotted.json()["error"]["code"] == "invalid_path"


def test_operator_goes_down_to_its_child_and_the_agent_does_not(tenants: Tenants) -> None:
    """The namespace header works downwards for a team-a operator and never for its agent."""
    for header in NAMESPACE_HEADERS:
        down = send(
            tenants.inst, "GET", wire_path(SECRET_PATH), tenants.tokens["operator"], {header: "sub"}
        )
        assert down.status_code == 200, down.text
        assert down.json()["data"]["data"] == {"marker": tenants.markers[CHILD]}
        for value in ("sub", "globex", "../globex", "/acme", "team-a"):
            r = send(
                tenants.inst,
                "GET",
                wire_path(SECRET_PATH),
                tenants.tokens["agent"],
                {header: value},
            )
            assert 400 <= r.status_code < 500, (header, value, r.status_code)
            assert_isolated(tenants, "agent", r, f"{header}: {value!r}")


@settings(
    max_examples=500,
    derandomize=True,
    deadline=None,
    database=None,
    # One instance serves every example on purpose: the tokens under test can only read.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["agent", "operator"]),
    method=st.sampled_from(["GET", "LIST"]),
    path=paths,
    query=st.sampled_from(QUERIES),
    headers=namespace_headers,
)
@example("agent", "GET", "../globex/secret/data/shared/app", "", {})
@example("agent", "GET", "secret/data/%2e%2e/%2e%2e/globex/secret/data/shared/app", "", {})
@example("agent", "GET", SECRET_PATH, "", {"X-Vault-Namespace": "../globex"})
@example("agent", "GET", SECRET_PATH, "", {"X-Credgate-Namespace": "", "X-Vault-Namespace": "sub"})
@example(
    "operator",
    "GET",
    SECRET_PATH,
    "",
    {"X-Credgate-Namespace": "..", "X-Vault-Namespace": "globex"},
)
@example(
    "agent",
    "GET",
    "secret\uff0fdata\uff0f\uff0e\uff0e\uff0fglobex",
    "",
    {"X-Credgate-Namespace": "\uff0e\uff0e/globex"},
)
@example("operator", "LIST", "secret/metadata/", "", {"X-Credgate-Namespace": "/"})
def test_no_request_reaches_another_namespace(
    tenants: Tenants, kind: str, method: str, path: str, query: str, headers: dict[str, str]
) -> None:
    """No path or header lets a team-a token see the parent's, sibling's or root's secrets."""
    target = wire_path(path) + query
    response = send(tenants.inst, method, target, tenants.tokens[kind], headers)
    event(f"HTTP {response.status_code}")  # --hypothesis-show-statistics: how many got through
    assert_isolated(tenants, kind, response, f"{kind} {method} {target!r} {headers!r}")
