"""Hidden text: where a human reader would not see what an agent reads.

Three kinds of findings, all in code point offsets of the original text:

- :class:`HiddenRegion`: a span a browser or Markdown renderer does not show (HTML comments,
  elements hidden by CSS or attributes, scripts and templates, alt/title/meta attributes,
  Markdown comments). A region is not suspicious by itself (menus are hidden too); the
  scorer weighs the instructions found *inside* it.
- :class:`Signal`: invisible characters that are suspicious by themselves (zero-width
  characters outside emoji and scripts that need them, bidi controls outside right-to-left
  text, Unicode tag characters outside flag emoji).
- :class:`Decoded`: text recovered from an encoding (Unicode tags, base64, hex, letters
  spaced apart, rot13, zero-width binary); the rules run on it like on the text itself.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import codecs
import re
from dataclasses import dataclass

MAX_DECODED = 200  # decoded blobs inspected per text
MAX_BLOB_CHARS = 4096  # characters of one blob that are decoded
MAX_REGION = 100_000  # a hidden element longer than this is cut
UNCLOSED_REGION = 2_000  # how much of an element that is never closed counts as hidden
MAX_REGIONS = 5_000  # hidden elements followed per text
MAX_NESTING = 2_000  # open/close tags walked to match one element


@dataclass(frozen=True, slots=True)
class HiddenRegion:
    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Signal:
    id: str
    description: str
    start: int
    end: int
    weight: float


@dataclass(frozen=True, slots=True)
class Decoded:
    via: str
    text: str
    start: int
    end: int


REGION_NAMES = {
    "html_comment": "an HTML comment",
    "css_hidden": "an element hidden by CSS or the hidden attribute",
    "script": "a script or template element",
    "attribute": "an attribute (alt, title, meta content, data-)",
    "markdown_comment": "a Markdown comment",
}

_HIDING = re.compile(
    r"""style\s*=\s*(?:"[^"]{0,600}?|'[^']{0,600}?)(?:display\s*:\s*none|visibility\s*:\s*hidden"""
    r"|font-size\s*:\s*(?:0|[01](?:\.\d+)?px|0?\.\d+(?:em|rem))\s*(?:[;!\"']|px|pt|em|rem|%)"
    r"|opacity\s*:\s*0(?:\.0+)?\s*[;!\"']|color\s*:\s*(?:#fff(?:fff)?\b|#fefefe\b|white\b"
    r"|rgba?\(\s*25[45]\s*,\s*25[45]\s*,\s*25[45]\b)|(?:left|top|text-indent)\s*:\s*-\d{3,}"
    r"|clip\s*:\s*rect\(\s*0|height\s*:\s*0(?:px)?\s*;[^\"']{0,80}overflow\s*:\s*hidden)"
    r"|<font\b[^>]{0,100}color\s*=\s*[\"']?(?:#fff(?:fff)?\b|white\b)"
    r"|<[a-z][\w-]*\b[^<>]{0,300}?\s(?:hidden|aria-hidden\s*=\s*[\"']?true)(?=[\s>/\"'])"
)
_CSS_CLASS = re.compile(
    r"\.([\w-]{1,60})\s*\{[^}]{0,300}?(?:display\s*:\s*none|visibility\s*:\s*hidden"
    r"|font-size\s*:\s*0|opacity\s*:\s*0(?:\.0+)?\s*[;}]|(?:left|top|text-indent)\s*:\s*-\d{3,})"
)
_TAG_NAME = re.compile(r"<([a-z][\w-]*)")
_ATTRIBUTE = re.compile(
    r"""\s(?:alt|title|aria-label|content|placeholder|data-[\w-]+)\s*=\s*(?:"([^"<>]{16,4000})"|'([^'<>]{16,4000})')"""
)
_MD_COMMENT = re.compile(r"^\[(?://|comment|_)\]:\s*(?:#|<>)\s*[(\"'].*$", re.MULTILINE)
# Each starts with a character class and then looks back one character: ``re`` skips
# non-candidates fast and gives up at once in the middle of a word.
_B64 = "A-Za-z0-9+/_-"
_BASE64 = re.compile(f"[{_B64}](?<![{_B64}][{_B64}])[{_B64}]{{23,}}={{0,2}}")
_HEX = re.compile(r"[0-9a-fA-F](?<![0-9a-fA-F][0-9a-fA-F])[0-9a-fA-F]{31,}")
_SPACED = re.compile(r"[A-Za-z](?<![A-Za-z][A-Za-z])(?:[ ._*|'’-]{1,3}[A-Za-z](?![A-Za-z])){7,}")
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060-\u2064\ufeff\u180e]+")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_TAGS = re.compile("[\U000e0000-\U000e007f]+")
_CJK = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")
_PRINTABLE = re.compile(r"[\t\n\r\x20-\x7e\u00a0-\uffff]")


