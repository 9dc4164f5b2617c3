"""``credgate policy``: evaluate and format OpenBao-compatible ACL policies offline.

    credgate policy capabilities --policy-file A.hcl [--policy-file B.hcl ...] PATH [PATH ...]
    credgate policy fmt FILE

``capabilities`` prints one JSON object mapping each PATH (in the order given) to the sorted
capability list OpenBao's ``sys/capabilities`` would answer for a token holding those
policies. ``fmt`` prints the policy in canonical HCL. ``-`` reads standard input. A policy
OpenBao would refuse prints ``file:line:col: message`` and exits 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from credgate.clock import SystemClock
from credgate.domain.policy import ACL, Policy, parse_policy
from credgate.errors import ConfigError


def _read(file: str) -> tuple[str, str]:
    """``(text, source name)`` of a policy file; ``-`` is standard input."""
    if file == "-":
        return sys.stdin.read(), "<stdin>"
    try:
        return Path(file).read_text(encoding="utf-8"), file
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read policy file {file}: {exc.__class__.__name__}",
            hint="give a readable UTF-8 file, or - for standard input",
        ) from None


def _load(file: str, namespace: str, now: float) -> Policy:
    text, source = _read(file)
    name = "stdin" if file == "-" else Path(file).stem
    return parse_policy(text, name=name, namespace=namespace, source=source, now=now)


@click.group()
def policy() -> None:
    """Evaluate and format OpenBao/Vault-compatible ACL policies offline."""


@policy.command()
@click.option(
    "--policy-file",
    "policy_files",
    multiple=True,
    required=True,
    metavar="FILE",
    help="A policy (HCL or JSON) held by the token; repeat for several; - reads stdin.",
)
@click.option(
    "--namespace",
    default="",
    metavar="NS",
    help="The namespace the request is made from (e.g. acme/); paths are relative to it.",
)
@click.option(
    "--policy-namespace",
    default="",
    metavar="NS",
    help="The namespace the policies live in (their paths are prefixed with it).",
)
@click.argument("paths", nargs=-1, required=True)
def capabilities(
    policy_files: tuple[str, ...], namespace: str, policy_namespace: str, paths: tuple[str, ...]
) -> None:
    """Print the capabilities OpenBao's sys/capabilities would give on each PATH."""
    if policy_files.count("-") > 1:
        raise click.UsageError("standard input (-) can be given only once")
    now = SystemClock().now()
    acl = ACL([_load(f, policy_namespace, now) for f in policy_files], now=now)
    answer = {path: acl.capabilities(path, namespace=namespace) for path in paths}
    click.echo(json.dumps(answer, sort_keys=False, ensure_ascii=False))


@policy.command()
@click.argument("file", metavar="FILE")
def fmt(file: str) -> None:
    """Print FILE (or - for stdin) as canonical HCL: one block per rule, no comments."""
    text, source = _read(file)
    parsed = parse_policy(text, name=Path(file).stem, source=source)
    click.echo(parsed.to_hcl(), nl=False)
