"""Encrypting and decrypting stored values: round trips, binding, tampering, key creation."""

from __future__ import annotations

import struct

import pytest
from crypto_helpers import RecordingRandom

from credgate.adapters.crypto.barrier import SYSTEM_NAMESPACE_PREFIX, Barrier
from credgate.adapters.crypto.keyring_store import MemoryKeyringStore, WrappedKey
from credgate.adapters.crypto.master_key import MasterKey
from credgate.errors import DecryptionFailed, InvalidPath, InvalidRequest

CANARY = b"canary-7f3a9c-super-secret-value"


@pytest.mark.parametrize(
    "plaintext", [b"", b"x", CANARY, bytes(range(256)), b"\x00" * 100_000], ids=len
)
def test_round_trip(barrier: Barrier, plaintext: bytes) -> None:
    """A value written is the value read back, whatever its bytes."""
    blob = barrier.encrypt("acme/", "secret/dev/app", 1, plaintext)
    assert barrier.decrypt("acme/", "secret/dev/app", 1, blob) == plaintext


def test_blob_hides_plaintext_and_uses_fresh_nonces(barrier: Barrier) -> None:
    """The stored blob does not contain the value, and the same value encrypts differently."""
    first = barrier.encrypt("acme/", "secret/a", 1, CANARY)
    second = barrier.encrypt("acme/", "secret/a", 1, CANARY)
    assert CANARY not in first
    assert first != second
    assert len(first) == 1 + 4 + 12 + len(CANARY) + 16


@pytest.mark.parametrize(
    ("namespace", "path", "version"),
    [
        ("other/", "secret/a", 3),  # moved to another tenant
        ("acme/team/", "secret/a", 3),  # moved into a child namespace
        ("acme/", "secret/b", 3),  # moved to another path
        ("acme/", "secret/a/", 3),  # path that differs by one character
        ("acme/", "secret/a", 2),  # replayed as an older version
        ("acme/", "secret/a", 4),  # replayed as a newer version
    ],
)
def test_ciphertext_cannot_be_moved(
    barrier: Barrier, namespace: str, path: str, version: int
) -> None:
    """A blob copied to another namespace, path or version is refused, not served."""
    barrier.encrypt("other/", "x", 1, b"gives other/ and acme/team/ a key")
    barrier.encrypt("acme/team/", "x", 1, b"gives acme/team/ a key")
    blob = barrier.encrypt("acme/", "secret/a", 3, CANARY)
    with pytest.raises(DecryptionFailed) as info:
        barrier.decrypt(namespace, path, version, blob)
    assert CANARY.decode() not in str(info.value) + info.value.hint


def test_wrong_key_version_in_header_is_refused(barrier: Barrier) -> None:
    """Relabelling a blob with another data key version (existing or not) fails."""
    blob = barrier.encrypt("acme/", "secret/a", 1, CANARY)
    barrier.rotate_namespace_key("acme/")
    for key_version in (2, 7):
        relabelled = blob[:1] + struct.pack(">I", key_version) + blob[5:]
        with pytest.raises(DecryptionFailed):
            barrier.decrypt("acme/", "secret/a", 1, relabelled)


def test_every_tampered_byte_is_detected(barrier: Barrier) -> None:
    """Flipping any single bit of a stored blob makes the read fail."""
    blob = barrier.encrypt("acme/", "secret/a", 1, CANARY)
    for i in range(len(blob)):
        tampered = bytearray(blob)
        tampered[i] ^= 0x01
        with pytest.raises(DecryptionFailed):
            barrier.decrypt("acme/", "secret/a", 1, bytes(tampered))


@pytest.mark.parametrize("cut", [0, 1, 5, 16, 32])
def test_truncated_blob_is_refused(barrier: Barrier, cut: int) -> None:
    """A blob cut short (partial write, bad copy) fails cleanly."""
    blob = barrier.encrypt("acme/", "secret/a", 1, b"")
    with pytest.raises(DecryptionFailed):
        barrier.decrypt("acme/", "secret/a", 1, blob[:cut])


def test_unknown_format_byte_is_refused(barrier: Barrier) -> None:
    """A blob in a format this version does not know is refused, not misread."""
    blob = barrier.encrypt("acme/", "secret/a", 1, CANARY)
    with pytest.raises(DecryptionFailed, match="unknown blob format 2"):
        barrier.decrypt("acme/", "secret/a", 1, b"\x02" + blob[1:])


def test_error_names_path_but_never_the_value(barrier: Barrier) -> None:
    """An operator learns which path failed; nobody learns the value."""
    blob = barrier.encrypt("acme/", "secret/a", 1, CANARY)
    with pytest.raises(DecryptionFailed) as info:
        barrier.decrypt("acme/", "secret/b", 1, blob)
    text = info.value.message + info.value.hint + repr(info.value) + str(info.value)
    assert "'secret/b'" in info.value.message
    assert CANARY.decode() not in text
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_data_keys_are_created_lazily_per_namespace(
    barrier: Barrier, keyring: MemoryKeyringStore
) -> None:
    """A namespace gets its own data key on first write, and only then."""
    assert keyring.list_all() == []
    barrier.encrypt("acme/", "a", 1, b"v")
    barrier.encrypt("acme/", "b", 1, b"v")
    barrier.encrypt("globex/", "a", 1, b"v")
    rows = keyring.list_all()
    assert [(r.namespace, r.version) for r in rows] == [("acme/", 1), ("globex/", 1)]
    assert {r.master_key_id for r in rows} == {barrier.master_key_id}


