"""The scanning engine: Hyperscan finds anchors in one pass, Python validates around them.

Stage one compiles every rule's anchors into one Hyperscan database and scans the text once,
whatever the number of rules; each match reports ``(rule, start, end)`` (the start is
Hyperscan's leftmost start of match, asked for only by rules whose pattern begins where their
anchor does). Stage two runs each rule's validator (Python ``re``) only there: matched at each
anchor start, or searched in the merged windows around the anchors' ends.

Hyperscan scans bytes and Python offsets count code points, so the text is first encoded
with exactly one byte per code point (:func:`to_scan_bytes`). Offsets then agree and no
mapping is needed; validators see the real text.

Engines: ``"hyperscan"`` (default when importable), ``"re"`` (same anchors, one Python
``re`` pass per anchor: the fallback where Hyperscan has no wheel), ``"exhaustive"`` (every
validator over the whole text: slow, the reference the others are tested against).
"""

from __future__ import annotations

import codecs
import importlib
import re
import threading
from collections.abc import Sequence
from typing import Any, Literal

from credgate.guard.findings import Finding
from credgate.guard.rule import Rule

__all__ = [
    "ENGINES",
    "EngineName",
    "PatternScanner",
    "default_engine",
    "hyperscan_available",
    "literal_anchor",
    "to_scan_bytes",
]

EngineName = Literal["hyperscan", "re", "exhaustive"]
ENGINES: tuple[EngineName, ...] = ("hyperscan", "re", "exhaustive")

_ERROR_HANDLER = "credgate.guard.one_byte_per_char"
# Code points above U+00FF become their low byte with the high bit set: still one byte each.
_HIGH_BIT = bytes(b | 0x80 for b in range(256))


def _one_byte_per_char(error: UnicodeError) -> tuple[bytes, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    run = error.object[error.start : error.end]
    return run.encode("utf-32-le", "surrogatepass")[::4].translate(_HIGH_BIT), error.end


codecs.register_error(_ERROR_HANDLER, _one_byte_per_char)


def to_scan_bytes(text: str) -> bytes:
    """``text`` as bytes with ``len(result) == len(text)``: ASCII and Latin-1 as themselves,
    any other code point as its low byte with the high bit set (never an ASCII byte)."""
    if text.isascii():
        return text.encode("ascii")
    return text.encode("latin-1", _ERROR_HANDLER)


def literal_anchor(word: str) -> str:
    """An anchor expression matching ``word`` in :func:`to_scan_bytes` form (escaped bytes),
    for keywords outside ASCII. A collision with other text only costs a validation."""
    return "".join(f"\\x{b:02x}" for b in to_scan_bytes(word))


def _load_hyperscan() -> Any:
    try:
        return importlib.import_module("hyperscan")
    except ImportError:  # pragma: no cover - hyperscan has wheels for Linux and macOS
        return None


_hs: Any = _load_hyperscan()


def hyperscan_available() -> bool:
    return _hs is not None


def default_engine() -> EngineName:
    return "hyperscan" if _hs is not None else "re"


class _HyperscanAnchors:
    """All anchors of all rules in one Hyperscan block-mode database."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        if _hs is None:  # pragma: no cover - checked by PatternScanner
            raise RuntimeError("the hyperscan engine needs the 'hyperscan' package")
        expressions: list[bytes] = []
        ids: list[int] = []
        flags: list[int] = []
        for index, item in enumerate(rules):
            for anchor in item.anchors:
                expressions.append(anchor.encode("ascii"))
                ids.append(index)
                flag = _hs.HS_FLAG_CASELESS if item.caseless_anchors else 0
                flags.append(flag | (_hs.HS_FLAG_SOM_LEFTMOST if item.anchor_start else 0))
        self._database: Any = _hs.Database(mode=_hs.HS_MODE_BLOCK)
        self._database.compile(
            expressions=expressions, ids=ids, elements=len(expressions), flags=flags
        )
        self._local = threading.local()

    def _scratch(self) -> Any:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = _hs.Scratch(self._database)
            self._local.scratch = scratch
        return scratch

    def hits(self, data: bytes) -> list[tuple[int, int, int]]:
        found: list[tuple[int, int, int]] = []
        append = found.append

        def on_match(rule_id: int, start: int, end: int, _flags: int, _context: object) -> None:
            append((rule_id, start, end))

        if data:
            self._database.scan(data, match_event_handler=on_match, scratch=self._scratch())
        return found


class _ReAnchors:
    """The same anchors with Python ``re``: one pass per anchor (the no-Hyperscan fallback)."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._patterns = [
            (
                index,
                re.compile(anchor.encode("ascii"), re.IGNORECASE if item.caseless_anchors else 0),
            )
            for index, item in enumerate(rules)
            for anchor in item.anchors
        ]

    def hits(self, data: bytes) -> list[tuple[int, int, int]]:
        return [
            (index, m.start(), m.end())
            for index, pattern in self._patterns
            for m in pattern.finditer(data)
        ]


def _by_end(hit: tuple[int, int]) -> int:
    return hit[1]


class PatternScanner:
    """Runs a fixed set of rules over text; thread-safe once built."""

    def __init__(self, rules: Sequence[Rule], *, engine: EngineName | None = None) -> None:
        self.rules = tuple(rules)
        self.engine: EngineName = engine or default_engine()
        if self.engine == "hyperscan":
            if _hs is None:
                raise RuntimeError("the hyperscan engine needs the 'hyperscan' package")
            self._anchors: _HyperscanAnchors | _ReAnchors | None = _HyperscanAnchors(self.rules)
        elif self.engine == "re":
            self._anchors = _ReAnchors(self.rules)
        elif self.engine == "exhaustive":
            self._anchors = None
        else:
            raise ValueError(f"unknown engine {self.engine!r}; use one of {', '.join(ENGINES)}")

    def scan(self, text: str) -> list[Finding]:
        """Every finding of every rule, unmerged (overlaps are resolved by the caller)."""
        n = len(text)
        findings: list[Finding] = []
        if self._anchors is None:
            for item in self.rules:
                findings.extend(item.find(text, 0, n))
            return findings
        per_rule: dict[int, list[tuple[int, int]]] = {}
        for index, start, end in self._anchors.hits(to_scan_bytes(text)):
            per_rule.setdefault(index, []).append((start, end))
        for index, hits in per_rule.items():
            hits.sort(key=_by_end)
            findings.extend(self.rules[index].find_hits(text, hits))
        return findings
