"""Checkpoint stores: where each writer saves its chain head (issue 15).

- :class:`SqlCheckpointStore`: the ``audit_checkpoints`` table of the instance's database
  (one row per writer, upserted; SQLite or PostgreSQL).
- :class:`FileCheckpointStore`: a second place, a JSON file in the format of
  :func:`credgate.domain.audit.anchors_to_json` (so ``credgate audit verify --anchor FILE``
  reads it too), replaced atomically (temporary file, fsync, rename; mode 0600) and merged
  across writers under an advisory lock, so several worker processes can share it.

Both refuse to move a writer's checkpoint backwards (see
:class:`credgate.domain.audit.CheckpointStore`). Reading failures raise
:class:`credgate.errors.Unavailable`; writing failures propagate (the broker logs them).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from credgate.adapters.storage.governance_tables import audit_checkpoints
from credgate.domain.audit.chain import Anchor, Checkpoint, anchors_from_json, anchors_to_json
from credgate.errors import Unavailable


def _advances(stored_seq: int, stored_hash: str, anchor: Anchor) -> bool:
    return stored_seq < anchor.seq or (stored_seq == anchor.seq and stored_hash == anchor.hash)


class SqlCheckpointStore:
    """Chain heads in the ``audit_checkpoints`` table (the engine is the caller's)."""

    name = "database"

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def read(self) -> list[Checkpoint]:
        t = audit_checkpoints.c
        query = sa.select(t.writer, t.seq, t.hash, t.updated_at).order_by(t.writer)
        try:
            with self._engine.connect() as conn:
                rows = [tuple(row) for row in conn.execute(query)]
        except SQLAlchemyError as exc:
            raise Unavailable(
                f"the audit checkpoints cannot be read ({type(exc).__name__})",
                hint="check the database connection and that migrations ran (credgate init)",
            ) from None
        return [
            Checkpoint(str(w), int(s), str(h), float(at) if at is not None else None, self.name)
            for w, s, h, at in rows
        ]

    def write(self, anchor: Anchor, *, at: float) -> bool:
        t = audit_checkpoints.c
        values = {"seq": anchor.seq, "hash": anchor.hash, "updated_at": at}
        with self._engine.begin() as conn:
            moved = conn.execute(
                audit_checkpoints.update()
                .where(
                    t.writer == anchor.writer,
                    sa.or_(t.seq < anchor.seq, sa.and_(t.seq == anchor.seq, t.hash == anchor.hash)),
                )
                .values(**values)
            )
            if moved.rowcount:
                return True
            exists = conn.execute(sa.select(t.seq).where(t.writer == anchor.writer)).first()
            if exists is not None:
                return False
            conn.execute(audit_checkpoints.insert().values(writer=anchor.writer, **values))
            return True

    def __repr__(self) -> str:
        url = self._engine.url.render_as_string(hide_password=True)
        return f"SqlCheckpointStore(engine={url!r})"


class FileCheckpointStore:
    """Chain heads in a JSON file (``{"writer": {"seq": N, "hash": "…"}}``)."""

    name = "file"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def read(self) -> list[Checkpoint]:
        try:
            text = self.path.read_text(encoding="utf-8")
            at = self.path.stat().st_mtime
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise Unavailable(
                f"cannot read the audit checkpoint file {self.path} ({exc.strerror})"
            ) from None
        try:
            anchors = anchors_from_json(text)
        except ValueError as exc:
            raise Unavailable(
                f"the audit checkpoint file {self.path} is not valid: {exc}",
                hint="it is written by the server (audit_checkpoint_file); was it edited?",
            ) from None
        return [Checkpoint(a.writer, a.seq, a.hash, at, self.name) for a in anchors.values()]

    def write(self, anchor: Anchor, *, at: float) -> bool:
        with self._lock, self._locked():
            current = {c.writer: c.anchor for c in self.read()}
            stored = current.get(anchor.writer)
            if stored is not None and not _advances(stored.seq, stored.hash, anchor):
                return False
            current[anchor.writer] = anchor
            self._replace(anchors_to_json(current).encode("utf-8"), at)
            return True

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """An advisory lock on ``<path>.lock``: other processes merge after us, not over us."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _replace(self, data: bytes, at: float) -> None:
        temp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.utime(temp, (at, at))
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
        with contextlib.suppress(OSError):
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)

    def __repr__(self) -> str:
        return f"FileCheckpointStore(path={str(self.path)!r})"
