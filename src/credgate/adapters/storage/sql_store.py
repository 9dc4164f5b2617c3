"""SQL storage for the broker (SQLAlchemy Core; SQLite and PostgreSQL).

One :class:`SqlTx` per request: everything a request writes commits together or not at all.
Uniqueness violations become :class:`credgate.errors.Conflict`; other database failures become
:class:`credgate.errors.Unavailable` at the edge (never a raw driver error).
"""

from __future__ import annotations

import json
import re
from collections import namedtuple
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from credgate.adapters.storage import tables as t
from credgate.adapters.storage.records import (
    KVMetadataRecord,
    KVVersionRecord,
    MountRecord,
    NamespaceRecord,
    PolicyRecord,
    PrincipalRecord,
)
from credgate.domain.tokens import TokenEntry
from credgate.errors import Conflict, Unavailable

_PRINCIPAL_COLUMNS = ", ".join(c.name for c in t.principals.columns)
_TOKEN_COLUMNS = ", ".join(c.name for c in t.tokens.columns)
_KV_META_COLUMNS = ", ".join(c.name for c in t.kv_metadata.columns)


class SqlStore:
    """Owns the engine; hands out transactions."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[SqlTx]:
        """One transaction; ``write=True`` takes SQLite's write lock at the start."""
        try:
            with self.engine.connect() as conn:
                if write:
                    conn = conn.execution_options(sqlite_write=True)
                with conn.begin():
                    yield SqlTx(conn)
        except IntegrityError:
            raise Conflict("the object already exists or was changed concurrently") from None
        except OperationalError:
            raise Unavailable("the database is not available") from None

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            return False
        return True


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


_NAMED = re.compile(r"(?<!:):([a-z_][a-z0-9_]*)")
_PG_SQL: dict[str, str] = {}
_ROW_TYPES: dict[tuple[str, ...], Any] = {}


