"""A scripted credgate for SDK tests: an ``httpx.MockTransport`` that records every request."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

Handler = Callable[[httpx.Request], httpx.Response]


def envelope(status: int, code: str, message: str, hint: str = "") -> httpx.Response:
    """The server's error answer."""
    body = {"error": {"code": code, "message": message, "hint": hint}, "errors": [message]}
    return httpx.Response(status, json=body)


def secret_answer(data: dict[str, Any], version: int = 1) -> httpx.Response:
    """``GET /v1/secret/data/...`` as the server answers it."""
    metadata = {"version": version, "created_time": 1.0, "custom_metadata": None}
    return httpx.Response(200, json={"data": {"data": data, "metadata": metadata}})


@dataclass
class FakeServer:
    """Answers with ``handler`` and keeps every request (with its decoded JSON body)."""

    handler: Handler = field(default=lambda request: httpx.Response(204))
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def body(self, index: int = -1) -> Any:
        raw = self.requests[index].content
        return json.loads(raw) if raw else None

    envelope = staticmethod(envelope)
    secret_answer = staticmethod(secret_answer)

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """SDK defaults come from the environment: start every test from a known one."""
    for name in (
        "CREDGATE_ADDR",
        "CREDGATE_TOKEN",
        "CREDGATE_NAMESPACE",
        "CREDGATE_SESSION",
        "TRACEPARENT",
    ):
        monkeypatch.delenv(name, raising=False)
