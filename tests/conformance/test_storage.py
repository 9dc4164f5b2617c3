"""One storage conformance suite: the same behaviour on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from credgate.adapters.storage.records import (
    KVMetadataRecord,
    KVVersionRecord,
    MountRecord,
    NamespaceRecord,
    PolicyRecord,
    PrincipalRecord,
)
from credgate.adapters.storage.sql_store import SqlStore
from credgate.domain.tokens import TokenEntry
from credgate.errors import Conflict


def _principal(pid: str, name: str, namespace: str = "", kind: str = "agent") -> PrincipalRecord:
    return PrincipalRecord(
        id=pid,
        kind=kind,
        namespace=namespace,
        name=name,
        owner="o@example.com",
        description="",
        status="active",
        policies=("p1", "p2"),
        created_at=1.0,
        updated_at=1.0,
    )


def _token(accessor: str, principal: str, parent: str | None = None, uses: int = 0) -> TokenEntry:
    return TokenEntry(
        accessor=accessor,
        token_hash="h" + accessor,
        principal_id=principal,
        principal_kind="agent",
        namespace="",
        policies=("p1",),
        parent_accessor=parent,
        created_at=1.0,
        expires_at=100.0,
        max_expires_at=200.0,
        ttl=99.0,
        num_uses=uses,
        uses_left=uses,
        revoked_at=None,
        display_name="",
        meta={"k": "v"},
    )


def test_namespaces_round_trip_and_list_direct_children(db_engine: sa.Engine) -> None:
    """Namespaces are stored, listed one level deep, and a duplicate is a Conflict."""
    store = SqlStore(db_engine)
    with store.transaction(write=True) as tx:
        for path in ("acme/", "acme/team-a/", "acme/team-a/x/", "acme_b/", "globex/"):
            tx.create_namespace(NamespaceRecord(path, "", 1.0))
    with store.transaction() as tx:
        assert [n.path for n in tx.list_namespaces("")] == ["acme/", "acme_b/", "globex/"]
        assert [n.path for n in tx.list_namespaces("acme/")] == ["acme/team-a/"]
        assert tx.namespace_in_use("acme/")
        assert not tx.namespace_in_use("globex/")
    with pytest.raises(Conflict), store.transaction(write=True) as tx:
        tx.create_namespace(NamespaceRecord("acme/", "", 1.0))


def test_a_failed_transaction_writes_nothing(db_engine: sa.Engine) -> None:
    """One transaction per request: an error halfway leaves no trace."""
    store = SqlStore(db_engine)

    def half_written() -> None:
        with store.transaction(write=True) as tx:
            tx.create_namespace(NamespaceRecord("half/", "", 1.0))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        half_written()
    with store.transaction() as tx:
        assert tx.get_namespace("half/") is None


def test_principals_and_policies(db_engine: sa.Engine) -> None:
    """Principals and policies round-trip; names are unique per namespace and kind."""
    store = SqlStore(db_engine)
    with store.transaction(write=True) as tx:
        tx.create_principal(_principal("agt_1", "bot"))
        tx.create_principal(_principal("agt_2", "bot", namespace="acme/"))
        assert tx.put_policy(PolicyRecord("", "p1", 'path "a" {}', 1.0, 1.0))
        assert not tx.put_policy(PolicyRecord("", "p1", 'path "b" {}', 2.0, 2.0))
    with store.transaction() as tx:
        got = tx.get_principal_by_name("", "agent", "bot")
        assert got is not None
        assert got.policies == ("p1", "p2")
        assert [p.name for p in tx.list_principals("acme/", "agent")] == ["bot"]
        assert tx.get_policy("", "p1").text == 'path "b" {}'  # type: ignore[union-attr]
        assert tx.list_policies("") == ["p1"]
    with store.transaction(write=True) as tx:
        tx.update_principal("agt_1", 5.0, status="quarantined", policies=["p3"])
    with store.transaction() as tx:
        updated = tx.get_principal("agt_1")
        assert updated is not None
        assert (updated.status, updated.policies) == ("quarantined", ("p3",))
    with pytest.raises(Conflict), store.transaction(write=True) as tx:
        tx.create_principal(_principal("agt_3", "bot"))


def test_tokens_use_counts_and_revocation_tree(db_engine: sa.Engine) -> None:
    """Use counts decrement atomically; revoking a token revokes its whole subtree."""
    store = SqlStore(db_engine)
    with store.transaction(write=True) as tx:
        tx.create_principal(_principal("agt_1", "bot"))
        tx.insert_token(_token("acc_root", "agt_1", uses=1))
        tx.insert_token(_token("acc_child", "agt_1", parent="acc_root"))
        tx.insert_token(_token("acc_grandchild", "agt_1", parent="acc_child"))
        tx.insert_token(_token("acc_other", "agt_1"))
    with store.transaction(write=True) as tx:
        assert tx.consume_token_use("acc_root")
        assert not tx.consume_token_use("acc_root")
        entry = tx.get_token_by_hash("hacc_root")
        assert entry is not None
        assert entry.uses_left == 0
        assert entry.meta == {"k": "v"}
        assert sorted(tx.revoke_token_tree("acc_root", 9.0)) == [
            "acc_child",
            "acc_grandchild",
            "acc_root",
        ]
    with store.transaction() as tx:
        assert tx.get_token("acc_other").revoked_at is None  # type: ignore[union-attr]
        assert tx.get_token("acc_grandchild").revoked_at == 9.0  # type: ignore[union-attr]
    with store.transaction(write=True) as tx:
        assert tx.revoke_principal_tokens("agt_1", 10.0) == ["acc_other"]


def test_kv_versions_and_listing(db_engine: sa.Engine) -> None:
    """KV metadata and versions round-trip; listing returns one level with folders."""
    store = SqlStore(db_engine)
    with store.transaction(write=True) as tx:
        tx.create_mount(MountRecord("", "secret/", "kv", {"version": "2"}, "", 1.0))
        for key in ("dev/app", "dev/db", "dev/team/x", "prod/db", "dev_other"):
            tx.put_kv_metadata(
                KVMetadataRecord(
                    "", "secret/", key, 1, 1, 0, False, {"environment": "production"}, 1.0, 1.0
                ),
                create=True,
            )
            tx.insert_kv_version(
                KVVersionRecord("", "secret/", key, 1, b"\x00\xffblob", 1.0, None, False)
            )
    with store.transaction() as tx:
        assert tx.list_kv_keys("", "secret/", "dev/") == ["app", "db", "team/"]
        assert tx.list_kv_keys("", "secret/", "") == ["dev/", "dev_other", "prod/"]
        version = tx.get_kv_version("", "secret/", "dev/app", 1)
        assert version is not None
        assert version.ciphertext == b"\x00\xffblob"
        meta = tx.get_kv_metadata("", "secret/", "dev/app")
        assert meta is not None
        assert meta.custom_metadata == {"environment": "production"}
    with store.transaction(write=True) as tx:
        tx.update_kv_version("", "secret/", "dev/app", 1, ciphertext=None, destroyed=True)
        assert tx.delete_kv_key("", "secret/", "dev/db")
        assert tx.delete_mount("", "secret/")
    with store.transaction() as tx:
        assert tx.list_kv_keys("", "secret/", "") == []
        assert tx.list_mounts("") == []
