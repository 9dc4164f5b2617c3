"""Rules of risk, autonomy and approvals that must hold for every input (hypothesis)."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from credgate.domain.approvals import (
    ApprovalStatus,
    approve,
    deny,
    fingerprint,
    new_approval,
    redeem,
)
from credgate.domain.grant_proposals import propose_grant, render_policy_block
from credgate.domain.policy import ACL, parse_policy
from credgate.domain.risk import (
    DEFAULT_AUTONOMY,
    AutonomyLevel,
    AutonomyRule,
    OperationKind,
    RiskConfig,
    RiskLevel,
    RiskRule,
    Verdict,
    assess,
    decide_autonomy,
    guardrail,
    operation_kind,
)
from credgate.errors import Error, GuardrailDenied

KEY = b"p" * 32
NOW = 1_800_000_000.0

levels = st.sampled_from(list(RiskLevel))
operations = st.sampled_from(
    ["read", "list", "scan", "create", "update", "patch", "delete", "destroy", "weird"]
)
agent_max = st.integers(0, 3)


@st.composite
def autonomy_tables(draw: st.DrawFn) -> dict[tuple[RiskLevel, OperationKind], AutonomyRule]:
    table = dict(DEFAULT_AUTONOMY)
    for level in RiskLevel:
        for kind in OperationKind:
            low = draw(st.integers(0, 3))
            if level is RiskLevel.CRITICAL and kind is OperationKind.READ:
                low = 0
            high = draw(st.integers(low, 3))
            table[(level, kind)] = AutonomyRule(AutonomyLevel(low), AutonomyLevel(high))
    return table


segments = st.sampled_from(["secret", "data", "metadata", "payments", "app", "+", "x"])
rule_paths = st.builds(
    lambda segs, glob: "/".join(segs) + glob,
    st.lists(segments, min_size=1, max_size=4),
    st.sampled_from(["", "*", "/*"]),
).filter(lambda p: "+*" not in p)


@st.composite
def configs(draw: st.DrawFn) -> RiskConfig:
    paths = draw(st.lists(rule_paths, max_size=4, unique_by=lambda p: p.lstrip("/")))
    rules = tuple(RiskRule(p, draw(levels), draw(levels)) for p in paths)
    try:
        return RiskConfig(
            rules=rules,
            autonomy=draw(autonomy_tables()),
            default_environment=draw(st.sampled_from(["development", "staging", "production"])),
        )
    except Error:
        assume(False)
        raise


request_paths = st.builds(
    lambda segs: "/".join(segs),
    st.lists(segments.filter(lambda s: s != "+"), min_size=1, max_size=5),
)
environments = st.sampled_from([None, "development", "staging", "production", "qa", "PROD"])
data_classes = st.sampled_from([None, "none", "pii", "phi", "pci", "financial", "PCI", "weird"])


def decide(level: RiskLevel, op: str, config: RiskConfig, **kw: Any) -> AutonomyLevel:
    return decide_autonomy(level, op, namespace_config=config, **kw).level


@settings(max_examples=300, deadline=None)
@given(levels, operations, agent_max, st.booleans(), configs())
def test_taint_never_raises_autonomy(
    level: RiskLevel, op: str, cap: int, brokered: bool, config: RiskConfig
) -> None:
    """A flagged session can only lose autonomy: one level, unless already at 0."""
    clean = decide(level, op, config, agent_max=cap, tainted=False, brokered=brokered)
    dirty = decide(level, op, config, agent_max=cap, tainted=True, brokered=brokered)
    assert dirty == max(0, clean - 1)


@settings(max_examples=300, deadline=None)
@given(levels, operations, agent_max, st.booleans(), st.booleans(), configs())
def test_agent_maximum_is_never_exceeded(
    level: RiskLevel, op: str, cap: int, tainted: bool, brokered: bool, config: RiskConfig
) -> None:
    """An agent created with max autonomy N never acts above N."""
    assert decide(level, op, config, agent_max=cap, tainted=tainted, brokered=brokered) <= cap


@settings(max_examples=300, deadline=None)
@given(levels, operations, agent_max, st.booleans(), configs())
def test_brokered_never_above_the_configured_maximum_and_never_below_a_reveal(
    level: RiskLevel, op: str, cap: int, tainted: bool, config: RiskConfig
) -> None:
    """Brokered use gains at most one level and never passes the namespace's ceiling."""
    rule = config.autonomy_for(level, operation_kind(op))
    reveal = decide(level, op, config, agent_max=cap, tainted=tainted, brokered=False)
    brokered = decide(level, op, config, agent_max=cap, tainted=tainted, brokered=True)
    assert brokered <= rule.max
    assert reveal <= brokered <= reveal + 1


