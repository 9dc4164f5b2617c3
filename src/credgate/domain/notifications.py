"""Notifications: what credgate tells humans, and the bodies webhooks receive.

A :class:`Notification` says that something happened that a human should know about: an
agent acted at autonomy level 2 (notify), an approval was requested, granted or denied, an
elevation was requested, granted or expired. It names *who*, *what* and *where*, never a
secret value: its ``subject`` accepts only the fields listed in :data:`SUBJECT_FIELDS`, each a
short scalar or a short list of strings, and the constructor refuses anything else. A field
that could carry a value (``value``, ``data``, ``secret``...) is not in the list and never
will be.

Two body formats are rendered from one notification:

- :func:`render_json` — credgate's own JSON document (see docs/concepts/notifications.md);
- :func:`render_slack` — a Slack incoming-webhook body (``{"text": ..., "blocks": [...]}``),
  also understood by Mattermost and most chat tools that copied Slack's format.

Webhooks subscribe to kinds with an events filter (:func:`parse_event_filter`): exact kinds,
``"approval.*"`` for a family, or ``"*"`` for everything.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from credgate.domain.namespaces import is_canonical_namespace
from credgate.errors import InvalidRequest

__all__ = [
    "KINDS",
    "SUBJECT_FIELDS",
    "Notification",
    "event_matches",
    "parse_event_filter",
    "render_json",
    "render_slack",
    "summary",
]

NOTIFY_ACTION = "notify.action"
APPROVAL_REQUESTED = "approval.requested"
APPROVAL_GRANTED = "approval.granted"
APPROVAL_DENIED = "approval.denied"
ELEVATION_REQUESTED = "elevation.requested"
ELEVATION_GRANTED = "elevation.granted"
ELEVATION_EXPIRED = "elevation.expired"

KINDS = (
    NOTIFY_ACTION,
    APPROVAL_REQUESTED,
    APPROVAL_GRANTED,
    APPROVAL_DENIED,
    ELEVATION_REQUESTED,
    ELEVATION_GRANTED,
    ELEVATION_EXPIRED,
)

#: Every field a subject may carry. None of them can hold a secret value; add one only after
#: checking that no caller could ever put a value in it.
SUBJECT_FIELDS = frozenset(
    {
        # who
        "agent_id",
        "agent_name",
        "principal_kind",
        "owner",
        "session_id",
        "trace_id",
        "request_id",
        # what and where
        "action",
        "operation",
        "path",
        "version",
        "risk",
        "level",
        "decision",
        "reasons",
        # approvals
        "approval_id",
        "approval_link",
        "approvals_required",
        "approvals_granted",
        "decided_by",
        "reason",
        "expires_at",
        # elevations
        "elevation_id",
        "profile",
        "policies",
        "ttl",
        "justification",
    }
)

MAX_TEXT = 2048
MAX_LIST = 32
BODY_VERSION = 1
_YEAR_10000 = 253_402_300_800.0

_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_FAMILY = re.compile(r"[a-z]+\.\*")

_TITLES = {
    NOTIFY_ACTION: "Agent action (notify level)",
    APPROVAL_REQUESTED: "Approval requested",
    APPROVAL_GRANTED: "Approval granted",
    APPROVAL_DENIED: "Approval denied",
    ELEVATION_REQUESTED: "Elevation requested",
    ELEVATION_GRANTED: "Elevation granted",
    ELEVATION_EXPIRED: "Elevation expired",
}
_ICONS = {
    NOTIFY_ACTION: ":information_source:",
    APPROVAL_REQUESTED: ":hourglass_flowing_sand:",
    APPROVAL_GRANTED: ":white_check_mark:",
    APPROVAL_DENIED: ":no_entry:",
    ELEVATION_REQUESTED: ":arrow_up:",
    ELEVATION_GRANTED: ":unlock:",
    ELEVATION_EXPIRED: ":lock:",
}
# Subject fields shown as "label: value" in the Slack body, in this order.
_SLACK_FIELDS = (
    ("agent", "Agent"),
    ("path", "Path"),
    ("operation", "Operation"),
    ("risk", "Risk"),
    ("level", "Autonomy level"),
    ("profile", "Elevation profile"),
    ("ttl", "TTL (s)"),
    ("decided_by", "Decided by"),
    ("reason", "Reason"),
    ("justification", "Justification"),
)


def _check_subject_value(key: str, value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise InvalidRequest(f"notification field {key!r} is longer than {MAX_TEXT}")
        return value
    if isinstance(value, list | tuple):
        if len(value) > MAX_LIST:
            raise InvalidRequest(f"notification field {key!r} has more than {MAX_LIST} items")
        items = []
        for item in value:
            if not isinstance(item, str) or len(item) > MAX_TEXT:
                raise InvalidRequest(f"notification field {key!r} must be a list of short text")
            items.append(item)
        return tuple(items)
    raise InvalidRequest(f"notification field {key!r} has an unsupported type")


@dataclass(frozen=True)
class Notification:
    """One thing that happened, for humans. ``subject`` never holds a secret value."""

    id: str
    kind: str
    namespace: str
    created_at: float
    subject: Mapping[str, Any]

    def __post_init__(self) -> None:
        if not _ID.fullmatch(self.id):
            raise InvalidRequest("a notification id is 1-64 characters of [A-Za-z0-9_.-]")
        if self.kind not in KINDS:
            raise InvalidRequest(f"unknown notification kind {self.kind!r}")
        if not is_canonical_namespace(self.namespace):
            raise InvalidRequest("a notification's namespace must be canonical ('' or 'acme/')")
        if not (math.isfinite(self.created_at) and 0 <= self.created_at < _YEAR_10000):
            raise InvalidRequest("a notification's created_at must be a Unix time")
        unknown = sorted(set(self.subject) - SUBJECT_FIELDS)
        if unknown:
            raise InvalidRequest(
                f"notification subject field(s) not allowed: {', '.join(unknown)}",
                hint="a notification names who, what and where; it never carries a value",
            )
        checked = {k: _check_subject_value(k, v) for k, v in sorted(self.subject.items())}
        # Read-only after validation, so nothing can slip a value in later.
        object.__setattr__(self, "subject", MappingProxyType(checked))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the form stored in the delivery queue)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "namespace": self.namespace,
            "created_at": self.created_at,
            "subject": {k: list(v) if isinstance(v, tuple) else v for k, v in self.subject.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Notification:
        try:
            return cls(
                id=str(data["id"]),
                kind=str(data["kind"]),
                namespace=str(data["namespace"]),
                created_at=float(data["created_at"]),
                subject=dict(data["subject"]),
            )
        except (KeyError, TypeError, ValueError):
            raise InvalidRequest("a stored notification is malformed") from None


# -- events filter --------------------------------------------------------------------------


def parse_event_filter(events: Iterable[str] | None) -> tuple[str, ...]:
    """Validate a webhook's events filter; ``None`` means every kind (``("*",)``)."""
    if events is None:
        return ("*",)
    if isinstance(events, str):
        raise InvalidRequest("events must be a list of notification kinds")
    out: list[str] = []
    for entry in events:
        if not isinstance(entry, str):
            raise InvalidRequest("events must be a list of notification kinds")
        known = entry == "*" or entry in KINDS
        family = bool(_FAMILY.fullmatch(entry)) and any(k.startswith(entry[:-1]) for k in KINDS)
        if not (known or family):
            raise InvalidRequest(
                f"unknown event {entry!r}",
                hint=f"use '*', a family such as 'approval.*', or one of: {', '.join(KINDS)}",
            )
        if entry not in out:
            out.append(entry)
    if not out:
        raise InvalidRequest(
            "events cannot be empty", hint="use ['*'] for every kind, or disable the webhook"
        )
    return tuple(out)


