"""Webhook signatures: known-answer vectors, and every way a receiver must refuse a request."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from credgate.domain.webhook_signature import (
    WebhookSignatureError,
    compute_signature,
    sign,
    verify_signature,
)
from credgate.errors import PermissionDenied

SECRET = b"whsec_example"
BODY = b'{"id":"ntf_1"}'
T = 1_800_000_000


def test_known_answer_vector() -> None:
    """A receiver written from the docs computes exactly the header credgate sends."""
    assert sign(SECRET, T, BODY) == (
        "t=1800000000,v1=305e11905bea452e6203fd7fe75b98071af298056280acf9defa10c95e82cc68"
    )


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    """The documented recipe (HMAC-SHA256 of "t." + body) matches, for an arbitrary body."""
    body = "ünïcode body \x00 with bytes".encode()
    expected = hmac.new(SECRET, f"{T}.".encode() + body, hashlib.sha256).hexdigest()
    assert compute_signature(SECRET, T, body) == expected


def test_verify_accepts_a_fresh_valid_signature() -> None:
    """A genuine request within the tolerance is accepted and its timestamp returned."""
    header = sign(SECRET, T, BODY)
    assert verify_signature(SECRET, header, BODY, now=T + 299) == T
    assert verify_signature(SECRET, header, BODY, now=T - 299) == T


@pytest.mark.parametrize(
    ("secret", "body", "now"),
    [
        (b"whsec_other", BODY, T),  # wrong secret
        (SECRET, BODY + b" ", T),  # body changed by one byte
        (SECRET, BODY, T + 301),  # replayed after the tolerance
        (SECRET, BODY, T - 301),  # from the future
    ],
    ids=["wrong-secret", "tampered-body", "replayed", "future"],
)
def test_verify_refuses(secret: bytes, body: bytes, now: float) -> None:
    """Forged, modified or replayed requests are refused with a permission error."""
    header = sign(SECRET, T, BODY)
    with pytest.raises(WebhookSignatureError):
        verify_signature(secret, header, body, now=now)


def test_timestamp_is_covered_by_the_signature() -> None:
    """Moving the timestamp forward to dodge the replay window breaks the signature."""
    header = sign(SECRET, T, BODY).replace(f"t={T}", f"t={T + 3600}")
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature(SECRET, header, BODY, now=T + 3600)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "v1=abc",
        f"t={T}",
        f"t={T},t={T},v1=00",
        "t=12a,v1=00",
        "t=١٢٣,v1=00",
        "garbage",
        "t=1," + "v1=" + "0" * 5000,
    ],
)
def test_malformed_headers_are_refused(header: str) -> None:
    """A malformed header is a clean refusal, never a crash or an accidental accept."""
    with pytest.raises(WebhookSignatureError):
        verify_signature(SECRET, header, BODY, now=T)


def test_any_matching_v1_entry_is_enough() -> None:
    """During a secret rotation a header may carry two signatures; one valid one suffices."""
    good = compute_signature(SECRET, T, BODY)
    header = f"t={T},v1={'0' * 64},v1={good},v0=ignored"
    assert verify_signature(SECRET, header, BODY, now=T) == T


def test_signature_error_is_a_permission_error() -> None:
    """Callers catching credgate's PermissionDenied also catch a bad webhook signature."""
    assert issubclass(WebhookSignatureError, PermissionDenied)


def test_empty_secret_is_refused() -> None:
    """Signing with an empty key would make every signature forgeable."""
    with pytest.raises(ValueError, match="empty"):
        sign(b"", T, BODY)
