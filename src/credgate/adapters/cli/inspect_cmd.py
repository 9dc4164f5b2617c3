"""``credgate inspect``: score standard input for prompt injection aimed at credentials.

    credgate inspect [--format text|json] [--jsonl] [--threshold X]

Reads all of standard input (UTF-8; undecodable bytes are kept as they are and count as one
character each) and runs the input inspector the broker uses on untrusted text:

* ``--format text`` (default): a verdict line, then one line per reason:
  ``weight id start-end description``.
* ``--format json``: one object ``{"injection": bool, "score": float, "reasons": [...]}``
  where each reason is ``{"id", "description", "start", "end", "weight", "category"}`` and
  ``start``/``end`` are Python string (code point) offsets into the decoded input.
* ``--jsonl``: a batch: each input line is ``{"id": ..., "text": ...}`` and each output line
  ``{"id": ..., "injection": ..., "score": ..., "reasons": [...]}``.

The exit code is 0 whatever the verdict (this is a report); 2 for input that is not what
the options promise (a bad JSONL line). Reasons never contain the input's text.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import click

from credgate.errors import InvalidRequest
from credgate.guard.inspector import DEFAULT_THRESHOLD, Inspection, inspect_text

_JSONL_HINT = 'each line must be {"id": ..., "text": "..."}'


def _read_stdin() -> str:
    data: bytes = sys.stdin.buffer.read()
    return data.decode("utf-8", "surrogateescape")


def _write(text: str) -> None:
    sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape"))
    sys.stdout.buffer.flush()


def _dumps(obj: object) -> str:
    return json.dumps(obj)  # ASCII: a lone surrogate in an id is escaped, never written raw


def _documents(text: str) -> Iterator[tuple[Any, str]]:
    # Split on newlines only: U+2028 and friends may sit raw inside a JSON string.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidRequest(f"line {number}: not JSON ({exc.msg})", hint=_JSONL_HINT) from None
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise InvalidRequest(
                f'line {number}: expected an object with a string "text"', hint=_JSONL_HINT
            )
        yield item.get("id"), item["text"]


def _text_report(result: Inspection) -> str:
    verdict = "injection" if result.injection else "no injection"
    lines = [f"{verdict}: score {result.score:.2f} (threshold {result.threshold:.2f})"]
    for reason in result.reasons:
        lines.append(
            f"{reason.weight:.2f} {reason.id} {reason.start}-{reason.end} {reason.description}"
        )
    return "\n".join(lines) + "\n"


@click.command("inspect")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A verdict and reason lines, or one JSON object.",
)
@click.option(
    "--jsonl",
    is_flag=True,
    help='Batch mode: one {"id", "text"} object per input line, one result per output line.',
)
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0, min_open=True),
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="Score from which the verdict is an injection.",
)
def inspect(output_format: str, jsonl: bool, threshold: float) -> None:
    """Score standard input for prompt injection aimed at credentials."""
    text = _read_stdin()
    if jsonl:
        for doc_id, doc_text in _documents(text):
            result = inspect_text(doc_text, threshold=threshold)
            _write(_dumps({"id": doc_id, **result.to_dict()}) + "\n")
        return
    result = inspect_text(text, threshold=threshold)
    if output_format == "json":
        _write(_dumps(result.to_dict()) + "\n")
    else:
        _write(_text_report(result))
