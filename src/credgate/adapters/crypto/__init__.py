"""Encryption at rest: master key, key ring and the barrier (docs/concepts/encryption.md).

The SQL key ring lives in :mod:`credgate.adapters.crypto.sql_keyring` (imported on demand so
this package does not pull in SQLAlchemy).
"""

from credgate.adapters.crypto.barrier import Barrier
from credgate.adapters.crypto.keyring_store import KeyringStore, MemoryKeyringStore, WrappedKey
from credgate.adapters.crypto.master_key import (
    MasterKey,
    generate_master_key_file,
    load_master_key,
)

__all__ = [
    "Barrier",
    "KeyringStore",
    "MasterKey",
    "MemoryKeyringStore",
    "WrappedKey",
    "generate_master_key_file",
    "load_master_key",
]
