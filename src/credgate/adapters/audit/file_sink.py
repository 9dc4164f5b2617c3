"""The default audit sink: one JSON object per line, appended to a file.

Each record is written with a single ``write(2)`` on a descriptor opened with ``O_APPEND``, so
several processes (each with its own writer id) may append to the same file and their lines
interleave whole. The line is the record's canonical JSON, the same bytes its hash covers. With
``fsync=True`` every record is on disk before :meth:`FileAuditSink.write` returns; without it the
line is in the kernel's page cache (it survives a crash of credgate, not of the machine).

The file is opened lazily and reopened after a failed write, so a sink whose disk comes back
recovers by itself; until then every write raises and the broker fails closed. Before each
write the sink checks that its descriptor is still the file at ``path`` (same device and
inode): when the file was renamed (log rotation) or deleted, it opens ``path`` anew instead of
writing into a file nobody will read. A new file continues the chain, so verifying it alone
reports the earlier records as deleted; verify the files together.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from credgate.domain.audit.chain import ChainState, canonical_json
from credgate.errors import InvalidRequest, NotFound

DEFAULT_AUDIT_FILE = Path(".credgate") / "audit.log"
_BLOCK = 64 * 1024


class FileAuditSink:
    """Append sealed records to a JSONL file (created with mode 0600)."""

    name = "file"

    def __init__(
        self, path: str | os.PathLike[str], *, fsync: bool = False, create_dirs: bool = True
    ) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self._create_dirs = create_dirs
        self._fd: int | None = None
        self._identity: tuple[int, int] = (0, 0)
        self._closed = False
        self._lock = threading.Lock()

    def write(self, sealed: Mapping[str, Any]) -> None:
        data = canonical_json(sealed) + b"\n"
        with self._lock:
            if self._closed:
                raise OSError(f"audit file sink for {self.path} is closed")
            fd = self._ensure_open()
            if not self._still_at_path():
                self._drop_fd()
                fd = self._ensure_open()
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                if self.fsync:
                    os.fsync(fd)
            except OSError:
                self._drop_fd()  # a torn line is closed off with a newline on reopen
                raise

    def reopen(self) -> None:
        """Close the descriptor; the next write opens ``path`` again (after log rotation)."""
        with self._lock:
            self._drop_fd()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop_fd()

    def recover(self, writer_id: str) -> ChainState:
        """The chain state after ``writer_id``'s last record, read from the end of the file.

        Reads backwards block by block and stops at the writer's last well-formed record; only a
        file that holds no record of this writer is read to its start.
        """
        if not self.path.exists():
            return ChainState(writer_id)
        for raw in _lines_backwards(self.path):
            try:
                record = json.loads(raw)
            except ValueError:
                continue  # a torn line; verify reports it
            if isinstance(record, dict) and record.get("writer") == writer_id:
                try:
                    return ChainState.after(record)
                except (KeyError, TypeError, ValueError):
                    continue
        return ChainState(writer_id)

    def _ensure_open(self) -> int:
        if self._fd is None:
            if self._create_dirs:
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
            fd = os.open(self.path, flags, 0o600)
            try:
                if _ends_without_newline(self.path):
                    os.write(fd, b"\n")
            except OSError:
                os.close(fd)
                raise
            status = os.fstat(fd)
            self._identity = (status.st_dev, status.st_ino)
            self._fd = fd
        return self._fd

    def _still_at_path(self) -> bool:
        try:
            status = os.stat(self.path)
        except OSError:
            return False
        return (status.st_dev, status.st_ino) == self._identity

    def _drop_fd(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                os.close(fd)

    def __repr__(self) -> str:
        return f"FileAuditSink(path={str(self.path)!r}, fsync={self.fsync})"


def _ends_without_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        if fh.tell() == 0:
            return False
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) != b"\n"


def _lines_backwards(path: Path) -> Iterator[bytes]:
    """Non-blank lines of ``path`` from last to first, reading 64 KiB blocks from the end."""
    with path.open("rb") as fh:
        position = fh.seek(0, os.SEEK_END)
        rest = b""
        while position > 0:
            step = min(_BLOCK, position)
            position -= step
            fh.seek(position)
            parts = (fh.read(step) + rest).split(b"\n")
            rest = parts[0]  # may be the end of a line that starts in an earlier block
            for line in reversed(parts[1:]):
                if line.strip():
                    yield line
        if rest.strip():
            yield rest


def iter_lines(path: str | os.PathLike[str]) -> Iterator[str]:
    """The lines of an audit file (for :func:`credgate.domain.audit.verify_lines`)."""
    file = Path(path)
    try:
        fh = file.open(encoding="utf-8", errors="replace", newline="\n")
    except FileNotFoundError:
        raise NotFound(
            f"no audit file at {file}", hint="pass --file, or check the server's audit settings"
        ) from None
    with fh:
        yield from fh


def iter_records(
    path: str | os.PathLike[str], *, on_malformed: Callable[[int], None] | None = None
) -> Iterator[dict[str, Any]]:
    """Parsed records of an audit file, in file order.

    A line that is not a JSON object raises :class:`~credgate.errors.InvalidRequest`, unless
    ``on_malformed`` is given: then it is called with the line number and the line skipped.
    """
    for number, text in enumerate(iter_lines(path), 1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except ValueError:
            record = None
        if not isinstance(record, dict):
            if on_malformed is None:
                raise InvalidRequest(
                    f"{path} line {number} is not an audit record",
                    hint="run credgate audit verify to see what is wrong with the file",
                )
            on_malformed(number)
            continue
        yield record
