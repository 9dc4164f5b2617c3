"""What the output filter reports, and how findings become masked text.

A :class:`Finding` names a span of the scanned text (Python ``str`` offsets, code points) and
what was found there. It never holds the matched text: a finding can be logged, audited and
returned over the API without carrying the secret it points at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Finding", "mask_text", "merge_findings", "redaction_marker"]


@dataclass(frozen=True, slots=True)
class Finding:
    """A credential found at ``text[start:end]``: its ``type`` (what it is) and ``rule``
    (which detector said so). Offsets are code points into the scanned ``str``."""

    start: int
    end: int
    type: str
    rule: str
    priority: int = 0

    def to_dict(self) -> dict[str, int | str]:
        """The JSON form used by ``credgate scan`` and the API: start, end, type, rule."""
        return {"start": self.start, "end": self.end, "type": self.type, "rule": self.rule}


def redaction_marker(kind: str) -> str:
    """The text that replaces a finding of type ``kind`` in masked output."""
    return f"[REDACTED:{kind}]"


def _precedence(finding: Finding) -> tuple[int, int, str]:
    # Most specific detector first, then the longest span; the rule name breaks ties so the
    # result does not depend on the order detectors ran in.
    return finding.priority, finding.end - finding.start, finding.rule


def merge_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Sorted, non-overlapping findings: overlapping ones become one span.

    The merged span covers every overlapping finding (masking the union is never less safe
    than masking either); it keeps the type and rule of the most specific detector (highest
    priority, then the longest span). Findings that merely touch stay separate.
    """
    ordered = sorted(findings, key=lambda f: (f.start, -f.end))
    merged: list[Finding] = []
    for finding in ordered:
        if merged and finding.start < merged[-1].end:
            last = merged[-1]
            best = max(last, finding, key=_precedence)
            merged[-1] = Finding(
                last.start, max(last.end, finding.end), best.type, best.rule, best.priority
            )
        else:
            merged.append(finding)
    return merged


def mask_text(
    text: str, findings: Iterable[Finding], *, start: int = 0, end: int | None = None
) -> str:
    """``text[start:end]`` with every finding replaced by its redaction marker.

    ``findings`` must be merged (sorted, non-overlapping). A finding that begins before
    ``start`` (already partly emitted by a stream) masks the part inside the range without a
    second marker; one that runs past ``end`` is masked whole, marker included.
    """
    stop = len(text) if end is None else end
    out: list[str] = []
    pos = start
    for finding in findings:
        if finding.end <= pos or finding.start >= stop:
            continue
        if finding.start >= pos:
            out.append(text[pos : finding.start])
            out.append(redaction_marker(finding.type))
        pos = finding.end
    if pos < stop:
        out.append(text[pos:stop])
    return "".join(out)
