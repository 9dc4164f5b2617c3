"""``credgate audit``: verify, search and read the audit trail from a local file.

    credgate audit verify [--file PATH] [--data-dir DIR | --key-file PATH] [--anchor FILE]…
                          [--checkpoint OUT] [--json]
    credgate audit hash VALUE|- [--key-file PATH | --data-dir DIR] [--file PATH] [--json]
    credgate audit search [--agent ID] [--session ID] [--since WHEN] [--path P[*]] [--json]
    credgate audit session ID [--file PATH]

The file defaults to ``./.credgate/audit.log`` (for ``verify``: the instance's ``audit_file``).
``verify`` needs the chain key, derived from the instance's audit key (read with its master key,
or ``--key-file``), and checks every chain's tail against the checkpoints the writers saved in
the instance's database (and ``audit_checkpoint_file``); it exits 0 when every chain is intact
and 1 naming the first bad event; ``hash`` exits 0 when the value was served, 1 when not.
Other failures are one ``error:`` line with a hint (exit code from :mod:`credgate.errors`).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from credgate.adapters.audit.file_sink import DEFAULT_AUDIT_FILE, iter_lines, iter_records
from credgate.clock import SystemClock
from credgate.domain.audit.chain import (
    ChainKey,
    Checkpoint,
    anchors_from_json,
    anchors_to_json,
)
from credgate.domain.audit.event import hmac_value, parse_time
from credgate.domain.audit.verify import verify_lines
from credgate.domain.durations import parse_duration
from credgate.errors import ConfigError, InvalidRequest, NotFound
from credgate.service.audit_search import (
    find_value,
    format_event_line,
    search,
    session_timeline,
)

if TYPE_CHECKING:
    from credgate.service.settings import Settings

_file_option = click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_AUDIT_FILE,
    show_default=True,
    help="The JSONL audit file to read.",
)
_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group("audit")
def audit() -> None:
    """Verify and read the tamper-evident audit trail."""


@audit.command("verify")
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The JSONL audit file to read.  [default: the instance's audit_file, "
    "<data-dir>/audit.log]",
)
@click.option(
    "--data-dir",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="The local instance whose key and checkpoints to use (default ./.credgate or "
    "$CREDGATE_DATA_DIR).",
)
@click.option(
    "--key-file",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The audit HMAC key (hex, or raw bytes), instead of the local instance's own.",
)
@click.option(
    "--anchor",
    "anchor_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A checkpoint file (written by --checkpoint, or audit_checkpoint_file) the chains' "
    "tails must reach, besides the instance's own checkpoints. Repeatable.",
)
@click.option(
    "--checkpoint",
    type=click.Path(dir_okay=False, path_type=Path),
    help="When the trail verifies, save each writer's last seq and hash here.",
)
@_json_option
def verify_command(
    file: Path | None,
    data_dir: Path | None,
    key_file: Path | None,
    anchor_files: tuple[Path, ...],
    checkpoint: Path | None,
    as_json: bool,
) -> None:
    """Check every writer's keyed hash chain against the writers' checkpoints; name the first
    edited, deleted, inserted or moved event."""
    from credgate.service.audit_verify import checkpoint_line, describe_checkpoints
    from credgate.service.settings import load_settings

    settings = load_settings(overrides={"data_dir": data_dir} if data_dir is not None else {})
    key = ChainKey.from_audit_key(
        load_hmac_key(key_file) if key_file is not None else _local_key(settings)
    )
    # Checkpoints first: each names a record already in the file when it is read afterwards.
    checkpoints = _instance_checkpoints(settings)
    for path in anchor_files:
        checkpoints.extend(_read_anchors(path))
    report = verify_lines(
        iter_lines(file or settings.resolved_audit_file),
        key=key,
        anchors=[c.anchor for c in checkpoints],
    )
    info = describe_checkpoints(checkpoints, SystemClock().now())
    if as_json:
        click.echo(json.dumps(report.to_dict() | {"checkpoints": info}, indent=2))
    else:
        click.echo(report.summary())
        click.echo(checkpoint_line(info))
    if not report.ok:
        click.get_current_context().exit(1)
    if checkpoint is not None:
        checkpoint.write_text(anchors_to_json(report.last), encoding="utf-8")


def _has_instance(settings: Settings) -> bool:
    """Is there a local instance (a master key, and its database unless that is a server)?"""
    if "CREDGATE_MASTER_KEY" not in os.environ and not settings.resolved_master_key_file.exists():
        return False
    url = settings.resolved_database_url
    return not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).exists()


def _local_key(settings: Settings) -> bytes:
    from credgate.service.app import local_audit_key

    if not _has_instance(settings):
        raise ConfigError(
            f"no audit key: no local instance in {settings.data_dir}/ and no --key-file",
            hint="pass --data-dir with the instance's directory, or --key-file with its audit key",
        )
    return local_audit_key(settings)


def _instance_checkpoints(settings: Settings) -> list[Checkpoint]:
    """The local instance's checkpoints (database and audit_checkpoint_file), if there is one."""
    from credgate.service.app import local_audit_checkpoints

    if _has_instance(settings):
        return local_audit_checkpoints(settings)
    if settings.audit_checkpoint_file is not None:
        from credgate.adapters.audit.checkpoint_store import FileCheckpointStore

        return FileCheckpointStore(settings.audit_checkpoint_file).read()
    return []


