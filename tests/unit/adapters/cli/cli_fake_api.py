"""A scripted credgate API for CLI tests: the CLI's SDK client is pointed at a MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from credgate.adapters.cli import remote
from credgate.adapters.cli.main import cli
from credgate.sdk import Client

Handler = Callable[[httpx.Request], httpx.Response]
ENV_NAMES = ("CREDGATE_ADDR", "CREDGATE_TOKEN", "CREDGATE_NAMESPACE", "CREDGATE_SESSION")


def envelope(status: int, code: str, message: str, hint: str = "") -> httpx.Response:
    body = {"error": {"code": code, "message": message, "hint": hint}, "errors": [message]}
    return httpx.Response(status, json=body)


def ok(data: Any = None, status: int = 200) -> httpx.Response:
    if data is None:
        return httpx.Response(204)
    return httpx.Response(status, json={"data": data})


@dataclass
class FakeAPI:
    """Answers every request with ``handler`` and records it."""

    handler: Handler = field(default=lambda request: httpx.Response(204))
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make every CLI command talk to this fake; clear CREDGATE_* from the environment."""
        for name in ENV_NAMES:
            monkeypatch.delenv(name, raising=False)

        def make(addr: str | None, token: str | None, namespace: str | None) -> Client:
            transport = httpx.MockTransport(self)
            return Client(
                addr or "http://credgate.test", token, namespace=namespace, transport=transport
            )

        monkeypatch.setattr(remote, "make_client", make)

    def body(self, index: int = -1) -> Any:
        raw = self.requests[index].content
        return json.loads(raw) if raw else None

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


def run(*args: str, input_text: str | None = None, env: dict[str, str] | None = None) -> Result:
    """``credgate ARGS`` in-process, with a token unless the test passes its own."""
    full_env = {"CREDGATE_TOKEN": "cg_clitoken"} | (env or {})
    return CliRunner().invoke(cli, list(args), input=input_text, env=full_env)


def assert_one_line_error(result: Result, exit_code: int, fragment: str) -> None:
    """A failure a user caused: one ``error:`` line with a hint, the exit code, no traceback."""
    assert result.exit_code == exit_code, (result.output, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert fragment in lines[0]
    assert "(hint: " in lines[0]
    assert "Traceback" not in result.output + result.stderr
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
