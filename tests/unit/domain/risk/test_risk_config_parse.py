"""The risk configuration text: HCL and JSON, defaults kept, errors with line and column."""

from __future__ import annotations

import pytest

from credgate.domain.risk import (
    DEFAULT_CONFIG,
    AutonomyLevel,
    OperationKind,
    RiskLevel,
    parse_risk_config,
)
from credgate.errors import PolicyParseError

READ, WRITE = OperationKind.READ, OperationKind.WRITE

FULL = """
# Payments are critical, whatever their metadata says.
risk "secret/+/payments/*" {
  level   = "critical"
  comment = "card processing"
}
risk "secret/data/reports/*" {
  read  = "low"
  write = "high"
}
environment "qa" {
  read  = "low"
  write = "medium"
}
environment "production" {
  read = "high"
}
default_environment = "qa"
autonomy "medium" {
  read     = "autonomous"
  write    = 1
}
autonomy "critical" {
  read_max = 1
}
approvals {
  ttl            = "10m"
  approvers_high = 2
}
"""


def test_full_example_parses_into_the_expected_config() -> None:
    """Every documented block changes exactly what the docs say it changes."""
    config = parse_risk_config(FULL)
    assert [r.path for r in config.rules] == ["secret/+/payments/*", "secret/data/reports/*"]
    assert config.rules[0].comment == "card processing"
    assert (config.rules[1].read, config.rules[1].write) == (RiskLevel.LOW, RiskLevel.HIGH)
    assert config.environments["qa"].write is RiskLevel.MEDIUM
    assert config.environments["production"].read is RiskLevel.HIGH
    assert config.environments["production"].write is RiskLevel.HIGH  # kept
    assert config.default_environment == "qa"
    medium_read = config.autonomy_for(RiskLevel.MEDIUM, READ)
    assert (medium_read.level, medium_read.max) == (AutonomyLevel.AUTONOMOUS,) * 2
    assert config.autonomy_for(RiskLevel.MEDIUM, WRITE).level is AutonomyLevel.CONFIRM
    assert config.autonomy_for(RiskLevel.CRITICAL, READ).max is AutonomyLevel.CONFIRM
    assert config.autonomy_for(RiskLevel.HIGH, READ) == DEFAULT_CONFIG.autonomy_for(
        RiskLevel.HIGH, READ
    )
    assert config.approvals.ttl == 600
    assert config.approvers_required(RiskLevel.HIGH) == 2


def test_json_form_is_accepted() -> None:
    """The same config can be sent as JSON by API clients."""
    config = parse_risk_config(
        '{"risk": {"secret/data/x/*": {"level": "high"}}, "default_environment": "development",'
        ' "approvals": {"approvers": 2}}'
    )
    assert config.match_rule("secret/data/x/y") is not None
    assert config.default_environment == "development"
    assert config.approvals.approvers == 2


def test_raising_a_level_raises_its_ceiling() -> None:
    """`autonomy "high" { write = 2 }` must not fail because the default ceiling was 1."""
    config = parse_risk_config('autonomy "high" {\n  write = 2\n}')
    rule = config.autonomy_for(RiskLevel.HIGH, WRITE)
    assert (rule.level, rule.max) == (AutonomyLevel.NOTIFY, AutonomyLevel.NOTIFY)


def test_comment_only_config_is_the_default() -> None:
    """A config holding only comments means "use the seed's table"."""
    assert parse_risk_config("# nothing yet\n") == DEFAULT_CONFIG


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("", "empty", None),
        ('risk "a" {\n  level = "severe"\n}', "unknown risk level", 1),
        ('risk "a" {\n  colour = "red"\n}', "unknown key 'colour'", 2),
        ('risk {\n  level = "low"\n}', "exactly one label", 1),
        ('risk "a" {\n}', "give level, or both read and write", 1),
        ('path "a" {\n  capabilities = ["read"]\n}', "unknown key 'path'", 1),
        ('autonomy "critical" {\n  read = 1\n}', "critical reads must stay 0", 1),
        ('autonomy "extreme" {\n  read = 1\n}', "unknown risk level", 1),
        ('autonomy "low" {\n  read = 4\n}', "unknown autonomy level", 1),
        ('autonomy "low" {\n  read = 3\n}\nautonomy "low" {\n  read = 3\n}', "twice", 4),
        ('autonomy "high" {\n  write = 2\n  write_max = 1\n}', "cannot be below", 1),
        ('approvals {\n  ttl = "1s"\n}', "between 1 minute and 7 days", 1),
        ('approvals {\n  ttl = "soon"\n}', "ttl", 1),
        ("approvals {\n  approvers = 9\n}", "between 1 and 5", 1),
        ('approvals "x" {\n  approvers = 1\n}', "no label", 1),
        ("approvals {}\napprovals {}", "defined twice", 2),
        ('default_environment = "mars"', "not in the table", 1),
        ('risk "secret/{{identity.entity.id}}" {\n  level = "low"\n}', "templated", 1),
        ('risk "a" {\n  level = "low"\n}\nrisk "a" {\n  level = "high"\n}', "defined twice", 4),
        ('risk "a" { level = ', "expected", None),
        ('environment "" {\n  level = "low"\n}', "1 to 64", 1),
    ],
)
def test_bad_configs_are_refused_with_a_position(text: str, message: str, line: int | None) -> None:
    """A config mistake names its line, so the operator can fix it; nothing half-applies."""
    with pytest.raises(PolicyParseError, match=message) as info:
        parse_risk_config(text)
    err = info.value
    assert err.source == "risk config"
    assert "risk" in err.hint
    if line is not None:
        assert err.line == line
    assert err.status == 400


def test_oversized_config_is_refused() -> None:
    """A megabyte of config is an attack or a mistake, not a configuration."""
    with pytest.raises(PolicyParseError, match="longer than"):
        parse_risk_config("#" * (300 * 1024))
