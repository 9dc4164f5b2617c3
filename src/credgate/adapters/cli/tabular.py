"""Lists of records as aligned columns, for the commands that show approvals, elevations,
proposals, webhooks and deliveries (``--json`` prints the records themselves)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import click

from credgate.adapters.cli.remote import Remote, format_value

Column = tuple[str, Callable[[Mapping[str, Any]], Any]]


def field(name: str) -> Column:
    """A column showing ``record[name]`` under the header ``name``."""
    return name, lambda record: record.get(name)


def print_rows(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], empty: str) -> None:
    """One line per record, columns padded to their widest cell; ``empty`` when none."""
    if not rows:
        click.echo(empty)
        return
    cells = [[header.upper() for header, _ in columns]]
    for row in rows:
        cells.append([format_value(header, get(row)) for header, get in columns])
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    for line in cells:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )


def show_rows(
    remote: Remote, rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], empty: str
) -> None:
    remote.show(list(rows), lambda: print_rows(rows, columns, empty))
