"""Webhook use cases: create, read, list, update, rotate the secret, delete; the delivery log.

Every method takes the request's :class:`~credgate.adapters.storage.sql_store.SqlTx` (the
broker's phase-2 transaction) and a canonical namespace the broker already bound and
authorised; nothing here checks permissions. Methods that encrypt (``create``, ``update``
with a new URL, ``rotate_secret``) need the namespace's data key to exist *before* the
transaction opens: wire :meth:`WebhookService.prepare` as the broker action's ``prepare``.

The signing secret is shown once, in the :class:`CreatedWebhook` that ``create`` and
``rotate_secret`` return; afterwards it exists only as barrier ciphertext, as does the URL
(listings show ``url_hint``: scheme, host and port).
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from credgate.adapters.crypto.barrier import Barrier
from credgate.adapters.notify import delivery_queue as queue
from credgate.adapters.notify import webhook_store as store
from credgate.adapters.notify.webhook_sender import FORMATS
from credgate.adapters.storage.sql_store import SqlTx
from credgate.clock import Clock
from credgate.domain.deliveries import PENDING, STATUSES, check_redeliver
from credgate.domain.notifications import KINDS, parse_event_filter
from credgate.errors import Conflict, InvalidRequest, NotFound

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
_SECRET = re.compile(r"[\x21-\x7e]{16,256}")
MAX_URL = 2048
MAX_DESCRIPTION = 1024
MAX_LIST_LIMIT = 1000


@dataclass(frozen=True)
class Webhook:
    """What an operator sees of a webhook: never the URL's path or the secret."""

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

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["events"] = list(self.events)
        return out


@dataclass(frozen=True)
class CreatedWebhook:
    """A webhook and its signing secret, returned once. The repr hides the secret."""

    webhook: Webhook
    secret: str

    def __repr__(self) -> str:
        return f"CreatedWebhook(webhook={self.webhook!r}, secret=<hidden>)"


