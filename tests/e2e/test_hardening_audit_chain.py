"""Issue 15, findings 9 and 1: audit tail edits no longer verify clean, and a tenant's verify
shows only its own part of the trail — against a real ``credgate serve``.

The server checkpoints its chain head every 0.2 s. After it stops, cutting the last events,
re-hashing the last one with plain SHA-256 or appending a well-chained forgery each make
``credgate audit verify --data-dir D`` exit 1 naming the problem, with no ``--anchor``; so does
a cut made while the server is stopped and then restarted (the chain continues from its
checkpoint instead of reusing the cut numbers). The untouched file verifies.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from credgate_server import Server, run_cli, start_server

pytestmark = pytest.mark.e2e

CONFIG = 'audit_checkpoint_interval = "0.2s"\nworkers = 1\n'


def _canonical(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha256_sealed(record: dict[str, Any]) -> str:
    """What someone without the key can make: the record re-hashed with plain SHA-256."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return _canonical(body | {"hash": hashlib.sha256(_canonical(body).encode()).hexdigest()})


def _checkpoints(data_dir: Path) -> dict[str, tuple[int, str]]:
    with sqlite3.connect(data_dir / "credgate.db") as db:
        rows = db.execute("SELECT writer, seq, hash FROM audit_checkpoints").fetchall()
    return {str(w): (int(s), str(h)) for w, s, h in rows}


def _heads(audit: Path) -> dict[str, tuple[int, str]]:
    heads: dict[str, tuple[int, str]] = {}
    for line in audit.read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            heads[record["writer"]] = (record["seq"], record["hash"])
    return heads


def _requests(server: Server, n: int) -> None:
    with server.client() as client:
        for i in range(n):
            r = client.post(f"/v1/secret/data/dev/k{i}", json={"data": {"v": f"value-{i}"}})
            assert r.status_code == 200, r.text
            assert client.get(f"/v1/secret/data/dev/k{i}").status_code == 200


def _verify(server: Server) -> Any:
    return run_cli(
        "audit", "verify", "--data-dir", str(server.data_dir), cwd=server.data_dir.parent
    )


@pytest.fixture(scope="module")
def stopped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Server, bytes]:
    """A server that served some requests, checkpointed while running, and was stopped."""
    base = tmp_path_factory.mktemp("audit-chain")
    with start_server(base, config=CONFIG) as server:
        _requests(server, 5)
        audit = server.data_dir / "audit.log"
        deadline = time.monotonic() + 20
        while _checkpoints(server.data_dir) != _heads(audit) and time.monotonic() < deadline:
            time.sleep(0.1)  # the server's own timer: a subprocess, no clock to inject
        assert _checkpoints(server.data_dir) == _heads(audit), "no periodic checkpoint"
    assert _checkpoints(server.data_dir) == _heads(audit)  # and once more at shutdown
    return server, audit.read_bytes()


@pytest.fixture
def server(stopped: tuple[Server, bytes]) -> Iterator[Server]:
    """The stopped server with its pristine audit file back in place."""
    srv, pristine = stopped
    (srv.data_dir / "audit.log").write_bytes(pristine)
    yield srv
    (srv.data_dir / "audit.log").write_bytes(pristine)


def test_untouched_trail_verifies_against_its_checkpoint(server: Server) -> None:
    """The real file verifies, and the report says the writer's checkpoint was used."""
    result = _verify(server)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: ")
    assert "checkpoints: 1 used (database 1)" in result.stdout


def test_truncated_tail_is_caught(server: Server) -> None:
    """Cutting the last events off the file: deleted, named against the checkpoint."""
    audit = server.data_dir / "audit.log"
    lines = audit.read_text().splitlines(keepends=True)
    audit.write_text("".join(lines[:-3]))
    result = _verify(server)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "deleted event" in result.stdout
    assert "the last 3 event(s) were deleted" in result.stdout


def test_rehashed_last_event_is_caught(server: Server) -> None:
    """Editing the last event and re-hashing it with plain SHA-256: edited, not under the key."""
    audit = server.data_dir / "audit.log"
    lines = audit.read_text().splitlines()
    last = json.loads(lines[-1])
    last["result"] = "denied" if last.get("result") == "ok" else "ok"
    lines[-1] = _sha256_sealed(last)
    audit.write_text("\n".join(lines) + "\n")
    result = _verify(server)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"FAILED: line {len(lines)}: edited event" in result.stdout
    assert "not under this deployment's chain key" in result.stdout


