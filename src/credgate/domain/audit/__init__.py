"""Audit events, the per-writer keyed hash chain, its checkpoints and verification, and
HMACs of secret values.

Pure: no clock, no I/O. The broker (:mod:`credgate.service.audit`) seals and writes events;
sinks live in :mod:`credgate.adapters.audit`.
"""

from credgate.domain.audit.chain import (
    GENESIS_HASH,
    Anchor,
    ChainKey,
    ChainState,
    Checkpoint,
    anchors_from_json,
    anchors_to_json,
    canonical_json,
    record_hash,
    seal,
)
from credgate.domain.audit.event import (
    EVENT_TYPES,
    HMAC_PREFIX,
    RESULTS,
    TRUNCATION_MARK,
    AuditEvent,
    bound_context,
    format_time,
    hmac_mapping,
    hmac_value,
    parse_time,
)
from credgate.domain.audit.sink import AuditSink, CheckpointStore, RecoverableAuditSink
from credgate.domain.audit.verify import KINDS, Problem, VerifyReport, verify, verify_lines

__all__ = [
    "EVENT_TYPES",
    "GENESIS_HASH",
    "HMAC_PREFIX",
    "KINDS",
    "RESULTS",
    "TRUNCATION_MARK",
    "Anchor",
    "AuditEvent",
    "AuditSink",
    "ChainKey",
    "ChainState",
    "Checkpoint",
    "CheckpointStore",
    "Problem",
    "RecoverableAuditSink",
    "VerifyReport",
    "anchors_from_json",
    "anchors_to_json",
    "bound_context",
    "canonical_json",
    "format_time",
    "hmac_mapping",
    "hmac_value",
    "parse_time",
    "record_hash",
    "seal",
    "verify",
    "verify_lines",
]
