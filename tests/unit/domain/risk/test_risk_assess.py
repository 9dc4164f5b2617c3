"""Risk assessment: the seed's default table, metadata, path rules, fail-safe defaults."""

from __future__ import annotations

import pytest

from credgate.domain.risk import (
    DEFAULT_CONFIG,
    OperationKind,
    RiskConfig,
    RiskLevel,
    RiskRule,
    assess,
    guardrail,
)
from credgate.errors import Denied, GuardrailDenied

PATH = "secret/data/app/db"


@pytest.mark.parametrize(
    ("environment", "operation", "level"),
    [
        ("development", "read", RiskLevel.LOW),
        ("development", "update", RiskLevel.LOW),
        ("staging", "read", RiskLevel.LOW),
        ("staging", "create", RiskLevel.MEDIUM),
        ("production", "read", RiskLevel.MEDIUM),
        ("production", "list", RiskLevel.MEDIUM),
        ("production", "update", RiskLevel.HIGH),
        ("production", "delete", RiskLevel.HIGH),
        ("Production", "read", RiskLevel.MEDIUM),
    ],
)
def test_default_table_by_environment(environment: str, operation: str, level: RiskLevel) -> None:
    """The seed's tiers: development low, production reads medium and writes high."""
    risk = assess(PATH, operation, {"environment": environment})
    assert risk.level is level
    assert risk.sources == (f"environment={environment.lower()}",)
    assert risk.environment == environment.lower()


@pytest.mark.parametrize("data_class", ["pii", "phi", "pci", "financial"])
@pytest.mark.parametrize("operation", ["read", "update"])
def test_regulated_data_is_critical_even_in_development(data_class: str, operation: str) -> None:
    """A card number in a development secret is still card data: critical, guardrail applies."""
    risk = assess(PATH, operation, {"environment": "development", "data_class": data_class})
    assert risk.level is RiskLevel.CRITICAL
    assert risk.critical_data
    assert risk.sources == (f"data_class={data_class}",)
    assert any("regulated" in r for r in risk.reasons)


def test_unknown_environment_is_treated_as_production() -> None:
    """A typo like 'prodution' must not make a production secret look like development."""
    risk = assess(PATH, "update", {"environment": "prodution"})
    assert risk.level is RiskLevel.HIGH
    assert risk.environment == "production"
    assert "fail safe" in risk.reasons[0]


def test_secret_without_metadata_is_production_by_default() -> None:
    """A secret nobody labelled is treated as production, never as development."""
    risk = assess(PATH, "create", None)
    assert risk.level is RiskLevel.HIGH
    assert risk.sources == ("default_environment=production",)


def test_namespace_default_environment_applies_to_unlabelled_secrets() -> None:
    """A sandbox namespace can declare its unlabelled secrets development."""
    config = RiskConfig(default_environment="development")
    assert assess(PATH, "update", {}, config).level is RiskLevel.LOW


def test_path_rule_sets_risk_and_is_named_as_the_source() -> None:
    """`risk "secret/+/payments/*" { level = "critical" }` makes payment secrets critical."""
    config = RiskConfig(rules=(RiskRule("secret/+/payments/*", "critical", "critical", "cards"),))
    risk = assess("secret/data/payments/stripe", "read", {"environment": "development"}, config)
    assert risk.level is RiskLevel.CRITICAL
    assert risk.sources == ("rule=secret/+/payments/*",)
    assert risk.rule == "secret/+/payments/*"
    assert "(cards)" in risk.reasons[0]
    assert not risk.critical_data  # a path rule is not a data class: no guardrail


def test_path_rule_can_differ_for_reads_and_writes() -> None:
    """A rule may let agents read freely but make writes high risk."""
    config = RiskConfig(rules=(RiskRule("secret/data/reports/*", "low", "high"),))
    read = assess("secret/data/reports/q1", "read", {}, config)
    write = assess("secret/data/reports/q1", "patch", {}, config)
    assert (read.level, write.level) == (RiskLevel.LOW, RiskLevel.HIGH)
    assert read.operation_kind is OperationKind.READ


