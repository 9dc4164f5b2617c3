"""Notifications: subjects never carry values, bodies render for JSON and Slack, filters match."""

from __future__ import annotations

import json
from typing import Any

import pytest

from credgate.domain.notifications import (
    KINDS,
    SUBJECT_FIELDS,
    Notification,
    event_matches,
    parse_event_filter,
    render_json,
    render_slack,
    summary,
)
from credgate.errors import InvalidRequest

NOW = 1_800_000_000.0
VALUE_FIELDS = {"value", "values", "data", "secret", "password", "token", "ciphertext"}


def make(kind: str = "notify.action", **subject: Any) -> Notification:
    subject = subject or {
        "agent_id": "agt_1",
        "agent_name": "deploy-bot",
        "action": "kv.read",
        "path": "secret/data/prod/db",
        "risk": "medium",
        "level": 2,
    }
    return Notification(id="ntf_1", kind=kind, namespace="acme/", created_at=NOW, subject=subject)


@pytest.mark.parametrize("field", sorted(VALUE_FIELDS))
def test_subject_refuses_any_field_that_could_hold_a_value(field: str) -> None:
    """A caller cannot smuggle a secret value into a webhook body, even by mistake."""
    with pytest.raises(InvalidRequest, match="not allowed"):
        make(**{field: "hunter2"})


def test_no_allowed_subject_field_is_a_value_field() -> None:
    """The allowlist itself never admits a field named like a value."""
    assert not SUBJECT_FIELDS & VALUE_FIELDS


@pytest.mark.parametrize(
    "bad",
    [{"path": {"nested": "x"}}, {"path": "x" * 5000}, {"reasons": [1, 2]}, {"reasons": ["r"] * 40}],
)
def test_subject_values_are_short_scalars_or_lists_of_text(bad: dict[str, Any]) -> None:
    """Nested objects and huge fields are refused, so a body stays small and flat."""
    with pytest.raises(InvalidRequest):
        make(**bad)


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "approval.maybe"},
        {"namespace": "Acme"},
        {"id": "bad id with spaces"},
        {"created_at": float("nan")},
        {"created_at": 1e300},
    ],
)
def test_invalid_kind_namespace_or_id_refused(changes: dict[str, Any]) -> None:
    """Unknown kinds and non-canonical namespaces never reach the queue."""
    fields: dict[str, Any] = {
        "id": "ntf_1",
        "kind": "notify.action",
        "namespace": "acme/",
        "created_at": NOW,
        "subject": {},
    }
    fields.update(changes)
    with pytest.raises(InvalidRequest):
        Notification(**fields)


def test_subject_cannot_be_changed_after_validation() -> None:
    """A value cannot be slipped into a notification after its fields were checked."""
    n = make()
    with pytest.raises(TypeError):
        n.subject["value"] = "hunter2"  # type: ignore[index]


def test_round_trip_through_dict() -> None:
    """What the queue stores is what the dispatcher sends, lists included."""
    n = make(
        "elevation.granted", agent_id="agt_1", policies=["a", "b"], ttl=3600.0, profile="oncall"
    )
    assert Notification.from_dict(json.loads(json.dumps(n.to_dict()))) == n


def test_malformed_stored_notification_is_an_error() -> None:
    """A corrupted queue row is reported cleanly instead of crashing the sender."""
    with pytest.raises(InvalidRequest, match="malformed"):
        Notification.from_dict({"id": "ntf_1"})


def test_json_body_shape() -> None:
    """Receivers get a documented, versioned JSON document with the subject as given."""
    doc = json.loads(render_json(make()))
    assert doc == {
        "version": 1,
        "id": "ntf_1",
        "type": "notify.action",
        "namespace": "acme/",
        "created_at": "2027-01-15T08:00:00.000000Z",
        "created_at_unix": NOW,
        "summary": "deploy-bot performed kv.read on secret/data/prod/db in namespace acme/ "
        "(medium risk)",
        "subject": {
            "action": "kv.read",
            "agent_id": "agt_1",
            "agent_name": "deploy-bot",
            "level": 2,
            "path": "secret/data/prod/db",
            "risk": "medium",
        },
    }


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _keys(v)}
    if isinstance(node, list):
        return {k for v in node for k in _keys(v)}
    return set()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("render", [render_json, render_slack])