def test_appended_forged_event_is_caught(server: Server) -> None:
    """A well-chained event appended after the last one: edited, its hash is not under the key."""
    audit = server.data_dir / "audit.log"
    lines = audit.read_text().splitlines()
    last = json.loads(lines[-1])
    forged = dict(last, seq=last["seq"] + 1, prev_hash=last["hash"], request_id="req_forged")
    forged["path"] = "secret/data/prod/alibi"
    lines.append(_sha256_sealed(forged))
    audit.write_text("\n".join(lines) + "\n")
    result = _verify(server)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"FAILED: line {len(lines)}: edited event" in result.stdout
    assert "not under this deployment's chain key" in result.stdout


def test_cut_while_stopped_survives_a_restart(tmp_path: Path, server: Server) -> None:
    """Cut the tail while stopped, serve again: the new events do not hide the cut."""
    base = tmp_path / "copy"
    # The database through SQLite's backup API: a plain copy can race the WAL files.
    shutil.copytree(server.data_dir, base / "data", ignore=shutil.ignore_patterns("credgate.db*"))
    with (
        sqlite3.connect(server.data_dir / "credgate.db") as src,
        sqlite3.connect(base / "data" / "credgate.db") as dst,
    ):
        src.backup(dst)
    # start_server runs `init`; without a token file it issues a new one and keeps the rest.
    (base / "data" / "operator.token").unlink()
    audit = base / "data" / "audit.log"
    audit.write_text("".join(audit.read_text().splitlines(keepends=True)[:-2]))
    with start_server(base, config=CONFIG) as again:
        _requests(again, 2)
    result = _verify(again)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "deleted event" in result.stdout
    assert "missing before this record" in result.stdout


# -- finding 1: the verify API as a tenant admin sees it ------------------------------------------


def _tenant_admin(client: httpx.Client, namespace: str) -> str:
    ns = {"X-Credgate-Namespace": namespace}
    policy = 'path "sys/audit-trail/verify" { capabilities = ["update", "sudo"] }\n'
    for method, path, body in (
        ("PUT", "sys/policies/acl/auditor", {"policy": policy}),
        ("POST", "sys/operators/auditor", {"policies": ["auditor"]}),
    ):
        r = client.request(method, f"/v1/{path}", json=body, headers=ns)
        assert r.status_code in (200, 204), r.text
    r = client.post("/v1/auth/token/create", json={"operator": "auditor"}, headers=ns)
    assert r.status_code == 200, r.text
    token: str = r.json()["auth"]["client_token"]
    return token


def test_tenant_verify_shows_only_its_namespace(tmp_path: Path) -> None:
    """A tenant admin's verify counts its own events only: no other tenant's counts or heads."""
    with start_server(tmp_path, config=CONFIG) as srv, srv.client() as root:
        for name in ("acme", "globex"):
            assert root.post(f"/v1/sys/namespaces/{name}").status_code in (200, 204)
        for i in range(4):
            r = root.post(
                f"/v1/secret/data/g{i}",
                json={"data": {"v": "x"}},
                headers={"X-Credgate-Namespace": "globex"},
            )
            assert r.status_code == 200, r.text
        tenant = _tenant_admin(root, "acme")
        everything = root.post("/v1/sys/audit-trail/verify").json()["data"]
        with srv.client(tenant) as acme:
            r = acme.post("/v1/sys/audit-trail/verify")
        assert r.status_code == 200, r.text
        mine = r.json()["data"]
        records = [json.loads(x) for x in (srv.data_dir / "audit.log").read_text().splitlines()]
    assert everything["ok"] is True
    assert "last" in everything
    assert mine["ok"] is True
    assert mine["namespace"] == "acme/"
    assert 0 < mine["events"] < everything["events"]
    in_acme = sum(1 for x in records if (x.get("namespace") or "").startswith("acme/"))
    assert mine["events"] <= in_acme
    assert sum(mine["writers"].values()) == mine["events"]
    assert "last" not in mine
    assert "globex" not in json.dumps(mine)
