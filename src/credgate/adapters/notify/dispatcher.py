"""The webhook dispatcher: a durable queue in SQL and a background sender.

Two halves that never wait on each other:

- :meth:`Dispatcher.enqueue` is what a request calls. It reads the subscribed webhooks and
  inserts one ``deliveries`` row per match, in the caller's transaction (``conn=``) or in a
  short one of its own. It never touches the network, so a receiver that is down or slow
  cannot block or fail the agent's request.
- :meth:`Dispatcher.run_once` (called in a loop by the daemon thread :meth:`start` runs, or
  directly by tests with a :class:`~credgate.clock.ManualClock`) claims due deliveries, sends
  them on a small thread pool and records each outcome: delivered, retry later (exponential
  backoff with jitter) or dead.

Nothing is lost on a restart: a delivery is a row until it is delivered or dead, and a row a
crashed instance left ``delivering`` goes back to ``pending`` once its lease expires. Delivery
is *at least once*: a receiver that answered but whose answer never arrived gets the delivery
again, with the same ``X-Credgate-Delivery`` id, which receivers use to deduplicate.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from credgate.adapters.crypto.barrier import Barrier
from credgate.adapters.notify import delivery_queue as queue
from credgate.adapters.notify import webhook_store as store
from credgate.adapters.notify.delivery_queue import DeliveryRecord
from credgate.adapters.notify.webhook_sender import Target, send
from credgate.clock import Clock
from credgate.domain.deliveries import (
    DEAD,
    AttemptResult,
    RetryPolicy,
    Transition,
    after_attempt,
)
from credgate.domain.notifications import Notification, event_matches
from credgate.errors import Error, Unavailable

log = logging.getLogger("credgate.notify")

HttpClientFactory = Callable[[], httpx.Client]


def default_http_client() -> httpx.Client:
    """No proxies from the environment, no redirects, no cookies kept between receivers."""
    return httpx.Client(follow_redirects=False, trust_env=False, headers={"Accept": "*/*"})


SUBSCRIPTION_TTL = 1.0  # seconds a namespace's webhook list is reused for enqueue


class Dispatcher:
    """Queues notifications for webhooks and delivers them in the background."""

    def __init__(
        self,
        engine: sa.Engine,
        barrier: Barrier,
        clock: Clock,
        http_client_factory: HttpClientFactory = default_http_client,
        *,
        concurrency: int = 2,
        retry: RetryPolicy | None = None,
        timeout: float = 5.0,
        lease: float = 60.0,
        poll_interval: float = 1.0,
        jitter: Callable[[], float] = random.random,
        randbytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if lease <= timeout:
            raise ValueError("the lease must be longer than the request timeout")
        self.engine = engine
        self.barrier = barrier
        self.clock = clock
        self.retry = retry or RetryPolicy()
        self.concurrency = concurrency
        self.timeout = timeout
        self.lease = lease
        self.poll_interval = poll_interval
        self._client_factory = http_client_factory
        self._jitter = jitter
        self._randbytes = randbytes
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._subs: dict[str, tuple[float, list[tuple[str, tuple[str, ...]]]]] = {}

    # -- the request side -------------------------------------------------------------------

    def new_notification(
        self, kind: str, namespace: str, subject: dict[str, object]
    ) -> Notification:
        """A notification stamped with this dispatcher's clock and a fresh random id."""
        return Notification(
            id="ntf_" + self._randbytes(12).hex(),
            kind=kind,
            namespace=namespace,
            created_at=self.clock.now(),
            subject=subject,
        )

    def enqueue(
        self, notification: Notification, *, conn: sa.Connection | None = None
    ) -> list[str]:
        """Queue ``notification`` for every subscribed webhook; return the new delivery ids.

        With ``conn`` the rows are written in the caller's open transaction and commit or roll
        back with it (on SQLite that transaction must hold the write lock: open it with
        ``write=True``). Without ``conn``, a short write transaction of its own is used: call
        it *after* the request's transaction has committed, never while one is open on SQLite.
        Enqueuing the same notification twice queues it once per webhook.
        """
        if conn is not None:
            if conn.dialect.name == "sqlite" and not conn.get_execution_options().get(
                "sqlite_write"
            ):
                # A deferred SQLite transaction that starts writing late can fail at once with
                # "database is locked" when another writer committed since it first read.
                raise ValueError(
                    "enqueue(conn=...) on SQLite needs a write transaction "
                    "(SqlStore.transaction(write=True))"
                )
            return self._enqueue(conn, notification)
        try:
            # Most namespaces have no webhook for most kinds: find out without a write lock,
            # from a subscription list that is at most SUBSCRIPTION_TTL seconds old.
            wanted = any(
                event_matches(events, notification.kind)
                for _, events in self._subscriptions(notification.namespace)
            )
            if not wanted:
                return []
            with self._write() as own:
                ids = self._enqueue(own, notification)
        except SQLAlchemyError:
            raise Unavailable("the notification queue is not available") from None
        if ids:
            self.wake()
        return ids

    def _enqueue(self, conn: sa.Connection, n: Notification) -> list[str]:
        now = self.clock.now()
        ids: list[str] = []
        for webhook_id, events in store.subscribed_webhooks(conn, n.namespace):
            if not event_matches(events, n.kind):
                continue
            delivery_id = "dlv_" + self._randbytes(12).hex()
            if queue.insert_delivery(conn, delivery_id, webhook_id, n, now):
                ids.append(delivery_id)
        return ids

    def _subscriptions(self, namespace: str) -> list[tuple[str, tuple[str, ...]]]:
        now = time.monotonic()
        cached = self._subs.get(namespace)
        if cached is not None and cached[0] > now:
            return cached[1]
        with self.engine.connect() as peek:
            subs = store.subscribed_webhooks(peek, namespace)
        if len(self._subs) > 1024:
            self._subs.clear()
        self._subs[namespace] = (now + SUBSCRIPTION_TTL, subs)
        return subs

    def forget_subscriptions(self) -> None:
        """Drop the cached subscription lists (after a webhook was created or changed here)."""
        self._subs.clear()

    def wake(self) -> None:
        """Tell the background loop there is work (after a commit made deliveries due)."""
        self._wake.set()

    # -- the sending side -------------------------------------------------------------------

    def run_once(self) -> int:
        """Recover stale claims, claim what is due, send it, record it; return how many sent."""
        now = self.clock.now()
        self._recover(now)
        token = self._randbytes(16).hex()
        with self._read() as conn:
            if not queue.any_due(conn, now):
                return 0
        with self._write() as conn:
            batch = queue.claim_due(conn, now, self.concurrency, token)
        if not batch:
            return 0
        with self._read() as conn:
            hooks = store.get_webhooks_by_id(conn, sorted({d.webhook_id for d in batch}))
        if len(batch) == 1:
            self._deliver(batch[0], hooks.get(batch[0].webhook_id), token)
        else:
            pool = self._executor()
            futures = [pool.submit(self._deliver, d, hooks.get(d.webhook_id), token) for d in batch]
            for future in futures:
                future.result()
        return len(batch)

    def recover_stale(self) -> int:
        """Put deliveries claimed longer than the lease ago back in line; return how many."""
        return self._recover(self.clock.now())

    def _recover(self, now: float) -> int:
        with self._read() as conn:
            if not queue.any_stale(conn, now, self.lease):
                return 0
        with self._write() as conn:
            count = queue.recover_stale(conn, now, self.lease, self.retry.max_attempts)
        if count:
            log.warning("webhook deliveries recovered after an interrupted attempt: %d", count)
        return count

    def _deliver(
        self, delivery: DeliveryRecord, webhook: store.WebhookRecord | None, token: str
    ) -> None:
        if webhook is None:
            result = AttemptResult(error="the webhook was deleted")
            self._finish(delivery, token, result, Transition(DEAD, None))
            return
        try:
            n = Notification.from_dict(delivery.notification)
            target = self._target(webhook)
        except Error as exc:
            # A stored row that cannot be read or a key that cannot open it: retried, so a
            # restart with the right master key still delivers it.
            result = AttemptResult(error=f"cannot prepare the request ({exc.code})")
        else:
            result = send(
                self._http(),
                target,
                n,
                delivery.id,
                delivery.attempts,
                int(self.clock.now()),
                timeout=self.timeout,
            )
        now = self.clock.now()
        transition = after_attempt(
            result, delivery.attempts, now, jitter=self._jitter, policy=self.retry
        )
        self._finish(delivery, token, result, transition)
        log.info(
            "webhook delivery %s (%s to %s %s) attempt %d: %s -> %s",
            delivery.id,
            delivery.kind,
            webhook.name,
            webhook.url_hint,
            delivery.attempts,
            result.status_code if result.error is None else result.error,
            transition.status,
        )

    def _finish(
        self, delivery: DeliveryRecord, token: str, result: AttemptResult, transition: Transition
    ) -> None:
        with self._write() as conn:
            kept = queue.finish(conn, delivery.id, token, result, transition, self.clock.now())
        if not kept:
            log.warning("webhook delivery %s: claim lost before the outcome was saved", delivery.id)

    def _target(self, webhook: store.WebhookRecord) -> Target:
        url = self.barrier.decrypt(
            webhook.namespace,
            store.url_aad_path(webhook.id),
            store.BLOB_VERSION,
            webhook.url_ciphertext,
        )
        secret = self.barrier.decrypt(
            webhook.namespace,
            store.secret_aad_path(webhook.id),
            store.BLOB_VERSION,
            webhook.secret_ciphertext,
        )
        return Target(webhook.id, url.decode("utf-8"), secret, webhook.format)

    # -- background loop --------------------------------------------------------------------

    def start(self) -> None:
        """Run the sender in a daemon thread until :meth:`stop`."""
        with self._lock:
            if self._thread is not None:
                return
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._loop, name="credgate-webhooks", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop (an attempt in flight finishes), close the HTTP client and pool."""
        self._stop.set()
        self._wake.set()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        with self._lock:
            pool, self._pool = self._pool, None
            client, self._client = self._client, None
        if pool is not None:
            pool.shutdown(wait=True)
        if client is not None:
            client.close()

    close = stop

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.run_once()
            except Exception as exc:  # the loop must outlive any one failure
                # The class name only: a message could quote a URL, and URLs can be credentials.
                log.warning("webhook dispatcher: %s; retrying", type(exc).__name__)
                sent = 0
            if sent == 0:
                self._wake.wait(self.poll_interval)
                self._wake.clear()

    # -- plumbing ---------------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = self._client_factory()
            return self._client

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.concurrency, "credgate-webhook-send")
            return self._pool

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_write=True)
            with conn.begin():
                yield conn

    def __repr__(self) -> str:
        return f"Dispatcher(concurrency={self.concurrency}, running={self.running})"
