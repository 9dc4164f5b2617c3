"""Read a namespace's risk configuration from HCL (or JSON), with the policy engine's parser.

API::

    parse_risk_config(text, *, source="risk config") -> RiskConfig
        raises credgate.errors.PolicyParseError (code invalid_policy, 400) with line:column

The format (every block optional; what is not written keeps the default table)::

    # Path rules: OpenBao globs (exact, trailing * prefix, + segment); most specific wins.
    risk "secret/+/payments/*" {
      level   = "critical"        # reads and writes; or read = "...", write = "..."
      comment = "card processing" # free text, shown in the reasons
    }

    # Risk of a secret by its `environment` metadata (adds or overrides a row).
    environment "qa" {
      read  = "low"
      write = "medium"
    }
    # A secret without `environment` metadata and no matching rule is in this environment.
    default_environment = "production"

    # Autonomy per risk level: 0 suggest, 1 confirm, 2 notify, 3 autonomous (or the names).
    # `*_max` is the ceiling brokered use may reach (one level above the reveal level).
    autonomy "medium" {
      read      = 2
      read_max  = 3
      write     = 2
      write_max = 2
    }

    approvals {
      ttl            = "15m"   # how long a request waits for approval and redemption
      approvers      = 1       # distinct operators, low and medium risk
      approvers_high = 2       # high and critical risk (four-eyes)
    }

Raising an autonomy ``level`` above the default ceiling raises the ceiling with it. JSON uses
the same shape: ``{"risk": {"secret/data/x": {"level": "high"}}}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TypeVar

from credgate.domain.durations import parse_duration
from credgate.domain.policy import hcl_ast as ast
from credgate.domain.policy.hcl_decode import ANY, STRING, Kind, decode_struct
from credgate.domain.policy.hcl_parse import parse_text
from credgate.domain.risk.config import (
    DEFAULT_AUTONOMY,
    DEFAULT_ENVIRONMENTS,
    ApprovalSettings,
    AutonomyRule,
    EnvironmentRisk,
    RiskConfig,
    RiskRule,
)
from credgate.domain.risk.levels import AutonomyLevel, OperationKind, RiskLevel, normalise_label
from credgate.errors import InvalidRequest, PolicyParseError

__all__ = ["parse_risk_config"]

HINT = 'see docs/concepts/risk-and-autonomy.md; e.g. risk "secret/+/payments/*" { level = "high" }'
MAX_CONFIG_CHARS = 256 * 1024
_TOP_KEYS = frozenset({"risk", "environment", "autonomy", "default_environment", "approvals"})
_LEVEL_FIELDS: tuple[tuple[str, Kind], ...] = (
    ("level", STRING),
    ("read", STRING),
    ("write", STRING),
    ("comment", STRING),
)
_AUTONOMY_FIELDS: tuple[tuple[str, Kind], ...] = (
    ("read", ANY),
    ("write", ANY),
    ("read_max", ANY),
    ("write_max", ANY),
)
_APPROVAL_FIELDS: tuple[tuple[str, Kind], ...] = (
    ("ttl", ANY),
    ("approvers", ANY),
    ("approvers_high", ANY),
)
T = TypeVar("T")


def _error(node: ast.Node, message: str, source: str) -> PolicyParseError:
    line, column = node.pos
    return PolicyParseError(message, line=line, column=column, source=source, hint=HINT)


def _at(node: ast.Node, source: str, build: Callable[[], T]) -> T:
    """Run ``build``; an :class:`InvalidRequest` it raises gets ``node``'s position."""
    try:
        return build()
    except PolicyParseError as exc:
        exc.source, exc.hint = source, HINT
        raise
    except InvalidRequest as exc:
        raise _error(node, exc.message, source) from None


def parse_risk_config(text: str, *, source: str = "risk config") -> RiskConfig:
    """Parse and validate a risk configuration; the result is ready to use."""
    if not isinstance(text, str) or not text.strip():
        raise PolicyParseError("the risk configuration is empty", source=source, hint=HINT)
    if len(text) > MAX_CONFIG_CHARS:
        raise PolicyParseError(
            f"the risk configuration is longer than {MAX_CONFIG_CHARS} characters", source=source
        )
    try:
        root = parse_text(text)
    except PolicyParseError as exc:
        exc.source, exc.hint = source, HINT
        raise
    for item in root.items:
        if item.keys and item.keys[0].value not in _TOP_KEYS:
            key = item.keys[0]
            raise PolicyParseError(
                f"unknown key {key.value!r} (expected {', '.join(sorted(_TOP_KEYS))})",
                line=key.line,
                column=key.column,
                source=source,
                hint=HINT,
            )
    rules: list[RiskRule] = []
    for item in root.filter("risk").items:
        rule = _risk_rule(item, source)
        if any(r.path.lstrip("/") == rule.path.lstrip("/") for r in rules):
            raise _error(item, f"risk rule {rule.path!r} is defined twice", source)
        rules.append(rule)
    environments = dict(DEFAULT_ENVIRONMENTS)
    for item in root.filter("environment").items:
        name, row = _environment(item, environments, source)
        environments[name] = row
    autonomy = dict(DEFAULT_AUTONOMY)
    seen: set[RiskLevel] = set()
    for item in root.filter("autonomy").items:
        level = _label(item, "autonomy", source)
        risk = _at(item, source, partial(RiskLevel.parse, level, field="autonomy"))
        if risk in seen:
            raise _error(item, f'autonomy "{risk.label}" is defined twice', source)
        seen.add(risk)
        autonomy.update(_autonomy(item, risk, source))
    default = "production"
    defaults = root.filter("default_environment").items
    if defaults:
        if len(defaults) > 1:
            raise _error(defaults[1], "default_environment is set twice", source)
        if defaults[0].keys:
            raise _error(defaults[0], 'default_environment takes a value: = "<name>"', source)
        fields = _at(
            defaults[0],
            source,
            lambda: decode_struct(root, (("default_environment", STRING),), "config"),
        )
        default = str(fields.get("default_environment", ""))
    approvals = ApprovalSettings()
    blocks = root.filter("approvals").items
    if len(blocks) > 1:
        raise _error(blocks[1], "approvals is defined twice", source)
    if blocks:
        approvals = _approvals(blocks[0], source)
    anchor: ast.Node = root.items[0] if root.items else root
    return _at(
        anchor,
        source,
        lambda: RiskConfig(
            rules=tuple(rules),
            environments=environments,
            autonomy=autonomy,
            default_environment=default,
            approvals=approvals,
        ),
    )