def hidden_regions(text: str, lower: str) -> list[HiddenRegion]:
    """Spans a renderer would not show, sorted by start (they may overlap). At most
    :data:`MAX_REGIONS` elements are followed."""
    regions: list[HiddenRegion] = []
    if "<" in text:
        regions += _comments(lower)
        tags = _TagIndex(lower)
        for match in _HIDING.finditer(lower):
            regions += tags.element(match.start(), "css_hidden")
        if "<style" in lower:
            for name in {m.group(1) for m in _CSS_CLASS.finditer(lower)}:
                pattern = re.compile(
                    r"class\s*=\s*[\"'][^\"']*(?<![\w-])" + re.escape(name) + r"(?![\w-])"
                )
                for match in pattern.finditer(lower):
                    regions += tags.element(match.start(), "css_hidden")
        for tag in ("<script", "<template", "<noscript"):
            at = lower.find(tag)
            while at != -1 and tags.budget > 0:
                regions += tags.element(at, "script")
                at = lower.find(tag, at + 1)
        for match in _ATTRIBUTE.finditer(text):
            group = 1 if match.group(1) is not None else 2
            regions.append(HiddenRegion("attribute", match.start(group), match.end(group)))
    if "]:" in text:
        regions += [
            HiddenRegion("markdown_comment", m.start(), m.end()) for m in _MD_COMMENT.finditer(text)
        ]
    regions.sort(key=lambda r: (r.start, r.end))
    return regions


def _comments(lower: str) -> list[HiddenRegion]:
    out = []
    at = lower.find("<!--")
    while at != -1:
        close = lower.find("-->", at + 4)
        end = len(lower) if close == -1 else close + 3
        out.append(HiddenRegion("html_comment", at, end))
        if close == -1:
            break
        at = lower.find("<!--", end)
    return out


class _TagIndex:
    """Where each tag opens and closes, found once per tag name, to match elements fast."""

    def __init__(self, lower: str) -> None:
        self.lower = lower
        self.budget = MAX_REGIONS
        self._opens: dict[str, list[int]] = {}
        self._closes: dict[str, list[int]] = {}

    def _positions(self, literal: str, table: dict[str, list[int]], tag: str) -> list[int]:
        if tag not in table:
            found, at = [], self.lower.find(literal)
            while at != -1:
                end = at + len(literal)
                if end >= len(self.lower) or not (
                    self.lower[end].isalnum() or self.lower[end] in "-_:"
                ):
                    found.append(at)
                at = self.lower.find(literal, at + 1)
            table[tag] = found
        return table[tag]

    def element(self, inside_tag: int, kind: str) -> list[HiddenRegion]:
        """The element whose opening tag contains ``inside_tag``, through its closing tag
        (nesting counted), cut at :data:`MAX_REGION`; :data:`UNCLOSED_REGION` characters of
        it when it is never closed."""
        if self.budget <= 0:
            return []
        lower = self.lower
        open_at = lower.rfind("<", 0, inside_tag + 1)
        name = _TAG_NAME.match(lower, open_at) if open_at != -1 else None
        tag_end = lower.find(">", inside_tag)
        if name is None or tag_end == -1:
            return []
        self.budget -= 1
        tag = name.group(1)
        opens = self._positions(f"<{tag}", self._opens, tag)
        closes = self._positions(f"</{tag}", self._closes, tag)
        i = bisect.bisect_right(opens, tag_end)
        j = bisect.bisect_right(closes, tag_end)
        limit = tag_end + MAX_REGION
        depth, steps = 1, 0
        while depth and j < len(closes) and closes[j] < limit and steps < MAX_NESTING:
            steps += 1
            if i < len(opens) and opens[i] < closes[j]:
                depth, i = depth + 1, i + 1
            else:
                depth, j = depth - 1, j + 1
        if depth == 0:
            return [HiddenRegion(kind, open_at, closes[j - 1])]
        if j >= len(closes):  # never closed: likely not HTML at all
            return [HiddenRegion(kind, open_at, min(len(lower), tag_end + 1 + UNCLOSED_REGION))]
        return [HiddenRegion(kind, open_at, min(len(lower), limit))]


def invisible_characters(text: str) -> tuple[list[Signal], list[Decoded]]:
    """Signals for invisible characters used to hide or split text, and what they encode."""
    if text.isascii():
        return [], []
    signals: list[Signal] = []
    decoded: list[Decoded] = []
    suspicious = [m for m in _ZERO_WIDTH.finditer(text) if not _benign_zero_width(text, m)]
    if suspicious:
        count = len(suspicious)
        weight = min(0.5, 0.15 + 0.07 * count)
        first = suspicious[0]
        signals.append(
            Signal(
                "hidden.zero_width",
                f"{count} run(s) of zero-width characters outside emoji or scripts that use them",
                first.start(),
                suspicious[-1].end(),
                weight,
            )
        )
        for match in suspicious:
            if match.end() - match.start() >= 16:
                bits = _zero_width_binary(match.group())
                if bits:
                    decoded.append(Decoded("zero_width_binary", bits, match.start(), match.end()))
    bidi = [m for m in _BIDI.finditer(text) if not _near_rtl(text, m.start())]
    if bidi:
        signals.append(
            Signal(
                "hidden.bidi_control",
                "bidirectional control characters outside right-to-left text (reordered display)",
                bidi[0].start(),
                bidi[-1].end(),
                0.3,
            )
        )
    for match in _TAGS.finditer(text):
        if _flag_emoji(text, match):
            continue
        hidden = "".join(
            chr(ord(c) - 0xE0000) for c in match.group() if 0xE0020 <= ord(c) < 0xE007F
        )
        if len(hidden.strip()) >= 3:
            signals.append(
                Signal(
                    "hidden.unicode_tags",
                    "invisible Unicode tag characters spell out hidden text",
                    match.start(),
                    match.end(),
                    0.55,
                )
            )
            decoded.append(Decoded("unicode_tags", hidden, match.start(), match.end()))
    return signals, decoded


