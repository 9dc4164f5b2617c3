"""Brokered HTTP: an agent uses a secret in an HTTP call without ever seeing its value.

``POST /v1/broker/http`` (see docs/concepts/brokered-use.md). The order:

1. check the request and find its secret references (:mod:`credgate.service.brokered_request`);
2. for each secret, run the broker pipeline as action ``broker.http``: the token needs
   ``read`` on the secret's path (OpenBao rules), the risk gate weighs it as *brokered* use
   (one autonomy level above a reveal, never above the namespace's maximum; approvals and
   suggestions work as for reads), the target host must be in the secret's ``allowed_hosts``,
   and the value is fetched fresh. Each step is audited; values only as HMACs;
3. resolve the host once, check every address against each secret's egress rule, and connect
   to the checked address (``Host`` header and TLS SNI/verification keep the name), so a DNS
   answer that changes between the check and the connection cannot redirect the call;
4. send the request (no proxy from the environment, no redirect followed, a timeout, a
   response size limit) and audit it as ``broker.http.upstream``;
5. mask the answer with the output filter, every injected value registered as a known value
   (and so its base64, hex, URL and JSON forms, and escaped forms: see
   :mod:`credgate.guard.decoded_view`): the body and every header value are masked; a header
   whose *name* holds a finding is dropped whole (counted in ``credgate.headers_withheld``);
   the status is a number and the reason phrase is not passed on.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx

from credgate.adapters.engines.kv import KVEngine
from credgate.adapters.storage.sql_store import SqlTx
from credgate.domain.audit.event import AuditEvent
from credgate.domain.egress import HostRule, check_address, match_host, parse_allowed_hosts
from credgate.domain.tracecontext import parse_or_start
from credgate.errors import (
    EgressDenied,
    Error,
    InvalidRequest,
    NotFound,
    UpstreamError,
    UpstreamTimeout,
    UpstreamTooLarge,
)
from credgate.guard import OutputFilter
from credgate.guard.known_values import DEFAULT_MIN_LENGTH
from credgate.service import schemas as s
from credgate.service.broker import Action, Broker, Caller, Outcome, RequestContext
from credgate.service.brokered_request import RenderedRequest, RequestPlan, plan_request
from credgate.service.risk_gate import RiskTarget
from credgate.service.secrets import split_mount

__all__ = ["MAX_RESPONSE_BYTES", "MAX_TIMEOUT", "BrokeredHttpService", "Resolver"]

MAX_TIMEOUT = 60.0
MAX_RESPONSE_BYTES = 10 << 20
#: Response headers never passed to the agent: hop-by-hop, re-computed, or new credentials.
DROPPED_RESPONSE_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "proxy-authenticate",
        "content-length",
        "content-encoding",
        "set-cookie",
        "set-cookie2",
    }
)

Resolver = Callable[[str, int], list[str]]


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (TCP), in the resolver's order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UpstreamError(f"could not resolve the host {host!r}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass
class _Fetched:
    """What the pipeline gave for one secret (values per field; never shown)."""

    fields: dict[str, str]
    rule: HostRule
    credgate: dict[str, Any]

    def __repr__(self) -> str:
        return f"_Fetched(rule={self.rule}, fields=<{len(self.fields)}>)"


def _field_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _header_text(raw: bytes) -> str:
    """A header name or value as text: UTF-8 if it is, else Latin-1 (every byte kept)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _masked_headers(
    guard: OutputFilter, headers: list[tuple[str, str]]
) -> tuple[dict[str, str], int]:
    """The response headers the agent may see, and how many were withheld.

    A header whose name holds a finding (as sent, or once lower-cased as it would be shown) is
    dropped whole, never renamed: a value can hide in a name (``X-<secret>: 1``). Values are
    masked; repeated names are joined with ``", "``.
    """
    out: dict[str, str] = {}
    withheld = 0
    for name, value in headers:
        key = name.lower()
        if guard.scan(name) or guard.scan(key):
            withheld += 1
            continue
        masked = guard.mask(value)
        out[key] = f"{out[key]}, {masked}" if key in out else masked
    return out, withheld


