"""Fixtures for the notifier tests: a barrier on the SQL key ring, services, a receiver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from webhook_receiver import Receiver

from credgate.adapters.crypto.barrier import Barrier
from credgate.adapters.crypto.master_key import MasterKey
from credgate.adapters.crypto.sql_keyring import SqlKeyringStore
from credgate.adapters.notify.dispatcher import Dispatcher
from credgate.adapters.storage.sql_store import SqlStore
from credgate.clock import ManualClock
from credgate.domain.deliveries import RetryPolicy
from credgate.service.notifications import CreatedWebhook, WebhookService

MASTER = MasterKey(bytes(range(32)))


@pytest.fixture
def clock() -> ManualClock:
    """A frozen clock the tests advance to make retries due."""
    return ManualClock()


@pytest.fixture
def barrier(db_engine: sa.Engine, clock: ManualClock) -> Barrier:
    """The real barrier on the database's key ring."""
    return Barrier(SqlKeyringStore(db_engine), MASTER, clock=clock)


@pytest.fixture
def store(db_engine: sa.Engine) -> SqlStore:
    """The broker's transaction factory on the same database."""
    return SqlStore(db_engine)


@pytest.fixture
def webhook_service(barrier: Barrier, clock: ManualClock) -> WebhookService:
    """The webhook use cases."""
    return WebhookService(barrier, clock)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP receiver on 127.0.0.1, answering 200."""
    r = Receiver().start()
    try:
        yield r
    finally:
        r.stop()


@pytest.fixture
def make_dispatcher(
    db_engine: sa.Engine, barrier: Barrier, clock: ManualClock
) -> Iterator[Callable[..., Dispatcher]]:
    """Dispatchers on the test database (no jitter: delays are exactly half nominal)."""
    made: list[Dispatcher] = []

    def make(
        engine: sa.Engine | None = None, *, barrier: Barrier = barrier, **kw: Any
    ) -> Dispatcher:
        kw.setdefault("retry", RetryPolicy(max_attempts=5))
        kw.setdefault("jitter", lambda: 0.0)
        kw.setdefault("timeout", 2.0)
        kw.setdefault("lease", 30.0)
        d = Dispatcher(engine or db_engine, barrier, clock, **kw)
        made.append(d)
        return d

    yield make
    for d in made:
        d.stop()


@pytest.fixture
def dispatcher(make_dispatcher: Callable[..., Dispatcher]) -> Dispatcher:
    """One dispatcher with test defaults (5 attempts)."""
    return make_dispatcher()


@pytest.fixture
def add_webhook(store: SqlStore, webhook_service: WebhookService) -> Callable[..., CreatedWebhook]:
    """Create a webhook the way the broker will: prepare outside, create in a write tx."""

    def add(url: str, name: str = "ops", namespace: str = "", **kw: Any) -> CreatedWebhook:
        webhook_service.prepare(namespace)
        with store.transaction(write=True) as tx:
            return webhook_service.create(tx, namespace, name, url, **kw)

    return add
