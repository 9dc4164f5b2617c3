"""``credgate namespace``: create, read, list and delete namespaces over the API.

    credgate namespace create NAME [--description TEXT] [--no-kv]
    credgate namespace read NAME
    credgate namespace list
    credgate namespace delete NAME

Names are relative to the calling token's namespace (and to ``--namespace``).
"""

from __future__ import annotations

import click

from credgate.adapters.cli.remote import Remote, print_lines, remote_command


@click.group("namespace")
def namespace() -> None:
    """Create and manage namespaces (tenants)."""


@namespace.command("create")
@click.argument("name")
@click.option("--description", default="", help="What the namespace is for.")
@click.option("--no-kv", is_flag=True, help="Do not mount a KV engine at secret/ in it.")
@remote_command
def create(name: str, description: str, no_kv: bool, remote: Remote) -> None:
    """Create namespace NAME (with a KV engine at secret/ unless --no-kv)."""
    with remote.client() as cg:
        data = cg.create_namespace(name, description=description, mount_kv=not no_kv)
    remote.done(f"created namespace {data.get('path', name)}", data)


@namespace.command("read")
@click.argument("name")
@remote_command
def read(name: str, remote: Remote) -> None:
    """Show namespace NAME."""
    with remote.client() as cg:
        remote.show(cg.read_namespace(name))


@namespace.command("list")
@remote_command
def list_(remote: Remote) -> None:
    """List the child namespaces."""
    with remote.client() as cg:
        keys = cg.list_namespaces()
    remote.show(keys, lambda: print_lines(keys))


@namespace.command("delete")
@click.argument("name")
@remote_command
def delete(name: str, remote: Remote) -> None:
    """Delete namespace NAME (it must hold no agents, policies or child namespaces)."""
    with remote.client() as cg:
        cg.delete_namespace(name)
    remote.done(f"deleted namespace {name}")
