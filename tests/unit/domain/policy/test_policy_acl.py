"""``ACL.capabilities``: OpenBao's matching, priority, merging and list fallbacks.

The named tests follow the corner-case catalogue (§8) of
``shared/reference/openbao-acl-semantics.md``; each answer was observed on OpenBao 2.7.2.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from credgate.domain.policy import ACL, Policy, parse_policy


def policy(*rules: tuple[str, str], name: str = "p", namespace: str = "") -> Policy:
    text = "".join(f'path "{p}" {{ capabilities = {caps} }}\n' for p, caps in rules)
    return parse_policy(text or "# empty", name=name, namespace=namespace)


def acl(*policies: Sequence[tuple[str, str]], now: float | None = None) -> ACL:
    return ACL([policy(*rules, name=f"p{i}") for i, rules in enumerate(policies)], now=now)


R, L, D, E = '["read"]', '["list"]', '["deny"]', "[]"


def test_exact_beats_glob_deny() -> None:
    """An exact grant would be overridden by a broader deny glob."""
    a = acl([("secret/data/app", R), ("secret/data/*", D)])
    assert a.capabilities("secret/data/app") == ["read"]
    assert a.capabilities("secret/data/other") == ["deny"]


def test_exact_deny_beats_glob_allow_and_its_trailing_slash() -> None:
    """An exact deny would not hold, or its trailing-slash form would slip past it."""
    a = acl([("secret/data/app", D), ("secret/data/*", R)])
    assert a.capabilities("secret/data/app") == ["deny"]
    assert a.capabilities("secret/data/app/") == ["deny"]


def test_exact_and_prefix_same_string_are_distinct() -> None:
    """`secret/foo` and `secret/foo*` would be merged into one rule."""
    a = acl([("secret/foo", R), ("secret/foo*", D)])
    assert a.capabilities("secret/foo") == ["read"]
    assert a.capabilities("secret/foobar") == ["deny"]


def test_empty_capabilities_shadow_glob() -> None:
    """A block with no capabilities would let a broader glob grant the path."""
    a = acl([("secret/foo", E), ("secret/*", R)])
    assert a.capabilities("secret/foo") == ["deny"]
    assert a.capabilities("secret/bar") == ["read"]


def test_empty_capabilities_merge_with_grant() -> None:
    """An empty block would cancel a grant on the same path from another policy."""
    assert acl([("secret/foo", E)], [("secret/foo", R)]).capabilities("secret/foo") == ["read"]


def test_glob_prefix_across_policies_deny() -> None:
    """A deny on `/secret/*` would not merge with `secret/*` from another policy."""
    a = acl([("secret/*", R)], [("/secret/*", D)])
    assert a.capabilities("secret/x") == ["deny"]


def test_same_key_rules_union() -> None:
    """Two policies granting the same path would not add up."""
    a = acl([("secret/*", R)], [("secret/*", '["update", "sudo"]')])
    assert a.capabilities("secret/x") == ["read", "sudo", "update"]


@pytest.mark.parametrize(("inner", "outer", "answer"), [(D, R, ["deny"]), (R, D, ["read"])])
def test_longest_prefix_wins(inner: str, outer: str, answer: list[str]) -> None:
    """A shorter glob would override a longer one, or their bits would be mixed."""
    a = acl([("secret/data/*", inner), ("secret/*", outer)])
    assert a.capabilities("secret/data/x") == answer


def test_star_in_middle_is_literal() -> None:
    """A `*` in the middle would act as a wildcard."""
    a = acl([("secret/*/foo", R)])
    assert a.capabilities("secret/*/foo") == ["read"]
    assert a.capabilities("secret/a/foo") == ["deny"]


def test_double_star_suffix_is_a_literal_star_prefix() -> None:
    """`secret/**` would match everything under secret/."""
    a = acl([("secret/**", R)])
    assert a.capabilities("secret/*x") == ["read"]
    assert a.capabilities("secret/x") == ["deny"]


def test_plus_matches_empty_segment() -> None:
    """`+` would refuse an empty segment, or the list fallback would not apply."""
    a = acl([("secret/+", L)])
    for path in ("secret/", "secret//", "secret/a/", "secret/a"):
        assert a.capabilities(path) == ["list"], path
    assert a.capabilities("secret/a/b") == ["deny"]


def test_plus_exact_segment_count() -> None:
    """`+` would match several segments or none."""
    a = acl([("secret/+/foo", R)])
    assert a.capabilities("secret/a/b/foo") == ["deny"]
    assert a.capabilities("secret/foo") == ["deny"]
    assert a.capabilities("secret//foo") == ["read"]


def test_plus_vs_deny_star_same_position() -> None:
    """A deny glob would beat a segment rule whose wildcard starts at the same place."""
    a = acl([("secret/*", D), ("secret/+/foo", R)])
    assert a.capabilities("secret/x/foo") == ["read"]


def test_trailing_slash_nonexact_fallback_only_when_nothing_matched() -> None:
    """The trailing-slash fallback would run even though a glob already matched."""
    a = acl([("secret/+/cfg", R), ("secret/*", D)])
    assert a.capabilities("secret/a/cfg/") == ["deny"]


def test_trailing_slash_falls_back_to_exact() -> None:
    """`secret/foo/` would not see the exact `secret/foo` rule first."""
    a = acl([("secret/foo", R), ("secret/foo/*", L)])
    assert a.capabilities("secret/foo/") == ["read"]
    assert a.capabilities("secret/foo//") == ["list"]


def test_exact_with_trailing_slash() -> None:
    """An exact rule ending in `/` would match the path without it."""
    a = acl([("secret/foo/", L)])
    assert a.capabilities("secret/foo") == ["deny"]
    assert a.capabilities("secret/foo//") == ["list"]


def test_double_leading_slash_policy_path_unmatchable() -> None:
    """A `//secret/foo` rule would match `secret/foo` after normalisation."""
    a = acl([("//secret/foo", R)])
    for path in ("secret/foo", "/secret/foo", "//secret/foo"):
        assert a.capabilities(path) == ["deny"]


def test_dot_segments_literal_and_case_sensitive() -> None:
    """`..` would be resolved or case folded, letting a path escape its rule."""
    a = acl([("secret/*", R), ("sys/*", D)])
    assert a.capabilities("secret/../sys/foo") == ["read"]
    assert acl([("secret/Foo", R)]).capabilities("secret/foo") == ["deny"]


def test_deny_first_block_is_deny() -> None:
    """`["deny", "subscribe"]` would grant something."""
    a = ACL([parse_policy('path "a" { capabilities = ["deny", "subscribe", "bogus"] }')])
    assert a.capabilities("a") == ["deny"]


def test_expired_path_ignored_and_shorter_glob_applies() -> None:
    """An expired block would still decide its path."""
    text = (
        'path "secret/foo" { capabilities = ["read"]\n expiration = "2000-01-01T00:00:00Z" }\n'
        'path "secret/*" { capabilities = ["list"] }'
    )
    assert ACL([parse_policy(text)], now=1_800_000_000.0).capabilities("secret/foo") == ["list"]
    assert ACL([parse_policy(text)]).capabilities("secret/foo") == ["read"]


def test_templated_path_never_matches_without_entity() -> None:
    """A `{{identity...}}` rule would match literally or by accident."""
    text = 'path "secret/{{identity.entity.id}}/*" { capabilities = ["read"] }'
    a = ACL([parse_policy(text)])
    assert a.capabilities("secret/{{identity.entity.id}}/x") == ["deny"]


def test_first_plus_char_even_if_literal() -> None:
    """The priority would use the real wildcard position instead of the first `+` byte."""
    a = acl([("secret/x+y/*", L), ("secret/x+y/+/z", R)])
    assert a.capabilities("secret/x+y/a/z") == ["list"]
    b = acl([("secret/xay/*", L), ("secret/xay/+/z", R)])
    assert b.capabilities("secret/xay/a/z") == ["read"]


def test_plain_glob_beats_segment_prefix_with_same_start() -> None:
    """The agent-multi-policy surprise: a `+/myapp/*` grant would beat `secret/data/*`."""
    a = acl([("secret/data/*", R)], [("secret/data/+/myapp/*", '["update"]')])
    assert a.capabilities("secret/data/staging/myapp/db") == ["read"]


@pytest.mark.parametrize(
    ("rules", "path", "answer"),
    [
        ([("secret/+", L), ("secret/*", R)], "secret/x", ["list"]),
        ([("secret/+", L), ("secret/*", R)], "secret/x/y", ["read"]),
        ([("secret/a*", R), ("secret/+", L)], "secret/abc", ["read"]),
        ([("foo/bar/+/baz", R), ("foo/+/bar/baz", L)], "foo/bar/bar/baz", ["read"]),
        ([("foo/+/bar", L), ("foo/+/ba*", R)], "foo/x/bar", ["list"]),
        ([("foo/+/ba*", R)], "foo/x/bar/y/z", ["read"]),
        ([("foo/bar/+/baz", R), ("foo/bar/+/+", L)], "foo/bar/x/baz", ["read"]),
        ([("a/+/+/cc", L), ("a/+/b/+", R)], "a/x/b/cc", ["list"]),
        ([("a/+/b/+", R), ("a/+/+/c", L)], "a/x/b/c", ["read"]),
        ([("secret/ü/*", L), ("secret/+/x", R)], "secret/ü/x", ["list"]),
        ([("secret/+/*", R)], "secret/a/", ["read"]),
        ([("secret/+/*", R)], "secret/a", ["deny"]),
    ],
)
def test_priority_between_non_exact_matches(
    rules: list[tuple[str, str]], path: str, answer: list[str]
) -> None:
    """The wrong one of several matching globs would decide the path."""
    assert acl(rules).capabilities(path) == answer


def test_plus_alone_vs_star_alone() -> None:
    """`+` and `*` alone would rank differently than in OpenBao."""
    a = acl([("*", R), ("+", L)])
    assert a.capabilities("x") == ["list"]
    assert a.capabilities("x/y") == ["read"]
    assert a.capabilities("x/") == ["read"]


def test_empty_path_rule() -> None:
    """`path ""` would not answer for `/` and `//`."""
    a = acl([("", R)])
    assert a.capabilities("/") == ["read"]
    assert a.capabilities("//") == ["read"]
    assert a.capabilities("a") == ["deny"]


def test_parameters_do_not_affect_capabilities() -> None:
    """A parameter constraint would change what sys/capabilities reports."""
    text = 'path "kv/*" { capabilities = ["update"]\n required_parameters = ["x"] }'
    assert ACL([parse_policy(text)]).capabilities("kv/a") == ["update"]


def test_default_deny_and_sorted_names() -> None:
    """No policies would grant something, or names would come back unsorted."""
    assert ACL([]).capabilities("anything") == ["deny"]
    a = acl([("k", '["update", "create", "scan", "patch", "read"]')])
    assert a.capabilities("k") == ["create", "patch", "read", "scan", "update"]


def test_policy_order_does_not_matter() -> None:
    """Reordering a token's policies would change its answers."""
    p1 = policy(("secret/*", R), ("secret/a", D), name="one")
    p2 = policy(("secret/*", '["update"]'), ("secret/+/x", L), name="two")
    for path in ("secret/a", "secret/b", "secret/b/x", "secret/"):
        assert ACL([p1, p2]).capabilities(path) == ACL([p2, p1]).capabilities(path)