@dataclass(frozen=True)
class Delivery:
    """One entry of the delivery log."""

    id: str
    webhook: str  # the webhook's name
    status: str
    kind: str
    notification_id: str
    attempts: int
    next_at: float | None  # None once delivered or dead
    last_attempt_at: float | None
    last_status_code: int | None
    last_error: str | None
    created_at: float
    delivered_at: float | None
    notification: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def url_hint(url: str) -> str:
    """Check a webhook URL and return what may be shown of it: ``https://host:port/…``."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL:
        raise InvalidRequest(f"a webhook URL is 1 to {MAX_URL} characters")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise InvalidRequest("a webhook URL cannot contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidRequest("the webhook URL is not valid") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidRequest("a webhook URL must start with https:// or http://")
    host = parts.hostname
    if not host:
        raise InvalidRequest("the webhook URL has no host")
    shown = f"[{host}]" if ":" in host else host
    hint = f"{scheme}://{shown}" + (f":{port}" if port is not None else "")
    if parts.path not in ("", "/") or parts.query:
        hint += "/…"
    return hint


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidRequest(
            "invalid webhook name", hint="1-63 characters of a-z, 0-9, '_' and '-'"
        )
    return name


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidRequest(f"unknown webhook format {fmt!r}", hint="use json or slack")
    return fmt


def _check_description(text: str) -> str:
    if not isinstance(text, str) or len(text) > MAX_DESCRIPTION:
        raise InvalidRequest(f"a description is text of at most {MAX_DESCRIPTION} characters")
    return text


def _view(rec: store.WebhookRecord) -> Webhook:
    return Webhook(
        id=rec.id,
        namespace=rec.namespace,
        name=rec.name,
        url_hint=rec.url_hint,
        format=rec.format,
        events=rec.events,
        include_children=rec.include_children,
        enabled=rec.enabled,
        description=rec.description,
        created_at=rec.created_at,
        created_by=rec.created_by,
        updated_at=rec.updated_at,
    )


def _delivery(rec: queue.DeliveryRecord, webhook_name: str) -> Delivery:
    return Delivery(
        id=rec.id,
        webhook=webhook_name,
        status=rec.status,
        kind=rec.kind,
        notification_id=rec.notification_id,
        attempts=rec.attempts,
        next_at=rec.next_at if rec.status == PENDING else None,
        last_attempt_at=rec.last_attempt_at,
        last_status_code=rec.last_status_code,
        last_error=rec.last_error,
        created_at=rec.created_at,
        delivered_at=rec.delivered_at,
        notification=rec.notification,
    )


class WebhookService:
    """Webhook CRUD and the delivery log, for the broker to wrap."""

    def __init__(
        self,
        barrier: Barrier,
        clock: Clock,
        *,
        randbytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.barrier = barrier
        self.clock = clock
        self._randbytes = randbytes

    def prepare(self, namespace: str) -> None:
        """Create the namespace's data key if needed; call it *outside* any transaction."""
        self.barrier.ensure_key(namespace)

    # -- webhooks ---------------------------------------------------------------------------

    def create(
        self,
        tx: SqlTx,
        namespace: str,
        name: str,
        url: str,
        *,
        format: str = "json",
        events: Iterable[str] | None = None,
        include_children: bool = False,
        secret: str | None = None,
        description: str = "",
        enabled: bool = True,
        created_by: str | None = None,
    ) -> CreatedWebhook:
        """Register a receiver; a signing secret is generated unless one is given."""
        _check_name(name)
        hint = url_hint(url)
        _check_format(format)
        chosen = parse_event_filter(events)
        _check_description(description)
        secret = self._new_secret() if secret is None else self._check_secret(secret)
        if store.get_webhook(tx.conn, namespace, name) is not None:
            raise Conflict(f"a webhook named {name!r} already exists in this namespace")
        webhook_id = "whk_" + self._randbytes(12).hex()
        now = self.clock.now()
        rec = store.WebhookRecord(
            id=webhook_id,
            namespace=namespace,
            name=name,
            url_hint=hint,
            format=format,
            events=chosen,
            include_children=bool(include_children),
            enabled=bool(enabled),
            description=description,
            created_at=now,
            created_by=created_by,
            updated_at=now,
            url_ciphertext=self._seal(namespace, store.url_aad_path(webhook_id), url),
            secret_ciphertext=self._seal(namespace, store.secret_aad_path(webhook_id), secret),
        )
        store.insert_webhook(tx.conn, rec)
        return CreatedWebhook(_view(rec), secret)

    def get(self, tx: SqlTx, namespace: str, name: str) -> Webhook:
        return _view(self._require(tx, namespace, name))

    def list_webhooks(self, tx: SqlTx, namespace: str) -> list[Webhook]:
        return [_view(r) for r in store.list_webhooks(tx.conn, namespace)]

    def update(
        self,
        tx: SqlTx,
        namespace: str,
        name: str,
        *,
        url: str | None = None,
        format: str | None = None,
        events: Iterable[str] | None = None,
        include_children: bool | None = None,
        enabled: bool | None = None,
        description: str | None = None,
    ) -> Webhook:
        """Change the given fields; the others stay as they are."""
        rec = self._require(tx, namespace, name)
        values: dict[str, Any] = {}
        if url is not None:
            values["url_hint"] = url_hint(url)
            values["url_ciphertext"] = self._seal(namespace, store.url_aad_path(rec.id), url)
        if format is not None:
            values["format"] = _check_format(format)
        if events is not None:
            values["events"] = parse_event_filter(events)
        if include_children is not None:
            values["include_children"] = bool(include_children)
        if enabled is not None:
            values["enabled"] = bool(enabled)
        if description is not None:
            values["description"] = _check_description(description)
        if values:
            values["updated_at"] = self.clock.now()
            store.update_webhook(tx.conn, rec.id, values)
        return self.get(tx, namespace, name)

    def rotate_secret(
        self, tx: SqlTx, namespace: str, name: str, secret: str | None = None
    ) -> CreatedWebhook:
        """Replace the signing secret; deliveries sent from now on use the new one."""
        rec = self._require(tx, namespace, name)
        secret = self._new_secret() if secret is None else self._check_secret(secret)
        sealed = self._seal(namespace, store.secret_aad_path(rec.id), secret)
        store.update_webhook(
            tx.conn, rec.id, {"secret_ciphertext": sealed, "updated_at": self.clock.now()}
        )
        return CreatedWebhook(self.get(tx, namespace, name), secret)

    def delete(self, tx: SqlTx, namespace: str, name: str) -> int:
        """Delete a webhook and its delivery log; return how many deliveries were dropped."""
        rec = self._require(tx, namespace, name)
        return store.delete_webhook(tx.conn, rec.id)

    # -- the delivery log -------------------------------------------------------------------

    def list_deliveries(
        self,
        tx: SqlTx,
        namespace: str,
        *,
        webhook: str | None = None,
        status: str | None = None,
        kind: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 100,
    ) -> list[Delivery]:
        """The deliveries of this namespace's webhooks, newest first."""
        if status is not None and status not in STATUSES:
            raise InvalidRequest(f"unknown status {status!r}", hint=f"one of {', '.join(STATUSES)}")
        if kind is not None and kind not in KINDS:
            raise InvalidRequest(f"unknown notification kind {kind!r}")
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIST_LIMIT:
            raise InvalidRequest(f"limit must be between 1 and {MAX_LIST_LIMIT}")
        if webhook is not None:
            names = {self._require(tx, namespace, webhook).id: webhook}
        else:
            names = {r.id: r.name for r in store.list_webhooks(tx.conn, namespace)}
        rows = queue.list_deliveries(
            tx.conn, list(names), status=status, kind=kind, since=since, until=until, limit=limit
        )
        return [_delivery(r, names[r.webhook_id]) for r in rows]

    def get_delivery(self, tx: SqlTx, namespace: str, delivery_id: str) -> Delivery:
        rec, webhook = self._require_delivery(tx, namespace, delivery_id)
        return _delivery(rec, webhook.name)

    def redeliver(self, tx: SqlTx, namespace: str, delivery_id: str) -> Delivery:
        """Queue a delivered or dead delivery again, due now, with a fresh attempt budget.

        The dispatcher picks it up at its next poll (call ``Dispatcher.wake()`` after the
        commit to make that immediate). A delivery being sent right now is a :class:`Conflict`.
        """
        rec, _ = self._require_delivery(tx, namespace, delivery_id)
        check_redeliver(rec.status)
        queue.requeue(tx.conn, rec.id, self.clock.now())
        return self.get_delivery(tx, namespace, delivery_id)

    # -- internals --------------------------------------------------------------------------

    def _require(self, tx: SqlTx, namespace: str, name: str) -> store.WebhookRecord:
        rec = store.get_webhook(tx.conn, namespace, _check_name(name))
        if rec is None:
            raise NotFound(f"no webhook named {name!r} in this namespace")
        return rec

    def _require_delivery(
        self, tx: SqlTx, namespace: str, delivery_id: str
    ) -> tuple[queue.DeliveryRecord, store.WebhookRecord]:
        rec = queue.get_delivery(tx.conn, delivery_id) if isinstance(delivery_id, str) else None
        hook = (
            store.get_webhooks_by_id(tx.conn, [rec.webhook_id]).get(rec.webhook_id) if rec else None
        )
        # Another tenant's delivery is "not found", exactly like one that does not exist.
        if rec is None or hook is None or hook.namespace != namespace:
            raise NotFound("no such delivery in this namespace")
        return rec, hook

    def _seal(self, namespace: str, path: str, text: str) -> bytes:
        return self.barrier.encrypt(namespace, path, store.BLOB_VERSION, text.encode("utf-8"))

    def _new_secret(self) -> str:
        return "whsec_" + base64.urlsafe_b64encode(self._randbytes(32)).decode().rstrip("=")

    @staticmethod
    def _check_secret(secret: str) -> str:
        if not isinstance(secret, str) or not _SECRET.fullmatch(secret):
            raise InvalidRequest(
                "a webhook secret is 16 to 256 printable ASCII characters without spaces"
            )
        return secret
