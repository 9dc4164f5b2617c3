"""The ``credgate`` command line.

Every command group lives in its own module and is added here. Errors are caught once:
a :class:`credgate.errors.Error` becomes one line on stderr (message and hint) and its exit
code; nothing a user can trigger prints a traceback.
"""

from __future__ import annotations

from typing import Any

import click

from credgate import __version__
from credgate.errors import Error, PolicyParseError


class CredgateGroup(click.Group):
    """A click group that turns credgate errors into one diagnostic line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PolicyParseError as exc:
            click.echo(f"{exc.location()}: {exc.message}", err=True)
            ctx.exit(exc.exit_code)
        except Error as exc:
            hint = f" (hint: {exc.hint})" if exc.hint else ""
            click.echo(f"error: {exc.message}{hint}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=CredgateGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="credgate")
def cli() -> None:
    """credgate: a credential broker for AI agents."""


def _register() -> None:
    from credgate.adapters.cli import policy

    cli.add_command(policy.policy)
    from credgate.adapters.cli import audit

    cli.add_command(audit.audit)
    from credgate.adapters.cli import server

    cli.add_command(server.init)
    cli.add_command(server.serve)
    cli.add_command(server.operator)
    from credgate.adapters.cli import kv, mounts, namespaces, policy_admin, principals, tokens

    cli.add_command(namespaces.namespace)
    cli.add_command(principals.agent)
    for command in principals.OPERATOR_COMMANDS:
        server.operator.add_command(command)
    cli.add_command(tokens.token)
    cli.add_command(kv.kv)
    cli.add_command(mounts.mount)
    for command in policy_admin.COMMANDS:
        policy.policy.add_command(command)
    from credgate.adapters.cli import scan

    cli.add_command(scan.scan)
    from credgate.adapters.cli import inspect_cmd

    cli.add_command(inspect_cmd.inspect)
    from credgate.adapters.cli import approvals, elevations, proposals, webhooks

    cli.add_command(approvals.approvals)
    cli.add_command(approvals.session)
    cli.add_command(approvals.risk_config)
    cli.add_command(elevations.elevations)
    cli.add_command(elevations.elevation_profile)
    cli.add_command(proposals.proposals)
    cli.add_command(webhooks.webhook)
    from credgate.adapters.cli import mcp_cmd

    cli.add_command(mcp_cmd.mcp)
    from credgate.adapters.cli import run_cmd

    cli.add_command(run_cmd.run)


_register()


def main() -> None:
    cli.main(prog_name="credgate")


if __name__ == "__main__":  # pragma: no cover
    main()