class BrokeredHttpService:
    def __init__(
        self,
        broker: Broker,
        kv: KVEngine,
        *,
        resolver: Resolver = resolve_host,
        max_timeout: float = MAX_TIMEOUT,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.broker = broker
        self.kv = kv
        self.resolver = resolver
        self.max_timeout = max_timeout
        self.max_response_bytes = max_response_bytes

    # -- the use case -----------------------------------------------------------------------
    def http(self, ctx: RequestContext, body: s.BrokerHttp) -> Outcome:
        """Make the call described by ``body`` with its secrets injected; the masked answer."""
        plan = plan_request(body)
        # One trace for every event of this call (each secret's pipeline run, the upstream).
        trace = parse_or_start(ctx.traceparent, self.broker.randbytes)
        ctx = replace(ctx, traceparent=trace.traceparent())
        groups: dict[tuple[str, int | None], list[str]] = {}
        for ref in plan.refs:
            groups.setdefault((ref.path, ref.version), []).append(ref.field)
        fetched: dict[tuple[str, int | None], _Fetched] = {}
        caller: Caller | None = None
        for (path, version), fields in groups.items():
            fetched[(path, version)], caller = self._fetch(ctx, plan, path, version, fields)
        assert caller is not None  # noqa: S101 - plan_request refuses a request without secrets
        values = {ref: fetched[(ref.path, ref.version)].fields[ref.field] for ref in plan.refs}
        guard = OutputFilter(mode="mask")
        for value in values.values():
            guard.add_known_value(value)
        rendered = plan.render(values)
        secrets = [p if v is None else f"{p}?version={v}" for (p, v) in groups]
        upstream = _UpstreamAudit(self.broker, ctx, caller, plan, secrets)
        upstream.log("request", None)
        try:
            address = self._address(plan, [f.rule for f in fetched.values()])
            status, headers, raw = self._send(rendered, address, body)
        except Error as exc:
            upstream.log("response", exc)
            raise
        upstream.log("response", None, status=status, response_bytes=len(raw), address=address)
        text = raw.decode("utf-8", errors="replace")
        shown, withheld = _masked_headers(guard, headers)
        return Outcome(
            {
                "status": status,
                "headers": shown,
                "body": guard.mask(text),
                "credgate": {
                    "host": plan.target,
                    "headers_withheld": withheld,
                    "secrets": [
                        {"path": secret, **f.credgate}
                        for secret, f in zip(secrets, fetched.values(), strict=True)
                    ],
                },
            }
        )

    # -- step 2: one secret through the pipeline -----------------------------------------------
    def _fetch(
        self,
        ctx: RequestContext,
        plan: RequestPlan,
        path: str,
        version: int | None,
        fields: list[str],
    ) -> tuple[_Fetched, Caller]:
        binding = plan.binding()  # an approval covers this exact call: no other body or header
        seen: list[Caller] = []

        def locate(tx: SqlTx, namespace: str) -> tuple[str, str]:
            mount, section, key = split_mount(tx, namespace, path)
            if section != "data" or not key:
                raise InvalidRequest(
                    f"{path!r} is not a secret's data path",
                    hint="use the API form: <mount>/data/<key>, e.g. secret/data/dev/github",
                )
            return mount.path, key

        def egress_rule(metadata: Any) -> HostRule:
            rules = parse_allowed_hosts((metadata or {}).get("allowed_hosts"))
            rule = match_host(rules, plan.host, plan.port)
            if rule is None:
                listed = ", ".join(str(r) for r in rules) or "none"
                raise EgressDenied(
                    f"the secret {path!r} may not be sent to {plan.target} "
                    f"(its allowed_hosts: {listed})"
                )
            return rule

        def risk(tx: SqlTx, namespace: str) -> RiskTarget | None:
            try:
                mount, key = locate(tx, namespace)
            except NotFound:
                return None
            meta = tx.get_kv_metadata(namespace, mount, key)
            if meta is None:
                return None
            egress_rule(meta.custom_metadata)  # refuse before any approval is asked for
            return RiskTarget(
                metadata=dict(meta.custom_metadata),
                reveals=False,
                version=version,
                brokered=True,
                binding=binding,
            )

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            seen.append(caller)
            mount, key = locate(tx, caller.namespace)
            secret = self.kv.read(tx, caller.namespace, mount, key, version or 0)
            rule = egress_rule(secret.custom_metadata)
            out: dict[str, str] = {}
            for name in fields:
                if name not in secret.data:
                    raise NotFound(f"the secret {path!r} has no field {name!r}")
                out[name] = _field_text(secret.data[name])
                if len(out[name]) < DEFAULT_MIN_LENGTH or not out[name].strip():
                    raise InvalidRequest(
                        f"the field {name!r} of {path!r} is too short for credgate to mask "
                        "it in the response, so it is not used",
                        hint="brokered use needs values of at least 8 characters",
                    )
            return Outcome(
                {"fetched": _Fetched(out, rule, {})},
                served={"fields": dict(out)},
                result_params={"version": secret.version},
            )

        action = Action(
            "broker.http",
            "read",
            path,
            params={
                "host": plan.target,
                "method": plan.method,
                "fields": sorted(fields),
                "headers": sorted({name.lower() for name, _, _ in plan.headers}),
                "body": plan.body_digest(),
            },
            data={"version": str(version)} if version is not None else None,
            risk=risk,
            version=version,
        )
        outcome = self.broker.run(ctx, action, handler)
        got: _Fetched = outcome.body["fetched"]
        if "credgate" in outcome.body:
            got.credgate = dict(outcome.body["credgate"])
        return got, seen[-1]

    # -- step 3: where to connect ---------------------------------------------------------------
    def _address(self, plan: RequestPlan, rules: list[HostRule]) -> str:
        addresses = self.resolver(plan.host, plan.port)
        if not addresses:
            raise UpstreamError(f"the host {plan.host!r} has no address")
        for address in addresses:  # all of them: a mixed answer is refused, not sorted out
            for rule in rules:
                check_address(address, rule)
        return addresses[0]

    # -- step 4: the call ------------------------------------------------------------------------
    def _send(
        self, request: RenderedRequest, address: str, body: s.BrokerHttp
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        timeout = min(body.timeout, self.max_timeout)
        limit = min(body.max_response_bytes, self.max_response_bytes)
        url = request.url
        headers = [("Host", url.netloc.decode("ascii")), *request.headers]
        pinned = url.copy_with(host=address)
        deadline = self.broker.clock.monotonic() + timeout
        try:
            with httpx.Client(
                timeout=httpx.Timeout(timeout),
                follow_redirects=False,
                trust_env=False,
            ) as client:
                req = client.build_request(
                    request.method,
                    pinned,
                    headers=headers,
                    content=request.body,
                    extensions={"sni_hostname": url.host},
                )
                resp = client.send(req, stream=True)
                try:
                    declared = resp.headers.get("content-length", "")
                    too_big = declared.isdigit() and int(declared) > limit
                    if too_big and request.method != "HEAD":
                        raise UpstreamTooLarge(f"the response is over {limit} bytes")
                    chunks: list[bytes] = []
                    size = 0
                    for chunk in resp.iter_bytes():
                        size += len(chunk)
                        if size > limit:
                            raise UpstreamTooLarge(f"the response is over {limit} bytes")
                        if self.broker.clock.monotonic() > deadline:
                            raise UpstreamTimeout(f"the call took longer than {timeout:g} s")
                        chunks.append(chunk)
                    # The names as the upstream sent them (``multi_items`` lower-cases them,
                    # which could hide a value in a name from the filter, or make one).
                    out = [
                        (_header_text(name), _header_text(value))
                        for name, value in resp.headers.raw
                        if name.lower().decode("latin-1") not in DROPPED_RESPONSE_HEADERS
                    ]
                    return resp.status_code, out, b"".join(chunks)
                finally:
                    resp.close()
        except httpx.TimeoutException:
            raise UpstreamTimeout(f"the call took longer than {timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise UpstreamError(
                f"the call to {url.host}:{url.port or ''} failed ({type(exc).__name__})"
            ) from None


class _UpstreamAudit:
    """The ``broker.http.upstream`` request/response pair: where the call went, what came back
    (status and size), never a value; same trace as the pipeline's events."""

    def __init__(
        self,
        broker: Broker,
        ctx: RequestContext,
        caller: Caller,
        plan: RequestPlan,
        secrets: list[str],
    ) -> None:
        self.broker = broker
        self.ctx = ctx
        self.caller = caller
        self.plan = plan
        self.secrets = secrets
        self.request_id = broker.randbytes(12).hex()
        self.started = broker.clock.monotonic()

    def log(self, kind: str, error: Error | None, **result: Any) -> None:
        caller, clock = self.caller, self.broker.clock
        if kind == "request":
            outcome = "pending"
        elif error is None:
            outcome = "ok"
        else:
            outcome = "denied" if error.status in (401, 403) else "error"
        params: dict[str, Any] = {
            "host": self.plan.target,
            "scheme": self.plan.scheme,
            "method": self.plan.method,
            "secrets": self.secrets,
            **result,
        }
        self.broker.audit.log(
            AuditEvent(
                type=kind,
                time=clock.now(),
                request_id=self.request_id,
                action="broker.http.upstream",
                agent_id=caller.principal_id,
                principal_kind=caller.kind,
                token_accessor=caller.token.accessor,
                session_id=self.ctx.session_id,
                trace_id=caller.trace.trace_id,
                span_id=caller.trace.span_id,
                namespace=caller.namespace,
                operation="read",
                path=self.secrets[0],
                parameters=params,
                result=outcome,
                error_code=error.code if error else None,
                duration_ms=round((clock.monotonic() - self.started) * 1000, 3)
                if kind == "response"
                else None,
                remote_addr=self.ctx.remote_addr,
            )
        )
