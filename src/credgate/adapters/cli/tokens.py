"""``credgate token``: create, inspect, renew and revoke tokens over the API.

    credgate token create [--agent NAME | --operator NAME] [--policy P ...] [--ttl 1h]
                          [--max-ttl 24h] [--num-uses N] [--display-name TEXT]
                          [--no-default-policy] [--field token|accessor]
    credgate token lookup-self
    credgate token renew-self [--increment 1h]
    credgate token revoke-self
    credgate token lookup-accessor ACCESSOR
    credgate token revoke-accessor ACCESSOR

``create`` prints the new token once: store it where the agent reads it. ``--field token``
prints the token alone (for ``export CREDGATE_TOKEN=$(credgate token create ... --field token)``).
"""

from __future__ import annotations

from typing import Any

import click

from credgate.adapters.cli.remote import Remote, print_raw, print_table, remote_command

_SHOWN = (
    "accessor",
    "principal_kind",
    "principal_id",
    "namespace",
    "policies",
    "display_name",
    "created_at",
    "expires_at",
    "max_expires_at",
    "ttl",
    "num_uses",
    "uses_left",
    "parent_accessor",
    "revoked",
)


def show_token_info(remote: Remote, data: dict[str, Any]) -> None:
    remote.show(data, lambda: print_table({k: data[k] for k in _SHOWN if k in data}))


@click.group("token")
def token() -> None:
    """Create, inspect, renew and revoke tokens."""


@token.command("create")
@click.option("--agent", default=None, metavar="NAME", help="Issue the token for this agent.")
@click.option("--operator", default=None, metavar="NAME", help="Issue it for this operator.")
@click.option(
    "--policy",
    "policies",
    multiple=True,
    metavar="NAME",
    help="Policies for the token (default: all of the principal's); repeatable.",
)
@click.option("--ttl", default=None, help="Time to live: seconds or 90s, 15m, 1h, 7d.")
@click.option("--max-ttl", default=None, help="Renewal limit: seconds or 15m, 1h, 7d.")
@click.option("--num-uses", type=click.IntRange(min=0), default=None, help="Use limit (0: none).")
@click.option("--display-name", default=None, help="A name shown in lookups and the audit trail.")
@click.option("--no-default-policy", is_flag=True, help="Leave out the default policy.")
@click.option(
    "--field",
    type=click.Choice(["token", "accessor"]),
    default=None,
    help="Print only this field, raw (for scripts).",
)
@remote_command
def create(
    agent: str | None,
    operator: str | None,
    policies: tuple[str, ...],
    ttl: str | None,
    max_ttl: str | None,
    num_uses: int | None,
    display_name: str | None,
    no_default_policy: bool,
    field: str | None,
    remote: Remote,
) -> None:
    """Create a token for --agent or --operator, or a child of the calling token."""
    with remote.client() as cg:
        issued = cg.create_token(
            agent=agent,
            operator=operator,
            policies=list(policies) if policies else None,
            ttl=ttl,
            max_ttl=max_ttl,
            num_uses=num_uses,
            display_name=display_name,
            no_default_policy=no_default_policy,
        )
    if field is not None:
        print_raw(issued.token if field == "token" else issued.accessor)
        return
    data = {"token": issued.token, **issued.describe()}
    remote.show(data, lambda: print_table(data))


@token.command("lookup-self")
@remote_command
def lookup_self(remote: Remote) -> None:
    """Describe the calling token: principal, namespace, policies, expiry, uses left."""
    with remote.client() as cg:
        show_token_info(remote, cg.lookup_self())


@token.command("renew-self")
@click.option("--increment", default=None, help="Extend by this much (default: the token's TTL).")
@remote_command
def renew_self(increment: str | None, remote: Remote) -> None:
    """Extend the calling token (never past its max TTL)."""
    with remote.client() as cg:
        show_token_info(remote, cg.renew_self(increment))


@token.command("revoke-self")
@remote_command
def revoke_self(remote: Remote) -> None:
    """Revoke the calling token and every token created from it."""
    with remote.client() as cg:
        cg.revoke_self()
    remote.done("revoked the calling token (and its children)")


@token.command("lookup-accessor")
@click.argument("accessor")
@remote_command
def lookup_accessor(accessor: str, remote: Remote) -> None:
    """Describe the token with this accessor."""
    with remote.client() as cg:
        show_token_info(remote, cg.lookup_accessor(accessor))


@token.command("revoke-accessor")
@click.argument("accessor")
@remote_command
def revoke_accessor(accessor: str, remote: Remote) -> None:
    """Revoke the token with this accessor, and its children."""
    with remote.client() as cg:
        cg.revoke_accessor(accessor)
    remote.done(f"revoked token {accessor} (and its children)")
