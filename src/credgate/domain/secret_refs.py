"""Secret references: how a brokered request names a secret it wants credgate to inject.

API::

    SecretRef(path, field, version=None)             ``secret/data/dev/github#token``
    parse_reference(text) -> SecretRef                the inside of the quotes
    find_references(template) -> list[Placeholder]    every ``{{secret "..."}}`` in a text
    substitute(template, placeholders, values, encode=None) -> str

The grammar (strict: anything that starts like a reference and is not one is an error, so a
typo never sends the literal text upstream)::

    placeholder := "{{" ws* "secret" ws+ quote reference quote ws* "}}"
    quote       := '"' | '\\"'    (the escaped form sits inside a JSON string: the value is
                                   then JSON-escaped when it is substituted)
    reference   := path [ "?version=" digits ] "#" field
    path        := segment ( "/" segment )*        the API path, e.g. secret/data/dev/github
    segment     := [A-Za-z0-9_.-]+  (not "." or "..")
    field       := [A-Za-z0-9_.-]+

Pure: no I/O, standard library only. Errors never quote the text around a reference (it may
be a request body the agent considers private); they name the position.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from credgate.errors import InvalidRequest

__all__ = [
    "MAX_REFERENCES",
    "Placeholder",
    "SecretRef",
    "find_references",
    "parse_reference",
    "substitute",
]

MAX_REFERENCES = 16
MAX_VERSION = 2**31 - 1
_SEGMENT = r"[A-Za-z0-9_.\-]+"
_REFERENCE = re.compile(
    rf"(?P<path>{_SEGMENT}(?:/{_SEGMENT})*)(?:\?version=(?P<version>[0-9]{{1,10}}))?"
    rf"#(?P<field>{_SEGMENT})\Z"
)
_START = re.compile(r"\{\{\s*secret\b")
_PLACEHOLDER = re.compile(
    r'\{\{\s*secret\s+(?P<esc>\\?)"(?P<ref>[^"\\\r\n]{1,512})(?P=esc)"\s*\}\}'
)
_HINT = 'write {{secret "secret/data/dev/github#token"}} (optionally ?version=N before #field)'


@dataclass(frozen=True)
class SecretRef:
    """A secret and the field of it to inject; ``version`` None means the latest."""

    path: str
    field: str
    version: int | None = None

    def __str__(self) -> str:
        version = f"?version={self.version}" if self.version is not None else ""
        return f"{self.path}{version}#{self.field}"


@dataclass(frozen=True)
class Placeholder:
    """Where a reference sits in a template: ``template[start:end]`` is the whole ``{{...}}``."""

    start: int
    end: int
    ref: SecretRef
    json_string: bool = False  # written with \" quotes: the value is JSON-escaped


def parse_reference(text: str) -> SecretRef:
    """``path[?version=N]#field`` as a :class:`SecretRef`; :class:`InvalidRequest` otherwise."""
    m = _REFERENCE.match(text)
    if m is None:
        raise InvalidRequest("a secret reference is not path[?version=N]#field", hint=_HINT)
    path = m.group("path")
    if any(segment in (".", "..") for segment in path.split("/")):
        raise InvalidRequest("a secret reference's path has a '.' or '..' segment", hint=_HINT)
    version = None
    if m.group("version") is not None:
        version = int(m.group("version"))
        if not 1 <= version <= MAX_VERSION:
            raise InvalidRequest(f"a secret reference's version must be 1 to {MAX_VERSION}")
    return SecretRef(path, m.group("field"), version)


def find_references(template: str, *, where: str = "text") -> list[Placeholder]:
    """Every placeholder in ``template``, in order. A ``{{ secret`` that does not complete a
    valid placeholder is an error (``where`` names the part of the request in the message)."""
    found: list[Placeholder] = []
    for start in _START.finditer(template):
        m = _PLACEHOLDER.match(template, start.start())
        if m is None:
            raise InvalidRequest(
                f"malformed secret reference in the {where} at offset {start.start()}",
                hint=_HINT,
            )
        try:
            ref = parse_reference(m.group("ref"))
        except InvalidRequest as exc:
            raise InvalidRequest(
                f"{exc.message} (in the {where} at offset {start.start()})", hint=exc.hint
            ) from None
        found.append(Placeholder(m.start(), m.end(), ref, json_string=bool(m.group("esc"))))
        if len(found) > MAX_REFERENCES:
            raise InvalidRequest(f"more than {MAX_REFERENCES} secret references in the {where}")
    return found


def substitute(
    template: str,
    placeholders: Sequence[Placeholder],
    values: Mapping[SecretRef, str],
    encode: Callable[[str], str] | None = None,
) -> str:
    """``template`` with each placeholder replaced by its value (passed through ``encode``)."""
    parts: list[str] = []
    position = 0
    for ph in placeholders:
        value = values[ph.ref]
        text = encode(value) if encode is not None else value
        if ph.json_string:
            text = json.dumps(text, ensure_ascii=False)[1:-1]
        parts.append(template[position : ph.start])
        parts.append(text)
        position = ph.end
    parts.append(template[position:])
    return "".join(parts)
