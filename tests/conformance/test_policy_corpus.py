"""credgate's policy engine gives the answer a real OpenBao 2.7.2 gave, for every recorded case.

The corpus in ``tests/conformance/policy/`` was recorded by ``policy/generate.py`` from a real
``bao server -dev``. Each file is one test; a failure lists the first disagreements and counts
them all, so one run shows the whole picture.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from policy_conformance.cases import JsonObject, read_jsonl
from policy_conformance.engine_check import (
    Comparison,
    check_capabilities,
    check_parse,
    check_requests,
)

CORPUS = Path(__file__).parent / "policy"
# A fixed "now" for expiration checks: after every past and before every future expiration
# the corpus uses (2000-01-01 and 2999-01-01), and independent of the machine's clock.
NOW = 1_795_000_000.0

CHECKS: dict[str, Callable[[list[JsonObject]], Comparison]] = {
    "capabilities": lambda records: check_capabilities(records, now=NOW),
    "parse": lambda records: check_parse(records, now=NOW),
    "requests": lambda records: check_requests(records, now=NOW),
}


def _records(kind: str) -> list[JsonObject]:
    return list(read_jsonl(CORPUS / f"{kind}.jsonl"))


@pytest.mark.parametrize("kind", sorted(CHECKS))
def test_engine_agrees_with_recorded_openbao_answers(kind: str) -> None:
    """A policy would grant or refuse something OpenBao decides differently."""
    records = _records(kind)
    comparison = CHECKS[kind](records)
    assert comparison.compared > 0
    if comparison.mismatches:
        pytest.fail(
            comparison.report(
                f"credgate disagrees with OpenBao on {CORPUS / kind}.jsonl "
                f"(ids explained in {CORPUS / 'README.md'}):"
            ),
            pytrace=False,
        )


def test_corpus_holds_every_hand_written_case_and_enough_random_ones() -> None:
    """A truncated or half-regenerated corpus would silently check much less."""
    capabilities = _records("capabilities")
    ids = {record["id"] for record in capabilities}
    for name in (
        "edge-exact-beats-glob-deny",
        "edge-empty-capabilities-shadow-glob",
        "edge-trailing-slash-nonexact-fallback",
        "edge-first-plus-char-even-if-literal",
        "edge-agent-multi-policy",
        "edge-namespace-ns1-policy-from-ns1-ns2",
        "edge-root-token-from-ns1",
    ):
        assert name in ids
    assert sum(1 for i in ids if i.startswith("rand-")) >= 2000
    assert sum(len(record["probes"]) for record in capabilities) >= 20000
    parse = _records("parse")
    assert len(parse) >= 200
    assert {True, False} <= {record["accepted"] for record in parse}
    requests = _records("requests")
    assert len(requests) >= 100
    assert {True, False} <= {record["allowed"] for record in requests}
