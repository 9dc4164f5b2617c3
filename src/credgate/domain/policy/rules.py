"""Policy data types: capabilities as bits, one :class:`Rule` per ``path`` block, :class:`Policy`.

A rule keeps the path as written (for ``to_hcl``) and the normalised pattern it is matched
with: one leading ``/`` removed, the policy's namespace prepended. Its ``kind`` decides the
table it lands in (exact, prefix, segment-wildcard) and ``key`` is its key there.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from credgate.domain.policy.hcl_decode import MapList

DENY = 1 << 0
CREATE = 1 << 1
READ = 1 << 2
UPDATE = 1 << 3
DELETE = 1 << 4
LIST = 1 << 5
SUDO = 1 << 6
PATCH = 1 << 7
SCAN = 1 << 8

#: Every capability name a policy may use, in OpenBao's bit order.
CAPABILITIES: tuple[str, ...] = (
    "deny",
    "create",
    "read",
    "update",
    "delete",
    "list",
    "sudo",
    "patch",
    "scan",
)
CAPABILITY_BITS: Mapping[str, int] = {name: 1 << i for i, name in enumerate(CAPABILITIES)}

#: Old-style ``policy = "..."`` values and the capabilities they add.
OLD_STYLE: Mapping[str, tuple[str, ...]] = {
    "read": ("read", "list"),
    "write": ("create", "read", "update", "delete", "list"),
    "sudo": ("create", "read", "update", "delete", "list", "sudo"),
}

_SORTED_NAMES = sorted(CAPABILITIES[1:])


def bits_to_names(bits: int) -> list[str]:
    """Sorted capability names of ``bits``; ``["deny"]`` for deny or no bits (sys/capabilities)."""
    if bits & DENY or not bits:
        return ["deny"]
    return [name for name in _SORTED_NAMES if bits & CAPABILITY_BITS[name]]


class RuleKind(enum.Enum):
    EXACT = "exact"
    PREFIX = "prefix"
    SEGMENT = "segment"


@dataclass(frozen=True, slots=True)
class ControlGroupFactor:
    name: str
    controlled_capabilities: tuple[str, ...]
    group_names: tuple[str, ...]
    approvals: int


@dataclass(frozen=True, slots=True)
class ControlGroup:
    """Parsed and validated like OpenBao; not enforced (OpenBao does not enforce it either)."""

    ttl_ns: int
    self_auth_allowed: bool
    factors: tuple[ControlGroupFactor, ...]


ParamMap = Mapping[str, tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class Rule:
    """One ``path`` block after validation."""

    path: str
    pattern: str
    kind: RuleKind
    key: str
    bits: int
    allowed_parameters: ParamMap | None = None
    denied_parameters: ParamMap | None = None
    required_parameters: tuple[str, ...] = ()
    min_wrapping_ttl_ns: int = 0
    max_wrapping_ttl_ns: int = 0
    mfa_methods: tuple[str, ...] | None = None
    pagination_limit: int = 0
    list_filter_path: str = ""
    control_group: ControlGroup | None = None
    expiration_ns: int | None = None
    templated: bool = False
    line: int = field(default=0, compare=False)

    @property
    def capabilities(self) -> frozenset[str]:
        """The capability names this block grants (``{"deny"}`` for a deny block)."""
        if self.bits & DENY:
            return frozenset({"deny"})
        return frozenset(n for n, b in CAPABILITY_BITS.items() if self.bits & b)

    @property
    def is_deny(self) -> bool:
        return bool(self.bits & DENY)


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed ACL policy: its (normalised) name, canonical namespace and rules in file order."""

    name: str
    namespace: str
    rules: tuple[Rule, ...]
    templated: bool = False
    raw: str = field(default="", repr=False)

    def to_hcl(self) -> str:
        """The policy in canonical HCL: one block per rule, fixed key order, no comments."""
        if not self.rules:
            return "# this policy has no rules\n"
        return "\n".join(_rule_hcl(rule) for rule in self.rules)


def _quote(s: str) -> str:
    out = []
    for i, c in enumerate(s):
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "$" and s[i + 1 : i + 2] == "{":
            out.append("\\u0024")
        elif "\udc80" <= c <= "\udcff":
            out.append(f"\\x{ord(c) - 0xDC00:02x}")
        elif c < " " or c == "\x7f" or not c.isprintable():
            out.append(f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return json.dumps(v)
    if isinstance(v, str):
        return _quote(v)
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_quote(k)} = {_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, MapList) and len(v) == 1:
        return _value(v[0])
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot format {type(v).__name__}")


def _duration(ns: int) -> str:
    return f"{ns // 1_000_000_000}s" if ns % 1_000_000_000 == 0 else f"{ns}ns"


def _timestamp(ns: int) -> str:
    seconds, nanos = divmod(ns, 1_000_000_000)
    try:
        moment = datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return str(seconds)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{nanos:09d}Z" if nanos else f"{text}Z"


def _rule_hcl(rule: Rule) -> str:
    lines = [f"path {_quote(rule.path)} {{"]
    names = (
        ["deny"]
        if rule.is_deny
        else [n for n in CAPABILITIES[1:] if rule.bits & CAPABILITY_BITS[n]]
    )
    lines.append(f"  capabilities = {_value(names)}")
    for label, params in (
        ("allowed_parameters", rule.allowed_parameters),
        ("denied_parameters", rule.denied_parameters),
    ):
        if params is not None:
            lines.append(f"  {label} = {{")
            lines += [f"    {_quote(k)} = {_value(list(v))}" for k, v in params.items()]
            lines.append("  }")
    if rule.required_parameters:
        lines.append(f"  required_parameters = {_value(list(rule.required_parameters))}")
    if rule.min_wrapping_ttl_ns:
        lines.append(f"  min_wrapping_ttl = {_quote(_duration(rule.min_wrapping_ttl_ns))}")
    if rule.max_wrapping_ttl_ns:
        lines.append(f"  max_wrapping_ttl = {_quote(_duration(rule.max_wrapping_ttl_ns))}")
    if rule.mfa_methods is not None:
        lines.append(f"  mfa_methods = {_value(list(rule.mfa_methods))}")
    if rule.pagination_limit:
        lines.append(f"  pagination_limit = {rule.pagination_limit}")
    if rule.list_filter_path:
        lines.append(f"  list_scan_response_keys_filter_path = {_quote(rule.list_filter_path)}")
    if rule.expiration_ns is not None:
        lines.append(f"  expiration = {_quote(_timestamp(rule.expiration_ns))}")
    if rule.control_group is not None:
        lines += _control_group_hcl(rule.control_group)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _control_group_hcl(cg: ControlGroup) -> list[str]:
    lines = ["  control_group {"]
    if cg.ttl_ns:
        lines.append(f"    ttl = {_quote(_duration(cg.ttl_ns))}")
    if cg.self_auth_allowed:
        lines.append("    self_auth_allowed = true")
    for f in cg.factors:
        lines.append(f"    factor {_quote(f.name)} {{")
        lines.append(f"      controlled_capabilities = {_value(list(f.controlled_capabilities))}")
        lines.append("      identity {")
        lines.append(f"        group_names = {_value(list(f.group_names))}")
        lines.append(f"        approvals = {f.approvals}")
        lines.append("      }")
        lines.append("    }")
    lines.append("  }")
    return lines
