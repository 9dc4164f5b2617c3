"""Composition root: build a running credgate from :class:`Settings`.

This is the only module that knows every concrete adapter. Doors (HTTP, CLI, MCP) receive a
:class:`Credgate` and call its services; nothing else constructs adapters.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from credgate.adapters.audit.checkpoint_store import FileCheckpointStore, SqlCheckpointStore
from credgate.adapters.audit.file_sink import FileAuditSink
from credgate.adapters.audit.sql_sink import SqlAuditSink
from credgate.adapters.crypto.barrier import Barrier
from credgate.adapters.crypto.master_key import (
    MasterKey,
    generate_master_key_file,
    load_master_key,
)
from credgate.adapters.crypto.sql_keyring import SqlKeyringStore
from credgate.adapters.engines.kv import KVEngine
from credgate.adapters.notify.dispatcher import Dispatcher
from credgate.adapters.storage.engine import create_engine
from credgate.adapters.storage.governance_store import GovernanceStore
from credgate.adapters.storage.migrations import upgrade
from credgate.adapters.storage.records import MountRecord, PrincipalRecord
from credgate.adapters.storage.sql_store import SqlStore
from credgate.clock import Clock, SystemClock
from credgate.domain.audit import AuditSink, Checkpoint, CheckpointStore
from credgate.errors import ConfigError
from credgate.service.audit import AuditBroker
from credgate.service.audit_trail import AuditTrailService
from credgate.service.broker import Broker
from credgate.service.brokered_http import BrokeredHttpService
from credgate.service.elevations import ElevationService
from credgate.service.governance import GovernanceService
from credgate.service.identity import IdentityService
from credgate.service.metrics import Metrics
from credgate.service.notifications import WebhookService
from credgate.service.policies import PolicyService
from credgate.service.proposals import ProposalService
from credgate.service.risk_gate import RiskGate
from credgate.service.secrets import SecretsService
from credgate.service.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

TOKEN_KEY_NAME = "token-hmac"  # noqa: S105 - the name of a key in the key ring, not a secret
AUDIT_KEY_NAME = "audit-hmac"
APPROVAL_KEY_NAME = "approval-hmac"


@dataclass
class Credgate:
    """A wired instance: every service, sharing one broker pipeline."""

    settings: Settings
    store: SqlStore
    barrier: Barrier
    audit: AuditBroker
    broker: Broker
    identity: IdentityService
    policies: PolicyService
    secrets: SecretsService
    audit_trail: AuditTrailService
    governance: GovernanceService
    elevations: ElevationService
    proposals: ProposalService
    dispatcher: Dispatcher
    metrics: Metrics
    clock: Clock
    sinks: list[AuditSink] = field(default_factory=list)
    brokered: BrokeredHttpService | None = None  # POST /v1/broker/http (set by build)

    def close(self) -> None:
        self.governance.close()
        self.dispatcher.stop()
        self.audit.close()
        self.store.engine.dispose()


def _master_key(settings: Settings, env: Mapping[str, str]) -> MasterKey:
    key_file = settings.resolved_master_key_file
    if "CREDGATE_MASTER_KEY" not in env and not key_file.exists():
        raise ConfigError(
            f"no master key: neither $CREDGATE_MASTER_KEY nor {key_file} exists",
            hint="run `credgate init` first, or set CREDGATE_MASTER_KEY",
        )
    return load_master_key(env=env, key_file=key_file if key_file.exists() else None)


def build(
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    migrate: bool = True,
) -> Credgate:
    env = os.environ if env is None else env
    clock = clock or SystemClock()
    engine = create_engine(settings.resolved_database_url)
    if migrate:
        upgrade(engine)
    store = SqlStore(engine)
    master = _master_key(settings, env)
    barrier = Barrier(SqlKeyringStore(engine), master, clock=clock)
    barrier.verify_master_key()
    sinks: list[AuditSink] = [
        FileAuditSink(settings.resolved_audit_file, fsync=settings.audit_fsync)
    ]
    if settings.audit_sql:
        audit_engine = create_engine(settings.resolved_audit_database_url)
        if migrate:
            upgrade(audit_engine)
        sinks.append(SqlAuditSink(audit_engine))
    writer_id = settings.instance_id or f"{socket.gethostname()}-{settings.port}"
    audit = AuditBroker(
        sinks,
        writer_id=writer_id,
        hmac_key=barrier.named_key(AUDIT_KEY_NAME),
        clock=clock,
        context_max_bytes=settings.context_max_bytes,
        checkpoints=_checkpoint_stores(settings, engine),
    )
    metrics = Metrics()
    dispatcher = Dispatcher(engine, barrier, clock)
    governance = GovernanceStore()
    broker = Broker(
        store,
        audit,
        clock,
        token_key=barrier.named_key(TOKEN_KEY_NAME),
        metrics=metrics,
        context_max_bytes=settings.context_max_bytes,
        risk_gate=RiskGate(governance, fingerprint_key=barrier.named_key(APPROVAL_KEY_NAME)),
        notifier=dispatcher,
    )
    identity = IdentityService(
        broker, default_ttl=settings.default_token_ttl, max_ttl=settings.max_token_ttl
    )
    kv = KVEngine(barrier)
    return Credgate(
        settings=settings,
        store=store,
        barrier=barrier,
        audit=audit,
        broker=broker,
        identity=identity,
        policies=PolicyService(broker),
        secrets=SecretsService(broker, kv),
        audit_trail=AuditTrailService(broker, audit, sinks),
        governance=GovernanceService(
            broker, governance, WebhookService(barrier, clock), dispatcher
        ),
        elevations=ElevationService(broker, governance, identity, dispatcher),
        proposals=ProposalService(broker, governance),
        dispatcher=dispatcher,
        metrics=metrics,
        clock=clock,
        sinks=sinks,
        brokered=BrokeredHttpService(broker, kv),
    )


def _checkpoint_stores(settings: Settings, engine: Engine) -> list[CheckpointStore]:
    """The database table, and the second place when ``audit_checkpoint_file`` is set."""
    stores: list[CheckpointStore] = [SqlCheckpointStore(engine)]
    if settings.audit_checkpoint_file is not None:
        stores.append(FileCheckpointStore(settings.audit_checkpoint_file))
    return stores


def local_audit_key(settings: Settings, *, env: Mapping[str, str] | None = None) -> bytes:
    """The instance's audit HMAC key, read from its key ring with the master key.

    For operators working on the instance's machine (``credgate audit hash``, ``verify``); the
    key never leaves the process. ``ConfigError`` when there is no master key (no instance).
    """
    env = os.environ if env is None else env
    master = _master_key(settings, env)  # before touching the database: never create one
    engine = create_engine(settings.resolved_database_url)
    try:
        barrier = Barrier(SqlKeyringStore(engine), master)
        return barrier.named_key(AUDIT_KEY_NAME)
    finally:
        engine.dispose()


def local_audit_checkpoints(settings: Settings) -> list[Checkpoint]:
    """Every writer's checkpoint the local instance saved (its database and second place).

    For ``credgate audit verify`` on the instance's machine; ``Unavailable`` when a store
    cannot be read.
    """
    engine = create_engine(settings.resolved_database_url)
    try:
        return [c for store in _checkpoint_stores(settings, engine) for c in store.read()]
    finally:
        engine.dispose()


@dataclass(frozen=True)
class InitResult:
    created: bool
    data_dir: Path
    token_file: Path
    token: str | None

    def __repr__(self) -> str:
        return f"InitResult(created={self.created}, token_file={self.token_file})"


def initialise(settings: Settings, *, env: Mapping[str, str] | None = None) -> InitResult:
    """Create the embedded instance: data dir, master key, schema, root mount, first operator.

    Idempotent in the sense that it refuses to overwrite: an existing instance is left alone.
    """
    env = os.environ if env is None else env
    data_dir = settings.data_dir
    token_file = settings.operator_token_file
    if token_file.exists():
        return InitResult(False, data_dir, token_file, None)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if "CREDGATE_MASTER_KEY" not in env and not settings.resolved_master_key_file.exists():
        generate_master_key_file(settings.resolved_master_key_file)
    id_file = data_dir / "instance-id"
    if not settings.instance_id and not id_file.exists():
        id_file.write_text("cg-" + secrets.token_hex(4) + "\n", encoding="utf-8")
        settings = settings.with_instance_id(id_file.read_text(encoding="utf-8").strip())
    app = build(settings, env=env)
    try:
        now = app.clock.now()
        with app.store.transaction(write=True) as tx:
            if tx.get_mount("", "secret/") is None:
                tx.create_mount(
                    MountRecord("", "secret/", "kv", {"version": "2"}, "key/value secrets", now)
                )
            admin = tx.get_principal_by_name("", "operator", "admin")
            if admin is None:
                admin = PrincipalRecord(
                    id="opr_" + secrets.token_hex(8),
                    kind="operator",
                    namespace="",
                    name="admin",
                    owner="",
                    description="created by credgate init",
                    status="active",
                    policies=(),
                    created_at=now,
                    updated_at=now,
                    created_by="init",
                )
                tx.create_principal(admin)
            issued = app.identity.issue(
                tx,
                principal=admin,
                kind="operator",
                namespace="",
                policies=["root"],
                ttl=None,
                display_name="initial root token",
            )
        fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(issued.token + "\n")
        return InitResult(True, data_dir, token_file, issued.token)
    finally:
        app.close()
