"""Use cases for grant proposals: an agent asks for a permission, an operator decides.

The agent never grants itself anything. Proposing only records a request; accepting is an
operator's act, and it is *the operator's* policy write: the rendered ``path`` block is
appended to the named policy (``proposal-<agent name>`` by default, created if needed), the
policy is attached to the agent if it is not yet, the record says who wrote it, and the
request is audited as the operator's. An operator may only accept into a policy it could write
itself (update on ``sys/policies/acl/<name>``) for an agent it could update (update on
``sys/agents/<name>/config``): accepting is never a way around the operator's own policies.

A policy attached to the agent reaches the tokens issued afterwards (token policies are fixed
when a token is issued, as in OpenBao); a block appended to a policy the agent's tokens already
carry takes effect for them at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from credgate.adapters.storage.governance_store import GovernanceStore
from credgate.adapters.storage.records import PolicyRecord, PrincipalRecord
from credgate.adapters.storage.sql_store import SqlTx
from credgate.domain.grant_proposals import (
    PROPOSAL_ID_PREFIX,
    GrantProposal,
    ProposalStatus,
    accept_proposal,
    propose_grant,
    reject_proposal,
    render_policy_block,
)
from credgate.domain.policy import parse_policy
from credgate.domain.sign_off import new_id
from credgate.errors import Conflict, Denied, InvalidRequest, NotFound
from credgate.service import schemas as s
from credgate.service.broker import Action, Broker, Caller, Outcome, RequestContext
from credgate.service.builtin_policies import DEFAULT_POLICY, ROOT_POLICY
from credgate.service.identity import check_name

_STATUSES = {st.value for st in ProposalStatus}
MAX_POLICY_CHARS = 65_536  # what PUT sys/policies/acl/<name> accepts


class ProposalService:
    def __init__(
        self,
        broker: Broker,
        governance: GovernanceStore,
        *,
        randbytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.broker = broker
        self.governance = governance
        self.randbytes = randbytes

    @property
    def now(self) -> float:
        return self.broker.clock.now()

    def _visible(self, tx: SqlTx, caller: Caller, proposal_id: str) -> GrantProposal:
        found = self.governance.proposal(tx, proposal_id)
        if (
            found is None
            or found.namespace != caller.namespace
            or (caller.kind == "agent" and found.agent_id != caller.principal_id)
        ):
            raise NotFound(f"no proposal {proposal_id!r} in this namespace")
        return found

    def create(self, ctx: RequestContext, body: s.ProposalCreate) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            if caller.kind != "agent" or not caller.principal_id:
                raise Denied(
                    "only an agent proposes a grant",
                    hint="operators write policies directly (credgate policy write)",
                )
            proposal = propose_grant(
                proposal_id=new_id(PROPOSAL_ID_PREFIX, self.randbytes),
                agent_id=caller.principal_id,
                namespace=caller.namespace,
                path=body.path,
                capabilities=body.capabilities,
                justification=body.justification,
                now=self.now,
            )
            self.governance.insert_proposal(tx, proposal)
            return Outcome({"data": proposal.to_dict()}, result_params={"proposal_id": proposal.id})

        action = Action(
            "proposal.create",
            "update",
            "sys/proposals",
            params={
                "path": body.path[:512],
                "capabilities": list(body.capabilities),
                "justification": body.justification[:200],
            },
        )
        return self.broker.run(ctx, action, handler)

    def list_proposals(self, ctx: RequestContext, query: Mapping[str, str]) -> Outcome:
        status = query.get("status")
        if status is not None and status not in _STATUSES:
            raise InvalidRequest(f"status must be one of {', '.join(sorted(_STATUSES))}")

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            mine = caller.principal_id if caller.kind == "agent" else None
            rows = [
                p.to_dict()
                for p in self.governance.proposals(tx, caller.namespace, agent_id=mine)
                if status is None or p.status.value == status
            ]
            return Outcome({"data": {"keys": [p["id"] for p in rows], "proposals": rows}})

        return self.broker.run(ctx, Action("proposal.list", "list", "sys/proposals/"), handler)

    def read(self, ctx: RequestContext, proposal_id: str) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            return Outcome({"data": self._visible(tx, caller, proposal_id).to_dict()})

        return self.broker.run(
            ctx, Action("proposal.read", "read", f"sys/proposals/{proposal_id}"), handler
        )

    def _agent(self, tx: SqlTx, proposal: GrantProposal) -> PrincipalRecord:
        agent = tx.get_principal(proposal.agent_id)
        if agent is None or agent.kind != "agent" or agent.namespace != proposal.namespace:
            raise Conflict(
                f"the agent that made proposal {proposal.id} no longer exists",
                hint="reject the proposal",
            )
        return agent

    def accept(self, ctx: RequestContext, proposal_id: str, body: s.ProposalAccept) -> Outcome:
        chosen = check_name(body.policy, "policy") if body.policy else None
        if chosen in (ROOT_POLICY, DEFAULT_POLICY):
            raise InvalidRequest(f"a grant cannot be written into the built-in {chosen} policy")

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            proposal = self._visible(tx, caller, proposal_id)
            agent = self._agent(tx, proposal)
            policy_name = chosen or check_name(f"proposal-{agent.name}", "policy")
            now = self.now
            accepted = accept_proposal(
                proposal,
                caller.principal_id or "",
                caller.kind,
                now,
                policy_name=policy_name,
                reason=body.reason,
            )
            attach = policy_name not in agent.policies
            self._check_operator_may_write(tx, caller, policy_name, agent.name if attach else None)
            existing = tx.get_policy(caller.namespace, policy_name)
            block = render_policy_block(accepted)
            text = f"{existing.text.rstrip()}\n\n{block}" if existing else block
            if len(text) > MAX_POLICY_CHARS:
                raise Conflict(
                    f"policy {policy_name!r} would grow past {MAX_POLICY_CHARS} characters",
                    hint="accept into another policy (policy=...)",
                )
            parse_policy(text, name=policy_name, source=f"policy {policy_name}")
            created = tx.put_policy(
                PolicyRecord(
                    caller.namespace,
                    policy_name,
                    text,
                    existing.created_at if existing else now,
                    now,
                    caller.principal_id,
                )
            )
            if attach:
                tx.update_principal(agent.id, now, policies=[*agent.policies, policy_name])
            self.governance.update_proposal(tx, proposal.status.value, accepted)
            data: dict[str, Any] = {
                **accepted.to_dict(),
                "policy_created": created,
                "policy_attached": attach,
            }
            return Outcome(
                {"data": data},
                result_params={
                    "proposal_id": accepted.id,
                    "policy": policy_name,
                    "policy_created": created,
                    "policy_attached": attach,
                },
            )

        action = Action(
            "proposal.accept",
            "update",
            f"sys/proposals/{proposal_id}/accept",
            params={"policy": chosen, "reason": body.reason[:200]},
        )
        return self.broker.run(ctx, action, handler)

    def _check_operator_may_write(
        self, tx: SqlTx, caller: Caller, policy_name: str, agent_name: str | None
    ) -> None:
        """Denied unless the operator's own policies allow the writes accepting makes."""
        acl = self.broker.acl_for(tx, caller.token)
        ns = caller.namespace
        acl.authorize("update", f"sys/policies/acl/{policy_name}", namespace=ns)
        if agent_name is not None:
            acl.authorize("update", f"sys/agents/{agent_name}/config", namespace=ns)

    def reject(self, ctx: RequestContext, proposal_id: str, body: s.Reason) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            proposal = self._visible(tx, caller, proposal_id)
            rejected = reject_proposal(
                proposal, caller.principal_id or "", caller.kind, self.now, body.reason
            )
            self.governance.update_proposal(tx, proposal.status.value, rejected)
            return Outcome({"data": rejected.to_dict()}, result_params={"proposal_id": rejected.id})

        action = Action(
            "proposal.reject",
            "update",
            f"sys/proposals/{proposal_id}/reject",
            params={"reason": body.reason[:200]},
        )
        return self.broker.run(ctx, action, handler)