def test_namespace_policy_applies_in_child_namespace() -> None:
    """A namespace's policy would not reach its child namespaces, or reach other tenants."""
    a = ACL([policy(("+/secret/*", R), namespace="ns1/")])
    assert a.capabilities("secret/x", namespace="ns1/ns2/") == ["read"]
    assert a.capabilities("secret/x", namespace="ns1/") == ["deny"]
    assert a.capabilities("secret/x", namespace="ns3/ns2/") == ["deny"]


def test_request_namespace_prefixes_the_probe() -> None:
    """A probe repeating the namespace would resolve to the same path."""
    a = ACL([policy(("secret/x", R), namespace="ns1/")])
    assert a.capabilities("secret/x", namespace="ns1/") == ["read"]
    assert a.capabilities("ns1/secret/x", namespace="ns1/") == ["deny"]
    assert a.capabilities("ns1/secret/x") == ["read"]


def test_root_policies_reach_children_by_spelling_them_out() -> None:
    """A root-namespace rule would not apply to the absolute child path."""
    a = acl([("+/secret/y", R)])
    assert a.capabilities("secret/y", namespace="team-a/") == ["read"]


def test_leading_slash_after_namespace_is_kept() -> None:
    """A probe `/x` from a child namespace would be normalised to `ns1/x`."""
    a = ACL([policy(("x", R), namespace="ns1/")])
    assert a.capabilities("/x", namespace="ns1/") == ["deny"]
    assert a.capabilities("x", namespace="ns1/") == ["read"]


def test_root_token_only_at_and_below_its_namespace() -> None:
    """A root token from one tenant would be root in another."""
    a = ACL([], root_namespace="ns1/")
    assert a.capabilities("x", namespace="ns1/") == ["root"]
    assert a.capabilities("x", namespace="ns1/ns2/") == ["root"]
    assert a.capabilities("x", namespace="ns2/") == ["deny"]
    assert a.capabilities("x") == ["deny"]
    assert ACL([], root_namespace="").capabilities("x", namespace="any/") == ["root"]
