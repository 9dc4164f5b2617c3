"""Rotating namespace data keys and the master key."""

from __future__ import annotations

import dataclasses
import struct

import pytest

from credgate.adapters.crypto.barrier import Barrier
from credgate.adapters.crypto.keyring_store import MemoryKeyringStore, WrappedKey
from credgate.adapters.crypto.master_key import MasterKey
from credgate.errors import DecryptionFailed, InvalidRequest


def _key_version(blob: bytes) -> int:
    return int(struct.unpack_from(">I", blob, 1)[0])


def test_rotate_namespace_key_new_writes_use_new_version(
    barrier: Barrier, keyring: MemoryKeyringStore, master: MasterKey
) -> None:
    """After rotation new values use the new key and old values still read back."""
    old = barrier.encrypt("acme/", "a", 1, b"before rotation")
    assert _key_version(old) == 1
    assert barrier.rotate_namespace_key("acme/") == 2
    new = barrier.encrypt("acme/", "a", 2, b"after rotation")
    assert _key_version(new) == 2
    for reader in (barrier, Barrier(keyring, master)):  # this instance and a fresh one
        assert reader.decrypt("acme/", "a", 1, old) == b"before rotation"
        assert reader.decrypt("acme/", "a", 2, new) == b"after rotation"


def test_rotation_is_per_namespace(barrier: Barrier) -> None:
    """Rotating one tenant's key leaves the other tenants' keys alone."""
    barrier.encrypt("acme/", "a", 1, b"v")
    barrier.encrypt("globex/", "a", 1, b"v")
    barrier.rotate_namespace_key("acme/")
    assert _key_version(barrier.encrypt("globex/", "a", 2, b"v")) == 1


def test_other_instances_switch_to_the_rotated_key(
    keyring: MemoryKeyringStore, master: MasterKey
) -> None:
    """A rotation on one instance is used by every instance's next write."""
    one, two = Barrier(keyring, master), Barrier(keyring, master)
    two.encrypt("acme/", "a", 1, b"warms the key cache of instance two")
    one.rotate_namespace_key("acme/")
    assert _key_version(two.encrypt("acme/", "a", 2, b"v")) == 2


def test_rotating_a_namespace_without_key_creates_version_one(barrier: Barrier) -> None:
    """Rotating a fresh namespace simply creates its first key."""
    assert barrier.rotate_namespace_key("new/") == 1
    assert barrier.rotate_namespace_key("new/") == 2


def test_rotate_master_rewraps_everything(
    barrier: Barrier, keyring: MemoryKeyringStore, master: MasterKey, other_master: MasterKey
) -> None:
    """After master rotation the old key opens nothing and all data reads with the new one."""
    blob_a = barrier.encrypt("acme/", "a", 1, b"value a")
    barrier.rotate_namespace_key("acme/")
    blob_b = barrier.encrypt("globex/", "b", 1, b"value b")
    audit_key = barrier.named_key("audit-hmac")
    before = {(r.namespace, r.version): r for r in keyring.list_all()}

    assert barrier.rotate_master_key(other_master) == 4  # acme v1, v2, globex v1, audit-hmac

    after = keyring.list_all()
    assert {r.master_key_id for r in after} == {other_master.key_id}
    for row in after:
        assert row.wrapped != before[(row.namespace, row.version)].wrapped
        assert row.created_at == before[(row.namespace, row.version)].created_at

    stale = Barrier(keyring, master)
    with pytest.raises(DecryptionFailed, match=other_master.key_id):
        stale.decrypt("acme/", "a", 1, blob_a)
    with pytest.raises(DecryptionFailed):
        stale.named_key("audit-hmac")

    for reader in (barrier, Barrier(keyring, other_master)):
        assert reader.master_key_id == other_master.key_id
        assert reader.decrypt("acme/", "a", 1, blob_a) == b"value a"
        assert reader.decrypt("globex/", "b", 1, blob_b) == b"value b"
        assert reader.named_key("audit-hmac") == audit_key  # HMACs stay verifiable


def test_old_master_cannot_open_relabelled_rows(
    barrier: Barrier, keyring: MemoryKeyringStore, master: MasterKey, other_master: MasterKey
) -> None:
    """Even with the master key id column forged back, the old key cannot unwrap."""
    blob = barrier.encrypt("acme/", "a", 1, b"v")
    barrier.rotate_master_key(other_master)
    keyring.rewrap_all(lambda r: dataclasses.replace(r, master_key_id=master.key_id))
    with pytest.raises(DecryptionFailed, match="does not open"):
        Barrier(keyring, master).decrypt("acme/", "a", 1, blob)


def test_rotating_to_the_same_key_is_refused(barrier: Barrier, master: MasterKey) -> None:
    """Rotating to the current key is an operator mistake, reported as such."""
    with pytest.raises(InvalidRequest, match="current one"):
        barrier.rotate_master_key(MasterKey(master.secret_bytes()))


def test_rerunning_a_committed_rotation_is_safe(
    barrier: Barrier, keyring: MemoryKeyringStore, master: MasterKey, other_master: MasterKey
) -> None:
    """Running the rotation again (old config, rotation already done) changes nothing."""
    blob = barrier.encrypt("acme/", "a", 1, b"v")
    barrier.rotate_master_key(other_master)
    again = Barrier(keyring, master)
    assert again.rotate_master_key(other_master) == 0
    assert again.decrypt("acme/", "a", 1, blob) == b"v"


def test_failed_rotation_changes_nothing(
    barrier: Barrier, keyring: MemoryKeyringStore, master: MasterKey, other_master: MasterKey
) -> None:
    """If one key cannot be re-wrapped, no key is: the old master still opens everything."""
    blob = barrier.encrypt("acme/", "a", 1, b"v")
    barrier.encrypt("globex/", "a", 1, b"v")
    corrupt = WrappedKey("zzz/", 1, b"\x01" + b"\x00" * 60, master.key_id, 0.0)
    assert keyring.insert_if_absent(corrupt)
    before = keyring.list_all()
    with pytest.raises(DecryptionFailed, match="'zzz/'"):
        barrier.rotate_master_key(other_master)
    assert keyring.list_all() == before
    assert barrier.master_key_id == master.key_id
    assert Barrier(keyring, master).decrypt("acme/", "a", 1, blob) == b"v"


def test_stale_instance_does_not_add_keys_under_old_master(
    keyring: MemoryKeyringStore, master: MasterKey, other_master: MasterKey
) -> None:
    """An instance still on the old master refuses to create keys nobody else could open."""
    stale = Barrier(keyring, master)
    stale.encrypt("acme/", "a", 1, b"v")
    Barrier(keyring, master).rotate_master_key(other_master)
    with pytest.raises(DecryptionFailed, match="no new key was created"):
        stale.encrypt("new/", "a", 1, b"v")
    assert [r.namespace for r in keyring.list_all()] == ["acme/"]


def test_verify_master_key_at_startup(
    barrier: Barrier, keyring: MemoryKeyringStore, master: MasterKey, other_master: MasterKey
) -> None:
    """Starting with the wrong master key fails at once, naming both key ids."""
    barrier.encrypt("acme/", "a", 1, b"v")
    barrier.named_key("token-hmac")
    assert Barrier(keyring, master).verify_master_key() == 2
    with pytest.raises(DecryptionFailed) as info:
        Barrier(keyring, other_master).verify_master_key()
    assert barrier.master_key_id in info.value.message
    assert other_master.key_id in info.value.message
