"""The master key: the one secret that opens the key ring, and how it is loaded.

The master key never encrypts data itself. It only wraps the per-namespace data keys kept in
the key ring (see :mod:`credgate.adapters.crypto.barrier`). It comes from, in this order:

1. the environment variable ``CREDGATE_MASTER_KEY`` (base64 of 32 bytes), when set and not
   empty;
2. a key file holding the same base64 text, which must not be readable or writable by group or
   others (mode 0600 or stricter).

Nothing in this module ever prints the key: errors name the file or the variable, never its
content, and :class:`MasterKey` shows only its key id.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path

from credgate.errors import ConfigError

MASTER_KEY_ENV = "CREDGATE_MASTER_KEY"
MASTER_KEY_BYTES = 32
_MAX_KEY_FILE_BYTES = 4096
_GENERATE_HINT = (
    f"set {MASTER_KEY_ENV} to the base64 of 32 random bytes, or create a key file "
    "(credgate init writes one with mode 0600)"
)


class MasterKey:
    """A 256-bit master key. Its ``repr`` shows only the key id, never the bytes."""

    __slots__ = ("_key_id", "_material")

    def __init__(self, material: bytes) -> None:
        if not isinstance(material, bytes) or len(material) != MASTER_KEY_BYTES:
            raise ConfigError(
                f"a master key must be exactly {MASTER_KEY_BYTES} bytes", hint=_GENERATE_HINT
            )
        self._material = material
        self._key_id = hashlib.sha256(material).hexdigest()[:8]

    @classmethod
    def generate(cls, randbytes: Callable[[int], bytes] = os.urandom) -> MasterKey:
        """A fresh random master key."""
        return cls(randbytes(MASTER_KEY_BYTES))

    @classmethod
    def from_base64(cls, text: str, *, source: str) -> MasterKey:
        """Decode base64 text; ``source`` names where it came from, for the error message."""
        try:
            material = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError(
                f"{source} is not valid base64 (the content is not shown)", hint=_GENERATE_HINT
            ) from None
        if len(material) != MASTER_KEY_BYTES:
            raise ConfigError(
                f"{source} decodes to {len(material)} bytes; a master key is "
                f"{MASTER_KEY_BYTES} bytes",
                hint=_GENERATE_HINT,
            )
        return cls(material)

    @property
    def key_id(self) -> str:
        """First 8 hex digits of SHA-256 of the key: safe to log, tells keys apart."""
        return self._key_id

    def secret_bytes(self) -> bytes:
        """The raw key. Only the barrier needs this; never log or store it."""
        return self._material

    def to_base64(self) -> str:
        """The key as base64 text (the key file format). Handle it as the secret it is."""
        return base64.b64encode(self._material).decode("ascii")

    def __repr__(self) -> str:
        return f"MasterKey(key_id={self._key_id!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MasterKey):
            return NotImplemented
        return hmac.compare_digest(self._material, other._material)

    def __hash__(self) -> int:
        return hash(self._key_id)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a MasterKey cannot be pickled")


def load_master_key(*, env: Mapping[str, str], key_file: Path | None) -> MasterKey:
    """Load the master key: ``CREDGATE_MASTER_KEY`` wins, else ``key_file``.

    Raises :class:`ConfigError` when neither is usable, when the file is open to group or
    others, or when the content is not base64 of exactly 32 bytes. The key is never echoed.
    """
    from_env = env.get(MASTER_KEY_ENV, "")
    if from_env.strip():
        return MasterKey.from_base64(from_env, source=f"the environment variable {MASTER_KEY_ENV}")
    if key_file is None:
        raise ConfigError(
            f"no master key: {MASTER_KEY_ENV} is not set and no key file is configured",
            hint=_GENERATE_HINT,
        )
    return MasterKey.from_base64(_read_key_file(key_file), source=f"master key file {key_file}")


def _read_key_file(path: Path) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ConfigError(f"master key file {path} does not exist", hint=_GENERATE_HINT) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot open master key file {path}: {exc.strerror}",
            hint=f"check that the file exists and that the server's user owns it: chmod 600 {path}",
        ) from None
    try:
        # Stat the open descriptor, not the name, so the file checked is the file read.
        info = os.stat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(
                f"master key file {path} is not a regular file",
                hint="point the key file setting at the file credgate init created",
            )
        loose = stat.S_IMODE(info.st_mode) & 0o077
        if loose:
            raise ConfigError(
                f"master key file {path} is accessible by group or others "
                f"(mode {stat.S_IMODE(info.st_mode):04o}); refusing to use it",
                hint=f"run: chmod 600 {path}",
            )
        data = os.read(fd, _MAX_KEY_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > _MAX_KEY_FILE_BYTES:
        raise ConfigError(f"master key file {path} is too large to be a key", hint=_GENERATE_HINT)
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        raise ConfigError(
            f"master key file {path} is not base64 text (the content is not shown)",
            hint=_GENERATE_HINT,
        ) from None


def generate_master_key_file(
    path: Path, *, randbytes: Callable[[int], bytes] = os.urandom
) -> MasterKey:
    """Create ``path`` holding a new random master key, mode 0600; never overwrite.

    The key is written to a temporary file in the same directory (created with
    ``O_CREAT | O_EXCL`` and mode 0600), flushed to disk, then hard-linked into place. The link
    fails if ``path`` exists, so the file either appears complete or not at all, and an
    existing key is never replaced.
    """
    key = MasterKey.generate(randbytes)
    directory = path.parent
    tmp = directory / f".{path.name}.{randbytes(6).hex()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, 0o600)
    except OSError as exc:
        raise ConfigError(
            f"cannot create master key file in {directory}: {exc.strerror}",
            hint="check that the directory exists and is writable by the server's user",
        ) from None
    try:
        try:
            os.fchmod(fd, 0o600)  # the umask may only remove bits; make it exactly 0600
            os.write(fd, (key.to_base64() + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise ConfigError(
                f"master key file {path} already exists; refusing to overwrite it",
                hint="keep the existing key (data is encrypted under it) or move it away first",
            ) from None
        except OSError as exc:
            raise ConfigError(
                f"cannot create master key file {path}: {exc.strerror}",
                hint="check that the directory is writable by the server's user",
            ) from None
        _fsync_directory(directory)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return key


def _fsync_directory(directory: Path) -> None:
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