@settings(max_examples=300, deadline=None)
@given(
    request_paths,
    st.sampled_from(["pii", "phi", "pci", "financial", "Pci", "unknown-class"]),
    environments,
    st.sampled_from(["read", "list", "scan"]),
    agent_max,
    st.booleans(),
    configs(),
)
def test_critical_data_is_never_allowed_for_an_agent_reveal(
    path: str,
    data_class: str,
    environment: str | None,
    op: str,
    cap: int,
    tainted: bool,
    config: RiskConfig,
) -> None:
    """Whatever rules and autonomy a namespace configures, regulated data is never revealed:
    the guardrail refuses, and autonomy alone would say 'suggest only'."""
    metadata = {"data_class": data_class}
    if environment is not None:
        metadata["environment"] = environment
    risk = assess(path, op, metadata, config)
    assert risk.level is RiskLevel.CRITICAL
    with pytest.raises(GuardrailDenied):
        guardrail(risk.data_class, "agent", brokered=False)
    decision = decide_autonomy(
        risk, op, agent_max=cap, tainted=tainted, brokered=False, namespace_config=config
    )
    assert decision.verdict is Verdict.SUGGEST_ONLY


@settings(max_examples=300, deadline=None)
@given(request_paths, operations, environments, data_classes, configs())
def test_risk_is_never_below_what_the_metadata_alone_says(
    path: str, op: str, environment: str | None, data_class: str | None, config: RiskConfig
) -> None:
    """Path rules can raise risk but never lower what a secret's labels say."""
    metadata = {k: v for k, v in (("environment", environment), ("data_class", data_class)) if v}
    with_rules = assess(path, op, metadata, config)
    bare = RiskConfig(autonomy=config.autonomy, default_environment=config.default_environment)
    without = assess(path, op, metadata, bare)
    if environment is not None or data_class not in (None, "none"):
        assert with_rules.level >= without.level
    assert with_rules.sources  # something always decides


# -- approvals ---------------------------------------------------------------------------------

