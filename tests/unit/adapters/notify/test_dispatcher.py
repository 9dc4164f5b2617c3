"""The dispatcher against a real HTTP receiver on 127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from notify_helpers import notification
from webhook_receiver import Receiver, free_port

from credgate.adapters.crypto.barrier import Barrier
from credgate.adapters.crypto.master_key import MasterKey
from credgate.adapters.crypto.sql_keyring import SqlKeyringStore
from credgate.adapters.notify import delivery_queue as queue
from credgate.adapters.notify.dispatcher import Dispatcher
from credgate.adapters.notify.tables import deliveries, webhooks
from credgate.adapters.storage.engine import create_engine
from credgate.adapters.storage.sql_store import SqlStore
from credgate.clock import ManualClock
from credgate.domain.webhook_signature import verify_signature
from credgate.service.notifications import CreatedWebhook, WebhookService

AddWebhook = Callable[..., CreatedWebhook]
MakeDispatcher = Callable[..., Dispatcher]


def row(engine: sa.Engine, delivery_id: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.select(deliveries).where(deliveries.c.id == delivery_id)).one()


def reopen(engine: sa.Engine, request: pytest.FixtureRequest) -> sa.Engine:
    """A second engine on the same database, as another process would open it."""
    if engine.dialect.name == "sqlite":
        return create_engine(engine.url.render_as_string(hide_password=False))
    return create_engine(
        engine.url.render_as_string(hide_password=False),
        schema=request.getfixturevalue("postgres_schema"),
    )


def test_delivered_with_a_valid_signature(
    db_engine: sa.Engine,
    add_webhook: AddWebhook,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    """The receiver gets the JSON body, signed with its secret, and the log says delivered."""
    hook = add_webhook(receiver.url)
    [delivery_id] = dispatcher.enqueue(notification())
    assert receiver.requests == []  # enqueue never touches the network

    assert dispatcher.run_once() == 1

    [req] = receiver.requests
    assert req.path == "/hooks/credgate?token=abc"
    assert req.headers["Content-Type"] == "application/json"
    assert req.headers["X-Credgate-Event"] == "notify.action"
    assert req.headers["X-Credgate-Delivery"] == delivery_id
    assert req.headers["X-Credgate-Attempt"] == "1"
    signed_at = verify_signature(
        hook.secret.encode(), req.headers["X-Credgate-Signature"], req.body, now=clock.now()
    )
    assert signed_at == int(clock.now())
    body = json.loads(req.body)
    assert (body["type"], body["id"], body["subject"]["path"]) == (
        "notify.action",
        "ntf_1",
        "secret/data/prod/db",
    )
    r = row(db_engine, delivery_id)
    assert (r.status, r.attempts, r.last_status_code, r.delivered_at) == (
        "delivered",
        1,
        200,
        clock.now(),
    )
    assert dispatcher.run_once() == 0  # never sent twice


def test_receiver_down_is_retried_with_backoff_then_delivered(
    db_engine: sa.Engine, add_webhook: AddWebhook, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    """A receiver that is down gets the delivery later, on the backoff schedule, once it is up."""
    down = Receiver(port=free_port())
    add_webhook(down.url)
    [delivery_id] = dispatcher.enqueue(notification())
    start = clock.now()

    assert dispatcher.run_once() == 1
    r = row(db_engine, delivery_id)
    assert (r.status, r.attempts, r.last_status_code) == ("pending", 1, None)
    assert r.last_error == "could not connect (ConnectError)"
    assert r.next_at == start + 0.5  # 1 s nominal, no jitter: half

    assert dispatcher.run_once() == 0  # not due yet
    clock.advance(0.5)
    assert dispatcher.run_once() == 1
    assert row(db_engine, delivery_id).next_at == clock.now() + 1.0  # 2 s nominal
    clock.advance(1.0)
    assert dispatcher.run_once() == 1
    assert row(db_engine, delivery_id).next_at == clock.now() + 2.0  # 4 s nominal

    down.start()
    try:
        clock.advance(1.9)
        assert dispatcher.run_once() == 0
        assert down.requests == []
        clock.advance(0.1)
        assert dispatcher.run_once() == 1
        [req] = down.requests
        assert req.headers["X-Credgate-Attempt"] == "4"
    finally:
        down.stop()
    assert row(db_engine, delivery_id).status == "delivered"


def test_a_restarted_instance_delivers_what_was_queued(
    request: pytest.FixtureRequest,
    db_engine: sa.Engine,
    add_webhook: AddWebhook,
    make_dispatcher: MakeDispatcher,
    clock: ManualClock,
) -> None:
    """Deliveries queued before a restart go out after it: nothing lost with the process."""
    down = Receiver(port=free_port())
    add_webhook(down.url)
    first = make_dispatcher()
    [delivery_id] = first.enqueue(notification())
    assert first.run_once() == 1  # fails: receiver down
    first.stop()
    db_engine.dispose()

    engine = reopen(db_engine, request)
    try:
        barrier = Barrier(SqlKeyringStore(engine), MasterKey(bytes(range(32))), clock=clock)
        second = make_dispatcher(engine, barrier=barrier)
        down.start()
        clock.advance(60)
        assert second.run_once() == 1
        assert len(down.bodies_for(delivery_id)) == 1
        assert row(engine, delivery_id).status == "delivered"
    finally:
        down.stop()
        engine.dispose()


def test_a_crashed_claim_is_recovered_after_the_lease(
    db_engine: sa.Engine,
    add_webhook: AddWebhook,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    """A delivery an instance took but never finished is sent by another after the lease."""
    add_webhook(receiver.url)
    [delivery_id] = dispatcher.enqueue(notification())
    with db_engine.begin() as conn:  # an instance claims it, then dies
        [claimed] = queue.claim_due(conn, clock.now(), 5, "dead-instance")
    assert claimed.id == delivery_id

    assert dispatcher.run_once() == 0  # still leased to the dead instance
    clock.advance(31)
    assert dispatcher.run_once() == 1
    [req] = receiver.requests
    assert req.headers["X-Credgate-Attempt"] == "2"  # the interrupted attempt counted
    assert row(db_engine, delivery_id).status == "delivered"


def test_server_error_is_retried_and_the_body_never_stored(
    db_engine: sa.Engine,
    add_webhook: AddWebhook,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    """A 500 is retried; the log keeps the status, never what the receiver said."""
    add_webhook(receiver.url)
    receiver.script = [500]
    [delivery_id] = dispatcher.enqueue(notification())
    dispatcher.run_once()
    r = row(db_engine, delivery_id)
    assert (r.status, r.last_status_code, r.last_error) == ("pending", 500, "HTTP 500")
    with db_engine.connect() as conn:
        dump = repr(conn.execute(sa.select(deliveries)).all())
    assert "CANARY" not in dump
    clock.advance(1)
    dispatcher.run_once()
    assert row(db_engine, delivery_id).status == "delivered"
    assert len(receiver.bodies_for(delivery_id)) == 2


def test_not_found_is_retried_until_max_attempts_then_dead(
    db_engine: sa.Engine,
    add_webhook: AddWebhook,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    """A 404 gets the full retry budget (5 here), then the delivery is dead and stays so."""
    add_webhook(receiver.url)
    receiver.status = 404
    [delivery_id] = dispatcher.enqueue(notification())
    for _ in range(5):
        assert dispatcher.run_once() == 1
        clock.advance(600)
    r = row(db_engine, delivery_id)
    assert (r.status, r.attempts, r.last_status_code) == ("dead", 5, 404)
    assert dispatcher.run_once() == 0
    assert len(receiver.requests) == 5


def test_gone_is_dead_at_once(
    db_engine: sa.Engine, add_webhook: AddWebhook, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    """410 Gone stops the retries immediately."""
    add_webhook(receiver.url)
    receiver.status = 410
    [delivery_id] = dispatcher.enqueue(notification())
    dispatcher.run_once()
    assert (row(db_engine, delivery_id).status, len(receiver.requests)) == ("dead", 1)


def test_redirects_are_not_followed(
    db_engine: sa.Engine, add_webhook: AddWebhook, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    """A 302 never sends the signed body to another URL; it is a failed attempt."""
    add_webhook(receiver.url)
    receiver.script = [302]
    [delivery_id] = dispatcher.enqueue(notification())
    dispatcher.run_once()
    assert [r.path for r in receiver.requests] == ["/hooks/credgate?token=abc"]
    r = row(db_engine, delivery_id)
    assert (r.status, r.last_error) == ("pending", "redirect refused (HTTP 302)")


def test_two_dispatchers_never_send_the_same_delivery_twice(
    request: pytest.FixtureRequest,
    db_engine: sa.Engine,
    add_webhook: AddWebhook,
    make_dispatcher: MakeDispatcher,
    receiver: Receiver,
) -> None:
    """Two broker instances polling one database split the work; each delivery goes once."""
    add_webhook(receiver.url)
    other_engine = reopen(db_engine, request)
    try:
        a = make_dispatcher(concurrency=3)
        b = make_dispatcher(other_engine, concurrency=3)
        ids = [i for n in range(40) for i in a.enqueue(notification(nid=f"ntf_{n}"))]
        assert len(ids) == 40
        barrier = threading.Barrier(2)
        sent: dict[str, int] = {}

        def work(name: str, d: Dispatcher) -> None:
            barrier.wait()
            total = 0
            while (n := d.run_once()) > 0:
                total += n
            sent[name] = total

        threads = [threading.Thread(target=work, args=x) for x in (("a", a), ("b", b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        counts = Counter(r.headers["X-Credgate-Delivery"] for r in receiver.requests)
        assert sorted(counts) == sorted(ids)
        assert set(counts.values()) == {1}
        assert sent["a"] + sent["b"] == 40
        with db_engine.connect() as conn:
            statuses = conn.execute(sa.select(deliveries.c.status).distinct()).scalars().all()
        assert statuses == ["delivered"]
    finally:
        other_engine.dispose()


def test_a_slow_receiver_never_blocks_enqueue(
    db_engine: sa.Engine, add_webhook: AddWebhook, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    """While the sender waits on a hung receiver, requests keep queueing notifications."""
    add_webhook(receiver.url)
    receiver.hold = threading.Event()
    dispatcher.start()
    dispatcher.enqueue(notification(nid="ntf_first"))
    assert receiver.entered.wait(10), "the background sender never reached the receiver"

    # The receiver is holding the first request open; the next enqueue must still complete.
    ids = dispatcher.enqueue(notification(nid="ntf_second"))
    assert not receiver.hold.is_set()
    assert len(ids) == 1
    assert row(db_engine, ids[0]).status == "pending"
    receiver.hold.set()
    dispatcher.stop()


def test_background_loop_delivers_without_help(
    add_webhook: AddWebhook, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    """With the dispatcher started, an enqueued notification arrives by itself."""
    add_webhook(receiver.url)
    receiver.hold = threading.Event()
    receiver.hold.set()  # do not hold; only signal arrival
    dispatcher.start()
    assert dispatcher.running
    dispatcher.enqueue(notification())
    assert receiver.entered.wait(10)
    dispatcher.stop()
    assert not dispatcher.running
    assert len(receiver.requests) == 1


def test_enqueue_inside_the_request_transaction_commits_with_it(
    db_engine: sa.Engine,
    store: SqlStore,
    add_webhook: AddWebhook,
    dispatcher: Dispatcher,
    receiver: Receiver,
) -> None:
    """Queued in the request's own write transaction: sent if it commits, gone if it rolls back."""
    add_webhook(receiver.url)
    with store.transaction(write=True) as tx:
        [kept] = dispatcher.enqueue(notification(nid="ntf_kept"), conn=tx.conn)

    def failing_request() -> None:
        with store.transaction(write=True) as tx:
            dispatcher.enqueue(notification(nid="ntf_rolled_back"), conn=tx.conn)
            raise RuntimeError("the request failed after enqueuing")

    with pytest.raises(RuntimeError, match="after enqueuing"):
        failing_request()
    assert dispatcher.run_once() == 1
    assert [r.headers["X-Credgate-Delivery"] for r in receiver.requests] == [kept]
    with db_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(deliveries)).scalar() == 1


