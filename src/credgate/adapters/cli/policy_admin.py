"""``credgate policy write|read|list|delete``: ACL policies stored on the server.

    credgate policy write NAME FILE|-
    credgate policy read NAME
    credgate policy list
    credgate policy delete NAME

These commands join the ``policy`` group of :mod:`credgate.adapters.cli.policy` (the offline
``capabilities`` and ``fmt``); ``main._register`` attaches them. The server parses a policy
before storing it: a policy OpenBao would refuse is refused whole, nothing is half-written.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from credgate.adapters.cli.remote import Remote, print_lines, remote_command
from credgate.errors import ConfigError


def read_policy_text(file: str) -> str:
    """A policy from FILE, or from standard input for ``-``."""
    if file == "-":
        return sys.stdin.read()
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read policy file {file} ({type(exc).__name__})",
            hint="give a readable UTF-8 file, or - for standard input",
        ) from None


@click.command("write")
@click.argument("name")
@click.argument("file", metavar="FILE|-")
@remote_command
def write(name: str, file: str, remote: Remote) -> None:
    """Create or replace policy NAME from FILE (OpenBao HCL; - reads standard input)."""
    text = read_policy_text(file)
    with remote.client() as cg:
        cg.write_policy(name, text)
    remote.done(f"wrote policy {name}")


@click.command("read")
@click.argument("name")
@remote_command
def read(name: str, remote: Remote) -> None:
    """Print policy NAME's text."""
    with remote.client() as cg:
        data = cg.read_policy(name)
    remote.show(data, lambda: click.echo(str(data.get("policy", "")).rstrip("\n")))


@click.command("list")
@remote_command
def list_(remote: Remote) -> None:
    """List the policies of the namespace."""
    with remote.client() as cg:
        names = cg.list_policies()
    remote.show(names, lambda: print_lines(names))


@click.command("delete")
@click.argument("name")
@remote_command
def delete(name: str, remote: Remote) -> None:
    """Delete policy NAME."""
    with remote.client() as cg:
        cg.delete_policy(name)
    remote.done(f"deleted policy {name}")


COMMANDS = (write, read, list_, delete)
