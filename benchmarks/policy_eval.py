"""Policy evaluation speed: the compiled ACL against a naive scan of every rule.

    .venv/bin/python benchmarks/policy_eval.py [--paths 100000] [--naive-paths 2000] [--no-write]

Builds 1,000 agent-style policies of 10 rules each (exact paths, ``*`` globs, ``+`` segment
wildcards, some denies), one ACL holding all of them, and 100,000 random request paths (about
a third built to match a rule, the rest not). It measures ``ACL.capabilities`` decisions per
second, and the same for a plain function that scans every rule with the same priority rules
(on fewer paths: it is slow); both run in this process, pinned to one core when the OS allows.
The two must agree on a sample of paths, or the run fails. The figures and the machine
description are written to ``benchmarks/RESULTS.md`` under "## Policy evaluation".
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from credgate.domain.policy import ACL, Policy, parse_policy
from credgate.domain.policy.rules import DENY, RuleKind, bits_to_names

SEED = 20260101
TEAMS = ["payments", "search", "ml", "infra", "growth", "data", "mobile", "web", "ops", "risk"]
APPS = ["api", "worker", "db", "cache", "etl", "agent", "bot", "ci", "cron", "gateway", "queue"]
ENVS = ["dev", "staging", "prod", "qa"]
MOUNTS = ["secret/data", "secret/metadata", "kv", "database/creds", "aws/creds", "pki/issue"]
CAPS = ["read", "list", "create", "update", "delete", "patch", "sudo", "scan"]


def _rule(rng: random.Random, agent: int) -> tuple[str, str]:
    team, app, env = rng.choice(TEAMS), rng.choice(APPS), rng.choice(ENVS)
    mount = rng.choice(MOUNTS)
    shape = rng.random()
    if shape < 0.30:
        path = f"{mount}/{env}/{team}/{app}-{agent}/config"
    elif shape < 0.60:
        path = f"{mount}/{env}/{team}/{app}-{agent}/*"
    elif shape < 0.70:
        path = f"{mount}/{env}/{team}/*"
    elif shape < 0.85:
        path = f"{mount}/+/{team}/{app}-{agent}/*"
    elif shape < 0.93:
        path = f"{mount}/{env}/+/{app}-{agent}"
    else:
        path = f"{mount}/{env}/{team}/{app}-{agent}*"
    caps = ["deny"] if rng.random() < 0.08 else rng.sample(CAPS, rng.randint(1, 3))
    return path, caps_hcl(caps)


def caps_hcl(caps: Sequence[str]) -> str:
    return "[" + ", ".join(f'"{c}"' for c in caps) + "]"


def make_policies(rng: random.Random, count: int, rules: int) -> list[Policy]:
    policies = []
    for agent in range(count):
        blocks = [
            f'path "{p}" {{\n  capabilities = {c}\n}}'
            for p, c in (_rule(rng, agent) for _ in range(rules))
        ]
        policies.append(parse_policy("\n".join(blocks), name=f"agent-{agent}"))
    return policies


def make_paths(rng: random.Random, policies: list[Policy], count: int) -> list[str]:
    patterns = [r.pattern for p in policies for r in p.rules]
    paths = []
    for _ in range(count):
        if rng.random() < 0.35:
            pattern = rng.choice(patterns)
            path = pattern.replace("+", rng.choice(ENVS + TEAMS)).rstrip("*")
            if pattern.endswith("*"):
                path += rng.choice(["", "x", "db/password", "sub/key"])
        else:
            mount = rng.choice([*MOUNTS, "sys", "auth/token", "cubbyhole"])
            depth = rng.randint(1, 4)
            segs = [rng.choice([*ENVS, *TEAMS, *APPS, "x", "y", "z"]) for _ in range(depth)]
            path = f"{mount}/" + "/".join(segs) + f"-{rng.randrange(5000)}"
        if rng.random() < 0.05:
            path += "/"
        paths.append(path)
    return paths


class NaiveACL:
    """Scans every (merged) rule for every path, with OpenBao's lookup order and priority."""

    def __init__(self, policies: list[Policy]) -> None:
        merged: dict[tuple[RuleKind, str], int] = {}
        for policy in policies:
            for rule in policy.rules:
                key = (rule.kind, rule.key)
                old = merged.get(key)
                if old is None:
                    merged[key] = rule.bits
                elif not old & DENY:
                    merged[key] = DENY if rule.bits & DENY else old | rule.bits
        self.exact = [(key, bits) for (kind, key), bits in merged.items() if kind is RuleKind.EXACT]
        self.prefix = [
            (key, bits) for (kind, key), bits in merged.items() if kind is RuleKind.PREFIX
        ]
        self.segment = []
        for (kind, key), bits in merged.items():
            if kind is RuleKind.SEGMENT:
                is_prefix = key.endswith("*")
                body = key[:-1] if is_prefix else key
                segs = body.split("/")
                rank = (
                    len(key[: key.index("+")].encode()),
                    0 if is_prefix else 1,
                    -segs.count("+"),
                    len(body.encode()),
                    body.encode(),
                )
                self.segment.append((segs, is_prefix, rank, bits))

    def _non_exact(self, path: str) -> int | None:
        best: tuple[tuple[int, int, int, int, bytes], int] | None = None
        longest: tuple[str, int] | None = None
        for key, bits in self.prefix:
            if path.startswith(key) and (longest is None or len(key) > len(longest[0])):
                longest = (key, bits)
        parts = path.split("/")
        for segs, is_prefix, rank, bits in self.segment:
            if len(parts) < len(segs) or (not is_prefix and len(parts) != len(segs)):
                continue
            last = len(segs) - 1
            for i, s in enumerate(segs):
                if s == "+" or s == parts[i]:
                    continue
                if is_prefix and i == last and parts[i].startswith(s):
                    continue
                break
            else:
                if best is None or rank > best[0]:
                    best = (rank, bits)
        if longest is not None:
            n = len(longest[0].encode())
            rank = (n, 0, 0, n, longest[0].encode())
            if best is None or rank > best[0]:
                best = (rank, longest[1])
        return None if best is None else best[1]

    def capabilities(self, path: str) -> list[str]:
        path = path.lstrip("/")
        for candidate in (path, path[:-1] if path.endswith("/") else None):
            if candidate is None:
                continue
            for key, bits in self.exact:
                if key == candidate:
                    return bits_to_names(bits)
        found = self._non_exact(path)
        if found is None and path.endswith("/"):
            found = self._non_exact(path[:-1])
        return bits_to_names(found or 0)


