"""Where wrapped data keys live: the :class:`KeyringStore` port and its in-memory fake.

A key ring row is one data key (or one named system key) *as stored*: wrapped under the
master key, never in the clear. Rows are identified by ``(namespace, version)`` and are never
deleted; only :meth:`KeyringStore.rewrap_all` changes an existing row, and it changes only the
wrapped bytes and the master key id, for every row at once, in one transaction.

Every implementation passes ``tests/unit/adapters/crypto/test_keyring_store_conformance.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class WrappedKey:
    """One key ring row. ``wrapped`` is ciphertext under the master key, safe to store."""

    namespace: str
    version: int
    wrapped: bytes = field(repr=False)
    master_key_id: str
    created_at: float


RewrapFn = Callable[[WrappedKey], WrappedKey]


class KeyringStore(Protocol):
    """Persistence for wrapped keys. Implementations must be safe across processes."""

    def get(self, namespace: str, version: int) -> WrappedKey | None:
        """The row ``(namespace, version)``, or ``None``."""
        ...

    def get_active(self, namespace: str) -> WrappedKey | None:
        """The highest version of ``namespace`` (the one new writes use), or ``None``."""
        ...

    def insert_if_absent(self, key: WrappedKey) -> bool:
        """Insert ``key`` unless ``(namespace, version)`` exists; ``True`` if it was inserted.

        Conditional in the database itself, so two instances racing to create the same
        version both return, exactly one with ``True``; an existing row is never changed.
        """
        ...

    def list_all(self) -> list[WrappedKey]:
        """Every row, ordered by namespace then version."""
        ...

    def rewrap_all(self, fn: RewrapFn) -> int:
        """Replace every row by ``fn(row)`` atomically; return the number of rows.

        ``fn`` must keep ``namespace`` and ``version``. If ``fn`` raises for any row, nothing
        changes. No row can be inserted by anyone else while this runs.
        """
        ...


def check_rewrap_keeps_identity(old: WrappedKey, new: WrappedKey) -> None:
    """Refuse a rewrap function that would move a key to another namespace or version."""
    if (new.namespace, new.version) != (old.namespace, old.version):
        raise ValueError("rewrap_all: the function must keep namespace and version")


class MemoryKeyringStore:
    """A key ring in a dict, for tests and single-process experiments. Thread-safe."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, int], WrappedKey] = {}
        self._lock = threading.Lock()

    def get(self, namespace: str, version: int) -> WrappedKey | None:
        with self._lock:
            return self._rows.get((namespace, version))

    def get_active(self, namespace: str) -> WrappedKey | None:
        with self._lock:
            versions = [v for (ns, v) in self._rows if ns == namespace]
            return self._rows[(namespace, max(versions))] if versions else None

    def insert_if_absent(self, key: WrappedKey) -> bool:
        with self._lock:
            if (key.namespace, key.version) in self._rows:
                return False
            self._rows[(key.namespace, key.version)] = key
            return True

    def list_all(self) -> list[WrappedKey]:
        with self._lock:
            return [self._rows[k] for k in sorted(self._rows)]

    def rewrap_all(self, fn: RewrapFn) -> int:
        with self._lock:
            replaced: dict[tuple[str, int], WrappedKey] = {}
            for ident in sorted(self._rows):
                old = self._rows[ident]
                new = fn(old)
                check_rewrap_keeps_identity(old, new)
                replaced[ident] = new
            self._rows = replaced
            return len(replaced)

    def __repr__(self) -> str:
        return f"MemoryKeyringStore(keys={len(self._rows)})"
