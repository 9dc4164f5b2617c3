"""Fixtures for the encryption-at-rest tests: fixed master keys and inspectable randomness."""

from __future__ import annotations

import pytest
from crypto_helpers import RecordingRandom

from credgate.adapters.crypto.barrier import Barrier
from credgate.adapters.crypto.keyring_store import MemoryKeyringStore
from credgate.adapters.crypto.master_key import MasterKey
from credgate.clock import ManualClock


@pytest.fixture
def master() -> MasterKey:
    """A fixed master key."""
    return MasterKey(bytes(range(32)))


@pytest.fixture
def other_master() -> MasterKey:
    """A second fixed master key (the rotation target)."""
    return MasterKey(bytes(range(100, 132)))


@pytest.fixture
def keyring() -> MemoryKeyringStore:
    """An empty in-memory key ring."""
    return MemoryKeyringStore()


@pytest.fixture
def rng() -> RecordingRandom:
    """Real randomness, recorded."""
    return RecordingRandom()


@pytest.fixture
def barrier(keyring: MemoryKeyringStore, master: MasterKey, rng: RecordingRandom) -> Barrier:
    """A barrier on the in-memory key ring."""
    return Barrier(keyring, master, randbytes=rng, clock=ManualClock())
