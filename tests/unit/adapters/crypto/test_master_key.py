"""Loading, generating and showing the master key."""

from __future__ import annotations

import base64
import hashlib
import os
import pickle
from pathlib import Path

import pytest

from credgate.adapters.crypto.master_key import (
    MASTER_KEY_ENV,
    MasterKey,
    generate_master_key_file,
    load_master_key,
)
from credgate.errors import ConfigError

KEY_A = bytes(range(32))
KEY_B = bytes(range(1, 33))


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def _key_file(tmp_path: Path, key: bytes, mode: int = 0o600, name: str = "master.key") -> Path:
    path = tmp_path / name
    path.write_text(_b64(key) + "\n")
    path.chmod(mode)
    return path


def test_env_wins_over_key_file(tmp_path: Path) -> None:
    """With both configured, the server uses CREDGATE_MASTER_KEY, not the file."""
    path = _key_file(tmp_path, KEY_B)
    key = load_master_key(env={MASTER_KEY_ENV: _b64(KEY_A)}, key_file=path)
    assert key == MasterKey(KEY_A)
    assert key != MasterKey(KEY_B)


def test_key_file_used_when_env_unset_or_empty(tmp_path: Path) -> None:
    """Without the variable (or with it empty) the key file is read."""
    path = _key_file(tmp_path, KEY_B)
    assert load_master_key(env={}, key_file=path) == MasterKey(KEY_B)
    assert load_master_key(env={MASTER_KEY_ENV: "  "}, key_file=path) == MasterKey(KEY_B)


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_private_key_file_modes_are_accepted(tmp_path: Path, mode: int) -> None:
    """A key file only its owner can access is loaded."""
    path = _key_file(tmp_path, KEY_A, mode)
    assert load_master_key(env={}, key_file=path) == MasterKey(KEY_A)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o602, 0o660, 0o666, 0o610])
def test_key_file_open_to_group_or_others_is_refused(tmp_path: Path, mode: int) -> None:
    """A key file others could read or replace is refused, with the chmod that fixes it."""
    path = _key_file(tmp_path, KEY_A, mode)
    with pytest.raises(ConfigError) as info:
        load_master_key(env={}, key_file=path)
    assert str(path) in info.value.message
    assert f"{mode:04o}" in info.value.message
    assert info.value.hint == f"run: chmod 600 {path}"
    assert _b64(KEY_A) not in repr(info.value) + info.value.hint


def test_missing_key_file_is_a_config_error(tmp_path: Path) -> None:
    """A missing key file names the file instead of crashing."""
    path = tmp_path / "nope.key"
    with pytest.raises(ConfigError, match="does not exist") as info:
        load_master_key(env={}, key_file=path)
    assert str(path) in info.value.message


def test_no_key_configured_is_a_config_error() -> None:
    """Neither variable nor file: the error says how to provide a key."""
    with pytest.raises(ConfigError, match="no master key") as info:
        load_master_key(env={}, key_file=None)
    assert MASTER_KEY_ENV in info.value.hint


def test_directory_as_key_file_is_refused(tmp_path: Path) -> None:
    """Pointing the key file at a directory is a clear configuration error."""
    directory = tmp_path / "keys"
    directory.mkdir(mode=0o700)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_master_key(env={}, key_file=directory)


@pytest.mark.parametrize(
    "text",
    [
        "not base64 at all!!",
        _b64(KEY_A)[:-4],  # 30 bytes
        _b64(KEY_A + b"xx"),  # 34 bytes
        _b64(b"short"),
        "",
    ],
)
def test_bad_key_file_content_is_refused_without_echo(tmp_path: Path, text: str) -> None:
    """Garbage or a wrong-length key in the file is refused and the content is not shown."""
    path = tmp_path / "master.key"
    path.write_text(text)
    path.chmod(0o600)
    with pytest.raises(ConfigError) as info:
        load_master_key(env={}, key_file=path)
    shown = info.value.message + info.value.hint + repr(info.value)
    if text:
        assert text not in shown
    assert str(path) in info.value.message


@pytest.mark.parametrize("text", ["%%%%", _b64(KEY_A)[:-4], _b64(b"k" * 16)])
def test_bad_env_key_is_refused_without_echo(text: str) -> None:
    """A malformed CREDGATE_MASTER_KEY is refused, naming the variable but not its value."""
    with pytest.raises(ConfigError) as info:
        load_master_key(env={MASTER_KEY_ENV: text}, key_file=None)
    assert MASTER_KEY_ENV in info.value.message
    assert text not in info.value.message + info.value.hint + repr(info.value)


def test_binary_key_file_is_refused(tmp_path: Path) -> None:
    """A key file holding raw bytes instead of base64 text is refused."""
    path = tmp_path / "master.key"
    path.write_bytes(b"\xff" * 32)
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="not base64"):
        load_master_key(env={}, key_file=path)


def test_generated_key_file_is_0600_and_loads_back(tmp_path: Path) -> None:
    """`credgate init` gets a private key file that the loader accepts, even under umask 0."""
    path = tmp_path / "master.key"
    old_umask = os.umask(0)
    try:
        key = generate_master_key_file(path)
    finally:
        os.umask(old_umask)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_master_key(env={}, key_file=path) == key
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.key"]  # no temp file left


def test_generate_refuses_to_overwrite(tmp_path: Path) -> None:
    """Generating over an existing key file fails and keeps the old key intact."""
    path = _key_file(tmp_path, KEY_A)
    with pytest.raises(ConfigError, match="already exists"):
        generate_master_key_file(path)
    assert load_master_key(env={}, key_file=path) == MasterKey(KEY_A)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.key"]


def test_generate_in_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    """A key file path in a directory that does not exist gives a clear error."""
    with pytest.raises(ConfigError, match="cannot create"):
        generate_master_key_file(tmp_path / "missing" / "master.key")


def test_generated_keys_differ() -> None:
    """Two generated keys are different (real randomness is used by default)."""
    assert MasterKey.generate() != MasterKey.generate()


def test_repr_shows_key_id_never_the_key() -> None:
    """Logging a MasterKey shows its id, not its bytes in any encoding."""
    key = MasterKey(KEY_A)
    expected_id = hashlib.sha256(KEY_A).hexdigest()[:8]
    assert key.key_id == expected_id
    assert repr(key) == f"MasterKey(key_id={expected_id!r})"
    assert str(key) == repr(key)
    for leak in (_b64(KEY_A), KEY_A.hex(), repr(KEY_A)):
        assert leak not in repr(key)


def test_master_key_cannot_be_pickled() -> None:
    """A master key cannot be serialised by accident (into a cache, a queue, a crash dump)."""
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(MasterKey(KEY_A))


@pytest.mark.parametrize("material", [b"", b"x" * 31, b"x" * 33])
def test_wrong_length_material_is_refused(material: bytes) -> None:
    """Only 32-byte keys exist: AES-256, never a shorter key."""
    with pytest.raises(ConfigError, match="exactly 32 bytes"):
        MasterKey(material)
