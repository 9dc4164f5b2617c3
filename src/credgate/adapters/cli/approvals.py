"""``credgate approvals``, ``credgate session`` and ``credgate risk-config`` over the API.

    credgate approvals list [--status S] [--kind approval|suggestion]
    credgate approvals show ID [--wait 30s]
    credgate approvals approve ID [--reason TEXT]
    credgate approvals deny ID --reason TEXT
    credgate session taint ID --reason TEXT [--source api]
    credgate session show ID
    credgate risk-config get
    credgate risk-config set FILE|-

``show --wait`` holds until the approval is decided (or the wait, at most 60 s, ends): the
agent-side way to wait for a human without polling.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from credgate.adapters.cli.remote import Remote, print_table, remote_command
from credgate.adapters.cli.tabular import Column, field, show_rows
from credgate.domain.durations import parse_duration
from credgate.errors import ConfigError

APPROVAL_COLUMNS: tuple[Column, ...] = (
    field("id"),
    field("kind"),
    field("status"),
    field("risk"),
    ("operation", lambda a: (a.get("request") or {}).get("operation")),
    ("path", lambda a: (a.get("request") or {}).get("path")),
    ("agent", lambda a: (a.get("request") or {}).get("principal_id")),
    ("approvals", lambda a: f"{a.get('approvals', 0)}/{a.get('required_approvals', 1)}"),
    field("expires_at"),
)


def show_approval(remote: Remote, data: Mapping[str, Any]) -> None:
    def human() -> None:
        request = data.get("request") or {}
        print_table(
            {
                "id": data.get("id"),
                "kind": data.get("kind"),
                "status": data.get("status"),
                "agent": request.get("principal_id"),
                "operation": request.get("operation"),
                "path": request.get("path"),
                "version": request.get("version"),
                "parameters": request.get("parameters"),
                "risk": data.get("risk"),
                "reasons": data.get("reasons"),
                "justification": data.get("justification"),
                "approvals": f"{data.get('approvals', 0)}/{data.get('required_approvals', 1)}",
                "created_at": data.get("created_at"),
                "expires_at": data.get("expires_at"),
            }
        )
        for s in data.get("sign_offs") or []:
            why = f": {s['reason']}" if s.get("reason") else ""
            click.echo(f"  {s.get('decision')} by {s.get('approver_id')}{why}")

    remote.show(dict(data), human)


@click.group("approvals")
def approvals() -> None:
    """Approval requests and suggestions: list, show (and wait), approve, deny."""


@approvals.command("list")
@click.option("--status", default=None, help="pending, approved, denied, expired or used.")
@click.option("--kind", type=click.Choice(["approval", "suggestion"]), default=None)
@remote_command
def approvals_list(status: str | None, kind: str | None, remote: Remote) -> None:
    """List approval requests and suggestions, newest first."""
    with remote.client() as cg:
        rows = cg.list_approvals(status=status, kind=kind)
    show_rows(remote, rows, APPROVAL_COLUMNS, "no approvals")


@approvals.command("show")
@click.argument("approval_id", metavar="ID")
@click.option(
    "--wait", default=None, metavar="DURATION", help="Hold until decided (at most 60s), e.g. 30s."
)
@remote_command
def approvals_show(approval_id: str, wait: str | None, remote: Remote) -> None:
    """Show approval ID; with --wait, wait for the decision first."""
    seconds = parse_duration(wait, field="--wait") if wait is not None else None
    with remote.client() as cg:
        show_approval(remote, cg.read_approval(approval_id, wait=seconds))


@approvals.command("approve")
@click.argument("approval_id", metavar="ID")
@click.option("--reason", default="", help="Why (recorded and shown to the agent).")
@remote_command
def approvals_approve(approval_id: str, reason: str, remote: Remote) -> None:
    """Approve request ID (operators only; never the requester)."""
    with remote.client() as cg:
        data = cg.approve(approval_id, reason=reason)
    remote.done(f"approval {approval_id}: {data.get('status')}", data)


@approvals.command("deny")
@click.argument("approval_id", metavar="ID")
@click.option("--reason", required=True, help="Why (required; the agent sees it).")
@remote_command
def approvals_deny(approval_id: str, reason: str, remote: Remote) -> None:
    """Deny request ID, with a reason."""
    with remote.client() as cg:
        data = cg.deny(approval_id, reason=reason)
    remote.done(f"approval {approval_id}: {data.get('status')}", data)


@click.group("session")
def session() -> None:
    """Agent sessions: mark one tainted, see whether it is."""


def _show_session(remote: Remote, data: Mapping[str, Any]) -> None:
    def human() -> None:
        click.echo(
            f"session {data.get('session_id')}: {'tainted' if data.get('tainted') else 'clean'}"
        )
        for reason in data.get("reasons") or []:
            click.echo(f"  {reason.get('source', '-')}: {reason.get('reason')}")

    remote.show(dict(data), human)


@session.command("taint")
@click.argument("session_id", metavar="ID")
@click.option("--reason", required=True, help="Why the session is no longer trusted.")
@click.option("--source", default="api", show_default=True, help="Who flagged it.")
@remote_command
def session_taint(session_id: str, reason: str, source: str, remote: Remote) -> None:
    """Mark session ID tainted: its autonomy drops one level from now on."""
    with remote.client() as cg:
        _show_session(remote, cg.taint_session(session_id, reason=reason, source=source))


@session.command("show")
@click.argument("session_id", metavar="ID")
@remote_command
def session_show(session_id: str, remote: Remote) -> None:
    """Whether session ID is tainted, and why."""
    with remote.client() as cg:
        _show_session(remote, cg.read_session(session_id))


@click.group("risk-config")
def risk_config() -> None:
    """The namespace's risk rules and autonomy table."""


def _read_config(file: str) -> str:
    if file == "-":
        return sys.stdin.read()
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read risk configuration file {file} ({type(exc).__name__})",
            hint="give a readable UTF-8 file, or - for standard input",
        ) from None


@risk_config.command("get")
@remote_command
def risk_config_get(remote: Remote) -> None:
    """Print the stored configuration (or say the defaults apply)."""
    with remote.client() as cg:
        data = cg.read_risk_config()

    def human() -> None:
        text = str(data.get("config") or "")
        click.echo(text.rstrip("\n") if text else "# no configuration: the default table applies")

    remote.show(data, human)


@risk_config.command("set")
@click.argument("file", metavar="FILE|-")
@remote_command
def risk_config_set(file: str, remote: Remote) -> None:
    """Replace the configuration with FILE (HCL or JSON; - reads standard input)."""
    text = _read_config(file)
    with remote.client() as cg:
        data = cg.write_risk_config(text)
    remote.done("risk configuration updated", data)
