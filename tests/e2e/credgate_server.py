"""A real credgate server for end-to-end tests, started the way a user starts it.

``credgate init --data-dir D`` then ``credgate serve --data-dir D --port P`` as subprocesses of
the installed console script, stdout and stderr captured to files, ready when
``/v1/sys/health`` answers, terminated on teardown.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

CREDGATE = Path(sys.executable).with_name("credgate")
START_TIMEOUT = 30.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The test's environment without any CREDGATE_* setting leaking in, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDGATE_")}
    env.update(extra or {})
    return env


def run_cli(
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    input_text: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run ``credgate ARGS`` and capture its output (never raises on a non-zero exit)."""
    return subprocess.run(
        [str(CREDGATE), *args],
        env=clean_env(env),
        cwd=cwd,
        input=input_text,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class Server:
    """A running ``credgate serve`` subprocess and where its data and output live."""

    addr: str
    token: str
    data_dir: Path
    stdout_path: Path
    stderr_path: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Server(addr={self.addr!r}, data_dir={self.data_dir!r})"

    def client(self, token: str | None = None) -> httpx.Client:
        """An HTTP client for the API, authenticated with ``token`` (the operator's by default)."""
        return httpx.Client(
            base_url=self.addr,
            timeout=30,
            headers={"Authorization": f"Bearer {token or self.token}"},
        )

    def output(self) -> str:
        """Everything the server printed so far (stdout then stderr)."""
        return self.stdout_path.read_text(errors="replace") + self.stderr_path.read_text(
            errors="replace"
        )

    def stop(self) -> int:
        """Terminate the server (SIGTERM, then SIGKILL after 15 s); return its exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        return self.process.returncode


def _wait_ready(addr: str, process: subprocess.Popen[bytes], stderr_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    last_error = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"credgate serve exited with {process.returncode}:\n"
                + stderr_path.read_text(errors="replace")[-3000:]
            )
        try:
            response = httpx.get(f"{addr}/v1/sys/health", timeout=2)
            if response.status_code == 200:
                return
            last_error = f"HTTP {response.status_code}"
        except httpx.TransportError as exc:
            last_error = type(exc).__name__
        time.sleep(0.1)  # polling a subprocess: no clock to inject
    raise RuntimeError(f"credgate serve did not become ready in {START_TIMEOUT}s ({last_error})")


@contextlib.contextmanager
def start_server(
    base: Path, *, env: Mapping[str, str] | None = None, config: str | None = None
) -> Iterator[Server]:
    """Initialise an instance in ``base/data`` and serve it on a free loopback port.

    ``config`` is written to ``base/data/credgate.toml`` before ``init``; ``env`` is added to
    the servers' environment (``CREDGATE_*`` from the test's own environment is dropped).
    """
    data_dir = base / "data"
    if config is not None:
        # Only then does the directory exist before `credgate init` (which creates it 0700).
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        (data_dir / "credgate.toml").write_text(config, encoding="utf-8")
    env = dict(env or {})
    init = run_cli("init", "--data-dir", str(data_dir), env=env, cwd=base)
    if init.returncode != 0:
        raise RuntimeError(f"credgate init failed ({init.returncode}):\n{init.stdout}{init.stderr}")
    token = (data_dir / "operator.token").read_text(encoding="utf-8").strip()
    for attempt in range(3):
        port = free_port()
        stdout_path = base / f"serve-{attempt}.stdout"
        stderr_path = base / f"serve-{attempt}.stderr"
        with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
            process = subprocess.Popen(
                [str(CREDGATE), "serve", "--data-dir", str(data_dir), "--port", str(port)],
                stdout=out,
                stderr=err,
                env=clean_env(env),
                cwd=base,
            )
        server = Server(
            f"http://127.0.0.1:{port}", token, data_dir, stdout_path, stderr_path, process, env
        )
        try:
            _wait_ready(server.addr, process, stderr_path)
        except RuntimeError:
            server.stop()
            # Another process may have taken the port between probe and bind: try another.
            if attempt == 2 or "address already in use" not in server.output().lower():
                raise
            continue
        try:
            yield server
        finally:
            server.stop()
        return
