"""Webhook use cases: validation, secrets shown once and stored encrypted, the delivery log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from notify_helpers import notification
from webhook_receiver import Receiver

from credgate.adapters.notify.dispatcher import Dispatcher
from credgate.adapters.notify.tables import deliveries, webhooks
from credgate.adapters.storage.sql_store import SqlStore
from credgate.clock import ManualClock
from credgate.domain.webhook_signature import verify_signature
from credgate.errors import Conflict, InvalidRequest, NotFound
from credgate.service.notifications import CreatedWebhook, WebhookService, url_hint

AddWebhook = Callable[..., CreatedWebhook]


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("https://hooks.slack.com/services/T0/B0/XyZsecret", "https://hooks.slack.com/…"),
        ("http://127.0.0.1:8080/hook?token=abc", "http://127.0.0.1:8080/…"),
        ("https://user:pw@example.com", "https://example.com"),
        ("https://[::1]:9/", "https://[::1]:9"),
    ],
)
def test_url_hint_shows_no_path_query_or_credentials(url: str, hint: str) -> None:
    """Listings never reveal the part of a URL that is often a credential."""
    assert url_hint(url) == hint


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https://",
        "https://exa mple.com/",
        "https://example.com:99999/",
        "",
        "https://example.com/" + "a" * 3000,
    ],
)
def test_only_http_and_https_urls_are_accepted(
    url: str, store: SqlStore, webhook_service: WebhookService
) -> None:
    """Anything but a well-formed http(s) URL is a 400, not a webhook that can never work."""
    with pytest.raises(InvalidRequest), store.transaction(write=True) as tx:
        webhook_service.create(tx, "", "ops", url)


@pytest.mark.parametrize(
    "kw",
    [
        {"name": "Ops"},
        {"name": "a/b"},
        {"format": "xml"},
        {"events": ["approval"]},
        {"secret": "short"},
        {"secret": "has spaces in it but long enough"},
        {"description": "x" * 2000},
    ],
)
def test_bad_fields_are_refused(
    kw: dict[str, Any], store: SqlStore, webhook_service: WebhookService
) -> None:
    """Invalid names, formats, filters and secrets are refused with a clear 400."""
    args: dict[str, Any] = {"name": "ops", **kw}
    name = args.pop("name")
    with pytest.raises(InvalidRequest), store.transaction(write=True) as tx:
        webhook_service.create(tx, "", name, "https://example.com/hook", **args)


def test_created_secret_is_shown_once_and_hidden_afterwards(
    db_engine: sa.Engine, add_webhook: AddWebhook, store: SqlStore, webhook_service: WebhookService
) -> None:
    """The operator gets the secret at creation; no listing, repr or row shows it again."""
    created = add_webhook("https://hooks.example.com/path/T0K3N?sig=abc")
    assert created.secret.startswith("whsec_")
    assert len(created.secret) >= 40
    assert created.secret not in repr(created)
    with store.transaction() as tx:
        listed = webhook_service.list_webhooks(tx, "")
    assert [w.name for w in listed] == ["ops"]
    assert listed[0].url_hint == "https://hooks.example.com/…"
    assert created.secret not in repr(listed) + str(listed[0].to_dict())
    with db_engine.connect() as conn:
        raw = repr(conn.execute(sa.select(webhooks)).all()).encode()
    for plain in (created.secret.encode(), b"T0K3N", b"sig=abc"):
        assert plain not in raw


def test_given_secret_is_used(
    add_webhook: AddWebhook, dispatcher: Dispatcher, receiver: Receiver, clock: ManualClock
) -> None:
    """An operator may bring their own secret; deliveries are signed with it."""
    add_webhook(receiver.url, secret="my-own-secret-0123456789")
    dispatcher.enqueue(notification())
    dispatcher.run_once()
    req = receiver.requests[0]
    header = req.headers["X-Credgate-Signature"]
    verify_signature(b"my-own-secret-0123456789", header, req.body, now=clock.now())


def test_duplicate_name_is_a_conflict(add_webhook: AddWebhook) -> None:
    """Two webhooks cannot share a name in one namespace."""
    add_webhook("https://a.example/")
    with pytest.raises(Conflict):
        add_webhook("https://b.example/")
    add_webhook("https://b.example/", namespace="acme/")  # another namespace is fine


def test_update_changes_url_and_rotate_changes_secret(
    add_webhook: AddWebhook,
    store: SqlStore,
    webhook_service: WebhookService,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    """A new URL and a rotated secret apply to the next delivery."""
    old = add_webhook("https://old.invalid/hook")
    with store.transaction(write=True) as tx:
        updated = webhook_service.update(tx, "", "ops", url=receiver.url, description="moved")
        rotated = webhook_service.rotate_secret(tx, "", "ops")
    assert updated.url_hint == f"http://127.0.0.1:{receiver.port}/…"
    assert updated.description == "moved"
    assert rotated.secret != old.secret
    dispatcher.enqueue(notification())
    dispatcher.run_once()
    req = receiver.requests[0]
    verify_signature(
        rotated.secret.encode(), req.headers["X-Credgate-Signature"], req.body, clock.now()
    )


def test_delete_removes_webhook_and_its_log(
    db_engine: sa.Engine,
    add_webhook: AddWebhook,
    store: SqlStore,
    webhook_service: WebhookService,
    dispatcher: Dispatcher,
) -> None:
    """A deleted webhook is gone with its queued deliveries; deleting again is a 404."""
    add_webhook("https://a.example/")
    dispatcher.enqueue(notification())
    with store.transaction(write=True) as tx:
        assert webhook_service.delete(tx, "", "ops") == 1
    with db_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(deliveries)).scalar() == 0
    with pytest.raises(NotFound), store.transaction(write=True) as tx:
        webhook_service.delete(tx, "", "ops")


def test_delivery_log_filters_and_redeliver(
    add_webhook: AddWebhook,
    store: SqlStore,
    webhook_service: WebhookService,
    dispatcher: Dispatcher,
    receiver: Receiver,
) -> None:
    """An operator reads the log, finds the dead delivery and sends it again successfully."""
    add_webhook(receiver.url)
    receiver.status = 410
    [dead_id] = dispatcher.enqueue(notification("approval.requested", nid="n1"))
    dispatcher.run_once()
    receiver.status = 200
    [ok_id] = dispatcher.enqueue(notification("notify.action", nid="n2"))
    dispatcher.run_once()

    with store.transaction() as tx:
        everything = webhook_service.list_deliveries(tx, "")
        dead = webhook_service.list_deliveries(tx, "", status="dead")
        approvals = webhook_service.list_deliveries(
            tx, "", kind="approval.requested", webhook="ops"
        )
    assert {d.id for d in everything} == {dead_id, ok_id}
    assert [d.id for d in dead] == [dead_id]
    assert dead[0].last_status_code == 410
    assert dead[0].next_at is None
    assert dead[0].notification["id"] == "n1"
    assert [d.id for d in approvals] == [dead_id]

    with store.transaction(write=True) as tx:
        again = webhook_service.redeliver(tx, "", dead_id)
    assert (again.status, again.attempts) == ("pending", 0)
    assert dispatcher.run_once() == 1
    with store.transaction() as tx:
        assert webhook_service.get_delivery(tx, "", dead_id).status == "delivered"


def test_redeliver_while_sending_is_a_conflict(
    db_engine: sa.Engine,
    add_webhook: AddWebhook,
    store: SqlStore,
    webhook_service: WebhookService,
    dispatcher: Dispatcher,
) -> None:
    """A delivery in flight cannot be queued again (it could be sent twice at once)."""
    add_webhook("https://a.example/")
    [delivery_id] = dispatcher.enqueue(notification())
    with db_engine.begin() as conn:
        conn.execute(deliveries.update().values(status="delivering"))
    with pytest.raises(Conflict), store.transaction(write=True) as tx:
        webhook_service.redeliver(tx, "", delivery_id)


def test_other_tenants_cannot_see_or_redeliver(
    add_webhook: AddWebhook,
    store: SqlStore,
    webhook_service: WebhookService,
    dispatcher: Dispatcher,
) -> None:
    """A namespace's delivery log is invisible from another namespace: 404, like no delivery."""
    add_webhook("https://a.example/", namespace="acme/")
    [delivery_id] = dispatcher.enqueue(notification(namespace="acme/"))
    with store.transaction() as tx:
        assert webhook_service.list_deliveries(tx, "globex/") == []
        assert webhook_service.list_webhooks(tx, "globex/") == []
        assert webhook_service.get_delivery(tx, "acme/", delivery_id).id == delivery_id
    for op in ("get_delivery", "redeliver"):
        with pytest.raises(NotFound), store.transaction(write=True) as tx:
            getattr(webhook_service, op)(tx, "globex/", delivery_id)


@pytest.mark.parametrize(
    "kw", [{"status": "lost"}, {"kind": "nope"}, {"limit": 0}, {"limit": 5000}, {"webhook": "nope"}]
)
def test_bad_log_filters(
    kw: dict[str, Any], store: SqlStore, webhook_service: WebhookService
) -> None:
    """A typo in a filter is a clear 4xx, not an empty list that hides deliveries."""
    with pytest.raises((InvalidRequest, NotFound)), store.transaction() as tx:
        webhook_service.list_deliveries(tx, "", **kw)
