"""Quality gate of the input inspector on its labelled corpus.

Measured when the gate was set (see benchmarks/RESULTS.md, "Input inspector"):

| split | documents | recall | false-positive rate |
|---|---:|---:|---:|
| train (generated seed 1 + hand-written) | 580 | 0.981 | 0.000 |
| held-out (generated seed 2 + hand-written) | 360 | 0.932 | 0.000 |

The held-out split uses phrasings and documents the rules were never tuned on. The gate is
those figures minus a small margin: a change that costs more than that is a regression.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from credgate.guard.inspector import inspect_text

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "injection"
SPLITS = {
    "train": ("generated_train", "handwritten_train"),
    "heldout": ("generated_heldout", "handwritten_heldout"),
}
GATES = {"train": (0.95, 0.02), "heldout": (0.90, 0.02)}  # minimum recall, maximum FPR


def _rows(split: str) -> list[dict[str, object]]:
    rows = []
    for name in SPLITS[split]:
        lines = (CORPUS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        rows += [json.loads(line) for line in lines]
    return rows


@pytest.mark.parametrize("split", sorted(SPLITS))
def test_recall_and_false_positive_rate_hold(split: str) -> None:
    """A rule change that misses more attacks or flags more benign text would go unnoticed."""
    rows = _rows(split)
    attacks = [r for r in rows if r["injection"]]
    benign = [r for r in rows if not r["injection"]]
    caught = sum(inspect_text(str(r["text"])).injection for r in attacks)
    false_alarms = [r["id"] for r in benign if inspect_text(str(r["text"])).injection]
    min_recall, max_fpr = GATES[split]
    assert caught / len(attacks) >= min_recall, f"recall {caught}/{len(attacks)}"
    assert len(false_alarms) / len(benign) <= max_fpr, false_alarms


def test_corpus_is_well_formed() -> None:
    """A malformed or mislabelled line would skew every figure computed from the corpus."""
    seen: set[str] = set()
    for split in SPLITS:
        rows = _rows(split)
        assert len(rows) >= 300
        assert {True, False} == {r["injection"] for r in rows}
        for row in rows:
            assert set(row) == {"id", "kind", "text", "injection", "technique"}
            assert isinstance(row["text"], str)
            assert row["text"]
            assert str(row["technique"]).startswith("benign:") != row["injection"]
            assert row["id"] not in seen
            seen.add(str(row["id"]))


def test_generated_corpus_is_reproducible() -> None:
    """The committed corpus must be exactly what the seeded generator writes."""
    done = subprocess.run(
        [sys.executable, str(CORPUS / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