def event_matches(events: Sequence[str], kind: str) -> bool:
    """True when a filter made by :func:`parse_event_filter` selects ``kind``."""
    for entry in events:
        if entry == "*" or entry == kind:
            return True
        if entry.endswith(".*") and kind.startswith(entry[:-1]):
            return True
    return False


# -- rendering ------------------------------------------------------------------------------


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _agent(subject: Mapping[str, Any]) -> str:
    return str(subject.get("agent_name") or subject.get("agent_id") or "an agent")


def summary(n: Notification) -> str:
    """One line of plain text a human reads first."""
    s = n.subject
    agent = _agent(s)
    what = s.get("action") or s.get("operation") or "a request"
    where = f" on {s['path']}" if s.get("path") else ""
    ns = f" in namespace {n.namespace}" if n.namespace else ""
    if n.kind == NOTIFY_ACTION:
        risk = f" ({s['risk']} risk)" if s.get("risk") else ""
        return f"{agent} performed {what}{where}{ns}{risk}"
    if n.kind == APPROVAL_REQUESTED:
        return f"{agent} asks for approval of {what}{where}{ns}"
    if n.kind in (APPROVAL_GRANTED, APPROVAL_DENIED):
        verdict = "granted" if n.kind == APPROVAL_GRANTED else "denied"
        by = f" by {s['decided_by']}" if s.get("decided_by") else ""
        return f"Approval of {what}{where} for {agent} {verdict}{by}{ns}"
    profile = f" {s['profile']}" if s.get("profile") else ""
    if n.kind == ELEVATION_REQUESTED:
        return f"{agent} requests elevation{profile}{ns}"
    if n.kind == ELEVATION_GRANTED:
        return f"Elevation{profile} granted to {agent}{ns}"
    return f"Elevation{profile} of {agent} expired{ns}"


def _dumps(doc: Mapping[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def render_json(n: Notification) -> bytes:
    """credgate's JSON body (UTF-8, compact, keys sorted)."""
    return _dumps(
        {
            "version": BODY_VERSION,
            "id": n.id,
            "type": n.kind,
            "namespace": n.namespace,
            "created_at": _iso(n.created_at),
            "created_at_unix": n.created_at,
            "summary": summary(n),
            "subject": n.to_dict()["subject"],
        }
    )


def _slack_escape(text: str) -> str:
    """Slack mrkdwn control characters; a path cannot inject a link or a mention."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_text(value: Any) -> str:
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return str(value)


def render_slack(n: Notification) -> bytes:
    """A Slack incoming-webhook body: fallback ``text`` plus Block Kit ``blocks``."""
    s = n.subject
    title = f"{_ICONS[n.kind]} *{_TITLES[n.kind]}*"
    line = _slack_escape(summary(n))
    fields = []
    for key, label in _SLACK_FIELDS:
        value = _agent(s) if key == "agent" else s.get(key)
        if value is None or value == "":
            continue
        fields.append({"type": "mrkdwn", "text": f"*{label}*\n{_slack_escape(_slack_text(value))}"})
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{title}\n{line}"}}
    ]
    if fields:
        blocks.append({"type": "section", "fields": fields[:10]})  # Slack allows 10 fields
    link = s.get("approval_link")
    if isinstance(link, str) and link.startswith(("https://", "http://")):
        safe = link.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"<{safe}|Review the request>"}}
        )
    context = f"credgate · {n.kind} · {n.id} · {_iso(n.created_at)}"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    return _dumps({"text": _slack_escape(f"{_TITLES[n.kind]}: {summary(n)}"), "blocks": blocks})
