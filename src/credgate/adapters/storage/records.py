"""Plain records the storage layer returns (no SQLAlchemy types leak out)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NamespaceRecord:
    path: str
    description: str
    created_at: float
    created_by: str | None = None


@dataclass(frozen=True)
class PrincipalRecord:
    id: str
    kind: str  # "operator" | "agent"
    namespace: str
    name: str
    owner: str
    description: str
    status: str  # "active" | "disabled" | "quarantined"
    policies: tuple[str, ...]
    created_at: float
    updated_at: float
    created_by: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    max_autonomy: int = 3  # the highest autonomy level this agent may ever get (0-3)


@dataclass(frozen=True)
class PolicyRecord:
    namespace: str
    name: str
    text: str
    created_at: float
    updated_at: float
    updated_by: str | None = None


@dataclass(frozen=True)
class MountRecord:
    namespace: str
    path: str  # "secret/"
    type: str
    options: Mapping[str, Any]
    description: str
    created_at: float


@dataclass(frozen=True)
class KVMetadataRecord:
    namespace: str
    mount: str
    key: str
    current_version: int
    oldest_version: int
    max_versions: int
    cas_required: bool
    custom_metadata: Mapping[str, Any]
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class KVVersionRecord:
    namespace: str
    mount: str
    key: str
    version: int
    ciphertext: bytes | None
    created_at: float
    deleted_at: float | None
    destroyed: bool

    def __repr__(self) -> str:
        return (
            f"KVVersionRecord({self.namespace}{self.mount}{self.key} v{self.version}, "
            f"deleted={self.deleted_at is not None}, destroyed={self.destroyed})"
        )
