"""Durations as users type them in requests, flags and the configuration file."""

from __future__ import annotations

import pytest

from credgate.domain.durations import MAX_DURATION_SECONDS
from credgate.domain.tokens import parse_duration
from credgate.errors import InvalidRequest


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (3600, 3600.0),
        (2.5, 2.5),
        (0, 0.0),
        ("0", 0.0),
        ("3600", 3600.0),
        ("90s", 90.0),
        ("15m", 900.0),
        ("1h", 3600.0),
        ("2h30m", 9000.0),
        ("7d", 604800.0),
        ("1d12h", 129600.0),
        ("1d2h3m4s", 93784.0),
        ("1.5h", 5400.0),
        (" 10m ", 600.0),
        ("3650d", float(MAX_DURATION_SECONDS)),
    ],
)
def test_accepted_durations(value: str | int | float, seconds: float) -> None:
    """Every documented way of writing a TTL gives the expected number of seconds."""
    assert parse_duration(value, field="ttl") == seconds


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("-1", "negative"),
        ("-1h", "negative"),
        (-1, "negative"),
        (-0.5, "negative"),
        ("1x", "not a duration"),
        ("h", "not a duration"),
        ("1H", "not a duration"),
        ("1 h", "not a duration"),
        ("30m2h", "not a duration"),
        ("1h1h", "not a duration"),
        ("500ms", "not a duration"),
        ("1e3", "not a duration"),
        ("0x10", "not a duration"),
        ("١٢", "not a duration"),
        ("1" * 70, "too long"),
        ("3651d", "10 years"),
        (MAX_DURATION_SECONDS + 1, "10 years"),
        (10**400, "10 years"),
        (float("inf"), "finite"),
        (float("nan"), "finite"),
        (True, "got bool"),
        (None, "got NoneType"),
        ([1], "got list"),
    ],
)
def test_rejected_durations_name_the_field(value: object, reason: str) -> None:
    """A bad TTL is a 400 that says which field is wrong and how to write it."""
    with pytest.raises(InvalidRequest) as info:
        parse_duration(value, field="max_ttl")  # type: ignore[arg-type]
    assert info.value.message.startswith("max_ttl: ")
    assert reason in info.value.message
    assert "2h30m" in info.value.hint
