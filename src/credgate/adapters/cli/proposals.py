"""``credgate proposals``: an agent proposes a grant, an operator accepts or rejects it.

    credgate proposals create PATH --capability read [--capability list ...] --justification TEXT
    credgate proposals list [--status pending|accepted|rejected]
    credgate proposals show ID
    credgate proposals accept ID [--policy NAME] [--reason TEXT]       (operators)
    credgate proposals reject ID --reason TEXT                         (operators)

Accepting appends the proposed ``path`` block to ``--policy`` (default
``proposal-<agent name>``) and attaches that policy to the agent, as the operator's own write.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from credgate.adapters.cli.remote import Remote, print_table, remote_command
from credgate.adapters.cli.tabular import Column, field, show_rows

PROPOSAL_COLUMNS: tuple[Column, ...] = (
    field("id"),
    field("status"),
    ("agent", lambda p: p.get("agent_id")),
    field("path"),
    field("capabilities"),
    ("policy", lambda p: p.get("policy_name")),
    field("created_at"),
)


def show_proposal(remote: Remote, data: Mapping[str, Any]) -> None:
    shown = (
        "id",
        "status",
        "agent_id",
        "path",
        "capabilities",
        "justification",
        "created_at",
        "decided_by",
        "decided_at",
        "decision_reason",
        "policy_name",
        "policy_created",
        "policy_attached",
    )
    remote.show(dict(data), lambda: print_table({k: data[k] for k in shown if k in data}))


@click.group("proposals")
def proposals() -> None:
    """Grant proposals: an agent asks, an operator accepts or rejects."""


@proposals.command("create")
@click.argument("path")
@click.option(
    "--capability",
    "capabilities",
    multiple=True,
    required=True,
    metavar="CAP",
    help="read, list, create, update, delete, patch, sudo... (repeatable).",
)
@click.option("--justification", required=True, help="Why the agent needs it (required).")
@remote_command
def proposal_create(
    path: str, capabilities: tuple[str, ...], justification: str, remote: Remote
) -> None:
    """Propose CAPABILITIES on policy PATH (as an agent), e.g. secret/data/staging/app/*."""
    with remote.client() as cg:
        show_proposal(
            remote, cg.propose_grant(path, list(capabilities), justification=justification)
        )


@proposals.command("list")
@click.option("--status", type=click.Choice(["pending", "accepted", "rejected"]), default=None)
@remote_command
def proposal_list(status: str | None, remote: Remote) -> None:
    """List proposals, newest first (an agent sees its own)."""
    with remote.client() as cg:
        rows = cg.list_proposals(status=status)
    show_rows(remote, rows, PROPOSAL_COLUMNS, "no proposals")


@proposals.command("show")
@click.argument("proposal_id", metavar="ID")
@remote_command
def proposal_show(proposal_id: str, remote: Remote) -> None:
    """Show proposal ID and its outcome."""
    with remote.client() as cg:
        show_proposal(remote, cg.read_proposal(proposal_id))


@proposals.command("accept")
@click.argument("proposal_id", metavar="ID")
@click.option("--policy", default=None, help="Policy to write into [default: proposal-<agent>].")
@click.option("--reason", default="", help="Why (recorded).")
@remote_command
def proposal_accept(proposal_id: str, policy: str | None, reason: str, remote: Remote) -> None:
    """Accept proposal ID: the grant is written into a policy attached to the agent."""
    with remote.client() as cg:
        data = cg.accept_proposal(proposal_id, policy=policy, reason=reason)
    attached = " and attached it to the agent" if data.get("policy_attached") else ""
    remote.done(
        f"accepted proposal {proposal_id}: wrote policy {data.get('policy_name')}{attached}", data
    )


@proposals.command("reject")
@click.argument("proposal_id", metavar="ID")
@click.option("--reason", required=True, help="Why (required; the agent sees it).")
@remote_command
def proposal_reject(proposal_id: str, reason: str, remote: Remote) -> None:
    """Reject proposal ID, with a reason."""
    with remote.client() as cg:
        data = cg.reject_proposal(proposal_id, reason=reason)
    remote.done(f"rejected proposal {proposal_id}", data)
