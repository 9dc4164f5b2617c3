"""Known-answer vectors: the on-disk formats of value blobs and wrapped keys never drift.

If one of these tests fails, data written by earlier releases may no longer decrypt. Do not
update the vectors; add a new format byte and keep reading the old one.
"""

from __future__ import annotations

import struct

from crypto_helpers import ScriptedRandom
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from credgate.adapters.crypto.barrier import Barrier
from credgate.adapters.crypto.keyring_store import MemoryKeyringStore, WrappedKey
from credgate.adapters.crypto.master_key import MasterKey
from credgate.clock import ManualClock

MASTER = bytes(range(32))
MASTER_KEY_ID = "630dcd29"
DATA_KEY = bytes(range(0x40, 0x60))
WRAP_NONCE = bytes(range(0x80, 0x8C))
VALUE_NONCE = bytes(range(0x90, 0x9C))
NAMESPACE, PATH, VERSION = "acme/", "secret/dev/app", 3
PLAINTEXT = b'{"password":"hunter2"}'

EXPECTED_WRAPPED = bytes.fromhex(
    "01808182838485868788898a8b20e42c580557a7d6d6c25f7b0a3ee46af70fe7ac5ee55b5d75a4da93eaa1"
    "63ab2898bd868b27e2bf71b6340180cc87dc"
)
EXPECTED_BLOB = bytes.fromhex(
    "0100000001909192939495969798999a9b0d15fe5fa2a153cad381b0d4d02683c391b2a581e6ac2c6231a0"
    "0ea1a1605badd1b0e1393ce5"
)


def _lp(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def test_master_key_id_vector() -> None:
    """The key id printed in logs is the first 8 hex digits of SHA-256 of the key."""
    assert MasterKey(MASTER).key_id == MASTER_KEY_ID


def test_encrypt_produces_the_known_bytes() -> None:
    """With fixed keys and nonces, encryption yields exactly the recorded bytes."""
    keyring = MemoryKeyringStore()
    rng = ScriptedRandom([DATA_KEY, WRAP_NONCE, VALUE_NONCE])
    barrier = Barrier(keyring, MasterKey(MASTER), randbytes=rng, clock=ManualClock())
    assert barrier.encrypt(NAMESPACE, PATH, VERSION, PLAINTEXT) == EXPECTED_BLOB
    (row,) = keyring.list_all()
    assert (row.namespace, row.version, row.master_key_id) == (NAMESPACE, 1, MASTER_KEY_ID)
    assert row.wrapped == EXPECTED_WRAPPED


def test_recorded_bytes_decrypt() -> None:
    """Data written in this format by an earlier release still reads back."""
    keyring = MemoryKeyringStore()
    keyring.insert_if_absent(WrappedKey(NAMESPACE, 1, EXPECTED_WRAPPED, MASTER_KEY_ID, 0.0))
    barrier = Barrier(keyring, MasterKey(MASTER), randbytes=ScriptedRandom([]))
    assert barrier.decrypt(NAMESPACE, PATH, VERSION, EXPECTED_BLOB) == PLAINTEXT


def test_vectors_match_the_documented_layout() -> None:
    """The bytes follow docs/concepts/encryption.md, rebuilt here from raw AES-256-GCM."""
    wrap_aad = (
        b"\x01"
        + _lp(b"credgate-dek")
        + _lp(NAMESPACE.encode())
        + struct.pack(">I", 1)
        + _lp(MASTER_KEY_ID.encode())
    )
    wrapped = b"\x01" + WRAP_NONCE + AESGCM(MASTER).encrypt(WRAP_NONCE, DATA_KEY, wrap_aad)
    assert wrapped == EXPECTED_WRAPPED

    header = b"\x01" + struct.pack(">I", 1)
    value_aad = (
        header
        + _lp(b"credgate-value")
        + _lp(NAMESPACE.encode())
        + _lp(PATH.encode())
        + struct.pack(">Q", VERSION)
    )
    blob = header + VALUE_NONCE + AESGCM(DATA_KEY).encrypt(VALUE_NONCE, PLAINTEXT, value_aad)
    assert blob == EXPECTED_BLOB