class SqlTx:
    """Data access inside one transaction."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self._pg = conn.dialect.name == "postgresql"

    def fetch(self, sql: str, **params: Any) -> list[Any]:
        """Rows of a hot-path query, as plain SQL with ``:name`` placeholders.

        The request pipeline's few reads run on every request; sending them straight to the
        driver, inside the transaction SQLAlchemy opened, skips expression building, compile
        caches and result-metadata setup, which cost more than the query itself on SQLite.
        Rows have attribute access by column name.
        """
        if self._pg:
            converted = _PG_SQL.get(sql)
            if converted is None:
                converted = _PG_SQL.setdefault(sql, _NAMED.sub(r"%(\1)s", sql))
            sql = converted
        cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, params)
            names = tuple(d[0] for d in cursor.description)
            row_type = _ROW_TYPES.get(names)
            if row_type is None:
                row_type = _ROW_TYPES.setdefault(names, namedtuple("Row", names))
            return [row_type._make(r) for r in cursor.fetchall()]
        finally:
            cursor.close()

    # -- namespaces -------------------------------------------------------------------------
    def create_namespace(self, rec: NamespaceRecord) -> None:
        if self.get_namespace(rec.path) is not None:
            raise Conflict(f"namespace {rec.path!r} already exists")
        self.conn.execute(
            t.namespaces.insert().values(
                path=rec.path,
                description=rec.description,
                created_at=rec.created_at,
                created_by=rec.created_by,
            )
        )

    def get_namespace(self, path: str) -> NamespaceRecord | None:
        rows = self.fetch(
            "SELECT path, description, created_at, created_by FROM namespaces WHERE path = :p",
            p=path,
        )
        if not rows:
            return None
        row = rows[0]
        return NamespaceRecord(row.path, row.description, row.created_at, row.created_by)

    def list_namespaces(self, parent: str) -> list[NamespaceRecord]:
        """Direct children of ``parent`` ("" for the root)."""
        rows = self.conn.execute(
            sa.select(t.namespaces)
            .where(t.namespaces.c.path.startswith(parent, autoescape=True))
            .order_by(t.namespaces.c.path)
        )
        out = []
        for row in rows:
            rest = row.path[len(parent) :]
            if rest and rest.count("/") == 1:
                out.append(
                    NamespaceRecord(row.path, row.description, row.created_at, row.created_by)
                )
        return out

    def namespace_in_use(self, path: str) -> bool:
        for table in (t.principals, t.policies, t.mounts):
            hit = self.conn.execute(
                sa.select(sa.literal(1))
                .select_from(table)
                .where(table.c.namespace.startswith(path, autoescape=True))
                .limit(1)
            ).first()
            if hit is not None:
                return True
        child = self.conn.execute(
            sa.select(t.namespaces.c.path)
            .where(t.namespaces.c.path.startswith(path, autoescape=True))
            .where(t.namespaces.c.path != path)
            .limit(1)
        ).first()
        return child is not None

    def delete_namespace(self, path: str) -> bool:
        res = self.conn.execute(t.namespaces.delete().where(t.namespaces.c.path == path))
        return res.rowcount > 0

    # -- principals -------------------------------------------------------------------------
    def create_principal(self, rec: PrincipalRecord) -> None:
        if self.get_principal_by_name(rec.namespace, rec.kind, rec.name) is not None:
            raise Conflict(f"{rec.kind} {rec.name!r} already exists in this namespace")
        self.conn.execute(
            t.principals.insert().values(
                id=rec.id,
                kind=rec.kind,
                namespace=rec.namespace,
                name=rec.name,
                owner=rec.owner,
                description=rec.description,
                status=rec.status,
                policies=_json(list(rec.policies)),
                max_autonomy=rec.max_autonomy,
                meta=_json(dict(rec.meta)),
                created_at=rec.created_at,
                created_by=rec.created_by,
                updated_at=rec.updated_at,
            )
        )

    @staticmethod
    def _principal(row: Any) -> PrincipalRecord:
        return PrincipalRecord(
            id=row.id,
            kind=row.kind,
            namespace=row.namespace,
            name=row.name,
            owner=row.owner,
            description=row.description,
            status=row.status,
            policies=tuple(json.loads(row.policies)),
            created_at=row.created_at,
            updated_at=row.updated_at,
            created_by=row.created_by,
            meta=json.loads(row.meta),
            max_autonomy=row.max_autonomy,
        )

    def get_principal(self, principal_id: str) -> PrincipalRecord | None:
        rows = self.fetch(
            f"SELECT {_PRINCIPAL_COLUMNS} FROM principals WHERE id = :id",  # noqa: S608
            id=principal_id,
        )
        return self._principal(rows[0]) if rows else None

    def get_principal_by_name(self, namespace: str, kind: str, name: str) -> PrincipalRecord | None:
        row = self.conn.execute(
            sa.select(t.principals).where(
                t.principals.c.namespace == namespace,
                t.principals.c.kind == kind,
                t.principals.c.name == name,
            )
        ).first()
        return None if row is None else self._principal(row)

    def list_principals(self, namespace: str, kind: str) -> list[PrincipalRecord]:
        rows = self.conn.execute(
            sa.select(t.principals)
            .where(t.principals.c.namespace == namespace, t.principals.c.kind == kind)
            .order_by(t.principals.c.name)
        )
        return [self._principal(r) for r in rows]

    def update_principal(self, principal_id: str, now: float, **fields: Any) -> None:
        values: dict[str, Any] = {"updated_at": now}
        for key, value in fields.items():
            if key == "policies":
                values[key] = _json(list(value))
            elif key == "meta":
                values[key] = _json(dict(value))
            else:
                values[key] = value
        self.conn.execute(
            t.principals.update().where(t.principals.c.id == principal_id).values(**values)
        )

    # -- tokens -----------------------------------------------------------------------------
    def insert_token(self, entry: TokenEntry) -> None:
        self.conn.execute(
            t.tokens.insert().values(
                accessor=entry.accessor,
                token_hash=entry.token_hash,
                principal_id=entry.principal_id,
                principal_kind=entry.principal_kind,
                namespace=entry.namespace,
                policies=_json(list(entry.policies)),
                parent_accessor=entry.parent_accessor,
                created_at=entry.created_at,
                expires_at=entry.expires_at,
                max_expires_at=entry.max_expires_at,
                ttl=entry.ttl,
                num_uses=entry.num_uses,
                uses_left=entry.uses_left,
                revoked_at=entry.revoked_at,
                display_name=entry.display_name,
                meta=_json(dict(entry.meta)),
            )
        )

    @staticmethod
    def _token(row: Any) -> TokenEntry:
        return TokenEntry(
            accessor=row.accessor,
            token_hash=row.token_hash,
            principal_id=row.principal_id,
            principal_kind=row.principal_kind,
            namespace=row.namespace,
            policies=tuple(json.loads(row.policies)),
            parent_accessor=row.parent_accessor,
            created_at=row.created_at,
            expires_at=row.expires_at,
            max_expires_at=row.max_expires_at,
            ttl=row.ttl,
            num_uses=row.num_uses,
            uses_left=row.uses_left,
            revoked_at=row.revoked_at,
            display_name=row.display_name,
            meta=json.loads(row.meta),
        )

    def get_token_by_hash(self, token_hash: str) -> TokenEntry | None:
        rows = self.fetch(
            f"SELECT {_TOKEN_COLUMNS} FROM tokens WHERE token_hash = :h",  # noqa: S608
            h=token_hash,
        )
        return self._token(rows[0]) if rows else None

    def get_token(self, accessor: str) -> TokenEntry | None:
        row = self.conn.execute(sa.select(t.tokens).where(t.tokens.c.accessor == accessor)).first()
        return None if row is None else self._token(row)

    def list_tokens(self, principal_id: str) -> list[TokenEntry]:
        rows = self.conn.execute(
            sa.select(t.tokens)
            .where(t.tokens.c.principal_id == principal_id)
            .order_by(t.tokens.c.created_at)
        )
        return [self._token(r) for r in rows]

    def consume_token_use(self, accessor: str) -> bool:
        """Atomically take one use from a limited token; False when none was left."""
        res = self.conn.execute(
            t.tokens.update()
            .where(t.tokens.c.accessor == accessor, t.tokens.c.uses_left > 0)
            .values(uses_left=t.tokens.c.uses_left - 1)
        )
        return res.rowcount == 1

    def set_token_expiry(self, accessor: str, expires_at: float | None) -> None:
        self.conn.execute(
            t.tokens.update().where(t.tokens.c.accessor == accessor).values(expires_at=expires_at)
        )

    def revoke_token_tree(self, accessor: str, now: float) -> list[str]:
        """Revoke a token and all its descendants; returns the accessors revoked."""
        revoked: list[str] = []
        frontier = [accessor]
        while frontier:
            current = frontier.pop()
            res = self.conn.execute(
                t.tokens.update()
                .where(t.tokens.c.accessor == current, t.tokens.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            if res.rowcount:
                revoked.append(current)
            children = self.conn.execute(
                sa.select(t.tokens.c.accessor).where(t.tokens.c.parent_accessor == current)
            )
            frontier.extend(row.accessor for row in children)
        return revoked

    def revoke_principal_tokens(self, principal_id: str, now: float) -> list[str]:
        rows = self.conn.execute(
            sa.select(t.tokens.c.accessor).where(
                t.tokens.c.principal_id == principal_id, t.tokens.c.revoked_at.is_(None)
            )
        ).all()
        revoked: list[str] = []
        for row in rows:
            revoked.extend(self.revoke_token_tree(row.accessor, now))
        return revoked

    # -- policies ---------------------------------------------------------------------------
    def put_policy(self, rec: PolicyRecord) -> bool:
        """Create or replace; True when it was created."""
        existing = self.get_policy(rec.namespace, rec.name)
        if existing is None:
            self.conn.execute(
                t.policies.insert().values(
                    namespace=rec.namespace,
                    name=rec.name,
                    text=rec.text,
                    created_at=rec.created_at,
                    updated_at=rec.updated_at,
                    updated_by=rec.updated_by,
                )
            )
            return True
        self.conn.execute(
            t.policies.update()
            .where(t.policies.c.namespace == rec.namespace, t.policies.c.name == rec.name)
            .values(text=rec.text, updated_at=rec.updated_at, updated_by=rec.updated_by)
        )
        return False

    @staticmethod
    def _policy(row: Any) -> PolicyRecord:
        return PolicyRecord(
            row.namespace, row.name, row.text, row.created_at, row.updated_at, row.updated_by
        )

    def get_policy(self, namespace: str, name: str) -> PolicyRecord | None:
        row = self.conn.execute(
            sa.select(t.policies).where(
                t.policies.c.namespace == namespace, t.policies.c.name == name
            )
        ).first()
        return None if row is None else self._policy(row)

    def get_policies(self, namespace: str, names: Sequence[str]) -> list[PolicyRecord]:
        if not names:
            return []
        marks = ", ".join(f":n{i}" for i in range(len(names)))
        params = {f"n{i}": name for i, name in enumerate(names)}
        # Only generated placeholders are formatted in, never a value.
        sql = f"SELECT namespace, name, text, created_at, updated_at, updated_by FROM policies WHERE namespace = :ns AND name IN ({marks})"  # noqa: S608, E501
        rows = self.fetch(
            sql,
            ns=namespace,
            **params,
        )
        return [self._policy(r) for r in rows]

    def list_policies(self, namespace: str) -> list[str]:
        rows = self.conn.execute(
            sa.select(t.policies.c.name)
            .where(t.policies.c.namespace == namespace)
            .order_by(t.policies.c.name)
        )
        return [r.name for r in rows]

    def delete_policy(self, namespace: str, name: str) -> bool:
        res = self.conn.execute(
            t.policies.delete().where(
                t.policies.c.namespace == namespace, t.policies.c.name == name
            )
        )
        return res.rowcount > 0

    # -- mounts -----------------------------------------------------------------------------
    def create_mount(self, rec: MountRecord) -> None:
        if self.get_mount(rec.namespace, rec.path) is not None:
            raise Conflict(f"a mount already exists at {rec.path!r}")
        self.conn.execute(
            t.mounts.insert().values(
                namespace=rec.namespace,
                path=rec.path,
                type=rec.type,
                options=_json(dict(rec.options)),
                description=rec.description,
                created_at=rec.created_at,
            )
        )

    @staticmethod
    def _mount(row: Any) -> MountRecord:
        return MountRecord(
            row.namespace,
            row.path,
            row.type,
            json.loads(row.options),
            row.description,
            row.created_at,
        )

    def get_mount(self, namespace: str, path: str) -> MountRecord | None:
        row = self.conn.execute(
            sa.select(t.mounts).where(t.mounts.c.namespace == namespace, t.mounts.c.path == path)
        ).first()
        return None if row is None else self._mount(row)

    def list_mounts(self, namespace: str) -> list[MountRecord]:
        rows = self.fetch(
            "SELECT namespace, path, type, options, description, created_at FROM mounts "
            "WHERE namespace = :ns ORDER BY path",
            ns=namespace,
        )
        return [self._mount(r) for r in rows]

    def delete_mount(self, namespace: str, path: str) -> bool:
        for table in (t.kv_versions, t.kv_metadata):
            self.conn.execute(
                table.delete().where(table.c.namespace == namespace, table.c.mount == path)
            )
        res = self.conn.execute(
            t.mounts.delete().where(t.mounts.c.namespace == namespace, t.mounts.c.path == path)
        )
        return res.rowcount > 0

    # -- KV v2 ------------------------------------------------------------------------------
    @staticmethod
    def _kv_meta(row: Any) -> KVMetadataRecord:
        return KVMetadataRecord(
            namespace=row.namespace,
            mount=row.mount,
            key=row.key,
            current_version=row.current_version,
            oldest_version=row.oldest_version,
            max_versions=row.max_versions,
            cas_required=bool(row.cas_required),
            custom_metadata=json.loads(row.custom_metadata),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    def get_kv_metadata(
        self, namespace: str, mount: str, key: str, *, for_update: bool = False
    ) -> KVMetadataRecord | None:
        if not for_update:
            rows = self.fetch(
                f"SELECT {_KV_META_COLUMNS} FROM kv_metadata "  # noqa: S608 - column names
                "WHERE namespace = :ns AND mount = :m AND key = :k",
                ns=namespace,
                m=mount,
                k=key,
            )
            return self._kv_meta(rows[0]) if rows else None
        m = t.kv_metadata
        query = sa.select(m).where(m.c.namespace == namespace, m.c.mount == mount, m.c.key == key)
        row = self.conn.execute(query.with_for_update()).first()
        return None if row is None else self._kv_meta(row)

    def put_kv_metadata(self, rec: KVMetadataRecord, *, create: bool) -> None:
        m = t.kv_metadata
        values: Mapping[str, Any] = {
            "current_version": rec.current_version,
            "oldest_version": rec.oldest_version,
            "max_versions": rec.max_versions,
            "cas_required": rec.cas_required,
            "custom_metadata": _json(dict(rec.custom_metadata)),
            "updated_at": rec.updated_at,
        }
        if create:
            self.conn.execute(
                m.insert().values(
                    namespace=rec.namespace,
                    mount=rec.mount,
                    key=rec.key,
                    created_at=rec.created_at,
                    **values,
                )
            )
        else:
            self.conn.execute(
                m.update()
                .where(m.c.namespace == rec.namespace, m.c.mount == rec.mount, m.c.key == rec.key)
                .values(**values)
            )

    def insert_kv_version(self, rec: KVVersionRecord) -> None:
        self.conn.execute(
            t.kv_versions.insert().values(
                namespace=rec.namespace,
                mount=rec.mount,
                key=rec.key,
                version=rec.version,
                ciphertext=rec.ciphertext,
                created_at=rec.created_at,
                deleted_at=rec.deleted_at,
                destroyed=rec.destroyed,
            )
        )

    @staticmethod
    def _kv_version(row: Any) -> KVVersionRecord:
        return KVVersionRecord(
            namespace=row.namespace,
            mount=row.mount,
            key=row.key,
            version=row.version,
            ciphertext=row.ciphertext,
            created_at=row.created_at,
            deleted_at=row.deleted_at,
            destroyed=bool(row.destroyed),
        )

    def get_kv_version(
        self, namespace: str, mount: str, key: str, version: int
    ) -> KVVersionRecord | None:
        rows = self.fetch(
            "SELECT namespace, mount, key, version, ciphertext, created_at, deleted_at, destroyed "
            "FROM kv_versions WHERE namespace = :ns AND mount = :m AND key = :k AND version = :v",
            ns=namespace,
            m=mount,
            k=key,
            v=version,
        )
        return self._kv_version(rows[0]) if rows else None

    def list_kv_versions(self, namespace: str, mount: str, key: str) -> list[KVVersionRecord]:
        v = t.kv_versions
        rows = self.conn.execute(
            sa.select(
                v.c.namespace,
                v.c.mount,
                v.c.key,
                v.c.version,
                v.c.created_at,
                v.c.deleted_at,
                v.c.destroyed,
                sa.null().label("ciphertext"),
            )
            .where(v.c.namespace == namespace, v.c.mount == mount, v.c.key == key)
            .order_by(v.c.version)
        )
        return [self._kv_version(r) for r in rows]

    def update_kv_version(
        self, namespace: str, mount: str, key: str, version: int, **values: Any
    ) -> None:
        v = t.kv_versions
        self.conn.execute(
            v.update()
            .where(
                v.c.namespace == namespace,
                v.c.mount == mount,
                v.c.key == key,
                v.c.version == version,
            )
            .values(**values)
        )

    def delete_kv_versions_below(self, namespace: str, mount: str, key: str, version: int) -> None:
        v = t.kv_versions
        self.conn.execute(
            v.delete().where(
                v.c.namespace == namespace,
                v.c.mount == mount,
                v.c.key == key,
                v.c.version < version,
            )
        )

    def delete_kv_key(self, namespace: str, mount: str, key: str) -> bool:
        for table in (t.kv_versions, t.kv_metadata):
            res = self.conn.execute(
                table.delete().where(
                    table.c.namespace == namespace, table.c.mount == mount, table.c.key == key
                )
            )
        return res.rowcount > 0

    def list_kv_keys(self, namespace: str, mount: str, prefix: str) -> list[str]:
        """Immediate children under ``prefix`` (folders end with "/"), sorted."""
        m = t.kv_metadata
        rows = self.conn.execute(
            sa.select(m.c.key).where(
                m.c.namespace == namespace,
                m.c.mount == mount,
                m.c.key.startswith(prefix, autoescape=True),
            )
        )
        children: set[str] = set()
        for row in rows:
            rest = row.key[len(prefix) :]
            if not rest:
                continue
            head, sep, _ = rest.partition("/")
            children.add(head + sep)
        return sorted(children)
