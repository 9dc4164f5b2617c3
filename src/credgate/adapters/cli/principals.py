"""``credgate agent`` and ``credgate operator create|read|list|disable|enable`` over the API.

    credgate agent create NAME --owner WHO [--description TEXT] [--policy P ...]
    credgate agent read NAME
    credgate agent list
    credgate agent update NAME [--owner WHO] [--description TEXT] [--policy P ... | --no-policies]
    credgate agent disable NAME      (revokes every token of the agent)
    credgate agent enable NAME
    credgate operator create NAME [--description TEXT] [--policy P ...]
    credgate operator read|list|disable|enable ...

Every agent has an accountable human owner: ``--owner`` is required. The operator commands
join the ``operator`` group of :mod:`credgate.adapters.cli.server` (``rotate-key``);
``main._register`` attaches them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from credgate.adapters.cli.remote import Remote, print_lines, print_table, remote_command
from credgate.sdk import Client

F = TypeVar("F", bound=Callable[..., Any])
_SHOWN = (
    "name",
    "kind",
    "namespace",
    "owner",
    "description",
    "status",
    "policies",
    "id",
    "created_at",
    "created_by",
    "updated_at",
    "tokens_revoked",
)


def show_principal(remote: Remote, data: dict[str, Any]) -> None:
    remote.show(data, lambda: print_table({k: data[k] for k in _SHOWN if k in data}))


def _policy_option(help_text: str) -> Callable[[F], F]:
    return click.option("--policy", "policies", multiple=True, metavar="NAME", help=help_text)


@click.group("agent")
def agent() -> None:
    """Create and manage agents (each with an accountable human owner)."""


@agent.command("create")
@click.argument("name")
@click.option("--owner", required=True, help="The accountable human (e-mail or user name).")
@click.option("--description", default="", help="What the agent does.")
@_policy_option("A policy to attach (repeat for several).")
@remote_command
def agent_create(
    name: str, owner: str, description: str, policies: tuple[str, ...], remote: Remote
) -> None:
    """Create agent NAME, owned by --owner."""
    with remote.client() as cg:
        data = cg.create_agent(name, owner=owner, description=description, policies=policies)
    show_principal(remote, data)


@agent.command("read")
@click.argument("name")
@remote_command
def agent_read(name: str, remote: Remote) -> None:
    """Show agent NAME: owner, status, policies."""
    with remote.client() as cg:
        show_principal(remote, cg.read_agent(name))


@agent.command("list")
@remote_command
def agent_list(remote: Remote) -> None:
    """List the agents of the namespace."""
    with remote.client() as cg:
        names = cg.list_agents()
    remote.show(names, lambda: print_lines(names))


@agent.command("update")
@click.argument("name")
@click.option("--owner", default=None, help="A new accountable owner.")
@click.option("--description", default=None, help="A new description.")
@_policy_option("Replace the agent's policies with these (repeat for several).")
@click.option("--no-policies", is_flag=True, help="Detach every policy.")
@remote_command
def agent_update(
    name: str,
    owner: str | None,
    description: str | None,
    policies: tuple[str, ...],
    no_policies: bool,
    remote: Remote,
) -> None:
    """Change agent NAME's owner, description or policies (what is not given stays)."""
    if policies and no_policies:
        raise click.UsageError("give --policy or --no-policies, not both")
    new_policies = [] if no_policies else (list(policies) if policies else None)
    with remote.client() as cg:
        data = cg.update_agent(name, owner=owner, description=description, policies=new_policies)
    show_principal(remote, data)


_STATUS_CALLS = {
    ("agent", "disable"): Client.disable_agent,
    ("agent", "enable"): Client.enable_agent,
    ("operator", "disable"): Client.disable_operator,
    ("operator", "enable"): Client.enable_operator,
}


def status_command(kind: str, verb: str) -> click.Command:
    """``credgate <kind> disable|enable NAME``."""
    summary = (
        f"Disable {kind} NAME and revoke all its tokens."
        if verb == "disable"
        else f"Enable {kind} NAME again (tokens revoked by disable stay revoked)."
    )

    @click.command(verb, help=summary)
    @click.argument("name")
    @remote_command
    def command(name: str, remote: Remote) -> None:
        with remote.client() as cg:
            data = _STATUS_CALLS[(kind, verb)](cg, name)
        revoked = data.get("tokens_revoked")
        extra = f"; revoked {revoked} token(s)" if revoked else ""
        remote.done(f"{verb}d {kind} {name}{extra}", data)

    return command


agent.add_command(status_command("agent", "disable"))
agent.add_command(status_command("agent", "enable"))


# -- operators (added to the ``operator`` group by main._register) ----------------------------
@click.command("create")
@click.argument("name")
@click.option("--description", default="", help="Who this operator is.")
@_policy_option("A policy to attach (repeat for several).")
@remote_command
def operator_create(name: str, description: str, policies: tuple[str, ...], remote: Remote) -> None:
    """Create operator NAME (a human who administers the namespace)."""
    with remote.client() as cg:
        show_principal(remote, cg.create_operator(name, description=description, policies=policies))


@click.command("read")
@click.argument("name")
@remote_command
def operator_read(name: str, remote: Remote) -> None:
    """Show operator NAME."""
    with remote.client() as cg:
        show_principal(remote, cg.read_operator(name))


@click.command("list")
@remote_command
def operator_list(remote: Remote) -> None:
    """List the operators of the namespace."""
    with remote.client() as cg:
        names = cg.list_operators()
    remote.show(names, lambda: print_lines(names))


OPERATOR_COMMANDS = (
    operator_create,
    operator_read,
    operator_list,
    status_command("operator", "disable"),
    status_command("operator", "enable"),
)
