"""Go's number, duration and time parsing, as OpenBao applies them to policy values.

``strconv.ParseInt`` (base 0 accepts ``0x1F``, ``017`` octal, ``1_000``), ``ParseFloat``,
``time.ParseDuration`` and go-secure-stdlib's ``ParseDurationSecond`` (``300``, ``"1h"``,
``"2d"``) and ``ParseAbsoluteTime`` (RFC 3339 or Unix seconds). Durations are integer
nanoseconds; Go's silent int64 wrap-around on overflow is kept.
"""

from __future__ import annotations

import math
import re

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_SECOND = 1_000_000_000
_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,
    "\u03bcs": 1_000,
    "ms": 1_000_000,
    "s": _SECOND,
    "m": 60 * _SECOND,
    "h": 3600 * _SECOND,
}


def wrap64(value: int) -> int:
    """Two's-complement int64 wrap-around, like Go's overflowing multiplication."""
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= (1 << 63) else value


def _underscore_ok(s: str) -> bool:
    saw = "^"
    if s[:1] in ("+", "-"):
        s = s[1:]
    i, hexa = 0, False
    if len(s) >= 2 and s[0] == "0" and s[1].lower() in ("b", "o", "x"):
        i, saw, hexa = 2, "0", s[1].lower() == "x"
    while i < len(s):
        c = s[i]
        if "0" <= c <= "9" or (hexa and "a" <= c.lower() <= "f"):
            saw = "0"
        elif c == "_":
            if saw != "0":
                return False
            saw = "_"
        else:
            if saw == "_":
                return False
            saw = "!"
        i += 1
    return saw != "_"


def parse_int(s: str, base: int = 10) -> int:
    """``strconv.ParseInt(s, base, 64)`` for base 0 or 10; raises ValueError."""
    orig = s
    if not s:
        raise ValueError("invalid syntax")
    neg = s[0] == "-"
    if s[0] in ("+", "-"):
        s = s[1:]
    digits, radix = s, 10
    if base == 0:
        radix = 10
        if s[:1] == "0":
            low = s[1:2].lower()
            if low == "x":
                radix, digits = 16, s[2:]
            elif low == "o":
                radix, digits = 8, s[2:]
            elif low == "b":
                radix, digits = 2, s[2:]
            else:
                radix, digits = 8, s[1:]
                if not digits:
                    return 0
    underscores = False
    value = 0
    if not digits:
        raise ValueError("invalid syntax")
    for c in digits:
        if c == "_" and base == 0:
            underscores = True
            continue
        d = _digit(c)
        if d >= radix:
            raise ValueError("invalid syntax")
        value = value * radix + d
    if underscores and not _underscore_ok(orig):
        raise ValueError("invalid syntax")
    value = -value if neg else value
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise ValueError("value out of range")
    return value


def _digit(c: str) -> int:
    if "0" <= c <= "9":
        return ord(c) - 48
    if "a" <= c.lower() <= "z" and len(c) == 1 and c.isascii():
        return ord(c.lower()) - 87
    return 99


_NUMBER_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?")
_UNIT_PART = re.compile(r"[^0-9.]*")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def parse_float(s: str) -> float:
    """``strconv.ParseFloat(s, 64)`` for the decimal forms the HCL scanner produces."""
    if not _FLOAT.fullmatch(s):
        raise ValueError("invalid syntax")
    value = float(s)
    if math.isinf(value):
        raise ValueError("value out of range")
    return value


def parse_duration(s: str) -> int:
    """Go's ``time.ParseDuration`` in nanoseconds (``1h30m``, ``1.5h``, ``-5s``, ``0``)."""
    orig, neg = s, False
    if s[:1] in ("+", "-"):
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return 0
    if not s:
        raise ValueError(f"time: invalid duration {orig!r}")
    total = 0
    while s:
        m = _NUMBER_PART.match(s)
        whole, frac = (m.group(1), m.group(2)) if m else ("", None)
        if not whole and not frac:
            raise ValueError(f"time: invalid duration {orig!r}")
        s = s[m.end() if m else 0 :]
        u = _UNIT_PART.match(s)
        unit_name = u.group(0) if u else ""
        if not unit_name:
            raise ValueError(f"time: missing unit in duration {orig!r}")
        if unit_name not in _UNITS:
            raise ValueError(f"time: unknown unit {unit_name!r} in duration {orig!r}")
        s = s[len(unit_name) :]
        unit = _UNITS[unit_name]
        v = int(whole) if whole else 0
        if v > (1 << 63) // unit:
            raise ValueError(f"time: invalid duration {orig!r}")
        v *= unit
        if frac and int(frac) > 0:
            f, scale = 0, 1.0
            for c in frac:
                if f > ((1 << 63) - 1) // 10:
                    break
                f, scale = f * 10 + int(c), scale * 10
            v += int(float(f) * (float(unit) / scale))
        total += v
        if total > 1 << 63:
            raise ValueError(f"time: invalid duration {orig!r}")
    if neg:
        return -total
    if total > _INT64_MAX:
        raise ValueError(f"time: invalid duration {orig!r}")
    return total


def parse_duration_second(value: object) -> int:
    """go-secure-stdlib ``ParseDurationSecond``: numbers are seconds, strings may carry units."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ValueError("could not parse duration from input")
    if isinstance(value, str):
        if value == "":
            return 0
        try:
            return wrap64(parse_int(value, 10) * _SECOND)
        except ValueError:
            pass
        if value.endswith("d"):
            return wrap64(parse_int(value[:-1], 10) * 24 * 3600 * _SECOND)
        return parse_duration(value)
    if isinstance(value, int):
        return wrap64(value * _SECOND)
    if isinstance(value, float):
        return wrap64(int(value) * _SECOND)
    raise ValueError("could not parse duration from input")


_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:[.,]([0-9]+))?(?:(Z)|([+-])([0-9]{2}):([0-9]{2}))"
)
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_absolute_time(s: str) -> int:
    """go-secure-stdlib ``ParseAbsoluteTime`` for strings, as Unix nanoseconds."""
    m = _RFC3339.fullmatch(s)
    if m:
        year, month, day, hour, minute, sec = (int(m.group(i)) for i in range(1, 7))
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        month_days = (
            29 if (month == 2 and leap) else _MONTH_DAYS[month - 1] if 1 <= month <= 12 else 0
        )
        if not (1 <= month <= 12 and 1 <= day <= month_days and hour < 24 and minute < 60):
            raise ValueError("could not parse string as date and time")
        if sec >= 60:
            raise ValueError("could not parse string as date and time")
        offset = 0
        if not m.group(8):
            oh, om = int(m.group(10)), int(m.group(11))
            if oh >= 24 or om >= 60:
                raise ValueError("could not parse string as date and time")
            offset = (oh * 60 + om) * 60 * (-1 if m.group(9) == "-" else 1)
        nanos = int((m.group(7) or "0")[:9].ljust(9, "0"))
        days = _days_from_civil(year, month, day)
        seconds = days * 86400 + hour * 3600 + minute * 60 + sec - offset
        return seconds * _SECOND + nanos
    try:
        return parse_int(s, 10) * _SECOND
    except ValueError:
        raise ValueError("could not parse string as date and time") from None


def go_lower(s: str) -> str:
    """Go's ``strings.ToLower`` (rune by rune; differs from ``str.lower`` on U+0130)."""
    if s.isascii():
        return s.lower()
    return "".join("i" if c == "\u0130" else (c.lower() if len(c.lower()) == 1 else c) for c in s)
