"""An audit sink that keeps records in a list: for tests, yours and ours.

It behaves like a real sink (copies each record, raises after :meth:`close`, recovers a
writer's chain) and can be told to fail, so a test can prove that credgate fails closed::

    sink = MemoryAuditSink()
    sink.fail_with = OSError("disk full")   # every write now raises
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from typing import Any

from credgate.domain.audit.chain import ChainState


class MemoryAuditSink:
    """Sealed records in memory, in the order written."""

    def __init__(self, name: str = "memory") -> None:
        self._name = name
        self.records: list[dict[str, Any]] = []
        self.fail_with: BaseException | None = None
        self.closed = False
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    def write(self, sealed: Mapping[str, Any]) -> None:
        if self.closed:
            raise RuntimeError(f"audit sink {self._name} is closed")
        if self.fail_with is not None:
            raise self.fail_with
        with self._lock:
            self.records.append(copy.deepcopy(dict(sealed)))

    def recover(self, writer_id: str) -> ChainState:
        with self._lock:
            for record in reversed(self.records):
                if record.get("writer") == writer_id:
                    return ChainState.after(record)
        return ChainState(writer_id)

    def close(self) -> None:
        self.closed = True

    def __repr__(self) -> str:
        return f"MemoryAuditSink(name={self._name!r}, records={len(self.records)})"
