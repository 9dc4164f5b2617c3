"""``ACL.authorize``: real requests, with sudo, wrapping TTLs, parameters and pagination (§6)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from credgate.domain.policy import ACL, parse_policy
from credgate.errors import Denied


def acl_of(*texts: str) -> ACL:
    return ACL([parse_policy(t, name=f"p{i}") for i, t in enumerate(texts)])


def allowed(acl: ACL, op: str, path: str, data: Mapping[str, object] | None = None) -> bool:
    try:
        acl.authorize(op, path, data=data)
    except Denied:
        return False
    return True


def test_grant_names_rule_and_granting_policies() -> None:
    """The audit trail would not say which rule and which policies allowed a request."""
    a = ACL(
        [
            parse_policy('path "kv/*" { capabilities = ["read"] }', name="reader"),
            parse_policy('path "/kv/*" { capabilities = ["read", "list"] }', name="lister"),
            parse_policy('path "kv/*" { capabilities = ["update"] }', name="writer"),
        ]
    )
    grant = a.authorize("read", "kv/app")
    assert grant.rule == "kv/*"
    assert grant.policies == ("lister", "reader")
    assert grant.capabilities == frozenset({"read", "list", "update"})


def test_namespaced_grant_rule_carries_namespace() -> None:
    """The rule reported for a namespaced policy would hide which tenant it belongs to."""
    a = ACL([parse_policy('path "kv/*" { capabilities = ["read"] }', namespace="acme/")])
    assert a.authorize("read", "kv/x", namespace="acme/").rule == "acme/kv/*"


def test_denied_error_reveals_nothing() -> None:
    """A refusal message would leak the policy's rules to the caller."""
    a = acl_of('path "secret/*" { capabilities = ["deny"] }')
    with pytest.raises(Denied) as info:
        a.authorize("read", "secret/x")
    assert info.value.message == "permission denied"
    assert "secret" not in str(info.value)
    assert info.value.reason  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("op", "cap"),
    [
        ("read", "read"),
        ("create", "create"),
        ("update", "update"),
        ("delete", "delete"),
        ("patch", "patch"),
        ("list", "list"),
        ("scan", "scan"),
        ("revoke", "update"),
    ],
)
def test_each_operation_needs_its_capability(op: str, cap: str) -> None:
    """An operation would be allowed by the wrong capability."""
    others = [
        c for c in ("read", "create", "update", "delete", "patch", "list", "scan") if c != cap
    ]
    grant = acl_of(f'path "k/*" {{ capabilities = ["{cap}"] }}')
    deny = acl_of(f'path "k/*" {{ capabilities = {others!r} }}'.replace("'", '"'))
    assert allowed(grant, op, "k/x")
    assert not allowed(deny, op, "k/x")


def test_unknown_operation_is_denied() -> None:
    """A made-up operation name would be allowed."""
    assert not allowed(acl_of('path "*" { capabilities = ["sudo", "read"] }'), "destroy", "x")


def test_list_appends_slash_and_uses_exact_fallback() -> None:
    """LIST secret/foo with exact `secret/foo` = read would be allowed by `secret/*` = list."""
    a = acl_of(
        'path "secret/foo" { capabilities = ["read"] }\npath "secret/*" { capabilities = ["list"] }'
    )
    assert not allowed(a, "list", "secret/foo")
    assert allowed(a, "list", "secret/bar")


def test_read_does_not_use_list_fallbacks() -> None:
    """GET secret/foo/ would borrow the exact `secret/foo` rule."""
    a = acl_of('path "secret/foo" { capabilities = ["read"] }')
    assert not allowed(a, "read", "secret/foo/")
    assert a.capabilities("secret/foo/") == ["read"]


def test_sudo_required_on_root_protected_paths() -> None:
    """A root-protected path would be reachable without sudo."""
    a = acl_of('path "sys/audit" { capabilities = ["read"] }')
    b = acl_of('path "sys/audit" { capabilities = ["read", "sudo"] }')
    with pytest.raises(Denied):
        a.authorize("read", "sys/audit", sudo_required=True)
    assert b.authorize("read", "sys/audit", sudo_required=True).rule == "sys/audit"


