"""``credgate kv``: versioned key/value secrets over the API (OpenBao's KV v2 layout).

    credgate kv get PATH [--field F] [--version N]
    credgate kv put PATH KEY=VALUE ... [KEY=@FILE] [KEY=-] [--cas N]
    credgate kv list [PREFIX]
    credgate kv delete PATH [--versions 1,2]
    credgate kv undelete PATH --versions 1,2
    credgate kv destroy PATH --versions 1,2
    credgate kv rollback PATH --version N
    credgate kv metadata get PATH
    credgate kv metadata put PATH [--environment E] [--data-class C] [--owner O]
                             [--description D] [--allowed-hosts H1,H2] [--custom K=V ...]
                             [--max-versions N] [--cas-required/--no-cas-required]
    credgate kv metadata delete PATH

PATH is ``dev/app`` or the API form ``secret/data/dev/app``; ``--mount`` picks another KV mount.
``get --field F`` prints only that value, raw, for scripts. Values given as ``KEY=VALUE`` end up
in shell history and process lists: prefer ``KEY=@FILE`` or ``KEY=-`` (standard input).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from credgate.adapters.cli.remote import (
    Remote,
    format_value,
    print_lines,
    print_raw,
    print_table,
    remote_command,
)
from credgate.errors import ConfigError, InvalidRequest

_PAIR_HINT = "write KEY=VALUE, KEY=@FILE (the file's content) or KEY=- (standard input)"
_mount_option = click.option(
    "--mount", default="secret", show_default=True, help="The KV mount the path is in."
)


def parse_pairs(args: Sequence[str], *, what: str = "argument") -> dict[str, str]:
    """``KEY=VALUE`` arguments as a dict. Errors name positions, never the text (a value)."""
    data: dict[str, str] = {}
    stdin_used = False
    for position, arg in enumerate(args, start=1):
        key, sep, value = arg.partition("=")
        if not sep or not key.strip():
            raise InvalidRequest(f"{what} {position} is not KEY=VALUE", hint=_PAIR_HINT)
        key = key.strip()
        if key in data:
            raise InvalidRequest(f"key {key!r} is given twice", hint="give each key once")
        if value == "-":
            if stdin_used:
                raise InvalidRequest("only one key can be read from standard input")
            stdin_used = True
            value = sys.stdin.read()
        elif value.startswith("@"):
            value = _read_value_file(key, value[1:])
        data[key] = value
    return data


def _read_value_file(key: str, name: str) -> str:
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read {name!r} for key {key!r} ({type(exc).__name__})",
            hint="KEY=@FILE reads a UTF-8 text file",
        ) from None


def parse_versions(text: str) -> list[int]:
    """``1,2,3`` as a list of positive integers."""
    try:
        versions = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        versions = []
    if not versions or any(v < 1 for v in versions):
        raise InvalidRequest(
            f"--versions {text!r} is not a list of versions", hint="for example --versions 1,2"
        )
    return versions


_versions_option = click.option(
    "--versions", "versions_text", required=True, metavar="N,N", help="Versions, comma-separated."
)


@click.group("kv")
def kv() -> None:
    """Read and write versioned secrets (KV version 2)."""


@kv.command("get")
@click.argument("path")
@click.option("--field", default=None, help="Print only this field's value, raw.")
@click.option("--version", type=click.IntRange(min=1), default=None, help="An older version.")
@_mount_option
@remote_command
def get(path: str, field: str | None, version: int | None, mount: str, remote: Remote) -> None:
    """Read the secret at PATH (fresh from the server, every time)."""
    with remote.client() as cg:
        if field is not None:
            print_raw(cg.read_secret(path, field=field, version=version, mount=mount))
            return
        secret = cg.read_secret_version(path, version=version, mount=mount)

    def human() -> None:
        meta = {
            "path": f"{mount.strip('/')}/data/{secret.path}",
            "version": secret.version,
            "created_time": secret.metadata.get("created_time"),
            **secret.custom_metadata,
        }
        print_table(meta)
        click.echo()
        values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in secret.data.items()}
        print_table(values, header=("Key", "Value"))

    remote.show({"data": dict(secret.data), "metadata": secret.metadata}, human)


@kv.command("put")
@click.argument("path")
@click.argument("pairs", nargs=-1, required=True, metavar="KEY=VALUE...")
@click.option(
    "--cas",
    type=click.IntRange(min=0),
    default=None,
    help="Write only if the current version is N (0: only if absent).",
)
@_mount_option
@remote_command
def put(path: str, pairs: tuple[str, ...], cas: int | None, mount: str, remote: Remote) -> None:
    """Write a new version of the secret at PATH (replacing every key)."""
    data = parse_pairs(pairs)
    with remote.client() as cg:
        answer = cg.write_secret(path, data, cas=cas, mount=mount)
    version = answer.get("version", "?")
    remote.done(f"wrote {mount.strip('/')}/data/{path.strip('/')} version {version}", answer)


@kv.command("list")
@click.argument("prefix", default="")
@_mount_option
@remote_command
def list_(prefix: str, mount: str, remote: Remote) -> None:
    """List the keys under PREFIX (folders end with /)."""
    with remote.client() as cg:
        keys = cg.list_secrets(prefix, mount=mount)
    remote.show(keys, lambda: print_lines(keys))


@kv.command("delete")
@click.argument("path")
@click.option(
    "--versions",
    "versions_text",
    default=None,
    metavar="N,N",
    help="Versions to delete (default: the latest).",
)
@_mount_option
@remote_command
def delete(path: str, versions_text: str | None, mount: str, remote: Remote) -> None:
    """Soft-delete the latest version of PATH (or --versions); undelete restores."""
    versions = parse_versions(versions_text) if versions_text is not None else None
    with remote.client() as cg:
        cg.delete_secret(path, versions=versions, mount=mount)
    which = f"versions {versions_text}" if versions else "the latest version"
    remote.done(f"deleted {which} of {path.strip('/')}")


@kv.command("undelete")
@click.argument("path")
@_versions_option
@_mount_option
@remote_command
def undelete(path: str, versions_text: str, mount: str, remote: Remote) -> None:
    """Restore soft-deleted versions of PATH."""
    versions = parse_versions(versions_text)
    with remote.client() as cg:
        cg.undelete(path, versions, mount=mount)
    remote.done(f"undeleted versions {versions_text} of {path.strip('/')}")


@kv.command("destroy")
@click.argument("path")
@_versions_option
@_mount_option
@remote_command
def destroy(path: str, versions_text: str, mount: str, remote: Remote) -> None:
    """Erase versions of PATH for good (they cannot be undeleted)."""
    versions = parse_versions(versions_text)
    with remote.client() as cg:
        cg.destroy(path, versions, mount=mount)
    remote.done(f"destroyed versions {versions_text} of {path.strip('/')}")


@kv.command("rollback")
@click.argument("path")
@click.option(
    "--version", type=click.IntRange(min=1), required=True, help="The version to restore."
)
@_mount_option
@remote_command
def rollback(path: str, version: int, mount: str, remote: Remote) -> None:
    """Write version N's data again as the new latest version of PATH."""
    with remote.client() as cg:
        answer = cg.rollback(path, version, mount=mount)
    new = answer.get("version", "?")
    remote.done(f"rolled {path.strip('/')} back to version {version} (now version {new})", answer)


