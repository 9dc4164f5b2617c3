"""Webhook signatures: HMAC-SHA256 over the timestamp and the exact body bytes.

credgate signs every webhook request with the webhook's secret and sends the result in the
``X-Credgate-Signature`` header, in the form Stripe made familiar (this one is for the secret
``whsec_example`` and the body ``{"id":"ntf_1"}``)::

    X-Credgate-Signature: t=1800000000,
        v1=305e11905bea452e6203fd7fe75b98071af298056280acf9defa10c95e82cc68

(one line on the wire, wrapped here)

- ``t`` is the Unix time (whole seconds) at which this attempt was signed; every retry is
  signed again with a fresh ``t``;
- ``v1`` is the lower-case hex HMAC-SHA256, keyed with the secret (its UTF-8 bytes, exactly as
  shown when the webhook was created), of ``f"{t}."`` followed by the raw request body.

A receiver recomputes ``v1`` over the bytes it received (before any JSON parsing), compares in
constant time, and refuses a ``t`` further than a tolerance (five minutes) from its own clock,
so a captured request cannot be replayed later. Several ``v1`` entries may appear (reserved for
secret rotation); one match is enough. :func:`verify_signature` does exactly that and raises
:class:`WebhookSignatureError` otherwise.
"""

from __future__ import annotations

import hashlib
import hmac

from credgate.errors import PermissionDenied

__all__ = [
    "DEFAULT_TOLERANCE",
    "SIGNATURE_HEADER",
    "WebhookSignatureError",
    "compute_signature",
    "sign",
    "verify_signature",
]

SIGNATURE_HEADER = "X-Credgate-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE = 300
_MAX_HEADER = 4096


class WebhookSignatureError(PermissionDenied):
    """A webhook request whose signature is missing, malformed, wrong or too old."""

    default_hint = (
        "check that the receiver uses the webhook's secret, the raw request body, and a "
        "clock in sync with credgate's"
    )


def compute_signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``f"{timestamp}." + body`` under ``secret``."""
    if not secret:
        raise ValueError("a webhook secret cannot be empty")
    signed = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(secret, signed, hashlib.sha256).hexdigest()


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The ``X-Credgate-Signature`` header value: ``t=<timestamp>,v1=<hex>``."""
    return f"t={int(timestamp)},{SCHEME}={compute_signature(secret, timestamp, body)}"


def _parse(header: str) -> tuple[int, list[str]]:
    if not header or len(header) > _MAX_HEADER:
        raise WebhookSignatureError("the webhook signature header is missing or too long")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise WebhookSignatureError("the webhook signature header is malformed")
        if key == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit():
                raise WebhookSignatureError("the webhook signature timestamp is malformed")
            timestamp = int(value)
        elif key == SCHEME:
            candidates.append(value)
        # Other schemes are ignored, so a receiver keeps working when a new one is added.
    if timestamp is None or not candidates:
        raise WebhookSignatureError("the webhook signature header has no t= or v1= entry")
    return timestamp, candidates


def verify_signature(
    secret: bytes,
    header: str,
    body: bytes,
    now: float,
    tolerance: float = DEFAULT_TOLERANCE,
) -> int:
    """Check a received request; return its signed timestamp or raise.

    ``now`` is the receiver's current Unix time; a timestamp more than ``tolerance`` seconds
    before or after it is refused (replay protection). Raises :class:`WebhookSignatureError`.
    """
    timestamp, candidates = _parse(header)
    expected = compute_signature(secret, timestamp, body)
    matched = False
    for candidate in candidates:
        # Compare every candidate (no early exit) in constant time.
        matched |= hmac.compare_digest(expected.encode("ascii"), candidate.encode("utf-8"))
    if not matched:
        raise WebhookSignatureError("the webhook signature does not match the body")
    if abs(now - timestamp) > tolerance:
        raise WebhookSignatureError("the webhook signature is too old or from the future")
    return timestamp