def test_key_ring_holds_only_wrapped_keys(
    barrier: Barrier, keyring: MemoryKeyringStore, rng: RecordingRandom
) -> None:
    """The key ring never holds a data key in the clear."""
    barrier.encrypt("acme/", "a", 1, b"v")
    (data_key,) = rng.of_length(32)
    (row,) = keyring.list_all()
    assert data_key not in row.wrapped
    assert len(row.wrapped) == 1 + 12 + 32 + 16
    assert "wrapped" not in repr(row)  # the repr does not dump key material either


def test_another_instance_reads_what_one_wrote(
    keyring: MemoryKeyringStore, master: MasterKey
) -> None:
    """Two broker instances sharing the key ring read each other's values."""
    one, two = Barrier(keyring, master), Barrier(keyring, master)
    blob = one.encrypt("acme/", "a", 1, CANARY)
    assert two.decrypt("acme/", "a", 1, blob) == CANARY


class _StaleFirstRead(MemoryKeyringStore):
    """A key ring whose first get_active answers from before another instance's insert."""

    def __init__(self) -> None:
        super().__init__()
        self.stale_reads = 1

    def get_active(self, namespace: str) -> WrappedKey | None:
        if self.stale_reads:
            self.stale_reads -= 1
            return None
        return super().get_active(namespace)


def test_racing_instances_end_up_with_one_data_key(master: MasterKey) -> None:
    """Two instances creating a namespace's first key at once agree on one key."""
    keyring = _StaleFirstRead()
    winner, loser = Barrier(keyring, master), Barrier(keyring, master)
    keyring.stale_reads = 0
    first = winner.encrypt("acme/", "a", 1, b"from the winner")
    keyring.stale_reads = 1  # the loser does not see the winner's key and tries to insert
    second = loser.encrypt("acme/", "b", 1, b"from the loser")
    assert len(keyring.list_all()) == 1
    fresh = Barrier(keyring, master)
    assert fresh.decrypt("acme/", "a", 1, first) == b"from the winner"
    assert fresh.decrypt("acme/", "b", 1, second) == b"from the loser"


@pytest.mark.parametrize("namespace", ["\x01sys/audit-hmac", "acme\x00/", "a\nb/", "x\x7f"])
def test_namespaces_with_control_characters_are_refused(barrier: Barrier, namespace: str) -> None:
    """No tenant namespace can reach the reserved system keys (or smuggle control bytes)."""
    with pytest.raises(InvalidPath):
        barrier.encrypt(namespace, "a", 1, b"v")


def test_unencodable_path_is_refused(barrier: Barrier) -> None:
    """A path with a lone surrogate is refused as an invalid path, not a crash."""
    with pytest.raises(InvalidPath):
        barrier.encrypt("acme/", "bad\udcff", 1, b"v")


@pytest.mark.parametrize("version", [-1, 2**64])
def test_out_of_range_secret_version_is_refused(barrier: Barrier, version: int) -> None:
    """A secret version that the format cannot hold is refused."""
    with pytest.raises(InvalidRequest):
        barrier.encrypt("acme/", "a", version, b"v")


def test_named_keys_are_stable_random_and_wrapped(
    barrier: Barrier, keyring: MemoryKeyringStore, master: MasterKey
) -> None:
    """The audit and token HMAC keys are 32 random bytes, the same on every instance."""
    audit = barrier.named_key("audit-hmac")
    token = barrier.named_key("token-hmac")
    assert len(audit) == len(token) == 32
    assert audit != token
    assert barrier.named_key("audit-hmac") == audit
    assert Barrier(keyring, master).named_key("audit-hmac") == audit
    rows = {r.namespace: r for r in keyring.list_all()}
    assert set(rows) == {
        SYSTEM_NAMESPACE_PREFIX + "audit-hmac",
        SYSTEM_NAMESPACE_PREFIX + "token-hmac",
    }
    assert audit not in rows[SYSTEM_NAMESPACE_PREFIX + "audit-hmac"].wrapped


@pytest.mark.parametrize("name", ["", "Audit", "a/b", "x" * 64, "-lead"])
def test_invalid_named_key_names_are_refused(barrier: Barrier, name: str) -> None:
    """System key names are short lowercase identifiers."""
    with pytest.raises(InvalidRequest):
        barrier.named_key(name)


def test_repr_shows_no_key_material(barrier: Barrier, rng: RecordingRandom) -> None:
    """Logging the barrier shows the master key id and a count, nothing secret."""
    barrier.encrypt("acme/", "a", 1, CANARY)
    text = repr(barrier)
    assert text == f"Barrier(master_key_id={barrier.master_key_id!r}, cached_keys=1)"
    for chunk in rng.outputs:
        assert chunk.hex() not in text
