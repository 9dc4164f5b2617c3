"""Autonomy decisions: the seed's table end to end, brokered bonus, agent cap, taint."""

from __future__ import annotations

import pytest

from credgate.domain.risk import (
    AutonomyLevel,
    RiskLevel,
    Verdict,
    assess,
    decide_autonomy,
    parse_risk_config,
)
from credgate.errors import InvalidRequest

PATH = "secret/data/app/db"


def decide(metadata: dict[str, str], operation: str, **kwargs: object) -> Verdict:
    options: dict[str, object] = {"agent_max": 3, "tainted": False, "brokered": False}
    options.update(kwargs)
    risk = assess(PATH, operation, metadata)
    return decide_autonomy(risk, operation, **options).verdict  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("metadata", "read", "write"),
    [
        ({"environment": "development"}, Verdict.ALLOW, Verdict.ALLOW),
        ({"environment": "staging"}, Verdict.ALLOW, Verdict.ALLOW_AND_NOTIFY),
        ({"environment": "production"}, Verdict.ALLOW_AND_NOTIFY, Verdict.REQUIRE_APPROVAL),
        (
            {"environment": "development", "data_class": "pii"},
            Verdict.SUGGEST_ONLY,
            Verdict.SUGGEST_ONLY,
        ),
        (
            {"environment": "production", "data_class": "financial"},
            Verdict.SUGGEST_ONLY,
            Verdict.SUGGEST_ONLY,
        ),
    ],
)
def test_seed_table_end_to_end(metadata: dict[str, str], read: Verdict, write: Verdict) -> None:
    """DESIGN.md's table: dev 3/3, staging 3/2, production 2/1, regulated data 0/0."""
    assert decide(metadata, "read") is read
    assert decide(metadata, "update") is write


def test_brokered_production_read_runs_one_level_higher() -> None:
    """Using a production secret through credgate needs no notification: the agent sees nothing."""
    assert decide({"environment": "production"}, "read", brokered=True) is Verdict.ALLOW


def test_brokered_use_never_passes_the_configured_maximum() -> None:
    """Brokered writes get no bonus by default; development cannot go above 3."""
    assert decide({"environment": "production"}, "update", brokered=True) is (
        Verdict.REQUIRE_APPROVAL
    )
    assert decide({"environment": "development"}, "read", brokered=True) is Verdict.ALLOW


def test_brokered_use_of_regulated_data_stays_a_suggestion_by_default() -> None:
    """Even without revealing, PCI data is not used by an agent unless the namespace opts in."""
    assert decide({"data_class": "pci"}, "read", brokered=True) is Verdict.SUGGEST_ONLY


def test_namespace_opt_in_lets_brokered_critical_use_wait_for_approval() -> None:
    """`autonomy "critical" { read_max = 1 }` turns brokered PCI use into confirm, not allow."""
    config = parse_risk_config('autonomy "critical" {\n  read_max = 1\n}')
    risk = assess(PATH, "read", {"data_class": "pci"}, config)
    decision = decide_autonomy(
        risk, "read", agent_max=3, tainted=False, brokered=True, namespace_config=config
    )
    assert decision.verdict is Verdict.REQUIRE_APPROVAL
    reveal = decide_autonomy(
        risk, "read", agent_max=3, tainted=False, brokered=False, namespace_config=config
    )
    assert reveal.verdict is Verdict.SUGGEST_ONLY


def test_agent_maximum_caps_autonomy() -> None:
    """An agent created with max autonomy 1 waits for approval even on development secrets."""
    assert decide({"environment": "development"}, "read", agent_max=1) is (Verdict.REQUIRE_APPROVAL)


def test_taint_lowers_one_level() -> None:
    """A flagged session loses one level: a production read now waits for a human."""
    assert decide({"environment": "production"}, "read", tainted=True) is (Verdict.REQUIRE_APPROVAL)
    assert decide({"environment": "development"}, "read", tainted=True) is (
        Verdict.ALLOW_AND_NOTIFY
    )


def test_taint_applies_after_the_agent_cap() -> None:
    """Cap 2 then taint gives 1: the taint is felt even by a capped agent."""
    assert decide({"environment": "development"}, "read", agent_max=2, tainted=True) is (
        Verdict.REQUIRE_APPROVAL
    )


def test_taint_never_goes_below_suggest() -> None:
    """Level 0 stays 0; there is nothing below suggest."""
    decision = decide_autonomy(
        RiskLevel.CRITICAL, "read", agent_max=3, tainted=True, brokered=False
    )
    assert decision.level is AutonomyLevel.SUGGEST
    assert "already at 0" in decision.reasons[-1]


def test_reasons_explain_every_step() -> None:
    """The agent and the audit see why: default, brokered bonus, cap, taint."""
    decision = decide_autonomy(RiskLevel.MEDIUM, "read", agent_max=2, tainted=True, brokered=True)
    assert decision.level is AutonomyLevel.CONFIRM
    text = " | ".join(decision.reasons)
    assert "medium risk read: autonomy 2 (notify)" in text
    assert "brokered use" in text
    assert "capped by the agent's maximum autonomy 2" in text
    assert "tainted" in text
    assert decision.to_dict() == {
        "autonomy": 1,
        "autonomy_name": "confirm",
        "verdict": "require_approval",
        "reasons": list(decision.reasons),
    }


@pytest.mark.parametrize("bad", [-1, 4, True, "3", 2.5])
def test_agent_max_out_of_range_is_refused(bad: object) -> None:
    """A corrupt agent maximum must not be read as 'unlimited'."""
    with pytest.raises(InvalidRequest, match="maximum autonomy"):
        decide_autonomy(RiskLevel.LOW, "read", agent_max=bad, tainted=False, brokered=False)  # type: ignore[arg-type]
