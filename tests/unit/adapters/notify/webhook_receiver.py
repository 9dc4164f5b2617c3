"""A real HTTP webhook receiver on 127.0.0.1 for the notifier tests (stdlib http.server)."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


def free_port() -> int:
    """A port nobody listens on right now (the receiver may start on it later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Receiver:
    """Records every POST; answers with ``status`` (or the next of ``script``).

    ``hold`` makes each request wait (the receiver is "slow") until the test sets it;
    ``entered`` is set when a request has arrived and is being held.
    """

    RESPONSE_BODY = b"receiver-private-body-CANARY-7f3a"

    def __init__(self, port: int | None = None) -> None:
        self.port = port if port is not None else free_port()
        self.status = 200
        self.script: list[int] = []
        self.requests: list[Received] = []
        self.hold: threading.Event | None = None
        self.entered = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/credgate?token=abc"

    def _next_status(self) -> int:
        with self._lock:
            return self.script.pop(0) if self.script else self.status

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append(Received(self.path, dict(self.headers), body))
                if receiver.hold is not None:
                    receiver.entered.set()
                    receiver.hold.wait(20)
                status = receiver._next_status()
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", f"http://127.0.0.1:{receiver.port}/elsewhere")
                self.send_header("Content-Length", str(len(receiver.RESPONSE_BODY)))
                self.end_headers()
                self.wfile.write(receiver.RESPONSE_BODY)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def bodies_for(self, delivery_id: str) -> list[bytes]:
        return [
            r.body for r in self.requests if r.headers.get("X-Credgate-Delivery") == delivery_id
        ]
