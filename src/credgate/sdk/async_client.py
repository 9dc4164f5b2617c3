"""The asynchronous client: :class:`credgate.sdk.Client`'s methods, awaited.

Like the sync client, it never caches a secret: every ``read_secret`` is one HTTP request.
Method documentation lives on :class:`credgate.sdk.Client`; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar, overload

import httpx

from credgate.sdk import _calls as calls
from credgate.sdk._core import Call, ClientConfig
from credgate.sdk._governance_methods import AsyncGovernanceMethods
from credgate.sdk.errors import is_auth_error
from credgate.sdk.models import IssuedToken, SecretData, SecretVersion

T = TypeVar("T")
Data = dict[str, Any]


class AsyncClient(AsyncGovernanceMethods):
    """The async twin of :class:`credgate.sdk.Client` (same arguments, same defaults).

    ``transport`` is any ``httpx.AsyncBaseTransport``. Use ``async with AsyncClient() as c``
    or call :meth:`aclose`.
    """

    def __init__(
        self,
        addr: str | None = None,
        token: str | None = None,
        *,
        namespace: str | None = None,
        session_id: str | None = None,
        traceparent: str | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._config = ClientConfig.create(
            addr,
            token,
            namespace=namespace,
            session_id=session_id,
            traceparent=traceparent,
            timeout=timeout,
        )
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False)
        self._owns_http = True

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def addr(self) -> str:
        return self._config.addr

    @property
    def namespace(self) -> str | None:
        return self._config.namespace

    @property
    def session_id(self) -> str:
        return self._config.session_id

    @property
    def trace_id(self) -> str:
        return self._config.trace_id

    def __repr__(self) -> str:
        return (
            f"AsyncClient(addr={self.addr!r}, namespace={self.namespace!r}, "
            f"session_id={self.session_id!r})"
        )

    def with_context(
        self,
        *,
        prompt: str | None = None,
        reasoning: str | None = None,
        alternatives: str | None = None,
    ) -> AsyncClient:
        """A client sending this agent context on every call (shares connections)."""
        clone = object.__new__(AsyncClient)
        clone._config = self._config.with_context(
            prompt=prompt, reasoning=reasoning, alternatives=alternatives
        )
        clone._http = self._http
        clone._owns_http = False
        return clone

    def with_approval(self, approval_id: str | None) -> AsyncClient:
        """A client presenting ``approval_id`` with every call (shares connections)."""
        clone = object.__new__(AsyncClient)
        clone._config = self._config.with_approval(approval_id)
        clone._http = self._http
        clone._owns_http = False
        return clone

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _send(self, call: Call[T]) -> T:
        request = self._config.build(call)
        try:
            response = await self._http.send(request)
        except httpx.HTTPError as exc:
            raise self._config.translate(exc) from exc
        return self._config.decode(call, response)

    # -- secrets ----------------------------------------------------------------------------
    @overload
    async def read_secret(
        self, path: str, *, field: None = None, version: int | None = None, mount: str = "secret"
    ) -> SecretData: ...
    @overload
    async def read_secret(
        self, path: str, *, field: str, version: int | None = None, mount: str = "secret"
    ) -> str: ...
    async def read_secret(
        self,
        path: str,
        *,
        field: str | None = None,
        version: int | None = None,
        mount: str = "secret",
    ) -> SecretData | str:
        """The secret's data (or one ``field`` as text), fetched fresh: never cached.

        ``path`` is ``dev/app`` or the API form ``secret/data/dev/app`` (same secret).
        ``version`` picks an older version (default: the latest).
        """
        secret = await self._send(calls.read_secret_version(path, version=version, mount=mount))
        return calls.pick_field(secret, field) if field is not None else secret.data

    async def read_secret_version(
        self, path: str, *, version: int | None = None, mount: str = "secret"
    ) -> SecretVersion:
        """The secret's data with its version metadata (fetched fresh)."""
        return await self._send(calls.read_secret_version(path, version=version, mount=mount))

    async def write_secret(
        self, path: str, data: Mapping[str, Any], *, cas: int | None = None, mount: str = "secret"
    ) -> Data:
        """Store a new version; ``cas`` must equal the current version (0: create only)."""
        return await self._send(calls.write_secret(path, data, cas=cas, mount=mount))

    async def list_secrets(self, prefix: str = "", *, mount: str = "secret") -> list[str]:
        """Keys under ``prefix`` (folders end with ``/``); NotFoundError when there are none."""
        return await self._send(calls.list_secrets(prefix, mount=mount))

    async def read_metadata(self, path: str, *, mount: str = "secret") -> Data:
        """Versions, ``custom_metadata`` (environment, data_class...) and settings of a secret."""
        return await self._send(calls.read_metadata(path, mount=mount))

    async def write_metadata(
        self,
        path: str,
        *,
        environment: str | None = None,
        data_class: str | None = None,
        owner: str | None = None,
        description: str | None = None,
        allowed_hosts: str | Sequence[str] | None = None,
        custom: Mapping[str, str] | None = None,
        max_versions: int | None = None,
        cas_required: bool | None = None,
        mount: str = "secret",
    ) -> None:
        """Set a secret's metadata. When any custom field is given, ``custom_metadata`` is
        *replaced* by exactly those fields (as OpenBao does); otherwise it is left alone."""
        custom_fields = calls.custom_metadata(
            environment=environment,
            data_class=data_class,
            owner=owner,
            description=description,
            allowed_hosts=allowed_hosts,
            custom=custom,
        )
        await self._send(
            calls.write_metadata(
                path,
                custom=custom_fields,
                max_versions=max_versions,
                cas_required=cas_required,
                mount=mount,
            )
        )

    async def delete_secret(
        self, path: str, *, versions: Sequence[int] | None = None, mount: str = "secret"
    ) -> None:
        """Soft-delete the latest version (or ``versions``); undelete can bring them back."""
        await self._send(calls.delete_secret(path, versions=versions, mount=mount))

    async def undelete(self, path: str, versions: Sequence[int], *, mount: str = "secret") -> None:
        """Restore soft-deleted versions."""
        await self._send(calls.versions_call("undelete", path, versions, mount=mount))

    async def destroy(self, path: str, versions: Sequence[int], *, mount: str = "secret") -> None:
        """Erase versions for good."""
        await self._send(calls.versions_call("destroy", path, versions, mount=mount))

    async def rollback(self, path: str, version: int, *, mount: str = "secret") -> Data:
        """Write ``version``'s data again as a new latest version."""
        return await self._send(calls.rollback(path, version, mount=mount))

    async def delete_metadata(self, path: str, *, mount: str = "secret") -> None:
        """Delete the secret entirely: every version and its metadata."""
        await self._send(calls.delete_metadata(path, mount=mount))

    @overload
    async def with_fresh_secret(
        self,
        path: str,
        fn: Callable[[SecretData], Awaitable[T]],
        *,
        field: None = None,
        is_auth_error: Callable[[BaseException], bool] = is_auth_error,
        mount: str = "secret",
    ) -> T: ...
    @overload
    async def with_fresh_secret(
        self,
        path: str,
        fn: Callable[[str], Awaitable[T]],
        *,
        field: str,
        is_auth_error: Callable[[BaseException], bool] = is_auth_error,
        mount: str = "secret",
    ) -> T: ...
    async def with_fresh_secret(
        self,
        path: str,
        fn: Callable[[Any], Awaitable[T]],
        *,
        field: str | None = None,
        is_auth_error: Callable[[BaseException], bool] = is_auth_error,
        mount: str = "secret",
    ) -> T:
        """``await fn(value)``; on an auth error, fetch the secret again and retry once.

        ``fn`` is an async function. Errors for which ``is_auth_error`` is false propagate at
        once; a second failure propagates.
        """
        value: Any = await self.read_secret(path, field=field, mount=mount)
        try:
            return await fn(value)
        except Exception as exc:
            if not is_auth_error(exc):
                raise
        value = await self.read_secret(path, field=field, mount=mount)
        return await fn(value)

    # -- the calling token ------------------------------------------------------------------
    async def lookup_self(self) -> Data:
        """The calling token: policies, namespace, expiry, uses left."""
        return await self._send(calls.lookup_self())

    async def renew_self(self, increment: int | str | None = None) -> Data:
        """Extend the calling token (``increment`` in seconds or ``"1h"``; never past max TTL)."""
        return await self._send(calls.renew_self(increment))

    async def revoke_self(self) -> None:
        """Revoke the calling token and its children."""
        await self._send(calls.revoke_self())

    async def capabilities(self, paths: str | Sequence[str]) -> dict[str, list[str]]:
        """The calling token's capabilities on each path (``secret/data/dev/app``...)."""
        return await self._send(calls.capabilities(paths))

    # -- tokens (administration) ------------------------------------------------------------
    async def create_token(
        self,
        *,
        agent: str | None = None,
        operator: str | None = None,
        policies: Sequence[str] | None = None,
        ttl: int | str | None = None,
        max_ttl: int | str | None = None,
        num_uses: int | None = None,
        display_name: str | None = None,
        no_default_policy: bool = False,
        meta: Mapping[str, str] | None = None,
    ) -> IssuedToken:
        """A token for ``agent`` or ``operator``, or a child of the calling token."""
        body: Data = {
            "agent": agent,
            "operator": operator,
            "policies": list(policies) if policies is not None else None,
            "ttl": ttl,
            "max_ttl": max_ttl,
            "num_uses": num_uses,
            "display_name": display_name,
            "no_default_policy": no_default_policy or None,
            "meta": dict(meta) if meta else None,
        }
        return await self._send(calls.create_token(body))

    async def lookup_accessor(self, accessor: str) -> Data:
        return await self._send(calls.accessor_call("lookup-accessor", accessor))

    async def revoke_accessor(self, accessor: str) -> None:
        await self._send(calls.accessor_call("revoke-accessor", accessor))

    # -- namespaces -------------------------------------------------------------------------
    async def create_namespace(
        self, name: str, *, description: str = "", mount_kv: bool = True
    ) -> Data:
        body = {"description": description, "mount_kv": mount_kv}
        return await self._send(calls.namespace_call("POST", name, body))

    async def read_namespace(self, name: str) -> Data:
        return await self._send(calls.namespace_call("GET", name))

    async def list_namespaces(self) -> list[str]:
        return await self._send(calls.list_call("sys/namespaces"))

    async def delete_namespace(self, name: str) -> None:
        await self._send(calls.namespace_call("DELETE", name))

    # -- agents and operators ---------------------------------------------------------------
    async def create_agent(
        self, name: str, *, owner: str, description: str = "", policies: Sequence[str] = ()
    ) -> Data:
        """An agent; ``owner`` is the accountable human and is required."""
        body = {"owner": owner, "description": description, "policies": list(policies)}
        return await self._send(calls.principal_call("agent", "POST", name, body=body))

    async def read_agent(self, name: str) -> Data:
        return await self._send(calls.principal_call("agent", "GET", name))

    async def list_agents(self) -> list[str]:
        return await self._send(calls.list_call("sys/agents"))

    async def update_agent(
        self,
        name: str,
        *,
        owner: str | None = None,
        description: str | None = None,
        policies: Sequence[str] | None = None,
    ) -> Data:
        """Change what is given; ``policies`` replaces the list."""
        body: Data = {"owner": owner, "description": description}
        body["policies"] = list(policies) if policies is not None else None
        body = {k: v for k, v in body.items() if v is not None}
        return await self._send(calls.principal_call("agent", "POST", name, "config", body))

    async def disable_agent(self, name: str) -> Data:
        """Disable an agent and revoke all its tokens."""
        return await self._send(calls.principal_call("agent", "POST", name, "disable", {}))

    async def enable_agent(self, name: str) -> Data:
        return await self._send(calls.principal_call("agent", "POST", name, "enable", {}))

    async def create_operator(
        self, name: str, *, description: str = "", policies: Sequence[str] = ()
    ) -> Data:
        body = {"description": description, "policies": list(policies)}
        return await self._send(calls.principal_call("operator", "POST", name, body=body))

    async def read_operator(self, name: str) -> Data:
        return await self._send(calls.principal_call("operator", "GET", name))

    async def list_operators(self) -> list[str]:
        return await self._send(calls.list_call("sys/operators"))

    async def disable_operator(self, name: str) -> Data:
        return await self._send(calls.principal_call("operator", "POST", name, "disable", {}))

    async def enable_operator(self, name: str) -> Data:
        return await self._send(calls.principal_call("operator", "POST", name, "enable", {}))

    # -- policies ---------------------------------------------------------------------------
    async def write_policy(self, name: str, policy: str) -> None:
        """Create or replace an ACL policy (OpenBao HCL); a bad policy is refused whole."""
        await self._send(calls.policy_call("PUT", name, {"policy": policy}))

    async def read_policy(self, name: str) -> Data:
        return await self._send(calls.policy_call("GET", name))

    async def list_policies(self) -> list[str]:
        return await self._send(calls.list_call("sys/policies/acl"))

    async def delete_policy(self, name: str) -> None:
        await self._send(calls.policy_call("DELETE", name))

    # -- mounts -----------------------------------------------------------------------------
    async def enable_mount(
        self, path: str, *, description: str = "", options: Mapping[str, str] | None = None
    ) -> None:
        """Mount a KV version 2 engine at ``path``."""
        body = {"type": "kv", "description": description, "options": dict(options or {})}
        await self._send(calls.mount_call("POST", path, body))

    async def list_mounts(self) -> dict[str, Data]:
        return await self._send(calls.list_mounts())

    async def disable_mount(self, path: str) -> None:
        """Unmount: deletes every secret under it."""
        await self._send(calls.mount_call("DELETE", path))

    # -- audit trail (operators, sudo) ------------------------------------------------------
    async def audit_search(
        self,
        *,
        agent: str | None = None,
        session: str | None = None,
        since: str | float | None = None,
        path: str | None = None,
        trace: str | None = None,
        limit: int | None = None,
    ) -> list[Data]:
        """Audit events matching every filter, oldest first."""
        query = {"agent": agent, "session": session, "since": since, "path": path}
        return await self._send(calls.audit_search(query | {"trace": trace, "limit": limit}))

    async def audit_session(self, session_id: str) -> list[str]:
        """A session's timeline, one line per request, in order."""
        return await self._send(calls.audit_session(session_id))

    async def audit_verify(self) -> Data:
        """Verify the audit trail's hash chains (``ok``, and the first bad event if any)."""
        return await self._send(calls.audit_verify())

    async def audit_hash(self, value: str) -> Data:
        """The audit HMAC of ``value`` and the events that served it."""
        return await self._send(calls.audit_hash(value))