def _benign_zero_width(text: str, match: re.Match[str]) -> bool:
    run = match.group()
    if run == "\ufeff" and match.start() == 0:
        return True  # byte order mark
    if set(run) <= {"\u200c", "\u200d"}:
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        return _joins(before) or _joins(after)
    return False


def _joins(char: str) -> bool:
    """Emoji, variation selectors and scripts where ZWJ/ZWNJ change the rendering."""
    if not char:
        return False
    cp = ord(char)
    return (
        cp >= 0x1F000
        or 0x2600 <= cp <= 0x27BF
        or 0xFE00 <= cp <= 0xFE0F
        or 0x0600 <= cp <= 0x06FF  # Arabic, Persian
        or 0x0900 <= cp <= 0x0DFF  # Indic scripts
        or 0x1000 <= cp <= 0x109F  # Myanmar
        or 0x1780 <= cp <= 0x17FF  # Khmer
    )


def _near_rtl(text: str, at: int) -> bool:
    window = text[max(0, at - 4) : at + 5]
    return any(0x0590 <= ord(c) <= 0x08FF or 0xFB1D <= ord(c) <= 0xFEFC for c in window)


def _flag_emoji(text: str, match: re.Match[str]) -> bool:
    """A subdivision flag: U+1F3F4, tag letters or digits, U+E007F cancel tag."""
    run = match.group()
    return (
        match.start() > 0
        and text[match.start() - 1] == "\U0001f3f4"
        and run.endswith("\U000e007f")
        and all(0xE0030 <= ord(c) <= 0xE007A for c in run[:-1])
    )


def _zero_width_binary(run: str) -> str:
    symbols = sorted(set(run))
    if len(symbols) != 2:
        return ""
    for zero, one in (symbols, symbols[::-1]):
        bits = "".join("0" if c == zero else "1" for c in run if c in (zero, one))
        chars = [chr(int(bits[i : i + 8], 2)) for i in range(0, len(bits) - 7, 8)]
        text = "".join(chars)
        if len(text) >= 4 and all(" " <= c <= "~" for c in text):
            return text
    return ""


def decode_blobs(text: str, lower: str) -> list[Decoded]:
    """Readable text hidden in base64 or hex blobs, letters spaced apart, or rot13."""
    out: list[Decoded] = []
    for match in _BASE64.finditer(text):
        blob = match.group()
        if not any(c.isdigit() or c in "+/" for c in blob) and len(blob) < 40:
            continue  # a long word or identifier, not base64
        readable = _readable(_b64(blob[:MAX_BLOB_CHARS]))
        if readable:
            out.append(Decoded("base64", readable, match.start(), match.end()))
        if len(out) >= MAX_DECODED:
            return out
    for match in _HEX.finditer(text):
        digits = match.group()[:MAX_BLOB_CHARS]
        readable = _readable(binascii.unhexlify(digits[: len(digits) & ~1]))
        if readable:
            out.append(Decoded("hex", readable, match.start(), match.end()))
    for match in _SPACED.finditer(text):
        words = re.split(r"[ ._*|'’-]{2,}", match.group())
        joined = " ".join(re.sub(r"[ ._*|'’-]", "", w) for w in words)
        out.append(Decoded("spaced_letters", joined, match.start(), match.end()))
    for marker in ("rot13", "rot-13", "rot 13"):
        at = lower.find(marker)
        while at != -1 and len(out) < MAX_DECODED:
            start = at + len(marker)
            region = text[start : start + 600]
            out.append(Decoded("rot13", codecs.encode(region, "rot13"), start, start + len(region)))
            at = lower.find(marker, start)
    return out


def _b64(blob: str) -> bytes:
    data = blob.rstrip("=").replace("-", "+").replace("_", "/")
    data = data[: len(data) - len(data) % 4] if len(data) % 4 == 1 else data
    try:
        return base64.b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return b""


def _readable(raw: bytes) -> str:
    """The bytes as text when they look like prose (printable, with spaces), else ''."""
    if len(raw) < 12:
        return ""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    printable = len(_PRINTABLE.findall(text))
    if printable < 0.9 * len(text):
        return ""
    if text.count(" ") < 2 and len(_CJK.findall(text)) < 4:
        return ""
    return text
