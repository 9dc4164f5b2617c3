"""Every API call the SDK makes, described once (method, path, body, parser).

The sync and async clients both wrap these builders, so a route or a body shape is written in
exactly one place. Nothing here performs I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from credgate.errors import InvalidRequest, NotFound
from credgate.sdk._core import Call, clean_path, kv_key
from credgate.sdk.errors import ServerError
from credgate.sdk.models import IssuedToken, SecretData, SecretVersion

Data = dict[str, Any]


# -- parsers ----------------------------------------------------------------------------------
def _data(body: Any) -> Data:
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        return dict(body["data"])
    return {}


def _none(body: Any) -> None:
    return None


def _keys(body: Any) -> list[str]:
    keys = _data(body).get("keys") or []
    return [str(k) for k in keys]


def _name(name: str, what: str) -> str:
    clean = clean_path(name, what=f"{what} name")
    if "/" in clean:
        raise InvalidRequest(f"a {what} name cannot contain '/'", hint=f"name the {what} alone")
    return clean


def _versions(versions: Sequence[int]) -> list[int]:
    out = list(versions)
    if not out or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in out):
        raise InvalidRequest("versions must be a non-empty list of positive integers")
    return out


# -- KV version 2 -----------------------------------------------------------------------------
def read_secret_version(path: str, *, version: int | None, mount: str) -> Call[SecretVersion]:
    key = kv_key(path, mount)
    if version is not None and (isinstance(version, bool) or version < 0):
        raise InvalidRequest("version must be a non-negative integer (0 means the latest)")

    def parse(body: Any) -> SecretVersion:
        data = _data(body)
        inner = data.get("data")
        return SecretVersion(
            path=key,
            data=SecretData(inner if isinstance(inner, dict) else {}),
            metadata=dict(data.get("metadata") or {}),
        )

    params = {"version": str(version)} if version else None
    return Call("GET", f"{mount.strip('/')}/data/{key}", parse, params=params)


def pick_field(secret: SecretVersion, field: str) -> str:
    """One field of a secret as text (non-string values as JSON). Never shows the value."""
    if field not in secret.data:
        names = ", ".join(sorted(secret.data)) or "none"
        raise NotFound(
            f"the secret {secret.path!r} has no field {field!r}", hint=f"its fields: {names}"
        )
    value = secret.data[field]
    return value if isinstance(value, str) else json.dumps(value)


def write_secret(path: str, data: Mapping[str, Any], *, cas: int | None, mount: str) -> Call[Data]:
    key = kv_key(path, mount)
    if not isinstance(data, Mapping) or not all(isinstance(k, str) and k for k in data):
        raise InvalidRequest("secret data must be a mapping with non-empty string keys")
    body: Data = {"data": dict(data)}
    if cas is not None:
        if isinstance(cas, bool) or not isinstance(cas, int) or cas < 0:
            raise InvalidRequest("cas must be a non-negative integer (0: only if absent)")
        body["options"] = {"cas": cas}
    return Call("POST", f"{mount.strip('/')}/data/{key}", _data, json=body)


def list_secrets(prefix: str, *, mount: str) -> Call[list[str]]:
    key = kv_key(prefix, mount, allow_empty=True)
    path = f"{mount.strip('/')}/metadata/{key}/" if key else f"{mount.strip('/')}/metadata/"
    return Call("GET", path, _keys, params={"list": "true"})


def read_metadata(path: str, *, mount: str) -> Call[Data]:
    return Call("GET", f"{mount.strip('/')}/metadata/{kv_key(path, mount)}", _data)


def custom_metadata(
    *,
    environment: str | None = None,
    data_class: str | None = None,
    owner: str | None = None,
    description: str | None = None,
    allowed_hosts: str | Sequence[str] | None = None,
    custom: Mapping[str, str] | None = None,
) -> dict[str, str] | None:
    """The ``custom_metadata`` object for these fields, or None when none is given."""
    out: dict[str, str] = dict(custom or {})
    named = {
        "environment": environment,
        "data_class": data_class,
        "owner": owner,
        "description": description,
    }
    out.update({k: v for k, v in named.items() if v is not None})
    if allowed_hosts is not None:
        hosts = [allowed_hosts] if isinstance(allowed_hosts, str) else list(allowed_hosts)
        out["allowed_hosts"] = ",".join(h.strip() for h in hosts)
    if custom is None and all(v is None for v in (*named.values(), allowed_hosts)):
        return None
    return out


def write_metadata(
    path: str,
    *,
    custom: dict[str, str] | None,
    max_versions: int | None,
    cas_required: bool | None,
    mount: str,
) -> Call[None]:
    body: Data = {}
    if custom is not None:
        body["custom_metadata"] = custom
    if max_versions is not None:
        body["max_versions"] = max_versions
    if cas_required is not None:
        body["cas_required"] = cas_required
    return Call("POST", f"{mount.strip('/')}/metadata/{kv_key(path, mount)}", _none, json=body)


def delete_secret(path: str, *, versions: Sequence[int] | None, mount: str) -> Call[None]:
    key, root = kv_key(path, mount), mount.strip("/")
    if versions is None:
        return Call("DELETE", f"{root}/data/{key}", _none)
    return Call("POST", f"{root}/delete/{key}", _none, json={"versions": _versions(versions)})


def versions_call(section: str, path: str, versions: Sequence[int], *, mount: str) -> Call[None]:
    """``undelete`` or ``destroy`` of the given versions."""
    key = kv_key(path, mount)
    return Call(
        "POST", f"{mount.strip('/')}/{section}/{key}", _none, json={"versions": _versions(versions)}
    )


def rollback(path: str, version: int, *, mount: str) -> Call[Data]:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidRequest("the version to roll back to must be a positive integer")
    key = kv_key(path, mount)
    return Call("POST", f"{mount.strip('/')}/rollback/{key}", _data, json={"version": version})


def delete_metadata(path: str, *, mount: str) -> Call[None]:
    return Call("DELETE", f"{mount.strip('/')}/metadata/{kv_key(path, mount)}", _none)


# -- tokens -----------------------------------------------------------------------------------
def lookup_self() -> Call[Data]:
    return Call("GET", "auth/token/lookup-self", _data)


def renew_self(increment: int | str | None) -> Call[Data]:
    body = {"increment": increment} if increment is not None else {}
    return Call("POST", "auth/token/renew-self", _data, json=body)


def revoke_self() -> Call[None]:
    return Call("POST", "auth/token/revoke-self", _none, json={})


def capabilities(paths: str | Sequence[str]) -> Call[dict[str, list[str]]]:
    wanted = [paths] if isinstance(paths, str) else list(paths)
    if not wanted:
        raise InvalidRequest("give at least one path")

    def parse(body: Any) -> dict[str, list[str]]:
        data = _data(body)
        return {p: [str(c) for c in data.get(p) or []] for p in wanted}

    return Call("POST", "sys/capabilities-self", parse, json={"paths": wanted})


def create_token(body: Data) -> Call[IssuedToken]:
    def parse(answer: Any) -> IssuedToken:
        auth = answer.get("auth") if isinstance(answer, dict) else None
        if not isinstance(auth, dict) or "client_token" not in auth:
            raise ServerError(
                "the server answered without a token", status=200, code="bad_response"
            )
        return IssuedToken.from_auth(auth)

    return Call(
        "POST", "auth/token/create", parse, json={k: v for k, v in body.items() if v is not None}
    )


def accessor_call(verb: str, accessor: str) -> Call[Data]:
    """``lookup-accessor`` (answers the token's description) or ``revoke-accessor``."""
    return Call("POST", f"auth/token/{verb}", _data, json={"accessor": accessor})


# -- namespaces, principals, policies, mounts ----------------------------------------------------
def namespace_call(method: str, name: str, body: Data | None = None) -> Call[Data]:
    return Call(method, f"sys/namespaces/{clean_path(name, what='namespace')}", _data, json=body)


def list_call(path: str) -> Call[list[str]]:
    return Call("GET", path, _keys, params={"list": "true"})


def principal_call(
    kind: str, method: str, name: str, suffix: str = "", body: Data | None = None
) -> Call[Data]:
    path = f"sys/{kind}s/{_name(name, kind)}" + (f"/{suffix}" if suffix else "")
    return Call(method, path, _data, json=body)


def policy_call(method: str, name: str, body: Data | None = None) -> Call[Data]:
    return Call(method, f"sys/policies/acl/{_name(name, 'policy')}", _data, json=body)


def mount_call(method: str, path: str, body: Data | None = None) -> Call[Data]:
    return Call(method, f"sys/mounts/{clean_path(path, what='mount path')}", _data, json=body)


def list_mounts() -> Call[dict[str, Data]]:
    return Call("GET", "sys/mounts", lambda body: {str(k): v for k, v in _data(body).items()})


# -- audit trail ------------------------------------------------------------------------------
def audit_search(query: Mapping[str, object]) -> Call[list[Data]]:
    params = {k: str(v) for k, v in query.items() if v is not None}
    return Call(
        "GET", "sys/audit-trail/search", lambda b: list(_data(b).get("events") or []), params=params
    )


def audit_session(session_id: str) -> Call[list[str]]:
    name = _name(session_id, "session")
    return Call(
        "GET",
        f"sys/audit-trail/session/{name}",
        lambda b: [str(x) for x in _data(b).get("timeline") or []],
    )


def audit_verify() -> Call[Data]:
    return Call("POST", "sys/audit-trail/verify", _data, json={})


def audit_hash(value: str) -> Call[Data]:
    if not isinstance(value, str) or not value:
        raise InvalidRequest("give a non-empty value to hash")
    return Call("POST", "sys/audit-trail/hash", _data, json={"value": value})
