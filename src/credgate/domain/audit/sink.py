"""The ports of the audit trail: sinks (file, SQL, in-memory) and checkpoint stores (the
database table, a second file); adapters in :mod:`credgate.adapters.audit`.

A sink receives the sealed record (a JSON-ready mapping with the chain fields) and either
stores it durably enough for its kind or raises. It never changes the record: every sink sees
the same bytes, so each can be verified on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from credgate.domain.audit.chain import Anchor, ChainState, Checkpoint


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


@runtime_checkable
class CheckpointStore(Protocol):
    """Where writers save their chain heads, so verify sees a cut or forged tail by itself.

    A store never moves a writer's checkpoint backwards: :meth:`write` of a lower ``seq`` (or
    of the same ``seq`` with another hash) than the stored one is refused (returns False).
    """

    @property
    def name(self) -> str:
        """A short label for reports and logs (``database``, ``file``)."""
        ...

    def read(self) -> list[Checkpoint]:
        """Every writer's checkpoint (raise when the store cannot be read)."""
        ...

    def write(self, anchor: Anchor, *, at: float) -> bool:
        """Save ``anchor`` as its writer's head as of ``at``; False when refused as a regression."""
        ...
