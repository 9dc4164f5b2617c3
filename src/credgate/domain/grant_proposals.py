"""Grant proposals: an agent asks for a permission, an operator accepts or rejects it.

API::

    propose_grant(*, proposal_id, agent_id, namespace, path, capabilities, justification,
                  now) -> GrantProposal                                  status pending
    accept_proposal(proposal, operator_id, operator_kind, now, *, policy_name, reason="")
        -> GrantProposal                                                 status accepted
    reject_proposal(proposal, operator_id, operator_kind, now, reason) -> GrantProposal
    render_policy_block(proposal) -> str      an OpenBao HCL ``path`` block (with comments)
    GrantProposal.to_dict();  ProposalStatus

The agent never grants itself anything: a proposal is only a record until an operator other
than the agent accepts it, and then the *service* writes the rendered block into
``policy_name`` (attributed to the operator). ``path`` is a policy path relative to the
namespace (``secret/data/staging/search/*``; ``*`` and ``+`` globs allowed) and the block is
checked with the policy engine when the proposal is made, so accepting can never write a
policy OpenBao would refuse. ``deny`` cannot be proposed (it grants nothing).
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, replace
from typing import Any

from credgate.domain.paths import normalise_request_path
from credgate.domain.policy import CAPABILITIES, parse_policy
from credgate.domain.sign_off import MAX_REASON_CHARS, check_decider, clean_text
from credgate.errors import Conflict, InvalidRequest, PolicyParseError

__all__ = [
    "GRANTABLE_CAPABILITIES",
    "PROPOSAL_ID_PREFIX",
    "GrantProposal",
    "ProposalStatus",
    "accept_proposal",
    "propose_grant",
    "reject_proposal",
    "render_policy_block",
]

PROPOSAL_ID_PREFIX = "gpr_"
MAX_JUSTIFICATION_CHARS = 1000
MAX_PROPOSAL_PATH = 512
#: What an agent may ask for, in OpenBao's order.
GRANTABLE_CAPABILITIES = tuple(c for c in CAPABILITIES if c != "deny")


class ProposalStatus(enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


def _check_path(path: object) -> str:
    if not isinstance(path, str) or not path.strip("/"):
        raise InvalidRequest("a proposal needs a path", hint="e.g. secret/data/staging/app/*")
    if len(path) > MAX_PROPOSAL_PATH:
        raise InvalidRequest(f"the path is longer than {MAX_PROPOSAL_PATH} characters")
    path = path.lstrip("/")
    if any(c in path for c in '{}"'):
        raise InvalidRequest("the path cannot contain '{', '}' or '\"'")
    normalise_request_path(path)  # InvalidPath for '..', encoded separators, look-alikes...
    return path


def _check_capabilities(capabilities: object) -> tuple[str, ...]:
    if isinstance(capabilities, str) or not isinstance(capabilities, list | tuple | frozenset):
        raise InvalidRequest("capabilities must be a list of capability names")
    wanted = set()
    for cap in capabilities:
        if cap not in GRANTABLE_CAPABILITIES:
            raise InvalidRequest(
                f"cannot propose the capability {str(cap)[:20]!r}",
                hint=f"use some of: {', '.join(GRANTABLE_CAPABILITIES)}",
            )
        wanted.add(cap)
    if not wanted:
        raise InvalidRequest("a proposal asks for at least one capability")
    return tuple(c for c in GRANTABLE_CAPABILITIES if c in wanted)


@dataclass(frozen=True)
class GrantProposal:
    """An agent's request for ``capabilities`` on ``path``, and its outcome."""

    id: str
    agent_id: str
    namespace: str
    path: str
    capabilities: tuple[str, ...]
    justification: str
    created_at: float
    status: ProposalStatus = ProposalStatus.PENDING
    decided_by: str | None = None
    decided_at: float | None = None
    decision_reason: str = ""
    policy_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "agent_id": self.agent_id,
            "namespace": self.namespace,
            "path": self.path,
            "capabilities": list(self.capabilities),
            "justification": self.justification,
            "created_at": self.created_at,
            "status": self.status.value,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at,
            "decision_reason": self.decision_reason,
            "policy_name": self.policy_name,
        }


