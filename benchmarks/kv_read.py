"""credgate vs OpenBao: an authenticated, policy-checked, audited KV v2 read, side by side.

Both servers run on loopback on this machine, in this run, with a file audit trail, and answer
``GET /v1/secret/data/bench/app`` for a non-root token whose policy grants ``read`` on
``secret/data/bench/*`` only. ``wrk`` (a separate process) loads one server at a time,
alternating A, B, A, B, ...; the medians go to ``benchmarks/RESULTS.md``.

Before loading, the harness checks that each server answers 200 with the right value for the
agent token and 403 for a path outside its policy (so the policy check is really on the
measured path); after each run it checks that the audit file grew by two lines (request and
response) for every completed request.

    .venv/bin/python benchmarks/kv_read.py [--duration 20] [--connections 16]

See benchmarks/README.md for the options and what "--pin" does.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import HTTPConnection
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
RESULTS = HERE / "RESULTS.md"
SECTION = "## KV v2 read: credgate vs OpenBao"
POLICY = 'path "secret/data/bench/*" {\n  capabilities = ["read"]\n}\n'
READ_PATH = "/v1/secret/data/bench/app"
FORBIDDEN_PATH = "/v1/secret/data/other/app"

# wrk sends the agent token from the environment (never on a command line) and prints one
# JSON line with its summary; latencies are in microseconds.
WRK_SCRIPT = """\
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d,'
    .. ' "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


class BenchError(Exception):
    """The benchmark cannot run, or a check failed; the message says which."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(
    port: int, method: str, path: str, token: str | None = None, body: Any = None
) -> tuple[int, Any]:
    conn = HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    return resp.status, (json.loads(raw) if raw.strip() else None)


def must(port: int, method: str, path: str, token: str, body: Any = None) -> Any:
    try:
        status, data = call(port, method, path, token, body)
    except OSError as exc:
        raise BenchError(f"{method} {path}: {exc!r}") from None
    if status >= 300:
        raise BenchError(f"{method} {path} -> {status}: {data}")
    return data


def line_count(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


@dataclass
class Server:
    """One server under test, started in its own process group."""

    name: str
    workdir: Path
    port: int
    taskset: list[str]
    proc: subprocess.Popen[bytes] | None = None
    agent_token: str = ""
    root_token: str = ""
    audit_file: Path = Path()
    value: str = ""
    verdict: str = ""  # credgate's risk verdict for the measured read, for the record

    def _spawn(self, argv: list[str]) -> None:
        log = (self.workdir / "server.log").open("wb")
        self.proc = subprocess.Popen(
            self.taskset + argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited; see {self.workdir / 'server.log'}")
            try:
                if call(self.port, "GET", "/v1/sys/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(f"{self.name} did not become healthy in {timeout:.0f}s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        pgid = self.proc.pid  # start_new_session: the server leads its own group
        os.killpg(pgid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.proc.wait(5)

    def configure(self, environment: str | None) -> None:
        """Policy, non-root token, the secret, and one secret outside the policy."""
        self.value = "bench-" + secrets.token_hex(12)
        root = self.root_token
        must(self.port, "PUT", "/v1/sys/policies/acl/bench-read", root, {"policy": POLICY})
        must(self.port, "POST", READ_PATH, root, {"data": {"password": self.value}})
        if environment:
            labels = {"custom_metadata": {"environment": environment}}
            must(self.port, "POST", READ_PATH.replace("/data/", "/metadata/", 1), root, labels)
        must(self.port, "POST", FORBIDDEN_PATH, root, {"data": {"password": "elsewhere"}})
        self.agent_token = self.issue_token()

    def start(self) -> None:
        raise NotImplementedError

    def issue_token(self) -> str:
        raise NotImplementedError

    def verify(self) -> None:
        """The measured request is the policy-checked path: 200 + value here, 403 outside."""
        status, data = call(self.port, "GET", READ_PATH, self.agent_token)
        if status != 200 or data["data"]["data"].get("password") != self.value:
            raise BenchError(f"{self.name}: GET {READ_PATH} -> {status}, not the stored value")
        risk = data.get("credgate") or {}
        if risk:
            self.verdict = f"{risk.get('verdict')} ({risk.get('risk')} risk)"
        status, _ = call(self.port, "GET", FORBIDDEN_PATH, self.agent_token)
        if status != 403:
            raise BenchError(f"{self.name}: GET {FORBIDDEN_PATH} -> {status}, expected 403")
        status, data = call(self.port, "GET", "/v1/auth/token/lookup-self", self.agent_token)
        policies = (data or {}).get("data", {}).get("policies", [])
        if status != 200 or "root" in policies or "bench-read" not in policies:
            raise BenchError(f"{self.name}: agent token lookup -> {status} {policies}")


class Credgate(Server):
    def start(self) -> None:
        data_dir = self.workdir / "data"
        env_bin = str(BIN / "credgate")
        init = subprocess.run(
            [env_bin, "init", "--data-dir", str(data_dir)], capture_output=True, check=False
        )
        if init.returncode != 0:
            raise BenchError("credgate init failed:\n" + init.stderr.decode()[-2000:])
        self.root_token = (data_dir / "operator.token").read_text().strip()
        self.audit_file = data_dir / "audit.log"
        self._spawn([env_bin, "serve", "--data-dir", str(data_dir), "--port", str(self.port)])

    def issue_token(self) -> str:
        body = {"owner": "bench@example.com", "policies": ["bench-read"]}
        must(self.port, "POST", "/v1/sys/agents/bench-agent", self.root_token, body)
        body = {"agent": "bench-agent", "ttl": "1h"}
        auth = must(self.port, "POST", "/v1/auth/token/create", self.root_token, body)
        return str(auth["auth"]["client_token"])


class OpenBao(Server):
    def start(self) -> None:
        self.audit_file = self.workdir / "audit.log"
        config = self.workdir / "bao.hcl"
        config.write_text(
            f'audit "file" "bench" {{\n  options {{\n    file_path = "{self.audit_file}"\n'
            "  }\n}\n"
        )
        self.root_token = "root-" + secrets.token_hex(12)
        argv = [str(BIN / "bao"), "server", "-dev", "-dev-no-store-token", "-config", str(config)]
        argv += [f"-dev-listen-address=127.0.0.1:{self.port}"]
        argv += [f"-dev-root-token-id={self.root_token}"]
        self._spawn(argv)

    def issue_token(self) -> str:
        body = {"policies": ["bench-read"], "ttl": "1h"}
        auth = must(self.port, "POST", "/v1/auth/token/create", self.root_token, body)
        return str(auth["auth"]["client_token"])


@dataclass(frozen=True)
class Run:
    server: str
    round: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    audit_lines: int
    server_cpu_us: float  # server CPU time per completed read (robust to background load)
    others_cpu: float  # share of the machine used by other processes during the run


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) used so far by a process and its live children
    (``credgate serve`` runs one worker process per CPU under a supervisor)."""
    tck = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tck
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - ticks[3] - ticks[4]) / hz, sum(ticks) / hz


