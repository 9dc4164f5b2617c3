"""One suite every KeyringStore passes: in memory, on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from credgate.adapters.crypto.keyring_store import KeyringStore, MemoryKeyringStore, WrappedKey
from credgate.adapters.crypto.sql_keyring import SqlKeyringStore
from credgate.errors import Unavailable


def _key(namespace: str = "acme/", version: int = 1, wrapped: bytes = b"w" * 61) -> WrappedKey:
    return WrappedKey(namespace, version, wrapped, "0123abcd", 1_800_000_000.25)


class KeyringStoreConformance:
    """Behaviour shared by every implementation; subclasses provide the ``store`` fixture."""

    def test_empty_store_has_nothing(self, store: KeyringStore) -> None:
        """A fresh key ring answers 'no key' instead of failing."""
        assert store.get("acme/", 1) is None
        assert store.get_active("acme/") is None
        assert store.list_all() == []

    def test_insert_then_read_back_exactly(self, store: KeyringStore) -> None:
        """A stored key comes back byte for byte, with its metadata."""
        key = _key(wrapped=bytes(range(256)))
        assert store.insert_if_absent(key) is True
        assert store.get("acme/", 1) == key
        assert store.get_active("acme/") == key
        assert store.list_all() == [key]

    def test_insert_never_overwrites(self, store: KeyringStore) -> None:
        """A second key for the same slot is rejected and the first one survives."""
        first = _key(wrapped=b"first" * 12)
        assert store.insert_if_absent(first) is True
        assert store.insert_if_absent(_key(wrapped=b"secnd" * 12)) is False
        assert store.get("acme/", 1) == first

    def test_active_is_the_highest_version_numerically(self, store: KeyringStore) -> None:
        """Version 10 is newer than version 9 (no string ordering)."""
        for version in (2, 9, 10, 1):
            store.insert_if_absent(_key(version=version))
        active = store.get_active("acme/")
        assert active is not None
        assert active.version == 10

    def test_namespaces_are_separate(self, store: KeyringStore) -> None:
        """One tenant's key is never returned for a similarly named tenant."""
        store.insert_if_absent(_key("acme/team/", 5))
        store.insert_if_absent(_key("acme", 7))
        store.insert_if_absent(_key("acme/", 1))
        active = store.get_active("acme/")
        assert active is not None
        assert (active.namespace, active.version) == ("acme/", 1)
        assert store.get("acme/", 5) is None
        assert store.get_active("acme/team") is None

    def test_unusual_namespaces_round_trip(self, store: KeyringStore) -> None:
        """The reserved system prefix and non-ASCII names are stored faithfully."""
        for namespace in ("\x01sys/audit-hmac", "café/équipe/", "名前/"):
            assert store.insert_if_absent(_key(namespace))
            assert store.get(namespace, 1) == _key(namespace)

    def test_list_all_is_ordered(self, store: KeyringStore) -> None:
        """Listing is by namespace, then version."""
        for ns, v in [("b/", 2), ("a/", 10), ("b/", 1), ("a/", 2)]:
            store.insert_if_absent(_key(ns, v))
        assert [(k.namespace, k.version) for k in store.list_all()] == [
            ("a/", 2),
            ("a/", 10),
            ("b/", 1),
            ("b/", 2),
        ]

    def test_rewrap_all_replaces_every_row(self, store: KeyringStore) -> None:
        """Re-wrapping changes the wrapped bytes and master id of every key, nothing else."""
        for ns, v in [("a/", 1), ("a/", 2), ("b/", 1)]:
            store.insert_if_absent(_key(ns, v))

        def rewrap(k: WrappedKey) -> WrappedKey:
            return dataclasses.replace(k, wrapped=b"new" + k.wrapped, master_key_id="feedbeef")

        assert store.rewrap_all(rewrap) == 3
        rows = store.list_all()
        assert [(k.namespace, k.version) for k in rows] == [("a/", 1), ("a/", 2), ("b/", 1)]
        assert all(k.master_key_id == "feedbeef" and k.wrapped.startswith(b"new") for k in rows)
        assert all(k.created_at == 1_800_000_000.25 for k in rows)

    def test_rewrap_all_is_all_or_nothing(self, store: KeyringStore) -> None:
        """If re-wrapping fails on the last key, the keys before it are not changed either."""
        for ns in ("a/", "b/", "c/"):
            store.insert_if_absent(_key(ns))
        before = store.list_all()

        def rewrap(k: WrappedKey) -> WrappedKey:
            if k.namespace == "c/":
                raise RuntimeError("cannot rewrap c/")
            return dataclasses.replace(k, wrapped=b"changed", master_key_id="feedbeef")

        with pytest.raises(RuntimeError, match="cannot rewrap"):
            store.rewrap_all(rewrap)
        assert store.list_all() == before

    def test_rewrap_cannot_move_a_key(self, store: KeyringStore) -> None:
        """A rewrap that would relabel a key to another slot is refused and changes nothing."""
        store.insert_if_absent(_key("a/"))
        with pytest.raises(ValueError, match="keep namespace and version"):
            store.rewrap_all(lambda k: dataclasses.replace(k, namespace="b/"))
        assert store.list_all() == [_key("a/")]

    def test_racing_inserts_have_one_winner(self, store: KeyringStore) -> None:
        """Instances racing to create the same key agree: exactly one insert wins."""
        racers = 6
        start = threading.Barrier(racers)
        results: list[bool] = []
        errors: list[BaseException] = []

        def race(i: int) -> None:
            try:
                start.wait()
                results.append(store.insert_if_absent(_key(wrapped=bytes([i]) * 61)))
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=race, args=(i,)) for i in range(racers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert sorted(results) == [False] * (racers - 1) + [True]
        assert len(store.list_all()) == 1


class TestMemoryKeyringStore(KeyringStoreConformance):
    @pytest.fixture
    def store(self) -> KeyringStore:
        """The in-memory key ring."""
        return MemoryKeyringStore()


class TestSqlKeyringStore(KeyringStoreConformance):
    @pytest.fixture
    def store(self, db_engine: sa.Engine) -> KeyringStore:
        """The SQL key ring on SQLite and on PostgreSQL."""
        return SqlKeyringStore(db_engine)

    def test_no_insert_slips_in_during_rewrap(self, db_engine: sa.Engine) -> None:
        """While the ring is re-wrapped, another instance cannot add a key under the old master."""
        store = SqlKeyringStore(db_engine)
        store.insert_if_absent(_key("a/"))
        outcomes: list[str] = []
        with _impatient_engine(db_engine) as impatient:
            other_instance = SqlKeyringStore(impatient)

            def rewrap(k: WrappedKey) -> WrappedKey:
                try:
                    other_instance.insert_if_absent(_key("sneaky/"))
                    outcomes.append("inserted")
                except Unavailable:
                    outcomes.append("blocked")
                return dataclasses.replace(k, master_key_id="feedbeef")

            assert store.rewrap_all(rewrap) == 1
        assert outcomes == ["blocked"]
        assert [k.namespace for k in store.list_all()] == ["a/"]

    def test_database_failure_is_unavailable_without_details(self, db_engine: sa.Engine) -> None:
        """A broken database yields 'unavailable', not a raw SQL error with parameters."""
        with db_engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE keyring"))
        with pytest.raises(Unavailable, match="key ring database failed") as info:
            SqlKeyringStore(db_engine).insert_if_absent(_key(wrapped=b"PARAM-CANARY" * 5))
        assert "PARAM-CANARY" not in str(info.value)
        assert info.value.__suppress_context__


@contextmanager
def _impatient_engine(engine: sa.Engine) -> Iterator[sa.Engine]:
    """A second engine on the same database that gives up on a lock instead of waiting."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        impatient = sa.create_engine(url, connect_args={"timeout": 0})
    else:
        with engine.connect() as conn:
            search_path = conn.execute(sa.text("SHOW search_path")).scalar_one()
        options = f"-csearch_path={search_path} -clock_timeout=200"
        impatient = sa.create_engine(url, connect_args={"options": options})
    try:
        yield impatient
    finally:
        impatient.dispose()