def test_max_wrapping_ttl_requires_wrapping() -> None:
    """A rule with max_wrapping_ttl would allow an unwrapped or too-long wrapped response."""
    a = acl_of('path "k" { capabilities = ["read"]\n max_wrapping_ttl = "1h" }')
    with pytest.raises(Denied):
        a.authorize("read", "k")
    with pytest.raises(Denied):
        a.authorize("read", "k", wrap_ttl=7200)
    assert a.authorize("read", "k", wrap_ttl=60).rule == "k"


def test_min_wrapping_ttl() -> None:
    """A rule with min_wrapping_ttl would accept a shorter wrap."""
    a = acl_of('path "k" { capabilities = ["read"]\n min_wrapping_ttl = 60 }')
    with pytest.raises(Denied):
        a.authorize("read", "k", wrap_ttl=30)
    a.authorize("read", "k", wrap_ttl=60)


def test_merged_wrapping_ttls_that_conflict_refuse_everything() -> None:
    """Two policies whose merged TTL window is empty would still allow requests."""
    a = acl_of(
        'path "k" { capabilities = ["read"]\n min_wrapping_ttl = "2h" }',
        'path "k" { capabilities = ["read"]\n max_wrapping_ttl = "1h" }',
    )
    for ttl in (None, 1800.0, 3600.0, 7200.0):
        with pytest.raises(Denied):
            a.authorize("read", "k", wrap_ttl=ttl)


UPDATE = 'path "kv/*" {{ capabilities = ["update", "read"]\n {} }}'


@pytest.mark.parametrize(
    ("constraints", "data", "ok"),
    [
        ('required_parameters = ["Foo"]', {"Foo": "x"}, False),
        ('required_parameters = ["Foo"]', {"foo": "x"}, True),
        ('required_parameters = ["foo"]', None, False),
        ('denied_parameters = { "*" = [] }', {"a": "b"}, False),
        ('denied_parameters = { "*" = [] }', None, True),
        ('denied_parameters = { "foo" = [] }', {"FOO": "x"}, False),
        ('denied_parameters = { "foo" = ["bad*"] }', {"foo": "badly"}, False),
        ('denied_parameters = { "foo" = ["bad*"] }', {"foo": "good"}, True),
        ('allowed_parameters = { "foo" = [] }', {"foo": "x", "bar": "y"}, False),
        ('allowed_parameters = { "foo" = [], "*" = [] }', {"foo": "x", "bar": "y"}, True),
        ('allowed_parameters = { "*" = ["nothing"] }', {"bar": "y"}, True),
        ('allowed_parameters = { "Foo" = ["a"] }', {"FOO": "a"}, True),
        ('allowed_parameters = { "foo" = ["*"] }', {"foo": "x"}, False),
        ('allowed_parameters = { "foo" = ["*"] }', {"foo": "*"}, True),
        ('allowed_parameters = { "foo" = ["*suffix"] }', {"foo": "a-suffix"}, True),
        ('allowed_parameters = { "foo" = ["pre*"] }', {"foo": "prefix"}, True),
        ('allowed_parameters = { "foo" = ["*mid*"] }', {"foo": "a-mid-b"}, True),
        ('allowed_parameters = { "foo" = ["*mid*"] }', {"foo": "nope"}, False),
        ('allowed_parameters = { "n" = [1, "1"] }', {"n": 1}, False),
        ('allowed_parameters = { "n" = [] }', {"n": 1}, True),
        ('allowed_parameters = { "n" = [1] }', {"n": "1"}, False),
        ('allowed_parameters = { "l" = [["a", "b"]] }', {"l": ["a", "b"]}, True),
        ('allowed_parameters = { "l" = [["a*"]] }', {"l": ["ab"]}, False),
        ('allowed_parameters = { "o" = [{ k = "v" }] }', {"o": {"k": "v"}}, True),
        ('allowed_parameters = { "x" = ["a"] }', {"x": None}, False),
    ],
)
def test_parameter_constraints(constraints: str, data: dict[str, object] | None, ok: bool) -> None:
    """A parameter constraint would let through (or refuse) a write OpenBao decides otherwise."""
    assert allowed(acl_of(UPDATE.format(constraints)), "update", "kv/a", data) is ok


