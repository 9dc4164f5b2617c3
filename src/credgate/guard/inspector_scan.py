"""Run the inspector's lexical rules over a text, quickly.

Python's ``re`` tries every alternative at every position, which is slow for a few hundred
phrasings. So each rule names the literals its matches start with (``Rule.starts``); the
scanner finds them with ``str.find`` in the lowercased text and tries the rule's expression
*anchored* there (``pattern.match``), which costs about a microsecond a try. Rules whose
matches can start anywhere name literals found inside them (``Rule.anchors``) and are
searched in small windows around those. Verbs ("show", "send", "encode") are common words:
they are only searched near a credential, a prompt or a channel, the only places where the
combination rules use them.

``scan(text, windowed=False)`` runs every expression with ``finditer`` over the whole text;
a test checks the fast path finds every match the slow one does, on the corpora.
"""

from __future__ import annotations

import bisect
import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from credgate.guard.injection_instructions import INSTRUCTION_RULES
from credgate.guard.injection_rules import (
    CHANNEL,
    CRED,
    FLAGS,
    NEAR_TARGET_KINDS,
    PROMPT_TARGET,
    Hit,
    Rule,
)
from credgate.guard.injection_targets import TARGET_RULES

_ahocorasick: Any
try:  # pyahocorasick ships no type stubs: load it as an untyped module
    _ahocorasick = importlib.import_module("ahocorasick")
except ImportError:  # pragma: no cover - the str.find fallback is tested directly
    _ahocorasick = None

ALL_RULES: tuple[Rule, ...] = INSTRUCTION_RULES + TARGET_RULES
VERB_BEFORE = 120  # a verb pairs with a credential up to this far before it
VERB_AFTER = 80  # ...or this far after it ("the API key, base64-encoded")
CHANNEL_BEFORE = 220  # a "send" verb pairs with a channel up to this far before it
_BIG = 1 << 62
BEFORE_CHARS = 48  # how much text a rule's ``before`` expression sees


def _wordish(char: str) -> bool:
    return char.isalnum() or char == "_"


def _needs_boundary(literal: str) -> bool:
    """Latin, Greek and Cyrillic words start after a non-letter; CJK has no spaces."""
    first = literal[0]
    return (first.isalnum() or first == "_") and ord(first) < 0x0530


@dataclass(frozen=True, slots=True)
class _Compiled:
    rule: Rule
    pattern: re.Pattern[str]
    before: re.Pattern[str] | None


def windows(positions: list[int], radius: int, size: int) -> list[tuple[int, int]]:
    """Merge ``[p - radius, p + radius]`` around each position into disjoint windows."""
    out: list[tuple[int, int]] = []
    for pos in sorted(positions):
        start, end = max(0, pos - radius), min(size, pos + radius)
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


class LiteralIndex:
    """Every occurrence of a set of lowercase literals in a text.

    An Aho-Corasick automaton (``pyahocorasick``) finds all of them in one pass; without
    it, one ``str.find`` loop per literal gives the same answer, slower.
    """

    def __init__(self, literals: set[str], *, use_automaton: bool = True) -> None:
        self.literals = sorted(literals)
        self._automaton: Any = None
        if use_automaton and _ahocorasick is not None:
            automaton = _ahocorasick.Automaton()
            for literal in self.literals:
                automaton.add_word(literal, literal)
            automaton.make_automaton()
            self._automaton = automaton

    def find(self, lower: str, start: int = 0, end: int | None = None) -> list[tuple[int, str]]:
        """``(position, literal)`` for every occurrence inside ``lower[start:end]``."""
        stop = len(lower) if end is None else end
        if self._automaton is not None:
            return [
                (at - len(lit) + 1, lit) for at, lit in self._automaton.iter(lower, start, stop)
            ]
        out: list[tuple[int, str]] = []
        for literal in self.literals:
            at = lower.find(literal, start, stop)
            while at != -1:
                out.append((at, literal))
                at = lower.find(literal, at + 1, stop)
        return out


