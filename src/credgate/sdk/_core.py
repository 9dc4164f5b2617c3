"""The part of the SDK that does no I/O: configuration, paths, headers, request building and
response decoding. :mod:`credgate.sdk.client` (sync) and :mod:`credgate.sdk.async_client`
only *send* what this module builds, so the two cannot drift apart.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx

from credgate import __version__
from credgate.errors import ConfigError, Error, InvalidPath
from credgate.sdk.errors import ConnectionFailed, ServerError, error_from_response

T = TypeVar("T")

DEFAULT_ADDR = "http://127.0.0.1:8300"
ADDR_ENV = "CREDGATE_ADDR"
TOKEN_ENV = "CREDGATE_TOKEN"  # noqa: S105 (the variable's name, not a token)
NAMESPACE_ENV = "CREDGATE_NAMESPACE"
SESSION_ENV = "CREDGATE_SESSION"
TRACEPARENT_ENV = "TRACEPARENT"
MAX_SESSION_ID = 128
CONTEXT_HEADERS = {
    "prompt": "X-Credgate-Prompt",
    "reasoning": "X-Credgate-Reasoning",
    "alternatives": "X-Credgate-Alternatives",
}
_PATH_HINT = "use plain '/'-separated names, without '.', '..', '%', '?', '#' or backslashes"


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API call: what to send, and how to turn the decoded JSON answer into ``T``."""

    method: str
    path: str  # after /v1/, not yet percent-encoded
    parse: Callable[[Any], T]
    json: Any = None
    params: Mapping[str, str] | None = None
    timeout: float | None = None  # this call's own timeout (a long-poll); None: the client's


def clean_path(path: str, *, what: str = "path", allow_empty: bool = False) -> str:
    """``path`` without surrounding slashes, checked for what the server would refuse anyway."""
    if not isinstance(path, str):
        raise InvalidPath(f"the {what} must be a string")
    text = path.strip("/")
    if not text:
        if allow_empty:
            return ""
        raise InvalidPath(f"the {what} is empty", hint=_PATH_HINT)
    for char in text:
        if char in "?#%\\" or not char.isprintable():
            raise InvalidPath(
                f"the {what} contains {char!a}, which credgate refuses", hint=_PATH_HINT
            )
    for segment in text.split("/"):
        if segment == "" or segment.strip(".") == "":
            raise InvalidPath(f"the {what} {text!r} has an empty or dot segment", hint=_PATH_HINT)
    return text


def kv_key(path: str, mount: str, *, allow_empty: bool = False) -> str:
    """The key inside ``mount`` for ``path``.

    Accepts the short form (``dev/app``) and the API form (``secret/data/dev/app`` or
    ``secret/metadata/dev/app`` when ``mount`` is ``secret``); both name the same secret.
    """
    mount_clean = clean_path(mount, what="mount")
    text = clean_path(path, what="secret path", allow_empty=allow_empty)
    for section in ("data", "metadata"):
        prefix = f"{mount_clean}/{section}"
        if text == prefix:
            text = ""
        elif text.startswith(prefix + "/"):
            text = text[len(prefix) + 1 :]
        else:
            continue
        break
    if not text and not allow_empty:
        raise InvalidPath(f"no secret named in {path!r}", hint="for example: dev/app")
    return text


def _printable_ascii(value: str) -> bool:
    return value.isascii() and value.isprintable() and " " not in value


