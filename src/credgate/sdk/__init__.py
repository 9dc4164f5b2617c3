"""credgate's Python SDK: what agents use to fetch secrets (httpx, sync and async).

    from credgate.sdk import Client

    with Client() as cg:  # $CREDGATE_ADDR, $CREDGATE_TOKEN
        password = cg.read_secret("prod/db", field="password")

Nothing caches a value: every ``read_secret`` is a fresh request, so rotations are seen at
once. Failures raise :class:`APIError` subclasses, which are also :mod:`credgate.errors`
classes. See ``docs/reference/sdk.md``.
"""

from __future__ import annotations

from credgate.sdk._core import DEFAULT_ADDR
from credgate.sdk.async_client import AsyncClient
from credgate.sdk.client import Client
from credgate.sdk.errors import (
    APIError,
    ConflictError,
    ConnectionFailed,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
    UnavailableError,
    is_auth_error,
)
from credgate.sdk.models import IssuedToken, SecretData, SecretVersion

__all__ = [
    "DEFAULT_ADDR",
    "APIError",
    "AsyncClient",
    "Client",
    "ConflictError",
    "ConnectionFailed",
    "InvalidRequestError",
    "IssuedToken",
    "NotFoundError",
    "PermissionDeniedError",
    "SecretData",
    "SecretVersion",
    "ServerError",
    "UnavailableError",
    "is_auth_error",
]