def wrk(server: Server, args: argparse.Namespace, seconds: int, script: Path) -> dict[str, Any]:
    argv = [*args.wrk_taskset, "wrk", f"-t{args.threads}", f"-c{args.connections}"]
    argv += [f"-d{seconds}s", "--latency", "-s", str(script)]
    argv += [f"http://127.0.0.1:{server.port}{READ_PATH}"]
    env = dict(os.environ, BENCH_TOKEN=server.agent_token)
    out = subprocess.run(argv, capture_output=True, env=env, check=False, text=True)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            summary: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
            return summary
    raise BenchError(f"wrk gave no summary: {out.stdout[-1000:]} {out.stderr[-1000:]}")


def measure(server: Server, rnd: int, args: argparse.Namespace, script: Path) -> Run:
    if args.warmup:
        wrk(server, args, args.warmup, script)
    assert server.proc is not None
    before = line_count(server.audit_file)
    server0, (busy0, total0) = process_cpu(server.proc.pid), machine_cpu()
    wrk0 = os.times().children_user + os.times().children_system
    s = wrk(server, args, args.duration, script)
    wrk_cpu = os.times().children_user + os.times().children_system - wrk0
    server_cpu, (busy1, total1) = process_cpu(server.proc.pid) - server0, machine_cpu()
    others = max(0.0, (busy1 - busy0) - server_cpu - wrk_cpu) / max(total1 - total0, 1e-9)
    audited = line_count(server.audit_file) - before
    if s["non_2xx"] or s["socket_errors"]:
        raise BenchError(f"{server.name}: {s['non_2xx']} non-2xx, {s['socket_errors']} errors")
    if audited < 2 * s["requests"]:
        raise BenchError(f"{server.name}: {s['requests']} reads but {audited} audit lines")
    run = Run(
        server.name,
        rnd,
        s["requests"] / (s["duration_us"] / 1e6),
        s["p50_us"] / 1000,
        s["p99_us"] / 1000,
        s["requests"],
        audited,
        server_cpu * 1e6 / max(s["requests"], 1),
        others,
    )
    print(
        f"  round {rnd} {server.name:9s} {run.rps:8.0f} req/s  p50 {run.p50_ms:6.2f} ms  "
        f"p99 {run.p99_ms:6.2f} ms  ({run.requests} reads, {audited} audit lines; server "
        f"{run.server_cpu_us:.0f} us CPU/read; others used {100 * others:.0f}% of the machine)",
        flush=True,
    )
    return run


