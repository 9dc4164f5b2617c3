"""Errors raised by the SDK, in credgate's one exception tree.

The server answers a failure with ``{"error": {"code", "message", "hint"}, "errors": [...]}``.
The SDK turns that envelope into an :class:`APIError` whose class follows the status and code,
and which is *also* the matching :mod:`credgate.errors` class, so both of these work::

    except credgate.sdk.PermissionDeniedError: ...
    except credgate.errors.PermissionDenied: ...

Every :class:`APIError` carries ``.status`` (the HTTP status), ``.code`` (the server's stable
code, e.g. ``"permission_denied"``), ``.message`` and ``.hint``. Messages come from the server,
which never puts a secret value in them; the SDK's own messages name paths and addresses only.

A request held for a human (HTTP 202: an approval is required, or it was recorded as a
suggestion) raises a :class:`PendingError` with ``.pending`` (the approval's id and link), never
an empty success.

When the server cannot be reached at all, the SDK raises :class:`ConnectionFailed` (an
:class:`credgate.errors.Unavailable`) naming the address, never an httpx exception.
"""

from __future__ import annotations

from typing import Any

import httpx

from credgate import errors

__all__ = [
    "APIError",
    "ApprovalRequiredError",
    "ConflictError",
    "ConnectionFailed",
    "InvalidRequestError",
    "NotFoundError",
    "PendingError",
    "PermissionDeniedError",
    "ServerError",
    "SuggestionRecordedError",
    "UnavailableError",
    "error_from_response",
    "is_auth_error",
]


class APIError(errors.Error):
    """The server refused or failed a request. ``.status``, ``.code``, ``.hint`` say why."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        # The class-level ``code``/``status`` are the defaults of the credgate.errors class this
        # error also is; the instance keeps exactly what the server said.
        self.status = status  # type: ignore[misc]
        self.code = code  # type: ignore[misc]

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(status={self.status}, code={self.code!r}, message={self.message!r})"


class InvalidRequestError(APIError, errors.InvalidRequest):
    """400, 405, 413, 422: the request was malformed (bad path, unknown field, bad policy...)."""


class PermissionDeniedError(APIError, errors.PermissionDenied):
    """401 or 403: the token is invalid, or no policy grants the operation."""


class NotFoundError(APIError, errors.NotFound):
    """404: no such secret, version, namespace, agent, policy or endpoint."""


class ConflictError(APIError, errors.Conflict):
    """409: check-and-set mismatch, name already taken, principal not active."""


class UnavailableError(APIError, errors.Unavailable):
    """502, 503, 504: the server cannot serve safely now (audit sink or database down)."""


class PendingError(APIError, errors.Pending):
    """202: not refused, not served yet; a human must act first. ``.pending`` is the server's
    ``pending`` object (``id``, ``kind``, ``link``, ``expires_at``, risk and reasons)."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str,
        hint: str | None = None,
        pending: dict[str, Any] | None = None,
    ) -> None:
        errors.Error.__init__(self, message, hint=hint)
        self.status = status  # type: ignore[misc]
        self.code = code  # type: ignore[misc]
        self.pending = dict(pending or {})


class ApprovalRequiredError(PendingError, errors.ApprovalRequired):
    """An operator must approve this exact request first. Wait for ``pending["id"]``
    (``Client.read_approval(id, wait=30)``), then send the same request again through
    ``Client.with_approval(id)``."""


class SuggestionRecordedError(PendingError, errors.SuggestionRecorded):
    """Recorded as a suggestion a human may carry out; no value will ever be returned."""


class ServerError(APIError):
    """500 or another unexpected status: a server bug; the operator should read its log."""


class ConnectionFailed(errors.Unavailable):
    """The server could not be reached (refused, DNS, TLS, timeout). Nothing was served."""

    code = "connection_failed"


_BY_CODE: dict[str, type[APIError]] = {
    "invalid_request": InvalidRequestError,
    "invalid_path": InvalidRequestError,
    "invalid_policy": InvalidRequestError,
    "payload_too_large": InvalidRequestError,
    "method_not_allowed": InvalidRequestError,
    "permission_denied": PermissionDeniedError,
    "not_found": NotFoundError,
    "conflict": ConflictError,
    "unavailable": UnavailableError,
    "audit_unavailable": UnavailableError,
    "decryption_failed": UnavailableError,
}


_PENDING_BY_CODE: dict[str, type[PendingError]] = {
    "approval_required": ApprovalRequiredError,
    "suggestion_recorded": SuggestionRecordedError,
}


def _class_for(status: int, code: str) -> type[APIError]:
    if status == 202:
        return _PENDING_BY_CODE.get(code, PendingError)
    if code in _BY_CODE:
        return _BY_CODE[code]
    if status in (401, 403):
        return PermissionDeniedError
    if status == 404:
        return NotFoundError
    if status == 409:
        return ConflictError
    if status in (502, 503, 504):
        return UnavailableError
    if 400 <= status < 500:
        return InvalidRequestError
    return ServerError


def error_from_response(response: httpx.Response, *, token_configured: bool = True) -> APIError:
    """The :class:`APIError` for a 202, 4xx or 5xx ``response`` (envelope parsed when present).

    A 202 is a :class:`PendingError` (held for a human) carrying the answer's ``pending``.
    """
    status = response.status_code
    code, message, hint = "", "", None
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        envelope = body.get("error")
        if isinstance(envelope, dict):
            code = str(envelope.get("code") or "")
            message = str(envelope.get("message") or "")
            hint = str(envelope.get("hint") or "") or None
        elif isinstance(body.get("errors"), list) and body["errors"]:
            message = "; ".join(str(e) for e in body["errors"])  # a Vault-shaped answer
    if not code:
        code = {
            202: "pending",
            401: "permission_denied",
            403: "permission_denied",
            404: "not_found",
        }.get(status, "http_error")
    if not message:
        message = f"the server answered HTTP {status} {response.reason_phrase}".rstrip()
    if status in (401, 403) and not token_configured:
        hint = "no token was given: set CREDGATE_TOKEN or pass a token"
    cls = _class_for(status, code)
    if issubclass(cls, PendingError):
        pending = body.get("pending") if isinstance(body, dict) else None
        return cls(
            message,
            status=status,
            code=code,
            hint=hint,
            pending=pending if isinstance(pending, dict) else None,
        )
    return cls(message, status=status, code=code, hint=hint)


AUTH_FAILURE_STATUSES = frozenset({401, 403})


def is_auth_error(exc: BaseException) -> bool:
    """The default "the credential was refused" test used by ``with_fresh_secret``.

    True for an :class:`httpx.HTTPStatusError` with status 401 or 403, and for any exception
    carrying a ``status_code`` or ``status`` attribute (or ``response.status_code``, as in
    ``requests.HTTPError``) equal to 401 or 403. Everything else is not an auth failure.
    """
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code in AUTH_FAILURE_STATUSES
    for name in ("status_code", "status"):
        value = getattr(exc, name, None)
        if isinstance(value, int) and not isinstance(value, bool):
            return value in AUTH_FAILURE_STATUSES
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return isinstance(status, int) and status in AUTH_FAILURE_STATUSES
