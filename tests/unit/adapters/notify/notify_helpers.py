"""Helpers for the notifier tests."""

from __future__ import annotations

from typing import Any

from credgate.domain.notifications import Notification


def notification(
    kind: str = "notify.action", namespace: str = "", nid: str = "ntf_1", **subject: Any
) -> Notification:
    """A notification as the broker would emit it."""
    return Notification(
        id=nid,
        kind=kind,
        namespace=namespace,
        created_at=1_800_000_000.0,
        subject=subject
        or {"agent_id": "agt_1", "action": "kv.read", "path": "secret/data/prod/db", "level": 2},
    )
