"""``credgate run``: run a command with secrets in its environment, masked in its output.

    credgate run --secret GITHUB_TOKEN=secret/data/dev/github#token [--secret ...] \\
                 [--mask/--no-mask] -- COMMAND [ARGS...]

Each ``--secret NAME=PATH[?version=N]#FIELD`` is fetched fresh through the API (the SDK's
``read_secret``), so it goes through the server's whole pipeline: policies, risk and
autonomy, audit. ``PATH`` is ``dev/github`` (in the ``secret`` mount) or the API form
``<mount>/data/<key>``. The command runs directly (no shell) with the values in its
environment, never on its command line. Its standard output and standard error pass through
the output filter's streaming masker with every value registered (and so its base64, hex,
URL and JSON forms), plus the provider credential patterns. The exit code is the command's
(128 + N when a signal N ended it). Nothing here ever prints a value.
"""

from __future__ import annotations

import codecs
import os
import re
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

import click

from credgate.adapters.cli.remote import Remote, remote_command
from credgate.domain.secret_refs import parse_reference
from credgate.errors import ConfigError, InvalidRequest
from credgate.guard import OutputFilter, StreamMasker
from credgate.guard.known_values import DEFAULT_MIN_LENGTH

__all__ = ["SecretSpec", "parse_spec", "run"]

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}\Z")
_SPEC_HINT = "write --secret NAME=PATH#FIELD, e.g. GITHUB_TOKEN=secret/data/dev/github#token"
_CHUNK = 65536


@dataclass(frozen=True)
class SecretSpec:
    """One ``--secret``: the environment variable and where its value comes from."""

    env: str
    mount: str
    key: str
    field: str
    version: int | None


def parse_spec(text: str) -> SecretSpec:
    """``NAME=PATH[?version=N]#FIELD``; :class:`InvalidRequest` (exit 2) when malformed."""
    name, sep, ref_text = text.partition("=")
    if not sep or not _ENV_NAME.match(name):
        raise InvalidRequest(f"--secret {name[:64]!r}: not NAME=PATH#FIELD", hint=_SPEC_HINT)
    try:
        ref = parse_reference(ref_text)
    except InvalidRequest:
        raise InvalidRequest(
            f"--secret {name}: the reference is not PATH[?version=N]#FIELD", hint=_SPEC_HINT
        ) from None
    mount, found, key = ref.path.partition("/data/")
    if not found:
        mount, key = "secret", ref.path
    return SecretSpec(name, mount, key, ref.field, ref.version)


def _pump(source: IO[bytes], sink: IO[bytes], masker: StreamMasker | None) -> None:
    """Copy ``source`` to ``sink`` until EOF, masking on the way (bytes kept as they were)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    fd = source.fileno()

    def write(text: str) -> None:
        if text:
            sink.write(text.encode("utf-8", errors="surrogateescape"))
            sink.flush()

    while True:
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            break
        text = decoder.decode(chunk)
        write(masker.feed(text) if masker is not None else text)
    tail = decoder.decode(b"", final=True)
    if masker is not None:
        write(masker.feed(tail) + masker.close())
    else:
        write(tail)


def _exit_code(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def _fetch(remote: Remote, specs: Sequence[SecretSpec]) -> dict[str, str]:
    values: dict[str, str] = {}
    with remote.client() as cg:
        for spec in specs:
            values[spec.env] = cg.read_secret(
                spec.key, field=spec.field, version=spec.version, mount=spec.mount
            )
    return values


def _spawn(command: Sequence[str], env: dict[str, str], *, pipe: bool) -> subprocess.Popen[bytes]:
    stream = subprocess.PIPE if pipe else None
    try:
        return subprocess.Popen(
            list(command), env=env, stdout=stream, stderr=stream
        )  # the user's command, no shell
    except OSError as exc:
        raise ConfigError(
            f"cannot run {command[0]!r}: {exc.strerror or type(exc).__name__}",
            hint="check the command's name and that it is executable",
        ) from None


@click.command(
    "run",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.option(
    "--secret",
    "secrets",
    multiple=True,
    metavar="NAME=PATH#FIELD",
    help="Put this secret's field in the environment variable NAME (repeatable).",
)
@click.option(
    "--mask/--no-mask",
    default=True,
    show_default=True,
    help="Mask the secrets (and credential patterns) in the command's output.",
)
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@remote_command
def run(command: tuple[str, ...], secrets: tuple[str, ...], mask: bool, remote: Remote) -> None:
    """Run COMMAND with secrets in its environment, fetched fresh, masked in its output.

    Put ``--`` before the command: credgate run --secret T=dev/app#token -- ./deploy.sh
    """
    specs = [parse_spec(text) for text in secrets]
    names = [spec.env for spec in specs]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise InvalidRequest(f"--secret {duplicate} is given twice", hint="give each NAME once")
    values = _fetch(remote, specs)
    guard: OutputFilter | None = None
    if mask:
        guard = OutputFilter(mode="mask")
        for name, value in values.items():
            if len(value) < DEFAULT_MIN_LENGTH or not guard.add_known_value(value):
                raise InvalidRequest(
                    f"the value for {name} is too short to be masked reliably "
                    f"(under {DEFAULT_MIN_LENGTH} characters)",
                    hint="use --no-mask to run anyway, if no agent reads the output",
                )
    env = {**os.environ, **values}
    child = _spawn(command, env, pipe=guard is not None)
    try:
        if guard is not None:
            pumps = [
                threading.Thread(target=_pump, args=(source, sink, guard.stream()))
                for source, sink in (
                    (child.stdout, sys.stdout.buffer),
                    (child.stderr, sys.stderr.buffer),
                )
                if source is not None
            ]
            for pump in pumps:
                pump.start()
            for pump in pumps:
                pump.join()
        returncode = child.wait()
    except KeyboardInterrupt:  # the child got the same SIGINT from the terminal
        returncode = child.wait()
    click.get_current_context().exit(_exit_code(returncode))
