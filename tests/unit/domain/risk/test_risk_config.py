"""RiskConfig: validation, rule matching with OpenBao's globs, approvers per risk."""

from __future__ import annotations

import pytest

from credgate.domain.risk import (
    DEFAULT_AUTONOMY,
    DEFAULT_CONFIG,
    ApprovalSettings,
    AutonomyLevel,
    AutonomyRule,
    EnvironmentRisk,
    OperationKind,
    RiskConfig,
    RiskLevel,
    RiskRule,
)
from credgate.errors import InvalidRequest

READ, WRITE = OperationKind.READ, OperationKind.WRITE


def rules(*paths: str) -> RiskConfig:
    return RiskConfig(rules=tuple(RiskRule(p, "high", "high", p) for p in paths))


@pytest.mark.parametrize(
    ("paths", "probe", "winner"),
    [
        (("secret/data/app",), "secret/data/app", "secret/data/app"),
        (("secret/data/app",), "secret/data/app2", None),
        (("secret/data/*",), "secret/data/a/b/c", "secret/data/*"),
        (("secret/data/pay*",), "secret/data/payments/x", "secret/data/pay*"),
        (("secret/+/payments/*",), "secret/metadata/payments/", "secret/+/payments/*"),
        (("secret/+/payments",), "secret/data/payments/x", None),
        (("secret/*", "secret/data/*"), "secret/data/x", "secret/data/*"),
        (("secret/data/x", "secret/data/*"), "secret/data/x", "secret/data/x"),
        (
            ("secret/+/payments/*", "secret/data/payments/public/*"),
            "secret/data/payments/public/a",
            "secret/data/payments/public/*",
        ),
        (("/secret/data/x",), "secret/data/x", "/secret/data/x"),
    ],
)
def test_rules_match_with_openbao_globs_and_priority(
    paths: tuple[str, ...], probe: str, winner: str | None
) -> None:
    """Risk rules read like policy paths: exact beats glob, the most specific glob wins."""
    rule = rules(*paths).match_rule(probe)
    assert (rule.path if rule else None) == winner


def test_list_requests_match_folder_rules_like_policies() -> None:
    """Listing `secret/metadata/pay/` is covered by a rule on `secret/metadata/pay` (list
    fallback), as an OpenBao policy would be."""
    config = rules("secret/metadata/pay")
    assert config.match_rule("secret/metadata/pay/", "list") is not None
    assert config.match_rule("secret/metadata/pay/", "read") is None


@pytest.mark.parametrize(
    "path", ["", "/", "secret/{{identity.entity.id}}/*", "secret/+*", "a\nb", "x" * 1025]
)
def test_invalid_rule_paths_are_refused(path: str) -> None:
    """Templated, empty or malformed rule paths would silently never match: refuse them."""
    with pytest.raises(InvalidRequest):
        RiskRule(path, "low", "low")


def test_duplicate_rule_paths_are_refused() -> None:
    """Two rules for one path would make the winner arbitrary."""
    with pytest.raises(InvalidRequest, match="defined twice"):
        rules("secret/a", "secret/a")
    with pytest.raises(InvalidRequest, match="repeats"):
        rules("secret/a", "/secret/a")


def test_critical_reads_cannot_be_made_autonomous() -> None:
    """No namespace can configure an agent to see regulated data."""
    autonomy = dict(DEFAULT_AUTONOMY)
    autonomy[(RiskLevel.CRITICAL, READ)] = AutonomyRule(AutonomyLevel.CONFIRM, AutonomyLevel.NOTIFY)
    with pytest.raises(InvalidRequest, match="critical reads must stay 0"):
        RiskConfig(autonomy=autonomy)


def test_brokered_critical_use_can_be_opted_in() -> None:
    """A namespace may let agents *use* regulated data through credgate with a confirmation."""
    autonomy = dict(DEFAULT_AUTONOMY)
    autonomy[(RiskLevel.CRITICAL, READ)] = AutonomyRule(
        AutonomyLevel.SUGGEST, AutonomyLevel.CONFIRM
    )
    config = RiskConfig(autonomy=autonomy)
    assert config.autonomy_for(RiskLevel.CRITICAL, READ).max is AutonomyLevel.CONFIRM


def test_autonomy_max_below_level_is_refused() -> None:
    """A ceiling under the level would make brokered use *less* autonomous than a reveal."""
    with pytest.raises(InvalidRequest, match="cannot be below"):
        AutonomyRule(AutonomyLevel.NOTIFY, AutonomyLevel.CONFIRM)


def test_incomplete_autonomy_table_is_refused() -> None:
    """A missing cell would crash the broker mid-request; refuse it when configured."""
    autonomy = dict(DEFAULT_AUTONOMY)
    del autonomy[(RiskLevel.HIGH, WRITE)]
    with pytest.raises(InvalidRequest, match="high write"):
        RiskConfig(autonomy=autonomy)


def test_environment_table_must_keep_production() -> None:
    """Unknown environments fall back to production, so production must exist."""
    with pytest.raises(InvalidRequest, match="production"):
        RiskConfig(environments={"development": EnvironmentRisk(RiskLevel.LOW, RiskLevel.LOW)})


def test_default_environment_must_be_in_the_table() -> None:
    """A default naming an unknown environment would crash every unlabelled request."""
    with pytest.raises(InvalidRequest, match="default_environment"):
        RiskConfig(default_environment="qa")


def test_environment_names_are_normalised() -> None:
    """`QA` in the table matches `qa` in a secret's metadata."""
    config = RiskConfig(
        environments={**DEFAULT_CONFIG.environments, "QA": EnvironmentRisk("low", "medium")}
    )
    risk_row = config.environment_risk(" qa ")
    assert risk_row is not None
    assert risk_row.write is RiskLevel.MEDIUM


def test_two_approvers_apply_to_high_and_critical_only() -> None:
    """Four-eyes for high risk must not slow down medium-risk approvals."""
    config = RiskConfig(approvals=ApprovalSettings(approvers=1, approvers_high=2))
    assert [config.approvers_required(level) for level in RiskLevel] == [1, 1, 2, 2]


@pytest.mark.parametrize(
    "kwargs",
    [{"ttl": 10}, {"ttl": 8 * 86400}, {"approvers": 0}, {"approvers_high": 6}, {"approvers": True}],
)
def test_approval_settings_bounds(kwargs: dict[str, object]) -> None:
    """Approvals that expire in seconds or need zero approvers are configuration mistakes."""
    with pytest.raises(InvalidRequest):
        ApprovalSettings(**kwargs)  # type: ignore[arg-type]


def test_default_config_to_dict_shows_the_seed_table() -> None:
    """Operators reading the effective settings see the seed's autonomy per risk."""
    data = DEFAULT_CONFIG.to_dict()
    assert data["autonomy"]["low"] == {"read": 3, "write": 3, "read_max": 3, "write_max": 3}
    assert data["autonomy"]["medium"]["read"] == 2
    assert data["autonomy"]["high"]["write"] == 1
    assert data["autonomy"]["critical"] == {"read": 0, "write": 0, "read_max": 0, "write_max": 0}
    assert data["environments"]["production"] == {"read": "medium", "write": "high"}
    assert data["default_environment"] == "production"
    assert data["approvals"] == {"ttl": 900.0, "approvers": 1, "approvers_high": 1}
