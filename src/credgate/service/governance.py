"""Use cases for human control: approvals and suggestions, session taint, a namespace's risk
configuration, and webhooks with their delivery log. All through the one pipeline."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from credgate.adapters.notify.dispatcher import Dispatcher
from credgate.adapters.storage.governance_store import GovernanceStore
from credgate.adapters.storage.sql_store import SqlTx
from credgate.domain.approvals import Approval, ApprovalStatus, approve, deny
from credgate.domain.risk import parse_risk_config
from credgate.domain.tokens import parse_duration
from credgate.errors import Denied, InvalidRequest, NotFound
from credgate.guard.inspector import inspect_text
from credgate.service import schemas as s
from credgate.service.broker import Action, Broker, Caller, Outcome, RequestContext
from credgate.service.notifications import WebhookService

MAX_WAIT = 60.0
POLL_INTERVAL = 0.25
_STATUSES = {st.value for st in ApprovalStatus}


def _wait_seconds(query: Mapping[str, str]) -> float:
    raw = query.get("wait")
    if not raw:
        return 0.0
    seconds = parse_duration(raw, field="wait")
    if seconds > MAX_WAIT:
        raise InvalidRequest(
            f"wait is at most {int(MAX_WAIT)} seconds", hint="for example ?wait=30s"
        )
    return seconds


class GovernanceService:
    def __init__(
        self,
        broker: Broker,
        governance: GovernanceStore,
        webhooks: WebhookService,
        dispatcher: Dispatcher,
    ) -> None:
        self.broker = broker
        self.governance = governance
        self.webhooks = webhooks
        self.dispatcher = dispatcher
        self._stop = threading.Event()

    @property
    def now(self) -> float:
        return self.broker.clock.now()

    def close(self) -> None:
        self._stop.set()

    # -- approvals --------------------------------------------------------------------------
    def _visible(self, tx: SqlTx, caller: Caller, approval_id: str) -> tuple[str, Approval]:
        found = self.governance.approval(tx, approval_id)
        if found is None or found[1].request.namespace != caller.namespace:
            raise NotFound(f"no approval {approval_id!r} in this namespace")
        if caller.kind == "agent" and found[1].request.principal_id != caller.principal_id:
            raise NotFound(f"no approval {approval_id!r} in this namespace")
        return found

    def _view(self, kind: str, approval: Approval) -> dict[str, Any]:
        return {"kind": kind, **approval.to_dict(self.now)}

    def list_approvals(self, ctx: RequestContext, query: Mapping[str, str]) -> Outcome:
        status = query.get("status")
        if status is not None and status not in _STATUSES:
            raise InvalidRequest(f"status must be one of {', '.join(sorted(_STATUSES))}")
        kind = query.get("kind")
        if kind is not None and kind not in ("approval", "suggestion"):
            raise InvalidRequest("kind must be approval or suggestion")

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            mine = caller.principal_id if caller.kind == "agent" else None
            rows = self.governance.approvals(
                tx, caller.namespace, principal_id=mine, status=status, kind=kind
            )
            return Outcome({"data": {"approvals": [self._view(k, a) for k, a in rows]}})

        return self.broker.run(ctx, Action("approval.list", "list", "sys/approvals/"), handler)

    def read_approval(
        self, ctx: RequestContext, approval_id: str, query: Mapping[str, str]
    ) -> Outcome:
        """Read one; with ``?wait=30s`` hold the answer until it is decided or the wait ends."""
        wait = _wait_seconds(query)

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            kind, approval = self._visible(tx, caller, approval_id)
            return Outcome({"data": self._view(kind, approval)})

        outcome = self.broker.run(
            ctx, Action("approval.read", "read", f"sys/approvals/{approval_id}"), handler
        )
        deadline = time.monotonic() + wait
        while outcome.body["data"]["status"] == "pending" and time.monotonic() < deadline:
            if self._stop.wait(POLL_INTERVAL):
                break
            with self.broker.store.transaction() as tx:
                found = self.governance.approval(tx, approval_id)
            if found is not None:
                outcome.body["data"] = self._view(*found)
        return outcome

    def decide(
        self, ctx: RequestContext, approval_id: str, body: s.ApprovalDecision, *, grant: bool
    ) -> Outcome:
        verb = "approve" if grant else "deny"

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            kind, approval = self._visible(tx, caller, approval_id)
            if kind != "approval":
                raise InvalidRequest(
                    "a suggestion is not approved: a human carries it out themselves",
                    hint="read the suggestion and act on the secret directly",
                )
            now = self.now
            old = approval.status.value
            if grant:
                decided = approve(
                    approval, caller.principal_id or "", caller.kind, now, body.reason
                )
            else:
                decided = deny(approval, caller.principal_id or "", caller.kind, now, body.reason)
            self.governance.update_approval(tx, old, decided)
            if decided.status is not approval.status:
                note = self.dispatcher.new_notification(
                    "approval.granted" if grant else "approval.denied",
                    caller.namespace,
                    {
                        "approval_id": decided.id,
                        "agent_id": decided.request.principal_id,
                        "path": decided.request.path,
                        "operation": decided.request.operation,
                        "risk": decided.risk,
                        "decided_by": caller.principal_id or "",
                        "reason": body.reason[:200],
                    },
                )
                self.dispatcher.enqueue(note, conn=tx.conn)
            return Outcome(
                {"data": self._view(kind, decided)},
                result_params={"approval_id": decided.id, "status": decided.status.value},
            )

        action = Action(
            f"approval.{verb}",
            "update",
            f"sys/approvals/{approval_id}/{verb}",
            params={"reason": body.reason[:200]},
        )
        outcome = self.broker.run(ctx, action, handler)
        self.dispatcher.wake()
        return outcome

    # -- sessions ---------------------------------------------------------------------------
    def taint(self, ctx: RequestContext, session_id: str, body: s.SessionTaint) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            if caller.kind == "agent" and ctx.session_id not in (None, session_id):
                raise Denied("an agent can only taint its own session")
            reason = {
                "time": self.now,
                "by": caller.principal_id,
                "reason": body.reason,
                "source": body.source,
            }
            reasons = self.governance.taint(
                tx,
                caller.namespace,
                session_id,
                principal_id=caller.principal_id if caller.kind == "agent" else None,
                reason=reason,
                now=self.now,
            )
            self._taint_lineage(tx, caller, session_id, reason)
            return Outcome(
                {"data": {"session_id": session_id, "tainted": True, "reasons": reasons}}
            )

        action = Action(
            "session.taint",
            "update",
            f"sys/sessions/{session_id}/taint",
            params={"reason": body.reason, "source": body.source},
        )
        return self.broker.run(ctx, action, handler)

    def inspect(self, ctx: RequestContext, session_id: str, body: s.SessionInspect) -> Outcome:
        """Run the input inspector on untrusted text the session read; taint it when flagged.

        The text itself is neither stored nor audited: only the verdict, score and reason ids.
        """
        result = inspect_text(body.text)
        reason_ids = sorted({r.id for r in result.reasons})

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            if caller.kind == "agent" and ctx.session_id not in (None, session_id):
                raise Denied("an agent can only report text for its own session")
            tainted, _ = self.governance.session(tx, caller.namespace, session_id)
            if result.injection:
                reason = {
                    "time": self.now,
                    "by": caller.principal_id,
                    "reason": (
                        f"input inspector: score {result.score:.2f} ({', '.join(reason_ids[:5])})"
                    ),
                    "source": body.source,
                }
                self.governance.taint(
                    tx,
                    caller.namespace,
                    session_id,
                    principal_id=caller.principal_id if caller.kind == "agent" else None,
                    reason=reason,
                    now=self.now,
                )
                self._taint_lineage(tx, caller, session_id, reason)
                tainted = True
            return Outcome(
                {"data": {**result.to_dict(), "session_id": session_id, "tainted": tainted}},
                result_params={"injection": result.injection, "tainted": tainted},
            )

        action = Action(
            "session.inspect",
            "update",
            f"sys/sessions/{session_id}/inspect",
            params={
                "score": round(result.score, 3),
                "injection": result.injection,
                "reasons": reason_ids[:20],
                "source": body.source,
            },
        )
        return self.broker.run(ctx, action, handler)

    def _taint_lineage(
        self, tx: SqlTx, caller: Caller, session_id: str, reason: Mapping[str, Any]
    ) -> None:
        """An agent's own request tainted a session: the taint follows its token lineage too,
        so a new session id (or none) does not escape it. Operators' tokens are not gated."""
        if caller.kind != "agent":
            return
        lineage = self.governance.token_taint(tx, caller.token)
        self.governance.taint_token(
            tx,
            lineage.root,
            namespace=caller.token.namespace,
            principal_id=caller.principal_id,
            reason={**reason, "session_id": session_id},
            now=self.now,
        )

    def read_session(self, ctx: RequestContext, session_id: str) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            tainted, reasons = self.governance.session(tx, caller.namespace, session_id)
            return Outcome(
                {"data": {"session_id": session_id, "tainted": tainted, "reasons": reasons}}
            )

        return self.broker.run(
            ctx, Action("session.read", "read", f"sys/sessions/{session_id}"), handler
        )

    # -- risk configuration -----------------------------------------------------------------
    def write_risk_config(self, ctx: RequestContext, body: s.RiskConfigWrite) -> Outcome:
        config = parse_risk_config(body.config)

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            self.governance.put_risk_config(
                tx, caller.namespace, body.config, self.now, caller.principal_id
            )
            return Outcome({"data": config.to_dict()})

        return self.broker.run(
            ctx, Action("risk_config.write", "update", "sys/risk-config"), handler
        )

    def read_risk_config(self, ctx: RequestContext) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            text = self.governance.risk_config(tx, caller.namespace)
            effective = (
                self.broker.risk_gate.config(tx, caller.namespace)
                if self.broker.risk_gate
                else None
            )
            return Outcome(
                {
                    "data": {
                        "config": text,
                        "default": not text,
                        "effective": effective.to_dict() if effective else None,
                    }
                }
            )

        return self.broker.run(ctx, Action("risk_config.read", "read", "sys/risk-config"), handler)

    # -- webhooks ---------------------------------------------------------------------------
    def create_webhook(self, ctx: RequestContext, name: str, body: s.WebhookCreate) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            created = self.webhooks.create(
                tx,
                caller.namespace,
                name,
                body.url,
                format=body.format,
                events=body.events,
                include_children=body.include_children,
                secret=body.secret,
                description=body.description,
                created_by=caller.principal_id,
            )
            return Outcome({"data": {**created.webhook.to_dict(), "secret": created.secret}})

        action = Action(
            "webhook.create",
            "update",
            f"sys/webhooks/{name}",
            params={"format": body.format},
            prepare=self.webhooks.prepare,
        )
        outcome = self.broker.run(ctx, action, handler)
        self.dispatcher.forget_subscriptions()
        return outcome

    def list_webhooks(self, ctx: RequestContext) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            return Outcome(
                {
                    "data": {
                        "webhooks": [
                            w.to_dict() for w in self.webhooks.list_webhooks(tx, caller.namespace)
                        ]
                    }
                }
            )

        return self.broker.run(ctx, Action("webhook.list", "list", "sys/webhooks/"), handler)

    def read_webhook(self, ctx: RequestContext, name: str) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            return Outcome({"data": self.webhooks.get(tx, caller.namespace, name).to_dict()})

        return self.broker.run(ctx, Action("webhook.read", "read", f"sys/webhooks/{name}"), handler)

    def delete_webhook(self, ctx: RequestContext, name: str) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            self.webhooks.delete(tx, caller.namespace, name)
            return Outcome(None, status=204)

        outcome = self.broker.run(
            ctx, Action("webhook.delete", "delete", f"sys/webhooks/{name}"), handler
        )
        self.dispatcher.forget_subscriptions()
        return outcome

    def list_deliveries(self, ctx: RequestContext, query: Mapping[str, str]) -> Outcome:
        limit = query.get("limit", "100")
        if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= 1000:
            raise InvalidRequest("limit must be an integer from 1 to 1000")

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            rows = self.webhooks.list_deliveries(
                tx,
                caller.namespace,
                webhook=query.get("webhook"),
                status=query.get("status"),
                kind=query.get("kind"),
                limit=int(limit),
            )
            return Outcome({"data": {"deliveries": [d.to_dict() for d in rows]}})

        return self.broker.run(
            ctx, Action("webhook.deliveries", "read", "sys/webhook-deliveries"), handler
        )

    def redeliver(self, ctx: RequestContext, delivery_id: str) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            return Outcome(
                {"data": self.webhooks.redeliver(tx, caller.namespace, delivery_id).to_dict()}
            )

        action = Action(
            "webhook.redeliver", "update", f"sys/webhook-deliveries/{delivery_id}/redeliver"
        )
        outcome = self.broker.run(ctx, action, handler)
        self.dispatcher.wake()
        return outcome
