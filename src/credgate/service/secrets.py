"""Use cases for secret engines: mounts (``sys/mounts``) and the KV v2 paths under a mount.

Routing mirrors OpenBao: the operation comes from the HTTP method (GET read, LIST list,
POST/PUT create-or-update decided by an existence check, DELETE delete, PATCH patch); the path
after the mount decides what it means (``data/``, ``metadata/``, ``delete/``, ``undelete/``,
``destroy/``, plus credgate's ``rollback/``). So a policy written for OpenBao means the same here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credgate.adapters.engines.kv import KVEngine, validate_versions
from credgate.adapters.storage.records import MountRecord
from credgate.adapters.storage.sql_store import SqlTx
from credgate.errors import Conflict, InvalidRequest, NotFound
from credgate.service import schemas as s
from credgate.service.broker import Action, Broker, Caller, Outcome, RequestContext
from credgate.service.risk_gate import RiskTarget

RESERVED_MOUNTS = frozenset({"sys", "auth", "cubbyhole", "identity", "broker"})
KV_SECTIONS = ("data", "metadata", "delete", "undelete", "destroy", "rollback")
_UNSUPPORTED = "this operation is not supported on this path"


def split_mount(tx: SqlTx, namespace: str, path: str) -> tuple[MountRecord, str, str]:
    """(mount, section, key) for ``path``; NotFound when no mount serves it."""
    best: MountRecord | None = None
    for mount in tx.list_mounts(namespace):
        if path.startswith(mount.path) and (best is None or len(mount.path) > len(best.path)):
            best = mount
    if best is None:
        raise NotFound(
            f"no secret engine is mounted at {path!r}", hint="list mounts: GET /v1/sys/mounts"
        )
    section, _, key = path[len(best.path) :].partition("/")
    return best, section, key


def _version_param(query: Mapping[str, str]) -> int:
    raw = query.get("version", "0")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise InvalidRequest("version must be a non-negative integer")
    return int(raw)


class SecretsService:
    def __init__(self, broker: Broker, kv: KVEngine) -> None:
        self.broker = broker
        self.kv = kv

    @property
    def now(self) -> float:
        return self.broker.clock.now()

    # -- mounts -----------------------------------------------------------------------------
    def create_mount(self, ctx: RequestContext, path: str, body: s.MountCreate) -> Outcome:
        clean = path.strip("/")
        if not clean or clean.split("/")[0] in RESERVED_MOUNTS or ".." in clean:
            raise InvalidRequest(f"cannot mount at {path!r}", hint="choose a path like 'kv-team'")
        version = body.options.get("version", "2")
        if version != "2":
            raise InvalidRequest("only KV version 2 is supported", hint='options: {"version": "2"}')

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            for existing in tx.list_mounts(caller.namespace):
                if (clean + "/").startswith(existing.path) or existing.path.startswith(clean + "/"):
                    raise Conflict(f"mount {clean!r} overlaps the existing mount {existing.path!r}")
            tx.create_mount(
                MountRecord(
                    caller.namespace,
                    clean + "/",
                    body.type,
                    {"version": version},
                    body.description,
                    self.now,
                )
            )
            return Outcome(None, status=204)

        return self.broker.run(
            ctx,
            Action("mount.create", "update", f"sys/mounts/{clean}", params={"type": body.type}),
            handler,
        )

    def list_mounts(self, ctx: RequestContext) -> Outcome:
        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            return Outcome(
                {
                    "data": {
                        m.path: {
                            "type": m.type,
                            "options": dict(m.options),
                            "description": m.description,
                        }
                        for m in tx.list_mounts(caller.namespace)
                    }
                }
            )

        return self.broker.run(ctx, Action("mount.list", "read", "sys/mounts"), handler)

    def delete_mount(self, ctx: RequestContext, path: str) -> Outcome:
        clean = path.strip("/")

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            if not tx.delete_mount(caller.namespace, clean + "/"):
                raise NotFound(f"no mount at {clean!r}")
            return Outcome(None, status=204)

        return self.broker.run(
            ctx, Action("mount.delete", "delete", f"sys/mounts/{clean}"), handler
        )

    # -- KV v2 ------------------------------------------------------------------------------
    def logical(
        self,
        ctx: RequestContext,
        operation: str,
        path: str,
        body: Any = None,
        query: Mapping[str, str] | None = None,
    ) -> Outcome:
        """Any request under a mount: ``operation`` is read/list/create_or_update/delete/patch."""
        query = query or {}
        section = path.split("/")[1] if path.count("/") >= 1 else ""
        name = f"kv.{section}.{operation}" if section in KV_SECTIONS else f"kv.{operation}"
        if operation == "list" and not path.endswith("/"):
            path += "/"
        if operation in ("read", "list"):
            data: Mapping[str, Any] | None = dict(query) or None
        else:
            if body is not None and not isinstance(body, dict):
                raise InvalidRequest("the request body must be a JSON object")
            data = body or None
        params: dict[str, Any] = {}
        if "version" in query:
            params["version"] = query["version"]

        memo: dict[str, tuple[MountRecord, str, str]] = {}

        def resolve(tx: SqlTx, namespace: str) -> tuple[MountRecord, str, str]:
            """The mount serving ``path``, looked up once per request."""
            if namespace not in memo:
                memo[namespace] = split_mount(tx, namespace, path)
            return memo[namespace]

        def exists(tx: SqlTx, namespace: str) -> bool:
            try:
                mount, sect, key = resolve(tx, namespace)
            except NotFound:
                return True
            if sect in ("data", "metadata"):
                return self.kv.exists(tx, namespace, mount.path, key)
            return True

        def handler(tx: SqlTx, caller: Caller) -> Outcome:
            mount, sect, key = resolve(tx, caller.namespace)
            return self._dispatch(tx, caller, operation, mount.path, sect, key, body, query)

        def risk(tx: SqlTx, namespace: str) -> RiskTarget | None:
            if operation == "list":
                return None  # names only, no value and no change
            try:
                mount, sect, key = resolve(tx, namespace)
            except NotFound:
                return None
            if sect not in KV_SECTIONS or not key:
                return None
            if sect == "metadata" and operation == "read":
                return None  # labels and versions, never a value
            meta = tx.get_kv_metadata(namespace, mount.path, key)
            return RiskTarget(
                metadata=dict(meta.custom_metadata) if meta is not None else {},
                reveals=sect == "data" and operation == "read",
                version=_version_param(query) or None if sect == "data" else None,
            )

        writes = operation in ("create_or_update", "create", "update", "patch")
        action = Action(
            name,
            operation,
            path,
            params=params,
            data=data,
            exists=exists,
            prepare=self.kv.prepare_write if writes else None,
            risk=risk,
        )
        return self.broker.run(ctx, action, handler)

    def _dispatch(
        self,
        tx: SqlTx,
        caller: Caller,
        operation: str,
        mount: str,
        section: str,
        key: str,
        body: Any,
        query: Mapping[str, str],
    ) -> Outcome:
        ns, kv, now = caller.namespace, self.kv, self.now
        if section not in KV_SECTIONS:
            raise NotFound(
                f"no such path under the KV mount {mount!r}",
                hint="use data/, metadata/, delete/, undelete/, destroy/ or rollback/",
            )
        if not key and operation != "list":
            raise InvalidRequest("missing secret path after the mount section")
        if section == "data":
            if operation == "read":
                secret = kv.read(tx, ns, mount, key, _version_param(query))
                body_out = {
                    "data": {
                        "data": dict(secret.data),
                        "metadata": {
                            "version": secret.version,
                            "created_time": secret.created_at,
                            "custom_metadata": dict(secret.custom_metadata) or None,
                            "deletion_time": "",
                            "destroyed": False,
                        },
                    }
                }
                return Outcome(
                    body_out,
                    served={"data": dict(secret.data)},
                    result_params={"version": secret.version},
                )
            if operation in ("create", "update", "create_or_update"):
                write = s.parse_body(s.KVWrite, body)
                version = kv.write(tx, ns, mount, key, write.data, now=now, cas=write.options.cas)
                return Outcome(
                    {"data": {"version": version, "created_time": now}},
                    served={"request": {"data": write.data}},
                    result_params={"version": version},
                )
            if operation == "delete":
                kv.delete_latest(tx, ns, mount, key, now=now)
                return Outcome(None, status=204)
        elif section == "metadata":
            if operation == "read":
                return Outcome({"data": kv.describe_metadata(tx, kv.metadata(tx, ns, mount, key))})
            if operation == "list":
                return Outcome({"data": {"keys": kv.list(tx, ns, mount, key)}})
            if operation in ("create", "update", "create_or_update"):
                meta_body = s.parse_body(s.KVMetadataWrite, body)
                kv.write_metadata(
                    tx,
                    ns,
                    mount,
                    key,
                    now=now,
                    max_versions=meta_body.max_versions,
                    cas_required=meta_body.cas_required,
                    custom_metadata=meta_body.custom_metadata,
                )
                return Outcome(None, status=204)
            if operation == "delete":
                kv.delete_all(tx, ns, mount, key)
                return Outcome(None, status=204)
        elif section in ("delete", "undelete", "destroy") and operation in (
            "create",
            "update",
            "create_or_update",
        ):
            versions = validate_versions(s.parse_body(s.KVVersions, body).versions)
            if section == "delete":
                kv.delete_versions(tx, ns, mount, key, versions, now=now)
            elif section == "undelete":
                kv.undelete_versions(tx, ns, mount, key, versions)
            else:
                kv.destroy_versions(tx, ns, mount, key, versions)
            return Outcome(None, status=204, result_params={"versions": versions})
        elif section == "rollback" and operation in ("create", "update", "create_or_update"):
            target = s.parse_body(s.KVRollback, body).version
            version = kv.rollback(tx, ns, mount, key, target, now=now)
            return Outcome(
                {"data": {"version": version}},
                result_params={"version": version, "from_version": target},
            )
        raise InvalidRequest(_UNSUPPORTED, hint=f"{operation} is not defined for {section}/")
