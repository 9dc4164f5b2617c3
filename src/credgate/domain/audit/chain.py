"""The keyed hash chain that makes the audit trail tamper-evident.

Every broker instance writes under its own ``writer`` id and keeps one chain: each sealed
record carries ``writer``, ``seq`` (1, 2, 3… with no gap), ``prev_hash`` (the ``hash`` of the
writer's previous record, :data:`GENESIS_HASH` for the first) and ``hash``, the HMAC-SHA256
(hex) under the deployment's :class:`ChainKey` of the record's canonical JSON without the
``hash`` key. Records of several writers may interleave in one file; each chain is checked on
its own (:mod:`credgate.domain.audit.verify`).

The chain key is derived from the audit HMAC key (:meth:`ChainKey.from_audit_key`), so only a
holder of that key (the instance, through its master key) can seal a record that verifies:
an appended or re-hashed record made by anyone else fails verification. There is no unkeyed
format (nothing was released with the plain SHA-256 chain of earlier development versions).

Canonical JSON: keys sorted, separators ``,`` and ``:``, non-ASCII kept as UTF-8, no NaN or
infinity. Any implementation that serialises the same way and holds the key recomputes the
same hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

GENESIS_HASH: Final = ""
CHAIN_FIELDS: Final = ("writer", "seq", "prev_hash", "hash")
CHAIN_KEY_LABEL: Final = b"credgate audit chain v1"
_MIN_CHAIN_KEY_BYTES: Final = 16


def canonical_json(record: Mapping[str, Any]) -> bytes:
    """The exact bytes that are hashed (and that the file sink writes)."""
    return json.dumps(
        record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


class ChainKey:
    """The HMAC key of the audit chain. Its bytes are never shown (``repr`` hides them).

    Derive it from the audit HMAC key with :meth:`from_audit_key`: the derivation is
    domain-separated (an HMAC of :data:`CHAIN_KEY_LABEL`), so the chain's hashes and the HMACs
    of served values are made under different keys although one key is stored.
    """

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < _MIN_CHAIN_KEY_BYTES:
            raise ValueError(f"a chain key must be at least {_MIN_CHAIN_KEY_BYTES} bytes")
        self._key = key

    @classmethod
    def from_audit_key(cls, audit_key: bytes) -> ChainKey:
        """The chain key of a deployment whose audit HMAC key is ``audit_key``."""
        if not isinstance(audit_key, bytes) or len(audit_key) < _MIN_CHAIN_KEY_BYTES:
            raise ValueError(f"the audit HMAC key must be at least {_MIN_CHAIN_KEY_BYTES} bytes")
        return cls(hmac.new(audit_key, CHAIN_KEY_LABEL, hashlib.sha256).digest())

    def mac(self, data: bytes) -> str:
        """HMAC-SHA256 of ``data`` under this key, hex."""
        return hmac.new(self._key, data, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "ChainKey(<hidden>)"


def _require_key(key: object) -> ChainKey:
    if not isinstance(key, ChainKey):
        raise TypeError(
            "the audit chain needs its ChainKey (ChainKey.from_audit_key(audit_hmac_key)), "
            f"not {type(key).__name__}"
        )
    return key


def record_hash(record: Mapping[str, Any], *, key: ChainKey) -> str:
    """HMAC-SHA256 (hex) under ``key`` of the canonical JSON of ``record`` without ``hash``."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return _require_key(key).mac(canonical_json(body))


def unkeyed_hash(record: Mapping[str, Any]) -> str:
    """Plain SHA-256 of the same bytes: what an unkeyed (forged) record would carry.

    Only used to explain a verification failure; never a valid hash.
    """
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainState:
    """Where a writer's chain stands: the last ``seq`` written and its ``hash``."""

    writer_id: str
    seq: int = 0
    prev_hash: str = GENESIS_HASH

    def __post_init__(self) -> None:
        if not self.writer_id:
            raise ValueError("a chain needs a non-empty writer id")
        if self.seq < 0:
            raise ValueError("a chain's seq cannot be negative")

    @classmethod
    def after(cls, record: Mapping[str, Any]) -> ChainState:
        """The state right after ``record`` was written (used when recovering from a sink)."""
        return cls(str(record["writer"]), int(record["seq"]), str(record["hash"]))


def seal(
    event: Mapping[str, Any], state: ChainState, *, key: ChainKey
) -> tuple[dict[str, Any], ChainState]:
    """Add the chain fields to ``event`` (its hash under ``key``); return it and the next state.

    The caller keeps the old state until the record is safely written somewhere, so a record
    that no sink accepted does not consume a sequence number.
    """
    chain_key = _require_key(key)
    clash = [name for name in CHAIN_FIELDS if name in event]
    if clash:
        raise ValueError(f"an unsealed event must not carry chain fields: {clash}")
    sealed = dict(event)
    sealed["writer"] = state.writer_id
    sealed["seq"] = state.seq + 1
    sealed["prev_hash"] = state.prev_hash
    digest = chain_key.mac(canonical_json(sealed))  # no "hash" key yet
    sealed["hash"] = digest
    return sealed, ChainState(state.writer_id, state.seq + 1, digest)


@dataclass(frozen=True, slots=True)
class Anchor:
    """A checkpoint outside the file: writer ``writer`` had written ``seq`` with ``hash``.

    A chain alone cannot reveal that its *last* records were deleted (the shorter chain is
    still a valid chain). An anchor taken earlier (a :class:`Checkpoint` the writer saved, an
    operator's saved file), or the same chain's tail as stored in another sink (the SQL
    table), closes that hole up to the anchor's ``seq``.
    """

    writer: str
    seq: int
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash}


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A chain head its writer saved outside the trail: ``seq``/``hash`` as of ``at``.

    ``at`` is epoch seconds (``None`` when the source does not say); ``source`` names where it
    was read (``database``, ``file``, ``anchor``).
    """

    writer: str
    seq: int
    hash: str
    at: float | None
    source: str

    @property
    def anchor(self) -> Anchor:
        return Anchor(self.writer, self.seq, self.hash)


def anchors_to_json(anchors: Mapping[str, Anchor]) -> str:
    """``{"writer": {"seq": N, "hash": "…"}}``, the checkpoint file format."""
    return json.dumps({w: a.to_dict() for w, a in sorted(anchors.items())}, indent=2) + "\n"


def anchors_from_json(text: str) -> dict[str, Anchor]:
    """Parse a checkpoint written by :func:`anchors_to_json` (``ValueError`` when malformed)."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"checkpoint is not JSON ({exc.msg})") from None
    if not isinstance(raw, dict):
        raise ValueError("checkpoint must be a JSON object of writer -> {seq, hash}")
    out: dict[str, Anchor] = {}
    for writer, entry in raw.items():
        seq = entry.get("seq") if isinstance(entry, dict) else None
        digest = entry.get("hash") if isinstance(entry, dict) else None
        if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(digest, str):
            raise ValueError(f"checkpoint entry for writer {writer!r} needs an int seq and a hash")
        out[writer] = Anchor(writer, seq, digest)
    return out
