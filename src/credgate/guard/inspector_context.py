"""Is a phrase *used* or *mentioned*? Context that lowers the weight of a match.

An article about prompt injection quotes "ignore previous instructions"; a README shows a
payload inside a code block; a detector's docs list the phrases it flags. The words are the
same as in an attack, the intent is not. :class:`Context` gives each match a factor in
``(0, 1]`` from where it stands:

- inside a fenced code block, ``<pre>`` or ``<code>``: x0.3; inside inline code: x0.4;
- inside a short quotation (not a JSON value or an HTML attribute): x0.5;
- in a sentence that talks *about* attacks ("for example", "attackers", "such as",
  "payload", "OWASP"...): x0.4;
- in a document that is about prompt injection (two or more of "prompt injection",
  "jailbreak", "OWASP", "exfiltration", "attacker"...): x0.6.

This is the inspector's main lever against false positives and also its main blind spot: an
attacker can wrap a payload in the vocabulary of a security article. Hidden text is not
discounted for quotes or meta-discourse, only for code blocks.
"""

from __future__ import annotations

import bisect
import re

from credgate.guard.injection_vocab import META_WORDS
from credgate.guard.inspector_scan import LiteralIndex

CODE_BLOCK = 0.3
INLINE_CODE = 0.4
QUOTED = 0.5
META_SENTENCE = 0.4
META_DOCUMENT = 0.6
FLOOR = 0.08

_META = LiteralIndex(set(META_WORDS.split("|")))
# Every alternative starts with its quote character, so ``re`` can skip to candidates.
_QUOTES = re.compile(
    r"\"[^\"\n]{3,200}\"|“[^”\n]{3,200}”|«[^»\n]{3,200}»|„[^“”\n]{3,200}[“”]"
    r"|'(?<![\w']')[^'\n]{3,160}'(?![\w'])|‘[^’\n]{3,160}’"
)
# Sentence ends: punctuation before a space, a line break, an escaped line break, a block
# tag, the end of a JSON string. Written to start with a character class, which lets ``re``
# skip quickly over text that cannot match.
_SENTENCE_END = re.compile(
    r"[.!?。！？\n\\<\"](?:(?<=[.!?。！？])(?=\s|$)|(?<=\n)|(?<=\\)n|(?<=<)/?(?:p|br|li|div|h\d|tr"
    r"|td)\b|(?<=\")\s*[,}\]])",
    re.IGNORECASE,
)
_DOC_TERMS = (
    "prompt injection",
    "prompt-injection",
    "jailbreak",
    "owasp",
    "llm01",
    "red team",
    "red-team",
    "exfiltration",
    "mitigation",
    "attacker",
    "malicious",
    "adversarial",
    "injection de prompt",
    "prompt-injektion",
    "inyección de prompt",
)


class Context:
    """Damping factors for spans of one text (``lower`` is ``text.lower()``, same length)."""

    def __init__(self, text: str, lower: str) -> None:
        self.text = text
        self.lower = lower
        self._fences = _positions(text, "```") + _positions(text, "~~~")
        self._fences.sort()
        self._pre = _pairs(lower, "<pre", "</pre")
        self._code = _pairs(lower, "<code", "</code")
        self.about_attacks = sum(1 for term in _DOC_TERMS if term in lower) >= 2
        self._ends: list[int] | None = None
        self._cues: list[int] | None = None
        self._quotes: list[tuple[int, int]] | None = None
        self._factors: dict[tuple[int, int, bool], float] = {}

    def in_code_block(self, start: int) -> bool:
        if bisect.bisect_left(self._fences, start) % 2 == 1:
            return True
        return _open_at(self._pre, start) or _open_at(self._code, start)

    def factor(self, start: int, end: int, *, hidden: bool = False) -> float:
        """How much a match at ``[start, end)`` counts, from 1 (used) down to ``FLOOR``."""
        key = (start, end, hidden)
        cached = self._factors.get(key)
        if cached is None:
            cached = self._factors[key] = self._factor(start, end, hidden)
        return cached

    def _factor(self, start: int, end: int, hidden: bool) -> float:
        factor = 1.0
        if self.in_code_block(start):
            factor *= CODE_BLOCK
        elif self._in_inline_code(start):
            factor *= INLINE_CODE
        if not hidden:
            if self._quoted(start, end):
                factor *= QUOTED
            if self._meta_sentence(start, end):
                factor *= META_SENTENCE
            if self.about_attacks:
                factor *= META_DOCUMENT
        return max(FLOOR, factor)

    def _line(self, start: int) -> tuple[int, int]:
        line_start = self.text.rfind("\n", max(0, start - 600), start) + 1
        line_end = self.text.find("\n", start, start + 600)
        return (line_start or max(0, start - 600)), (
            line_end if line_end != -1 else min(len(self.text), start + 600)
        )

    def _in_inline_code(self, start: int) -> bool:
        line_start, _ = self._line(start)
        return self.text.count("`", line_start, start) % 2 == 1

    def _quoted(self, start: int, end: int) -> bool:
        if self._quotes is None:
            self._quotes = []
            for match in _QUOTES.finditer(self.text):
                before = self.text[max(0, match.start() - 3) : match.start()].rstrip()
                if not before.endswith((":", "=", "[", ",")):  # not a JSON value or attribute
                    self._quotes.append((match.start(), match.end()))
        i = bisect.bisect_left(self._quotes, (start, start)) - 1
        return i >= 0 and self._quotes[i][0] < start and end <= self._quotes[i][1]

    def _meta_sentence(self, start: int, end: int) -> bool:
        if self._ends is None:
            self._ends = [m.start() for m in _SENTENCE_END.finditer(self.text)]
        i = bisect.bisect_left(self._ends, start)
        sentence_start = self._ends[i - 1] + 1 if i else 0
        j = bisect.bisect_left(self._ends, end)
        sentence_end = self._ends[j] if j < len(self._ends) else len(self.text)
        sentence_start = max(sentence_start, start - 240)
        sentence_end = min(sentence_end, end + 240)
        if self._cues is None:
            self._cues = _meta_cues(self.lower)
        i = bisect.bisect_left(self._cues, sentence_start)
        return i < len(self._cues) and self._cues[i] < sentence_end


def _meta_cues(lower: str) -> list[int]:
    """Where a meta-discourse word starts (not inside a word, a domain or a path)."""
    out = []
    for at, word in _META.find(lower):
        before = lower[at - 1] if at else " "
        if before.isalnum() or before in "./@-_":
            continue
        end = at + len(word)
        while end < len(lower) and lower[end].isalnum() and end - at < 40:
            end += 1
        if lower[end : end + 1] in (".", "/", "-") and lower[end + 1 : end + 2].isalnum():
            continue  # part of a domain or a path: attacker.example, example.com/x
        out.append(at)
    out.sort()
    return out


def _positions(text: str, literal: str) -> list[int]:
    out = []
    at = text.find(literal)
    while at != -1:
        out.append(at)
        at = text.find(literal, at + len(literal))
    return out


def _pairs(lower: str, opening: str, closing: str) -> tuple[list[int], list[int]]:
    return _positions(lower, opening), _positions(lower, closing)


def _open_at(pairs: tuple[list[int], list[int]], at: int) -> bool:
    """True when the last ``opening`` before ``at`` comes after the last ``closing``."""
    opens, closes = pairs
    i = bisect.bisect_left(opens, at)
    if i == 0:
        return False
    j = bisect.bisect_left(closes, at)
    return j == 0 or closes[j - 1] < opens[i - 1]