params = st.dictionaries(
    st.text(max_size=5), st.one_of(st.text(max_size=8), st.integers(), st.booleans()), max_size=3
)
steps = st.lists(
    st.tuples(
        st.sampled_from(["approve", "deny", "redeem", "tick"]),
        st.sampled_from(["op_a", "op_b", "op_c", "agt_1", "agt_2"]),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(steps, st.integers(1, 3), params)
def test_an_approval_is_redeemed_at_most_once(
    sequence: list[tuple[str, str]], required: int, body: dict[str, object]
) -> None:
    """Whatever operators and agents do, in any order, one approval serves one request."""
    request = fingerprint("agt_1", "", "secret/data/p", "update", None, body, key=KEY)
    approval = new_approval(
        approval_id="apr_x", request=request, now=NOW, required_approvals=required
    )
    now, served = NOW, 0
    for action, who in sequence:
        kind = "agent" if who.startswith("agt") else "operator"
        try:
            if action == "approve":
                approval = approve(approval, who, kind, now)
            elif action == "deny":
                approval = deny(approval, who, kind, now, "no")
            elif action == "redeem":
                approval = redeem(approval, request, who, now)
                served += 1
            else:
                now += 400
        except Error:
            pass
    assert served <= 1
    if served:
        assert approval.status is ApprovalStatus.USED
        assert len(set(approval.approvers)) >= required
        assert not {"agt_1", "agt_2"} & set(approval.approvers)


changes = st.sampled_from(["path", "operation", "version", "params", "namespace"])


@settings(max_examples=300, deadline=None)
@given(changes, params, st.one_of(st.none(), st.integers(1, 50)), st.text(min_size=1, max_size=4))
def test_any_change_to_the_request_breaks_redemption(
    change: str, body: dict[str, object], version: int | None, noise: str
) -> None:
    """An approval for one request can never serve a different one."""
    base: dict[str, Any] = {
        "principal_id": "agt_1",
        "namespace": "acme/",
        "path": "secret/data/p",
        "operation": "update",
        "version": version,
        "params": body,
    }
    other = dict(base)
    if change == "path":
        other["path"] = base["path"] + "/" + noise
    elif change == "operation":
        other["operation"] = "delete"
    elif change == "version":
        other["version"] = (version or 0) + 1
    elif change == "namespace":
        other["namespace"] = "acme/" + noise + "/"
    else:
        other["params"] = {**body, "extra" + noise: noise}
    approved = approve(
        new_approval(approval_id="apr_x", request=fingerprint(**base, key=KEY), now=NOW),
        "op_a",
        "operator",
        NOW,
    )
    with pytest.raises(Error):
        redeem(approved, fingerprint(**other, key=KEY), "agt_1", NOW + 1)
    assert redeem(approved, fingerprint(**base, key=KEY), "agt_1", NOW + 1).status is (
        ApprovalStatus.USED
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["op_a", "op_a", "op_a", "op_b"]), min_size=1, max_size=6))
def test_one_approver_never_satisfies_a_two_approver_rule(approvers: list[str]) -> None:
    """Only two *different* operators make a four-eyes approval."""
    request = fingerprint("agt_1", "", "secret/data/p", "update", None, {}, key=KEY)
    approval = new_approval(approval_id="apr_x", request=request, now=NOW, required_approvals=2)
    for who in approvers:
        with contextlib.suppress(Error):
            approval = approve(approval, who, "operator", NOW)
    assert (approval.status is ApprovalStatus.APPROVED) == (set(approvers) == {"op_a", "op_b"})


# -- proposals ---------------------------------------------------------------------------------

proposal_segments = st.text(alphabet="ab.+*-_é$", min_size=1, max_size=6)
justifications = st.builds(
    lambda head, rest: head + rest,
    st.sampled_from(["a", "é", "#"]),
    st.text(alphabet='ab \n\t#*/"{}$\\é', max_size=80),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(proposal_segments, min_size=1, max_size=4),
    st.sampled_from(["", "*", "/"]),
    st.lists(st.sampled_from(["read", "list", "create", "update", "patch"]), min_size=1),
    justifications,
)
def test_every_accepted_proposal_renders_a_valid_policy_granting_just_that(
    segs: list[str], tail: str, caps: list[str], justification: str
) -> None:
    """A proposal the domain accepts always becomes a policy OpenBao accepts, with exactly
    the proposed capabilities on exactly the proposed path (no comment can inject a rule)."""
    try:
        proposal = propose_grant(
            proposal_id="gpr_x",
            agent_id="agt_1",
            namespace="",
            path="/".join(segs) + tail,
            capabilities=caps,
            justification=justification,
            now=NOW,
        )
    except Error:
        assume(False)
        return
    policy = parse_policy(render_policy_block(proposal))
    assert [r.path for r in policy.rules] == [proposal.path]
    assert policy.rules[0].capabilities == frozenset(proposal.capabilities)
    probe = proposal.path[:-1] if proposal.path.endswith("*") else proposal.path
    assert set(ACL([policy]).capabilities(probe)) == set(proposal.capabilities)
