"""Docs that cannot rot: every setting, error code, HTTP route and CLI command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from credgate import errors
from credgate.adapters.cli.main import cli
from credgate.adapters.http.routes import ROUTES
from credgate.service.settings import SETTING_NAMES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "reference"


def _all_error_classes() -> list[type[errors.Error]]:
    seen: list[type[errors.Error]] = []
    todo: list[type[errors.Error]] = [errors.Error]
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen


@pytest.mark.parametrize("name", SETTING_NAMES)
def test_every_setting_is_documented(name: str) -> None:
    """A setting a user cannot find in docs/reference/settings.md is a setting nobody uses."""
    assert f"`{name}`" in (DOCS / "settings.md").read_text()


def test_every_error_code_is_documented() -> None:
    """Each stable error code (HTTP `code`) appears in docs/reference/errors.md."""
    text = (DOCS / "errors.md").read_text()
    codes = {
        cls.code for cls in _all_error_classes() if cls.__module__.startswith("credgate.errors")
    }
    missing = sorted(c for c in codes if f"`{c}`" not in text)
    assert not missing, f"undocumented error codes: {missing}"


def test_every_route_is_documented() -> None:
    """Each route of the HTTP route table appears in docs/reference/http.md with its method."""
    text = (DOCS / "http.md").read_text()
    missing = []
    for route in ROUTES:
        path = "/v1/" + re.sub(r"\{(\w+):path\}", r"{\1}", route.pattern)
        if not re.search(rf"\| {route.method} \| `{re.escape(path)}`", text):
            missing.append(f"{route.method} {path}")
    assert not missing, f"undocumented routes: {missing}"


def _commands(group: click.Group, prefix: str) -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        full = f"{prefix} {name}"
        out.append(full)
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, full))
    return out


def test_every_cli_command_is_documented() -> None:
    """Each `credgate` command and subcommand is named in docs/reference/cli.md."""
    text = (DOCS / "cli.md").read_text()
    missing = []
    for full in _commands(cli, "credgate"):
        *parents, leaf = full.split()
        heading = rf"^#+ {re.escape(' '.join(parents))} [^\n]*(?<![\w-]){re.escape(leaf)}(?![\w-])"
        if full not in text and not re.search(heading, text, re.MULTILINE):
            missing.append(full)
    assert not missing, f"undocumented commands: {missing}"
