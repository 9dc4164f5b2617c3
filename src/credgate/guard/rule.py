"""A detection rule: a literal-anchored prefilter for the engine, a precise validator for Python.

Each rule gives the engine (Hyperscan) one or more *anchors* — cheap expressions whose
matches mark where the rule could match — and a Python regular expression that confirms and
delimits the finding around an anchor. The validator runs only inside windows around anchor
hits (``before`` characters before the anchor's end, ``after`` characters after it), never
over the whole text, so the cost of Python's ``re`` is paid only where something looks
suspicious. A rule without anchors is searched over the whole text (slow; tests only).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from credgate.guard.findings import Finding

__all__ = ["Accept", "Rule", "SpanOf", "TypeOf", "rule"]

#: Extra check on a validator match; returns False to drop it (placeholder, example...).
Accept = Callable[[re.Match[str]], bool]
#: The finding type for a match, when it depends on the match (``postgres://`` or ``https://``).
TypeOf = Callable[[re.Match[str]], str]
#: The span of the credential inside a match, when no single group holds it.
SpanOf = Callable[[re.Match[str]], tuple[int, int]]

# How far a window grows when a match reaches its end (the match may continue past it).
_GROWTH = 4096


@dataclass(frozen=True)
class Rule:
    """One detector. ``pattern`` may name a group ``secret``: the finding is that group's span
    (the rest of the match is context such as ``password=``); otherwise the whole match."""

    name: str
    type: str
    pattern: re.Pattern[str]
    anchors: tuple[str, ...]
    before: int
    after: int
    priority: int = 50
    caseless_anchors: bool = False
    anchor_start: bool = False
    accept: Accept | None = None
    type_of: TypeOf | None = None
    span_of: SpanOf | None = None
    _has_secret_group: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_has_secret_group", "secret" in self.pattern.groupindex)

    def find_hits(self, text: str, hits: list[tuple[int, int]]) -> Iterator[Finding]:
        """Findings around anchor hits (``(start, end)``, in order of end).

        With ``anchor_start``, Hyperscan reports where each anchor match begins (its leftmost
        start) and the pattern, which begins where the anchor does, is matched there once.
        Otherwise the pattern is searched in the merged windows
        ``[end - before, end + after]``."""
        if self.anchor_start:
            seen: set[int] = set()
            for start, _ in hits:
                if start in seen:
                    continue
                seen.add(start)
                match = self.pattern.match(text, start)
                if match is not None and (self.accept is None or self.accept(match)):
                    finding = self._finding(match)
                    if finding is not None:
                        yield finding
            return
        n = len(text)
        lo, hi = -1, -1
        for _, end in hits:
            start, stop = max(0, end - self.before), min(n, end + self.after)
            if start <= hi:
                hi = max(hi, stop)
                continue
            if hi >= 0:
                yield from self.find(text, lo, hi)
            lo, hi = start, stop
        if hi >= 0:
            yield from self.find(text, lo, hi)

    def _finding(self, match: re.Match[str]) -> Finding | None:
        if self.span_of is not None:
            start, end = self.span_of(match)
        elif self._has_secret_group:
            start, end = match.span("secret")
        else:
            start, end = match.span()
        if start >= end:
            return None
        kind = self.type if self.type_of is None else self.type_of(match)
        return Finding(start, end, kind, self.name, self.priority)

    def find(self, text: str, lo: int, hi: int) -> Iterator[Finding]:
        """Findings of this rule whose match starts in ``text[lo:hi]``.

        A match that reaches ``hi`` may be cut short by the window: the window then grows
        and the search is repeated, so a long token is reported whole.
        """
        n = len(text)
        pos = lo
        while pos <= hi:
            match = self.pattern.search(text, pos, hi)
            if match is None:
                return
            if match.end() >= hi and hi < n:
                hi = min(n, hi + max(self.after, _GROWTH))
                continue
            if self.accept is None or self.accept(match):
                finding = self._finding(match)
                if finding is not None:
                    yield finding
                pos = max(match.end(), match.start() + 1)
            else:
                # A rejected match may hide a valid one starting inside it.
                pos = match.start() + 1


def rule(
    name: str,
    type: str,
    pattern: str,
    anchors: tuple[str, ...] | str,
    *,
    before: int,
    after: int,
    priority: int = 80,
    flags: int = 0,
    caseless_anchors: bool = False,
    accept: Accept | None = None,
    type_of: TypeOf | None = None,
    at_start: bool = True,
) -> Rule:
    """Shorthand used by the rule tables. ``at_start`` (the default) says the pattern begins
    where its anchors begin, so it is matched at each anchor's start instead of searched."""
    return Rule(
        name=name,
        type=type,
        pattern=re.compile(pattern, flags),
        anchors=(anchors,) if isinstance(anchors, str) else anchors,
        before=before,
        after=after,
        priority=priority,
        caseless_anchors=caseless_anchors,
        anchor_start=at_start,
        accept=accept,
        type_of=type_of,
    )