def test_enqueue_refuses_a_deferred_sqlite_transaction(
    store: SqlStore, add_webhook: AddWebhook, dispatcher: Dispatcher
) -> None:
    """Misuse that would fail under load ("database is locked") fails at once instead."""
    add_webhook("https://a.example/")
    if store.engine.dialect.name != "sqlite":
        with store.transaction() as tx:  # PostgreSQL: any transaction will do
            assert len(dispatcher.enqueue(notification(), conn=tx.conn)) == 1
        return
    with pytest.raises(ValueError, match="write transaction"), store.transaction() as tx:
        dispatcher.enqueue(notification(), conn=tx.conn)


def test_the_same_notification_is_queued_once(
    add_webhook: AddWebhook, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    """A retried enqueue (same notification id) does not make the receiver hear it twice."""
    add_webhook(receiver.url)
    assert len(dispatcher.enqueue(notification())) == 1
    assert dispatcher.enqueue(notification()) == []
    dispatcher.run_once()
    assert len(receiver.requests) == 1


def test_routing_by_namespace_and_event(
    add_webhook: AddWebhook, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    """Each tenant hears its own events; a parent hears children only when it asked to."""
    url = receiver.url
    add_webhook(url, name="acme-approvals", namespace="acme/", events=["approval.*"])
    add_webhook(url, name="root-all", namespace="", include_children=True)
    add_webhook(url, name="root-only", namespace="")
    add_webhook(url, name="other-tenant", namespace="globex/")
    assert len(dispatcher.enqueue(notification(namespace="acme/", nid="n1"))) == 1
    assert len(dispatcher.enqueue(notification("approval.requested", "acme/", "n2"))) == 2
    assert len(dispatcher.enqueue(notification(namespace="", nid="n3"))) == 2
    assert len(dispatcher.enqueue(notification(namespace="globex/", nid="n4"))) == 2


def test_slack_format_body(
    add_webhook: AddWebhook, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    """A Slack-format webhook receives an incoming-webhook body, still signed."""
    add_webhook(receiver.url, format="slack")
    dispatcher.enqueue(notification("approval.requested", approval_id="apr_1", agent_name="bot"))
    dispatcher.run_once()
    body = json.loads(receiver.requests[0].body)
    assert set(body) == {"text", "blocks"}
    assert "X-Credgate-Signature" in receiver.requests[0].headers


def test_disabled_webhook_holds_its_deliveries(
    db_engine: sa.Engine,
    store: SqlStore,
    webhook_service: WebhookService,
    add_webhook: AddWebhook,
    dispatcher: Dispatcher,
    receiver: Receiver,
) -> None:
    """Pausing a webhook queues nothing new and holds what was queued until it is re-enabled."""
    add_webhook(receiver.url)
    [queued] = dispatcher.enqueue(notification(nid="before"))
    with store.transaction(write=True) as tx:
        webhook_service.update(tx, "", "ops", enabled=False)
    assert dispatcher.enqueue(notification(nid="while-paused")) == []
    assert dispatcher.run_once() == 0
    with store.transaction(write=True) as tx:
        webhook_service.update(tx, "", "ops", enabled=True)
    assert dispatcher.run_once() == 1
    assert row(db_engine, queued).status == "delivered"


def test_delivery_of_a_deleted_webhook_is_dead(
    db_engine: sa.Engine, add_webhook: AddWebhook, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    """A delivery left behind by a deleted webhook is closed, not retried forever."""
    add_webhook(receiver.url)
    [delivery_id] = dispatcher.enqueue(notification())
    with db_engine.begin() as conn:
        conn.execute(webhooks.delete())
    assert dispatcher.run_once() == 1
    r = row(db_engine, delivery_id)
    assert (r.status, r.last_error) == ("dead", "the webhook was deleted")
    assert receiver.requests == []


def test_wrong_master_key_keeps_deliveries_queued(
    db_engine: sa.Engine,
    add_webhook: AddWebhook,
    make_dispatcher: MakeDispatcher,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    """An instance that cannot open the webhook secret retries; the right key delivers later."""
    add_webhook(receiver.url)
    wrong = Barrier(SqlKeyringStore(db_engine), MasterKey(bytes(32)), clock=clock)
    bad = make_dispatcher(barrier=wrong)
    [delivery_id] = bad.enqueue(notification())
    bad.run_once()
    r = row(db_engine, delivery_id)
    assert (r.status, r.last_error) == ("pending", "cannot prepare the request (decryption_failed)")
    clock.advance(10)
    assert make_dispatcher().run_once() == 1
    assert row(db_engine, delivery_id).status == "delivered"


def test_logs_never_show_the_url_or_the_secret(
    caplog: pytest.LogCaptureFixture,
    add_webhook: AddWebhook,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    """A webhook URL can be a credential (Slack): no log line, at any level, shows it."""
    caplog.set_level("DEBUG")
    hook = add_webhook(receiver.url)
    receiver.script = [500]
    dispatcher.enqueue(notification())
    dispatcher.run_once()
    clock.advance(1)
    dispatcher.run_once()
    assert len(receiver.requests) == 2
    text = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert "credgate.notify" in text  # the dispatcher did log its attempts
    for secret in ("token=abc", "/hooks/credgate", hook.secret):
        assert secret not in text
