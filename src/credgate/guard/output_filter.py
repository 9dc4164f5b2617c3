"""The output filter: finds credentials in text leaving credgate, and masks or blocks it.

    guard = OutputFilter(mode="mask")
    guard.add_known_value(issued_value)      # the broker registers what it hands out
    safe = guard.apply(tool_result)          # mask, block (raise) or report, per the mode

One filter per session: its known values are that session's issued values. The pattern
rules are shared by every filter and compiled once per process.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from credgate.errors import InvalidRequest, OutputBlocked
from credgate.guard.engine import EngineName, PatternScanner, default_engine
from credgate.guard.findings import Finding, mask_text, merge_findings
from credgate.guard.generic_rules import GENERIC_RULES
from credgate.guard.known_values import DEFAULT_MIN_LENGTH, KnownValues
from credgate.guard.provider_rules import CREDGATE_TOKEN_RULE, PROVIDER_RULES
from credgate.guard.rule import Rule

if TYPE_CHECKING:
    from credgate.guard.stream import StreamMasker

__all__ = ["DEFAULT_RULES", "MODES", "Mode", "OutputFilter", "blocked_error"]

Mode = Literal["mask", "block", "report"]
MODES: tuple[Mode, ...] = ("mask", "block", "report")

#: Every built-in rule: credgate tokens, provider formats, then format-free detectors.
DEFAULT_RULES: tuple[Rule, ...] = (CREDGATE_TOKEN_RULE, *PROVIDER_RULES, *GENERIC_RULES)

#: A stream always holds back at least this many characters (see :class:`StreamMasker`).
MIN_HOLDBACK = 256


@functools.lru_cache(maxsize=8)
def _shared_scanner(engine: EngineName) -> PatternScanner:
    return PatternScanner(DEFAULT_RULES, engine=engine)


def blocked_error(findings: Sequence[Finding]) -> OutputBlocked:
    """The error block mode raises: how many findings and of which types, never a value."""
    types = ", ".join(sorted({f.type for f in findings}))
    count = len(findings)
    noun = "credential" if count == 1 else "credentials"
    return OutputBlocked(f"output blocked: it contains {count} {noun} ({types})")


class OutputFilter:
    """Finds credentials in text: a session's known values, ``cg_`` tokens, provider formats,
    and credential-named assignments. Thread-safe.

    ``mode`` only decides what :meth:`apply` and streams do; :meth:`scan`, :meth:`mask` and
    :meth:`check` always do what their names say.
    """

    def __init__(
        self,
        known_values: Iterable[str] = (),
        *,
        mode: Mode = "mask",
        engine: EngineName | None = None,
        rules: Sequence[Rule] | None = None,
        min_known_length: int = DEFAULT_MIN_LENGTH,
    ) -> None:
        if mode not in MODES:
            raise InvalidRequest(
                f"unknown output filter mode {mode!r}", hint="use mask, block or report"
            )
        self.mode: Mode = mode
        chosen = engine or default_engine()
        self._scanner = (
            _shared_scanner(chosen) if rules is None else PatternScanner(rules, engine=chosen)
        )
        self._known = KnownValues(min_length=min_known_length)
        for value in known_values:
            self._known.add(value)

    def __repr__(self) -> str:
        return (
            f"OutputFilter(mode={self.mode!r}, engine={self._scanner.engine!r}, "
            f"rules={len(self._scanner.rules)}, known_values={len(self._known)})"
        )

    @property
    def engine(self) -> EngineName:
        return self._scanner.engine

    @property
    def known_value_count(self) -> int:
        return len(self._known)

    def add_known_value(self, value: str) -> bool:
        """Register a value issued to this session. Returns False when it is too short to be
        searched safely (``min_known_length``); such a value is not registered."""
        return self._known.add(value)

    @property
    def holdback(self) -> int:
        """How many trailing characters a stream keeps until it knows they are safe."""
        return max(MIN_HOLDBACK, self._known.longest_form)

    def raw_findings(self, text: str) -> list[Finding]:
        """Every detector's findings, unmerged (may overlap)."""
        return self._known.find(text) + self._scanner.scan(text)

    def scan(self, text: str) -> list[Finding]:
        """Findings in ``text``: sorted, non-overlapping (overlaps merged into one span)."""
        return merge_findings(self.raw_findings(text))

    def mask(self, text: str) -> str:
        """``text`` with every finding replaced by ``[REDACTED:<type>]``."""
        return mask_text(text, self.scan(text))

    def check(self, text: str) -> None:
        """Raise :class:`~credgate.errors.OutputBlocked` if ``text`` contains a credential."""
        findings = self.scan(text)
        if findings:
            raise blocked_error(findings)

    def apply(self, text: str) -> str:
        """What this filter's mode does to ``text``: masked text, ``text`` itself after a
        :meth:`check` (block), or ``text`` unchanged (report)."""
        if self.mode == "mask":
            return self.mask(text)
        if self.mode == "block":
            self.check(text)
        return text

    def stream(self) -> StreamMasker:
        """A :class:`StreamMasker` applying this filter (and its mode) to a chunked stream."""
        from credgate.guard.stream import StreamMasker

        return StreamMasker(self)
