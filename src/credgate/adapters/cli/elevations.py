"""``credgate elevations`` and ``credgate elevation-profile``: time-bound elevation.

    credgate elevation-profile put NAME --policy P [--policy P ...] --max-ttl 1h
                                   [--no-approval] [--approvers N] [--description TEXT]
    credgate elevation-profile get NAME
    credgate elevation-profile list
    credgate elevation-profile delete NAME

    credgate elevations request PROFILE --justification TEXT --duration 15m     (an agent)
    credgate elevations list [--status S]
    credgate elevations show ID
    credgate elevations approve ID [--reason TEXT]                              (operators)
    credgate elevations deny ID --reason TEXT                                   (operators)
    credgate elevations activate ID [--field token]                             (the agent)
    credgate elevations revoke ID [--reason TEXT]

``activate`` prints the elevated token once (``--field token``: the token alone, for
``CREDGATE_TOKEN=$(...)``). It is a child of the token that activates it: it ends by itself
and with its parent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from credgate.adapters.cli.remote import Remote, print_raw, print_table, remote_command
from credgate.adapters.cli.tabular import Column, field, show_rows

ELEVATION_COLUMNS: tuple[Column, ...] = (
    field("id"),
    field("status"),
    field("profile"),
    ("agent", lambda e: e.get("agent_id")),
    ("duration", lambda e: f"{e.get('duration', 0):g}s"),
    ("approvals", lambda e: _approvals(e)),
    field("expires_at"),
)
PROFILE_COLUMNS: tuple[Column, ...] = (
    field("name"),
    field("policies"),
    ("max_ttl", lambda p: f"{p.get('max_ttl', 0):g}s"),
    ("approval", lambda p: _approval_rule(p)),
    field("description"),
)


def _approvals(e: Mapping[str, Any]) -> str:
    granted = sum(1 for s in e.get("sign_offs") or [] if s.get("decision") == "approved")
    return f"{granted}/{e.get('required_approvals', 1)}"


def _approval_rule(p: Mapping[str, Any]) -> str:
    if not p.get("approval_required", True):
        return "none"
    return f"{p.get('approvers_required', 1)} operator(s)"


def show_elevation(remote: Remote, data: Mapping[str, Any]) -> None:
    def human() -> None:
        print_table(
            {
                "id": data.get("id"),
                "status": data.get("status"),
                "agent": data.get("agent_id"),
                "profile": data.get("profile"),
                "policies": data.get("policies"),
                "justification": data.get("justification"),
                "duration": f"{data.get('duration', 0):g}s",
                "approvals": _approvals(data),
                "created_at": data.get("created_at"),
                "request_expires_at": data.get("request_expires_at"),
                "token_accessor": data.get("token_accessor"),
                "activated_at": data.get("activated_at"),
                "expires_at": data.get("expires_at"),
                "ended_at": data.get("ended_at"),
                "ended_by": data.get("ended_by"),
                "end_reason": data.get("end_reason"),
            }
        )
        for s in data.get("sign_offs") or []:
            why = f": {s['reason']}" if s.get("reason") else ""
            click.echo(f"  {s.get('decision')} by {s.get('approver_id')}{why}")

    remote.show(dict(data), human)


def show_profile(remote: Remote, data: Mapping[str, Any]) -> None:
    def human() -> None:
        print_table(
            {
                "name": data.get("name"),
                "policies": data.get("policies"),
                "max_ttl": f"{data.get('max_ttl', 0):g}s",
                "approval": _approval_rule(data),
                "description": data.get("description"),
            }
        )

    remote.show(dict(data), human)


# -- profiles ----------------------------------------------------------------------------------
@click.group("elevation-profile")
def elevation_profile() -> None:
    """Elevation profiles: what an elevation grants, for how long, and who must agree."""


@elevation_profile.command("put")
@click.argument("name")
@click.option(
    "--policy", "policies", multiple=True, required=True, metavar="NAME", help="Repeatable."
)
@click.option("--max-ttl", required=True, help="Longest duration an agent may ask for (<= 7d).")
@click.option("--no-approval", is_flag=True, help="Grant requests at once (still audited).")
@click.option(
    "--approvers",
    type=click.IntRange(1, 5),
    default=1,
    show_default=True,
    help="Distinct operators.",
)
@click.option("--description", default="", help="What the profile is for.")
@remote_command
def profile_put(
    name: str,
    policies: tuple[str, ...],
    max_ttl: str,
    no_approval: bool,
    approvers: int,
    description: str,
    remote: Remote,
) -> None:
    """Create or replace profile NAME."""
    with remote.client() as cg:
        data = cg.put_elevation_profile(
            name,
            policies=list(policies),
            max_ttl=max_ttl,
            approval_required=not no_approval,
            approvers_required=approvers,
            description=description,
        )
    show_profile(remote, data)


@elevation_profile.command("get")
@click.argument("name")
@remote_command
def profile_get(name: str, remote: Remote) -> None:
    """Show profile NAME."""
    with remote.client() as cg:
        show_profile(remote, cg.read_elevation_profile(name))


@elevation_profile.command("list")
@remote_command
def profile_list(remote: Remote) -> None:
    """List the profiles of the namespace."""
    with remote.client() as cg:
        rows = cg.list_elevation_profiles()
    show_rows(remote, rows, PROFILE_COLUMNS, "no elevation profiles")


@elevation_profile.command("delete")
@click.argument("name")
@remote_command
def profile_delete(name: str, remote: Remote) -> None:
    """Delete profile NAME (elevations already requested keep their policies)."""
    with remote.client() as cg:
        cg.delete_elevation_profile(name)
    remote.done(f"deleted elevation profile {name}")


# -- elevations --------------------------------------------------------------------------------
@click.group("elevations")
def elevations() -> None:
    """Time-bound elevations: request, approve, activate, revoke, list."""


@elevations.command("request")
@click.argument("profile")
@click.option("--justification", required=True, help="Why you need it (required).")
@click.option("--duration", required=True, help="How long, e.g. 15m (at most the profile's).")
@remote_command
def elevation_request(profile: str, justification: str, duration: str, remote: Remote) -> None:
    """Ask for PROFILE's extra policies (as an agent)."""
    with remote.client() as cg:
        show_elevation(
            remote, cg.request_elevation(profile, justification=justification, duration=duration)
        )