@dataclass(frozen=True)
class ClientConfig:
    """Everything a request needs besides the connection. Its repr never shows the token."""

    addr: str
    token: str | None
    namespace: str | None
    session_id: str
    trace_id: str
    traceparent: str | None  # sent unchanged when configured
    timeout: float
    context: Mapping[str, str]
    approval_id: str | None = None  # sent as X-Credgate-Approval (see Client.with_approval)

    @classmethod
    def create(
        cls,
        addr: str | None,
        token: str | None,
        *,
        namespace: str | None,
        session_id: str | None,
        traceparent: str | None,
        timeout: float,
        env: Mapping[str, str] | None = None,
    ) -> ClientConfig:
        env = os.environ if env is None else env
        address = (addr or env.get(ADDR_ENV) or DEFAULT_ADDR).strip().rstrip("/")
        try:
            url = httpx.URL(address)
        except httpx.InvalidURL:
            url = httpx.URL("invalid:")
        if url.scheme not in ("http", "https") or not url.host:
            raise ConfigError(
                f"invalid credgate address {address!r}",
                hint=f"use a URL with its scheme, e.g. {DEFAULT_ADDR} (--addr or ${ADDR_ENV})",
            )
        raw_token = token if token is not None else env.get(TOKEN_ENV)
        token_clean = raw_token.strip() if raw_token else None
        if token_clean and not _printable_ascii(token_clean):
            raise ConfigError(
                "the token contains characters a credgate token cannot have",
                hint=f"check --token or ${TOKEN_ENV} (copy the token exactly)",
            )
        ns = namespace if namespace is not None else env.get(NAMESPACE_ENV)
        ns = (ns.strip() or None) if ns else None
        if ns is not None and not _printable_ascii(ns):
            raise ConfigError(
                "a namespace is printable ASCII without spaces",
                hint=f"check --namespace or ${NAMESPACE_ENV}",
            )
        session = session_id or env.get(SESSION_ENV) or "ses_" + secrets.token_hex(12)
        if len(session) > MAX_SESSION_ID or not _printable_ascii(session):
            raise ConfigError(
                f"the session id must be at most {MAX_SESSION_ID} printable ASCII characters"
            )
        parent = traceparent or env.get(TRACEPARENT_ENV) or None
        trace_id = secrets.token_hex(16)
        if parent is not None:
            parts = parent.strip().lower().split("-")
            if len(parts) < 4 or len(parts[1]) != 32 or not _printable_ascii(parent.strip()):
                raise ConfigError(
                    "traceparent is not a W3C trace context header",
                    hint="expected 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>",
                )
            parent, trace_id = parent.strip().lower(), parts[1]
        return cls(address, token_clean, ns, session, trace_id, parent, timeout, {})

    def __repr__(self) -> str:
        return (
            f"ClientConfig(addr={self.addr!r}, namespace={self.namespace!r}, "
            f"session_id={self.session_id!r}, token={'<set>' if self.token else None})"
        )

    def with_context(self, **context: str | None) -> ClientConfig:
        merged = dict(self.context)
        for key, value in context.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return replace(self, context=merged)

    def with_approval(self, approval_id: str | None) -> ClientConfig:
        if approval_id is not None and (
            not approval_id or len(approval_id) > 64 or not _printable_ascii(approval_id)
        ):
            raise ConfigError("an approval id is at most 64 printable ASCII characters")
        return replace(self, approval_id=approval_id)

    def current_traceparent(self) -> str:
        """The configured ``traceparent``, or a new span in this client's trace."""
        if self.traceparent is not None:
            return self.traceparent
        return f"00-{self.trace_id}-{secrets.token_hex(8)}-01"

    def headers(self) -> dict[str, str]:
        headers = {
            "Accept": "application/json",
            "Cache-Control": "no-store",
            "User-Agent": f"credgate-sdk/{__version__}",
            "X-Credgate-Session": self.session_id,
            "traceparent": self.current_traceparent(),
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.namespace:
            headers["X-Credgate-Namespace"] = self.namespace
        if self.approval_id:
            headers["X-Credgate-Approval"] = self.approval_id
        for key, value in self.context.items():
            headers[CONTEXT_HEADERS[key]] = quote(value, safe="")
        return headers

    def build(self, call: Call[Any]) -> httpx.Request:
        url = f"{self.addr}/v1/{quote(call.path, safe='/')}"
        kwargs: dict[str, Any] = {"headers": self.headers(), "params": call.params or None}
        if call.json is not None:
            kwargs["json"] = call.json
        if call.timeout is not None:
            kwargs["extensions"] = {"timeout": httpx.Timeout(call.timeout).as_dict()}
        try:
            return httpx.Request(call.method, url, **kwargs)
        except httpx.InvalidURL:
            raise ConfigError(f"cannot build a request URL from {self.addr!r}") from None

    def decode(self, call: Call[T], response: httpx.Response) -> T:
        """The parsed answer, or the :class:`~credgate.sdk.errors.APIError` for a failure."""
        if response.status_code >= 300 or response.status_code == 202:
            # 202: held for a human (approval or suggestion), raised as a PendingError.
            raise error_from_response(response, token_configured=bool(self.token))
        if response.status_code == 204 or not response.content.strip():
            return call.parse(None)
        try:
            body = response.json()
        except ValueError:
            raise ServerError(
                f"the server at {self.addr} did not answer with JSON",
                status=response.status_code,
                code="bad_response",
                hint=f"check that {self.addr} is a credgate server (${ADDR_ENV})",
            ) from None
        return call.parse(body)

    def translate(self, exc: httpx.HTTPError) -> Error:
        """The credgate error for an httpx failure to talk to the server."""
        if isinstance(exc, httpx.TimeoutException):
            return ConnectionFailed(
                f"credgate at {self.addr} did not answer within {self.timeout:g}s",
                hint="the server may be overloaded or stopped; retry, or raise the timeout",
            )
        if isinstance(exc, httpx.ConnectError):
            return ConnectionFailed(
                f"cannot reach credgate at {self.addr}",
                hint=f"is the server running (credgate serve)? set ${ADDR_ENV} or --addr "
                "to its address",
            )
        if isinstance(exc, httpx.UnsupportedProtocol):
            return ConfigError(f"invalid credgate address {self.addr!r}")
        return ConnectionFailed(
            f"lost the connection to credgate at {self.addr} ({type(exc).__name__})",
            hint="retry; if it persists, the operator should check the server log",
        )
