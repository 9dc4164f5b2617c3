"""The durable delivery queue on SQL: enqueue, claim, finish, recover, list, redeliver.

Claiming is one ``UPDATE ... WHERE id IN (SELECT ... due ... LIMIT n) AND status='pending'``
that stamps a random claim token. On PostgreSQL the inner select is ``FOR UPDATE SKIP
LOCKED``, so two broker instances polling at once take disjoint rows and neither waits; on
SQLite the statement runs under the database write lock (``BEGIN IMMEDIATE``). Finishing
an attempt updates the row only while it still carries the same token, so an instance whose
lease ran out cannot overwrite the outcome of the instance that took the delivery over.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from credgate.adapters.notify.tables import deliveries, webhooks
from credgate.domain.deliveries import DEAD, DELIVERING, PENDING, AttemptResult, Transition
from credgate.domain.notifications import Notification


@dataclass(frozen=True)
class DeliveryRecord:
    """A ``deliveries`` row: the queue entry and its log of the last attempt."""

    id: str
    webhook_id: str
    namespace: str
    notification_id: str
    kind: str
    notification: dict[str, Any]
    status: str
    attempts: int
    next_at: float
    claimed_at: float | None
    last_attempt_at: float | None
    last_status_code: int | None
    last_error: str | None
    created_at: float
    delivered_at: float | None


def _record(row: Any) -> DeliveryRecord:
    m = row._mapping
    return DeliveryRecord(
        id=m["id"],
        webhook_id=m["webhook_id"],
        namespace=m["namespace"],
        notification_id=m["notification_id"],
        kind=m["kind"],
        notification=json.loads(m["notification"]),
        status=m["status"],
        attempts=int(m["attempts"]),
        next_at=float(m["next_at"]),
        claimed_at=m["claimed_at"],
        last_attempt_at=m["last_attempt_at"],
        last_status_code=m["last_status_code"],
        last_error=m["last_error"],
        created_at=float(m["created_at"]),
        delivered_at=m["delivered_at"],
    )


def insert_delivery(
    conn: sa.Connection, delivery_id: str, webhook_id: str, n: Notification, now: float
) -> bool:
    """Queue ``n`` for one webhook, due now; False when it was already queued there."""
    values = {
        "id": delivery_id,
        "webhook_id": webhook_id,
        "namespace": n.namespace,
        "notification_id": n.id,
        "kind": n.kind,
        "notification": json.dumps(n.to_dict(), sort_keys=True, separators=(",", ":")),
        "status": PENDING,
        "attempts": 0,
        "next_at": now,
        "created_at": now,
    }
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    # ON CONFLICT DO NOTHING: a duplicate must not abort the caller's transaction.
    statement = (
        insert(deliveries)
        .values(values)
        .on_conflict_do_nothing(index_elements=["webhook_id", "notification_id"])
        .returning(deliveries.c.id)
    )
    return conn.execute(statement).first() is not None


def _due(now: float, d: sa.FromClause = deliveries) -> sa.ColumnElement[bool]:
    paused = sa.select(webhooks.c.id).where(webhooks.c.enabled.is_(False))
    return sa.and_(d.c.status == PENDING, d.c.next_at <= now, d.c.webhook_id.not_in(paused))


def any_due(conn: sa.Connection, now: float) -> bool:
    """A cheap read: is anything due? (No lock is taken when the answer is no.)"""
    hit = conn.execute(sa.select(deliveries.c.id).where(_due(now)).limit(1)).first()
    return hit is not None


def claim_due(conn: sa.Connection, now: float, limit: int, token: str) -> list[DeliveryRecord]:
    """Take up to ``limit`` due deliveries for this worker; each attempt is counted here."""
    d = deliveries
    # An alias, so the subquery is not correlated to the UPDATE's own table.
    inner = deliveries.alias("due")
    due_ids = (
        sa.select(inner.c.id)
        .where(_due(now, inner))
        .order_by(inner.c.next_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=inner)
    )
    conn.execute(
        d.update()
        .where(d.c.id.in_(due_ids), d.c.status == PENDING)
        .values(status=DELIVERING, claim_token=token, claimed_at=now, attempts=d.c.attempts + 1)
    )
    rows = conn.execute(
        sa.select(d).where(d.c.claim_token == token, d.c.status == DELIVERING).order_by(d.c.next_at)
    )
    return [_record(r) for r in rows]


def finish(
    conn: sa.Connection,
    delivery_id: str,
    token: str,
    result: AttemptResult,
    transition: Transition,
    now: float,
) -> bool:
    """Record an attempt's outcome; False when the claim was lost (lease expired)."""
    d = deliveries
    values: dict[str, Any] = {
        "status": transition.status,
        "claim_token": None,
        "claimed_at": None,
        "last_attempt_at": now,
        "last_status_code": result.status_code,
        "last_error": (result.error or None) and result.error[:200],
    }
    if transition.next_at is not None:
        values["next_at"] = transition.next_at
    if transition.delivered_at is not None:
        values["delivered_at"] = transition.delivered_at
    res = conn.execute(
        d.update()
        .where(d.c.id == delivery_id, d.c.claim_token == token, d.c.status == DELIVERING)
        .values(**values)
    )
    return bool(res.rowcount)