def rate(fn: object, paths: list[str]) -> float:
    call = fn  # a bound method
    start = time.perf_counter()
    for path in paths:
        call(path)  # type: ignore[operator]
    return len(paths) / (time.perf_counter() - start)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        text = Path("/proc/cpuinfo").read_text()
        found = re.search(r"model name\s*:\s*(.+)", text)
        if found:
            cpu = found.group(1).strip()
    except OSError:
        pass
    return (
        f"{cpu}; {os.cpu_count()} logical cores; Python {platform.python_version()} "
        f"({platform.python_implementation()}) on {platform.system()} {platform.release()}"
    )


def write_results(section: str) -> Path:
    results = Path(__file__).with_name("RESULTS.md")
    text = results.read_text() if results.exists() else "# Benchmark results\n"
    heading = "## Policy evaluation"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    results.write_text(text)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--rules", type=int, default=10)
    parser.add_argument("--paths", type=int, default=100_000)
    parser.add_argument("--naive-paths", type=int, default=2_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    pinned = "no"
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
        pinned = "core 0"
    rng = random.Random(SEED)
    policies = make_policies(rng, args.policies, args.rules)
    paths = make_paths(rng, policies, args.paths)
    start = time.perf_counter()
    acl = ACL(policies)
    compile_s = time.perf_counter() - start
    naive = NaiveACL(policies)
    sample = paths[: args.naive_paths]
    granted = sum(1 for p in sample if acl.capabilities(p) != ["deny"])
    for path in sample:
        assert acl.capabilities(path) == naive.capabilities(path), path
    compiled = max(rate(acl.capabilities, paths) for _ in range(3))
    scan = rate(naive.capabilities, sample)
    rules = sum(len(p.rules) for p in policies)
    rows = [
        ("compiled ACL (credgate)", f"{len(paths):,}", f"{compiled:,.0f}"),
        ("naive scan of every rule", f"{len(sample):,}", f"{scan:,.0f}"),
    ]
    table = "| engine | paths | decisions/s |\n|---|---:|---:|\n" + "".join(
        f"| {a} | {b} | {c} |\n" for a, b, c in rows
    )
    section = (
        "## Policy evaluation\n\n"
        f"`benchmarks/policy_eval.py`, {datetime.date.today().isoformat()}: "
        f"{args.policies:,} policies x {args.rules} rules ({rules:,} rules in one ACL, "
        f"compiled in {compile_s * 1000:.0f} ms), {len(paths):,} random paths "
        f"({granted * 100 // max(len(sample), 1)}% of the sampled paths get a capability), "
        f"`ACL.capabilities` per path, best of 3 runs, one process pinned to {pinned}. "
        "The naive engine scans every merged rule with the same priority rules; both gave "
        f"identical answers on {len(sample):,} paths.\n\n"
        f"{table}\n"
        f"Speed-up: **{compiled / scan:,.0f}x**. Target: >= 200,000 decisions/s and >= 20x.\n\n"
        f"Machine: {machine()}.\n"
    )
    print(table)
    print(f"speed-up {compiled / scan:,.0f}x; compile {compile_s * 1000:.0f} ms; pinned: {pinned}")
    if not args.no_write:
        print(f"written to {write_results(section)}")


if __name__ == "__main__":
    main()