@elevations.command("list")
@click.option("--status", default=None, help="pending, approved, active, denied, expired, revoked.")
@remote_command
def elevation_list(status: str | None, remote: Remote) -> None:
    """List elevations, newest first (an agent sees its own)."""
    with remote.client() as cg:
        rows = cg.list_elevations(status=status)
    show_rows(remote, rows, ELEVATION_COLUMNS, "no elevations")


@elevations.command("show")
@click.argument("elevation_id", metavar="ID")
@remote_command
def elevation_show(elevation_id: str, remote: Remote) -> None:
    """Show elevation ID: status, sign-offs, token and end."""
    with remote.client() as cg:
        show_elevation(remote, cg.read_elevation(elevation_id))


@elevations.command("approve")
@click.argument("elevation_id", metavar="ID")
@click.option("--reason", default="", help="Why (recorded).")
@remote_command
def elevation_approve(elevation_id: str, reason: str, remote: Remote) -> None:
    """Approve elevation ID (operators; never the requester)."""
    with remote.client() as cg:
        data = cg.approve_elevation(elevation_id, reason=reason)
    remote.done(f"elevation {elevation_id}: {data.get('status')}", data)


@elevations.command("deny")
@click.argument("elevation_id", metavar="ID")
@click.option("--reason", required=True, help="Why (required; the agent sees it).")
@remote_command
def elevation_deny(elevation_id: str, reason: str, remote: Remote) -> None:
    """Deny elevation ID, with a reason."""
    with remote.client() as cg:
        data = cg.deny_elevation(elevation_id, reason=reason)
    remote.done(f"elevation {elevation_id}: {data.get('status')}", data)


@elevations.command("activate")
@click.argument("elevation_id", metavar="ID")
@click.option(
    "--field",
    "field_name",
    type=click.Choice(["token", "accessor"]),
    default=None,
    help="Print only this field.",
)
@remote_command
def elevation_activate(elevation_id: str, field_name: str | None, remote: Remote) -> None:
    """Turn approved elevation ID into an elevated token (printed once)."""
    with remote.client() as cg:
        issued = cg.activate_elevation(elevation_id)
    if field_name is not None:
        print_raw(issued.token if field_name == "token" else issued.accessor)
        return
    data = {"token": issued.token, **issued.describe()}
    remote.show(data, lambda: print_table(data))


@elevations.command("revoke")
@click.argument("elevation_id", metavar="ID")
@click.option("--reason", default="", help="Why (recorded).")
@remote_command
def elevation_revoke(elevation_id: str, reason: str, remote: Remote) -> None:
    """End elevation ID now and revoke its token."""
    with remote.client() as cg:
        data = cg.revoke_elevation(elevation_id, reason=reason)
    remote.done(f"elevation {elevation_id}: {data.get('status')}", data)
