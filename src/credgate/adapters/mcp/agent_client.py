"""The MCP server's connection to credgate: the SDK :class:`~credgate.sdk.Client`, one token,
one session id for the whole process.

:class:`SdkAgentClient` is what :class:`~credgate.adapters.mcp.tools.CredgateTools` talks to.
It adds three things to the SDK client: a reveal that carries the agent's justification (sent
as audited context) and an approval id; the brokered HTTP call; and switching to an elevated
token (a child of the agent's token) in the same session once an elevation is active.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from credgate.clock import Clock, SystemClock
from credgate.sdk import Client, IssuedToken
from credgate.sdk._core import Call

Data = dict[str, Any]


def broker_http_call(request: Data) -> Call[Data]:
    """``POST /v1/broker/http``: the answer's ``data`` (or the whole answer when it has none)."""

    def parse(body: Any) -> Data:
        if isinstance(body, dict) and isinstance(body.get("data"), dict):
            return dict(body["data"])
        return dict(body) if isinstance(body, dict) else {}

    return Call("POST", "broker/http", parse, json=request)


class SdkAgentClient:
    """The agent's credgate client for the MCP tools (thread-safe: tools run in threads)."""

    def __init__(self, client: Client, *, clock: Clock | None = None) -> None:
        self._base = client
        self._client = client
        self._elevated: Client | None = None
        self._elevated_until: float | None = None
        self._clock = clock if clock is not None else SystemClock()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SdkAgentClient(addr={self.addr!r}, session_id={self.session_id!r})"

    @property
    def current(self) -> Client:
        """The elevated client while its elevation lasts, else the agent's own."""
        with self._lock:
            until = self._elevated_until
            if self._client is not self._base and until is not None and self._clock.now() >= until:
                self._client = self._base  # the elevation ended by itself: back to the base token
            return self._client

    @property
    def addr(self) -> str:
        return self._base.addr

    @property
    def session_id(self) -> str:
        return self._base.session_id

    def close(self) -> None:
        with self._lock:
            if self._elevated is not None:
                self._elevated.close()
            self._base.close()

    # -- what the tools call ----------------------------------------------------------------
    def list_secrets(self, prefix: str = "", *, mount: str = "secret") -> list[str]:
        return self.current.list_secrets(prefix, mount=mount)

    def read_metadata(self, path: str, *, mount: str = "secret") -> Data:
        return self.current.read_metadata(path, mount=mount)

    def capabilities(self, paths: str | Sequence[str]) -> dict[str, list[str]]:
        return self.current.capabilities(paths)

    def read_approval(self, approval_id: str, *, wait: float | None = None) -> Data:
        return self.current.read_approval(approval_id, wait=wait)

    def read_elevation(self, elevation_id: str) -> Data:
        return self._base.read_elevation(elevation_id)

    def request_elevation(self, profile: str, *, justification: str, duration: int | str) -> Data:
        return self._base.request_elevation(profile, justification=justification, duration=duration)

    def activate_elevation(self, elevation_id: str) -> IssuedToken:
        return self._base.activate_elevation(elevation_id)

    def taint_session(
        self, session_id: str | None = None, *, reason: str, source: str = "api"
    ) -> Data:
        return self.current.taint_session(session_id, reason=reason, source=source)

    def read_field(
        self, path: str, field: str | None, *, justification: str, approval_id: str | None
    ) -> Any:
        client = self.current.with_context(reasoning=justification)
        if approval_id:
            client = client.with_approval(approval_id)
        if field is None:
            return dict(client.read_secret(path))
        return client.read_secret(path, field=field)

    def broker_http(self, request: Data, *, approval_id: str | None) -> Data:
        client = self.current
        if approval_id:
            client = client.with_approval(approval_id)
        # The SDK client has no broker method yet: send the call through its own plumbing
        # (same headers, session, trace and error translation as every other call).
        return client._send(broker_http_call(request))

    def use_elevated(self, issued: IssuedToken) -> None:
        """Send the next calls with ``issued`` (the elevated child token), same session."""
        elevated = Client(
            self._base.addr,
            issued.token,
            namespace=self._base.namespace,
            session_id=self._base.session_id,
        )
        with self._lock:
            previous, self._elevated, self._client = self._elevated, elevated, elevated
            self._elevated_until = issued.expires_at
        if previous is not None:
            previous.close()