# -- metadata ---------------------------------------------------------------------------------
@kv.group("metadata")
def metadata() -> None:
    """Read and set a secret's metadata (environment, data class, owner...)."""


@metadata.command("get")
@click.argument("path")
@_mount_option
@remote_command
def metadata_get(path: str, mount: str, remote: Remote) -> None:
    """Show PATH's metadata and versions."""
    with remote.client() as cg:
        meta = cg.read_metadata(path, mount=mount)
    remote.show(meta, lambda: _print_metadata(meta))


def _print_metadata(meta: dict[str, Any]) -> None:
    custom = meta.get("custom_metadata") or {}
    main = {k: v for k, v in meta.items() if k not in ("custom_metadata", "versions")}
    print_table({**main, **{k: custom[k] for k in sorted(custom)}})
    versions = meta.get("versions") or {}
    if versions:
        click.echo()
        rows = {
            number: "  ".join(
                format_value(k, info.get(k)) for k in ("created_time", "deletion_time", "destroyed")
            )
            for number, info in sorted(versions.items(), key=lambda kv: int(kv[0]))
        }
        print_table(rows, header=("Version", "Created  Deleted  Destroyed"))


@metadata.command("put")
@click.argument("path")
@click.option("--environment", default=None, help="development, staging or production.")
@click.option("--data-class", default=None, help="none, pii, phi, pci or financial.")
@click.option("--owner", default=None, help="Who is accountable for the secret.")
@click.option("--description", default=None, help="What the secret is.")
@click.option(
    "--allowed-hosts", default=None, metavar="H1,H2", help="Hosts the secret may be sent to."
)
@click.option(
    "--custom",
    "custom",
    multiple=True,
    metavar="KEY=VALUE",
    help="Another custom_metadata entry; repeatable.",
)
@click.option(
    "--max-versions",
    type=click.IntRange(min=0),
    default=None,
    help="Versions kept (0: server default).",
)
@click.option(
    "--cas-required/--no-cas-required", default=None, help="Require --cas on every write."
)
@_mount_option
@remote_command
def metadata_put(
    path: str,
    environment: str | None,
    data_class: str | None,
    owner: str | None,
    description: str | None,
    allowed_hosts: str | None,
    custom: tuple[str, ...],
    max_versions: int | None,
    cas_required: bool | None,
    mount: str,
    remote: Remote,
) -> None:
    """Set PATH's metadata. Custom fields given replace ALL custom metadata; repeat the rest."""
    with remote.client() as cg:
        cg.write_metadata(
            path,
            environment=environment,
            data_class=data_class,
            owner=owner,
            description=description,
            allowed_hosts=allowed_hosts,
            custom=parse_pairs(custom, what="--custom") if custom else None,
            max_versions=max_versions,
            cas_required=cas_required,
            mount=mount,
        )
    remote.done(f"wrote metadata of {path.strip('/')}")


@metadata.command("delete")
@click.argument("path")
@_mount_option
@remote_command
def metadata_delete(path: str, mount: str, remote: Remote) -> None:
    """Delete PATH entirely: every version and its metadata."""
    with remote.client() as cg:
        cg.delete_metadata(path, mount=mount)
    remote.done(f"deleted every version and the metadata of {path.strip('/')}")
