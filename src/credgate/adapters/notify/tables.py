"""Tables of the webhook notifier: ``webhooks`` and the durable delivery queue ``deliveries``.

- ``webhooks``: one receiver per row. The URL and the signing secret are both stored only as
  barrier ciphertext (AES-256-GCM under the namespace's data key; a Slack incoming-webhook URL
  *is* a credential). ``url_hint`` (scheme, host and port, nothing of the path or query) is what
  listings show.
- ``deliveries``: one notification on its way to one webhook; the queue *and* the delivery log.
  ``notification`` is the notification's JSON (no secret values by construction, see
  :mod:`credgate.domain.notifications`). ``last_error`` is a short description written by
  credgate (never the receiver's body, never the URL).

There is deliberately no foreign key from ``deliveries.webhook_id`` to ``webhooks.id``: an
enqueue racing a webhook deletion must not fail the agent's request. The dispatcher marks a
delivery whose webhook has gone ``dead``.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from credgate.adapters.storage.schema import metadata

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(40), primary_key=True),  # "whk_" + 24 hex
    Column("namespace", String(600), nullable=False),
    Column("name", String(64), nullable=False),
    Column("url_ciphertext", LargeBinary, nullable=False),
    Column("url_hint", String(300), nullable=False),
    Column("format", String(16), nullable=False),  # json | slack
    Column("events", Text, nullable=False),  # JSON list: ["*"], ["approval.*", ...]
    Column("include_children", Boolean, nullable=False, default=False),
    Column("secret_ciphertext", LargeBinary, nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    Column("created_by", String(64), nullable=True),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("namespace", "name", name="uq_webhooks_namespace_name"),
    comment="Webhook receivers; URL and signing secret only as barrier ciphertext.",
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(40), primary_key=True),  # "dlv_" + 24 hex
    Column("webhook_id", String(40), nullable=False),
    Column("namespace", String(600), nullable=False),  # the notification's namespace
    Column("notification_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("notification", Text, nullable=False),  # JSON, no secret values
    Column("status", String(16), nullable=False),  # pending|delivering|delivered|dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_at", Float, nullable=False),
    Column("claim_token", String(64), nullable=True),
    Column("claimed_at", Float, nullable=True),
    Column("last_attempt_at", Float, nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", String(200), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("delivered_at", Float, nullable=True),
    UniqueConstraint("webhook_id", "notification_id", name="uq_deliveries_webhook_notification"),
    Index("ix_deliveries_status_next_at", "status", "next_at"),
    Index("ix_deliveries_webhook_id_created_at", "webhook_id", "created_at"),
    comment="Durable webhook delivery queue and delivery log.",
)
