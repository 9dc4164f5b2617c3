"""The vocabulary of risk and autonomy: levels, verdicts, operation kinds, data classes.

API::

    RiskLevel        IntEnum LOW < MEDIUM < HIGH < CRITICAL; RiskLevel.parse("high")
    AutonomyLevel    IntEnum SUGGEST=0 < CONFIRM=1 < NOTIFY=2 < AUTONOMOUS=3
    Verdict          what the broker does: ALLOW, ALLOW_AND_NOTIFY, REQUIRE_APPROVAL,
                     SUGGEST_ONLY; Verdict.for_level(level), verdict.level
    OperationKind    READ or WRITE; operation_kind("patch") -> WRITE
    CRITICAL_DATA_CLASSES, KNOWN_DATA_CLASSES, is_critical_data_class(value)
    ENVIRONMENTS     the environments of the default table

Unknown operations are writes and unknown data classes are critical: a typo must never make a
request look safer than it is.
"""

from __future__ import annotations

import enum

from credgate.errors import InvalidRequest

__all__ = [
    "CRITICAL_DATA_CLASSES",
    "ENVIRONMENTS",
    "KNOWN_DATA_CLASSES",
    "READ_OPERATIONS",
    "WRITE_OPERATIONS",
    "AutonomyLevel",
    "OperationKind",
    "RiskLevel",
    "Verdict",
    "is_critical_data_class",
    "normalise_label",
    "operation_kind",
]


class RiskLevel(enum.IntEnum):
    """How bad it would be if this request were the wrong one. Ordered: compare with ``<``."""

    LOW = 0
    MEDIUM = 1
    HIGH = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        """``"low"``, ``"medium"``, ``"high"`` or ``"critical"`` (what configs and audit use)."""
        return self.name.lower()

    @classmethod
    def parse(cls, value: object, *, field: str = "level") -> RiskLevel:
        """The level named ``value`` (case-insensitive); :class:`InvalidRequest` otherwise."""
        if isinstance(value, RiskLevel):
            return value
        if isinstance(value, str):
            member = cls.__members__.get(value.strip().upper())
            if member is not None:
                return member
        raise InvalidRequest(
            f"{field}: unknown risk level {str(value)[:40]!r}",
            hint="use one of low, medium, high, critical",
        )


class AutonomyLevel(enum.IntEnum):
    """How much an agent may do alone (objection 7 of the seed). Higher is more autonomy."""

    SUGGEST = 0  # the request is recorded as a suggestion; no value is ever returned
    CONFIRM = 1  # not served until a human approves that exact request
    NOTIFY = 2  # served, audited, and a human is notified
    AUTONOMOUS = 3  # served and audited

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: object, *, field: str = "autonomy") -> AutonomyLevel:
        """From ``0``-``3`` or a name (``"notify"``); :class:`InvalidRequest` otherwise."""
        if isinstance(value, AutonomyLevel):
            return value
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3:
            return cls(value)
        if isinstance(value, str):
            text = value.strip()
            if text in ("0", "1", "2", "3"):
                return cls(int(text))
            member = cls.__members__.get(text.upper())
            if member is not None:
                return member
        raise InvalidRequest(
            f"{field}: unknown autonomy level {str(value)[:40]!r}",
            hint="use 0 (suggest), 1 (confirm), 2 (notify) or 3 (autonomous)",
        )


class Verdict(enum.Enum):
    """What the broker does with a request, one per autonomy level."""

    SUGGEST_ONLY = "suggest_only"
    REQUIRE_APPROVAL = "require_approval"
    ALLOW_AND_NOTIFY = "allow_and_notify"
    ALLOW = "allow"

    @property
    def level(self) -> AutonomyLevel:
        return _VERDICT_LEVEL[self]

    @property
    def serves(self) -> bool:
        """Whether the request may run now, without a human (ALLOW, ALLOW_AND_NOTIFY)."""
        return self in (Verdict.ALLOW, Verdict.ALLOW_AND_NOTIFY)

    @classmethod
    def for_level(cls, level: AutonomyLevel | int) -> Verdict:
        return _LEVEL_VERDICT[AutonomyLevel(level)]


_VERDICT_LEVEL = {
    Verdict.SUGGEST_ONLY: AutonomyLevel.SUGGEST,
    Verdict.REQUIRE_APPROVAL: AutonomyLevel.CONFIRM,
    Verdict.ALLOW_AND_NOTIFY: AutonomyLevel.NOTIFY,
    Verdict.ALLOW: AutonomyLevel.AUTONOMOUS,
}
_LEVEL_VERDICT = {level: verdict for verdict, level in _VERDICT_LEVEL.items()}


class OperationKind(enum.Enum):
    """Reads reveal (or list) what exists; writes change it."""

    READ = "read"
    WRITE = "write"


#: Operations that only read: a value, a listing or metadata.
READ_OPERATIONS = frozenset({"read", "list", "scan", "help"})
#: Operations that change state. Anything not in READ_OPERATIONS counts as a write.
WRITE_OPERATIONS = frozenset(
    {
        "create",
        "update",
        "create_or_update",
        "patch",
        "delete",
        "destroy",
        "undelete",
        "rollback",
        "revoke",
        "renew",
    }
)


def operation_kind(operation: str) -> OperationKind:
    """READ for read/list/scan/help, WRITE for everything else (unknown operations included)."""
    return OperationKind.READ if operation in READ_OPERATIONS else OperationKind.WRITE


#: Regulated data: a value of these classes never reaches an agent (the guardrail).
CRITICAL_DATA_CLASSES = frozenset({"pii", "phi", "pci", "financial"})
#: Every data class credgate knows; ``none`` means "no regulated data".
KNOWN_DATA_CLASSES = CRITICAL_DATA_CLASSES | {"none"}
#: The environments of the default table, safest last.
ENVIRONMENTS = ("development", "staging", "production")


def normalise_label(value: object) -> str | None:
    """A metadata label lower-cased and trimmed; ``None`` when absent or blank.

    A value that is not a string (metadata is string to string, but be defensive) is
    returned as ``"?"``, which no table knows, so it is treated as unknown (fail safe).
    """
    if value is None:
        return None
    if not isinstance(value, str):
        return "?"
    text = value.strip().lower()
    return text or None


def is_critical_data_class(value: object) -> bool:
    """True for ``pii``, ``phi``, ``pci``, ``financial`` and for any unknown class.

    ``None``, blank and ``"none"`` are not critical. An unknown class (a typo such as
    ``"pci-dss"``) is critical: the guardrail must fail closed.
    """
    label = normalise_label(value)
    if label is None or label == "none":
        return False
    return label in CRITICAL_DATA_CLASSES or label not in KNOWN_DATA_CLASSES
