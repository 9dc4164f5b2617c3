"""The one exception tree of credgate.

Every failure a user can cause is an :class:`Error` with a stable ``code`` (documented in
``docs/reference/errors.md``), a safe ``message`` and a ``hint``. The HTTP adapter turns an
``Error`` into the JSON envelope ``{"error": {"code", "message", "hint"}}`` with ``status``;
the CLI prints ``error: <message> (hint: <hint>)`` and exits with ``exit_code``. Foreign
exceptions (SQLAlchemy, httpx, cryptography...) are translated at the edge, never shown raw.

Messages must never contain a secret value: build them from paths, names and ids only.
"""

from __future__ import annotations

from typing import ClassVar


class Error(Exception):
    """Base class: something the user (or the environment) can act on."""

    code: ClassVar[str] = "internal"
    status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1
    default_hint: ClassVar[str] = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "hint": self.hint}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class InvalidRequest(Error):
    """The request is malformed: wrong type, unknown field, bad value."""

    code = "invalid_request"
    status = 400
    exit_code = 2
    default_hint = "check the request against the API reference (docs/reference/http.md)"


class InvalidPath(InvalidRequest):
    """A path that cannot be resolved safely (``..``, encoded slashes, control characters)."""

    code = "invalid_path"
    default_hint = "use plain slash-separated segments without '..', '%2f' or control characters"


class PolicyParseError(InvalidRequest):
    """An HCL/JSON policy that OpenBao would refuse. Carries the position when known."""

    code = "invalid_policy"
    default_hint = (
        'policies use OpenBao/Vault HCL: path "secret/data/*" { capabilities = ["read"] }'
    )

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        source: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.line = line
        self.column = column
        self.source = source
        super().__init__(message, hint=hint)

    def location(self) -> str:
        """``source:line:col`` (parts omitted when unknown)."""
        parts = [self.source or "<policy>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": str(self), "hint": self.hint}


class PayloadTooLarge(InvalidRequest):
    code = "payload_too_large"
    status = 413
    default_hint = "send a smaller body; the limit is the server setting max_request_bytes"


class PermissionDenied(Error):
    """Authorisation refused. Says nothing an attacker could use."""

    code = "permission_denied"
    status = 403
    exit_code = 3
    default_hint = "check the token and its policies (credgate token lookup-self)"


class InvalidToken(PermissionDenied):
    """Every token failure: unknown, malformed, expired, revoked, used up. One opaque answer."""

    def __init__(self) -> None:
        super().__init__("permission denied")


class Denied(PermissionDenied):
    """The token is valid but no policy grants the operation, or a guardrail refuses it."""


class GuardrailDenied(Denied):
    """A data-class guardrail refuses it: regulated data never reaches an agent, whatever the
    policies, approvals or elevations say."""

    code = "guardrail"
    default_hint = "an operator can read it; agents may only use it through credgate, if allowed"


class OutputBlocked(Denied):
    """The output filter found a credential in text on its way out, in block mode: nothing of
    that text is returned. The message names the finding types, never a value."""

    code = "output_blocked"
    default_hint = "the output contained a credential; use brokered access instead of revealing it"


class EgressDenied(Denied):
    """Brokered use refused: a secret may only be sent to the hosts in its ``allowed_hosts``
    metadata, over http(s), to an address its listing allows. Names the host, never a value."""

    code = "egress_denied"
    default_hint = (
        "a secret is only sent to the hosts in its allowed_hosts metadata; an operator can "
        "add the host (credgate kv metadata put PATH --allowed-hosts HOST)"
    )


class Pending(Error):
    """Not refused, not served yet: a human must act first. HTTP 202 with a ``pending`` object."""

    status = 202
    exit_code = 7

    def __init__(
        self, message: str, *, pending: dict[str, object], hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.pending = pending


class ApprovalRequired(Pending):
    """A confirm-level request: served once an operator approves this exact request."""

    code = "approval_required"
    default_hint = (
        "wait for the approval (GET its link with ?wait=30s), then send the same request "
        "again with the header X-Credgate-Approval"
    )


class SuggestionRecorded(Pending):
    """A suggest-level request: recorded for a human to carry out; no value is ever returned."""

    code = "suggestion_recorded"
    default_hint = "a human can carry out the suggestion; agents never receive this value"


class NotFound(Error):
    code = "not_found"
    status = 404
    exit_code = 4
    default_hint = "check the path or id; list the parent to see what exists"


class Conflict(Error):
    """State does not allow it: check-and-set mismatch, name taken, wrong status."""

    code = "conflict"
    status = 409
    exit_code = 5
    default_hint = "read the current state and retry"


class Unavailable(Error):
    """A dependency needed to serve safely is down (audit sink, database)."""

    code = "unavailable"
    status = 503
    exit_code = 6
    default_hint = "the operator should check the server logs; nothing was served"


class AuditUnavailable(Unavailable):
    """No audit sink accepted the event: fail closed, serve nothing."""

    code = "audit_unavailable"
    default_hint = "no audit sink accepted the event, so nothing was served; check the audit sinks"


class DecryptionFailed(Unavailable):
    """Stored ciphertext did not authenticate: wrong master key, moved or tampered data."""

    code = "decryption_failed"
    default_hint = (
        "nothing was served; the operator should check that the server runs with the current "
        "master key and that the database was not modified"
    )


class ConfigError(Error):
    """The server or CLI configuration is wrong."""

    code = "config_error"
    exit_code = 2
    default_hint = "check credgate.toml and the CREDGATE_* environment variables"


class UpstreamError(Unavailable):
    """A brokered call could not be completed: the upstream host is unreachable, refused the
    connection or TLS, or answered with something that is not HTTP."""

    code = "upstream_error"
    status = 502
    default_hint = "check that the upstream service is up and that the URL is right"


class UpstreamTimeout(UpstreamError):
    """A brokered call took longer than its timeout; nothing of its response is returned."""

    code = "upstream_timeout"
    status = 504
    default_hint = "retry later, or raise the request's timeout (capped by the server)"


class UpstreamTooLarge(UpstreamError):
    """A brokered call's response was larger than ``max_response_bytes``: it is refused whole
    (a cut response could end inside a secret the filter then cannot recognise)."""

    code = "upstream_too_large"
    default_hint = "raise max_response_bytes (capped by the server) or ask for less data"
