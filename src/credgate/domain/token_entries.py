"""What storage keeps about a token, and the rules of its life: use, renew, expire, revoke.

Import these from :mod:`credgate.domain.tokens`; this module exists to keep that one small.

Times are seconds since the epoch (floats) passed in by the caller; nothing here reads a clock.
A token expires at ``expires_at`` (``None``: never). ``max_expires_at`` is the hard limit no
renewal can pass. ``ttl`` is the period a renewal adds when no increment is given; a token
without one cannot be renewed. ``num_uses`` limits how many requests the token may make
(``0``: unlimited) and ``uses_left`` counts down.

A child token can never outlive its parent: both its expiry and its hard limit are capped at
the parent's *current* end of life, so renewing the parent later does not extend the child.
Storage revokes the children of a revoked token (``revoke (children too)``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal, NamedTuple

from credgate.domain.namespaces import is_canonical_namespace, is_within
from credgate.errors import Denied, InvalidRequest, InvalidToken

PrincipalKind = Literal["operator", "agent"]
PRINCIPAL_KINDS: tuple[PrincipalKind, ...] = ("operator", "agent")


@dataclasses.dataclass(frozen=True, slots=True, repr=False)
class TokenEntry:
    """One token as stored. Holds the token's keyed hash, never the token."""

    accessor: str
    token_hash: str
    principal_id: str | None  # None only for a bootstrap operator token with no principal row
    principal_kind: PrincipalKind
    namespace: str  # canonical: "" or "acme/team-a/"
    policies: tuple[str, ...]
    parent_accessor: str | None
    created_at: float
    expires_at: float | None  # None: never expires
    max_expires_at: float | None  # None: no hard limit
    ttl: float | None  # renewal period; None: not renewable
    num_uses: int  # 0: unlimited
    uses_left: int
    revoked_at: float | None
    display_name: str
    meta: Mapping[str, str]

    def __post_init__(self) -> None:
        if self.principal_kind not in PRINCIPAL_KINDS:
            raise ValueError(f"unknown principal kind {self.principal_kind!r}")
        if self.principal_kind == "agent" and not self.principal_id:
            raise ValueError("an agent token must name its principal")
        if not is_canonical_namespace(self.namespace):
            raise ValueError(f"not a canonical namespace: {ascii(self.namespace)[:80]}")
        if self.num_uses < 0 or not 0 <= self.uses_left <= self.num_uses:
            raise ValueError("need 0 <= uses_left <= num_uses")
        if self.ttl is not None and not self.ttl > 0:
            raise ValueError("ttl must be positive (or None)")
        object.__setattr__(self, "policies", tuple(self.policies))
        object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        # Boring on purpose: a short hash prefix to tell entries apart, meta keys only.
        return (
            f"TokenEntry(accessor={self.accessor!r}, principal={self.principal_kind}:"
            f"{self.principal_id}, namespace={self.namespace!r}, policies={self.policies!r}, "
            f"token_hash='{self.token_hash[:8]}…', expires_at={self.expires_at!r}, "
            f"uses_left={self.uses_left if self.num_uses else 'unlimited'}, "
            f"revoked={self.is_revoked}, meta_keys={sorted(self.meta)!r})"
        )


class Expiry(NamedTuple):
    """When a new token expires and the hard limit renewals cannot pass (``None``: never)."""

    expires_at: float | None
    max_expires_at: float | None


def _earliest(*times: float | None) -> float | None:
    known = [t for t in times if t is not None]
    return min(known) if known else None


def _check_period(value: float | None, name: str) -> None:
    if value is not None and (not math.isfinite(value) or value <= 0):
        raise InvalidRequest(f"{name} must be a positive number of seconds")


def end_of_life(entry: TokenEntry) -> float | None:
    """The earliest of ``expires_at`` and ``max_expires_at``: when the token stops working."""
    return _earliest(entry.expires_at, entry.max_expires_at)


def compute_expiry(
    now: float,
    *,
    ttl: float | None,
    max_ttl: float | None = None,
    parent: TokenEntry | None = None,
) -> Expiry:
    """Expiry for a token created at ``now`` with ``ttl`` and ``max_ttl`` (seconds or None).

    With ``parent``, the parent must be usable at ``now`` (else :class:`InvalidToken`) and both
    results are capped at the parent's end of life.
    """
    _check_period(ttl, "ttl")
    _check_period(max_ttl, "max_ttl")
    max_expires_at = None if max_ttl is None else now + max_ttl
    parent_end = None
    if parent is not None:
        check_usable(parent, now)
        parent_end = end_of_life(parent)
    max_expires_at = _earliest(max_expires_at, parent_end)
    expires_at = _earliest(None if ttl is None else now + ttl, max_expires_at)
    return Expiry(expires_at, max_expires_at)


