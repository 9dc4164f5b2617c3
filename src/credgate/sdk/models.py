"""Values the SDK returns that hold something secret: their reprs never show it.

A secret's data is a :class:`SecretData`, a plain ``dict`` for every purpose (indexing,
iteration, ``json.dumps``, equality) except ``repr``/``str``, which list the field names only,
so a stray ``print``, log line or test assertion message cannot leak a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["IssuedToken", "SecretData", "SecretVersion"]


class SecretData(dict[str, Any]):
    """A secret's key/value data. A real ``dict``; its repr shows field names, never values."""

    def __repr__(self) -> str:
        return f"SecretData(fields={sorted(self)!r})"

    __str__ = __repr__


@dataclass(frozen=True)
class SecretVersion:
    """One version of a KV secret as read: data plus the version's metadata.

    ``metadata`` is the server's ``data.metadata`` object (``version``, ``created_time``,
    ``custom_metadata``...). The repr leaves the data out.
    """

    path: str
    data: SecretData
    metadata: dict[str, Any]

    @property
    def version(self) -> int:
        return int(self.metadata.get("version") or 0)

    @property
    def custom_metadata(self) -> dict[str, str]:
        return dict(self.metadata.get("custom_metadata") or {})

    def __repr__(self) -> str:
        fields = sorted(self.data)
        return f"SecretVersion(path={self.path!r}, version={self.version}, fields={fields!r})"


@dataclass(frozen=True)
class IssuedToken:
    """A token just created by the server. ``token`` is the secret; the repr leaves it out."""

    token: str = field(repr=False)
    accessor: str
    policies: list[str]
    namespace: str
    principal_id: str | None
    principal_kind: str | None
    expires_at: float | None
    lease_duration: int
    renewable: bool
    num_uses: int

    @classmethod
    def from_auth(cls, auth: dict[str, Any]) -> IssuedToken:
        """Build from the ``auth`` object of ``POST /v1/auth/token/create``."""
        return cls(
            token=str(auth["client_token"]),
            accessor=str(auth.get("accessor", "")),
            policies=[str(p) for p in auth.get("policies") or []],
            namespace=str(auth.get("namespace", "")),
            principal_id=auth.get("principal_id"),
            principal_kind=auth.get("principal_kind"),
            expires_at=auth.get("expires_at"),
            lease_duration=int(auth.get("lease_duration") or 0),
            renewable=bool(auth.get("renewable")),
            num_uses=int(auth.get("num_uses") or 0),
        )

    def describe(self) -> dict[str, Any]:
        """Everything but the token itself (for display and logs)."""
        return {
            "accessor": self.accessor,
            "policies": list(self.policies),
            "namespace": self.namespace,
            "principal_id": self.principal_id,
            "principal_kind": self.principal_kind,
            "expires_at": self.expires_at,
            "lease_duration": self.lease_duration,
            "renewable": self.renewable,
            "num_uses": self.num_uses,
        }
