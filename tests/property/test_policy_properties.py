"""Invariants of OpenBao's ACL semantics that hold for any set of policies.

Only rules that really hold in OpenBao are stated: adding a narrower glob *can* remove
capabilities there (a longer prefix rule replaces the shorter one), so "more rules never
grant less" is deliberately not one of them.
"""

from __future__ import annotations

import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from credgate.domain.policy import ACL, Policy, parse_policy
from credgate.domain.policy.rules import CAPABILITIES

SEGMENTS = ["a", "b", "ab", "x+y", "", "*"]
GRANTS = [c for c in CAPABILITIES if c != "deny"]

segment = st.sampled_from(SEGMENTS)
rule_path = st.builds(
    lambda segs, last, tail, lead: lead + "/".join([*segs, last]) + tail,
    st.lists(st.sampled_from([*SEGMENTS, "+"]), min_size=0, max_size=3),
    st.sampled_from([*SEGMENTS, "+", "a*"]),
    st.sampled_from(["", "", "*", "/"]),
    st.sampled_from(["", "", "/"]),
).filter(lambda p: "+*" not in p)
caps = st.one_of(
    st.just(["deny"]),
    st.lists(st.sampled_from(GRANTS), max_size=3, unique=True),
)
rules = st.lists(st.tuples(rule_path, caps), min_size=0, max_size=6)
policy_sets = st.lists(rules, min_size=1, max_size=4)
probe = st.builds(
    lambda segs, tail: "/".join(segs) + tail,
    st.lists(segment, min_size=1, max_size=4),
    st.sampled_from(["", "", "/", "//"]),
)
probes = st.lists(probe, min_size=1, max_size=8)


def text_of(rs: list[tuple[str, list[str]]], extra: str = "") -> str:
    blocks = [f'path "{p}" {{ capabilities = {json.dumps(cs)}{extra} }}' for p, cs in rs]
    return "\n".join(blocks) or "# no rules"


def build(sets: list[list[tuple[str, list[str]]]], namespace: str = "") -> list[Policy]:
    return [
        parse_policy(text_of(rs), name=f"p{i}", namespace=namespace) for i, rs in enumerate(sets)
    ]


def answers(policies: list[Policy], paths: list[str], namespace: str = "") -> list[list[str]]:
    acl = ACL(policies)
    return [acl.capabilities(p, namespace=namespace) for p in paths]


@settings(max_examples=150, deadline=None)
@given(policy_sets, probes, st.randoms(use_true_random=False))
def test_order_of_policies_and_blocks_does_not_matter(
    sets: list[list[tuple[str, list[str]]]], paths: list[str], rnd: random.Random
) -> None:
    """A token's answers would depend on the order its policies or blocks were written in."""
    expected = answers(build(sets), paths)
    shuffled = [rnd.sample(rs, len(rs)) for rs in sets]
    rnd.shuffle(shuffled)
    assert answers(build(shuffled), paths) == expected


@settings(max_examples=150, deadline=None)
@given(policy_sets, rule_path, probes)
def test_a_deny_never_grants(
    sets: list[list[tuple[str, list[str]]]], deny_path: str, paths: list[str]
) -> None:
    """Adding a deny rule would grant something, or change an answer other than to deny."""
    before = answers(build(sets), paths)
    after = answers(build([*sets, [(deny_path, ["deny"])]]), paths)
    for old, new in zip(before, after, strict=True):
        assert new in (old, ["deny"])


@settings(max_examples=150, deadline=None)
@given(policy_sets, probes)
def test_answers_come_from_granted_bits(
    sets: list[list[tuple[str, list[str]]]], paths: list[str]
) -> None:
    """An answer would contain a capability no rule grants."""
    granted = {c for rs in sets for _, cs in rs if "deny" not in cs for c in cs}
    for answer in answers(build(sets), paths):
        assert answer == ["deny"] or set(answer) <= granted
        assert answer == sorted(answer)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(GRANTS), max_size=3), min_size=1, max_size=4), probe)
def test_same_path_rules_merge_as_a_union(grants: list[list[str]], path: str) -> None:
    """Two policies granting the same exact path would not add up."""
    path = path.lstrip("/")
    sets = [[(path.replace("+", "p"), cs)] for cs in grants]
    union = sorted({c for cs in grants for c in cs}) or ["deny"]
    assert answers(build(sets), [path.replace("+", "p")]) == [union]


@settings(max_examples=150, deadline=None)
@given(policy_sets, st.lists(segment, min_size=1, max_size=3), caps)
def test_an_exact_rule_always_decides_its_own_path(
    sets: list[list[tuple[str, list[str]]]], segs: list[str], cs: list[str]
) -> None:
    """A glob would override an exact rule on the exact path."""
    path = "/".join(segs).replace("+", "p").rstrip("*").lstrip("/") or "e"
    policies = build([*sets, [(path, cs)]])
    exact = [r for p in policies for r in p.rules if r.kind.value == "exact" and r.pattern == path]
    if any(r.is_deny for r in exact):
        expected = ["deny"]
    else:
        expected = sorted({c for r in exact for c in r.capabilities}) or ["deny"]
    assert answers(policies, [path]) == [expected]


@settings(max_examples=100, deadline=None)
@given(policy_sets, probes)
def test_parameter_constraints_never_change_capabilities(
    sets: list[list[tuple[str, list[str]]]], paths: list[str]
) -> None:
    """sys/capabilities would report something else once parameters are constrained."""
    plain = [parse_policy(text_of(rs), name=f"p{i}") for i, rs in enumerate(sets)]
    constrained = [
        parse_policy(
            text_of(rs, '\n required_parameters = ["x"]\n allowed_parameters = { y = ["z"] }'),
            name=f"p{i}",
        )
        for i, rs in enumerate(sets)
    ]
    assert answers(constrained, paths) == answers(plain, paths)


@settings(max_examples=100, deadline=None)
@given(policy_sets, probes)
def test_a_namespace_policy_never_reaches_a_sibling_namespace(
    sets: list[list[tuple[str, list[str]]]], paths: list[str]
) -> None:
    """A tenant's policy would grant something in another tenant's namespace."""
    policies = build(sets, namespace="team-a/")
    assert all(a == ["deny"] for a in answers(policies, paths, namespace="team-b/"))


@settings(max_examples=100, deadline=None)
@given(policy_sets)
def test_formatting_keeps_the_meaning(sets: list[list[tuple[str, list[str]]]]) -> None:
    """`credgate policy fmt` would change what a policy grants."""
    for p in build(sets):
        assert parse_policy(p.to_hcl(), name=p.name).rules == p.rules
