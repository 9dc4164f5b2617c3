"""Values credgate issued to a session, found again in output: exact and encoded.

When the broker hands a value to an agent, it registers it here. The filter then finds that
value in any later output, in the forms an agent (or a prompt-injected instruction) would use
to smuggle it out: as is, base64 (standard and URL-safe, also embedded at any byte offset
inside a longer base64 text such as a Basic auth header), hex (both cases), URL-encoded
(``quote`` and ``quote_plus``, both hex cases) and JSON-escaped. All forms go into one
Aho-Corasick automaton, so the cost of a scan does not grow with the number of values.

Escapes are undone structurally as well: a text containing ``%``, ``\\`` or ``&`` is also
searched in its decoded views (:mod:`credgate.guard.decoded_view`: percent-encoding, JSON/JS
escapes and HTML character references, mixed in any proportion, up to three times nested),
and each match is mapped back to the span of the text that encodes it.

The registry holds values only inside the automaton; its ``repr`` shows a count, never a
value, and nothing here logs.
"""

from __future__ import annotations

import base64
import importlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

from credgate.guard.decoded_view import DecodedView, decoded_views
from credgate.guard.findings import Finding

# pyahocorasick ships no type stubs: load it as an untyped module (its API is two calls).
ahocorasick: Any = importlib.import_module("ahocorasick")

__all__ = ["DEFAULT_MIN_LENGTH", "KnownValues"]

#: Values shorter than this are not registered: they would mask ordinary words and numbers.
DEFAULT_MIN_LENGTH = 8
#: An encoded form shorter than this is not searched (it could occur by chance).
MIN_FORM_LENGTH = 8
KNOWN_VALUE_PRIORITY = 100
#: Original characters per UTF-8 byte of a value escaped one character at a time with the
#: usual escapes (``%51``, ``\u0051``, ``&#81;``, ``&#x51;``): what a stream holds back for it.
ESCAPED_WIDTH = 6
_B64_STD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_B64_URL = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_B64_ANY = _B64_STD | _B64_URL
_B64_CHARS = frozenset(chr(c) for c in _B64_ANY) | {"="}


@dataclass(frozen=True, slots=True)
class _Form:
    """One searchable form of a value: its length, how it was encoded, how far to widen."""

    length: int
    rule: str
    widen_left: bool  # one base64 character before the form also carries value bits
    widen_right: bool  # one base64 character after it does, then padding


