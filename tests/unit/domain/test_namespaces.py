"""Namespace names, the tree, and which namespace a request acts in."""

from __future__ import annotations

import pytest

from credgate.domain.namespaces import (
    MAX_NAMESPACE_DEPTH,
    depth,
    is_canonical_namespace,
    is_within,
    parent_of,
    parse_namespace,
    relative_to,
    resolve_request_namespace,
)
from credgate.errors import Denied, InvalidPath, InvalidRequest

# -- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("", ""),
        ("/", ""),
        ("acme", "acme/"),
        ("acme/", "acme/"),
        ("/acme", "acme/"),
        ("/acme/team-a", "acme/team-a/"),
        ("/acme/team-a/", "acme/team-a/"),
        ("a/b/c/d/e/f/g/h", "a/b/c/d/e/f/g/h/"),
        ("0ps_2/x-y", "0ps_2/x-y/"),
        ("a" * 63, "a" * 63 + "/"),
        ("system/authz", "system/authz/"),
    ],
)
def test_parse_namespace_accepts_and_canonicalises(text: str, canonical: str) -> None:
    """Users may write a namespace with or without slashes; it always means the same one."""
    assert parse_namespace(text) == canonical
    assert is_canonical_namespace(canonical)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("//", "empty segment"),
        ("acme//team", "empty segment"),
        ("//acme", "empty segment"),
        ("acme//", "empty segment"),
        ("..", "cannot go up"),
        ("acme/..", "cannot go up"),
        ("acme/./x", "cannot go up"),
        ("Acme", "lower-case"),
        ("acme/TEAM", "lower-case"),
        ("-acme", "only a-z"),
        ("_acme", "only a-z"),
        ("ac me", "only a-z"),
        (" acme", "only a-z"),
        ("acme\n", "only a-z"),
        ("acme%2fx", "only a-z"),
        ("acme\\x", "only a-z"),
        ("\uff41cme", "only a-z"),  # full-width a
        ("\u0430cme", "only a-z"),  # Cyrillic a
        ("acme\u2215x", "only a-z"),  # division slash
        ("caf\u00e9", "only a-z"),
        ("a" * 64, "longer than 63"),
        ("a/b/c/d/e/f/g/h/i", "at most 8 levels"),
        ("x" * 600, "too long"),
        ("sys", "reserved"),
        ("acme/auth", "reserved"),
        ("root", "reserved"),
        ("audit", "reserved"),
        ("cubbyhole", "reserved"),
        ("identity", "reserved"),
    ],
)
def test_parse_namespace_rejects_with_a_reason(text: str, reason: str) -> None:
    """A bad namespace name is a 400 that says what is wrong and shows a valid example."""
    with pytest.raises(InvalidPath) as info:
        parse_namespace(text)
    assert reason in info.value.message
    assert info.value.hint


def test_parse_namespace_error_messages_are_safe_to_log() -> None:
    """Control characters in a hostile namespace never reach the logs raw."""
    with pytest.raises(InvalidPath) as info:
        parse_namespace("acme\x1b[31m")
    assert "\x1b" not in info.value.message
    assert "\\x1b" in info.value.message


def test_parse_namespace_refuses_non_text() -> None:
    """A number in a JSON namespace field is a request error, not a crash."""
    with pytest.raises(InvalidPath):
        parse_namespace(7)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["acme", "/acme/", "acme//", "Acme/", "../"])
def test_non_canonical_forms_are_reported(text: str) -> None:
    """Code can check it was handed a canonical namespace before trusting a prefix test."""
    assert not is_canonical_namespace(text)


# -- the tree --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("child", "parent", "expected"),
    [
        ("acme/", "", True),
        ("", "", True),
        ("acme/", "acme/", True),
        ("acme/team-a/", "acme/", True),
        ("acme-corp/", "acme/", False),
        ("acmex/", "acme/", False),
        ("acme/", "acme/team-a/", False),
        ("", "acme/", False),
        ("globex/acme/", "acme/", False),
    ],
)
def test_is_within(child: str, parent: str, expected: bool) -> None:
    """acme-corp/ is not inside acme/, and nothing but the root contains the root."""
    assert is_within(child, parent) is expected


