"""SQL access to the ``webhooks`` table, inside a caller's connection (SQLite and PostgreSQL).

Functions take an open :class:`sqlalchemy.Connection`: the caller owns the transaction (a
broker request's, or one the dispatcher opens). The URL and signing secret are stored as
barrier ciphertext bound to the webhook's id and the field (:func:`url_aad_path`,
:func:`secret_aad_path`), so a URL blob cannot be swapped for the secret blob or moved to
another webhook.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from credgate.adapters.notify.tables import deliveries, webhooks
from credgate.domain.namespaces import parent_of

# The barrier binds a blob to (namespace, path, version). These "paths" start with a control
# character, which no KV path can contain, so a webhook blob never collides with a secret's.
_AAD_PREFIX = "\x01webhook/"
BLOB_VERSION = 1


def url_aad_path(webhook_id: str) -> str:
    return f"{_AAD_PREFIX}{webhook_id}/url"


def secret_aad_path(webhook_id: str) -> str:
    return f"{_AAD_PREFIX}{webhook_id}/secret"


@dataclass(frozen=True)
class WebhookRecord:
    """A ``webhooks`` row. The ciphertexts stay out of the repr (they are opaque anyway)."""

    id: str
    namespace: str
    name: str
    url_hint: str
    format: str
    events: tuple[str, ...]
    include_children: bool
    enabled: bool
    description: str
    created_at: float
    created_by: str | None
    updated_at: float
    url_ciphertext: bytes = field(repr=False)
    secret_ciphertext: bytes = field(repr=False)


def _record(row: Any) -> WebhookRecord:
    m = row._mapping
    return WebhookRecord(
        id=m["id"],
        namespace=m["namespace"],
        name=m["name"],
        url_hint=m["url_hint"],
        format=m["format"],
        events=tuple(json.loads(m["events"])),
        include_children=bool(m["include_children"]),
        enabled=bool(m["enabled"]),
        description=m["description"],
        created_at=float(m["created_at"]),
        created_by=m["created_by"],
        updated_at=float(m["updated_at"]),
        url_ciphertext=bytes(m["url_ciphertext"]),
        secret_ciphertext=bytes(m["secret_ciphertext"]),
    )


def insert_webhook(conn: sa.Connection, rec: WebhookRecord) -> None:
    conn.execute(
        webhooks.insert().values(
            id=rec.id,
            namespace=rec.namespace,
            name=rec.name,
            url_ciphertext=rec.url_ciphertext,
            url_hint=rec.url_hint,
            format=rec.format,
            events=json.dumps(list(rec.events)),
            include_children=rec.include_children,
            secret_ciphertext=rec.secret_ciphertext,
            enabled=rec.enabled,
            description=rec.description,
            created_at=rec.created_at,
            created_by=rec.created_by,
            updated_at=rec.updated_at,
        )
    )


def get_webhook(conn: sa.Connection, namespace: str, name: str) -> WebhookRecord | None:
    row = conn.execute(
        sa.select(webhooks).where(webhooks.c.namespace == namespace, webhooks.c.name == name)
    ).first()
    return None if row is None else _record(row)


def get_webhooks_by_id(conn: sa.Connection, ids: list[str]) -> dict[str, WebhookRecord]:
    if not ids:
        return {}
    rows = conn.execute(sa.select(webhooks).where(webhooks.c.id.in_(ids)))
    return {r.id: _record(r) for r in rows}


def list_webhooks(conn: sa.Connection, namespace: str) -> list[WebhookRecord]:
    rows = conn.execute(
        sa.select(webhooks).where(webhooks.c.namespace == namespace).order_by(webhooks.c.name)
    )
    return [_record(r) for r in rows]


def update_webhook(conn: sa.Connection, webhook_id: str, values: Mapping[str, Any]) -> None:
    out = dict(values)
    if "events" in out:
        out["events"] = json.dumps(list(out["events"]))
    conn.execute(webhooks.update().where(webhooks.c.id == webhook_id).values(**out))


def delete_webhook(conn: sa.Connection, webhook_id: str) -> int:
    """Delete a webhook and its delivery log; return how many deliveries went with it."""
    res = conn.execute(deliveries.delete().where(deliveries.c.webhook_id == webhook_id))
    conn.execute(webhooks.delete().where(webhooks.c.id == webhook_id))
    return int(res.rowcount or 0)


def ancestors(namespace: str) -> list[str]:
    """``namespace`` and every namespace above it, root included."""
    out = [namespace]
    parent = parent_of(namespace)
    while parent is not None:
        out.append(parent)
        parent = parent_of(parent)
    return out


def subscribed_webhooks(conn: sa.Connection, namespace: str) -> list[tuple[str, tuple[str, ...]]]:
    """``(id, events)`` of the enabled webhooks that hear notifications of ``namespace``.

    A webhook hears its own namespace; with ``include_children`` also every namespace below.
    """
    w = webhooks
    rows = conn.execute(
        sa.select(w.c.id, w.c.events).where(
            w.c.enabled.is_(True),
            w.c.namespace.in_(ancestors(namespace)),
            sa.or_(w.c.namespace == namespace, w.c.include_children.is_(True)),
        )
    )
    return [(r.id, tuple(json.loads(r.events))) for r in rows]