def _read_anchors(path: Path) -> list[Checkpoint]:
    try:
        text = path.read_text(encoding="utf-8")
        at = path.stat().st_mtime
    except OSError as exc:
        raise NotFound(f"cannot read checkpoint {path} ({exc.strerror})") from None
    try:
        anchors = anchors_from_json(text)
    except ValueError as exc:
        raise InvalidRequest(f"{path}: {exc}", hint="use a file written by --checkpoint") from None
    return [Checkpoint(a.writer, a.seq, a.hash, at, "anchor") for a in anchors.values()]


@audit.command("hash")
@click.argument("value")
@click.option(
    "--key-file",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The audit HMAC key (hex, or raw bytes). Default: the local instance's own key, "
    "read from its key ring with the master key (see --data-dir).",
)
@click.option(
    "--data-dir",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="The local instance whose key to use (default ./.credgate or $CREDGATE_DATA_DIR).",
)
@_file_option
@_json_option
def hash_command(
    value: str, key_file: Path | None, data_dir: Path | None, file: Path, as_json: bool
) -> None:
    """Print VALUE's HMAC and whether it was ever served. Use - to read VALUE from stdin."""
    if value == "-":
        value = sys.stdin.read()
        value = value.removesuffix("\n").removesuffix("\r")
    if key_file is not None:
        key = load_hmac_key(key_file)
    else:
        from credgate.service.app import local_audit_key
        from credgate.service.settings import load_settings

        overrides = {"data_dir": data_dir} if data_dir is not None else {}
        key = local_audit_key(load_settings(overrides=overrides))
    digest = hmac_value(key, value)
    skipped = _Skipped()
    hits = find_value(iter_records(file, on_malformed=skipped), digest)
    skipped.report()
    if as_json:
        click.echo(json.dumps({"hmac": digest, "served": len(hits), "events": hits}, indent=2))
    else:
        click.echo(digest)
        if hits:
            click.echo(f"served in {len(hits)} event(s):")
            for record in hits:
                keys = sorted(k for k, v in (record.get("values") or {}).items() if v == digest)
                click.echo(f"  {format_event_line(record, with_date=True)}  [{', '.join(keys)}]")
        else:
            click.echo(f"never served (not in {file})")
    if not hits:
        click.get_current_context().exit(1)


def load_hmac_key(path: Path) -> bytes:
    """The audit key from a file: hex text (64+ hex digits) or else the raw bytes."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the audit key file {path} ({exc.strerror})") from None
    text = raw.strip()
    if len(text) >= 32 and len(text) % 2 == 0:
        try:
            return bytes.fromhex(text.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            pass
    if len(text) < 16:
        raise ConfigError(f"the audit key file {path} holds fewer than 16 bytes")
    return text


@audit.command("search")
@click.option("--agent", help="Agent (principal) id.")
@click.option("--session", help="Session id.")
@click.option("--since", help="RFC 3339 time, or a duration back from now (15m, 2h, 7d).")
@click.option("--path", help="Exact path, or a prefix ending with * (secret/data/prod/*).")
@click.option("--trace", help="W3C trace id.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@_file_option
@_json_option
def search_command(
    agent: str | None,
    session: str | None,
    since: str | None,
    path: str | None,
    trace: str | None,
    limit: int,
    file: Path,
    as_json: bool,
) -> None:
    """The most recent events matching every filter, oldest first."""
    skipped = _Skipped()
    found = search(
        iter_records(file, on_malformed=skipped),
        agent=agent,
        session=session,
        since=parse_since(since) if since else None,
        path=path,
        trace=trace,
        limit=limit,
    )
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
    else:
        for record in found:
            session_id = record.get("session_id") or "-"
            click.echo(f"{format_event_line(record, with_date=True)}  [session {session_id}]")
        if not found:
            click.echo("no matching events", err=True)
    skipped.report()


def parse_since(text: str) -> float:
    """An RFC 3339 time (a bare date means midnight UTC), or a duration counted back from now."""
    if len(text) == 10 and text[4:5] == "-":
        text += "T00:00:00Z"
    if "T" in text or ("-" in text and ":" in text):
        try:
            return parse_time(text)
        except ValueError:
            raise InvalidRequest(
                f"--since: not an RFC 3339 time: {text!r}",
                hint="use 2027-01-15T12:00:00Z or a duration such as 15m, 2h, 7d",
            ) from None
    return SystemClock().now() - parse_duration(text, field="--since")


@audit.command("session")
@click.argument("session_id")
@click.option("--no-context", is_flag=True, help="Leave out the agent's stated reasoning.")
@_file_option
def session_command(session_id: str, no_context: bool, file: Path) -> None:
    """A session's timeline, in order, as a human reads it (times in UTC)."""
    skipped = _Skipped()
    entries = session_timeline(
        iter_records(file, on_malformed=skipped), session_id, include_context=not no_context
    )
    skipped.report()
    if not entries:
        raise NotFound(f"no events for session {session_id!r} in {file}")
    click.echo(f"session {session_id}: {len(entries)} request(s), times in UTC")
    for entry in entries:
        click.echo(entry)


class _Skipped:
    """Counts malformed lines skipped while reading, and warns once at the end."""

    def __init__(self) -> None:
        self.lines: list[int] = []

    def __call__(self, line: int) -> None:
        self.lines.append(line)

    def report(self) -> None:
        if self.lines:
            click.echo(
                f"warning: skipped {len(self.lines)} malformed line(s), first at line "
                f"{self.lines[0]}; run credgate audit verify",
                err=True,
            )
