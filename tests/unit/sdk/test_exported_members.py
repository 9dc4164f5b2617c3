"""The SDK's public surface is deliberate: this pins it (as httpx's own test does)."""

from __future__ import annotations

from types import ModuleType

import credgate.sdk

EXPECTED = [
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


def test_all_is_pinned() -> None:
    """Adding or removing a public name is a conscious change, documented in sdk.md."""
    assert credgate.sdk.__all__ == EXPECTED


def test_every_exported_name_exists_and_no_other_public_name_leaks() -> None:
    """`from credgate.sdk import *` gives exactly the documented names."""
    for name in credgate.sdk.__all__:
        assert hasattr(credgate.sdk, name), name
    public = {
        name
        for name, value in vars(credgate.sdk).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    assert public - {"annotations"} == set(EXPECTED)
