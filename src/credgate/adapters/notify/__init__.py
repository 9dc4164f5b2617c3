"""Webhook notifications: tables, the durable delivery queue and the dispatcher.

See docs/concepts/notifications.md. The pure parts (notifications, bodies, signatures, the
retry schedule) live in :mod:`credgate.domain.notifications`,
:mod:`credgate.domain.webhook_signature` and :mod:`credgate.domain.deliveries`.
"""
