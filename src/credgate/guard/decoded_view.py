"""A decoded view of a text: its escapes undone, with a map back to the original offsets.

A value can be smuggled out escaped in ways no list of encoded forms covers: every byte
percent-encoded (``%51%65...``), some bytes escaped and some not, upper- and lower-case hex
mixed, ``\\u0051`` JSON/JS escapes, HTML character references (``&#81;``, ``&#x51``,
``&quot;``), or one of these inside another (``%2551``). :func:`decoded_views` undoes them
structurally, so the known-value automaton can run over the decoded text and each match be
mapped back to the span of the original that encodes it.

What is decoded, in one pass (then again on the result, up to :data:`MAX_ROUNDS` rounds):

- ``%XX`` runs, both hex cases, as UTF-8 (a multi-byte character may be escaped in one run);
  bytes that are not valid UTF-8 stay as they are;
- JSON and JavaScript escapes: ``\\uXXXX`` (surrogate pairs joined), ``\\u{X...}``, ``\\xHH``,
  ``\\"``, ``\\\\``, ``\\/``, ``\\'``, ``\\b``, ``\\f``, ``\\n``, ``\\r``, ``\\t``, ``\\v``;
- HTML character references: ``&#NN`` and ``&#xHH`` with or without ``;``, and named
  references with ``;`` (``html.entities.html5``).

Cost: a text containing none of ``%``, ``\\`` and ``&`` has no view (no work beyond three
``in`` tests). Otherwise one regular expression per escape-starting character finds the
escapes (each starts with its literal character, so the search runs at C speed); only the
escapes found cost Python work, and given the characters a caller looks for (``wanted``, see
:class:`DecodedView`), only those that could be part of a match are decoded. The map is a list of
*segments*, each a run of decoded characters that stand for the same number of original
characters (``%51%65`` is one segment of two characters, three original characters each);
offsets between segments map one to one. Mapping an offset is a bisection.
"""

from __future__ import annotations

import functools
import heapq
import re
from bisect import bisect_right
from collections.abc import Iterator
from html.entities import html5

__all__ = ["MAX_ROUNDS", "DecodedView", "decoded_views", "might_escape"]

#: How many times escapes are undone (``%252551`` needs three rounds).
MAX_ROUNDS = 3
#: Characters that start every escape this module knows.
_STARTS = ("%", "\\", "&")
#: The longest escape (``&`` and a 32-character reference name with its ``;``).
_LONGEST_ESCAPE = 34

_SIMPLE = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "'": "'",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}
_ALL_SIMPLE = "".join(sorted(_SIMPLE))
# One pattern per escape-starting character: a pattern that starts with a literal is searched
# at C speed (one alternation of all three is several times slower). No match of one can
# contain another's first character, so their matches never overlap.
_PERCENT = re.compile(r"(?P<pct>%[0-9A-Fa-f]{2}(?:%[0-9A-Fa-f]{2})*)")
_REFERENCE = re.compile(
    r"&(?:\#(?:[xX](?P<hex>[0-9A-Fa-f]{1,6})|(?P<dec>[0-9]{1,7}));?"
    r"|(?P<name>[A-Za-z][A-Za-z0-9]{1,31});)"
)


@functools.lru_cache(maxsize=64)
def _backslash(simple: str) -> re.Pattern[str]:
    """JSON/JS escapes; of the one-character ones (``\\n``), only those in ``simple``."""
    pattern = (
        r"\\(?:"
        r"u(?P<hi>[Dd][89ABab][0-9A-Fa-f]{2})\\u(?P<lo>[Dd][C-Fc-f][0-9A-Fa-f]{2})"
        r"|u(?P<u4>[0-9A-Fa-f]{4})"
        r"|u\{(?P<ucp>[0-9A-Fa-f]{1,6})\}"
        r"|x(?P<x2>[0-9A-Fa-f]{2})"
        rf"|(?P<simple>[{re.escape(simple)}])"
        r")"
    )
    return re.compile(pattern)


def might_escape(text: str) -> bool:
    """Whether ``text`` contains a character that starts an escape (else it has no view)."""
    return any(c in text for c in _STARTS)


def _code_point(digits: str, base: int) -> str | None:
    point = int(digits, base)
    if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
        return None
    return chr(point)


def _utf8_chars(data: bytes) -> list[tuple[str, int]]:
    """``data`` decoded as UTF-8, one ``(character, bytes used)`` per piece; a byte that does
    not start a valid sequence is ``("", 1)``."""
    out: list[tuple[str, int]] = []
    i, n = 0, len(data)
    while i < n:
        lead = data[i]
        size = 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
        if 0x80 <= lead < 0xC2 or lead > 0xF4:
            size = 0  # a continuation byte, an overlong lead or beyond U+10FFFF
        if size:
            try:
                out.append((data[i : i + size].decode("utf-8"), size))
                i += size
                continue
            except UnicodeDecodeError:
                pass
        out.append(("", 1))
        i += 1
    return out


def _escapes(text: str, simple: str) -> Iterator[re.Match[str]]:
    """The escapes of ``text``, left to right (``simple``: see :func:`_backslash`)."""
    found = [
        pattern.finditer(text)
        for char, pattern in (("%", _PERCENT), ("\\", _backslash(simple)), ("&", _REFERENCE))
        if char in text
    ]
    if len(found) == 1:
        return found[0]
    return heapq.merge(*found, key=lambda match: match.start())


@functools.lru_cache(maxsize=64)
def _wanted(wanted: frozenset[str]) -> tuple[frozenset[str], str]:
    """``wanted`` with the escape-starting characters, and the characters after a backslash
    whose escape is wanted (computed once per set)."""
    full = wanted | frozenset(_STARTS)
    return full, "".join(sorted(k for k, v in _SIMPLE.items() if v in full))


