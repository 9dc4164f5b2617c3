"""The broker pipeline: every request, whatever door it came in by, goes through :meth:`Broker.run`.

Order (see docs/concepts/pipeline.md):

1. authenticate the token (keyed hash lookup, expiry, revocation, principal status);
2. bind the namespace (the token's own; an operator may go down to a child by header);
3. validate the path (no ``..``, encoded separators, look-alikes);
4. authorise with the token's policies (OpenBao ACL semantics, default deny);
5. audit the request — fail closed: if no sink accepts the event, nothing runs;
6. execute the use case in one database transaction (values always fetched fresh).
   Steps 1-5 run in a read-only transaction of their own, so a request holds the database's
   write lock only while it executes;
7. audit the response (served values only as HMACs), metrics.

Denied and failed requests are audited too (a request and a response event).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa

from credgate.adapters.storage.records import PrincipalRecord
from credgate.adapters.storage.sql_store import SqlStore, SqlTx
from credgate.clock import Clock
from credgate.domain.audit.event import AuditEvent, bound_context, hmac_mapping
from credgate.domain.namespaces import resolve_request_namespace
from credgate.domain.notifications import Notification
from credgate.domain.paths import normalise_request_path
from credgate.domain.policy import ACL, Grant, parse_policy
from credgate.domain.risk import Verdict
from credgate.domain.tokens import TokenEntry, authenticate_token, hash_token
from credgate.domain.tracecontext import TraceContext, parse_or_start
from credgate.errors import (
    ApprovalRequired,
    AuditUnavailable,
    Denied,
    Error,
    InvalidToken,
    SuggestionRecorded,
)
from credgate.service.audit import AuditBroker
from credgate.service.builtin_policies import DEFAULT_POLICY, DEFAULT_POLICY_TEXT, ROOT_POLICY
from credgate.service.metrics import Metrics
from credgate.service.risk_gate import RiskGate, RiskOutcome, RiskTarget

log = logging.getLogger("credgate.broker")


class Notifier(Protocol):
    """Where notifications go (the webhook dispatcher); never blocks a request."""

    def new_notification(
        self, kind: str, namespace: str, subject: dict[str, object]
    ) -> Notification: ...

    def enqueue(
        self, notification: Notification, *, conn: sa.Connection | None = None
    ) -> list[str]: ...

    def wake(self) -> None: ...


def _result_of(error: Error) -> str:
    if error.status == 202:
        return "pending"
    return "denied" if error.status in (401, 403) else "error"


WRITE_OPERATIONS = frozenset({"create", "update", "delete", "patch", "create_or_update"})


@dataclass(frozen=True)
class RequestContext:
    """What a door knows about a request before the pipeline runs."""

    token: str | None
    namespace_header: str | None = None
    session_id: str | None = None
    traceparent: str | None = None
    agent_context: Mapping[str, Any] = field(default_factory=dict)
    remote_addr: str | None = None
    approval_id: str | None = None  # an approval the agent presents for this exact request

    def __repr__(self) -> str:
        return f"RequestContext(session_id={self.session_id!r}, remote_addr={self.remote_addr!r})"


@dataclass(frozen=True)
class Action:
    """One use case invocation, described for authorisation and audit."""

    name: str  # "kv.read"
    operation: str  # ACL operation, or "create_or_update" (decided by ``exists``)
    path: str  # request path relative to the namespace, as a policy sees it
    params: Mapping[str, Any] = field(default_factory=dict)  # audited: never values
    data: Mapping[str, Any] | None = None  # checked against parameter constraints; not audited
    sudo: bool = False
    exists: Callable[[SqlTx, str], bool] | None = None  # (tx, namespace) -> exists?
    prepare: Callable[[str], None] | None = None  # (namespace) -> None, outside transactions
    # (tx, namespace) -> what the request touches, for the risk and autonomy stage; None: not gated
    risk: Callable[[SqlTx, str], RiskTarget | None] | None = None
    version: int | None = None


@dataclass(frozen=True)
class Caller:
    """The authenticated principal of a request."""

    token: TokenEntry
    principal: PrincipalRecord | None
    namespace: str  # the namespace the request acts in
    grant: Grant | None
    is_root: bool
    trace: TraceContext
    session_id: str | None
    request_id: str

    @property
    def principal_id(self) -> str | None:
        return self.token.principal_id

    @property
    def kind(self) -> str:
        return self.token.principal_kind


@dataclass
class Outcome:
    """What a use case returns: the body, and the values it served (for audit HMACs)."""

    body: Any
    status: int = 200
    served: Mapping[str, Any] = field(default_factory=dict)
    result_params: Mapping[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Outcome(status={self.status}, served=<{len(self.served)} values>)"


Handler = Callable[[SqlTx, Caller], Outcome]


@dataclass
class _Admission:
    """What admission learned so far: audited even when a later stage refuses."""

    token: TokenEntry | None = None
    namespace: str | None = None
    operation: str | None = None
    caller: Caller | None = None
    risk: RiskOutcome | None = None


class _ACLCache:
    """Compiled ACLs keyed by the exact policy texts (a policy change is seen at once)."""

    def __init__(self, size: int = 512) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[Any, ...], ACL] = {}
        self._size = size

    def get(self, key: tuple[Any, ...], build: Callable[[], ACL]) -> ACL:
        with self._lock:
            acl = self._items.get(key)
        if acl is not None:
            return acl
        acl = build()
        with self._lock:
            if len(self._items) >= self._size:
                self._items.clear()
            self._items[key] = acl
        return acl


class Broker:
    def __init__(
        self,
        store: SqlStore,
        audit: AuditBroker,
        clock: Clock,
        *,
        token_key: bytes,
        metrics: Metrics | None = None,
        context_max_bytes: int = 8192,
        randbytes: Callable[[int], bytes] = os.urandom,
        risk_gate: RiskGate | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        self.store = store
        self.audit = audit
        self.clock = clock
        self.token_key = token_key
        self.metrics = metrics or Metrics()
        self.context_max_bytes = context_max_bytes
        self.randbytes = randbytes
        self.risk_gate = risk_gate
        self.notifier = notifier
        self._acls = _ACLCache()

    # -- stages -----------------------------------------------------------------------------
    def authenticate(self, tx: SqlTx, token: str | None) -> TokenEntry:
        """The token's entry; one opaque :class:`InvalidToken` for every failure."""
        if not token:
            raise InvalidToken()
        entry = tx.get_token_by_hash(hash_token(self.token_key, token))
        return authenticate_token(self.token_key, token, entry, self.clock.now())

    def acl_for(self, tx: SqlTx, entry: TokenEntry) -> ACL:
        if ROOT_POLICY in entry.policies:
            return ACL([], root_namespace=entry.namespace)
        texts = {r.name: r.text for r in tx.get_policies(entry.namespace, entry.policies)}
        if DEFAULT_POLICY in entry.policies and DEFAULT_POLICY not in texts:
            texts[DEFAULT_POLICY] = DEFAULT_POLICY_TEXT
        key = (entry.namespace, tuple(sorted(texts.items())))

        def build() -> ACL:
            parsed = [
                parse_policy(text, name=name, namespace=entry.namespace)
                for name, text in texts.items()
            ]
            return ACL(parsed, now=self.clock.now())

        return self._acls.get(key, build)

    def _admit(
        self,
        tx: SqlTx,
        ctx: RequestContext,
        action: Action,
        trace: TraceContext,
        request_id: str,
        adm: _Admission,
    ) -> Caller:
        entry = self.authenticate(tx, ctx.token)
        adm.token = entry
        principal = tx.get_principal(entry.principal_id) if entry.principal_id else None
        if principal is not None and principal.status != "active":
            raise InvalidToken()
        namespace = resolve_request_namespace(
            entry.namespace, entry.principal_kind, ctx.namespace_header
        )
        adm.namespace = namespace
        if namespace and tx.get_namespace(namespace) is None:
            raise Denied("permission denied", hint="the namespace does not exist")
        path = normalise_request_path(action.path)
        acl = self.acl_for(tx, entry)
        operation = action.operation
        if operation == "create_or_update":
            exists = action.exists(tx, namespace) if action.exists else True
            operation = "update" if exists else "create"
        adm.operation = operation
        is_root = ROOT_POLICY in entry.policies
        grant = acl.authorize(
            operation, path, namespace=namespace, data=action.data, sudo_required=action.sudo
        )
        if (
            self.risk_gate is not None
            and action.risk is not None
            and entry.principal_kind == "agent"
        ):
            target = action.risk(tx, namespace)
            if target is not None:
                adm.risk = self.risk_gate.evaluate(
                    tx,
                    entry=entry,
                    principal=principal,
                    namespace=namespace,
                    path=path,
                    sent_operation=action.operation,
                    operation=operation,
                    target=target,
                    params=action.data,
                    session_id=ctx.session_id,
                    approval_id=ctx.approval_id,
                    now=self.clock.now(),
                )
        adm.caller = Caller(
            entry, principal, namespace, grant, is_root, trace, ctx.session_id, request_id
        )
        return adm.caller

    # -- the pipeline -----------------------------------------------------------------------
    def run(self, ctx: RequestContext, action: Action, handler: Handler) -> Outcome:
        started = self.clock.monotonic()
        trace = parse_or_start(ctx.traceparent, self.randbytes)
        request_id = self.randbytes(12).hex()
        adm = _Admission()
        requested = False
        write = action.operation in WRITE_OPERATIONS
        try:
            # Phase 1, read-only: admit (authenticate, bind, validate, authorise) and audit the
            # request before anything runs, admitted or not (fail closed).
            with self.store.transaction() as tx:
                try:
                    caller = self._admit(tx, ctx, action, trace, request_id, adm)
                finally:
                    self._audit(ctx, action, adm, trace, request_id, "request", None, None, started)
                    requested = True
                risk = adm.risk
                hold = risk is not None and not risk.verdict.serves and risk.redeemed is None
                limited = caller.token.num_uses > 0
                redeeming = risk is not None and risk.redeemed is not None
                # A plain read runs in this same transaction: one round of BEGIN/COMMIT.
                inline = not (write or hold or limited or redeeming or action.prepare)
                if inline:
                    outcome = handler(tx, caller)
            if risk is not None and risk.spread is not None and self.risk_gate is not None:
                # A clean token presented a tainted session: from now on the taint follows the
                # token's lineage too (also when this request is then held for approval).
                with self.store.transaction(write=True) as tx:
                    self.risk_gate.spread(tx, risk, now=self.clock.now())
            if not inline:
                if hold:
                    assert risk is not None  # noqa: S101 - hold implies a risk outcome
                    self._hold(caller, risk)  # raises ApprovalRequired / SuggestionRecorded
                # Work that must not happen inside the write transaction (creating a data key).
                if action.prepare is not None:
                    action.prepare(caller.namespace)
                # Phase 2: execute in one transaction; a limited token spends one use in it.
                with self.store.transaction(write=write or limited or redeeming) as tx:
                    if limited and not tx.consume_token_use(caller.token.accessor):
                        raise InvalidToken()
                    if risk is not None and self.risk_gate is not None:
                        self.risk_gate.consume(tx, risk)
                    outcome = handler(tx, caller)
            if risk is not None:
                if isinstance(outcome.body, dict):
                    outcome.body["credgate"] = risk.to_dict()
                if risk.verdict is Verdict.ALLOW_AND_NOTIFY:
                    self._notify("notify.action", caller, action, risk)
        except AuditUnavailable:
            self.metrics.audit_failure()
            self.metrics.observe(action.name, "audit_unavailable", self.clock.monotonic() - started)
            raise
        except Error as exc:
            result = _result_of(exc)
            if not requested:
                self._audit(ctx, action, adm, trace, request_id, "request", None, None, started)
            self._audit(ctx, action, adm, trace, request_id, "response", None, exc, started)
            self.metrics.observe(action.name, result, self.clock.monotonic() - started)
            raise
        self._audit(ctx, action, adm, trace, request_id, "response", outcome, None, started)
        self.metrics.observe(action.name, "ok", self.clock.monotonic() - started)
        return outcome

    def _hold(self, caller: Caller, risk: RiskOutcome) -> None:
        """Record the approval request (level 1) or suggestion (level 0), then raise it."""
        assert self.risk_gate is not None  # noqa: S101 - only reached when the gate decided
        now = self.clock.now()
        with self.store.transaction(write=True) as tx:
            kind, approval = self.risk_gate.record(tx, risk, now=now, randbytes=self.randbytes)
            if kind == "approval" and self.notifier is not None:
                note = self._notification(
                    "approval.requested",
                    caller,
                    approval.request.path,
                    risk,
                    approval_id=approval.id,
                    approval_link=f"/v1/sys/approvals/{approval.id}",
                )
                self.notifier.enqueue(note, conn=tx.conn)
        if self.notifier is not None:
            self.notifier.wake()
        pending = {
            "id": approval.id,
            "kind": kind,
            "status": "pending",
            "link": f"/v1/sys/approvals/{approval.id}",
            "expires_at": approval.expires_at,
            "required_approvals": approval.required_approvals,
            **risk.to_dict(),
        }
        if kind == "approval":
            raise ApprovalRequired(
                f"this request needs an operator's approval ({approval.id})", pending=pending
            )
        raise SuggestionRecorded(
            f"recorded as suggestion {approval.id}: {risk.assessment.level.label} risk, "
            "agents never receive this value",
            pending=pending,
        )

    def _notification(
        self, kind: str, caller: Caller, path: str, risk: RiskOutcome, **extra: object
    ) -> Notification:
        assert self.notifier is not None  # noqa: S101 - callers check
        principal = caller.principal
        return self.notifier.new_notification(
            kind,
            caller.namespace,
            {
                "agent_id": caller.principal_id or "",
                "agent_name": principal.name if principal else "",
                "owner": principal.owner if principal else "",
                "session_id": caller.session_id or "",
                "trace_id": caller.trace.trace_id,
                "request_id": caller.request_id,
                "path": path,
                "risk": risk.assessment.level.label,
                "level": int(risk.decision.level),
                "reasons": [*risk.assessment.reasons, *risk.decision.reasons][:10],
                **extra,
            },
        )

    def _notify(self, kind: str, caller: Caller, action: Action, risk: RiskOutcome) -> None:
        """Queue a notification after the request committed; never fails the request."""
        if self.notifier is None:
            return
        try:
            self.notifier.enqueue(
                self._notification(kind, caller, action.path, risk, action=action.name)
            )
        except Error:
            log.warning("could not queue a %s notification for request %s", kind, caller.request_id)

    def _audit(
        self,
        ctx: RequestContext,
        action: Action,
        adm: _Admission,
        trace: TraceContext,
        request_id: str,
        kind: str,
        outcome: Outcome | None,
        error: Error | None,
        started: float,
    ) -> None:
        caller = adm.caller
        decision: dict[str, Any] = {}
        if caller is not None:
            decision = {"allowed": True, "root": caller.is_root}
            if caller.grant is not None:
                decision["policies"] = list(caller.grant.policies)
                decision["rule"] = caller.grant.rule
                decision["capabilities"] = sorted(caller.grant.capabilities)
        elif error is not None and isinstance(error, Denied | InvalidToken):
            decision = {"allowed": False, "reason": getattr(error, "reason", None) or error.code}
            if adm.token is not None:
                decision["token_policies"] = list(adm.token.policies)
        if adm.operation is not None:
            decision["operation"] = adm.operation
        if kind == "request":
            result = "pending"
        elif error is None:
            result = "ok"
        else:
            result = _result_of(error)
        if adm.risk is not None:
            decision["autonomy"] = adm.risk.to_dict()
        params = dict(action.params)
        if outcome is not None:
            params.update(outcome.result_params)
        values = (
            hmac_mapping(self.audit.hmac_key, dict(outcome.served), prefix="")
            if outcome and outcome.served
            else {}
        )
        token = adm.token
        event = AuditEvent(
            type=kind,
            time=self.clock.now(),
            request_id=request_id,
            agent_id=token.principal_id if token else None,
            principal_kind=token.principal_kind if token else None,
            token_accessor=token.accessor if token else None,
            session_id=ctx.session_id,
            trace_id=trace.trace_id,
            span_id=trace.span_id,
            # A refused namespace header still belongs to the token's tenant (scoped reads).
            namespace=adm.namespace
            if adm.namespace is not None
            else (token.namespace if token else None),
            action=action.name,
            operation=action.operation,
            path=action.path,
            parameters=params,
            result=result,
            error_code=error.code if error else None,
            duration_ms=round((self.clock.monotonic() - started) * 1000, 3)
            if kind == "response"
            else None,
            decision=decision,
            context=bound_context(dict(ctx.agent_context), max_bytes=self.context_max_bytes)
            if ctx.agent_context and kind == "request"
            else None,
            values=values,
            remote_addr=ctx.remote_addr,
        )
        self.audit.log(event)