def _comment(text: str) -> list[str]:
    return [("# " + line).rstrip() for line in text.splitlines() or [""]]


def render_policy_block(proposal: GrantProposal) -> str:
    """The ``path`` block the proposal asks for, in canonical HCL, after comment lines naming
    the agent, the proposal and the justification (``parse_policy`` accepts the text)."""
    text = json.dumps(
        {"path": {proposal.path: {"capabilities": list(proposal.capabilities)}}},
        ensure_ascii=False,
    )
    try:
        policy = parse_policy(text)
    except PolicyParseError as exc:
        raise InvalidRequest(
            f"the proposed path is not a valid policy path: {exc.message}"
        ) from None
    header = [
        f"# Proposed by agent {_one_line(proposal.agent_id)} (proposal {_one_line(proposal.id)}).",
        *_comment(proposal.justification),
    ]
    if proposal.status is ProposalStatus.ACCEPTED and proposal.decided_by:
        header.append(f"# Accepted by {_one_line(proposal.decided_by)}.")
    return "\n".join(header) + "\n" + policy.to_hcl()


def _one_line(text: str) -> str:
    return " ".join(text.split())[:128]


def propose_grant(
    *,
    proposal_id: str,
    agent_id: str,
    namespace: str,
    path: str,
    capabilities: list[str] | tuple[str, ...],
    justification: str,
    now: float,
) -> GrantProposal:
    """A pending proposal; refused at once if its block would not be a valid policy."""
    if not proposal_id:
        raise InvalidRequest("a proposal needs an id")
    if not isinstance(agent_id, str) or not agent_id:
        raise InvalidRequest("a proposal needs the proposing agent's id")
    proposal = GrantProposal(
        id=proposal_id,
        agent_id=agent_id,
        namespace=namespace,
        path=_check_path(path),
        capabilities=_check_capabilities(capabilities),
        justification=clean_text(
            justification,
            field="justification",
            max_chars=MAX_JUSTIFICATION_CHARS,
            required=True,
        ),
        created_at=now,
    )
    render_policy_block(proposal)
    return proposal


def _check_pending(proposal: GrantProposal) -> None:
    if proposal.status is not ProposalStatus.PENDING:
        exc = Conflict(
            f"proposal {proposal.id} is already {proposal.status.value}",
            hint="only a pending proposal can be accepted or rejected",
        )
        exc.reason = f"proposal_{proposal.status.value}"  # type: ignore[attr-defined]
        raise exc


def accept_proposal(
    proposal: GrantProposal,
    operator_id: str,
    operator_kind: str,
    now: float,
    *,
    policy_name: str,
    reason: str = "",
) -> GrantProposal:
    """Accept: the caller then writes :func:`render_policy_block` into ``policy_name``."""
    check_decider(operator_id, operator_kind, proposal.agent_id)
    _check_pending(proposal)
    if not isinstance(policy_name, str) or not policy_name.strip():
        raise InvalidRequest("name the policy the accepted grant is written to")
    why = clean_text(reason, field="reason", max_chars=MAX_REASON_CHARS, required=False)
    return replace(
        proposal,
        status=ProposalStatus.ACCEPTED,
        decided_by=operator_id,
        decided_at=now,
        decision_reason=why,
        policy_name=policy_name.strip().lower(),
    )


def reject_proposal(
    proposal: GrantProposal, operator_id: str, operator_kind: str, now: float, reason: str
) -> GrantProposal:
    """Reject, with a reason the agent will see."""
    check_decider(operator_id, operator_kind, proposal.agent_id)
    _check_pending(proposal)
    why = clean_text(reason, field="reason", max_chars=MAX_REASON_CHARS, required=True)
    return replace(
        proposal,
        status=ProposalStatus.REJECTED,
        decided_by=operator_id,
        decided_at=now,
        decision_reason=why,
    )
