"""Input inspector: recall, false-positive rate and throughput, next to open baselines.

    .venv/bin/python benchmarks/inspect_bench.py [--rounds 3] [--baseline-python PATH] [--no-write]

Runs ``credgate.guard.inspector.inspect_text`` on the labelled corpus in
``tests/corpus/injection/`` (train = generated seed 1 + hand-written train; held-out =
generated seed 2 + hand-written held-out, never used to tune the rules), pinned to one core,
and reports recall, false-positive rate and MB/s (best of ``--rounds``), plus throughput on a
large benign text (about 3 MB of the CPython standard library's source) with and without
``pyahocorasick``.

Baselines run in their own virtualenv (they drag in dependencies credgate does not want):

    python3 -m venv .bench/inspect-baselines
    .bench/inspect-baselines/bin/pip install last_layer==0.1.33 'setuptools<81'
    .bench/inspect-baselines/bin/pip install --no-deps rebuff==0.1.1

- ``last_layer`` 0.1.33 (PyPI): a closed-source compiled library shipped in the wheel
  (heuristics, regular expressions and a small embedded classifier; no download). A text is
  flagged when ``scan_prompt(text).passed`` is false.
- ``rebuff`` 0.1.1 (PyPI): only its pure-Python heuristic
  (``rebuff/detect_pi_heuristics.py``, loaded directly; the rest of rebuff needs OpenAI and
  Pinecone). Flagged at its default threshold 0.75. It compares 1,760 generated phrases with
  every word window through ``difflib``: tens of seconds per document, so it is only timed on
  ``--rebuff-docs`` short documents, not scored.

Figures and a description of the machine go to ``benchmarks/RESULTS.md`` under
"## Input inspector" (other sections are left as they are).

The file is named after the command it measures; it removes its own directory from
``sys.path`` first so that it does not shadow the standard library's ``inspect`` module.
"""

from __future__ import annotations

import sys

if sys.path and sys.path[0].rstrip("/").endswith("benchmarks"):
    del sys.path[0]  # keep the benchmarks folder off the import path (stdlib names stay safe)

import argparse
import datetime
import glob
import json
import os
import platform
import subprocess
import sysconfig
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from credgate.guard import inspector_scan  # noqa: E402
from credgate.guard.inspector import inspect_text  # noqa: E402

CORPUS = ROOT / "tests" / "corpus" / "injection"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION = "## Input inspector"
SPLITS = {
    "train": ("generated_train", "handwritten_train"),
    "held-out": ("generated_heldout", "handwritten_heldout"),
}
DEFAULT_BASELINE_PYTHON = ROOT / ".bench" / "inspect-baselines" / "bin" / "python"

WORKER = r"""
import glob, json, os, sys, time, warnings
warnings.simplefilter("ignore")
name, limit = sys.argv[1], int(sys.argv[2])
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {int(sys.argv[3])})
docs = json.load(sys.stdin)
if name == "last_layer":
    from last_layer import scan_prompt
    flag = lambda text: not scan_prompt(text).passed
else:
    import importlib.util, site
    pattern = "/rebuff/detect_pi_heuristics.py"
    paths = [p for d in site.getsitepackages() for p in glob.glob(d + pattern)]
    spec = importlib.util.spec_from_file_location("rebuff_heuristics", paths[0])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    flag = lambda text: module.detect_prompt_injection_using_heuristic_on_input(text) > 0.75
docs = docs[:limit] if limit else docs
flag("warm-up")
start = time.perf_counter()
out = {d["id"]: bool(flag(d["text"])) for d in docs}
print(json.dumps({"flags": out, "seconds": time.perf_counter() - start}))
"""


