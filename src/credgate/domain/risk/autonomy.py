"""How much may the agent do alone? From the risk to a :class:`Verdict` the broker acts on.

API::

    decide_autonomy(risk, operation, *, agent_max, tainted, brokered,
                    namespace_config=DEFAULT_CONFIG) -> AutonomyDecision
    AutonomyDecision(level, reasons).verdict / .to_dict()

``risk`` is a :class:`RiskAssessment` (or a bare :class:`RiskLevel`). The steps, each one
recorded in ``reasons``:

1. the namespace's autonomy for (risk level, read|write): its ``level``;
2. brokered use (credgate injects the value; the agent never sees it): one level higher, but
   never above that entry's ``max`` (so critical data stays at 0 unless the namespace raised
   ``max`` for critical reads);
3. capped by the agent's own maximum (set when the agent was created);
4. one level lower while the session is tainted (the input inspector flagged it), never
   below 0.

So taint never raises autonomy, the agent's maximum is never exceeded, brokered use never
passes the configured maximum, and a reveal of critical data is always 0 (the config refuses
anything else). Autonomy is for agents: operators are humans and are not weighed here.
The guardrail (:func:`credgate.domain.risk.assess.guardrail`) runs before this and raises;
this function only decides, it never raises for a decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from credgate.domain.risk.assess import RiskAssessment
from credgate.domain.risk.config import DEFAULT_CONFIG, RiskConfig
from credgate.domain.risk.levels import AutonomyLevel, RiskLevel, Verdict, operation_kind
from credgate.errors import InvalidRequest

__all__ = ["AutonomyDecision", "decide_autonomy"]


@dataclass(frozen=True)
class AutonomyDecision:
    """The autonomy granted to one request, and every step that led to it."""

    level: AutonomyLevel
    reasons: tuple[str, ...]

    @property
    def verdict(self) -> Verdict:
        return Verdict.for_level(self.level)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"autonomy": 2, "verdict": "allow_and_notify", "reasons": [...]}``."""
        return {
            "autonomy": int(self.level),
            "autonomy_name": self.level.label,
            "verdict": self.verdict.value,
            "reasons": list(self.reasons),
        }


def _check_agent_max(agent_max: int) -> AutonomyLevel:
    if isinstance(agent_max, bool) or not isinstance(agent_max, int) or not 0 <= agent_max <= 3:
        raise InvalidRequest(
            "an agent's maximum autonomy must be 0, 1, 2 or 3",
            hint="0 suggest, 1 confirm, 2 notify, 3 autonomous",
        )
    return AutonomyLevel(agent_max)


def decide_autonomy(
    risk: RiskAssessment | RiskLevel,
    operation: str,
    *,
    agent_max: int,
    tainted: bool,
    brokered: bool,
    namespace_config: RiskConfig = DEFAULT_CONFIG,
) -> AutonomyDecision:
    """The autonomy level (and so the verdict) for an agent's request."""
    cap = _check_agent_max(agent_max)
    level_of_risk = risk.level if isinstance(risk, RiskAssessment) else RiskLevel(risk)
    kind = operation_kind(operation)
    rule = namespace_config.autonomy_for(level_of_risk, kind)
    level = rule.level
    reasons = [f"{level_of_risk.label} risk {kind.value}: autonomy {int(level)} ({level.label})"]
    if brokered:
        if rule.max > level:
            level = AutonomyLevel(level + 1)
            reasons.append(
                f"brokered use (the value never reaches the agent): one level higher, "
                f"{int(level)} ({level.label})"
            )
        else:
            reasons.append(
                f"brokered use: no higher than the configured maximum {int(rule.max)} "
                f"for {level_of_risk.label} risk {kind.value}s"
            )
    if level > cap:
        level = cap
        reasons.append(f"capped by the agent's maximum autonomy {int(cap)} ({cap.label})")
    if tainted:
        if level > AutonomyLevel.SUGGEST:
            level = AutonomyLevel(level - 1)
            reasons.append(
                f"session tainted by the input inspector: one level lower, "
                f"{int(level)} ({level.label})"
            )
        else:
            reasons.append("session tainted by the input inspector (already at 0, suggest)")
    return AutonomyDecision(level, tuple(reasons))