class RuleSet:
    """A set of rules prepared for fast scanning."""

    def __init__(self, rules: tuple[Rule, ...] = ALL_RULES, *, use_automaton: bool = True) -> None:
        self.rules = rules
        self._starts: dict[str, list[_Compiled]] = {}
        self._verbs: dict[str, list[_Compiled]] = {}
        self._anchors: dict[str, list[_Compiled]] = {}
        self._all: list[_Compiled] = []
        for rule in rules:
            before = re.compile(rule.before + r"\Z", FLAGS) if rule.before else None
            compiled = _Compiled(rule, re.compile(rule.pattern, FLAGS), before)
            self._all.append(compiled)
            if rule.starts:
                table = self._verbs if rule.kind in NEAR_TARGET_KINDS else self._starts
                for literal in rule.starts:
                    table.setdefault(literal, []).append(compiled)
            elif rule.anchors:
                for literal in rule.anchors:
                    self._anchors.setdefault(literal, []).append(compiled)
            else:
                raise ValueError(f"rule {rule.id} has neither starts nor anchors")
        literals = set(self._starts) | set(self._anchors)
        self._boundary = {
            literal: _needs_boundary(literal) and literal not in self._anchors
            for literal in literals | set(self._verbs)
        }
        self._index = LiteralIndex(literals, use_automaton=use_automaton)
        self._verb_index = LiteralIndex(set(self._verbs), use_automaton=use_automaton)

    def scan(self, text: str, *, windowed: bool = True) -> list[Hit]:
        """Every rule match in ``text`` (verbs only within reach of a target), in order."""
        lower = text.lower()
        if len(lower) != len(text):  # a few characters lowercase to two: offsets would drift
            windowed = False
        found: dict[tuple[str, int], Hit] = {}
        if windowed:
            anchored: dict[int, list[int]] = {}
            for at, literal in self._index.find(lower):
                for c in self._anchors.get(literal, ()):
                    anchored.setdefault(id(c), []).append(at)
                if self._boundary[literal] and at and _wordish(lower[at - 1]):
                    continue
                for c in self._starts.get(literal, ()):
                    m = c.pattern.match(text, at)
                    if m is not None:
                        _keep(found, c, text, at, m.end())
            self._scan_anchored(text, anchored, found)
        else:
            for c in self._all:
                if c.rule.kind not in NEAR_TARGET_KINDS:
                    for m in c.pattern.finditer(text):
                        _keep(found, c, text, m.start(), m.end())
        near = _near_targets(found.values(), len(text))
        if windowed:
            for start, end in near:
                for at, literal in self._verb_index.find(lower, start, min(len(text), end + 40)):
                    if at >= end or (self._boundary[literal] and at and _wordish(lower[at - 1])):
                        continue
                    for c in self._verbs[literal]:
                        m = c.pattern.match(text, at)
                        if m is not None:
                            _keep(found, c, text, at, m.end())
        else:
            for c in self._all:
                if c.rule.kind in NEAR_TARGET_KINDS:
                    for m in c.pattern.finditer(text):
                        if _inside(m.start(), near):
                            _keep(found, c, text, m.start(), m.end())
        return _drop_contained(sorted(found.values(), key=lambda h: (h.start, -h.end)))

    def _scan_anchored(
        self, text: str, anchored: dict[int, list[int]], found: dict[tuple[str, int], Hit]
    ) -> None:
        for c in self._all:
            positions = anchored.get(id(c))
            if positions:
                for start, end in windows(positions, c.rule.radius, len(text)):
                    for m in c.pattern.finditer(text, start, end):
                        _keep(found, c, text, m.start(), m.end())


def _near_targets(hits: Iterable[Hit], size: int) -> list[tuple[int, int]]:
    """Where a verb may stand to pair with a target: before (or just after) it."""
    spans = []
    for hit in hits:
        if hit.rule.kind in (CRED, PROMPT_TARGET):
            spans.append((max(0, hit.start - VERB_BEFORE), min(size, hit.end + VERB_AFTER)))
        elif hit.rule.kind == CHANNEL:
            spans.append((max(0, hit.start - CHANNEL_BEFORE), hit.start))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    i = bisect.bisect_right(spans, (pos, _BIG)) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


def _keep(found: dict[tuple[str, int], Hit], c: _Compiled, text: str, start: int, end: int) -> None:
    if end <= start or (c.rule.id, start) in found:
        return
    if c.before is not None:
        context = text[max(0, start - BEFORE_CHARS) : start]
        if start <= BEFORE_CHARS:
            context = "\n" + context
        if c.before.search(context) is None:
            return
    found[(c.rule.id, start)] = Hit(c.rule, start, end)


def _drop_contained(hits: list[Hit]) -> list[Hit]:
    """Drop a hit lying inside an earlier, longer hit of the same kind ("key" in "API key")."""
    out: list[Hit] = []
    reach: dict[str, int] = {}
    for hit in hits:
        if reach.get(hit.rule.kind, -1) >= hit.end:
            continue
        reach[hit.rule.kind] = max(reach.get(hit.rule.kind, -1), hit.end)
        out.append(hit)
    return out


DEFAULT_RULES = RuleSet()
