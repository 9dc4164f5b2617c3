"""Durations as users write them: ``3600``, ``"90s"``, ``"15m"``, ``"2h30m"``, ``"7d"``.

The accepted forms follow Vault/OpenBao (a bare number is seconds, ``d`` is 24 hours), with
two deliberate differences: units may be combined with days (``"1d12h"``), and sub-second
units (``ms``, ``us``, ``ns``) are refused because no TTL in credgate is that short.

Every failure is :class:`credgate.errors.InvalidRequest` naming the field, so a bad TTL in a
request body, a CLI flag or the configuration file gets the same clear answer.
"""

from __future__ import annotations

import math
import re

from credgate.errors import InvalidRequest

__all__ = ["MAX_DURATION_SECONDS", "parse_duration"]

#: Ten years (of 365 days). Longer is refused: it is a typo, or an attempt to overflow.
MAX_DURATION_SECONDS = 10 * 365 * 86_400

_UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
_NUMBER = r"[0-9]{1,12}(?:\.[0-9]{1,9})?"  # ASCII digits only: \d would also take "٣"
_BARE_NUMBER = re.compile(_NUMBER)
# Units in descending order, each at most once: "2h30m" yes, "30m2h" and "1h1h" no.
_COMPOUND = re.compile(
    rf"(?:(?P<d>{_NUMBER})d)?(?:(?P<h>{_NUMBER})h)?(?:(?P<m>{_NUMBER})m)?(?:(?P<s>{_NUMBER})s)?"
)
_MAX_TEXT_LENGTH = 64
_HINT = (
    "give whole seconds (3600) or a duration such as 90s, 15m, 1h, 2h30m or 7d; at most 10 years"
)


def parse_duration(value: str | int | float, *, field: str) -> float:
    """Seconds in ``value``; raise :class:`InvalidRequest` naming ``field`` when it is not one.

    Accepts a non-negative int or float (seconds), a string of digits (seconds, ``"1.5"``
    allowed) or a compound of ``d``/``h``/``m``/``s`` parts in that order (``"1d2h3m4s"``,
    ``"1.5h"``). Surrounding whitespace is ignored. Zero is accepted; what zero means (for a
    TTL: "use the default") is the caller's decision. Refused: booleans, negatives, NaN,
    infinity, empty text, unknown units, repeated or out-of-order units, more than
    :data:`MAX_DURATION_SECONDS`.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidRequest(
            f"{field}: expected a duration, got {type(value).__name__}", hint=_HINT
        )
    if isinstance(value, str):
        seconds = _parse_text(value, field=field)
    else:
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidRequest(f"{field}: a duration must be a finite number", hint=_HINT)
        seconds = float(value) if value <= MAX_DURATION_SECONDS else math.inf
    if seconds < 0:
        raise InvalidRequest(f"{field}: a duration cannot be negative", hint=_HINT)
    if seconds > MAX_DURATION_SECONDS:
        raise InvalidRequest(f"{field}: a duration cannot exceed 10 years", hint=_HINT)
    return seconds


def _parse_text(value: str, *, field: str) -> float:
    text = value.strip()
    if not text:
        raise InvalidRequest(f"{field}: the duration is empty", hint=_HINT)
    if len(text) > _MAX_TEXT_LENGTH:
        raise InvalidRequest(f"{field}: the duration is too long to be valid", hint=_HINT)
    if text.startswith("-"):
        raise InvalidRequest(f"{field}: a duration cannot be negative", hint=_HINT)
    if _BARE_NUMBER.fullmatch(text):
        return float(text)
    match = _COMPOUND.fullmatch(text)
    if match is None or not any(match.groupdict().values()):
        raise InvalidRequest(f"{field}: {text!a} is not a duration", hint=_HINT)
    return sum(
        float(amount) * _UNIT_SECONDS[unit]
        for unit, amount in match.groupdict().items()
        if amount is not None
    )
