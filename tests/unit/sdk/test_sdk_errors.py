"""Server error envelopes and transport failures become credgate errors; retry on auth failure."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from credgate import errors
from credgate.sdk import (
    APIError,
    Client,
    ConflictError,
    ConnectionFailed,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
    UnavailableError,
    is_auth_error,
)

TOKEN = "cg_tok"


def make(server: Any, token: str | None = TOKEN) -> Client:
    return Client("http://credgate.test", token, transport=server.transport)


@pytest.mark.parametrize(
    ("status", "code", "sdk_class", "core_class", "exit_code"),
    [
        (400, "invalid_request", InvalidRequestError, errors.InvalidRequest, 2),
        (400, "invalid_path", InvalidRequestError, errors.InvalidRequest, 2),
        (413, "payload_too_large", InvalidRequestError, errors.InvalidRequest, 2),
        (403, "permission_denied", PermissionDeniedError, errors.PermissionDenied, 3),
        (401, "", PermissionDeniedError, errors.PermissionDenied, 3),
        (404, "not_found", NotFoundError, errors.NotFound, 4),
        (409, "conflict", ConflictError, errors.Conflict, 5),
        (503, "audit_unavailable", UnavailableError, errors.Unavailable, 6),
        (403, "approval_required", PermissionDeniedError, errors.PermissionDenied, 3),
        (500, "internal", ServerError, errors.Error, 1),
    ],
)
def test_envelope_maps_to_sdk_and_core_error_classes(
    server: Any,
    status: int,
    code: str,
    sdk_class: type[APIError],
    core_class: type[errors.Error],
    exit_code: int,
) -> None:
    """Callers can catch credgate.errors classes or SDK ones; status, code and hint survive."""
    server.handler = lambda r: server.envelope(status, code, "refused here", "try that")
    with make(server) as cg, pytest.raises(sdk_class) as err:
        cg.read_secret("prod/db")
    exc = err.value
    assert isinstance(exc, core_class)
    assert isinstance(exc, APIError)
    assert exc.status == status
    assert exc.code == (code or "permission_denied")
    assert exc.message == "refused here"
    assert exc.hint == "try that"
    assert exc.exit_code == exit_code


def test_non_json_error_still_says_what_happened(server: Any) -> None:
    """A proxy's HTML 502 page becomes an unavailable error naming the status."""
    server.handler = lambda r: httpx.Response(502, text="<html>bad gateway</html>")
    with make(server) as cg, pytest.raises(UnavailableError) as err:
        cg.lookup_self()
    assert err.value.status == 502
    assert "502" in err.value.message


def test_a_non_json_success_is_reported_not_crashed_on(server: Any) -> None:
    """Pointing the SDK at some other web server gives a clear error, not a JSON traceback."""
    server.handler = lambda r: httpx.Response(200, text="<html>hello</html>")
    with make(server) as cg, pytest.raises(ServerError) as err:
        cg.lookup_self()
    assert "did not answer with JSON" in err.value.message
    assert err.value.code == "bad_response"


def test_403_without_a_token_hints_at_setting_one(server: Any) -> None:
    """Forgetting CREDGATE_TOKEN is the commonest 403; the hint says so."""
    server.handler = lambda r: server.envelope(403, "permission_denied", "permission denied")
    with make(server, token=None) as cg, pytest.raises(PermissionDeniedError) as err:
        cg.lookup_self()
    assert "CREDGATE_TOKEN" in err.value.hint


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_connection_refused_names_the_address() -> None:
    """With no server running the error says where it looked and what to do, no httpx trace."""
    addr = f"http://127.0.0.1:{_closed_port()}"
    with Client(addr, "cg_tok", timeout=5) as cg, pytest.raises(ConnectionFailed) as err:
        cg.read_secret("dev/app")
    assert err.value.message == f"cannot reach credgate at {addr}"
    assert "CREDGATE_ADDR" in err.value.hint
    assert isinstance(err.value, errors.Unavailable)


