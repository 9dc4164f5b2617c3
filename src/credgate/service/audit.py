"""The audit broker: seal every event into this writer's chain and fan it out to the sinks.

Fail closed: :meth:`AuditBroker.log` returns only once at least one sink holds the record; when
none does it raises :class:`credgate.errors.AuditUnavailable`, and the pipeline serves nothing.
A record that no sink accepted does not consume a sequence number, so the chain has no hole
where nothing was written. A sink that missed a record while another took it shows a gap
there when verified on its own: that is the truth about that sink.

Sealing and writing happen under one lock: records reach every sink in ``seq`` order.
Failures are logged to the ``credgate.audit`` logger with the sink name, writer, seq and
request id only, never the event's content (an exception message from a database driver can
quote the row, so only the exception's type is logged).

Records are sealed under the chain key derived from the audit HMAC key
(:class:`credgate.domain.audit.ChainKey`). :meth:`AuditBroker.checkpoint` saves the chain head
to the checkpoint stores (the database table, optionally a file); the HTTP server calls it
periodically and :meth:`AuditBroker.close` once more. A checkpoint that cannot be written is
logged and never fails a request. When the broker starts, its chain continues from the furthest
of its sinks *and* its checkpoints: a tail cut from the sinks while the server was stopped is
not papered over by new records with the same numbers, verify still reports it.

The readers (:func:`search`, :func:`session_timeline`, :func:`find_value`) live in
:mod:`credgate.service.audit_search` and are re-exported here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from credgate.clock import Clock
from credgate.domain.audit.chain import Anchor, ChainKey, ChainState, Checkpoint, seal
from credgate.domain.audit.event import (
    MIN_KEY_BYTES,
    AuditEvent,
    bound_context,
    hmac_mapping,
    hmac_value,
)
from credgate.domain.audit.sink import AuditSink, CheckpointStore, RecoverableAuditSink
from credgate.errors import AuditUnavailable, ConfigError
from credgate.service.audit_search import find_value, search, session_timeline

__all__ = ["AuditBroker", "find_value", "search", "session_timeline"]

logger = logging.getLogger("credgate.audit")


class AuditBroker:
    """Seal, write, fail closed. One broker per process and writer id."""

    def __init__(
        self,
        sinks: Sequence[AuditSink],
        *,
        writer_id: str,
        hmac_key: bytes,
        clock: Clock,
        context_max_bytes: int = 8192,
        checkpoints: Sequence[CheckpointStore] = (),
    ) -> None:
        if not sinks:
            raise ConfigError("the audit broker needs at least one sink")
        if not writer_id:
            raise ConfigError("the audit writer id must not be empty")
        if len(hmac_key) < MIN_KEY_BYTES:
            raise ConfigError(f"the audit HMAC key must be at least {MIN_KEY_BYTES} bytes")
        self._sinks = tuple(sinks)
        self._key = hmac_key
        self._chain_key = ChainKey.from_audit_key(hmac_key)
        self._clock = clock
        self._context_max_bytes = context_max_bytes
        self._lock = threading.Lock()
        self._checkpoints = tuple(checkpoints)
        self._checkpoint_lock = threading.Lock()
        self._checkpointed: ChainState | None = None  # the last head every store took
        self._state = self._recover(writer_id)

    @property
    def writer_id(self) -> str:
        return self._state.writer_id

    @property
    def state(self) -> ChainState:
        """Where this writer's chain stands (the last record some sink accepted)."""
        return self._state

    @property
    def hmac_key(self) -> bytes:
        """The audit HMAC key (for :func:`credgate.domain.audit.hmac_mapping`); never log it."""
        return self._key

    @property
    def chain_key(self) -> ChainKey:
        """The key the chain is sealed under (to verify it); never log it."""
        return self._chain_key

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def sinks(self) -> tuple[AuditSink, ...]:
        return self._sinks

    @property
    def checkpoint_stores(self) -> tuple[CheckpointStore, ...]:
        return self._checkpoints

    def _recover(self, writer_id: str) -> ChainState:
        """Continue the chain from the sink that is furthest ahead (the primary on a tie).

        Starting from a sink that missed the last records would make the others receive a
        sequence number twice; starting from the furthest one only leaves a gap in the sink
        that really missed records.
        """
        best = ChainState(writer_id)
        for sink in self._sinks:
            if not isinstance(sink, RecoverableAuditSink):
                continue
            try:
                state = sink.recover(writer_id)
            except Exception as exc:
                logger.error(
                    "audit sink %s: cannot recover writer %s (%s)",
                    sink.name,
                    writer_id,
                    type(exc).__name__,
                )
                raise AuditUnavailable(
                    f"audit sink {sink.name} cannot be read to continue the chain of {writer_id}"
                ) from None
            if state.seq > best.seq:
                if best.seq:
                    logger.warning(
                        "audit sink %s is ahead of the primary for writer %s (seq %d > %d)",
                        sink.name,
                        writer_id,
                        state.seq,
                        best.seq,
                    )
                best = state
        return self._recover_checkpoint(best)

    def _recover_checkpoint(self, best: ChainState) -> ChainState:
        """Never restart behind a checkpoint: the sinks may have lost (or been cut) records."""
        writer_id = best.writer_id
        for store in self._checkpoints:
            try:
                found = [c for c in store.read() if c.writer == writer_id]
            except Exception as exc:
                logger.error(
                    "audit checkpoint store %s cannot be read for writer %s (%s)",
                    store.name,
                    writer_id,
                    type(exc).__name__,
                )
                continue
            for checkpoint in found:
                behind = checkpoint.seq > best.seq
                diverged = checkpoint.seq == best.seq and checkpoint.hash != best.prev_hash
                if checkpoint.seq >= 1 and (behind or diverged):
                    logger.error(
                        "audit writer %s: the sinks end at seq %d but checkpoint store %s has "
                        "seq %d%s; continuing from the checkpoint (verify reports the loss)",
                        writer_id,
                        best.seq,
                        store.name,
                        checkpoint.seq,
                        "" if behind else " with another hash",
                    )
                    best = ChainState(writer_id, checkpoint.seq, checkpoint.hash)
        return best

    def log(self, event: AuditEvent) -> Mapping[str, Any]:
        """Seal ``event``, write it to every sink; the sealed record, or ``AuditUnavailable``."""
        record = event.to_dict()
        if record["context"]:
            record["context"] = bound_context(record["context"], max_bytes=self._context_max_bytes)
        with self._lock:
            sealed, after = seal(record, self._state, key=self._chain_key)
            accepted = 0
            for sink in self._sinks:
                try:
                    sink.write(sealed)
                except Exception as exc:
                    logger.error(
                        "audit sink %s refused writer=%s seq=%d request_id=%s (%s)",
                        sink.name,
                        after.writer_id,
                        after.seq,
                        event.request_id,
                        type(exc).__name__,
                    )
                else:
                    accepted += 1
            if not accepted:
                raise AuditUnavailable(
                    f"no audit sink accepted the event for request {event.request_id}"
                )
            self._state = after
        return sealed

    def new_event(self, type: str, *, request_id: str, action: str, **fields: Any) -> AuditEvent:
        """An :class:`AuditEvent` stamped with the broker's clock."""
        return AuditEvent(
            type=type, time=self._clock.now(), request_id=request_id, action=action, **fields
        )

    def hmac(self, value: str | bytes) -> str:
        """``hmac-sha256:<hex>`` of a served value under the audit key."""
        return hmac_value(self._key, value)

    def hmac_mapping(self, data: Mapping[str, object], prefix: str = "data") -> dict[str, str]:
        """HMAC every leaf of ``data`` under dotted keys (``data.password`` …)."""
        return hmac_mapping(self._key, data, prefix)

    def checkpoint(self, *, force: bool = False) -> bool:
        """Save the chain head to every checkpoint store; True when every store has it.

        Skipped when no record was written yet, or (unless ``force``) when the head has not
        moved since the last checkpoint every store took. Never raises: failures are logged
        with the store's name, the writer and seq and the exception's type only.
        """
        with self._checkpoint_lock:
            state = self._state
            if not self._checkpoints or state.seq < 1:
                return False
            if not force and state == self._checkpointed:
                return True
            anchor = Anchor(state.writer_id, state.seq, state.prev_hash)
            at = self._clock.now()
            stored = 0
            for store in self._checkpoints:
                try:
                    taken = store.write(anchor, at=at)
                except Exception as exc:
                    logger.error(
                        "audit checkpoint store %s refused writer=%s seq=%d (%s)",
                        store.name,
                        state.writer_id,
                        state.seq,
                        type(exc).__name__,
                    )
                    continue
                if not taken:
                    logger.error(
                        "audit checkpoint store %s holds a later head for writer %s than seq %d "
                        "(two processes with one writer id?)",
                        store.name,
                        state.writer_id,
                        state.seq,
                    )
                    continue
                stored += 1
            if stored == len(self._checkpoints):
                self._checkpointed = state
                return True
            return False

    def read_checkpoints(self) -> list[Checkpoint]:
        """Every writer's checkpoint from every store (raises when a store cannot be read)."""
        return [c for store in self._checkpoints for c in store.read()]

    def close(self) -> None:
        """Checkpoint the head once more, then close every sink (errors logged, rest closed)."""
        self.checkpoint()
        for sink in self._sinks:
            try:
                sink.close()
            except Exception as exc:
                logger.error("audit sink %s failed to close (%s)", sink.name, type(exc).__name__)

    def __repr__(self) -> str:
        names = ", ".join(s.name for s in self._sinks)
        return f"AuditBroker(writer_id={self.writer_id!r}, sinks=[{names}], seq={self._state.seq})"