def _stale(now: float, lease: float) -> sa.ColumnElement[bool]:
    d = deliveries
    return sa.and_(d.c.status == DELIVERING, d.c.claimed_at < now - lease)


def any_stale(conn: sa.Connection, now: float, lease: float) -> bool:
    hit = conn.execute(sa.select(deliveries.c.id).where(_stale(now, lease)).limit(1)).first()
    return hit is not None


def recover_stale(conn: sa.Connection, now: float, lease: float, max_attempts: int) -> int:
    """Put deliveries whose worker vanished (claimed longer than ``lease`` ago) back in line.

    The interrupted attempt counts: a delivery that crashes its worker every time ends dead.
    """
    d = deliveries
    res = conn.execute(
        d.update()
        .where(_stale(now, lease))
        .values(
            status=sa.case((d.c.attempts >= max_attempts, DEAD), else_=PENDING),
            next_at=now,
            claim_token=None,
            claimed_at=None,
            last_error="interrupted: the sending instance stopped before it finished",
        )
    )
    return int(res.rowcount or 0)


def get_delivery(conn: sa.Connection, delivery_id: str) -> DeliveryRecord | None:
    row = conn.execute(sa.select(deliveries).where(deliveries.c.id == delivery_id)).first()
    return None if row is None else _record(row)


def list_deliveries(
    conn: sa.Connection,
    webhook_ids: list[str],
    *,
    status: str | None = None,
    kind: str | None = None,
    since: float | None = None,
    until: float | None = None,
    limit: int = 100,
) -> list[DeliveryRecord]:
    """Newest first, for the given webhooks."""
    if not webhook_ids:
        return []
    d = deliveries
    query = sa.select(d).where(d.c.webhook_id.in_(webhook_ids))
    if status is not None:
        query = query.where(d.c.status == status)
    if kind is not None:
        query = query.where(d.c.kind == kind)
    if since is not None:
        query = query.where(d.c.created_at >= since)
    if until is not None:
        query = query.where(d.c.created_at < until)
    query = query.order_by(d.c.created_at.desc(), d.c.id).limit(limit)
    return [_record(r) for r in conn.execute(query)]


def requeue(conn: sa.Connection, delivery_id: str, now: float) -> None:
    """Make a delivery due now with a fresh attempt budget (operator's redeliver)."""
    d = deliveries
    conn.execute(
        d.update()
        .where(d.c.id == delivery_id, d.c.status != DELIVERING)
        .values(status=PENDING, next_at=now, attempts=0, claim_token=None, claimed_at=None)
    )