def test_rendered_bodies_have_no_value_fields(kind: str, render: Any) -> None:
    """Neither body format has any key in which a secret value could appear."""
    n = make(kind, agent_id="agt_1", path="secret/data/x", approval_id="apr_1", reason="ok")
    assert not _keys(json.loads(render(n))) & VALUE_FIELDS


def test_slack_body_has_text_and_blocks() -> None:
    """A Slack incoming webhook accepts the body: fallback text plus Block Kit blocks."""
    n = make(
        "approval.requested",
        agent_name="deploy-bot",
        operation="update",
        path="secret/data/prod/db",
        approval_id="apr_1",
        approval_link="https://credgate.example/ui/approvals/apr_1",
    )
    doc = json.loads(render_slack(n))
    assert set(doc) == {"text", "blocks"}
    assert doc["text"].startswith("Approval requested: deploy-bot asks for approval of update")
    assert doc["blocks"][0]["type"] == "section"
    assert doc["blocks"][-1]["type"] == "context"
    texts = json.dumps(doc["blocks"])
    assert "<https://credgate.example/ui/approvals/apr_1|Review the request>" in texts


def test_slack_escapes_markup_in_agent_controlled_text() -> None:
    """A path or reason cannot inject a Slack link or @channel mention."""
    n = make(
        "approval.denied",
        agent_name="bot",
        path="secret/<https://evil.example|click>",
        reason="<!channel> & more",
    )
    raw = render_slack(n).decode()
    assert "<https://evil" not in raw
    assert "<!channel>" not in raw
    assert "&lt;!channel&gt; &amp; more" in raw


def test_slack_ignores_a_non_http_link() -> None:
    """A javascript: or other scheme link never becomes a clickable Slack link."""
    n = make("approval.requested", agent_name="bot", approval_link="javascript:alert(1)")
    assert "Review the request" not in render_slack(n).decode()


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("approval.granted", "Approval of kv.write on secret/data/p for bot granted by alice"),
        ("approval.denied", "Approval of kv.write on secret/data/p for bot denied by alice"),
        ("elevation.requested", "bot requests elevation oncall"),
        ("elevation.granted", "Elevation oncall granted to bot"),
        ("elevation.expired", "Elevation oncall of bot expired"),
    ],
)
def test_summaries_read_naturally(kind: str, expected: str) -> None:
    """The first line a human reads says who did what."""
    n = make(
        kind,
        agent_name="bot",
        action="kv.write",
        path="secret/data/p",
        decided_by="alice",
        profile="oncall",
    )
    assert summary(n).startswith(expected)


@pytest.mark.parametrize(
    ("events", "kind", "matches"),
    [
        (["*"], "notify.action", True),
        (["approval.*"], "approval.granted", True),
        (["approval.*"], "notify.action", False),
        (["elevation.expired"], "elevation.expired", True),
        (["elevation.expired"], "elevation.granted", False),
    ],
)
def test_event_filter(events: list[str], kind: str, matches: bool) -> None:
    """A webhook receives exactly the kinds it subscribed to."""
    assert event_matches(parse_event_filter(events), kind) is matches


def test_default_filter_is_everything() -> None:
    """A webhook created without a filter hears every kind."""
    assert all(event_matches(parse_event_filter(None), k) for k in KINDS)


@pytest.mark.parametrize("events", [[], ["approval"], ["nope.*"], ["*.granted"], "approval.*", [1]])
def test_bad_filters_are_refused(events: Any) -> None:
    """A typo in a filter is an error, not a webhook that silently hears nothing."""
    with pytest.raises(InvalidRequest):
        parse_event_filter(events)