def machine(args: argparse.Namespace) -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("model name")),
        platform.processor() or "unknown",
    )
    mem_kb = int(
        next(
            ln.split()[1]
            for ln in Path("/proc/meminfo").read_text().splitlines()
            if ln.startswith("MemTotal")
        )
    )
    bao = subprocess.run([str(BIN / "bao"), "version"], capture_output=True, text=True, check=False)
    wrk_v = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    commit = subprocess.run(
        ["git", "-C", str(HERE), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()

    def ver(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    return [
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- CPU: {model}, {os.cpu_count()} cores; RAM {mem_kb / 1024 / 1024:.1f} GiB; "
        f"Linux {platform.release()}",
        f"- Python {platform.python_version()}; credgate {ver('credgate')} (git {commit}); "
        f"uvicorn {ver('uvicorn')}, uvloop {ver('uvloop')}, httptools {ver('httptools')}",
        f"- {bao.stdout.strip().split(' (')[0]} (dev server, in-memory storage, file audit "
        "device declared in its config file)",
        f"- Load generator: {(wrk_v.stdout or wrk_v.stderr).split(' [')[0]}, "
        f"`-t{args.threads} -c{args.connections} -d{args.duration}s`, "
        f"{args.warmup}s warm-up before every run; pinning: {args.pin_text}",
    ]


def heading(args: argparse.Namespace) -> str:
    """One section per configuration: the default, a labelled secret, pinned CPUs."""
    variants = []
    if args.environment:
        variants.append(f"secret labelled environment={args.environment}")
    if args.pin == "split":
        variants.append("pinned: server on CPU 0, wrk on CPU 1")
    return SECTION + (f" ({'; '.join(variants)})" if variants else "")


def record(runs: list[Run], args: argparse.Namespace, risk_verdict: str) -> str:
    med = {}
    for name in ("credgate", "OpenBao"):
        mine = [r for r in runs if r.server == name]
        med[name] = (
            statistics.median(r.rps for r in mine),
            statistics.median(r.p50_ms for r in mine),
            statistics.median(r.p99_ms for r in mine),
            statistics.median(r.server_cpu_us for r in mine),
        )
    ratio = med["credgate"][0] / med["OpenBao"][0]
    p99_ok = med["credgate"][2] <= med["OpenBao"][2]
    verdict = "met" if ratio >= 1.5 and p99_ok else "NOT met"
    lines = [
        heading(args),
        "",
        f"{GENERATED}; re-run it to update what follows (notes above this line are kept).",
        "",
    ]
    lines += [*machine(args), ""]
    lines += [
        "Workload: `GET /v1/secret/data/bench/app` with a non-root token whose only policy "
        "grants `read` on `secret/data/bench/*` (checked: 200 with the value, 403 outside the "
        "policy), every request audited to a file (checked: 2 lines per read). Medians of "
        f"{args.rounds} runs per server, alternating. Secret label: "
        f"{args.environment or 'none'}; credgate's risk verdict for this read: {risk_verdict}. "
        "Other processes used a median "
        f"{100 * statistics.median(r.others_cpu for r in runs):.0f}% of the machine during the "
        "runs (see every run below).",
        "",
        "| Server | Requests/s | p50 (ms) | p99 (ms) | Server CPU per read (us) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in ("credgate", "OpenBao"):
        rps, p50, p99, cpu = med[name]
        lines.append(f"| {name} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {cpu:.0f} |")
    lines += [
        "",
        f"**Ratio credgate / OpenBao: {ratio:.2f}x** throughput; p99 "
        f"{'no worse' if p99_ok else 'worse'} ({med['credgate'][2]:.2f} vs "
        f"{med['OpenBao'][2]:.2f} ms). Target (>= 1.5x, p99 no worse): **{verdict}**.",
        "",
        "<details><summary>Every run</summary>",
        "",
        "Server CPU/read: the server process's CPU time (all threads) divided by the reads it "
        "completed; it depends little on other load. Others: the share of the whole machine "
        "used by processes other than the server under test and wrk during the run (the "
        "machine may be shared; anything above a few % competed with the benchmark).",
        "",
        "| Round | Server | Requests/s | p50 (ms) | p99 (ms) | Reads | Audit lines "
        "| Server CPU/read (us) | Others |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r.round} | {r.server} | {r.rps:,.0f} | {r.p50_ms:.2f} | "
            f"{r.p99_ms:.2f} | {r.requests} | {r.audit_lines} | {r.server_cpu_us:.0f} "
            f"| {100 * r.others_cpu:.0f}% |"
        )
    lines += ["", "</details>", ""]
    return "\n".join(lines)


GENERATED = "Generated by `benchmarks/kv_read.py`"


def write_section(path: Path, section: str) -> None:
    """Replace (or append) our section; every other ``## `` section is kept as it is.

    Prose written by hand between the section's heading and its "Generated by" line is kept
    too, so notes on a configuration survive a re-run.
    """
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    parts: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.startswith("## "):
            parts.append([])
        parts[-1].append(line)
    head, *body = section.rstrip().splitlines()
    out: list[str] = []
    replaced = False
    for part in parts:
        if not part or part[0] != head:
            if any(line.strip() for line in part):
                out.append("\n".join(part).rstrip())
            continue
        cut = next((i for i, line in enumerate(part) if line.startswith(GENERATED)), len(part))
        notes = "\n".join(part[1:cut]).strip()
        generated = "\n".join(body).strip()
        out.append("\n\n".join(x for x in (head, notes, generated) if x))
        replaced = True
    if not replaced:
        out.append(section.rstrip())
    path.write_text("\n\n".join(out) + "\n")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the servers exactly as Ctrl-C does


@contextmanager
def servers(workdir: Path, args: argparse.Namespace) -> Iterator[list[Server]]:
    started: list[Server] = []
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        kinds: tuple[tuple[type[Server], str], ...] = ((Credgate, "credgate"), (OpenBao, "OpenBao"))
        for cls, name in kinds:
            sub = workdir / name.lower()
            sub.mkdir()
            server = cls(name, sub, free_port(), args.server_taskset)
            started.append(server)
            server.start()
            server.wait_ready()
            server.configure(args.environment)
            server.verify()
            print(f"{name}: ready on 127.0.0.1:{server.port}, checks passed", flush=True)
        yield started
    finally:
        for running in started:
            running.stop()
        signal.signal(signal.SIGTERM, previous)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--duration", type=int, default=20, help="seconds per measured run")
    p.add_argument("--connections", type=int, default=16, help="wrk connections")
    p.add_argument("--threads", type=int, default=1, help="wrk threads")
    p.add_argument("--rounds", type=int, default=3, help="A,B pairs (median is reported)")
    p.add_argument("--warmup", type=int, default=5, help="warm-up seconds before every run")
    p.add_argument(
        "--pin",
        choices=["none", "split"],
        default="none",
        help="split: server on CPU 0, wrk on CPU 1 (both servers alike)",
    )
    p.add_argument(
        "--environment",
        help="label the secret with this environment (custom_metadata) in both servers; "
        "credgate's risk tiers use it, OpenBao ignores it",
    )
    p.add_argument("--no-record", action="store_true", help="do not write RESULTS.md")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = p.parse_args()
    split = args.pin == "split"
    args.server_taskset = ["taskset", "-c", "0"] if split else []
    args.wrk_taskset = ["taskset", "-c", "1"] if split else []
    args.pin_text = (
        "server on CPU 0, wrk on CPU 1 (`taskset`)"
        if split
        else "none (servers and wrk share all cores, scheduled by Linux)"
    )
    return args


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        print(
            "wrk is not installed. On Debian/Ubuntu:\n  sudo apt-get update && "
            "sudo apt-get install -y wrk",
            file=sys.stderr,
        )
        return 2
    if args.pin == "split" and (shutil.which("taskset") is None or (os.cpu_count() or 1) < 2):
        print("--pin split needs taskset (util-linux) and two CPUs", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="credgate-bench-"))
    script = workdir / "auth.lua"
    script.write_text(WRK_SCRIPT)
    runs: list[Run] = []
    try:
        with servers(workdir, args) as (credgate, openbao):
            for rnd in range(1, args.rounds + 1):
                for server in (credgate, openbao):
                    runs.append(measure(server, rnd, args, script))
            risk_verdict = credgate.verdict or "none reported"
    except (BenchError, OSError) as exc:
        print(f"benchmark failed: {exc!r}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    section = record(runs, args, risk_verdict)
    print("\n" + section)
    if not args.no_record:
        write_section(RESULTS, section)
        print(f"recorded in {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
