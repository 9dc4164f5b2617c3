"""Risk and autonomy vocabulary: ordering, parsing, verdicts, operation kinds, data classes."""

from __future__ import annotations

import pytest

from credgate.domain.risk import (
    AutonomyLevel,
    OperationKind,
    RiskLevel,
    Verdict,
    is_critical_data_class,
    operation_kind,
)
from credgate.errors import InvalidRequest


def test_risk_levels_are_ordered_low_to_critical() -> None:
    """A comparison like `level >= HIGH` must mean what it says, or two-approver rules misfire."""
    assert RiskLevel.LOW < RiskLevel.MEDIUM < RiskLevel.HIGH < RiskLevel.CRITICAL
    assert max(RiskLevel.MEDIUM, RiskLevel.CRITICAL, RiskLevel.LOW) is RiskLevel.CRITICAL


@pytest.mark.parametrize(
    ("text", "level"),
    [("low", RiskLevel.LOW), (" High ", RiskLevel.HIGH), ("CRITICAL", RiskLevel.CRITICAL)],
)
def test_risk_level_parses_names_case_insensitively(text: str, level: RiskLevel) -> None:
    """Config authors may write `High`; it must not be refused or misread."""
    assert RiskLevel.parse(text) is level


@pytest.mark.parametrize("bad", ["severe", "", 2, None, "lowest"])
def test_unknown_risk_level_is_refused_with_a_hint(bad: object) -> None:
    """A typo in a risk level is an error naming the choices, never a silent default."""
    with pytest.raises(InvalidRequest, match="unknown risk level") as info:
        RiskLevel.parse(bad)
    assert "low, medium, high, critical" in info.value.hint


@pytest.mark.parametrize(
    ("value", "level"),
    [(0, AutonomyLevel.SUGGEST), ("1", AutonomyLevel.CONFIRM), ("notify", AutonomyLevel.NOTIFY)],
)
def test_autonomy_level_accepts_numbers_and_names(value: object, level: AutonomyLevel) -> None:
    """Both `read = 2` and `read = "notify"` configure the same autonomy."""
    assert AutonomyLevel.parse(value) is level


@pytest.mark.parametrize("bad", [4, -1, True, "autonomousish", 2.0])
def test_autonomy_level_out_of_range_is_refused(bad: object) -> None:
    """Autonomy 4 does not exist; accepting it would grant more than 'autonomous'."""
    with pytest.raises(InvalidRequest):
        AutonomyLevel.parse(bad)


def test_each_verdict_matches_one_autonomy_level() -> None:
    """The broker acts on the verdict; it must be the one the seed's table names per level."""
    assert [Verdict.for_level(n) for n in range(4)] == [
        Verdict.SUGGEST_ONLY,
        Verdict.REQUIRE_APPROVAL,
        Verdict.ALLOW_AND_NOTIFY,
        Verdict.ALLOW,
    ]
    assert all(Verdict.for_level(v.level) is v for v in Verdict)
    assert [v.serves for v in Verdict] == [False, False, True, True]


@pytest.mark.parametrize("op", ["read", "list", "scan"])
def test_reads_are_reads(op: str) -> None:
    """Reading or listing must get the read column of the table, not the stricter write one."""
    assert operation_kind(op) is OperationKind.READ


@pytest.mark.parametrize(
    "op", ["create", "update", "patch", "delete", "destroy", "create_or_update", "frobnicate"]
)
def test_writes_and_unknown_operations_are_writes(op: str) -> None:
    """An unknown operation counts as a write, so it never gets a read's laxer autonomy."""
    assert operation_kind(op) is OperationKind.WRITE


@pytest.mark.parametrize("value", ["pii", "PHI", " pci ", "financial", "pci-dss", "secret", 7])
def test_regulated_and_unknown_data_classes_are_critical(value: object) -> None:
    """A misspelt data class must fail closed, or a typo would reveal card data to an agent."""
    assert is_critical_data_class(value)


@pytest.mark.parametrize("value", [None, "", "  ", "none", "NONE"])
def test_no_data_class_is_not_critical(value: object) -> None:
    """Secrets without regulated data must not be blocked by the guardrail."""
    assert not is_critical_data_class(value)
