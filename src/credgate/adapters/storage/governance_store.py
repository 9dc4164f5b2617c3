"""Data access for risk and autonomy records, inside a request's transaction (:class:`SqlTx`).

Status transitions are compare-and-set (``UPDATE ... WHERE status = :old``): two concurrent
redemptions of one approval cannot both win.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any, NamedTuple, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from credgate.adapters.storage import codec
from credgate.adapters.storage import governance_tables as g
from credgate.adapters.storage.sql_store import SqlTx
from credgate.domain.approvals import Approval
from credgate.domain.elevations import Elevation, ElevationProfile
from credgate.domain.grant_proposals import GrantProposal
from credgate.domain.tokens import TokenEntry
from credgate.errors import Conflict

T = TypeVar("T")

MAX_REASONS = 20  # a session's or a token's taint keeps its latest reasons
LINEAGE_DEPTH = 16  # how far up ``parent_accessor`` a token's lineage is followed

# The token, then its parents while they belong to the same principal, one row each, up to one
# past LINEAGE_DEPTH (that extra row says the chain is longer than the walk may go).
_LINEAGE_SQL = (
    "WITH RECURSIVE lineage(accessor, parent_accessor, principal_id, depth) AS ("
    " SELECT accessor, parent_accessor, principal_id, 0 FROM tokens WHERE accessor = :a"
    " UNION ALL"
    " SELECT t.accessor, t.parent_accessor, t.principal_id, l.depth + 1"
    " FROM tokens t JOIN lineage l ON t.accessor = l.parent_accessor"
    " WHERE t.principal_id = l.principal_id AND l.depth < :limit)"
    " SELECT l.accessor, l.depth, tt.accessor IS NOT NULL AS tainted"
    " FROM lineage l LEFT JOIN token_taints tt ON tt.accessor = l.accessor"
    " ORDER BY l.depth"
)


class TokenTaint(NamedTuple):
    """Where a token's lineage starts and whether taint follows it.

    ``root`` is the top-most token of the principal's own chain (children and elevations share
    their parent's root). ``too_deep`` means the chain is longer than :data:`LINEAGE_DEPTH`:
    the root was not reached, so the token counts as tainted (fail closed: a chain of child
    tokens cannot walk away from a tainted ancestor).
    """

    root: str
    tainted: bool
    too_deep: bool = False


class GovernanceStore:
    """Stateless: every method takes the transaction it works in."""

    # -- namespace risk configuration --------------------------------------------------------
    @staticmethod
    def risk_config(tx: SqlTx, namespace: str) -> str:
        rows = tx.fetch(
            "SELECT risk_config FROM namespace_settings WHERE namespace = :ns", ns=namespace
        )
        return str(rows[0].risk_config) if rows else ""

    @staticmethod
    def put_risk_config(tx: SqlTx, namespace: str, text: str, now: float, by: str | None) -> None:
        t = g.namespace_settings
        done = tx.conn.execute(
            t.update()
            .where(t.c.namespace == namespace)
            .values(risk_config=text, updated_at=now, updated_by=by)
        )
        if done.rowcount == 0:
            tx.conn.execute(
                t.insert().values(
                    namespace=namespace, risk_config=text, updated_at=now, updated_by=by
                )
            )

    # -- sessions ---------------------------------------------------------------------------
    @staticmethod
    def session(tx: SqlTx, namespace: str, session_id: str) -> tuple[bool, list[dict[str, Any]]]:
        rows = tx.fetch(
            "SELECT tainted, reasons FROM sessions WHERE namespace = :ns AND session_id = :sid",
            ns=namespace,
            sid=session_id,
        )
        if not rows:
            return False, []
        row = rows[0]
        return bool(row.tainted), list(json.loads(row.reasons))

    @classmethod
    def taint(
        cls,
        tx: SqlTx,
        namespace: str,
        session_id: str,
        *,
        principal_id: str | None,
        reason: dict[str, Any],
        now: float,
    ) -> list[dict[str, Any]]:
        exists = tx.conn.execute(
            sa.select(g.sessions.c.session_id).where(
                g.sessions.c.namespace == namespace, g.sessions.c.session_id == session_id
            )
        ).first()
        _, reasons = cls.session(tx, namespace, session_id)
        reasons = [*reasons, reason][-MAX_REASONS:]
        values = {"tainted": True, "reasons": json.dumps(reasons), "updated_at": now}
        if exists is None:
            tx.conn.execute(
                g.sessions.insert().values(
                    namespace=namespace,
                    session_id=session_id,
                    principal_id=principal_id,
                    created_at=now,
                    **values,
                )
            )
        else:
            tx.conn.execute(
                g.sessions.update()
                .where(g.sessions.c.namespace == namespace, g.sessions.c.session_id == session_id)
                .values(**values)
            )
        return reasons

    # -- token lineages (taint that follows the token, not the client-chosen session id) ---
    @staticmethod
    def token_taint(tx: SqlTx, entry: TokenEntry) -> TokenTaint:
        """The lineage root of ``entry`` and whether it is tainted: one indexed query."""
        if entry.parent_accessor is None:  # the common case: a token that stands on its own
            rows = tx.fetch(
                "SELECT accessor FROM token_taints WHERE accessor = :a", a=entry.accessor
            )
            return TokenTaint(entry.accessor, bool(rows))
        rows = tx.fetch(_LINEAGE_SQL, a=entry.accessor, limit=LINEAGE_DEPTH + 1)
        inside = [r for r in rows if r.depth <= LINEAGE_DEPTH]
        too_deep = len(inside) < len(rows)
        root = inside[-1].accessor if inside else entry.accessor
        return TokenTaint(root, too_deep or any(bool(r.tainted) for r in inside), too_deep)

    @staticmethod
    def taint_token(
        tx: SqlTx,
        root: str,
        *,
        namespace: str,
        principal_id: str | None,
        reason: dict[str, Any],
        now: float,
    ) -> list[dict[str, Any]]:
        """Taint a lineage (by its root's accessor), appending ``reason``; return the reasons."""
        t = g.token_taints
        dialect = postgresql if tx.conn.dialect.name == "postgresql" else sqlite
        first = (
            dialect.insert(t)
            .values(
                accessor=root,
                namespace=namespace,
                principal_id=principal_id,
                reasons=json.dumps([reason]),
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=[t.c.accessor])
            .returning(t.c.accessor)  # rowcount is not reliable here (psycopg says -1)
        )
        if tx.conn.execute(first).first() is not None:
            return [reason]
        row = tx.conn.execute(sa.select(t.c.reasons).where(t.c.accessor == root)).one()
        reasons = [*json.loads(row.reasons), reason][-MAX_REASONS:]
        tx.conn.execute(
            t.update()
            .where(t.c.accessor == root)
            .values(reasons=json.dumps(reasons), updated_at=now)
        )
        return reasons

    # -- approvals and suggestions ----------------------------------------------------------
    @staticmethod
    def insert_approval(tx: SqlTx, approval: Approval, *, kind: str) -> None:
        tx.conn.execute(
            g.approvals.insert().values(
                id=approval.id,
                kind=kind,
                namespace=approval.request.namespace,
                principal_id=approval.request.principal_id,
                status=approval.status.value,
                path=approval.request.path,
                created_at=approval.created_at,
                expires_at=approval.expires_at,
                record=codec.dumps(approval),
            )
        )

    @staticmethod
    def approval(tx: SqlTx, approval_id: str) -> tuple[str, Approval] | None:
        row = tx.conn.execute(
            sa.select(g.approvals.c.kind, g.approvals.c.record).where(
                g.approvals.c.id == approval_id
            )
        ).first()
        return None if row is None else (row.kind, codec.loads(Approval, row.record))

    @staticmethod
    def approvals(
        tx: SqlTx,
        namespace: str,
        *,
        principal_id: str | None = None,
        status: str | None = None,
        kind: str | None = None,
        limit: int = 200,
    ) -> list[tuple[str, Approval]]:
        t = g.approvals
        query = sa.select(t.c.kind, t.c.record).where(t.c.namespace == namespace)
        if principal_id is not None:
            query = query.where(t.c.principal_id == principal_id)
        if status is not None:
            query = query.where(t.c.status == status)
        if kind is not None:
            query = query.where(t.c.kind == kind)
        rows = tx.conn.execute(query.order_by(t.c.created_at.desc()).limit(limit))
        return [(r.kind, codec.loads(Approval, r.record)) for r in rows]

    @staticmethod
    def update_approval(tx: SqlTx, old_status: str, approval: Approval) -> None:
        """Persist a transition; Conflict when someone else changed it first."""
        _compare_and_set(
            tx, g.approvals, "approval", approval.id, old_status, approval.status.value, approval
        )

    # -- elevation profiles, elevations, proposals ------------------------------------------
    @staticmethod
    def put_profile(tx: SqlTx, namespace: str, profile: ElevationProfile, now: float) -> None:
        t = g.elevation_profiles
        tx.conn.execute(t.delete().where(t.c.namespace == namespace, t.c.name == profile.name))
        tx.conn.execute(
            t.insert().values(
                namespace=namespace, name=profile.name, record=codec.dumps(profile), updated_at=now
            )
        )

    @staticmethod
    def profile(tx: SqlTx, namespace: str, name: str) -> ElevationProfile | None:
        t = g.elevation_profiles
        row = tx.conn.execute(
            sa.select(t.c.record).where(t.c.namespace == namespace, t.c.name == name)
        ).first()
        return None if row is None else codec.loads(ElevationProfile, row.record)

    @staticmethod
    def profiles(tx: SqlTx, namespace: str) -> list[ElevationProfile]:
        t = g.elevation_profiles
        rows = tx.conn.execute(
            sa.select(t.c.record).where(t.c.namespace == namespace).order_by(t.c.name)
        )
        return [codec.loads(ElevationProfile, r.record) for r in rows]

    @staticmethod
    def delete_profile(tx: SqlTx, namespace: str, name: str) -> bool:
        t = g.elevation_profiles
        return (
            tx.conn.execute(t.delete().where(t.c.namespace == namespace, t.c.name == name)).rowcount
            > 0
        )

    @staticmethod
    def insert_elevation(tx: SqlTx, e: Elevation) -> None:
        _insert_agent_record(tx, g.elevations, e)

    @staticmethod
    def elevation(tx: SqlTx, elevation_id: str) -> Elevation | None:
        return _record(tx, g.elevations, Elevation, elevation_id)

    @staticmethod
    def elevations(
        tx: SqlTx, namespace: str, *, agent_id: str | None = None, limit: int = 200
    ) -> list[Elevation]:
        return _agent_records(tx, g.elevations, Elevation, namespace, agent_id, limit)

    @staticmethod
    def live_elevations(tx: SqlTx, *, limit: int = 500) -> list[Elevation]:
        """Elevations of every namespace whose stored status is pending, approved or active
        (the ones that may have run out, or lost their token, since they were written)."""
        t = g.elevations
        rows = tx.conn.execute(
            sa.select(t.c.record)
            .where(t.c.status.in_(("pending", "approved", "active")))
            .order_by(t.c.created_at)
            .limit(limit)
        )
        return [codec.loads(Elevation, r.record) for r in rows]

    @staticmethod
    def update_elevation(tx: SqlTx, old_status: str, e: Elevation) -> None:
        _compare_and_set(tx, g.elevations, "elevation", e.id, old_status, e.status.value, e)

    @staticmethod
    def insert_proposal(tx: SqlTx, p: GrantProposal) -> None:
        _insert_agent_record(tx, g.proposals, p)

    @staticmethod
    def proposal(tx: SqlTx, proposal_id: str) -> GrantProposal | None:
        return _record(tx, g.proposals, GrantProposal, proposal_id)

    @staticmethod
    def proposals(
        tx: SqlTx, namespace: str, *, agent_id: str | None = None, limit: int = 200
    ) -> list[GrantProposal]:
        return _agent_records(tx, g.proposals, GrantProposal, namespace, agent_id, limit)

    @staticmethod
    def update_proposal(tx: SqlTx, old_status: str, p: GrantProposal) -> None:
        _compare_and_set(tx, g.proposals, "proposal", p.id, old_status, p.status.value, p)


class _AgentRecord(Protocol):
    """An elevation or a grant proposal: what their two tables index."""

    @property
    def id(self) -> str: ...

    @property
    def namespace(self) -> str: ...

    @property
    def agent_id(self) -> str: ...

    @property
    def created_at(self) -> float: ...

    @property
    def status(self) -> Enum: ...


def _insert_agent_record(tx: SqlTx, table: sa.Table, rec: _AgentRecord) -> None:
    tx.conn.execute(
        table.insert().values(
            id=rec.id,
            namespace=rec.namespace,
            agent_id=rec.agent_id,
            status=rec.status.value,
            created_at=rec.created_at,
            record=codec.dumps(rec),
        )
    )


def _record(tx: SqlTx, table: sa.Table, cls: type[T], record_id: str) -> T | None:
    row = tx.conn.execute(sa.select(table.c.record).where(table.c.id == record_id)).first()
    return None if row is None else codec.loads(cls, row.record)


def _agent_records(
    tx: SqlTx, table: sa.Table, cls: type[T], namespace: str, agent_id: str | None, limit: int
) -> list[T]:
    query = sa.select(table.c.record).where(table.c.namespace == namespace)
    if agent_id is not None:
        query = query.where(table.c.agent_id == agent_id)
    rows = tx.conn.execute(query.order_by(table.c.created_at.desc()).limit(limit))
    return [codec.loads(cls, r.record) for r in rows]


def _compare_and_set(
    tx: SqlTx,
    table: sa.Table,
    what: str,
    record_id: str,
    old_status: str,
    new_status: str,
    record: object,
) -> None:
    """Store a status transition only if nobody changed the status first (else Conflict)."""
    done = tx.conn.execute(
        table.update()
        .where(table.c.id == record_id, table.c.status == old_status)
        .values(status=new_status, record=codec.dumps(record))
    )
    if done.rowcount != 1:
        raise Conflict(f"{what} {record_id} changed meanwhile", hint="read it again and retry")
