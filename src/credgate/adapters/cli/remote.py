"""Plumbing shared by the commands that talk to a credgate server over its HTTP API.

Every such command takes the same four options, after its arguments or before them:

- ``--addr`` (``$CREDGATE_ADDR``, default ``http://127.0.0.1:8300``),
- ``--token`` (``$CREDGATE_TOKEN``),
- ``--namespace`` (``$CREDGATE_NAMESPACE``; relative to the token's namespace),
- ``--json``: print the answer's JSON instead of the human-readable form.

Commands talk to the server only through :class:`credgate.sdk.Client`; its errors are
:class:`credgate.errors.Error` subclasses, which the ``credgate`` group prints as one line.
The session id comes from ``$CREDGATE_SESSION`` when set (else one per command).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import click

from credgate.sdk import Client

F = TypeVar("F", bound=Callable[..., Any])


def make_client(addr: str | None, token: str | None, namespace: str | None) -> Client:
    """The SDK client a command uses (tests replace this to talk to a fake server)."""
    return Client(addr, token, namespace=namespace)


@dataclass(frozen=True)
class Remote:
    """What a command knows about the server it talks to and how to print."""

    addr: str | None
    token: str | None
    namespace: str | None
    as_json: bool

    def __repr__(self) -> str:
        return f"Remote(addr={self.addr!r}, namespace={self.namespace!r})"

    def client(self) -> Client:
        return make_client(self.addr, self.token, self.namespace)

    def show(self, data: Any, human: Callable[[], None] | None = None) -> None:
        """``data`` as JSON with ``--json``, else ``human()`` (or a key/value table)."""
        if self.as_json:
            print_json(data)
        elif human is not None:
            human()
        elif isinstance(data, Mapping):
            print_table(data)
        elif data is not None:
            click.echo(str(data))

    def done(self, message: str, data: Any = None) -> None:
        """A confirmation line, or ``data`` (``{}`` when none) as JSON with ``--json``."""
        if self.as_json:
            print_json(data if data is not None else {})
        else:
            click.echo(message)


def remote_command(fn: F) -> F:
    """Add ``--addr``, ``--token``, ``--namespace`` and ``--json``; pass ``remote: Remote``."""

    @functools.wraps(fn)
    def wrapper(
        *args: Any,
        addr: str | None,
        token: str | None,
        namespace: str | None,
        as_json: bool,
        **kwargs: Any,
    ) -> Any:
        return fn(*args, remote=Remote(addr, token, namespace, as_json), **kwargs)

    options = [
        click.option(
            "--addr",
            envvar="CREDGATE_ADDR",
            show_envvar=True,
            metavar="URL",
            help="Server address [default: http://127.0.0.1:8300].",
        ),
        click.option(
            "--token",
            envvar="CREDGATE_TOKEN",
            show_envvar=True,
            metavar="TOKEN",
            help="Token to authenticate with.",
        ),
        click.option(
            "--namespace",
            envvar="CREDGATE_NAMESPACE",
            show_envvar=True,
            metavar="NS",
            help="Namespace to act in, relative to the token's.",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON."),
    ]
    decorated: Any = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


# -- output -----------------------------------------------------------------------------------
def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str))


def format_value(key: str, value: Any) -> str:
    """One value for a human: times as UTC, lists comma-separated, nothing as '-'."""
    if value is None or value == "" or value == [] or value == {}:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and key.endswith(("_at", "_time")) and value > 0:
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def print_table(data: Mapping[str, Any], *, header: tuple[str, str] | None = None) -> None:
    """Aligned ``key  value`` lines (keys in the mapping's order)."""
    rows = [(str(k), format_value(str(k), v)) for k, v in data.items()]
    if header is not None:
        rows = [header, ("-" * len(header[0]), "-" * len(header[1])), *rows]
    width = max((len(k) for k, _ in rows), default=0)
    for key, value in rows:
        click.echo(f"{key:<{width}}  {value}".rstrip())


def print_lines(items: Iterable[str]) -> None:
    for item in items:
        click.echo(item)


def print_raw(value: str) -> None:
    """A value for scripts: exactly the text, plus a newline only on a terminal."""
    click.echo(value, nl=sys.stdout.isatty())
