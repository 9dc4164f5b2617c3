"""The risk and autonomy stage of the pipeline (after authorisation, before execution).

For an agent's request on a secret it: assesses the risk (secret metadata, namespace path
rules, operation), applies the data-class guardrail when a value would reach the agent,
decides the autonomy level (agent maximum, taint), and either lets the request run
(3 autonomous, 2 notify), validates an approval the agent presents (1 confirm), or says the
request must wait (1) or can only be suggested (0). Operators are humans: not gated here.

Taint follows the token as well as the session: a request is tainted when the session it names
is tainted *or* its token's lineage (the token, its parents of the same principal: children and
elevations share a root) is. Dropping or changing ``X-Credgate-Session`` therefore does not
escape it. A token that presents a tainted session while its lineage is clean is marked
:attr:`RiskOutcome.spread`; the broker then taints the lineage in a small write transaction
(:meth:`RiskGate.spread`), so switching session ids afterwards does not escape either.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from credgate.adapters.storage.governance_store import LINEAGE_DEPTH, GovernanceStore, TokenTaint
from credgate.adapters.storage.records import PrincipalRecord
from credgate.adapters.storage.sql_store import SqlTx
from credgate.domain.approvals import (
    Approval,
    ApprovalStatus,
    RequestFingerprint,
    fingerprint,
    new_approval,
    redeem,
)
from credgate.domain.risk import (
    DEFAULT_CONFIG,
    AutonomyDecision,
    RiskAssessment,
    RiskConfig,
    Verdict,
    assess,
    decide_autonomy,
    guardrail,
    parse_risk_config,
)
from credgate.domain.sign_off import new_id
from credgate.domain.tokens import TokenEntry
from credgate.errors import Conflict, Denied, NotFound


@dataclass(frozen=True)
class RiskTarget:
    """What a use case tells the gate about the object a request touches."""

    metadata: Mapping[str, Any]  # the secret's custom_metadata ({} when new or unlabelled)
    reveals: bool  # would the response carry the value?
    version: int | None = None
    # brokered use: credgate uses the value for the agent (one autonomy level higher, capped by
    # the namespace's maximum); ``binding`` (no values) then joins the approval fingerprint so
    # an approval for a brokered call never redeems a reveal or a different call
    brokered: bool = False
    binding: Mapping[str, Any] | None = None


@dataclass
class RiskOutcome:
    assessment: RiskAssessment
    decision: AutonomyDecision
    fingerprint: RequestFingerprint
    tainted: bool
    required_approvals: int
    approval_ttl: float
    redeemed: Approval | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    tainted_by: tuple[str, ...] = ()  # "session", "token": which taint lowered the level
    # set when a clean token lineage presented a tainted session: the broker taints the lineage
    spread: TokenTaint | None = None
    session_id: str | None = None
    principal_id: str | None = None
    namespace: str = ""

    @property
    def verdict(self) -> Verdict:
        return self.decision.verdict

    def to_dict(self) -> dict[str, Any]:
        out = {
            "risk": self.assessment.level.label,
            "autonomy": int(self.decision.level),
            "verdict": self.verdict.name.lower(),
            "reasons": [*self.assessment.reasons, *self.decision.reasons],
            "tainted": self.tainted,
            "tainted_by": list(self.tainted_by),
        }
        if self.redeemed is not None:
            out["approval_id"] = self.redeemed.id
        return out


class RiskGate:
    def __init__(self, governance: GovernanceStore, *, fingerprint_key: bytes) -> None:
        self.governance = governance
        self.fingerprint_key = fingerprint_key
        self._configs: dict[tuple[str, str], RiskConfig] = {}
        self._lock = threading.Lock()

    def config(self, tx: SqlTx, namespace: str) -> RiskConfig:
        text = self.governance.risk_config(tx, namespace)
        if not text:
            return DEFAULT_CONFIG
        with self._lock:
            cached = self._configs.get((namespace, text))
        if cached is None:
            cached = parse_risk_config(text)
            with self._lock:
                if len(self._configs) > 256:
                    self._configs.clear()
                self._configs[(namespace, text)] = cached
        return cached

    def evaluate(
        self,
        tx: SqlTx,
        *,
        entry: TokenEntry,
        principal: PrincipalRecord | None,
        namespace: str,
        path: str,
        sent_operation: str,
        operation: str,
        target: RiskTarget,
        params: Mapping[str, Any] | None,
        session_id: str | None,
        approval_id: str | None,
        now: float,
    ) -> RiskOutcome:
        config = self.config(tx, namespace)
        assessment = assess(path, operation, target.metadata, config)
        if target.reveals:
            guardrail(assessment.data_class, entry.principal_kind, brokered=False)
        session_tainted = False
        if session_id:
            session_tainted, _ = self.governance.session(tx, namespace, session_id)
        lineage = self.governance.token_taint(tx, entry)
        tainted_by = tuple(
            name for name, on in (("session", session_tainted), ("token", lineage.tainted)) if on
        )
        tainted = bool(tainted_by)
        decision = decide_autonomy(
            assessment,
            operation,
            agent_max=principal.max_autonomy if principal is not None else 3,
            tainted=tainted,
            brokered=target.brokered,
            namespace_config=config,
        )
        if tainted:
            decision = _explain_taint(decision, tainted_by, lineage)
        bound: Mapping[str, Any] | None = params
        if target.brokered:
            bound = {**(params or {}), "credgate.brokered": dict(target.binding or {})}
        fp = fingerprint(
            entry.principal_id or entry.accessor,
            namespace,
            path,
            sent_operation,
            target.version,
            bound,
            key=self.fingerprint_key,
        )
        outcome = RiskOutcome(
            assessment,
            decision,
            fp,
            tainted,
            required_approvals=config.approvers_required(assessment.level),
            approval_ttl=config.approvals.ttl,
            tainted_by=tainted_by,
            spread=lineage if session_tainted and not lineage.tainted else None,
            session_id=session_id,
            principal_id=entry.principal_id,
            namespace=namespace,
        )
        if decision.verdict is Verdict.REQUIRE_APPROVAL and approval_id:
            found = self.governance.approval(tx, approval_id)
            if found is None or found[0] != "approval" or found[1].request.namespace != namespace:
                raise NotFound(f"no approval {approval_id!r} in this namespace")
            outcome.redeemed = redeem(found[1], fp, fp.principal_id, now)
        return outcome

    def spread(self, tx: SqlTx, outcome: RiskOutcome, *, now: float) -> None:
        """Taint the lineage of a token that presented a tainted session (in a write tx)."""
        if outcome.spread is None:
            return
        self.governance.taint_token(
            tx,
            outcome.spread.root,
            namespace=outcome.namespace,
            principal_id=outcome.principal_id,
            reason={
                "time": now,
                "by": outcome.principal_id,
                "reason": f"presented tainted session {outcome.session_id}",
                "source": "contact",
                "session_id": outcome.session_id,
            },
            now=now,
        )

    def record(
        self, tx: SqlTx, outcome: RiskOutcome, *, now: float, randbytes: Callable[[int], bytes]
    ) -> tuple[str, Approval]:
        """Store a pending approval (level 1) or a suggestion (level 0); return (kind, record)."""
        kind = "approval" if outcome.verdict is Verdict.REQUIRE_APPROVAL else "suggestion"
        approval = new_approval(
            approval_id=new_id("apr_" if kind == "approval" else "sug_", randbytes),
            request=outcome.fingerprint,
            now=now,
            ttl=outcome.approval_ttl,
            required_approvals=outcome.required_approvals,
            risk=outcome.assessment.level.label,
            reasons=tuple(outcome.to_dict()["reasons"]),
        )
        self.governance.insert_approval(tx, approval, kind=kind)
        return kind, approval

    def consume(self, tx: SqlTx, outcome: RiskOutcome) -> None:
        """Mark the presented approval used, in the request's write transaction (once only)."""
        if outcome.redeemed is None:
            return
        try:
            self.governance.update_approval(tx, ApprovalStatus.APPROVED.value, outcome.redeemed)
        except Conflict:
            raise Denied(
                "this approval was already used", hint="an approval serves one request only"
            ) from None


_DOMAIN_TAINT = "session tainted by the input inspector"


def _explain_taint(
    decision: AutonomyDecision, tainted_by: tuple[str, ...], lineage: TokenTaint
) -> AutonomyDecision:
    """Say which taint lowered the level: the session's, the token's, or both."""
    if lineage.too_deep:
        label = f"token tainted (lineage deeper than {LINEAGE_DEPTH} tokens)"
    elif tainted_by == ("token",):
        label = "token tainted (taint follows the token and its children, not the session id)"
    elif tainted_by == ("session",):
        label = "session tainted"
    else:
        label = "session and token tainted"
    if "session" in tainted_by and lineage.too_deep:
        label = f"session tainted, {label}"
    reasons = tuple(
        label + r[len(_DOMAIN_TAINT) :] if r.startswith(_DOMAIN_TAINT) else r
        for r in decision.reasons
    )
    return dataclasses.replace(decision, reasons=reasons)
