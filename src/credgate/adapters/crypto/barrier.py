"""The barrier: AES-256-GCM envelope encryption of stored secret values.

Key hierarchy::

    master key (32 bytes, env or 0600 file, never stored in the database)
      └─ wraps ─> data keys (32 random bytes per namespace and key version, in the key ring)
                    └─ encrypt ─> secret values (one blob per path and secret version)
      └─ wraps ─> named system keys ("audit-hmac", "token-hmac"), reserved namespace

Formats (all integers big-endian; ``lp(x)`` is a 4-byte length followed by ``x``):

- value blob: ``0x01 | key_version:u32 | nonce:12 | ciphertext || tag:16`` with
  AAD ``0x01 | key_version:u32 | lp("credgate-value") | lp(namespace) | lp(path) | version:u64``
- wrapped key: ``0x01 | nonce:12 | ciphertext || tag:16`` with
  AAD ``0x01 | lp("credgate-dek") | lp(namespace) | key_version:u32 | lp(master_key_id)``

A blob copied to another namespace, path, secret version or key version, or with any byte
changed, fails to decrypt with :class:`~credgate.errors.DecryptionFailed`. Messages name
namespaces, paths and versions only, never a value or a key.

Unwrapped data keys are cached in memory for the life of the barrier. That is a *key* cache:
no secret value is ever cached. It stays correct across rotations because a data key never
changes once created (master rotation re-wraps the same key; namespace rotation adds a version).
"""

from __future__ import annotations

import os
import re
import struct
import threading
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from credgate.adapters.crypto.keyring_store import KeyringStore, WrappedKey
from credgate.adapters.crypto.master_key import MasterKey
from credgate.clock import Clock, SystemClock
from credgate.errors import Conflict, DecryptionFailed, InvalidPath, InvalidRequest, Unavailable

BLOB_FORMAT = 0x01
WRAP_FORMAT = 0x01
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
MAX_KEY_VERSION = 2**32 - 1
MAX_SECRET_VERSION = 2**64 - 1
# Reserved namespace prefix for named system keys. A control character, so no user namespace
# can reach it (paths with control characters are refused); not NUL, which PostgreSQL text
# columns cannot hold.
SYSTEM_NAMESPACE_PREFIX = "\x01sys/"

_BLOB_HEADER = struct.Struct(">BI")
_BLOB_OVERHEAD = _BLOB_HEADER.size + NONCE_BYTES + TAG_BYTES
_WRAPPED_LEN = 1 + NONCE_BYTES + KEY_BYTES + TAG_BYTES
_KEY_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_ROTATE_ATTEMPTS = 8
_STALE_MASTER_HINT = (
    "the key ring was re-wrapped under another master key; restart this server with the "
    "current master key"
)