def _base64_forms(raw: bytes) -> list[tuple[str, _Form]]:
    """The part of base64(prefix + raw + suffix) that depends on ``raw`` only, for a prefix of
    0, 1 and 2 bytes: found whatever the value's offset inside a longer encoded text."""
    out: list[tuple[str, _Form]] = []
    for offset in (0, 1, 2):
        encoded = base64.b64encode(b"\0" * offset + raw)
        first = -(-8 * offset // 6)  # first character made only of value bits
        last = 8 * (offset + len(raw)) // 6  # one past the last such character
        stable = encoded[first:last].decode("ascii")
        if len(stable) < MIN_FORM_LENGTH:
            continue
        widen_left = offset > 0
        widen_right = (8 * (offset + len(raw))) % 6 != 0
        for alphabet, text in (
            ("base64", stable),
            ("base64url", stable.replace("+", "-").replace("/", "_")),
        ):
            out.append((text, _Form(len(text), f"known_value.{alphabet}", widen_left, widen_right)))
    return out


def _forms(value: str) -> list[tuple[str, _Form]]:
    raw = value.encode("utf-8", "surrogatepass")
    forms: list[tuple[str, _Form]] = [(value, _Form(len(value), "known_value.exact", False, False))]
    forms += _base64_forms(raw)
    for text in (raw.hex(), raw.hex().upper()):
        forms.append((text, _Form(len(text), "known_value.hex", False, False)))
    url_forms = {quote(value, safe=""), quote_plus(value, safe="")}
    if " " in value:  # spaces as "+" and any other byte escaped or not (the decoded view)
        url_forms.add(value.replace(" ", "+"))
    url_forms |= {_lower_escapes(u) for u in url_forms}
    json_forms = {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    for text in url_forms - {value}:
        forms.append((text, _Form(len(text), "known_value.url", False, False)))
    for text in json_forms - {value} - url_forms:
        forms.append((text, _Form(len(text), "known_value.json", False, False)))
    return [(text, form) for text, form in forms if len(text) >= MIN_FORM_LENGTH]


def _lower_escapes(encoded: str) -> str:
    parts = encoded.split("%")
    return parts[0] + "".join("%" + p[:2].lower() + p[2:] for p in parts[1:])


class KnownValues:
    """A session's issued values, matched in every form at once. Thread-safe."""

    def __init__(self, *, min_length: int = DEFAULT_MIN_LENGTH) -> None:
        self.min_length = min_length
        self._forms: dict[str, _Form] = {}
        self._values = 0
        self._skipped = 0
        self._automaton: Any = None
        self._lock = threading.Lock()
        self.longest_form = 0  # what a stream must hold back (see ``add``)
        self._longest_text = 0  # the longest registered form
        # Every character of a registered form (and the base64 ones a match may widen to):
        # the only escapes worth decoding are those that stand for one of them.
        self._alphabet: frozenset[str] = _B64_CHARS

    def __repr__(self) -> str:
        return f"KnownValues({self._values} values, {self._skipped} too short to scan)"

    def __len__(self) -> int:
        return self._values

    @property
    def skipped(self) -> int:
        """How many values were too short to register (see ``min_length``)."""
        return self._skipped

    def add(self, value: str) -> bool:
        """Register ``value``; False (and nothing registered) when it is shorter than
        ``min_length`` characters or only whitespace."""
        if len(value) < self.min_length or not value.strip():
            self._skipped += 1
            return False
        with self._lock:
            for text, form in _forms(value):
                self._forms.setdefault(text, form)
                self.longest_form = max(self.longest_form, len(text) + 4)
                self._longest_text = max(self._longest_text, len(text))
                self._alphabet |= frozenset(text)
            # Escaped character by character (``\u0051``, ``&#x51;``, ``%51`` per byte), a
            # value is found in the decoded view: a stream must hold that much back.
            escaped = ESCAPED_WIDTH * len(value.encode("utf-8", "surrogatepass")) + 4
            self.longest_form = max(self.longest_form, escaped)
            self._values += 1
            self._automaton = None
        return True

    def _built(self) -> Any:
        with self._lock:
            if self._automaton is None and self._forms:
                automaton = ahocorasick.Automaton()
                for text, form in self._forms.items():
                    automaton.add_word(text, form)
                automaton.make_automaton()
                self._automaton = automaton
            return self._automaton

    def find(self, text: str) -> list[Finding]:
        """Every occurrence of a registered form in ``text`` (may overlap; merge them), also
        behind escapes: see :mod:`credgate.guard.decoded_view` (rule ``known_value.decoded``,
        or ``known_value.decoded.<form>`` for an encoded form found once decoded)."""
        automaton = self._built()
        if automaton is None or not text:
            return []
        findings = [
            Finding(start, end, "known_value", form.rule, KNOWN_VALUE_PRIORITY)
            for start, end, form in _matches(automaton, text)
        ]
        if "%" not in text and "\\" not in text and "&" not in text:
            return findings  # nothing escaped (the common case, kept to three scans)
        views = decoded_views(text, wanted=self._alphabet)
        # A match that touches a decoded character lies within the longest form of one:
        # only those windows of a view are searched (with room for base64 widening).
        margin = self._longest_text + 4
        for depth, view in enumerate(views):
            for start, end, form in _window_matches(automaton, view, margin):
                if not view.touches_escape(start, end):
                    continue  # in text this round left as it was: found one round earlier
                for outer in reversed(views[: depth + 1]):
                    start, end = outer.original(start, end)
                rule = form.rule.replace("known_value", "known_value.decoded", 1)
                rule = rule.removesuffix(".exact")
                findings.append(Finding(start, end, "known_value", rule, KNOWN_VALUE_PRIORITY))
        return findings


def _window_matches(
    automaton: Any, view: DecodedView, margin: int
) -> Iterator[tuple[int, int, _Form]]:
    """:func:`_matches` in the windows of ``view`` near its decoded characters, as offsets
    into ``view.text``."""
    for low, high in view.windows(margin):
        for start, end, form in _matches(automaton, view.text[low:high]):
            yield start + low, end + low, form


def _matches(automaton: Any, text: str) -> list[tuple[int, int, _Form]]:
    """``(start, end, form)`` of every registered form in ``text``, base64 forms widened to
    the characters that also carry value bits (and the padding)."""
    out: list[tuple[int, int, _Form]] = []
    n = len(text)
    for last, form in automaton.iter(text):
        start, end = last + 1 - form.length, last + 1
        if form.widen_left and start > 0 and ord(text[start - 1]) in _B64_ANY:
            start -= 1
        if form.widen_right:
            if end < n and ord(text[end]) in _B64_ANY:
                end += 1
            while end < n and text[end] == "=":
                end += 1
        out.append((start, end, form))
    return out
