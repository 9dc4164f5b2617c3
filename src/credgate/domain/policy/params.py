"""Request checks on the winning rule: parameters (§6) and list pagination limits.

Parameter constraints apply to read, create, update and patch, in this order:

1. every ``required_parameters`` name, lower-cased, must be a key of the request data
   (the data keys themselves are *not* lower-cased);
2. a request without data passes;
3. ``denied_parameters``: the key ``*`` refuses any data; otherwise a data key (lower-cased)
   listed there refuses the request when its value matches the list (empty list = any value);
4. ``allowed_parameters``: none, or only ``*``, allows everything; otherwise every data key
   (lower-cased) must be listed unless ``*`` is listed too, and its value must match its list.

A value matches a list entry when both are strings and the entry, as a glob, matches
(``*x`` suffix, ``x*`` prefix, ``*x*`` contains; an entry shorter than two characters must be
equal, so ``"*"`` only matches ``"*"``); otherwise only by type-strict deep equality. Request
numbers arrive in OpenBao as ``json.Number``, which equals nothing a policy can hold, so a
numeric value only passes an empty list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from credgate.domain.policy.goconv import go_lower, parse_int
from credgate.domain.policy.hcl_decode import MapList

ParamLists = Mapping[str, Sequence[object]]


def glob_match(pattern: str, value: str) -> bool:
    """go-secure-stdlib ``GlobbedStringsMatch`` (lengths in UTF-8 bytes)."""
    if len(pattern.encode("utf-8", "surrogateescape")) < 2:
        return value == pattern
    starts, ends = pattern.startswith("*"), pattern.endswith("*")
    if starts and ends:
        return pattern[1:-1] in value
    if starts:
        return value.endswith(pattern[1:])
    if ends:
        return value.startswith(pattern[:-1])
    return value == pattern


def _deep_equal(policy_value: object, value: object) -> bool:
    if isinstance(policy_value, bool) or isinstance(value, bool):
        return isinstance(policy_value, bool) and isinstance(value, bool) and policy_value == value
    if policy_value is None or value is None:
        return policy_value is None and value is None
    if isinstance(policy_value, int | float) or isinstance(value, int | float):
        return False  # Go int/float64 in the policy never equal a request's json.Number
    if isinstance(policy_value, str) or isinstance(value, str):
        return isinstance(policy_value, str) and isinstance(value, str) and policy_value == value
    if isinstance(policy_value, MapList):
        return False
    if isinstance(policy_value, list) and isinstance(value, list | tuple):
        return len(policy_value) == len(value) and all(
            _deep_equal(a, b) for a, b in zip(policy_value, value, strict=True)
        )
    if isinstance(policy_value, Mapping) and isinstance(value, Mapping):
        return policy_value.keys() == value.keys() and all(
            _deep_equal(policy_value[k], value[k]) for k in policy_value
        )
    return False


def value_in_list(value: object, allowed: Sequence[object]) -> bool:
    """OpenBao's ``valueInParameterList``: an empty list matches every value."""
    if not allowed:
        return True
    for entry in allowed:
        if entry is None or value is None:
            if entry is None and value is None:
                return True
        elif isinstance(entry, str) and isinstance(value, str):
            if glob_match(entry, value):
                return True
        elif _deep_equal(entry, value):
            return True
    return False


def check_parameters(
    required: Sequence[str],
    denied: ParamLists | None,
    allowed: ParamLists | None,
    data: Mapping[str, object] | None,
) -> str | None:
    """``None`` when the data passes the rule's constraints, else a short reason for audit."""
    data = data or {}
    for name in required:
        if go_lower(name) not in data:
            return "a required parameter is missing"
    if not data:
        return None
    if denied:
        if "*" in denied:
            return "parameters are denied on this path"
        for key, value in data.items():
            values = denied.get(go_lower(key))
            if values is not None and value_in_list(value, values):
                return "a parameter value is denied"
    if not allowed:
        return None
    allow_all = "*" in allowed
    if allow_all and len(allowed) == 1:
        return None
    for key, value in data.items():
        values = allowed.get(go_lower(key))
        if values is None:
            if not allow_all:
                return "a parameter is not allowed"
        elif not value_in_list(value, values):
            return "a parameter value is not allowed"
    return None


def _safe_parse_int(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("not an integer")
    if isinstance(value, int | float):
        value = repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return 0 if value == "" else parse_int(value, 10)
    raise ValueError("not an integer")


def page_limit(
    cap: int, required: Sequence[str], data: Mapping[str, object] | None
) -> tuple[int | None, str | None]:
    """The ``limit`` a list/scan must use (``None`` = leave as sent, ``0`` = no limit).

    Returns ``(limit, None)`` or ``(None, reason)`` when the request must be refused.
    """
    data = data or {}
    if cap <= 0:
        return (0 if data.get("limit") == "max" else None), None
    if "limit" not in data:
        if any(go_lower(p) == "limit" for p in required):
            return None, "the limit parameter is required"
        return cap, None
    raw = data["limit"]
    try:
        value = _safe_parse_int(raw)
    except ValueError:
        if raw == "max":
            return cap, None
        return None, "the limit parameter is not an integer"
    if value > cap or value < 0:
        return None, "the limit parameter is out of range"
    return (cap if value == 0 else value), None
