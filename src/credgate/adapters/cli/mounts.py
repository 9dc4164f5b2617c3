"""``credgate mount``: enable, list and disable KV version 2 engines over the API.

credgate mount enable PATH [--description TEXT]
credgate mount list
credgate mount disable PATH
"""

from __future__ import annotations

import click

from credgate.adapters.cli.remote import Remote, print_table, remote_command


@click.group("mount")
def mount() -> None:
    """Mount and unmount secret engines (KV version 2)."""


@mount.command("enable")
@click.argument("path")
@click.option("--description", default="", help="What the mount holds.")
@remote_command
def enable(path: str, description: str, remote: Remote) -> None:
    """Mount a KV version 2 engine at PATH."""
    with remote.client() as cg:
        cg.enable_mount(path, description=description)
    remote.done(f"mounted a kv engine at {path.strip('/')}/")


@mount.command("list")
@remote_command
def list_(remote: Remote) -> None:
    """List the mounts of the namespace."""
    with remote.client() as cg:
        mounts = cg.list_mounts()

    def human() -> None:
        rows = {
            path: f"{m.get('type', '?')}  {m.get('description') or ''}"
            for path, m in mounts.items()
        }
        print_table(rows, header=("Path", "Type / description"))

    remote.show(mounts, human)


@mount.command("disable")
@click.argument("path")
@remote_command
def disable(path: str, remote: Remote) -> None:
    """Unmount PATH. Every secret under it is deleted."""
    with remote.client() as cg:
        cg.disable_mount(path)
    remote.done(f"unmounted {path.strip('/')}/")
