"""The embedded KV version 2 secret engine.

It follows OpenBao's KV v2 behaviour for what a policy author can observe: versions start at 1,
check-and-set (``cas``) compares with the current version (0 for a new key), ``max_versions``
prunes the oldest, soft delete / undelete / destroy act on versions, metadata holds
``custom_metadata``. credgate gives some ``custom_metadata`` keys a meaning (validated here):
``environment``, ``data_class``, ``owner``, ``description``, ``allowed_hosts``.

Values are encrypted with the barrier before they reach storage; the AAD binds namespace,
mount+key and version. Nothing here caches a value: every read decrypts from storage.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from credgate.adapters.storage.records import KVMetadataRecord, KVVersionRecord
from credgate.adapters.storage.sql_store import SqlTx
from credgate.errors import Conflict, InvalidRequest, NotFound

ENVIRONMENTS = ("development", "staging", "production")
DATA_CLASSES = ("none", "pii", "phi", "pci", "financial")
DEFAULT_MAX_VERSIONS = 10
MAX_CUSTOM_KEYS = 64
MAX_CUSTOM_KEY_LEN = 128
MAX_CUSTOM_VALUE_LEN = 512


class Encryptor(Protocol):
    def encrypt(self, namespace: str, path: str, version: int, plaintext: bytes) -> bytes: ...

    def decrypt(self, namespace: str, path: str, version: int, blob: bytes) -> bytes: ...

    def ensure_key(self, namespace: str) -> int: ...


@dataclass(frozen=True)
class SecretVersion:
    """A decrypted secret version. Its repr never shows the data."""

    key: str
    version: int
    data: Mapping[str, Any]
    created_at: float
    custom_metadata: Mapping[str, Any]

    def __repr__(self) -> str:
        fields = len(self.data)
        return f"SecretVersion(key={self.key!r}, version={self.version}, data=<{fields} fields>)"


def validate_custom_metadata(meta: Any) -> dict[str, str]:
    """Check ``custom_metadata``: string→string, bounded, credgate's keys with valid values."""
    if not isinstance(meta, Mapping):
        raise InvalidRequest("custom_metadata must be an object of strings")
    if len(meta) > MAX_CUSTOM_KEYS:
        raise InvalidRequest(f"custom_metadata has more than {MAX_CUSTOM_KEYS} keys")
    out: dict[str, str] = {}
    for key, value in meta.items():
        if not isinstance(key, str) or not key or len(key) > MAX_CUSTOM_KEY_LEN:
            raise InvalidRequest(f"custom_metadata keys are 1..{MAX_CUSTOM_KEY_LEN} characters")
        if not isinstance(value, str) or len(value) > MAX_CUSTOM_VALUE_LEN:
            raise InvalidRequest(
                f"custom_metadata[{key!r}] must be a string of at most "
                f"{MAX_CUSTOM_VALUE_LEN} characters"
            )
        out[key] = value
    env = out.get("environment")
    if env is not None and env not in ENVIRONMENTS:
        raise InvalidRequest(
            f"environment must be one of {', '.join(ENVIRONMENTS)}",
            hint="set custom_metadata.environment to development, staging or production",
        )
    data_class = out.get("data_class")
    if data_class is not None and data_class not in DATA_CLASSES:
        raise InvalidRequest(f"data_class must be one of {', '.join(DATA_CLASSES)}")
    hosts = out.get("allowed_hosts")
    if hosts is not None:
        for host in (h.strip() for h in hosts.split(",")):
            if not host or any(c.isspace() or c in "/@?#" for c in host):
                raise InvalidRequest(
                    "allowed_hosts is a comma-separated list of host names (host or host:port)"
                )
    return out


MAX_VERSION = 2**31 - 1


def validate_versions(raw: Any) -> list[int]:
    if not isinstance(raw, list) or not raw:
        raise InvalidRequest("versions must be a non-empty list of version numbers")
    out = []
    for item in raw:
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= MAX_VERSION:
            raise InvalidRequest(f"versions must be integers from 1 to {MAX_VERSION}")
        out.append(item)
    return out