def test_parameters_checked_on_read_not_on_delete() -> None:
    """Parameter constraints would be skipped on reads, or applied to deletes."""
    a = acl_of(
        'path "kv/*" { capabilities = ["read", "delete"]\n'
        ' allowed_parameters = { "version" = ["1"] } }'
    )
    assert not allowed(a, "read", "kv/a", {"version": "2"})
    assert allowed(a, "delete", "kv/a", {"version": "2"})


def test_extra_policy_does_not_lift_allowed_parameters() -> None:
    """A second unconstrained grant would remove another policy's parameter limits."""
    a = acl_of(
        'path "kv/*" { capabilities = ["update"]\n allowed_parameters = { "foo" = ["a"] } }',
        'path "kv/*" { capabilities = ["update"] }',
    )
    assert allowed(a, "update", "kv/x", {"foo": "a"})
    assert not allowed(a, "update", "kv/x", {"foo": "c"})


def test_merged_allowed_lists_concatenate_and_empty_wins() -> None:
    """Allowed values from two policies would not combine as in OpenBao."""
    a = acl_of(
        'path "kv/*" { capabilities = ["update"]\n allowed_parameters = { "foo" = ["a"] } }',
        'path "kv/*" { capabilities = ["update"]\n allowed_parameters = { "foo" = ["b"] } }',
    )
    assert allowed(a, "update", "kv/x", {"foo": "b"})
    assert not allowed(a, "update", "kv/x", {"foo": "c"})
    b = acl_of(
        'path "kv/*" { capabilities = ["update"]\n allowed_parameters = { "foo" = ["a"] } }',
        'path "kv/*" { capabilities = ["update"]\n allowed_parameters = { "foo" = [] } }',
    )
    assert allowed(b, "update", "kv/x", {"foo": "anything"})


def test_deny_merge_clears_parameters_and_sticks() -> None:
    """A deny merged into a grant would keep granting."""
    a = acl_of(
        'path "kv/*" { capabilities = ["update"] }', 'path "kv/*" { capabilities = ["deny"] }'
    )
    assert not allowed(a, "update", "kv/x")


@pytest.mark.parametrize(
    ("data", "limit"),
    [
        (None, 10),
        ({"limit": "5"}, 5),
        ({"limit": "0"}, 10),
        ({"limit": "max"}, 10),
        ({"limit": 7}, 7),
        ({"limit": "11"}, None),
        ({"limit": "-1"}, None),
        ({"limit": "many"}, None),
    ],
)
def test_pagination_limit(data: dict[str, object] | None, limit: int | None) -> None:
    """A list would return more entries than the policy's pagination_limit allows."""
    a = acl_of('path "kv/*" { capabilities = ["list"]\n pagination_limit = 10 }')
    if limit is None:
        with pytest.raises(Denied):
            a.authorize("list", "kv/", data=data)
    else:
        assert a.authorize("list", "kv/", data=data).limit == limit


def test_pagination_limit_required() -> None:
    """A list without `limit` would pass although the policy requires it."""
    a = acl_of(
        'path "kv/*" { capabilities = ["list"]\n pagination_limit = 10\n'
        ' required_parameters = ["limit"] }'
    )
    with pytest.raises(Denied):
        a.authorize("list", "kv/")
    assert a.authorize("list", "kv/", data={"limit": "3"}).limit == 3


def test_limit_max_without_cap_means_unlimited() -> None:
    """`limit=max` without a pagination cap would be passed on literally."""
    a = acl_of('path "kv/*" { capabilities = ["list"] }')
    assert a.authorize("list", "kv/", data={"limit": "max"}).limit == 0
    assert a.authorize("list", "kv/").limit is None


def test_root_token_authorize() -> None:
    """A root token would be refused inside its namespace or allowed outside it."""
    a = ACL([], root_namespace="acme/")
    assert a.authorize("delete", "x", namespace="acme/").capabilities == frozenset({"root"})
    with pytest.raises(Denied):
        a.authorize("read", "x", namespace="other/")
