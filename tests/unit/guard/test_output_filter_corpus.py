"""Quality gate on the labelled corpus (tests/corpus/secrets), and engine agreement.

Matching, as in benchmarks/scan.py: a labelled secret is found when a finding overlaps it;
a finding is a true positive when it overlaps a labelled secret.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from credgate.guard import OutputFilter
from credgate.guard.engine import hyperscan_available

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "secrets"


@cache
def load(split: str) -> tuple[dict[str, Any], ...]:
    lines = (CORPUS / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines)


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score(guard: OutputFilter, docs: tuple[dict[str, Any], ...]) -> tuple[float, float]:
    found = labelled = true_findings = findings = 0
    for doc in docs:
        spans = [(f.start, f.end) for f in guard.scan(doc["text"])]
        labels = [(s["start"], s["end"]) for s in doc["secrets"]]
        labelled += len(labels)
        found += sum(any(overlaps(label, span) for span in spans) for label in labels)
        findings += len(spans)
        true_findings += sum(any(overlaps(span, label) for label in labels) for span in spans)
    return found / labelled, true_findings / findings


def test_held_out_split_meets_the_recall_and_precision_targets() -> None:
    """Below these, the filter lets leaked credentials through or masks too much ordinary text."""
    recall, precision = score(OutputFilter(), load("heldout"))
    assert recall >= 0.97, f"recall {recall:.4f}"
    assert precision >= 0.95, f"precision {precision:.4f}"


def test_dev_split_meets_the_targets_too() -> None:
    """The split the rules were tuned on; a drop here is a regression in a rule."""
    recall, precision = score(OutputFilter(), load("dev"))
    assert recall >= 0.97, f"recall {recall:.4f}"
    assert precision >= 0.95, f"precision {precision:.4f}"


@pytest.mark.skipif(not hyperscan_available(), reason="no hyperscan wheel")
def test_hyperscan_prefilter_finds_what_an_exhaustive_scan_finds() -> None:
    """Hyperscan only decides where to look: if an anchor or window were wrong, findings that
    the slow scan of every rule over the whole text makes would go missing."""
    fast, slow = OutputFilter(engine="hyperscan"), OutputFilter(engine="exhaustive")
    fallback = OutputFilter(engine="re")
    for doc in load("dev")[::3] + load("heldout")[::3]:
        expected = slow.scan(doc["text"])
        assert fast.scan(doc["text"]) == expected, doc["id"]
        assert fallback.scan(doc["text"]) == expected, doc["id"]


def test_corpus_files_are_what_the_generator_produces() -> None:
    """Hand-edited labels would make the figures in benchmarks/RESULTS.md unreproducible."""
    result = subprocess.run(
        [sys.executable, str(CORPUS / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_labels_cut_the_text_where_the_secrets_are() -> None:
    """A label shifted by one character would count a miss as a hit (or the reverse)."""
    for doc in load("dev") + load("heldout"):
        for label in doc["secrets"]:
            value = doc["text"][label["start"] : label["end"]]
            assert value == value.strip(), doc["id"]
            assert len(value) >= 4, doc["id"]
