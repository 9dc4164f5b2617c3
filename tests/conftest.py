"""Fixtures shared by the whole suite: databases (SQLite and a real PostgreSQL)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from credgate.adapters.storage.engine import create_engine
from credgate.adapters.storage.schema import load_all_tables

POSTGRES_URL = os.environ.get(
    "CREDGATE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_available() -> bool:
    try:
        eng = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(sa.text("select 1"))
        eng.dispose()
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The URL of the real PostgreSQL; skipped only when CI does not require it."""
    if not _postgres_available():
        if os.environ.get("CREDGATE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but not reachable at {POSTGRES_URL}")
        pytest.skip("PostgreSQL not reachable")
    return POSTGRES_URL


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema, dropped after the test."""
    name = "t_" + secrets.token_hex(6)
    admin = sa.create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    try:
        yield name
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An engine with every credgate table created, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'credgate.db'}")
    else:
        schema = request.getfixturevalue("postgres_schema")
        engine = create_engine(request.getfixturevalue("postgres_url"), schema=schema)
    load_all_tables().create_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()


# -- a whole credgate instance, in-process ------------------------------------------------------


class Instance:
    """An initialised embedded instance with a frozen clock and an HTTP test client."""

    def __init__(self, tmp_path: Path, database_url: str | None = None) -> None:
        from starlette.testclient import TestClient

        from credgate.adapters.http.app import create_app
        from credgate.clock import ManualClock
        from credgate.service.app import build, initialise
        from credgate.service.settings import load_settings

        overrides: dict[str, object] = {"data_dir": tmp_path / "cg"}
        if database_url:
            overrides["database_url"] = database_url
        self.settings = load_settings(env={}, overrides=overrides)
        result = initialise(self.settings, env={})
        assert result.token is not None
        self.root_token = result.token
        self.settings = load_settings(env={}, overrides=overrides)
        self.clock = ManualClock(start=__import__("time").time())
        self.cg = build(self.settings, env={}, clock=self.clock)
        self.app = create_app(self.cg)
        self.client = TestClient(self.app, base_url="http://127.0.0.1")

    def headers(self, token: str | None = None, **extra: str) -> dict[str, str]:
        h = {"Authorization": f"Bearer {token or self.root_token}"}
        h.update(extra)
        return h

    def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        json: object = None,
        headers: dict[str, str] | None = None,
        **kw: object,
    ) -> Any:
        h = self.headers(token)
        h.update(headers or {})
        return self.client.request(method, "/v1/" + path, json=json, headers=h, **kw)  # type: ignore[arg-type]

    def ok(
        self,
        method: str,
        path: str,
        token: str | None = None,
        json: object = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        r = self.call(method, path, token, json, headers)
        assert r.status_code in (200, 204), (r.status_code, r.text)
        return r.json() if r.status_code == 200 else None

    def agent_token(
        self, name: str, policy_hcl: str, namespace: str | None = None, **token_args: object
    ) -> str:
        """Create a policy and an agent holding it; return a token for the agent."""
        h = {"X-Credgate-Namespace": namespace} if namespace else {}
        self.ok("PUT", f"sys/policies/acl/{name}-pol", json={"policy": policy_hcl}, headers=h)
        self.ok(
            "POST",
            f"sys/agents/{name}",
            json={"owner": "alice@example.com", "policies": [f"{name}-pol"]},
            headers=h,
        )
        body = self.ok("POST", "auth/token/create", json={"agent": name, **token_args}, headers=h)
        token: str = body["auth"]["client_token"]
        return token

    def audit_records(self) -> list[dict[str, Any]]:
        import json as _json

        path = self.settings.resolved_audit_file
        return [_json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def close(self) -> None:
        self.client.close()
        self.cg.close()


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[Instance]:
    """A fresh embedded credgate (SQLite, file audit) driven through its real HTTP app."""
    inst = Instance(tmp_path)
    try:
        yield inst
    finally:
        inst.close()


@pytest.fixture
def instance_pg(tmp_path: Path, postgres_url: str, postgres_schema: str) -> Iterator[Instance]:
    """The same instance with its state in a fresh schema of the real PostgreSQL."""
    inst = Instance(
        tmp_path, database_url=f"{postgres_url}?options=-csearch_path%3D{postgres_schema}"
    )
    try:
        yield inst
    finally:
        inst.close()
