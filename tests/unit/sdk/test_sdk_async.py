"""The async client: same API as the sync one, same headers, no cache, same retry and errors."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import httpx
import pytest

from credgate import errors
from credgate.sdk import AsyncClient, Client, PermissionDeniedError


def make(server: Any) -> AsyncClient:
    return AsyncClient("http://credgate.test", "cg_tok", transport=server.transport)


def _public(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if not name.startswith("_") and callable(member) and name not in ("close", "aclose")
    }


def test_async_client_has_the_sync_clients_methods_and_parameters() -> None:
    """Switching to async never means losing a method or a keyword."""
    sync, async_ = _public(Client), _public(AsyncClient)
    assert sorted(sync) == sorted(async_)
    for name, signature in sync.items():
        assert list(signature.parameters) == list(async_[name].parameters), name
        if name not in ("with_context", "with_approval"):
            assert inspect.iscoroutinefunction(getattr(AsyncClient, name)), name


def test_async_reads_are_fresh_and_carry_session_and_trace(server: Any) -> None:
    """Two async reads are two requests with one session and one trace id."""
    values = iter(["v1", "v2"])
    server.handler = lambda r: server.secret_answer({"password": next(values)})

    async def scenario() -> tuple[str, str, AsyncClient]:
        async with make(server) as cg:
            return (
                await cg.read_secret("prod/db", field="password"),
                await cg.read_secret("secret/data/prod/db", field="password"),
                cg,
            )

    first, second, cg = asyncio.run(scenario())
    assert (first, second) == ("v1", "v2")
    assert server.paths() == ["GET /v1/secret/data/prod/db"] * 2
    sessions = {r.headers["x-credgate-session"] for r in server.requests}
    traces = {r.headers["traceparent"].split("-")[1] for r in server.requests}
    assert sessions == {cg.session_id}
    assert traces == {cg.trace_id}


def test_async_fresh_secret_retries_exactly_once(server: Any) -> None:
    """The async retry re-fetches once on 403 and then lets the failure through."""
    values = iter(["v1", "v2", "v3"])
    server.handler = lambda r: server.secret_answer({"password": next(values)})
    seen: list[str] = []

    async def refused(password: str) -> str:
        seen.append(password)
        raise httpx.HTTPStatusError(
            "403", request=httpx.Request("GET", "http://db.test"), response=httpx.Response(403)
        )

    async def scenario() -> None:
        async with make(server) as cg:
            await cg.with_fresh_secret("prod/db", refused, field="password")

    with pytest.raises(httpx.HTTPStatusError):
        asyncio.run(scenario())
    assert seen == ["v1", "v2"]
    assert len(server.requests) == 2


def test_async_fresh_secret_succeeds_after_rotation_and_skips_other_errors(server: Any) -> None:
    """Rotation is survived; an unrelated error is raised after a single fetch."""
    values = iter(["v1", "v2", "v3"])
    server.handler = lambda r: server.secret_answer({"password": next(values)})

    async def connect(password: str) -> str:
        if password == "v1":
            raise PermissionDeniedError("expired", status=401, code="permission_denied")
        return f"ok with {password}"

    async def broken(password: str) -> str:
        raise KeyError("bug")

    async def scenario() -> str:
        async with make(server) as cg:
            result = await cg.with_fresh_secret("prod/db", connect, field="password")
            with pytest.raises(KeyError):
                await cg.with_fresh_secret("prod/db", broken, field="password")
            return result

    assert asyncio.run(scenario()) == "ok with v2"
    assert len(server.requests) == 3


def test_async_errors_use_the_same_envelope_mapping(server: Any) -> None:
    """A 404 from the server is a NotFound for async callers too."""
    server.handler = lambda r: server.envelope(404, "not_found", "no secret at secret/data/x")

    async def scenario() -> None:
        async with make(server) as cg:
            await cg.read_secret("x")

    with pytest.raises(errors.NotFound) as err:
        asyncio.run(scenario())
    assert err.value.message == "no secret at secret/data/x"


def test_async_connection_refused_is_a_clear_error() -> None:
    """No server: the async client names the address too."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    async def scenario() -> None:
        transport = httpx.MockTransport(refuse)
        async with AsyncClient("http://127.0.0.1:9", "t", transport=transport) as cg:
            await cg.lookup_self()

    with pytest.raises(errors.Unavailable, match=r"cannot reach credgate at http://127\.0\.0\.1:9"):
        asyncio.run(scenario())