def child_expiry(
    parent: TokenEntry,
    requested_ttl: float | None,
    now: float,
    *,
    requested_max_ttl: float | None = None,
) -> Expiry:
    """Expiry of a child of ``parent``: never later than the parent's end of life."""
    return compute_expiry(now, ttl=requested_ttl, max_ttl=requested_max_ttl, parent=parent)


def new_token_entry(
    *,
    accessor: str,
    token_hash: str,
    principal_id: str | None,
    principal_kind: PrincipalKind,
    namespace: str,
    policies: tuple[str, ...],
    now: float,
    ttl: float | None,
    max_ttl: float | None = None,
    num_uses: int = 0,
    parent: TokenEntry | None = None,
    display_name: str = "",
    meta: Mapping[str, str] | None = None,
) -> TokenEntry:
    """A fresh entry, with expiry computed by :func:`compute_expiry`.

    A child must stay inside its parent's namespace subtree, and an agent's child inside the
    agent's own namespace (:class:`Denied` otherwise). Whether the creator may grant
    ``policies`` is the authorisation stage's decision, not checked here.
    """
    if num_uses < 0:
        raise InvalidRequest("num_uses cannot be negative")
    if parent is not None:
        allowed = (
            namespace == parent.namespace
            if parent.principal_kind == "agent"
            else is_within(namespace, parent.namespace)
        )
        if not allowed:
            raise Denied(
                "a token can only create tokens inside its own namespace",
                hint="create the token from a token of the target namespace or its parent",
            )
    expiry = compute_expiry(now, ttl=ttl, max_ttl=max_ttl, parent=parent)
    return TokenEntry(
        accessor=accessor,
        token_hash=token_hash,
        principal_id=principal_id,
        principal_kind=principal_kind,
        namespace=namespace,
        policies=tuple(policies),
        parent_accessor=None if parent is None else parent.accessor,
        created_at=now,
        expires_at=expiry.expires_at,
        max_expires_at=expiry.max_expires_at,
        ttl=ttl,
        num_uses=num_uses,
        uses_left=num_uses,
        revoked_at=None,
        display_name=display_name,
        meta=meta or {},
    )


def check_usable(entry: TokenEntry | None, now: float) -> TokenEntry:
    """``entry`` if it may be used at ``now``; :class:`InvalidToken` if missing, revoked,
    expired (at or after its end of life) or out of uses."""
    if entry is None or entry.revoked_at is not None:
        raise InvalidToken()
    end = end_of_life(entry)
    if end is not None and now >= end:
        raise InvalidToken()
    if entry.num_uses > 0 and entry.uses_left <= 0:
        raise InvalidToken()
    return entry


def consume_use(entry: TokenEntry) -> TokenEntry:
    """``entry`` with one use taken (unchanged when uses are unlimited).

    Storage must make the decrement atomic (``UPDATE … WHERE uses_left > 0``) so two
    concurrent requests cannot both spend the last use; this is the in-memory rule.
    """
    if entry.num_uses == 0:
        return entry
    if entry.uses_left <= 0:
        raise InvalidToken()
    return dataclasses.replace(entry, uses_left=entry.uses_left - 1)


def renew(entry: TokenEntry, now: float, increment: float | None) -> TokenEntry:
    """``entry`` expiring at ``now + (increment or ttl)``, capped at ``max_expires_at``.

    An unusable token raises :class:`InvalidToken`; a token without a ``ttl`` (never expires,
    or was made not renewable) raises :class:`InvalidRequest`, as does a non-positive
    increment. Renewal may shorten a token's life, as in OpenBao.
    """
    check_usable(entry, now)
    if entry.ttl is None:
        raise InvalidRequest(
            "this token cannot be renewed: it has no TTL",
            hint="create a token with a ttl to make it renewable",
        )
    _check_period(increment, "increment")
    period = entry.ttl if increment is None else increment
    expires_at = _earliest(now + period, entry.max_expires_at)
    return dataclasses.replace(entry, expires_at=expires_at)


def revoke(entry: TokenEntry, now: float) -> TokenEntry:
    """``entry`` revoked at ``now``; revoking twice keeps the first time."""
    if entry.revoked_at is not None:
        return entry
    return dataclasses.replace(entry, revoked_at=now)


def remaining_ttl(entry: TokenEntry, now: float) -> float | None:
    """Seconds left before the token stops working (0 when past); ``None`` if it never ends."""
    end = end_of_life(entry)
    return None if end is None else max(0.0, end - now)
