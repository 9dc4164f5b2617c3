"""Checkpoints of the audit chain head: written by the broker, periodically by the server and
on shutdown; used by the verify API, which shows a tenant only its own part of the trail."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from credgate.adapters.audit import FileAuditSink, MemoryAuditSink, iter_lines
from credgate.adapters.audit.checkpoint_store import FileCheckpointStore, SqlCheckpointStore
from credgate.adapters.http.app import create_app
from credgate.clock import ManualClock
from credgate.domain.audit import Anchor, ChainKey, Checkpoint, verify_lines
from credgate.service.app import build, initialise
from credgate.service.audit import AuditBroker
from credgate.service.settings import load_settings

KEY = b"audit-key-" + b"y" * 22
CHAIN_KEY = ChainKey.from_audit_key(KEY)
T0 = 1_800_000_000.0


class _Recording:
    """A checkpoint store that remembers writes and can be told to fail."""

    name = "recording"

    def __init__(self) -> None:
        self.writes: list[tuple[Anchor, float]] = []
        self.fail_with: BaseException | None = None

    def read(self) -> list[Checkpoint]:
        latest: dict[str, tuple[Anchor, float]] = {}
        for anchor, at in self.writes:
            latest[anchor.writer] = (anchor, at)
        return [Checkpoint(a.writer, a.seq, a.hash, at, self.name) for a, at in latest.values()]

    def write(self, anchor: Anchor, *, at: float) -> bool:
        if self.fail_with is not None:
            raise self.fail_with
        self.writes.append((anchor, at))
        return True


def _broker(*stores: Any, sink: Any = None, clock: ManualClock | None = None) -> AuditBroker:
    return AuditBroker(
        [sink if sink is not None else MemoryAuditSink()],
        writer_id="w1",
        hmac_key=KEY,
        clock=clock or ManualClock(T0),
        checkpoints=list(stores),
    )


def _log(broker: AuditBroker, n: int = 1, **fields: Any) -> list[dict[str, Any]]:
    return [
        dict(
            broker.log(broker.new_event("response", request_id=f"r{i}", action="kv.read", **fields))
        )
        for i in range(n)
    ]


def test_checkpoint_saves_the_chain_head(db_engine: sa.Engine, tmp_path: Path) -> None:
    """After three events the table and the file hold (writer, 3, hash of #3) at clock time."""
    clock = ManualClock(T0)
    sql, file = SqlCheckpointStore(db_engine), FileCheckpointStore(tmp_path / "cp.json")
    broker = _broker(sql, file, clock=clock)
    records = _log(broker, 3)
    clock.advance(2)
    assert broker.checkpoint() is True
    head = (records[-1]["writer"], records[-1]["seq"], records[-1]["hash"])
    assert [(c.writer, c.seq, c.hash, c.at) for c in sql.read()] == [(*head, T0 + 2)]
    assert [(c.writer, c.seq, c.hash) for c in file.read()] == [head]
    assert {c.source for c in broker.read_checkpoints()} == {"database", "file"}


def test_nothing_to_checkpoint_before_the_first_event() -> None:
    """A broker that wrote nothing saves nothing (no seq-0 rows)."""
    store = _Recording()
    assert _broker(store).checkpoint() is False
    assert store.writes == []


def test_an_unmoved_head_is_not_written_again() -> None:
    """Periodic checkpoints of an idle writer cost no database writes."""
    store = _Recording()
    broker = _broker(store)
    _log(broker, 2)
    broker.checkpoint()
    broker.checkpoint()
    assert len(store.writes) == 1
    _log(broker)
    broker.checkpoint()
    assert [a.seq for a, _ in store.writes] == [2, 3]
    broker.checkpoint(force=True)
    assert len(store.writes) == 3


def test_a_failing_store_is_logged_and_never_fails_a_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Checkpoint failures are logged with type only; logging events goes on; retried later."""
    store = _Recording()
    store.fail_with = OSError("disk full at path secret/data/prod/db")
    broker = _broker(store)
    _log(broker, path="secret/data/prod/db")
    with caplog.at_level(logging.ERROR, logger="credgate.audit"):
        assert broker.checkpoint() is False
    assert "OSError" in caplog.text
    assert "secret/data/prod" not in caplog.text
    _log(broker)
    store.fail_with = None
    assert broker.checkpoint() is True
    assert [a.seq for a, _ in store.writes] == [2]


def test_close_checkpoints_the_head() -> None:
    """A clean shutdown saves the last head."""
    store = _Recording()
    broker = _broker(store)
    _log(broker, 4)
    broker.close()
    assert [a.seq for a, _ in store.writes] == [4]


def test_restart_after_a_cut_tail_keeps_the_evidence(tmp_path: Path) -> None:
    """A tail cut while stopped is not papered over: the chain continues from the checkpoint."""
    path = tmp_path / "audit.log"
    store = FileCheckpointStore(tmp_path / "cp.json")
    first = _broker(store, sink=FileAuditSink(path))
    _log(first, 5)
    first.close()
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:3]))  # cut #4 and #5
    again = _broker(store, sink=FileAuditSink(path))
    assert again.state.seq == 5
    _log(again, 1)
    again.close()
    report = verify_lines(iter_lines(path), key=CHAIN_KEY, anchors=[c.anchor for c in store.read()])
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("deleted", 6)
    assert "#4..#5 missing" in report.problem.message


# -- the server: periodic and shutdown checkpoints, the verify API --------------------------------


def _settings(tmp_path: Path, **extra: object) -> Any:
    overrides: dict[str, object] = {"data_dir": tmp_path / "cg", **extra}
    settings = load_settings(env={}, overrides=overrides)
    result = initialise(settings, env={})
    assert result.token is not None
    (tmp_path / "token").write_text(result.token)
    return load_settings(env={}, overrides=overrides)


def _rows(settings: Any) -> list[tuple[str, int, str]]:
    engine = sa.create_engine(settings.resolved_database_url)
    try:
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(sa.text("SELECT writer, seq, hash FROM audit_checkpoints"))
            ]
    finally:
        engine.dispose()


def _last_hash(settings: Any) -> tuple[str, int, str]:
    last = json.loads(settings.resolved_audit_file.read_text().splitlines()[-1])
    return last["writer"], last["seq"], last["hash"]


def test_the_server_checkpoints_periodically_and_at_shutdown(tmp_path: Path) -> None:
    """With a short interval the head reaches the table while serving, and again at the end."""
    settings = _settings(tmp_path, audit_checkpoint_interval="0.05")
    token = (tmp_path / "token").read_text()
    cg = build(settings, env={})
    try:
        with TestClient(create_app(cg), base_url="http://127.0.0.1") as client:
            headers = {"Authorization": f"Bearer {token}"}
            client.post("/v1/secret/data/dev/app", json={"data": {"a": "b"}}, headers=headers)
            deadline = time.monotonic() + 10
            while _last_hash(settings) not in _rows(settings) and time.monotonic() < deadline:
                time.sleep(0.05)  # the server's own timer, real time
            assert _last_hash(settings) in _rows(settings)
            client.get("/v1/secret/data/dev/app", headers=headers)
        assert _last_hash(settings) in _rows(settings)  # the lifespan's final checkpoint
    finally:
        cg.close()


def test_interval_zero_still_checkpoints_at_shutdown(tmp_path: Path) -> None:
    """Turning the periodic checkpoint off keeps the one at the end of serving."""
    settings = _settings(tmp_path, audit_checkpoint_interval="0")
    token = (tmp_path / "token").read_text()
    cg = build(settings, env={})
    with TestClient(create_app(cg), base_url="http://127.0.0.1") as client:
        client.get("/v1/secret/data/dev/app", headers={"Authorization": f"Bearer {token}"})
        assert _last_hash(settings) not in _rows(settings)
    assert _last_hash(settings) in _rows(settings)
    cg.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[TestClient, Any, str]]:
    settings = _settings(tmp_path, audit_checkpoint_interval="0")
    cg = build(settings, env={})
    with TestClient(create_app(cg), base_url="http://127.0.0.1") as client:
        yield client, settings, (tmp_path / "token").read_text()
    cg.close()


def _ok(client: TestClient, method: str, path: str, token: str, **kw: Any) -> Any:
    r = client.request(
        method,
        "/v1/" + path,
        headers={"Authorization": f"Bearer {token}", **kw.pop("headers", {})},
        **kw,
    )
    assert r.status_code in (200, 204), (r.status_code, r.text)
    return r.json() if r.status_code == 200 else None


def _tenant_admin(client: TestClient, root: str, namespace: str) -> str:
    ns = {"X-Credgate-Namespace": namespace}
    policy = 'path "sys/audit-trail/verify" { capabilities = ["update", "sudo"] }\n'
    _ok(client, "PUT", "sys/policies/acl/auditor", root, json={"policy": policy}, headers=ns)
    _ok(client, "POST", "sys/operators/auditor", root, json={"policies": ["auditor"]}, headers=ns)
    body = _ok(client, "POST", "auth/token/create", root, json={"operator": "auditor"}, headers=ns)
    token: str = body["auth"]["client_token"]
    return token


def _two_tenants(client: TestClient, root: str) -> str:
    for name in ("acme", "globex"):
        _ok(client, "POST", f"sys/namespaces/{name}", root)
    for i in range(3):
        _ok(
            client,
            "POST",
            f"secret/data/g{i}",
            root,
            json={"data": {"x": "y"}},
            headers={"X-Credgate-Namespace": "globex"},
        )
    _ok(
        client,
        "POST",
        "secret/data/a0",
        root,
        json={"data": {"x": "y"}},
        headers={"X-Credgate-Namespace": "acme"},
    )
    return _tenant_admin(client, root, "acme")


def _acme_count(settings: Any) -> int:
    records = [json.loads(x) for x in settings.resolved_audit_file.read_text().splitlines()]
    return sum(1 for r in records if (r.get("namespace") or "").startswith("acme/"))


def test_root_verify_reports_checkpoints(served: tuple[TestClient, Any, str]) -> None:
    """The root view is the whole report plus which checkpoints were used, and their age."""
    client, _, root = served
    cg = client.app.state.credgate  # type: ignore[attr-defined]
    _ok(client, "POST", "secret/data/dev/app", root, json={"data": {"a": "b"}})
    cg.audit.checkpoint()
    data = _ok(client, "POST", "sys/audit-trail/verify", root)["data"]
    assert data["ok"] is True, data
    assert data["checkpoints"]["used"] == 1
    assert data["checkpoints"]["sources"] == {"database": 1}
    assert data["checkpoints"]["newest_age_seconds"] is not None
    assert data["anchors_checked"] == 1
    assert data["last"]


def test_tenant_verify_counts_only_its_namespace(served: tuple[TestClient, Any, str]) -> None:
    """A tenant admin sees the counts of its own subtree, no chain heads of other tenants."""
    client, settings, root = served
    tenant = _two_tenants(client, root)
    everything = _ok(client, "POST", "sys/audit-trail/verify", root)["data"]
    data = _ok(client, "POST", "sys/audit-trail/verify", tenant)["data"]
    assert data["ok"] is True
    assert data["namespace"] == "acme/"
    assert data["events"] == _acme_count(settings) - 1  # not yet its own verify request
    assert data["events"] < everything["events"]
    assert sum(data["writers"].values()) == data["events"]
    assert "last" not in data
    assert "writers" not in data["checkpoints"]
    assert "globex" not in json.dumps(data)


def test_tenant_sees_no_details_of_a_problem_elsewhere(
    served: tuple[TestClient, Any, str],
) -> None:
    """A broken record of another tenant: the tenant learns the kind, not where or whose."""
    client, settings, root = served
    tenant = _two_tenants(client, root)
    path = settings.resolved_audit_file
    lines = path.read_text().splitlines()
    index = next(i for i, x in enumerate(lines) if json.loads(x).get("namespace") == "globex/")
    lines[index] = lines[index].replace('"globex/"', '"globex/x/"')
    path.write_text("\n".join(lines) + "\n")
    data = _ok(client, "POST", "sys/audit-trail/verify", tenant)["data"]
    assert data["ok"] is False
    assert data["problem"]["kind"] == "edited"
    assert data["problem"]["line"] is None
    assert data["problem"]["writer"] is None
    assert "outside this namespace" in data["problem"]["message"]
    assert str(index + 1) not in data["summary"]
    rooted = _ok(client, "POST", "sys/audit-trail/verify", root)["data"]
    assert rooted["problem"]["line"] == index + 1


def test_tenant_sees_a_problem_in_its_own_records(served: tuple[TestClient, Any, str]) -> None:
    """A broken record of the tenant's own subtree is shown to it in full."""
    client, settings, root = served
    tenant = _two_tenants(client, root)
    path = settings.resolved_audit_file
    lines = path.read_text().splitlines()
    index = next(i for i, x in enumerate(lines) if json.loads(x).get("namespace") == "acme/")
    record = json.loads(lines[index])
    record["path"] = "secret/data/innocent"
    lines[index] = json.dumps(record, sort_keys=True, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n")
    data = _ok(client, "POST", "sys/audit-trail/verify", tenant)["data"]
    assert data["ok"] is False
    assert data["problem"]["line"] == index + 1
    assert data["summary"].startswith(f"FAILED: line {index + 1}: edited event")
