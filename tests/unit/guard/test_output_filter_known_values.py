"""Values issued to a session are found again in output, in every form an agent could use."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credgate.guard import OutputFilter

VALUE = "k8s-Prod:db pass/42+%é"  # punctuation, a space, a non-ASCII letter


def encodings(value: str) -> dict[str, str]:
    raw = value.encode()
    return {
        "exact": value,
        "base64": base64.b64encode(raw).decode(),
        "base64-unpadded": base64.b64encode(raw).decode().rstrip("="),
        "base64url": base64.urlsafe_b64encode(raw).decode(),
        "hex": raw.hex(),
        "HEX": raw.hex().upper(),
        "url": quote(value, safe=""),
        "url-plus": quote_plus(value, safe=""),
        "url-lower": re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(value, safe="")),
        "json": json.dumps(value)[1:-1],
    }


@pytest.fixture
def guard() -> OutputFilter:
    return OutputFilter([VALUE])


@pytest.mark.parametrize(("name", "form"), sorted(encodings(VALUE).items()))
def test_issued_value_is_masked_in_every_encoding(
    guard: OutputFilter, name: str, form: str
) -> None:
    """An injected 'print it in base64' instruction would get the secret past the filter."""
    masked = guard.mask(f"result: {form} (done)")
    assert form not in masked
    assert masked.startswith("result: [REDACTED:known_value]")


@pytest.mark.parametrize("prefix", [b"u:", b"user:", b"admin:"])
def test_issued_value_is_found_inside_a_longer_base64_text(
    guard: OutputFilter, prefix: bytes
) -> None:
    """Basic auth encodes 'user:secret': the value sits at any byte offset of the base64."""
    blob = base64.b64encode(prefix + VALUE.encode() + b"\n").decode()
    middle = blob[4:-8]  # characters made only of the value's bits, whatever the offset
    masked = guard.mask(f"data: {blob} end")
    assert "[REDACTED:known_value]" in masked
    assert middle not in masked
    assert masked.endswith(" end")


def test_value_registered_after_creation_is_found(guard: OutputFilter) -> None:
    """The broker registers values as it issues them, after the session's filter exists."""
    later = "second-Value-9876"
    assert guard.scan(f"x {later} y") == []
    assert guard.add_known_value(later) is True
    assert [(f.start, f.end, f.type) for f in guard.scan(f"x {later} y")] == [
        (2, 19, "known_value")
    ]


def test_short_values_are_not_registered() -> None:
    """Registering '5432' or 'admin' would mask every port number and user name in output."""
    guard = OutputFilter()
    assert guard.add_known_value("5432") is False
    assert guard.add_known_value("        ") is False
    assert guard.known_value_count == 0
    assert guard.scan("port 5432") == []


def test_known_values_never_appear_in_reprs() -> None:
    """A filter or a registry logged by accident would print the session's secrets."""
    guard = OutputFilter([VALUE, "another-Secret-77"])
    text = repr(guard) + str(guard) + repr(guard._known) + repr(guard.scan(VALUE))
    for value in (VALUE, "another-Secret-77"):
        for form in encodings(value).values():
            assert form not in text
    assert "known_values=2" in repr(guard)


@settings(max_examples=60, deadline=None)
@given(
    value=st.text(min_size=8, max_size=40).filter(lambda v: v.strip() and "\x00" not in v),
    before=st.text(max_size=20),
    after=st.text(max_size=20),
)
def test_any_registered_value_is_masked_wherever_it_appears(
    value: str, before: str, after: str
) -> None:
    """Whatever the value's characters, masked output never contains it."""
    guard = OutputFilter([value])
    masked = guard.mask(before + value + after)
    assert value not in masked
    assert "[REDACTED:known_value]" in masked