def _lp(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _utf8(text: str, what: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidPath(f"the {what} is not valid Unicode text") from None


def value_aad(header: bytes, namespace: str, path: str, version: int) -> bytes:
    """Associated data of a value blob (``header`` = format byte + key version)."""
    return (
        header
        + _lp(b"credgate-value")
        + _lp(_utf8(namespace, "namespace"))
        + _lp(_utf8(path, "path"))
        + struct.pack(">Q", version)
    )


def wrap_aad(namespace: str, key_version: int, master_key_id: str) -> bytes:
    """Associated data of a wrapped key: binds it to its slot and to the master key."""
    return (
        bytes([WRAP_FORMAT])
        + _lp(b"credgate-dek")
        + _lp(_utf8(namespace, "namespace"))
        + struct.pack(">I", key_version)
        + _lp(master_key_id.encode("ascii"))
    )


class Barrier:
    """Encrypts and decrypts stored values; owns the key ring's data keys.

    ``randbytes`` supplies every key and nonce (tests inject a deterministic source);
    ``clock`` stamps ``created_at`` on new keys.
    """

    def __init__(
        self,
        keyring_store: KeyringStore,
        master_key: MasterKey,
        *,
        randbytes: Callable[[int], bytes] = os.urandom,
        clock: Clock | None = None,
    ) -> None:
        self._store = keyring_store
        self._master = master_key
        self._randbytes = randbytes
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._lock = threading.Lock()
        self._keys: dict[tuple[str, int], bytes] = {}  # unwrapped key cache (keys, not values)

    @property
    def master_key_id(self) -> str:
        return self._master.key_id

    # -- values -----------------------------------------------------------------------------

    def encrypt(self, namespace: str, path: str, version: int, plaintext: bytes) -> bytes:
        """Encrypt ``plaintext`` for ``(namespace, path, version)`` with the active data key."""
        _check_data_namespace(namespace)
        _check_secret_version(version)
        row = self._store.get_active(namespace)
        if row is None:
            row = self._create_key(namespace, 1)
        key = self._unwrap_cached(row)
        header = _BLOB_HEADER.pack(BLOB_FORMAT, row.version)
        nonce = self._random(NONCE_BYTES)
        aad = value_aad(header, namespace, path, version)
        return header + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)

    def decrypt(self, namespace: str, path: str, version: int, blob: bytes) -> bytes:
        """Decrypt a blob made by :meth:`encrypt` for exactly the same coordinates."""
        _check_data_namespace(namespace)
        _check_secret_version(version)
        where = f"the stored value of {path!r} version {version} in namespace {namespace!r}"
        if len(blob) < _BLOB_OVERHEAD:
            raise DecryptionFailed(f"cannot decrypt {where}: the blob is truncated")
        fmt, key_version = _BLOB_HEADER.unpack_from(blob)
        if fmt != BLOB_FORMAT:
            raise DecryptionFailed(f"cannot decrypt {where}: unknown blob format {fmt}")
        key = self._cached_key(namespace, key_version)
        if key is None:
            row = self._store.get(namespace, key_version)
            if row is None:
                raise DecryptionFailed(
                    f"cannot decrypt {where}: data key version {key_version} does not exist"
                )
            key = self._unwrap_cached(row)
        header = blob[: _BLOB_HEADER.size]
        nonce = blob[_BLOB_HEADER.size : _BLOB_HEADER.size + NONCE_BYTES]
        sealed = blob[_BLOB_HEADER.size + NONCE_BYTES :]
        try:
            return AESGCM(key).decrypt(nonce, sealed, value_aad(header, namespace, path, version))
        except InvalidTag:
            raise DecryptionFailed(
                f"cannot decrypt {where}: authentication failed (moved or modified data)"
            ) from None

    # -- keys -------------------------------------------------------------------------------

    def ensure_key(self, namespace: str) -> int:
        """Make sure ``namespace`` has an active data key; return its version.

        The broker calls this *before* it opens a request's write transaction: on SQLite a
        key created from inside that transaction would wait on the transaction's own lock.
        """
        _check_data_namespace(namespace)
        row = self._store.get_active(namespace)
        if row is None:
            row = self._create_key(namespace, 1)
        return row.version

    def rotate_namespace_key(self, namespace: str) -> int:
        """Add a new data key version for ``namespace``; new writes use it. Returns it."""
        _check_data_namespace(namespace)
        for _ in range(_ROTATE_ATTEMPTS):
            active = self._store.get_active(namespace)
            version = active.version + 1 if active is not None else 1
            if version > MAX_KEY_VERSION:
                raise Conflict(f"namespace {namespace!r} has no key versions left")
            if self._insert_new_key(namespace, version) is not None:
                return version
        raise Conflict(
            f"could not rotate the data key of namespace {namespace!r}: "
            "other rotations kept winning the race",
        )

    def named_key(self, name: str) -> bytes:
        """A 32-byte system key (``"audit-hmac"``, ``"token-hmac"``), created on first use.

        Stored wrapped like a data key, so master-key rotation keeps it unchanged.
        """
        if not _KEY_NAME.fullmatch(name):
            raise InvalidRequest(f"invalid system key name {name!r}")
        namespace = SYSTEM_NAMESPACE_PREFIX + name
        cached = self._cached_key(namespace, 1)
        if cached is not None:
            return cached
        row = self._store.get(namespace, 1)
        if row is None:
            row = self._create_key(namespace, 1)
        return self._unwrap_cached(row)

    def rotate_master_key(self, new_master: MasterKey) -> int:
        """Re-wrap every key under ``new_master`` in one transaction; return how many.

        Afterwards the old master key opens nothing and this barrier uses ``new_master``.
        Rows already wrapped under ``new_master`` (a rotation that committed earlier) are
        verified and left alone, so running the rotation again is safe.
        """
        old_master = self._master
        if new_master == old_master:
            raise InvalidRequest(
                "the new master key is the current one",
                hint="generate a new key file first, then rotate to it",
            )
        rewrapped = 0

        def rewrap(row: WrappedKey) -> WrappedKey:
            nonlocal rewrapped
            if row.master_key_id == new_master.key_id:
                _unwrap(row, new_master)  # proves it opens; raises otherwise
                return row
            key = _unwrap(row, old_master)
            rewrapped += 1
            return self._wrap(new_master, row.namespace, row.version, key, row.created_at)

        self._store.rewrap_all(rewrap)
        self._master = new_master
        return rewrapped

    def verify_master_key(self) -> int:
        """Unwrap every key in the ring (startup check); return how many keys there are.

        Raises :class:`DecryptionFailed` naming the key ids when this master key cannot open
        the ring, so a wrong key is noticed at start, not at the first read.
        """
        rows = self._store.list_all()
        for row in rows:
            self._unwrap_cached(row)
        return len(rows)

    # -- internals --------------------------------------------------------------------------

    def _create_key(self, namespace: str, version: int) -> WrappedKey:
        """Create key ``version``; when another instance won the race, use its key."""
        row = self._insert_new_key(namespace, version)
        if row is not None:
            return row
        existing = self._store.get(namespace, version)
        if existing is None:
            raise Unavailable(f"the key ring lost key {version} of {namespace!r}; retry")
        return existing

    def _insert_new_key(self, namespace: str, version: int) -> WrappedKey | None:
        self._refuse_stale_master()
        key = self._random(KEY_BYTES)
        row = self._wrap(self._master, namespace, version, key, self._clock.now())
        if not self._store.insert_if_absent(row):
            return None
        with self._lock:
            self._keys[(namespace, version)] = key
        return row

    def _refuse_stale_master(self) -> None:
        """Never add a key under a master key the rest of the ring no longer uses."""
        mine = self._master.key_id
        others = sorted({r.master_key_id for r in self._store.list_all()} - {mine})
        if others:
            raise DecryptionFailed(
                f"the key ring is wrapped under master key {others[0]}, "
                f"this server runs with {mine}; no new key was created",
                hint=_STALE_MASTER_HINT,
            )

    def _wrap(
        self, master: MasterKey, namespace: str, version: int, key: bytes, created_at: float
    ) -> WrappedKey:
        nonce = self._random(NONCE_BYTES)
        sealed = AESGCM(master.secret_bytes()).encrypt(
            nonce, key, wrap_aad(namespace, version, master.key_id)
        )
        return WrappedKey(
            namespace=namespace,
            version=version,
            wrapped=bytes([WRAP_FORMAT]) + nonce + sealed,
            master_key_id=master.key_id,
            created_at=created_at,
        )

    def _cached_key(self, namespace: str, version: int) -> bytes | None:
        with self._lock:
            return self._keys.get((namespace, version))

    def _unwrap_cached(self, row: WrappedKey) -> bytes:
        key = self._cached_key(row.namespace, row.version)
        if key is None:
            key = _unwrap(row, self._master)
            with self._lock:
                self._keys[(row.namespace, row.version)] = key
        return key

    def _random(self, n: int) -> bytes:
        data = self._randbytes(n)
        if len(data) != n:
            raise RuntimeError(f"the random source returned {len(data)} bytes, not {n}")
        return data

    def __repr__(self) -> str:
        return f"Barrier(master_key_id={self._master.key_id!r}, cached_keys={len(self._keys)})"


def _unwrap(row: WrappedKey, master: MasterKey) -> bytes:
    which = f"data key {row.version} of namespace {row.namespace!r}"
    if row.master_key_id != master.key_id:
        raise DecryptionFailed(
            f"{which} is wrapped under master key {row.master_key_id}, "
            f"this server runs with {master.key_id}",
            hint=_STALE_MASTER_HINT,
        )
    blob = row.wrapped
    if len(blob) != _WRAPPED_LEN or blob[0] != WRAP_FORMAT:
        raise DecryptionFailed(f"{which} has an unknown wrapped-key format")
    nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return AESGCM(master.secret_bytes()).decrypt(
            nonce, sealed, wrap_aad(row.namespace, row.version, master.key_id)
        )
    except InvalidTag:
        raise DecryptionFailed(
            f"{which} does not open with master key {master.key_id} (modified key ring?)"
        ) from None


def _check_data_namespace(namespace: str) -> None:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in namespace):
        raise InvalidPath("a namespace cannot contain control characters")


def _check_secret_version(version: int) -> None:
    if not 0 <= version <= MAX_SECRET_VERSION:
        raise InvalidRequest(f"secret version {version} is out of range")
