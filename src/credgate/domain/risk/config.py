"""A namespace's risk configuration: path rules, the environment table, the autonomy table.

API::

    RiskRule(path, read, write, comment="")          one ``risk "<path>" { ... }`` block
    EnvironmentRisk(read, write)                     risk of reads/writes in an environment
    AutonomyRule(level, max)                         autonomy for a reveal, and the ceiling
                                                     brokered use may reach
    ApprovalSettings(ttl=900, approvers=1, approvers_high=1)
    RiskConfig(rules=(), environments=..., autonomy=..., default_environment="production",
               approvals=ApprovalSettings())
        .match_rule(path, operation) -> RiskRule | None
        .environment_risk(name)      -> EnvironmentRisk | None
        .autonomy_for(level, kind)   -> AutonomyRule
        .approvers_required(level)   -> int
        .to_dict()
    DEFAULT_CONFIG                                   the seed's table, no path rules

The default tables (DESIGN.md, "Default risk and autonomy"). Risk per environment and
operation, and autonomy (reveal level / brokered maximum) per risk and operation::

    environment   read    write          risk      read    write
    development   low     low            low       3 / 3   3 / 3
    staging       low     medium         medium    2 / 3   2 / 2
    production    medium  high           high      1 / 2   1 / 1
    (pii, phi, pci, financial data: critical)      critical  0 / 0   0 / 0

which gives exactly the seed's autonomy: development 3/3, staging 3/2, production 2/1,
regulated data 0/0. (Staging reads are *low* rather than the seed's "medium, always logged":
every request is audited anyway, and one (risk, operation) -> autonomy table cannot give a
staging read 3 and a production read 2 if both are "medium".)

Brokered use may run one level above ``level`` but never above ``max``. Default maxima: reads
one above their level (low 3, medium 3, high 2), writes no bonus (a write reveals nothing, so
there is nothing to reward), critical 0 for both: brokered use of regulated data stays a
suggestion unless a namespace opts in by raising ``max`` for critical reads. The autonomy for
revealing critical data (critical read ``level``) is fixed at 0: a config that raises it is
refused.

Path rules use OpenBao's glob rules and priority (they are compiled by the policy engine):
an exact path wins, otherwise the most specific ``*`` prefix or ``+`` segment pattern.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from credgate.domain.policy import ACL, parse_policy
from credgate.domain.risk.levels import (
    AutonomyLevel,
    OperationKind,
    RiskLevel,
    normalise_label,
)
from credgate.errors import Denied, InvalidRequest, PolicyParseError

__all__ = [
    "DEFAULT_AUTONOMY",
    "DEFAULT_CONFIG",
    "DEFAULT_ENVIRONMENTS",
    "ApprovalSettings",
    "AutonomyRule",
    "EnvironmentRisk",
    "RiskConfig",
    "RiskRule",
]

MAX_RULE_PATH = 1024
MAX_APPROVERS = 5
MIN_APPROVAL_TTL = 60.0
MAX_APPROVAL_TTL = 7 * 86_400.0
_LOW, _MEDIUM, _HIGH, _CRITICAL = RiskLevel
_READ, _WRITE = OperationKind.READ, OperationKind.WRITE


def _check_rule_path(path: str) -> None:
    if not isinstance(path, str) or not path.strip("/"):
        raise InvalidRequest("risk rule: the path cannot be empty")
    if len(path) > MAX_RULE_PATH:
        raise InvalidRequest(f"risk rule: the path is longer than {MAX_RULE_PATH} characters")
    if "{{" in path or "}}" in path:
        raise InvalidRequest(f"risk rule {path!r}: templated paths are not supported")
    if "+*" in path:
        raise InvalidRequest(f"risk rule {path!r}: '+*' is not a valid wildcard")
    if any(c < " " or c == "\x7f" for c in path):
        raise InvalidRequest("risk rule: the path contains control characters")


@dataclass(frozen=True)
class RiskRule:
    """Risk for requests under ``path`` (a policy-style glob), for reads and for writes."""

    path: str
    read: RiskLevel
    write: RiskLevel
    comment: str = ""

    def __post_init__(self) -> None:
        _check_rule_path(self.path)
        object.__setattr__(self, "read", RiskLevel.parse(self.read, field="read"))
        object.__setattr__(self, "write", RiskLevel.parse(self.write, field="write"))

    def level_for(self, kind: OperationKind) -> RiskLevel:
        return self.read if kind is _READ else self.write


@dataclass(frozen=True)
class EnvironmentRisk:
    """The risk of reading and of writing a secret of one environment."""

    read: RiskLevel
    write: RiskLevel

    def __post_init__(self) -> None:
        object.__setattr__(self, "read", RiskLevel.parse(self.read, field="read"))
        object.__setattr__(self, "write", RiskLevel.parse(self.write, field="write"))

    def level_for(self, kind: OperationKind) -> RiskLevel:
        return self.read if kind is _READ else self.write


@dataclass(frozen=True)
class AutonomyRule:
    """Autonomy for one (risk, operation kind): ``level`` for a reveal, ``max`` for brokered use."""

    level: AutonomyLevel
    max: AutonomyLevel

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", AutonomyLevel.parse(self.level, field="level"))
        object.__setattr__(self, "max", AutonomyLevel.parse(self.max, field="max"))
        if self.max < self.level:
            raise InvalidRequest(
                f"autonomy: max ({int(self.max)}) cannot be below the level ({int(self.level)})"
            )


@dataclass(frozen=True)
class ApprovalSettings:
    """How long an approval request lives, and how many distinct operators must approve."""

    ttl: float = 900.0
    approvers: int = 1  # for low and medium risk
    approvers_high: int = 1  # for high and critical risk (2 = four-eyes)

    def __post_init__(self) -> None:
        if not MIN_APPROVAL_TTL <= self.ttl <= MAX_APPROVAL_TTL:
            raise InvalidRequest("approvals: ttl must be between 1 minute and 7 days")
        for name in ("approvers", "approvers_high"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidRequest(f"approvals: {name} must be an integer")
            if not 1 <= value <= MAX_APPROVERS:
                raise InvalidRequest(f"approvals: {name} must be between 1 and {MAX_APPROVERS}")


DEFAULT_ENVIRONMENTS: Mapping[str, EnvironmentRisk] = MappingProxyType(
    {
        "development": EnvironmentRisk(_LOW, _LOW),
        "staging": EnvironmentRisk(_LOW, _MEDIUM),
        "production": EnvironmentRisk(_MEDIUM, _HIGH),
    }
)
_SUGGEST, _CONFIRM, _NOTIFY, _AUTONOMOUS = AutonomyLevel
DEFAULT_AUTONOMY: Mapping[tuple[RiskLevel, OperationKind], AutonomyRule] = MappingProxyType(
    {
        (_LOW, _READ): AutonomyRule(_AUTONOMOUS, _AUTONOMOUS),
        (_LOW, _WRITE): AutonomyRule(_AUTONOMOUS, _AUTONOMOUS),
        (_MEDIUM, _READ): AutonomyRule(_NOTIFY, _AUTONOMOUS),
        (_MEDIUM, _WRITE): AutonomyRule(_NOTIFY, _NOTIFY),
        (_HIGH, _READ): AutonomyRule(_CONFIRM, _NOTIFY),
        (_HIGH, _WRITE): AutonomyRule(_CONFIRM, _CONFIRM),
        (_CRITICAL, _READ): AutonomyRule(_SUGGEST, _SUGGEST),
        (_CRITICAL, _WRITE): AutonomyRule(_SUGGEST, _SUGGEST),
    }
)


def _compile_rules(rules: tuple[RiskRule, ...]) -> tuple[ACL | None, dict[str, RiskRule]]:
    """An ACL whose winning rule for a path names the risk rule that applies."""
    if not rules:
        return None, {}
    by_path: dict[str, RiskRule] = {}
    for rule in rules:
        if rule.path in by_path:
            raise InvalidRequest(f"risk rule {rule.path!r} is defined twice")
        by_path[rule.path] = rule
    text = json.dumps(
        {"path": {r.path: {"capabilities": ["read", "list"]} for r in rules}}, ensure_ascii=False
    )
    try:
        policy = parse_policy(text, name="risk-rules")
    except PolicyParseError as exc:  # pragma: no cover - paths are checked beforehand
        raise InvalidRequest(f"risk rules: {exc.message}") from None
    by_pattern: dict[str, RiskRule] = {}
    for parsed in policy.rules:
        if parsed.pattern in by_pattern:
            raise InvalidRequest(f"risk rule {parsed.path!r} repeats another rule's path")
        by_pattern[parsed.pattern] = by_path[parsed.path]
    return ACL([policy]), by_pattern


@dataclass(frozen=True)
class RiskConfig:
    """Everything a namespace can configure about risk and autonomy (immutable, validated)."""

    rules: tuple[RiskRule, ...] = ()
    environments: Mapping[str, EnvironmentRisk] = field(
        default_factory=lambda: DEFAULT_ENVIRONMENTS
    )
    autonomy: Mapping[tuple[RiskLevel, OperationKind], AutonomyRule] = field(
        default_factory=lambda: DEFAULT_AUTONOMY
    )
    default_environment: str = "production"
    approvals: ApprovalSettings = field(default_factory=ApprovalSettings)
    _acl: ACL | None = field(init=False, repr=False, compare=False, default=None)
    _by_pattern: Mapping[str, RiskRule] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        envs = {}
        for name, row in self.environments.items():
            label = normalise_label(name)
            if not label or label == "?":
                raise InvalidRequest("environment names cannot be empty")
            envs[label] = row
        if "production" not in envs:
            raise InvalidRequest(
                "the environment table must define production",
                hint="unknown environments are treated as production",
            )
        default = normalise_label(self.default_environment) or ""
        if default not in envs:
            raise InvalidRequest(f"default_environment {default!r} is not in the table")
        missing = [
            f"{lvl.label} {kind.value}"
            for lvl in RiskLevel
            for kind in OperationKind
            if (lvl, kind) not in self.autonomy
        ]
        if missing:
            raise InvalidRequest(f"autonomy table incomplete: {', '.join(missing)}")
        if self.autonomy[(_CRITICAL, _READ)].level != AutonomyLevel.SUGGEST:
            raise InvalidRequest(
                "autonomy for critical reads must stay 0: regulated data is never revealed "
                "to an agent",
                hint="raise max (brokered use) instead if agents may use it through credgate",
            )
        acl, by_pattern = _compile_rules(tuple(self.rules))
        object.__setattr__(self, "rules", tuple(self.rules))
        object.__setattr__(self, "environments", MappingProxyType(envs))
        object.__setattr__(self, "autonomy", MappingProxyType(dict(self.autonomy)))
        object.__setattr__(self, "default_environment", default)
        object.__setattr__(self, "_acl", acl)
        object.__setattr__(self, "_by_pattern", MappingProxyType(by_pattern))

    def match_rule(self, path: str, operation: str = "read") -> RiskRule | None:
        """The risk rule that applies to ``path`` (namespace-relative), or ``None``.

        OpenBao's precedence: an exact rule, else the most specific glob; ``list``/``scan``
        also get the trailing-slash fallbacks, as in policies.
        """
        if self._acl is None:
            return None
        op = "list" if operation in ("list", "scan") else "read"
        try:
            grant = self._acl.authorize(op, path)
        except Denied:
            return None
        return self._by_pattern.get(grant.rule)

    def environment_risk(self, name: str | None) -> EnvironmentRisk | None:
        label = normalise_label(name)
        return None if label is None else self.environments.get(label)

    def autonomy_for(self, level: RiskLevel, kind: OperationKind) -> AutonomyRule:
        return self.autonomy[(level, kind)]

    def approvers_required(self, level: RiskLevel) -> int:
        """Distinct operator approvals a request of this risk needs."""
        if level >= RiskLevel.HIGH:
            return self.approvals.approvers_high
        return self.approvals.approvers

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (for ``GET`` of a namespace's risk settings)."""
        return {
            "rules": [
                {"path": r.path, "read": r.read.label, "write": r.write.label, "comment": r.comment}
                for r in self.rules
            ],
            "environments": {
                name: {"read": row.read.label, "write": row.write.label}
                for name, row in self.environments.items()
            },
            "default_environment": self.default_environment,
            "autonomy": {
                lvl.label: {
                    kind.value: int(self.autonomy[(lvl, kind)].level) for kind in OperationKind
                }
                | {
                    f"{kind.value}_max": int(self.autonomy[(lvl, kind)].max)
                    for kind in OperationKind
                }
                for lvl in RiskLevel
            },
            "approvals": {
                "ttl": self.approvals.ttl,
                "approvers": self.approvals.approvers,
                "approvers_high": self.approvals.approvers_high,
            },
        }


DEFAULT_CONFIG = RiskConfig()