def test_path_rule_replaces_the_default_environment_for_unlabelled_secrets() -> None:
    """With a matching rule and no metadata, the rule decides (not the production default)."""
    config = RiskConfig(rules=(RiskRule("secret/data/dev/*", "low", "low"),))
    risk = assess("secret/data/dev/x", "update", {}, config)
    assert risk.level is RiskLevel.LOW
    assert risk.environment is None


def test_path_rule_never_lowers_metadata() -> None:
    """A lax rule cannot make a labelled production secret low risk: the highest source wins."""
    config = RiskConfig(rules=(RiskRule("secret/*", "low", "low"),))
    risk = assess(PATH, "update", {"environment": "production"}, config)
    assert risk.level is RiskLevel.HIGH
    assert risk.sources == ("environment=production",)
    assert len(risk.reasons) == 2


def test_path_rule_cannot_lower_a_regulated_data_class() -> None:
    """No namespace rule can take PCI data below critical."""
    config = RiskConfig(rules=(RiskRule("secret/*", "low", "low"),))
    risk = assess(PATH, "read", {"data_class": "pci"}, config)
    assert risk.level is RiskLevel.CRITICAL


def test_sources_list_every_factor_that_reached_the_level() -> None:
    """When a rule and the metadata agree, both are named so the audit shows either cause."""
    config = RiskConfig(rules=(RiskRule("secret/data/app/*", "medium", "high"),))
    risk = assess(PATH, "read", {"environment": "production"}, config)
    assert risk.sources == ("rule=secret/data/app/*", "environment=production")


def test_assessment_to_dict_is_json_ready_and_holds_no_metadata_values_beyond_labels() -> None:
    """The audit event and the agent's response get level, kind, sources and reasons."""
    risk = assess(PATH, "read", {"environment": "production", "owner": "s3cr3t-owner"})
    data = risk.to_dict()
    assert data == {
        "level": "medium",
        "operation_kind": "read",
        "sources": ["environment=production"],
        "reasons": ["environment production: medium for reads"],
    }
    assert "s3cr3t" not in repr(risk)


def test_long_unknown_labels_are_truncated_in_reasons() -> None:
    """A huge metadata label cannot bloat every audit event."""
    risk = assess(PATH, "read", {"environment": "x" * 5000, "data_class": "y" * 5000})
    assert all(len(r) < 200 for r in risk.reasons)
    assert all(len(s) < 80 for s in risk.sources)


def test_default_config_is_the_default() -> None:
    """Calling assess without a config uses the seed's table."""
    assert assess(PATH, "read", {"environment": "production"}) == assess(
        PATH, "read", {"environment": "production"}, DEFAULT_CONFIG
    )


# -- guardrail ---------------------------------------------------------------------------------


@pytest.mark.parametrize("data_class", ["pii", "phi", "pci", "financial", "PCI", "unknown-x"])
def test_guardrail_refuses_revealing_regulated_data_to_an_agent(data_class: str) -> None:
    """No policy, approval or elevation can make a critical value reach an agent."""
    with pytest.raises(GuardrailDenied) as info:
        guardrail(data_class, "agent", brokered=False)
    assert info.value.code == "guardrail"
    assert info.value.status == 403
    assert isinstance(info.value, Denied)


def test_guardrail_treats_unknown_principal_kinds_as_agents() -> None:
    """A new principal kind must not slip past the guardrail."""
    with pytest.raises(GuardrailDenied):
        guardrail("pci", "robot", brokered=False)


def test_guardrail_lets_operators_read_regulated_data() -> None:
    """A human operator may still read PHI; the guardrail is about agents."""
    guardrail("phi", "operator", brokered=False)


def test_guardrail_lets_brokered_use_through_to_the_autonomy_decision() -> None:
    """Brokered use reveals nothing to the agent; whether it runs is autonomy's call (0)."""
    guardrail("pci", "agent", brokered=True)


@pytest.mark.parametrize("data_class", [None, "", "none"])
def test_guardrail_ignores_unregulated_secrets(data_class: str | None) -> None:
    """Ordinary secrets are not blocked by the guardrail."""
    guardrail(data_class, "agent", brokered=False)