def test_timeout_is_a_connection_failure(server: Any) -> None:
    """A server that never answers gives a bounded, readable error."""

    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    server.handler = hang
    with make(server) as cg, pytest.raises(ConnectionFailed) as err:
        cg.lookup_self()
    assert "did not answer within 10s" in err.value.message


# -- with_fresh_secret ------------------------------------------------------------------------
class Refused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status_code = status


def rotating(server: Any) -> None:
    values = iter([f"password-v{i}" for i in range(1, 10)])
    server.handler = lambda r: server.secret_answer({"password": next(values)})


def test_fresh_secret_retries_once_with_the_rotated_value(server: Any) -> None:
    """A credential rotated under a running agent is re-fetched once and the call succeeds."""
    rotating(server)
    seen: list[str] = []

    def connect(password: str) -> str:
        seen.append(password)
        if password == "password-v1":
            raise Refused(401)
        return "connected"

    with make(server) as cg:
        assert cg.with_fresh_secret("prod/db", connect, field="password") == "connected"
    assert seen == ["password-v1", "password-v2"]
    assert len(server.requests) == 2


def test_fresh_secret_gives_up_after_one_retry(server: Any) -> None:
    """A credential that is really revoked fails after exactly two attempts, not a loop."""
    rotating(server)
    calls: list[str] = []

    def always_refused(data: dict[str, str]) -> None:
        calls.append(data["password"])
        request = httpx.Request("GET", "http://db.test")
        raise httpx.HTTPStatusError("403", request=request, response=httpx.Response(403))

    with make(server) as cg, pytest.raises(httpx.HTTPStatusError):
        cg.with_fresh_secret("prod/db", always_refused)
    assert calls == ["password-v1", "password-v2"]
    assert len(server.requests) == 2


def test_fresh_secret_does_not_retry_other_errors(server: Any) -> None:
    """A bug in the caller's function is not hidden behind a second fetch."""
    rotating(server)

    def broken(password: str) -> None:
        raise ValueError("not an auth problem")

    with make(server) as cg, pytest.raises(ValueError, match="not an auth problem"):
        cg.with_fresh_secret("prod/db", broken, field="password")
    assert len(server.requests) == 1


def test_fresh_secret_uses_the_callers_predicate(server: Any) -> None:
    """A library signalling expiry its own way can still trigger the retry."""
    rotating(server)
    attempts: list[str] = []

    def expired_session(password: str) -> str:
        attempts.append(password)
        if len(attempts) == 1:
            raise RuntimeError("SESSION_EXPIRED")
        return "ok"

    with make(server) as cg:
        result = cg.with_fresh_secret(
            "prod/db",
            expired_session,
            field="password",
            is_auth_error=lambda e: "SESSION_EXPIRED" in str(e),
        )
    assert result == "ok"
    assert attempts == ["password-v1", "password-v2"]


class _WithStatus(Exception):
    def __init__(self, status: object) -> None:
        super().__init__("x")
        self.status = status


class _WithResponse(Exception):
    def __init__(self, status: int) -> None:
        super().__init__("x")
        self.response = httpx.Response(status)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (
            httpx.HTTPStatusError(
                "x", request=httpx.Request("GET", "http://a"), response=httpx.Response(401)
            ),
            True,
        ),
        (
            httpx.HTTPStatusError(
                "x", request=httpx.Request("GET", "http://a"), response=httpx.Response(500)
            ),
            False,
        ),
        (Refused(403), True),
        (Refused(404), False),
        (_WithStatus(401), True),
        (_WithStatus("403"), False),
        (_WithStatus(True), False),
        (_WithResponse(403), True),
        (PermissionDeniedError("denied", status=403, code="permission_denied"), True),
        (ValueError("403"), False),
    ],
)
def test_default_auth_error_predicate(exc: BaseException, expected: bool) -> None:
    """Only a real 401/403 signal counts as an auth failure by default."""
    assert is_auth_error(exc) is expected