def _label(item: ast.Item, what: str, source: str) -> str:
    if len(item.keys) != 1:
        raise _error(item, f'{what} needs exactly one label: {what} "<name>" {{ ... }}', source)
    if not isinstance(item.val, ast.ObjectNode):
        raise _error(item, f"{what} must be a block {{ ... }}", source)
    return item.keys[0].value


def _check_block_keys(item: ast.Item, allowed: tuple[tuple[str, Kind], ...], source: str) -> None:
    node = item.val
    if not isinstance(node, ast.ObjectNode):
        raise _error(item, "a block { ... } was expected", source)
    names = {name for name, _ in allowed}
    for inner in node.list.items:
        if inner.keys and inner.keys[0].value not in names:
            key = inner.keys[0]
            raise PolicyParseError(
                f"unknown key {key.value!r} (expected {', '.join(sorted(names))})",
                line=key.line,
                column=key.column,
                source=source,
                hint=HINT,
            )


def _levels(
    item: ast.Item, source: str, current: EnvironmentRisk | None
) -> tuple[RiskLevel, RiskLevel, str]:
    _check_block_keys(item, _LEVEL_FIELDS, source)
    fields = _at(item, source, lambda: decode_struct(item.val, _LEVEL_FIELDS, "block"))

    def level(name: str, fallback: RiskLevel | None) -> RiskLevel:
        value = fields.get(name, fields.get("level"))
        if value is None:
            if fallback is None:
                raise InvalidRequest("give level, or both read and write")
            return fallback
        return RiskLevel.parse(value, field=name)

    read = _at(item, source, lambda: level("read", current.read if current else None))
    write = _at(item, source, lambda: level("write", current.write if current else None))
    return read, write, str(fields.get("comment", ""))


def _risk_rule(item: ast.Item, source: str) -> RiskRule:
    path = _label(item, "risk", source)
    read, write, comment = _levels(item, source, None)
    return _at(item, source, lambda: RiskRule(path, read, write, comment[:200]))


def _environment(
    item: ast.Item, table: dict[str, EnvironmentRisk], source: str
) -> tuple[str, EnvironmentRisk]:
    name = normalise_label(_label(item, "environment", source))
    if not name or name == "?" or len(name) > 64:
        raise _error(item, "environment names must be 1 to 64 characters", source)
    read, write, _ = _levels(item, source, table.get(name))
    return name, EnvironmentRisk(read, write)


def _autonomy(
    item: ast.Item, risk: RiskLevel, source: str
) -> dict[tuple[RiskLevel, OperationKind], AutonomyRule]:
    _check_block_keys(item, _AUTONOMY_FIELDS, source)
    fields = _at(item, source, lambda: decode_struct(item.val, _AUTONOMY_FIELDS, "autonomy"))
    out = {}
    for kind in OperationKind:
        rule = DEFAULT_AUTONOMY[(risk, kind)]
        raw_level = fields.get(kind.value)
        raw_max = fields.get(f"{kind.value}_max")

        def build(
            rule: AutonomyRule = rule, raw_level: object = raw_level, raw_max: object = raw_max
        ) -> AutonomyRule:
            level = rule.level if raw_level is None else AutonomyLevel.parse(raw_level)
            ceiling = max(rule.max, level) if raw_max is None else AutonomyLevel.parse(raw_max)
            return replace(rule, level=level, max=ceiling)

        out[(risk, kind)] = _at(item, source, build)
    return out


def _approvals(item: ast.Item, source: str) -> ApprovalSettings:
    if item.keys:
        raise _error(item, "approvals takes no label: approvals { ... }", source)
    _check_block_keys(item, _APPROVAL_FIELDS, source)
    fields = _at(item, source, lambda: decode_struct(item.val, _APPROVAL_FIELDS, "approvals"))

    def build() -> ApprovalSettings:
        base = ApprovalSettings()
        ttl = fields.get("ttl")
        seconds = base.ttl if ttl is None else parse_duration(_scalar(ttl), field="ttl")
        return ApprovalSettings(
            ttl=seconds,
            approvers=_count(fields.get("approvers"), base.approvers, "approvers"),
            approvers_high=_count(
                fields.get("approvers_high"), base.approvers_high, "approvers_high"
            ),
        )

    return _at(item, source, build)


def _scalar(value: object) -> str | int | float:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return value
    raise InvalidRequest("ttl: expected a duration such as 15m")


def _count(value: object, default: int, name: str) -> int:
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 3:
        return int(value.strip())
    raise InvalidRequest(f"approvals: {name} must be an integer")