def test_tree_helpers() -> None:
    """Parent, depth and relative names agree with each other."""
    assert parent_of("") is None
    assert parent_of("acme/") == ""
    assert parent_of("acme/team-a/") == "acme/"
    assert depth("") == 0
    assert depth("acme/team-a/") == 2
    assert relative_to("acme/team-a/", "acme/") == "team-a/"
    assert relative_to("acme/", "acme/") == ""
    assert relative_to("acme/", "") == "acme/"


def test_tree_helpers_refuse_non_canonical_or_unrelated_input() -> None:
    """A programming error (raw user text, wrong pair) fails loudly instead of answering wrong."""
    with pytest.raises(ValueError, match="canonical"):
        is_within("acme", "")
    with pytest.raises(ValueError, match="canonical"):
        parent_of("acme/../")
    with pytest.raises(ValueError, match="not within"):
        relative_to("globex/", "acme/")


# -- request resolution ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["operator", "agent"])
@pytest.mark.parametrize("header", [None, "", "/"])
def test_no_header_means_the_token_namespace(kind: str, header: str | None) -> None:
    """Without a namespace header, every token acts in its own namespace."""
    assert resolve_request_namespace("acme/team-a/", kind, header) == "acme/team-a/"


@pytest.mark.parametrize(
    ("token_ns", "header", "resolved"),
    [
        ("", "acme", "acme/"),
        ("", "acme/team-a/", "acme/team-a/"),
        ("acme/", "team-a", "acme/team-a/"),
        ("acme/", "/team-a", "acme/team-a/"),
        ("acme/", "acme", "acme/acme/"),
    ],
)
def test_operator_header_goes_down_relative_to_the_token(
    token_ns: str, header: str, resolved: str
) -> None:
    """An operator addresses child namespaces by their name relative to its own."""
    assert resolve_request_namespace(token_ns, "operator", header) == resolved


@pytest.mark.parametrize("header", ["..", "../globex", "team-a/../..", "./", "%2e%2e", "A", " "])
def test_operator_cannot_go_up_or_sideways(header: str) -> None:
    """No header value takes an operator out of its token's subtree."""
    with pytest.raises(InvalidPath):
        resolve_request_namespace("acme/", "operator", header)


def test_operator_absolute_looking_header_stays_below() -> None:
    """'/globex' from acme/ means acme/globex/, never the tenant globex/."""
    assert resolve_request_namespace("acme/", "operator", "/globex") == "acme/globex/"


def test_operator_header_cannot_exceed_max_depth() -> None:
    """Deep nesting is capped for the resolved namespace, not only for the header."""
    token_ns = "/".join(["n"] * (MAX_NAMESPACE_DEPTH - 1)) + "/"
    assert resolve_request_namespace(token_ns, "operator", "x").count("/") == MAX_NAMESPACE_DEPTH
    with pytest.raises(InvalidPath, match="levels deep"):
        resolve_request_namespace(token_ns, "operator", "x/y")


@pytest.mark.parametrize(
    "header", ["team-a", "acme", "acme/team-a", "/acme/team-a/", "globex", "team-a/x"]
)
def test_agent_header_naming_any_other_namespace_is_denied(header: str) -> None:
    """An agent cannot reach another namespace, even one below its own or by its own full name."""
    with pytest.raises(Denied) as info:
        resolve_request_namespace("acme/team-a/", "agent", header)
    assert info.value.code == "permission_denied"


@pytest.mark.parametrize("header", ["..", "../x", "A", "%2f", "a//b", "\u2215"])
def test_agent_malformed_header_is_a_request_error(header: str) -> None:
    """A garbled header from an agent is refused as malformed."""
    with pytest.raises(InvalidRequest):
        resolve_request_namespace("acme/", "agent", header)


def test_resolution_refuses_programming_errors() -> None:
    """An unknown principal kind or a raw token namespace is a bug, never a silent default."""
    with pytest.raises(ValueError, match="principal kind"):
        resolve_request_namespace("acme/", "admin", None)
    with pytest.raises(ValueError, match="canonical"):
        resolve_request_namespace("acme", "operator", None)
