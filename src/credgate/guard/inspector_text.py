"""Text preparation for the input inspector: undo cheap obfuscation, map offsets back.

:func:`normalise` removes invisible format characters (zero-width spaces, bidi controls,
Unicode tags, soft hyphens), decodes HTML character references (``&#x27;``, ``&quot;``)
and JSON string escapes (``\\n``, ``\\u00e9``),
folds fullwidth ASCII to ASCII and, inside words that mix
Latin with Cyrillic or Greek letters, folds the look-alike letters to Latin. The rules then
run on the clean text and :meth:`Normalised.original_span` maps a match back to code point
offsets in the text the caller gave. Pure-ASCII input (the common case) is passed through.
"""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass, field

# Invisible characters: zero-width, joiners, word joiner and invisible operators, BOM,
# soft hyphen, Mongolian vowel separator, bidi embeddings/overrides/isolates, tags.
FORMAT_CHARS = (
    "[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]+"
)
_REPLACED = re.compile(
    f"(&(?:#[0-9]{{1,7}}|#[xX][0-9a-fA-F]{{1,6}}|[a-zA-Z]{{2,8}});)"
    r"|(\\(?:[nrt\"/]|u[0-9a-fA-F]{4}))"
    f"|{FORMAT_CHARS}"
)
_JSON_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "/": "/"}
FORMAT_RE = re.compile(FORMAT_CHARS)
_GREEK_CYRILLIC = re.compile("[\u0370-\u03ff\u0400-\u04ff]")
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_CONFUSABLE = str.maketrans(
    "аеорсхуіјѕԁһӏАВЕКМНОРСТХІЈЅԚԜ" + "αεικνορτυχΑΒΕΗΙΚΜΝΟΡΤΥΧΖ",
    "aeopcxyijsdhlABEKMHOPCTXIJSQW" + "aeiknoptuxABEHIKMNOPTYXZ",
)
_FULLWIDTH_RE = re.compile("[\uff01-\uff5e\u3000]")
_LETTERS = re.compile(r"[^\W\d_]+")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True, slots=True)
class Normalised:
    """The clean text and how to get back to the original offsets."""

    original: str
    clean: str
    removed: int = 0  # invisible characters dropped (entities decoded do not count)
    fullwidth: int = 0  # fullwidth characters folded
    mixed_words: tuple[tuple[int, int], ...] = ()  # clean spans of mixed-script words
    _clean_starts: list[int] = field(default_factory=list)
    _orig_starts: list[int] = field(default_factory=list)

    def original_index(self, clean_index: int) -> int:
        if not self._clean_starts:
            return clean_index
        i = bisect.bisect_right(self._clean_starts, clean_index) - 1
        return self._orig_starts[i] + (clean_index - self._clean_starts[i])

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the clean span ``[start, end)``, invisible characters inside
        it included."""
        if end <= start:
            at = self.original_index(start)
            return at, at
        return self.original_index(start), self.original_index(end - 1) + 1


def normalise(text: str) -> Normalised:
    if text.isascii() and "&" not in text and "\\" not in text:
        return Normalised(text, text)
    clean_starts, orig_starts = [0], [0]
    pieces: list[str] = []
    last = shift = removed = 0
    for match in _REPLACED.finditer(text):
        if match.group(1) is not None:  # an HTML entity: one character for several
            replacement = html.unescape(match.group())
            if len(replacement) != 1:
                continue
        elif match.group(2) is not None:  # a JSON string escape: tool output is often JSON
            escape = match.group(2)
            replacement = _JSON_ESCAPES.get(escape[1]) or chr(int(escape[2:], 16))
            if 0xD800 <= ord(replacement) <= 0xDFFF:
                continue
        else:
            replacement = ""
            removed += match.end() - match.start()
        pieces += (text[last : match.start()], replacement)
        shift += match.end() - match.start() - len(replacement)
        last = match.end()
        clean_starts.append(match.end() - shift)
        orig_starts.append(match.end())
    pieces.append(text[last:])
    clean = "".join(pieces) if shift else text
    fullwidth = 0
    if _FULLWIDTH_RE.search(clean):
        folded = clean.translate(_FULLWIDTH)
        fullwidth = sum(1 for a, b in zip(clean, folded, strict=True) if a != b)
    else:
        folded = clean
    clean, mixed = _fold_mixed_words(folded) if _GREEK_CYRILLIC.search(folded) else (folded, ())
    if not shift:
        clean_starts, orig_starts = [], []
    return Normalised(text, clean, removed, fullwidth, mixed, clean_starts, orig_starts)


def _fold_mixed_words(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Fold Cyrillic/Greek look-alikes to Latin inside words that also contain Latin."""
    spans: list[tuple[int, int]] = []
    pieces: list[str] = []
    last = seen = 0
    for hit in _GREEK_CYRILLIC.finditer(text):
        if hit.start() < seen:
            continue  # same word as the previous hit
        start = hit.start()
        while start > 0 and (text[start - 1].isalpha()):
            start -= 1
        word = _LETTERS.match(text, start)
        if word is None:
            continue
        end = word.end()
        if _LATIN.search(text, start, end) is not None:
            pieces += (text[last:start], text[start:end].translate(_CONFUSABLE))
            spans.append((start, end))
            last = end
        seen = end
    if not spans:
        return text, ()
    pieces.append(text[last:])
    return "".join(pieces), tuple(spans)
