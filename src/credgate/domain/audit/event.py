"""The audit event: one JSON object per request and per response.

An :class:`AuditEvent` says who asked (agent, token accessor, session, trace), what for
(namespace, action, ACL operation, path, parameters), what credgate decided and why (result,
decision, error code), how long it took, and what the agent said about its intent (bounded
``context``). Secret values never appear: a served value is recorded only as its HMAC in
``values`` (:func:`hmac_value`, :func:`hmac_mapping`), and the constructor refuses any entry
there that is not an HMAC string.

Why an HMAC and not a hash: the same value under the same key always gives the same string,
so an operator holding the audit key can ask "was this value ever served?" (``credgate audit
hash VALUE``), while a reader of the trail without the key learns nothing (a plain hash would
let anyone confirm a guessed password).

Times are epoch floats in memory and RFC 3339 UTC strings with microseconds on the wire
(``2027-01-15T12:01:03.120000Z``); the constructor rounds ``time`` to the microsecond so that
``AuditEvent.from_dict(e.to_dict()) == e`` holds exactly.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Final

EVENT_TYPES: Final = ("request", "response")
RESULTS: Final = ("ok", "denied", "error", "pending")
HMAC_PREFIX: Final = "hmac-sha256:"
TRUNCATION_MARK: Final = "…[truncated]"

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO: Final = timedelta(microseconds=1)
_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


def format_time(epoch: float) -> str:
    """Epoch seconds as RFC 3339 UTC with microseconds: ``2027-01-15T12:01:03.120000Z``."""
    moment = _EPOCH + timedelta(microseconds=round(epoch * 1_000_000))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> float:
    """The inverse of :func:`format_time`; accepts any RFC 3339 time with an offset."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an RFC 3339 time: {text[:40]!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"RFC 3339 time without an offset: {text[:40]!r}")
    return ((moment - _EPOCH) // _MICRO) / 1_000_000


def _empty() -> Mapping[str, Any]:
    return _EMPTY


_SCALARS: Final = (str, int, float, bool, type(None))


def _plain(value: object) -> object:
    """A JSON-ready deep copy: mappings become dicts, sequences lists (hot path: keep cheap)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict or kind is MappingProxyType or isinstance(value, Mapping):
        assert isinstance(value, Mapping)  # noqa: S101 - narrowing for mypy
        return {str(k): _plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        assert isinstance(value, list | tuple)  # noqa: S101 - narrowing for mypy
        return [_plain(v) for v in value]
    return value


def _frozen(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if not value:
        return _EMPTY
    plain = _plain(value)
    assert isinstance(plain, dict)  # noqa: S101 - _plain maps a Mapping to a dict
    return MappingProxyType(plain)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One audit record before sealing (the chain fields are added by ``chain.seal``).

    The four mapping fields accept ``None`` for "empty"; after construction they are always
    read-only mappings (deep copies of what was given).
    """

    type: str
    time: float
    request_id: str
    action: str
    agent_id: str | None = None
    principal_kind: str | None = None
    token_accessor: str | None = None
    session_id: str | None = None
    trace_id: str | None = None
    span_id: str | None = None
    namespace: str | None = None
    operation: str | None = None
    path: str | None = None
    parameters: Mapping[str, Any] | None = field(default_factory=_empty)
    result: str = "ok"
    error_code: str | None = None
    duration_ms: float | None = None
    decision: Mapping[str, Any] | None = field(default_factory=_empty)
    context: Mapping[str, str] | None = field(default_factory=_empty)
    values: Mapping[str, str] | None = field(default_factory=_empty)
    remote_addr: str | None = None

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"audit event type must be one of {EVENT_TYPES}, not {self.type!r}")
        if self.result not in RESULTS:
            raise ValueError(f"audit result must be one of {RESULTS}, not {self.result!r}")
        if not self.request_id or not self.action:
            raise ValueError("an audit event needs a request_id and an action")
        for key, digest in (self.values or {}).items():
            # Refuse anything that is not an HMAC: a raw value must never reach the trail.
            if not isinstance(digest, str) or not digest.startswith(HMAC_PREFIX):
                raise ValueError(f"audit values[{key!r}] must be an HMAC string (use hmac_value)")
        for key, text in (self.context or {}).items():
            if not isinstance(text, str):
                raise ValueError(f"audit context[{key!r}] must be a string (use bound_context)")
        object.__setattr__(self, "time", round(float(self.time) * 1_000_000) / 1_000_000)
        for name in _MAPPING_FIELDS:
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form (every field present; ``time`` as RFC 3339 UTC)."""
        out: dict[str, Any] = {name: getattr(self, name) for name in _FIELD_NAMES}
        for name in _MAPPING_FIELDS:
            out[name] = _plain(out[name])
        out["time"] = format_time(self.time)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditEvent:
        """Rebuild an event from :meth:`to_dict` output (chain fields and unknown keys ignored)."""
        kwargs = {k: v for k, v in data.items() if k in _FIELD_NAMES}
        raw_time = kwargs.get("time")
        if isinstance(raw_time, str):
            kwargs["time"] = parse_time(raw_time)
        return cls(**kwargs)


_FIELD_NAMES: Final = tuple(f.name for f in fields(AuditEvent))
_MAPPING_FIELDS: Final = ("parameters", "decision", "context", "values")


def bound_context(
    context: Mapping[str, object] | None, *, max_bytes: int = 8192, max_fields: int = 16
) -> dict[str, str]:
    """Agent-supplied context (prompt, reasoning, alternatives...) cut down to ``max_bytes``.

    Every value becomes a string (non-strings are JSON-encoded). The values together take at
    most ``max_bytes`` of UTF-8, marker included: short fields are kept whole and the long ones
    share what is left equally. A cut value ends with :data:`TRUNCATION_MARK`. Keys are cut to
    64 characters and at most ``max_fields`` fields are kept (in sorted order); when fields are
    dropped the key ``_truncated_fields`` says how many.
    """
    if not context:
        return {}
    items: list[tuple[str, str]] = []
    for key in sorted(context, key=str)[:max_fields]:
        value = context[key]
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
        items.append((str(key)[:64], text))
    dropped = len(context) - len(items)
    budget = max_bytes
    out: dict[str, str] = {}
    remaining = sorted(items, key=lambda kv: len(kv[1].encode()))
    for position, (key, text) in enumerate(remaining):
        share = budget // (len(remaining) - position)
        encoded = text.encode()
        if len(encoded) <= share:
            out[key] = text
            budget -= len(encoded)
            continue
        mark = TRUNCATION_MARK.encode()
        keep = max(share - len(mark), 0)
        cut = encoded[:keep].decode("utf-8", errors="ignore")
        out[key] = cut + TRUNCATION_MARK if share >= len(mark) else ""
        budget -= len(out[key].encode())
    if dropped:
        out["_truncated_fields"] = str(dropped)
    return {key: out[key] for key in sorted(out)}


MIN_KEY_BYTES = 16


def hmac_value(key: bytes, value: str | bytes) -> str:
    """``hmac-sha256:<hex>`` of ``value`` (UTF-8 for text) under ``key``."""
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the audit HMAC key must be at least {MIN_KEY_BYTES} bytes")
    data = value.encode("utf-8") if isinstance(value, str) else value
    return HMAC_PREFIX + hmac.new(key, data, hashlib.sha256).hexdigest()


def canonical_leaf(value: object) -> str | bytes:
    """What is hashed for one leaf: strings and bytes as they are, anything else as JSON."""
    if isinstance(value, str | bytes):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def hmac_mapping(key: bytes, data: Mapping[str, object], prefix: str = "data") -> dict[str, str]:
    """HMAC every leaf of a (nested) mapping under a dotted key.

    ``{"password": "s3cr3t", "db": {"port": 5432}}`` with prefix ``data`` gives
    ``{"data.password": "hmac-sha256:…", "data.db.port": "hmac-sha256:…"}``. Nested mappings
    are walked; lists and other non-string leaves are HMACed as their canonical JSON text
    (sorted keys, compact separators): the number ``5432`` has the HMAC of the text ``5432``
    and ``true`` that of ``true``, so ``credgate audit hash 5432`` finds a served port.
    """
    out: dict[str, str] = {}

    def walk(node: Mapping[str, object], path: str) -> None:
        for name, value in node.items():
            dotted = f"{path}.{name}" if path else str(name)
            if isinstance(value, Mapping):
                walk(value, dotted)
            else:
                out[dotted] = hmac_value(key, canonical_leaf(value))

    walk(data, prefix)
    return out