class KVEngine:
    """KV v2 operations on one mount. Stateless: storage and barrier are passed in."""

    def __init__(self, encryptor: Encryptor, *, max_versions: int = DEFAULT_MAX_VERSIONS) -> None:
        self.encryptor = encryptor
        self.default_max_versions = max_versions

    def prepare_write(self, namespace: str) -> None:
        """Create the namespace's data key if needed; call outside any transaction."""
        self.encryptor.ensure_key(namespace)

    # -- data -------------------------------------------------------------------------------
    def exists(self, tx: SqlTx, namespace: str, mount: str, key: str) -> bool:
        return tx.get_kv_metadata(namespace, mount, key) is not None

    def read(
        self, tx: SqlTx, namespace: str, mount: str, key: str, version: int = 0
    ) -> SecretVersion:
        meta = tx.get_kv_metadata(namespace, mount, key)
        if meta is None or meta.current_version == 0:
            raise NotFound(f"no secret at {mount}data/{key}")
        wanted = version or meta.current_version
        rec = tx.get_kv_version(namespace, mount, key, wanted)
        if rec is None:
            raise NotFound(f"version {wanted} of {mount}data/{key} does not exist")
        if rec.destroyed or rec.ciphertext is None:
            raise NotFound(f"version {wanted} of {mount}data/{key} was destroyed")
        if rec.deleted_at is not None:
            raise NotFound(
                f"version {wanted} of {mount}data/{key} is deleted",
                hint="an operator can undelete it (credgate kv undelete)",
            )
        plaintext = self.encryptor.decrypt(namespace, mount + key, wanted, rec.ciphertext)
        data = json.loads(plaintext)
        return SecretVersion(key, wanted, data, rec.created_at, meta.custom_metadata)

    def metadata(self, tx: SqlTx, namespace: str, mount: str, key: str) -> KVMetadataRecord:
        meta = tx.get_kv_metadata(namespace, mount, key)
        if meta is None:
            raise NotFound(f"no secret at {mount}metadata/{key}")
        return meta

    def write(
        self,
        tx: SqlTx,
        namespace: str,
        mount: str,
        key: str,
        data: Mapping[str, Any],
        *,
        now: float,
        cas: int | None = None,
    ) -> int:
        """Store a new version; returns its number."""
        if not isinstance(data, Mapping):
            raise InvalidRequest("data must be an object")
        meta = tx.get_kv_metadata(namespace, mount, key, for_update=True)
        current = meta.current_version if meta else 0
        if (meta is not None and meta.cas_required) and cas is None:
            raise InvalidRequest(
                "check-and-set is required for this secret",
                hint="send options.cas with the current version (0 for a new secret)",
            )
        if cas is not None and cas != current:
            raise Conflict(
                f"check-and-set parameter did not match the current version ({current})",
                hint="read the secret's metadata and send options.cas with its current_version",
            )
        version = current + 1
        blob = self.encryptor.encrypt(
            namespace, mount + key, version, json.dumps(dict(data), separators=(",", ":")).encode()
        )
        tx.insert_kv_version(
            KVVersionRecord(namespace, mount, key, version, blob, now, None, False)
        )
        if meta is None:
            meta = KVMetadataRecord(namespace, mount, key, version, 1, 0, False, {}, now, now)
            tx.put_kv_metadata(meta, create=True)
        else:
            meta = replace(meta, current_version=version, updated_at=now)
            if meta.oldest_version == 0:
                meta = replace(meta, oldest_version=version)
            limit = meta.max_versions or self.default_max_versions
            if version - meta.oldest_version + 1 > limit:
                oldest = version - limit + 1
                tx.delete_kv_versions_below(namespace, mount, key, oldest)
                meta = replace(meta, oldest_version=oldest)
            tx.put_kv_metadata(meta, create=False)
        return version

    def rollback(
        self, tx: SqlTx, namespace: str, mount: str, key: str, version: int, *, now: float
    ) -> int:
        """Write the data of ``version`` as a new current version."""
        old = self.read(tx, namespace, mount, key, version)
        current = self.metadata(tx, namespace, mount, key).current_version
        return self.write(tx, namespace, mount, key, old.data, now=now, cas=current)

    def _versions(self, tx: SqlTx, namespace: str, mount: str, key: str) -> KVMetadataRecord:
        meta = tx.get_kv_metadata(namespace, mount, key, for_update=True)
        if meta is None:
            raise NotFound(f"no secret at {mount}data/{key}")
        return meta

    def delete_latest(self, tx: SqlTx, namespace: str, mount: str, key: str, *, now: float) -> None:
        meta = self._versions(tx, namespace, mount, key)
        tx.update_kv_version(namespace, mount, key, meta.current_version, deleted_at=now)

    def delete_versions(
        self, tx: SqlTx, namespace: str, mount: str, key: str, versions: list[int], *, now: float
    ) -> None:
        self._versions(tx, namespace, mount, key)
        for v in versions:
            tx.update_kv_version(namespace, mount, key, v, deleted_at=now)

    def undelete_versions(
        self, tx: SqlTx, namespace: str, mount: str, key: str, versions: list[int]
    ) -> None:
        self._versions(tx, namespace, mount, key)
        for v in versions:
            rec = tx.get_kv_version(namespace, mount, key, v)
            if rec is not None and not rec.destroyed:
                tx.update_kv_version(namespace, mount, key, v, deleted_at=None)

    def destroy_versions(
        self, tx: SqlTx, namespace: str, mount: str, key: str, versions: list[int]
    ) -> None:
        self._versions(tx, namespace, mount, key)
        for v in versions:
            tx.update_kv_version(namespace, mount, key, v, ciphertext=None, destroyed=True)

    # -- metadata ---------------------------------------------------------------------------
    def write_metadata(
        self,
        tx: SqlTx,
        namespace: str,
        mount: str,
        key: str,
        *,
        now: float,
        max_versions: int | None = None,
        cas_required: bool | None = None,
        custom_metadata: Mapping[str, Any] | None = None,
    ) -> None:
        meta = tx.get_kv_metadata(namespace, mount, key, for_update=True)
        create = meta is None
        if meta is None:
            meta = KVMetadataRecord(namespace, mount, key, 0, 0, 0, False, {}, now, now)
        if max_versions is not None:
            meta = replace(meta, max_versions=max_versions)
        if cas_required is not None:
            meta = replace(meta, cas_required=cas_required)
        if custom_metadata is not None:
            meta = replace(meta, custom_metadata=validate_custom_metadata(custom_metadata))
        tx.put_kv_metadata(replace(meta, updated_at=now), create=create)

    def delete_all(self, tx: SqlTx, namespace: str, mount: str, key: str) -> None:
        if not tx.delete_kv_key(namespace, mount, key):
            raise NotFound(f"no secret at {mount}metadata/{key}")

    def list(self, tx: SqlTx, namespace: str, mount: str, prefix: str) -> list[str]:
        keys = tx.list_kv_keys(namespace, mount, prefix)
        if not keys:
            raise NotFound(f"nothing under {mount}metadata/{prefix}")
        return keys

    @staticmethod
    def describe_metadata(tx: SqlTx, meta: KVMetadataRecord) -> dict[str, Any]:
        versions = tx.list_kv_versions(meta.namespace, meta.mount, meta.key)
        return {
            "current_version": meta.current_version,
            "oldest_version": meta.oldest_version,
            "max_versions": meta.max_versions,
            "cas_required": meta.cas_required,
            "custom_metadata": dict(meta.custom_metadata) or None,
            "created_time": meta.created_at,
            "updated_time": meta.updated_at,
            "versions": {
                str(v.version): {
                    "created_time": v.created_at,
                    "deletion_time": v.deleted_at or "",
                    "destroyed": v.destroyed,
                }
                for v in versions
            },
        }
