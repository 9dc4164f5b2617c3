"""Fresh random policy cases, asked of a real OpenBao and of credgate's engine in the same run.

The seed is today's date (``YYYYMMDD``) unless ``CREDGATE_CONFORMANCE_SEED`` is set, so every
day explores new cases while any failure can be replayed exactly: a failure message names the
seed and the ``generate.py`` command that records the same cases to a file.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable

import pytest
from openbao_server import OpenBaoClient
from policy_conformance import generation
from policy_conformance.engine_check import (
    Comparison,
    check_capabilities,
    check_parse,
    check_requests,
)
from policy_conformance.recorder import prepare_server

pytestmark = pytest.mark.openbao

CAPABILITY_CASES = 200
PARSE_MUTATIONS = 40
REQUESTS = 30
NOW = datetime.datetime.now(tz=datetime.UTC).timestamp()


def _seed() -> int:
    configured = os.environ.get("CREDGATE_CONFORMANCE_SEED")
    if configured:
        return int(configured)
    return int(datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%d"))


SEED = _seed()


@pytest.fixture(scope="module")
def live_records(openbao: tuple[str, str]) -> generation.Recorded:
    """Fresh cases for ``SEED``, recorded from the session's dev server."""
    address, root_token = openbao
    recorded = generation.Recorded()
    with OpenBaoClient(address, root_token) as client:
        prepare_server(client)
        generation.record_capabilities(
            client,
            generation.capability_specs(SEED, CAPABILITY_CASES, edges=False),
            recorded,
            jobs=2,
        )
        generation.record_parses(
            client, generation.parse_specs(SEED, PARSE_MUTATIONS, hand_written=False), recorded
        )
        generation.record_requests(
            client, generation.request_specs(SEED, REQUESTS, hand_written=False), recorded
        )
    return recorded


CHECKS: dict[str, Callable[[generation.Recorded], Comparison]] = {
    "capabilities": lambda r: check_capabilities(r.capabilities, now=NOW),
    "parse": lambda r: check_parse(r.parse, now=NOW),
    "requests": lambda r: check_requests(r.requests, now=NOW),
}


@pytest.mark.parametrize("kind", sorted(CHECKS))
def test_engine_agrees_with_live_openbao(live_records: generation.Recorded, kind: str) -> None:
    """A policy shape nobody wrote down yet is decided differently by credgate and OpenBao."""
    assert not live_records.rejected, "\n".join(live_records.rejected)
    comparison = CHECKS[kind](live_records)
    assert comparison.compared > 0
    if comparison.mismatches:
        pytest.fail(
            comparison.report(
                f"seed {SEED}: credgate disagrees with a live OpenBao. Replay with "
                f"CREDGATE_CONFORMANCE_SEED={SEED}, or record these cases with: "
                f".venv/bin/python tests/conformance/policy/generate.py --seed {SEED} "
                f"--cases {CAPABILITY_CASES} --mutations {PARSE_MUTATIONS} "
                f"--requests {REQUESTS} --out /tmp/credgate-corpus-{SEED}"
            ),
            pytrace=False,
        )
