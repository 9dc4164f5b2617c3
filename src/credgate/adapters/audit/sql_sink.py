"""The SQL audit sink: sealed records in the ``audit_events`` table (SQLite or PostgreSQL).

The table keeps the record exactly as sealed (``record``, canonical JSON text, so its hash can
be recomputed byte for byte) plus copies of the fields people search by, indexed. ``(writer,
seq)`` is unique: the database itself refuses a second record with a used sequence number.

The sink does not own the engine (the composition root creates and disposes it). Each write is
its own transaction. Reading methods translate database failures into
:class:`credgate.errors.Unavailable`; :meth:`SqlAuditSink.write` lets them propagate so the
broker sees the failure and fails closed when no other sink took the record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from credgate.adapters.storage.schema import metadata
from credgate.domain.audit.chain import Anchor, ChainState, canonical_json
from credgate.domain.audit.event import parse_time
from credgate.errors import Unavailable

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("writer", sa.String(128), nullable=False),
    sa.Column("seq", sa.BigInteger(), nullable=False),
    sa.Column("time", sa.Double(), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("agent_id", sa.String(255)),
    sa.Column("session_id", sa.String(255)),
    sa.Column("trace_id", sa.String(64)),
    sa.Column("namespace", sa.String(255)),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("path", sa.String(1024)),
    sa.Column("result", sa.String(16), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("record", sa.Text(), nullable=False),
    sa.UniqueConstraint("writer", "seq"),
)
sa.Index("ix_audit_events_agent_time", audit_events.c.agent_id, audit_events.c.time)
sa.Index("ix_audit_events_session_time", audit_events.c.session_id, audit_events.c.time)
sa.Index("ix_audit_events_trace_id", audit_events.c.trace_id)
sa.Index("ix_audit_events_time", audit_events.c.time)
sa.Index("ix_audit_events_path", audit_events.c.path)

# Searchable copies of record fields and their column widths (the record keeps the full text).
_SEARCH_COLUMNS = {
    "type": 16,
    "agent_id": 255,
    "session_id": 255,
    "trace_id": 64,
    "namespace": 255,
    "path": 1024,
}


def _text(value: object, limit: int) -> str | None:
    return None if value is None else str(value)[:limit]


class SqlAuditSink:
    """Write sealed records to ``audit_events``; query them back."""

    name = "sql"

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._closed = False

    def write(self, sealed: Mapping[str, Any]) -> None:
        if self._closed:
            raise RuntimeError("the SQL audit sink is closed")
        raw_time = sealed["time"]
        row = {
            "writer": str(sealed["writer"]),
            "seq": int(sealed["seq"]),
            "time": parse_time(raw_time) if isinstance(raw_time, str) else float(raw_time),
            "action": str(sealed["action"]),
            "result": str(sealed["result"]),
            "hash": str(sealed["hash"]),
            "prev_hash": str(sealed["prev_hash"]),
            "record": canonical_json(sealed).decode("utf-8"),
        }
        for column, width in _SEARCH_COLUMNS.items():
            row[column] = _text(sealed.get(column), width)
        with self._engine.begin() as conn:
            conn.execute(audit_events.insert().values(**row))

    def close(self) -> None:
        self._closed = True

    def recover(self, writer_id: str) -> ChainState:
        query = (
            sa.select(audit_events.c.seq, audit_events.c.hash)
            .where(audit_events.c.writer == writer_id)
            .order_by(audit_events.c.seq.desc())
            .limit(1)
        )
        row = self._fetch(query)
        return (
            ChainState(writer_id, int(row[0][0]), str(row[0][1])) if row else ChainState(writer_id)
        )

    def query(
        self,
        *,
        agent: str | None = None,
        session: str | None = None,
        since: float | None = None,
        path: str | None = None,
        trace: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """The most recent ``limit`` matching records, oldest first (see ``service.audit``)."""
        t = audit_events.c
        query = sa.select(t.record)
        if agent is not None:
            query = query.where(t.agent_id == agent)
        if session is not None:
            query = query.where(t.session_id == session)
        if trace is not None:
            query = query.where(t.trace_id == trace)
        if since is not None:
            query = query.where(t.time >= since)
        if path is not None:
            query = query.where(
                t.path.startswith(path[:-1], autoescape=True)
                if path.endswith("*")
                else t.path == path
            )
        query = query.order_by(t.time.desc(), t.writer.desc(), t.seq.desc()).limit(limit)
        return [json.loads(row[0]) for row in reversed(self._fetch(query))]

    def find_value(self, digest: str, *, limit: int = 1000) -> list[dict[str, Any]]:
        """Records whose ``values`` hold the HMAC ``digest`` (a scan of the record text)."""
        t = audit_events.c
        query = (
            sa.select(t.record)
            .where(t.record.contains(f'"{digest}"', autoescape=True))
            .order_by(t.id)
            .limit(limit)
        )
        found = [json.loads(row[0]) for row in self._fetch(query)]
        return [r for r in found if digest in (r.get("values") or {}).values()]

    def records(self, *, batch: int = 1000) -> Iterator[dict[str, Any]]:
        """Every record in insertion order (each writer's records come in seq order)."""
        t = audit_events.c
        last_id = 0
        while True:
            query = sa.select(t.id, t.record).where(t.id > last_id).order_by(t.id).limit(batch)
            rows = self._fetch(query)
            for row in rows:
                yield json.loads(row[1])
            if len(rows) < batch:
                return
            last_id = int(rows[-1][0])

    def anchors(self) -> dict[str, Anchor]:
        """Each writer's last record as a checkpoint (to verify a file's tail against)."""
        t = audit_events.c
        last = sa.select(t.writer, sa.func.max(t.seq).label("seq")).group_by(t.writer).subquery()
        query = sa.select(t.writer, t.seq, t.hash).join(
            last, sa.and_(t.writer == last.c.writer, t.seq == last.c.seq)
        )
        return {str(w): Anchor(str(w), int(s), str(h)) for w, s, h in self._fetch(query)}

    def _fetch(self, query: sa.Select[Any]) -> list[tuple[Any, ...]]:
        try:
            with self._engine.connect() as conn:
                return [tuple(row) for row in conn.execute(query)]
        except SQLAlchemyError as exc:
            raise Unavailable(
                f"the audit table cannot be read ({type(exc).__name__})",
                hint="check the database connection and that migrations ran",
            ) from None

    def __repr__(self) -> str:
        return f"SqlAuditSink(engine={self._engine.url.render_as_string(hide_password=True)!r})"
