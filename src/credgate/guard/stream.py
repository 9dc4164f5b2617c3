"""Masking a stream chunk by chunk without ever emitting part of a secret.

A secret may arrive split over several chunks (``"ghp_ab"``, ``"cd..."``). The masker keeps
the unsafe tail of what it received and emits a character only when it can no longer become
part of a finding:

* the last :attr:`OutputFilter.holdback` characters are always held (the longest bounded
  pattern or registered value form fits in them);
* the trailing run of non-whitespace is held whole, however long (tokens, JWTs and encoded
  values contain no whitespace and may still be growing);
* no finding is cut: if one straddles the emission point, the point moves to its start
  (an unterminated PEM block keeps the point at its ``BEGIN`` line).

Already-emitted text is kept as context (``context`` characters) so that a finding whose
evidence came earlier (``password=`` then the value in the next chunk) is still recognised.
A stream that holds more than ``max_pending`` characters emits the oldest ones anyway, masking
whatever is detected so far, so memory stays bounded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from credgate.guard.findings import Finding, mask_text, merge_findings

if TYPE_CHECKING:
    from credgate.guard.output_filter import OutputFilter

__all__ = ["StreamMasker"]

_SPACES = " \t\n\r\f\v"
# Text is rescanned once this much more than the holdback is pending, not on every chunk.
_BATCH = 256


class StreamMasker:
    """``feed(chunk) -> str`` and ``close() -> str``: what is safe to pass on so far.

    In ``block`` mode a finding raises :class:`~credgate.errors.OutputBlocked` before any of
    it is emitted (and every later call raises too); in ``report`` mode text passes unchanged
    and :attr:`findings` lists what was seen. ``findings`` (stream offsets) is kept in every
    mode.
    """

    def __init__(
        self, output_filter: OutputFilter, *, context: int = 1024, max_pending: int = 1 << 16
    ) -> None:
        self._filter = output_filter
        self._context = context
        self._max_pending = max(max_pending, output_filter.holdback * 2)
        self._buf = ""
        self._emitted = 0  # _buf[:_emitted] was already passed on (kept as context)
        self._offset = 0  # stream position of _buf[0]
        self._scanned = 0  # len(_buf) at the last scan
        self._blocked: Finding | None = None
        self._closed = False
        self.findings: list[Finding] = []

    def __repr__(self) -> str:
        pending = len(self._buf) - self._emitted
        mode = self._filter.mode
        return f"StreamMasker(mode={mode!r}, pending={pending}, findings={len(self.findings)})"

    def feed(self, chunk: str) -> str:
        """Take the next chunk; return the text that is now known to be safe."""
        if self._closed:
            raise ValueError("feed() after close()")
        self._buf += chunk
        return self._emit(final=False)

    def close(self) -> str:
        """The end of the stream: return everything still held, masked."""
        if self._closed:
            return ""
        out = self._emit(final=True)
        self._closed = True
        return out

    def _cut(self, findings: list[Finding]) -> int:
        n = len(self._buf)
        # Start of the trailing run of non-whitespace (ASCII whitespace only: holding a run
        # that contains other spaces a little longer is safe). rfind keeps it linear.
        run_start = max(self._emitted, *(self._buf.rfind(c, self._emitted) + 1 for c in _SPACES))
        cut = min(n - self._filter.holdback, run_start)
        for finding in reversed(findings):
            if finding.start < cut < finding.end and finding.start >= self._emitted:
                cut = finding.start
        if n - self._emitted > self._max_pending:
            cut = max(cut, n - self._filter.holdback)
        return max(cut, self._emitted)

    def _emit(self, *, final: bool) -> str:
        if self._blocked is not None:
            from credgate.guard.output_filter import blocked_error

            raise blocked_error([self._blocked])
        pending = len(self._buf) - self._emitted
        if not final and (
            pending < self._filter.holdback + _BATCH
            or len(self._buf) - self._scanned < max(_BATCH, pending // 4)
        ):
            # Nothing could be emitted yet, or too little arrived since the last scan: do not
            # rescan for every small chunk (a long held run would make that quadratic).
            return ""
        self._scanned = len(self._buf)
        findings = merge_findings(self._filter.raw_findings(self._buf))
        fresh = [f for f in findings if f.end > self._emitted]
        if fresh and self._filter.mode == "block":
            self._blocked = fresh[0]
            self._record(fresh[:1])
            from credgate.guard.output_filter import blocked_error

            raise blocked_error(fresh)
        cut = len(self._buf) if final else self._cut(fresh)
        self._record([f for f in fresh if f.start < cut and f.start >= self._emitted])
        if self._filter.mode == "report":
            out = self._buf[self._emitted : cut]
        else:
            out = mask_text(self._buf, fresh, start=self._emitted, end=cut)
        self._emitted = cut
        self._trim()
        return out

    def _record(self, findings: list[Finding]) -> None:
        for f in findings:
            self.findings.append(
                Finding(f.start + self._offset, f.end + self._offset, f.type, f.rule, f.priority)
            )

    def _trim(self) -> None:
        """Drop context older than ``context`` characters, at a whitespace boundary if any."""
        start = self._emitted - self._context
        if start <= 0:
            return
        space = self._buf.rfind(" ", max(0, start - self._context), start)
        newline = self._buf.rfind("\n", max(0, start - self._context), start)
        boundary = max(space, newline)
        if boundary > 0:
            start = boundary
        self._buf = self._buf[start:]
        self._emitted -= start
        self._scanned -= start
        self._offset += start
