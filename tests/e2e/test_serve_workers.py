"""``credgate serve`` with several worker processes: each keeps its own audit chain."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from credgate_server import run_cli, start_server

pytestmark = pytest.mark.e2e


def test_two_workers_serve_and_keep_verifiable_chains(tmp_path: Path) -> None:
    """Requests spread over worker processes; every writer's chain verifies afterwards."""
    with start_server(tmp_path, config="workers = 2\n") as server:
        headers = {"Authorization": f"Bearer {server.token}"}
        for i in range(20):
            with httpx.Client(base_url=server.addr, headers=headers, timeout=10) as client:
                r = client.post(f"/v1/secret/data/dev/k{i}", json={"data": {"v": f"value-{i}"}})
                assert r.status_code == 200, r.text
                assert client.get(f"/v1/secret/data/dev/k{i}").json()["data"]["data"] == {
                    "v": f"value-{i}"
                }
        assert "2 worker processes" in server.output()
    audit = server.data_dir / "audit.log"
    writers = {json.loads(line)["writer"] for line in audit.read_text().splitlines() if line}
    assert writers
    assert all("-p" in w for w in writers)
    verified = run_cli(
        "audit", "verify", "--file", str(audit), "--data-dir", str(server.data_dir), cwd=tmp_path
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("ok:")
    assert "used (database" in verified.stdout  # each worker checkpointed its chain head


def test_vault_clients_list_method_with_h11(tmp_path: Path) -> None:
    """With http_parser = "h11", the LIST method Vault clients send lists keys."""
    with start_server(tmp_path, config='http_parser = "h11"\nworkers = 1\n') as server:
        headers = {"Authorization": f"Bearer {server.token}"}
        with httpx.Client(base_url=server.addr, headers=headers, timeout=10) as client:
            assert (
                client.post("/v1/secret/data/dev/a", json={"data": {"v": "1"}}).status_code == 200
            )
            listed = client.request("LIST", "/v1/secret/metadata/dev/")
            assert listed.status_code == 200, listed.text
            assert listed.json()["data"]["keys"] == ["a"]


def test_a_bad_http_parser_setting_is_one_clear_error(tmp_path: Path) -> None:
    """An unknown http_parser stops `credgate serve` with one line, not a traceback."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / "credgate.toml").write_text('http_parser = "fast"\n')
    result = run_cli("serve", "--data-dir", str(data), cwd=tmp_path)
    assert result.returncode == 2
    assert "http_parser must be httptools or h11" in result.stderr
    assert "Traceback" not in result.stderr
