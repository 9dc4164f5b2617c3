"""The port every audit sink implements (file, SQL, in-memory; adapters in
:mod:`credgate.adapters.audit`).

A sink receives the sealed record (a JSON-ready mapping with the chain fields) and either
stores it durably enough for its kind or raises. It never changes the record: every sink sees
the same bytes, so each can be verified on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from credgate.domain.audit.chain import ChainState


@runtime_checkable
class AuditSink(Protocol):
    """Where sealed audit records go."""

    @property
    def name(self) -> str:
        """A short label for logs and health checks (``file``, ``sql``, ``memory``)."""
        ...

    def write(self, sealed: Mapping[str, Any]) -> None:
        """Store one sealed record, or raise (any exception means: not stored)."""
        ...

    def close(self) -> None:
        """Release files and connections; writing after close raises."""
        ...


@runtime_checkable
class RecoverableAuditSink(AuditSink, Protocol):
    """A sink that can tell where a writer's chain stands (used when a broker starts)."""

    def recover(self, writer_id: str) -> ChainState:
        """The state after the last record of ``writer_id`` this sink holds (seq 0 if none)."""
        ...
