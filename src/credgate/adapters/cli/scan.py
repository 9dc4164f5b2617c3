"""``credgate scan``: find credentials in standard input with the output filter.

    credgate scan [--mask | --block] [--format text|json] [--jsonl]

Reads all of standard input (UTF-8; undecodable bytes are kept as they are and count as one
character each) and runs the same filter the broker applies to agent output:

* report (default): lists the findings: ``start-end type rule`` lines, or with
  ``--format json`` one object ``{"findings": [{"start", "end", "type", "rule"}]}``. Offsets
  are Python string (code point) offsets into the decoded input. Exit 0 either way.
* ``--mask``: writes the input with every finding replaced by ``[REDACTED:<type>]`` (with
  ``--format json``: ``{"text": ..., "findings": [...]}``).
* ``--block``: writes the input unchanged if it holds no credential; otherwise writes
  nothing, prints one ``error: output blocked ...`` line and exits 3.
* ``--jsonl``: a batch: each input line is ``{"id": ..., "text": ...}`` and each output line
  ``{"id": ..., "findings": [...]}`` (plus ``"text"``, masked, with ``--mask``). With
  ``--block`` the first document holding a credential stops the run (exit 3).

Findings never contain the matched text, so the report is safe to store or share.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import click

from credgate.errors import InvalidRequest, OutputBlocked
from credgate.guard.findings import Finding
from credgate.guard.output_filter import OutputFilter, blocked_error


def _read_stdin() -> str:
    data: bytes = sys.stdin.buffer.read()
    return data.decode("utf-8", "surrogateescape")


def _write(text: str) -> None:
    sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape"))
    sys.stdout.buffer.flush()


def _findings_json(findings: list[Finding]) -> list[dict[str, int | str]]:
    return [f.to_dict() for f in findings]


def _dumps(obj: object) -> str:
    # Lone surrogates (undecodable input bytes) are escaped by json, never written raw.
    return json.dumps(obj, ensure_ascii=False)


def _documents(text: str) -> Iterator[tuple[int, Any, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidRequest(
                f"line {number}: not JSON ({exc.msg})",
                hint='each line must be {"id": ..., "text": "..."}',
            ) from None
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise InvalidRequest(
                f'line {number}: expected an object with a string "text"',
                hint='each line must be {"id": ..., "text": "..."}',
            )
        yield number, item.get("id"), item["text"]


def _scan_batch(guard: OutputFilter, text: str, *, mask: bool, block: bool) -> None:
    for _, doc_id, doc_text in _documents(text):
        findings = guard.scan(doc_text)
        if block and findings:
            error = blocked_error(findings)
            raise OutputBlocked(f"document {_dumps(doc_id)}: {error.message}")
        out: dict[str, Any] = {"id": doc_id, "findings": _findings_json(findings)}
        if mask:
            out["text"] = guard.mask(doc_text)
        _write(_dumps(out) + "\n")


@click.command("scan")
@click.option("--mask", is_flag=True, help="Write the input with every credential masked.")
@click.option(
    "--block",
    is_flag=True,
    help="Write the input only if it holds no credential; otherwise fail (exit 3).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Findings as lines or as one JSON object.",
)
@click.option(
    "--jsonl",
    is_flag=True,
    help='Batch mode: one {"id", "text"} object per input line, one result per output line.',
)
def scan(mask: bool, block: bool, output_format: str, jsonl: bool) -> None:
    """Find credentials in standard input (report, --mask or --block)."""
    if mask and block:
        raise click.UsageError("--mask and --block cannot be combined")
    guard = OutputFilter()
    text = _read_stdin()
    if jsonl:
        _scan_batch(guard, text, mask=mask, block=block)
        return
    findings = guard.scan(text)
    if block and findings:
        raise blocked_error(findings)
    if output_format == "json":
        out: dict[str, Any] = {"findings": _findings_json(findings)}
        if mask or block:
            out = {"text": guard.mask(text) if mask else text, **out}
        _write(_dumps(out) + "\n")
    elif mask:
        _write(guard.mask(text))
    elif block:
        _write(text)
    else:
        _write("".join(f"{f.start}-{f.end} {f.type} {f.rule}\n" for f in findings))
