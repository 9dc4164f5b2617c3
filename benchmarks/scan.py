"""Output filter: credgate's scanner against Yelp's detect-secrets, same corpus, same run.

    .venv/bin/python benchmarks/scan.py [--rounds 3] [--cpu N] [--no-write]

Both tools scan every document of the labelled corpus (tests/corpus/secrets: the dev split
the rules were tuned on and the held-out split) one document at a time, in this process,
pinned to one core. detect-secrets runs as its CLI does (``SecretsCollection.scan_file``
under ``default_settings()``: every default plugin and filter) on one file per document,
named after the document's kind so its file-type handling applies; credgate runs
``OutputFilter.scan`` on the string. The script prints the figures and writes them, with a
description of the machine, under "## Output filter (scan)" in benchmarks/RESULTS.md.

Matching. A labelled secret counts as found when a finding overlaps it, or when the tool
reported the same secret text elsewhere in the same document (detect-secrets reports each
value once per file). A finding is a true positive when it overlaps a labelled secret.
Findings with the same span count once. detect-secrets reports a value and a line number;
its span is the first occurrence of the value on that line (else in the document, else the
whole line). Coverage is the share of labelled secret characters inside a finding: what
masking would actually hide.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The script's own directory comes first on sys.path; a sibling module named like a standard
# one (benchmarks/inspect.py) would shadow it. Import from src/ and the standard library only.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT / "src"))

from credgate.guard import OutputFilter  # noqa: E402

CORPUS = ROOT / "tests" / "corpus" / "secrets"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION = "## Output filter (scan)"
PIP_HINT = ".venv/bin/pip install 'detect-secrets==1.5.0'"
EXTENSIONS = {
    "python": ".py", "javascript": ".js", "typescript": ".ts", "go": ".go", "terraform": ".tf",
    "yaml": ".yaml", "dotenv": ".env", "json": ".json", "ini": ".ini", "properties": ".properties",
    "xml": ".xml", "sql": ".sql", "php": ".php", "ruby": ".rb", "java": ".java", "csharp": ".cs",
    "shell": ".sh", "markdown": ".md", "html": ".html", "kotlin": ".kt", "rust": ".rs",
    "powershell": ".ps1", "notebook": ".ipynb", "csv": ".csv", "pem": ".pem",
}  # fmt: skip
# First measurements of templates the scanner had never been tuned on (held-out split only,
# measured once before any change they prompted). See tests/corpus/secrets/README.md.
BLIND_MEASUREMENTS = [
    ("2026-11-25", "wave 2 (templates_more.py, then held-out only)", 0.9417, 0.9882),
    ("2026-11-25", "wave 3 (templates_heldout.py)", 0.9636, 1.0000),
]

Span = tuple[int, int]


def load(split: str) -> list[dict[str, Any]]:
    text = (CORPUS / f"{split}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def repository_text() -> list[dict[str, Any]]:
    """This repository's own Python and Markdown under src/ and docs/: ordinary text with
    few credentials, the shape of most agent output."""
    paths = sorted([*(ROOT / "src").rglob("*.py"), *(ROOT / "docs").rglob("*.md")])
    return [
        {"id": f"repo-{i:04d}", "kind": "python" if p.suffix == ".py" else "markdown",
         "text": p.read_text(encoding="utf-8"), "secrets": []}
        for i, p in enumerate(paths)
    ]  # fmt: skip


def credgate_spans(guard: OutputFilter, docs: list[dict[str, Any]]) -> list[list[Span]]:
    return [[(f.start, f.end) for f in guard.scan(d["text"])] for d in docs]


class DetectSecrets:
    """detect-secrets over one file per document, as ``detect-secrets scan`` would."""

    def __init__(self, docs: list[dict[str, Any]], tmp: Path) -> None:
        from detect_secrets.settings import default_settings

        self._settings = default_settings
        self.root = tmp
        self.names = []
        for doc in docs:
            name = doc["id"] + EXTENSIONS.get(doc["kind"], ".txt")
            (tmp / name).write_text(doc["text"], encoding="utf-8")
            self.names.append(name)

    def scan(self) -> list[list[Any]]:
        from detect_secrets import SecretsCollection

        with self._settings():
            collection = SecretsCollection(root=str(self.root))
            for name in self.names:
                collection.scan_file(name)
            return [
                sorted(collection.data.get(name, ()), key=lambda s: s.line_number)
                for name in self.names
            ]

    def spans(self, docs: list[dict[str, Any]]) -> list[list[Span]]:
        return [ds_spans(doc["text"], found) for doc, found in zip(docs, self.scan(), strict=True)]


def ds_spans(text: str, secrets: list[Any]) -> list[Span]:
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    spans = set()
    for secret in secrets:
        value = secret.secret_value or ""
        index = max(0, min(secret.line_number, len(lines)) - 1)
        line = lines[index] if lines else ""
        at = line.find(value) if value else -1
        if at >= 0:
            spans.add((starts[index] + at, starts[index] + at + len(value)))
        elif value and (anywhere := text.find(value)) >= 0:
            spans.add((anywhere, anywhere + len(value)))
        else:
            spans.add((starts[index], starts[index] + len(line.rstrip("\r\n"))))
    return sorted(spans)


def score(docs: list[dict[str, Any]], found: list[list[Span]]) -> dict[str, Any]:
    labels = true_pos = findings = covered = chars = 0
    hits: int = 0
    per_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for doc, spans in zip(docs, found, strict=True):
        text, unique = doc["text"], sorted(set(spans))
        reported = {text[a:b] for a, b in unique}
        findings += len(unique)
        for start, end in unique:
            true_pos += any(start < s["end"] and s["start"] < end for s in doc["secrets"])
        for s in doc["secrets"]:
            a, b = s["start"], s["end"]
            hit = any(x < b and a < y for x, y in unique) or text[a:b] in reported
            labels += 1
            hits += hit
            per_type[s["type"]][0] += 1
            per_type[s["type"]][1] += hit
            chars += b - a
            covered += sum(max(0, min(b, y) - max(a, x)) for x, y in unique)
    return {
        "labels": labels, "found": hits, "findings": findings, "true": true_pos,
        "recall": hits / labels, "precision": true_pos / findings if findings else 1.0,
        "coverage": covered / chars, "per_type": dict(per_type),
    }  # fmt: skip


def timed(fn: Any, min_seconds: float) -> float:
    """CPU seconds of this process per call of ``fn``, repeating it until ``min_seconds`` of
    CPU time have passed. CPU time, not wall time: on a shared machine other processes'
    load then changes the figures much less (the same clock is used for both tools)."""
    runs, start = 0, time.process_time()
    while True:
        fn()
        runs += 1
        elapsed = time.process_time() - start
        if elapsed >= min_seconds:
            return elapsed / runs


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    packages = ("hyperscan", "pyahocorasick", "detect-secrets")
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in packages)
    return (
        f"{model}; {os.cpu_count()} logical cores; Python {platform.python_version()} "
        f"({platform.python_implementation()}) on {platform.system()} {platform.release()}; "
        f"{versions}"
    )


def write_results(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    parts = text.split("\n## ")
    kept = [p for p in parts[1:] if not ("## " + p).startswith(SECTION)]
    body = parts[0].rstrip("\n") + "\n\n" + "".join("## " + p.rstrip("\n") + "\n\n" for p in kept)
    RESULTS.write_text(body + section, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (median reported)")
    parser.add_argument("--cpu", type=int, default=None, help="core to pin to (default: first)")
    parser.add_argument("--no-write", action="store_true", help="leave RESULTS.md alone")
    args = parser.parse_args()
    try:
        import detect_secrets  # noqa: F401
    except ImportError:
        print(f"detect-secrets is not installed; run:\n  {PIP_HINT}", file=sys.stderr)
        return 2
    if hasattr(os, "sched_setaffinity"):
        cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        print(f"pinned to CPU {cpu}")
    splits = {name: load(name) for name in ("dev", "heldout")}
    every = splits["dev"] + splits["heldout"]
    size = sum(len(d["text"].encode("utf-8")) for d in every)
    ordinary = repository_text()
    ordinary_size = sum(len(d["text"].encode("utf-8")) for d in ordinary)
    guard = OutputFilter()
    guard.scan("warm-up: compile the rules once")
    known = OutputFilter([f"issued-value-{i:04d}-{i * 7919 % 10007:05d}" for i in range(1000)])
    known.scan("warm-up")
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory(prefix="credgate-scan-bench-") as tmp:
        ds = {}
        for name, docs in [*splits.items(), ("repository", ordinary)]:
            (Path(tmp) / name).mkdir()
            ds[name] = DetectSecrets(docs, Path(tmp) / name)
        quality = {}
        for split, docs in splits.items():
            quality["credgate", split] = score(docs, credgate_spans(guard, docs))
            quality["detect-secrets", split] = score(docs, ds[split].spans(docs))
        times: dict[str, list[float]] = defaultdict(list)
        sizes = defaultdict(lambda: size)
        sizes["credgate, repository text"] = sizes["detect-secrets, repository text"] = (
            ordinary_size
        )
        for round_no in range(args.rounds):
            times["credgate"].append(timed(lambda: credgate_spans(guard, every), 2.0))
            times["credgate, 1,000 known values"].append(
                timed(lambda: credgate_spans(known, every), 2.0)
            )
            times["detect-secrets"].append(
                timed(lambda: [ds["dev"].scan(), ds["heldout"].scan()], 0.1)
            )
            times["credgate, repository text"].append(
                timed(lambda: credgate_spans(guard, ordinary), 2.0)
            )
            times["detect-secrets, repository text"].append(
                timed(lambda: ds["repository"].scan(), 0.1)
            )
            rates = ", ".join(f"{k} {sizes[k] / v[-1] / 1e6:.2f} MB/s" for k, v in times.items())
            print(f"round {round_no + 1}: {rates}")
    mbps = {tool: sizes[tool] / statistics.median(t) / 1e6 for tool, t in times.items()}
    ratio = mbps["credgate"] / mbps["detect-secrets"]
    extra = (len(ordinary), ordinary_size)
    section = render(quality, mbps, ratio, size, len(every), args.rounds, load_avg, extra)
    print("\n" + section)
    if not args.no_write:
        write_results(section)
        print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


def render(
    quality: dict[tuple[str, str], dict[str, Any]],
    mbps: dict[str, float],
    ratio: float,
    size: int,
    docs: int,
    rounds: int,
    load_avg: float,
    ordinary: tuple[int, int],
) -> str:
    today = datetime.date.today().isoformat()
    lines = [
        SECTION,
        "",
        f"`benchmarks/scan.py`, {today}: {docs} documents ({size / 1e6:.2f} MB) of the labelled "
        "corpus (tests/corpus/secrets), scanned one document at a time by both tools in one "
        f"process pinned to one core; throughput is bytes per CPU second of the process; median "
        f"of {rounds} rounds; load average {load_avg:.2f} at the start. Matching and corpus are "
        "described in the script's docstring and the corpus README.",
        "",
        "| workload | tool | throughput | speed-up |",
        "|---|---|---:|---:|",
    ]
    for tool, value in mbps.items():
        workload = "repository text" if "repository" in tool else "labelled corpus"
        name = tool.split(",")[0] + (", 1,000 known values" if "known" in tool else "")
        base = mbps["detect-secrets" + (", repository text" if "repository" in tool else "")]
        lines.append(f"| {workload} | {name} | {value:.2f} MB/s | {value / base:.1f}x |")
    lines += [
        "",
        f"Throughput ratio on the labelled corpus: **{ratio:.0f}x** detect-secrets "
        "(target >= 50x). "
        "The corpus is dense in credential-like keys (several candidate assignments per KB, each "
        "judged in Python); repository text is this repository's src/ and docs/ "
        f"({ordinary[0]} files, {ordinary[1] / 1e6:.2f} MB, no recall or precision: it is not "
        "labelled), closer to ordinary agent output.",
        "",
        "| split | tool | recall | precision | coverage | labelled | findings |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for (tool, split), q in sorted(quality.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        lines.append(
            f"| {split} | {tool} | {q['recall']:.4f} ({q['found']}/{q['labels']}) | "
            f"{q['precision']:.4f} ({q['true']}/{q['findings']}) | {q['coverage']:.4f} | "
            f"{q['labels']} | {q['findings']} |"
        )
    lines += ["", "Targets: recall >= 0.97 and precision >= 0.95.", ""]
    lines += [
        "Blind measurements (templates the scanner had never been tuned on, held-out split, "
        "first run, before any fix they prompted):",
        "",
        "| date | templates | recall | precision |",
        "|---|---|---:|---:|",
        *(f"| {d} | {what} | {r:.4f} | {p:.4f} |" for d, what, r, p in BLIND_MEASUREMENTS),
        "",
        "The current held-out figures above were measured after those fixes: the held-out split "
        "is no longer blind, and the dev and held-out splits share most templates. The blind "
        "rows are the better estimate for text of unfamiliar shapes.",
        "",
        "Recall per type, held-out split:",
        "",
        "| type | labelled | credgate | detect-secrets |",
        "|---|---:|---:|---:|",
    ]
    ours = quality["credgate", "heldout"]["per_type"]
    theirs = quality["detect-secrets", "heldout"]["per_type"]
    for kind in sorted(ours, key=lambda k: -ours[k][0]):
        total, hit = ours[kind]
        lines.append(f"| {kind} | {total} | {hit / total:.2f} | {theirs[kind][1] / total:.2f} |")
    lines += ["", f"Machine: {machine()}.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
