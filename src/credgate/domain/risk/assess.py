"""How risky is this request? And the guardrail no policy can override.

API::

    assess(path, operation, metadata=None, config=DEFAULT_CONFIG) -> RiskAssessment
    RiskAssessment(level, operation_kind, reasons, sources, environment, data_class,
                   critical_data, rule).to_dict()
    guardrail(data_class, principal_kind, brokered) -> None      raises GuardrailDenied

``path`` is the request path relative to the namespace (what a policy sees, e.g.
``secret/data/payments/card``); ``metadata`` is the secret's KV ``custom_metadata`` (only
``environment`` and ``data_class`` are read), ``None`` or ``{}`` when the secret has none or
does not exist yet.

The level is the **highest** of what applies, so no source can lower another:

1. a critical data class (``pii``, ``phi``, ``pci``, ``financial``, or any unknown class);
2. the namespace's path rule for the path, if one matches;
3. the ``environment`` metadata through the environment table; an environment the table
   does not know counts as ``production`` (fail safe);
4. only when there is neither ``environment`` metadata nor a matching rule: the namespace's
   ``default_environment`` (``production`` unless configured), so a secret nobody labelled
   is treated as production, never as development.

``sources`` names what decided the level (``data_class=pci``, ``rule=secret/+/payments/*``,
``environment=production``, ``default_environment=production``); ``reasons`` explains every
factor in a sentence, for the audit event and the agent's response. Neither holds a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from credgate.domain.risk.config import DEFAULT_CONFIG, RiskConfig
from credgate.domain.risk.levels import (
    CRITICAL_DATA_CLASSES,
    OperationKind,
    RiskLevel,
    is_critical_data_class,
    normalise_label,
    operation_kind,
)
from credgate.errors import GuardrailDenied

__all__ = ["RiskAssessment", "assess", "guardrail"]

_SHOWN = 40  # characters of a metadata label echoed in a reason


def _shown(label: str) -> str:
    return repr(label[:_SHOWN])


@dataclass(frozen=True)
class RiskAssessment:
    """The risk of one request and why. ``critical_data``: the guardrail applies."""

    level: RiskLevel
    operation_kind: OperationKind
    reasons: tuple[str, ...]
    sources: tuple[str, ...]
    environment: str | None = None  # the environment row used, if any
    data_class: str | None = None  # normalised ``data_class`` metadata, if any
    critical_data: bool = False
    rule: str | None = None  # the matching risk rule's path, if any

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for the audit event's ``decision`` and the agent's response."""
        return {
            "level": self.level.label,
            "operation_kind": self.operation_kind.value,
            "sources": list(self.sources),
            "reasons": list(self.reasons),
        }


def assess(
    path: str,
    operation: str,
    metadata: Mapping[str, object] | None = None,
    config: RiskConfig = DEFAULT_CONFIG,
) -> RiskAssessment:
    """The risk of ``operation`` on ``path`` given the secret's metadata and namespace config."""
    kind = operation_kind(operation)
    meta = metadata or {}
    factors: list[tuple[str, RiskLevel, str]] = []

    data_class = normalise_label(meta.get("data_class"))
    critical = is_critical_data_class(data_class)
    if critical and data_class is not None:
        if data_class in CRITICAL_DATA_CLASSES:
            why = f"data class {data_class} is regulated data: critical"
        else:
            why = f"unknown data class {_shown(data_class)} is treated as critical (fail safe)"
        factors.append((f"data_class={data_class[:_SHOWN]}", RiskLevel.CRITICAL, why))

    rule = config.match_rule(path, operation)
    if rule is not None:
        level = rule.level_for(kind)
        note = f" ({rule.comment})" if rule.comment else ""
        factors.append(
            (
                f"rule={rule.path}",
                level,
                f"risk rule {rule.path!r}{note} sets {level.label} for {kind.value}s",
            )
        )

    env_label = normalise_label(meta.get("environment"))
    environment: str | None = None
    if env_label is not None:
        row = config.environment_risk(env_label)
        if row is None:
            environment = "production"
            row = config.environments["production"]
            level = row.level_for(kind)
            why = (
                f"unknown environment {_shown(env_label)} is treated as production (fail safe):"
                f" {level.label} for {kind.value}s"
            )
            source = "environment=production"
        else:
            environment = env_label
            level = row.level_for(kind)
            why = f"environment {env_label}: {level.label} for {kind.value}s"
            source = f"environment={env_label}"
        factors.append((source, level, why))
    elif rule is None:
        environment = config.default_environment
        level = config.environments[environment].level_for(kind)
        factors.append(
            (
                f"default_environment={environment}",
                level,
                f"no environment metadata and no risk rule: the namespace default "
                f"{environment} applies ({level.label} for {kind.value}s)",
            )
        )

    top = max(level for _, level, _ in factors) if factors else RiskLevel.CRITICAL
    return RiskAssessment(
        level=top,
        operation_kind=kind,
        reasons=tuple(why for _, _, why in factors),
        sources=tuple(source for source, level, _ in factors if level == top),
        environment=environment,
        data_class=data_class,
        critical_data=critical,
        rule=None if rule is None else rule.path,
    )


def guardrail(data_class: str | None, principal_kind: str, brokered: bool) -> None:
    """Refuse to let a critical-class value reach an agent, whatever policy or approval says.

    Call it for every request whose response would carry a secret's value (a KV data read),
    after authorisation and before any approval is looked at or redeemed. Operators pass
    (a human may read regulated data). Brokered use passes (credgate uses the value, the
    agent never sees it); whether it may run is the autonomy decision's job, which keeps it
    at 0 (suggest) for critical data unless the namespace opts in. Any principal kind other
    than ``"operator"`` is treated as an agent.
    """
    if principal_kind == "operator" or brokered:
        return
    if is_critical_data_class(data_class):
        label = normalise_label(data_class) or "?"
        what = (
            f"{label} data"
            if label in CRITICAL_DATA_CLASSES
            else "data of an unknown class (treated as critical)"
        )
        raise GuardrailDenied(
            f"this secret holds {what}: its value is never revealed to an agent",
            hint=(
                "an operator can read it; an agent may only use it through credgate without "
                "seeing it (brokered use), if the namespace allows that"
            ),
        )
