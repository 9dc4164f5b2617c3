"""Build the case specs for a seed and record them all on one server.

Each kind of case draws from its own ``random.Random`` seeded with ``"<seed>-<kind>"``, so
changing the number of one kind does not reshuffle the others.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from openbao_server import OpenBaoClient

from policy_conformance import edge_cases, parse_cases, request_cases
from policy_conformance.cases import CapabilityCase, JsonObject, ParseCase, RequestCase
from policy_conformance.random_policies import random_case, tournament_case
from policy_conformance.recorder import (
    PolicyRejected,
    record_all,
    record_capability_case,
    record_parse_case,
    record_request_case,
)

NAMESPACED_SHARE = 0.05
TOURNAMENT_SHARE = 0.15


def capability_specs(seed: int, count: int, *, edges: bool = True) -> list[CapabilityCase]:
    """The hand-written cases (if ``edges``), then ``count`` random ones."""
    rng = random.Random(f"{seed}-capabilities")
    specs = edge_cases.all_edge_cases() if edges else []
    for index in range(count):
        roll = rng.random()
        case_id = f"rand-{seed}-{index:05d}"
        if roll < TOURNAMENT_SHARE:
            specs.append(tournament_case(rng, case_id))
        else:
            namespaced = roll > 1 - NAMESPACED_SHARE
            specs.append(random_case(rng, case_id, namespaced=namespaced))
    return specs


def parse_specs(seed: int, mutations: int, *, hand_written: bool = True) -> list[ParseCase]:
    rng = random.Random(f"{seed}-parse")
    specs = parse_cases.hand_written_cases() if hand_written else []
    return specs + parse_cases.mutation_cases(rng, mutations, f"mutation-{seed}")


def request_specs(seed: int, count: int, *, hand_written: bool = True) -> list[RequestCase]:
    rng = random.Random(f"{seed}-requests")
    specs = request_cases.hand_written_cases() if hand_written else []
    return specs + request_cases.random_cases(rng, count, f"req-rand-{seed}")


@dataclass
class Recorded:
    """The corpus records, plus what went wrong or surprised while recording."""

    capabilities: list[JsonObject] = field(default_factory=list)
    parse: list[JsonObject] = field(default_factory=list)
    requests: list[JsonObject] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    surprises: list[str] = field(default_factory=list)


def record_capabilities(
    client: OpenBaoClient, specs: list[CapabilityCase], out: Recorded, *, jobs: int
) -> None:
    for spec, result in zip(
        specs, record_all(record_capability_case, client, specs, jobs=jobs), strict=True
    ):
        if isinstance(result, PolicyRejected):
            out.rejected.append(str(result))
            continue
        out.capabilities.append(result)
        for path, expected in spec.expected.items():
            answer = result["probes"][path]
            if answer != expected:
                out.surprises.append(f"{spec.id}: {path!r} notes say {expected}, server {answer}")


def record_parses(client: OpenBaoClient, specs: list[ParseCase], out: Recorded) -> None:
    for result in record_all(record_parse_case, client, specs):
        if isinstance(result, PolicyRejected):  # parse cases record rejections instead
            raise result
        out.parse.append(result)


def record_requests(client: OpenBaoClient, specs: list[RequestCase], out: Recorded) -> None:
    for spec, result in zip(specs, record_all(record_request_case, client, specs), strict=True):
        if isinstance(result, PolicyRejected):
            out.rejected.append(str(result))
            continue
        out.requests.append(result)
        if spec.expected_allowed is not None and result["allowed"] != spec.expected_allowed:
            out.surprises.append(
                f"{spec.id}: notes say allowed={spec.expected_allowed}, "
                f"server answered HTTP {result['status']}"
            )
