"""One HTTP attempt of one delivery: render, sign, POST, classify. No database here.

Rules every attempt follows:

- only ``http`` and ``https`` URLs (checked again here, whatever is stored);
- redirects are never followed (a 3xx is a failed attempt: the receiver must be configured
  with its final URL, and a redirect could point the signed body somewhere else);
- a per-request timeout (default 5 s for connect, write and read);
- the response body is never read, let alone stored: only the status code is kept;
- the error recorded for a failed attempt is written by credgate from the exception *class*
  (never its message, which could contain the URL, and a Slack URL is a credential);
- httpx's own request log line (``HTTP Request: POST <full URL>``, level INFO) is suppressed
  for these requests; the dispatcher logs the attempt with the URL's hint instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from credgate.domain.deliveries import AttemptResult
from credgate.domain.notifications import Notification, render_json, render_slack
from credgate.domain.webhook_signature import SIGNATURE_HEADER, sign

USER_AGENT = "credgate-webhook/1"
FORMATS = ("json", "slack")

_sending = threading.local()


class _HideWebhookRequestLog(logging.Filter):
    """Drops httpx's log records emitted while this thread sends a webhook request."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_sending, "active", False)


_HTTPX_FILTER = _HideWebhookRequestLog()


@contextmanager
def _quiet_httpx() -> Iterator[None]:
    logger = logging.getLogger("httpx")
    if _HTTPX_FILTER not in logger.filters:
        logger.addFilter(_HTTPX_FILTER)
    _sending.active = True
    try:
        yield
    finally:
        _sending.active = False


@dataclass(frozen=True)
class Target:
    """Where and how to send: the decrypted URL and secret. Its repr shows neither."""

    webhook_id: str
    url: str
    secret: bytes
    format: str

    def __repr__(self) -> str:
        return f"Target(webhook_id={self.webhook_id!r}, format={self.format!r})"


def render(n: Notification, fmt: str) -> bytes:
    if fmt == "slack":
        return render_slack(n)
    if fmt == "json":
        return render_json(n)
    raise ValueError(f"unknown webhook format {fmt!r}")


def build_headers(
    n: Notification, delivery_id: str, attempt: int, secret: bytes, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Credgate-Event": n.kind,
        "X-Credgate-Delivery": delivery_id,
        "X-Credgate-Attempt": str(attempt),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def _describe(exc: httpx.HTTPError, timeout: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {timeout:g} s ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect (ConnectError)"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the receiver broke the HTTP exchange (RemoteProtocolError)"
    return f"request failed ({type(exc).__name__})"


def send(
    client: httpx.Client,
    target: Target,
    n: Notification,
    delivery_id: str,
    attempt: int,
    timestamp: int,
    *,
    timeout: float,
) -> AttemptResult:
    """POST ``n`` to ``target``; never raises for a network or HTTP failure."""
    if not target.url.lower().startswith(("http://", "https://")):
        return AttemptResult(error="refused: only http and https URLs are allowed")
    body = render(n, target.format)
    headers = build_headers(n, delivery_id, attempt, target.secret, timestamp, body)
    try:
        with (
            _quiet_httpx(),
            client.stream(
                "POST",
                target.url,
                content=body,
                headers=headers,
                timeout=timeout,
                follow_redirects=False,
            ) as response,
        ):
            code = response.status_code
    except httpx.InvalidURL:
        return AttemptResult(error="refused: the stored URL is not valid")
    except httpx.HTTPError as exc:
        return AttemptResult(error=_describe(exc, timeout))
    if 200 <= code < 300:
        return AttemptResult(status_code=code)
    if 300 <= code < 400:
        return AttemptResult(status_code=code, error=f"redirect refused (HTTP {code})")
    return AttemptResult(status_code=code, error=f"HTTP {code}")
