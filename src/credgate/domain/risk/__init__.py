"""Risk tiers, autonomy levels and the data-class guardrail (objections 1, 3 and 7 of the seed).

The broker calls, after authorisation and before execution::

    risk = assess(path, operation, secret_custom_metadata, namespace_config)
    guardrail(risk.data_class, principal_kind, brokered)         # raises GuardrailDenied
    decision = decide_autonomy(risk, operation, agent_max=..., tainted=..., brokered=...,
                               namespace_config=namespace_config)
    decision.verdict  # ALLOW | ALLOW_AND_NOTIFY | REQUIRE_APPROVAL | SUGGEST_ONLY

A namespace's configuration is a :class:`RiskConfig` (``DEFAULT_CONFIG`` is the seed's table),
read from HCL/JSON by :func:`parse_risk_config`. See docs/concepts/risk-and-autonomy.md.
Approvals, elevations and grant proposals live in ``credgate.domain.approvals``,
``credgate.domain.elevations`` and ``credgate.domain.grant_proposals``.
"""

from credgate.domain.risk.assess import RiskAssessment, assess, guardrail
from credgate.domain.risk.autonomy import AutonomyDecision, decide_autonomy
from credgate.domain.risk.config import (
    DEFAULT_AUTONOMY,
    DEFAULT_CONFIG,
    DEFAULT_ENVIRONMENTS,
    ApprovalSettings,
    AutonomyRule,
    EnvironmentRisk,
    RiskConfig,
    RiskRule,
)
from credgate.domain.risk.config_parse import parse_risk_config
from credgate.domain.risk.levels import (
    CRITICAL_DATA_CLASSES,
    ENVIRONMENTS,
    KNOWN_DATA_CLASSES,
    AutonomyLevel,
    OperationKind,
    RiskLevel,
    Verdict,
    is_critical_data_class,
    operation_kind,
)

__all__ = [
    "CRITICAL_DATA_CLASSES",
    "DEFAULT_AUTONOMY",
    "DEFAULT_CONFIG",
    "DEFAULT_ENVIRONMENTS",
    "ENVIRONMENTS",
    "KNOWN_DATA_CLASSES",
    "ApprovalSettings",
    "AutonomyDecision",
    "AutonomyLevel",
    "AutonomyRule",
    "EnvironmentRisk",
    "OperationKind",
    "RiskAssessment",
    "RiskConfig",
    "RiskLevel",
    "RiskRule",
    "Verdict",
    "assess",
    "decide_autonomy",
    "guardrail",
    "is_critical_data_class",
    "operation_kind",
    "parse_risk_config",
]
