"""Audit sinks: where sealed audit records are stored.

- :class:`FileAuditSink`: JSON lines appended to a file (the default).
- :class:`credgate.adapters.audit.sql_sink.SqlAuditSink`: the ``audit_events`` table.
- :class:`MemoryAuditSink`: a list, for tests (it can be told to fail).

All implement :class:`credgate.domain.audit.AuditSink`; the broker that seals and fans records
out to them is :class:`credgate.service.audit.AuditBroker`.
"""

from credgate.adapters.audit.file_sink import (
    DEFAULT_AUDIT_FILE,
    FileAuditSink,
    iter_lines,
    iter_records,
)
from credgate.adapters.audit.memory_sink import MemoryAuditSink
from credgate.domain.audit.sink import AuditSink, RecoverableAuditSink

__all__ = [
    "DEFAULT_AUDIT_FILE",
    "AuditSink",
    "FileAuditSink",
    "MemoryAuditSink",
    "RecoverableAuditSink",
    "iter_lines",
    "iter_records",
]
