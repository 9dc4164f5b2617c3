"""Assemble corpus documents from templates and record exact secret spans.

A template is plain text with fields written ``«name»``. A field filled with a :class:`S`
becomes a labelled secret (its span is recorded in code points); a field filled with a str is
plain text. Nothing else is interpreted, so code, JSON and shell need no escaping.
"""

from __future__ import annotations

import re
from typing import Any

from fakes import S

_FIELD = re.compile(r"«(\w+)»")


def render(template: str, fields: dict[str, S | str]) -> tuple[str, list[dict[str, Any]]]:
    """The text of ``template`` with its fields filled, and the spans of its secrets."""
    out: list[str] = []
    secrets: list[dict[str, Any]] = []
    length = 0
    pos = 0
    for match in _FIELD.finditer(template):
        literal = template[pos : match.start()]
        out.append(literal)
        length += len(literal)
        value = fields[match.group(1)]
        if isinstance(value, S):
            secrets.append({"start": length, "end": length + len(value.value), "type": value.type})
            text = value.value
        else:
            text = value
        out.append(text)
        length += len(text)
        pos = match.end()
    out.append(template[pos:])
    return "".join(out), secrets


def join(
    pieces: list[tuple[str, list[dict[str, Any]]]], sep: str = "\n"
) -> tuple[str, list[dict[str, Any]]]:
    """Concatenate rendered pieces, shifting their spans."""
    text_parts: list[str] = []
    secrets: list[dict[str, Any]] = []
    offset = 0
    for i, (text, spans) in enumerate(pieces):
        if i:
            text_parts.append(sep)
            offset += len(sep)
        for span in spans:
            secrets.append({**span, "start": span["start"] + offset, "end": span["end"] + offset})
        text_parts.append(text)
        offset += len(text)
    return "".join(text_parts), secrets


def plain(text: str) -> tuple[str, list[dict[str, Any]]]:
    return text, []