def load(split: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for name in SPLITS[split]:
        lines = (CORPUS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        rows += [json.loads(line) for line in lines]
    return rows


def size_mb(docs: list[dict[str, object]]) -> float:
    return sum(len(str(d["text"]).encode("utf-8")) for d in docs) / 1e6


def quality(docs: list[dict[str, object]], flags: dict[str, bool]) -> tuple[str, str]:
    attacks = [d for d in docs if d["injection"]]
    benign = [d for d in docs if not d["injection"]]
    caught = sum(flags[str(d["id"])] for d in attacks)
    alarms = sum(flags[str(d["id"])] for d in benign)
    return (
        f"{caught / len(attacks):.3f} ({caught}/{len(attacks)})",
        f"{alarms / len(benign):.3f} ({alarms}/{len(benign)})",
    )


def run_credgate(docs: list[dict[str, object]], rounds: int) -> tuple[dict[str, bool], float]:
    best = float("inf")
    flags: dict[str, bool] = {}
    for _ in range(rounds):
        start = time.perf_counter()
        flags = {str(d["id"]): inspect_text(str(d["text"])).injection for d in docs}
        best = min(best, time.perf_counter() - start)
    return flags, best


def bulk_text() -> str:
    text = ""
    for path in sorted(glob.glob(sysconfig.get_paths()["stdlib"] + "/*.py")):
        text += Path(path).read_text(encoding="utf-8", errors="replace")
        if len(text) > 3_000_000:
            break
    return text


def throughput(text: str, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        inspect_text(text)
        best = min(best, time.perf_counter() - start)
    return len(text.encode("utf-8")) / 1e6 / best


def run_baseline(
    python: Path, name: str, docs: list[dict[str, object]], limit: int, cpu: int
) -> tuple[dict[str, bool], float] | None:
    payload = json.dumps([{"id": d["id"], "text": d["text"]} for d in docs])
    done = subprocess.run(
        [str(python), "-c", WORKER, name, str(limit), str(cpu)],
        input=payload,
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    if done.returncode != 0:
        print(f"{name}: failed: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    result = json.loads(done.stdout)
    return result["flags"], float(result["seconds"])


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{model}; {os.cpu_count()} logical cores; Python {platform.python_version()} "
        f"({platform.python_implementation()}) on {platform.system()} {platform.release()}"
    )


def write_section(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    start = text.find(SECTION + "\n")
    if start == -1:
        RESULTS.write_text(text.rstrip("\n") + "\n\n" + section, encoding="utf-8")
        return
    end = text.find("\n## ", start + len(SECTION))
    rest = text[end + 1 :] if end != -1 else ""
    RESULTS.write_text(text[:start] + section + ("\n" + rest if rest else ""), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (best reported)")
    parser.add_argument("--baseline-python", type=Path, default=DEFAULT_BASELINE_PYTHON)
    parser.add_argument("--rebuff-docs", type=int, default=3, help="short documents to time")
    parser.add_argument("--no-write", action="store_true", help="leave RESULTS.md alone")
    args = parser.parse_args()
    cpu = min(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    inspect_text("warm-up")
    rows = []
    baseline_rows = []
    for split in SPLITS:
        docs = load(split)
        flags, seconds = run_credgate(docs, args.rounds)
        recall, fpr = quality(docs, flags)
        mbps = size_mb(docs) / seconds
        rows.append(f"| credgate | {split} | {len(docs)} | {recall} | {fpr} | {mbps:.2f} |")
        print(rows[-1])
        if args.baseline_python.exists():
            got = run_baseline(args.baseline_python, "last_layer", docs, 0, cpu)
            if got is not None:
                recall, fpr = quality(docs, got[0])
                mbps = size_mb(docs) / got[1]
                row = (
                    f"| last_layer 0.1.33 | {split} | {len(docs)} | {recall} | {fpr} | {mbps:.2f} |"
                )
                baseline_rows.append(row)
                print(row)
    rebuff = "not run (no baseline virtualenv)"
    if args.baseline_python.exists() and args.rebuff_docs:
        short = sorted(load("held-out"), key=lambda d: len(str(d["text"])))[: args.rebuff_docs]
        got = run_baseline(args.baseline_python, "rebuff", short, 0, cpu)
        if got is not None:
            per_doc = got[1] / len(short)
            rebuff = (
                f"{per_doc:.1f} s per document on the {len(short)} shortest held-out documents "
                f"({size_mb(short) / got[1] * 1e3:.3f} kB/s)"
            )
        print("rebuff:", rebuff)
    text = bulk_text()
    bulk = throughput(text, args.rounds)
    fallback_rules = inspector_scan.RuleSet(use_automaton=False)
    original = inspector_scan.DEFAULT_RULES
    start = time.perf_counter()
    inspect_text(text, rules=fallback_rules)
    fallback = len(text.encode("utf-8")) / 1e6 / (time.perf_counter() - start)
    inspector_scan.DEFAULT_RULES = original
    print(f"bulk: {bulk:.2f} MB/s, stdlib-only literal search: {fallback:.2f} MB/s")
    section = render(rows + baseline_rows, rebuff, bulk, fallback, len(text), load_avg, args)
    if not args.no_write:
        write_section(section)
        print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


def render(
    rows: list[str],
    rebuff: str,
    bulk: float,
    fallback: float,
    bulk_chars: int,
    load_avg: float,
    args: argparse.Namespace,
) -> str:
    today = datetime.date.today().isoformat()
    return (
        f"{SECTION}\n\n"
        f"`benchmarks/inspect_bench.py`, {today}: the labelled corpus in `tests/corpus/injection/` "
        "(attacks hidden in web pages, emails, READMEs, code, tool output, PDF text, chat logs "
        "and issue comments in 9 languages, plus benign look-alikes); train = the split the "
        "rules were tuned on, held-out = phrasings and hand-written documents never used for "
        "tuning. One process pinned to one core; throughput is the best of "
        f"{args.rounds} rounds over the whole split (documents of 0.2-4 kB, so per-document "
        f"overhead counts). Load average at start: {load_avg:.2f}.\n\n"
        "| detector | split | documents | recall | false-positive rate | MB/s |\n"
        "|---|---|---:|---:|---:|---:|\n" + "\n".join(rows) + "\n\n"
        f"Large input: {bulk_chars / 1e6:.1f} MB of CPython standard-library source in one "
        f"call: **{bulk:.2f} MB/s** with `pyahocorasick`, {fallback:.2f} MB/s with the "
        "standard-library fallback (`str.find` per literal).\n\n"
        "Baselines (PyPI, no model download, run in their own virtualenv): `last_layer` "
        "0.1.33 is a closed-source compiled library (heuristics and a small embedded "
        "classifier), flagged when `scan_prompt(text).passed` is false; it also flags PII, "
        "profanity, mixed languages and code, so its false positives are partly by design. "
        f"`rebuff` 0.1.1's heuristic (its only part that runs without OpenAI/Pinecone): "
        f"{rebuff}; too slow to score the corpus. Model-based detectors (LLM Guard's "
        "DeBERTa, Prompt Guard) need a model download and are not compared.\n\n"
        f"Machine: {machine()}.\n"
    )


if __name__ == "__main__":
    sys.exit(main())
