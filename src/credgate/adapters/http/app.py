"""The HTTP door (ASGI, Starlette): ``/v1/...`` in OpenBao's shape, one JSON error envelope.

- Token: ``Authorization: Bearer <token>`` (or ``X-Vault-Token`` for Vault clients).
- Namespace: ``X-Credgate-Namespace`` (or ``X-Vault-Namespace``), relative to the token's.
- Session and trace: ``X-Credgate-Session``, W3C ``traceparent``.
- Agent context for the audit trail: ``X-Credgate-Prompt``, ``X-Credgate-Reasoning``,
  ``X-Credgate-Alternatives`` (percent-encoded UTF-8, bounded).
- Errors: ``{"error": {"code", "message", "hint"}, "errors": [message]}`` with a 4xx/5xx status
  (``errors`` keeps Vault clients working). Nothing a client sends produces a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route as StarletteRoute

from credgate import __version__
from credgate.adapters.http import routes
from credgate.adapters.http.openapi import openapi_document
from credgate.domain.paths import normalise_request_path
from credgate.errors import Error, InvalidRequest, NotFound, PayloadTooLarge, Pending
from credgate.service.app import Credgate
from credgate.service.broker import Outcome, RequestContext

log = logging.getLogger("credgate.http")

METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "LIST", "HEAD"]
CONTEXT_HEADERS = {
    "x-credgate-prompt": "prompt",
    "x-credgate-reasoning": "reasoning",
    "x-credgate-alternatives": "alternatives",
}
MAX_HEADER_CONTEXT = 4096


class MethodNotAllowed(InvalidRequest):
    code = "method_not_allowed"
    status = 405
    default_hint = "see /v1/openapi.json for the methods each path accepts"


def error_response(exc: Error) -> JSONResponse:
    body: dict[str, Any] = {"error": exc.to_dict(), "errors": [exc.message]}
    if isinstance(exc, Pending):
        body["pending"] = exc.pending
    return JSONResponse(
        body,
        status_code=exc.status,
        headers={"Cache-Control": "no-store"},
    )


def _token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return request.headers.get("x-vault-token") or None


def _context(request: Request) -> RequestContext:
    h = request.headers
    agent_context = {}
    for header, key in CONTEXT_HEADERS.items():
        if header in h:
            agent_context[key] = unquote(h[header])[:MAX_HEADER_CONTEXT]
    session = h.get("x-credgate-session")
    if session is not None and (len(session) > 128 or not session.isprintable()):
        raise InvalidRequest("X-Credgate-Session must be at most 128 printable characters")
    return RequestContext(
        token=_token(request),
        namespace_header=h.get("x-credgate-namespace") or h.get("x-vault-namespace"),
        session_id=session,
        traceparent=h.get("traceparent"),
        agent_context=agent_context,
        remote_addr=request.client.host if request.client else None,
        approval_id=h.get("x-credgate-approval") or None,
    )


async def _read_json(request: Request, limit: int) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise InvalidRequest("invalid Content-Length")
        if int(declared) > limit:
            raise PayloadTooLarge(f"request body over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body over {limit} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        return None
    return parse_strict_json(raw)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return value


def _check_text(node: Any) -> None:
    """Refuse strings that are not valid Unicode text (lone surrogates from escapes)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            item.encode("utf-8")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def parse_strict_json(raw: bytes) -> Any:
    """JSON as RFC 8259 means it: UTF-8, finite numbers, valid strings; anything else is a 400.

    The bytes are decoded as UTF-8 first: ``json.loads`` would otherwise detect UTF-16 and
    UTF-32 by itself and accept a body the API does not speak.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        utf16 = raw[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(raw) > 1 and 0 in raw[:4])
        raise InvalidRequest(
            "the request body is not UTF-8"
            + (" (it looks like UTF-16 or UTF-32)" if utf16 else ""),
            hint="send the JSON body encoded as UTF-8, with Content-Type: application/json",
        ) from None
    if text.startswith("\ufeff") or "\x00" in text:
        raise InvalidRequest(
            "the request body is not plain UTF-8 JSON (byte order mark or NUL bytes: UTF-16?)",
            hint="send the JSON body encoded as UTF-8 without a byte order mark",
        )
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
        _check_text(value)
    except (UnicodeError, ValueError, RecursionError):
        raise InvalidRequest(
            "the request body is not valid JSON (UTF-8 text, finite numbers, no lone surrogates)",
            hint="send a JSON object with Content-Type: application/json",
        ) from None
    return value


def _operation(method: str, query: dict[str, str]) -> str:
    if method == "LIST" or (method == "GET" and query.get("list") in ("true", "1")):
        return "list"
    return {
        "GET": "read",
        "HEAD": "read",
        "POST": "create_or_update",
        "PUT": "create_or_update",
        "DELETE": "delete",
        "PATCH": "patch",
    }[method]


def _render(outcome: Outcome) -> Response:
    if outcome.status == 204 or outcome.body is None:
        return Response(status_code=204, headers={"Cache-Control": "no-store"})
    return JSONResponse(
        outcome.body, status_code=outcome.status, headers={"Cache-Control": "no-store"}
    )


SWEEP_SECONDS = 30.0


async def _sweep_elevations(cg: Credgate) -> None:
    """Every SWEEP_SECONDS: mark ended elevations expired (and notify). Never raises."""
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            await run_in_threadpool(cg.elevations.expire_due)
        except Exception:
            log.exception("the elevation expiry sweep failed; retrying later")


async def _checkpoint_audit(cg: Credgate, interval: float) -> None:
    """Every ``interval`` seconds: save the audit chain head (in a thread). Never raises."""
    while True:
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(cg.audit.checkpoint)
        except Exception:
            log.exception("the audit checkpoint failed; retrying later")


def create_app(cg: Credgate) -> Starlette:
    limit = cg.settings.max_request_bytes

    async def v1(request: Request) -> Response:
        try:
            raw_path = request.scope.get("raw_path", b"").split(b"?", 1)[0]
            path = normalise_request_path(
                request.path_params["path"], raw_path=raw_path[len(b"/v1/") :]
            )
            query = dict(request.query_params)
            ctx = _context(request)
            body = (
                await _read_json(request, limit)
                if request.method in ("POST", "PUT", "PATCH")
                else None
            )
            method = request.method
            list_op = method == "LIST" or (method == "GET" and query.get("list") in ("true", "1"))
            lookup = path.rstrip("/")
            if lookup.startswith(routes.RESERVED_PREFIXES) or lookup in ("sys", "auth"):
                if list_op:
                    candidates = ["LIST"]
                elif method in ("POST", "PUT"):
                    candidates = [method, "PUT" if method == "POST" else "POST"]
                else:
                    candidates = [method]
                found = next(
                    (hit for m in candidates if (hit := routes.match(m, lookup)) is not None), None
                )
                if found is None:
                    if routes.allowed_methods(lookup):
                        raise MethodNotAllowed(f"{method} is not allowed on /v1/{lookup}")
                    raise NotFound(f"no such endpoint: /v1/{lookup}", hint="see /v1/openapi.json")
                route, params = found
                if route.blocking:
                    outcome = await run_in_threadpool(
                        route.call, cg, routes.Req(ctx, params, body, query)
                    )
                else:
                    outcome = route.call(cg, routes.Req(ctx, params, body, query))
            else:
                # KV requests are short and CPU-bound: run them on the event loop. Handing each
                # to a worker thread costs more than the request (GIL hand-offs between
                # threads); only routes that wait on something are marked ``blocking``.
                op = _operation(method, query)
                outcome = cg.secrets.logical(ctx, op, path, body, query)
            return _render(outcome)
        except Error as exc:
            return error_response(exc)
        except Exception:
            log.exception("unexpected error while serving a request")
            return error_response(
                Error("internal error", hint="the operator should check the server log")
            )

    async def health(request: Request) -> Response:
        ok = await run_in_threadpool(cg.store.ping)
        body = {
            "initialized": True,
            "sealed": False,
            "standby": False,
            "version": __version__,
            "database": "ok" if ok else "unavailable",
        }
        return JSONResponse(body, status_code=200 if ok else 503)

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document())

    async def metrics(request: Request) -> Response:
        return PlainTextResponse(cg.metrics.render(), media_type="text/plain; version=0.0.4")

    async def not_found(request: Request, exc: Exception) -> Response:
        return error_response(
            NotFound(f"no such endpoint: {request.url.path}", hint="API routes live under /v1/")
        )

    async def bad_method(request: Request, exc: Exception) -> Response:
        return error_response(
            MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Background work runs only while serving, never in one-shot CLI commands: the webhook
        # sender, a sweep that writes down elevations that ended by themselves, and the audit
        # chain's checkpoints (once more at the end: worker processes are never closed).
        cg.dispatcher.start()
        tasks = [asyncio.create_task(_sweep_elevations(cg))]
        interval = cg.settings.audit_checkpoint_interval
        if interval > 0:
            tasks.append(asyncio.create_task(_checkpoint_audit(cg, interval)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            cg.governance.close()
            cg.dispatcher.stop()
            try:
                await run_in_threadpool(cg.audit.checkpoint)
            except Exception:
                log.exception("the final audit checkpoint failed")

    app = Starlette(
        routes=[
            StarletteRoute("/v1/sys/health", health, methods=["GET", "HEAD"]),
            StarletteRoute("/v1/openapi.json", openapi, methods=["GET"]),
            StarletteRoute("/metrics", metrics, methods=["GET"]),
            StarletteRoute("/v1/{path:path}", v1, methods=METHODS),
        ],
        exception_handlers={404: not_found, 405: bad_method},
        lifespan=lifespan,
    )
    app.state.credgate = cg
    return app