def _decode(match: re.Match[str]) -> str | None:
    """The character a (non-``%``) escape stands for; None when it stands for none."""
    group = match.lastgroup
    if group == "lo":
        high, low = int(match["hi"], 16), int(match["lo"], 16)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    if group == "u4":
        return chr(int(match["u4"], 16))
    if group == "ucp":
        return _code_point(match["ucp"], 16)
    if group == "x2":
        return chr(int(match["x2"], 16))
    if group == "simple":
        return _SIMPLE[match["simple"]]
    if group == "hex":
        return _code_point(match["hex"], 16)
    if group == "dec":
        return _code_point(match["dec"], 10)
    decoded = html5.get(match["name"] + ";")
    return decoded if decoded is not None and len(decoded) == 1 else None


class DecodedView:
    """``text``: ``source`` with its escapes undone; :meth:`original` maps a span of it back.

    ``wanted``: when given, only escapes standing for one of these characters are decoded
    (the others stay as they are). A caller searching for strings made of known characters
    passes those: an escape for any other character cannot be inside a match, so decoding it
    would only cost time. The escape-starting characters are always decoded (for the next
    round).
    """

    __slots__ = ("_dend", "_dstart", "_oend", "_ostart", "_unit", "text")

    def __init__(self, source: str, wanted: frozenset[str] | None = None) -> None:
        pieces: list[str] = []
        dstart: list[int] = []
        ostart: list[int] = []
        unit: list[int] = []
        dend: list[int] = []
        oend: list[int] = []
        pos = 0  # next original offset not yet copied to ``pieces``
        dpos = 0  # decoded length so far
        simple = _ALL_SIMPLE
        if wanted is not None:
            wanted, simple = _wanted(wanted)

        def add(decoded: str, at: int, width: int) -> None:
            # One decoded character standing for ``width`` characters at ``at``; the source
            # up to ``at`` is already copied.
            nonlocal dpos, pos
            if dstart and oend[-1] == at and unit[-1] == width:
                dend[-1] += 1
                oend[-1] += width
            else:
                dstart.append(dpos)
                ostart.append(at)
                unit.append(width)
                dend.append(dpos + 1)
                oend.append(at + width)
            pieces.append(decoded)
            dpos += 1
            pos = at + width

        def copy_to(at: int) -> None:
            nonlocal dpos, pos
            if at > pos:
                pieces.append(source[pos:at])
                dpos += at - pos
                pos = at

        for match in _escapes(source, simple):
            start, end = match.span()
            if match.lastgroup == "pct":
                data = bytes.fromhex(source[start:end].replace("%", ""))
                at = start
                for char, used in _utf8_chars(data):
                    if char and (wanted is None or char in wanted):
                        copy_to(at)
                        add(char, at, 3 * used)
                    at += 3 * used  # not UTF-8, or not wanted: copied as it is
                continue
            decoded = _decode(match)
            if decoded is None or (wanted is not None and decoded not in wanted):
                continue  # copied with the next literal run
            copy_to(start)
            add(decoded, start, end - start)
        copy_to(len(source))
        self.text = "".join(pieces)
        self._dstart, self._ostart, self._unit = dstart, ostart, unit
        self._dend, self._oend = dend, oend

    def __repr__(self) -> str:
        return f"DecodedView({len(self.text)} characters, {len(self._dstart)} segments)"

    @property
    def changed(self) -> bool:
        """Whether anything was decoded (else the view is the source itself)."""
        return bool(self._dstart)

    def touches_escape(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` contains a decoded character (else the same text is in
        the source, at :meth:`original` of it, and a search of the source finds it)."""
        k = bisect_right(self._dend, start)
        return k < len(self._dstart) and self._dstart[k] < end

    def windows(self, margin: int) -> list[tuple[int, int]]:
        """Spans of :attr:`text` covering every decoded character and ``margin`` characters
        either side, overlapping ones joined: a match of at most ``margin`` characters that
        touches an escape lies inside one of them."""
        out: list[tuple[int, int]] = []
        size = len(self.text)
        for start, end in zip(self._dstart, self._dend, strict=True):
            low, high = max(0, start - margin), min(size, end + margin)
            if out and low <= out[-1][1]:
                out[-1] = (out[-1][0], high)
            else:
                out.append((low, high))
        return out

    def may_nest(self) -> bool:
        """Whether decoding :attr:`text` again could decode something new: an escape that
        was not there before must contain, or lie close to, a character decoded here."""
        text = self.text
        return any(might_escape(text[low:high]) for low, high in self.windows(_LONGEST_ESCAPE))

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the source that ``text[start:end]`` was decoded from (``end > start``)."""
        return self._offset(start, is_end=False), self._offset(end, is_end=True)

    def _offset(self, at: int, *, is_end: bool) -> int:
        probe = at - 1 if is_end else at
        i = bisect_right(self._dstart, probe) - 1
        if i < 0:
            return at
        if probe < self._dend[i]:
            return self._ostart[i] + (at - self._dstart[i]) * self._unit[i]
        return self._oend[i] + (at - self._dend[i])


def decoded_views(
    text: str, *, wanted: frozenset[str] | None = None, rounds: int = MAX_ROUNDS
) -> list[DecodedView]:
    """Up to ``rounds`` views of ``text``, each decoding the previous one (``wanted``: see
    :class:`DecodedView`). The list ends at a round that decodes nothing, or after which no
    escape can have formed anew (``[]`` for a text without escapes)."""
    views: list[DecodedView] = []
    current = text
    for _ in range(rounds):
        if not might_escape(current):
            break
        view = DecodedView(current, wanted)
        if not view.changed:
            break
        views.append(view)
        if not view.may_nest():
            break
        current = view.text
    return views
