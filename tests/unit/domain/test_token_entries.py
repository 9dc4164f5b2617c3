"""Token entries and their lifecycle: use counts, expiry, renewal, children, revocation."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from credgate.domain.tokens import (
    Expiry,
    TokenEntry,
    check_usable,
    child_expiry,
    compute_expiry,
    consume_use,
    new_token_entry,
    remaining_ttl,
    renew,
    revoke,
)
from credgate.errors import Denied, InvalidRequest, InvalidToken

NOW = 1_000_000.0
HASH = "ab" * 32


def make(**overrides: Any) -> TokenEntry:
    values: dict[str, Any] = {
        "accessor": "acc_" + "a" * 22,
        "token_hash": HASH,
        "principal_id": "op-1",
        "principal_kind": "operator",
        "namespace": "acme/",
        "policies": ("admin",),
        "parent_accessor": None,
        "created_at": NOW,
        "expires_at": NOW + 3600,
        "max_expires_at": NOW + 86400,
        "ttl": 3600.0,
        "num_uses": 0,
        "uses_left": 0,
        "revoked_at": None,
        "display_name": "alice",
        "meta": {"ticket": "OPS-1"},
    }
    values.update(overrides)
    return TokenEntry(**values)


def issue(parent: TokenEntry | None = None, **overrides: Any) -> TokenEntry:
    values: dict[str, Any] = {
        "accessor": "acc_" + "b" * 22,
        "token_hash": "cd" * 32,
        "principal_id": "agent-1",
        "principal_kind": "agent",
        "namespace": "acme/",
        "policies": ("read-dev",),
        "now": NOW,
        "ttl": 600.0,
        "parent": parent,
    }
    values.update(overrides)
    return new_token_entry(**values)


# -- the entry itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"principal_kind": "robot"}, "principal kind"),
        ({"principal_kind": "agent", "principal_id": None}, "must name its principal"),
        ({"namespace": "acme"}, "canonical namespace"),
        ({"namespace": "../"}, "canonical namespace"),
        ({"num_uses": 2, "uses_left": 3}, "uses_left"),
        ({"num_uses": -1}, "uses_left"),
        ({"ttl": 0.0}, "ttl must be positive"),
    ],
)
def test_entry_refuses_inconsistent_fields(overrides: dict[str, Any], message: str) -> None:
    """A corrupt or hand-built row cannot become a token that storage or the API trusts."""
    with pytest.raises(ValueError, match=message):
        make(**overrides)


def test_entry_repr_is_boring() -> None:
    """Logging an entry shows neither the full hash nor metadata values."""
    text = repr(make())
    assert HASH not in text
    assert "abababab…" in text
    assert "OPS-1" not in text
    assert "ticket" in text
    assert "acme/" in text


def test_entry_is_immutable_including_meta() -> None:
    """Code holding an entry cannot quietly change what was stored."""
    entry = make(policies=["a", "b"])
    assert entry.policies == ("a", "b")
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.namespace = ""  # type: ignore[misc]
    with pytest.raises(TypeError):
        entry.meta["ticket"] = "x"  # type: ignore[index]


# -- usability -------------------------------------------------------------------------------


def test_usable_token_passes() -> None:
    """A live token is accepted up to the last instant before it expires."""
    entry = make()
    assert check_usable(entry, NOW) is entry
    assert check_usable(entry, NOW + 3599.999) is entry


@pytest.mark.parametrize(
    ("entry", "now"),
    [
        pytest.param(None, NOW, id="unknown"),
        pytest.param(make(revoked_at=NOW - 1), NOW, id="revoked"),
        pytest.param(make(), NOW + 3600, id="expired-exactly"),
        pytest.param(make(), NOW + 10**6, id="expired-long-ago"),
        pytest.param(make(expires_at=NOW + 99999, max_expires_at=NOW + 10), NOW + 10, id="max"),
        pytest.param(make(num_uses=3, uses_left=0), NOW, id="used-up"),
    ],
)
def test_unusable_tokens_raise_invalid_token(entry: TokenEntry | None, now: float) -> None:
    """Missing, revoked, expired and used-up tokens are refused with the opaque error."""
    with pytest.raises(InvalidToken):
        check_usable(entry, now)


def test_token_without_expiry_never_expires() -> None:
    """A token made with no TTL keeps working (the root operator token)."""
    entry = make(expires_at=None, max_expires_at=None, ttl=None)
    assert check_usable(entry, NOW + 10**9) is entry
    assert remaining_ttl(entry, NOW) is None


def test_consume_use_counts_down_to_refusal() -> None:
    """A three-use token serves exactly three requests."""
    entry = make(num_uses=3, uses_left=3)
    for expected in (2, 1, 0):
        entry = consume_use(check_usable(entry, NOW))
        assert entry.uses_left == expected
    with pytest.raises(InvalidToken):
        check_usable(entry, NOW)
    with pytest.raises(InvalidToken):
        consume_use(entry)


def test_consume_use_leaves_unlimited_tokens_alone() -> None:
    """Tokens without a use limit are not charged."""
    entry = make()
    assert consume_use(entry) is entry


# -- renewal ---------------------------------------------------------------------------------


def test_renew_extends_by_the_ttl_from_now() -> None:
    """Renewing without an increment gives the token its TTL again, counted from now."""
    renewed = renew(make(), NOW + 3000, None)
    assert renewed.expires_at == NOW + 3000 + 3600


def test_renew_with_an_increment_uses_it() -> None:
    """An explicit increment sets the new lifetime, even a shorter one."""
    assert renew(make(), NOW + 100, 60.0).expires_at == NOW + 160


def test_renew_is_capped_at_max_expiry() -> None:
    """No renewal pushes a token past its hard limit."""
    entry = make(max_expires_at=NOW + 4000)
    assert renew(entry, NOW + 3000, 10_000.0).expires_at == NOW + 4000


def test_renew_refuses_a_token_without_ttl() -> None:
    """Asking to renew a non-renewable token is a clear request error, not a silent no-op."""
    with pytest.raises(InvalidRequest, match="cannot be renewed"):
        renew(make(ttl=None, expires_at=None, max_expires_at=None), NOW, None)


@pytest.mark.parametrize("increment", [0.0, -5.0, float("nan"), float("inf")])
def test_renew_refuses_a_bad_increment(increment: float) -> None:
    """A zero, negative or non-finite increment is refused instead of expiring the token."""
    with pytest.raises(InvalidRequest, match="increment"):
        renew(make(), NOW, increment)


@pytest.mark.parametrize(
    "entry", [make(revoked_at=NOW), make(expires_at=NOW - 1)], ids=["revoked", "expired"]
)
def test_renew_cannot_revive_a_dead_token(entry: TokenEntry) -> None:
    """Revoked and expired tokens stay dead."""
    with pytest.raises(InvalidToken):
        renew(entry, NOW, None)


# -- creation and children -------------------------------------------------------------------


def test_compute_expiry_applies_ttl_and_max_ttl() -> None:
    """TTL sets the expiry, max TTL the hard limit, and the expiry never exceeds the limit."""
    assert compute_expiry(NOW, ttl=None) == Expiry(None, None)
    assert compute_expiry(NOW, ttl=60.0) == Expiry(NOW + 60, None)
    assert compute_expiry(NOW, ttl=60.0, max_ttl=600.0) == Expiry(NOW + 60, NOW + 600)
    assert compute_expiry(NOW, ttl=900.0, max_ttl=600.0) == Expiry(NOW + 600, NOW + 600)
    assert compute_expiry(NOW, ttl=None, max_ttl=600.0) == Expiry(NOW + 600, NOW + 600)


def test_child_never_outlives_its_parent() -> None:
    """A child asking for a day from a parent with an hour left gets at most the hour."""
    parent = make(expires_at=NOW + 3600, max_expires_at=NOW + 86400)
    assert child_expiry(parent, 86400.0, NOW) == Expiry(NOW + 3600, NOW + 3600)
    assert child_expiry(parent, 60.0, NOW) == Expiry(NOW + 60, NOW + 3600)
    assert child_expiry(parent, None, NOW) == Expiry(NOW + 3600, NOW + 3600)


def test_child_of_an_eternal_parent_keeps_its_own_limits() -> None:
    """A root token's children expire when they asked to, not never."""
    parent = make(expires_at=None, max_expires_at=None, ttl=None)
    assert child_expiry(parent, 60.0, NOW, requested_max_ttl=120.0) == Expiry(NOW + 60, NOW + 120)


def test_renewing_a_child_cannot_pass_the_parent() -> None:
    """Even renewed, a child dies no later than its parent did when the child was made."""
    parent = make(expires_at=NOW + 3600)
    child = issue(parent, ttl=600.0)
    renewed = renew(child, NOW + 500, 10_000.0)
    assert renewed.expires_at == NOW + 3600


def test_child_of_a_dead_parent_is_refused() -> None:
    """An expired or revoked token cannot mint new tokens."""
    with pytest.raises(InvalidToken):
        child_expiry(make(expires_at=NOW - 1), 60.0, NOW)
    with pytest.raises(InvalidToken):
        issue(make(revoked_at=NOW - 1))


def test_new_token_entry_fills_lifecycle_fields() -> None:
    """A new token starts unrevoked, with all its uses and a link to its parent."""
    parent = make()
    child = issue(parent, num_uses=5, meta={"why": "ci"}, display_name="ci-bot")
    assert child.parent_accessor == parent.accessor
    assert (child.num_uses, child.uses_left, child.revoked_at) == (5, 5, None)
    assert child.created_at == NOW
    assert child.ttl == 600.0
    assert child.expires_at == NOW + 600
    assert child.max_expires_at == parent.expires_at
    assert dict(child.meta) == {"why": "ci"}
    assert child.display_name == "ci-bot"


@pytest.mark.parametrize(
    ("parent", "namespace"),
    [
        pytest.param(make(namespace="acme/"), "globex/", id="operator-sideways"),
        pytest.param(make(namespace="acme/team-a/"), "acme/", id="operator-up"),
        pytest.param(
            make(namespace="acme/", principal_kind="agent", principal_id="a"),
            "acme/sub/",
            id="agent-down",
        ),
    ],
)
def test_child_tokens_stay_inside_the_parent_namespace(parent: TokenEntry, namespace: str) -> None:
    """No token can create a token for a namespace it could not act in itself."""
    with pytest.raises(Denied):
        issue(parent, namespace=namespace)


def test_operator_can_issue_tokens_below_its_namespace() -> None:
    """An operator of acme/ may issue an agent token for acme/team-a/."""
    child = issue(make(namespace="acme/"), namespace="acme/team-a/")
    assert child.namespace == "acme/team-a/"


def test_new_token_entry_refuses_bad_numbers() -> None:
    """Negative use counts and non-positive TTLs are request errors."""
    with pytest.raises(InvalidRequest):
        issue(num_uses=-1)
    with pytest.raises(InvalidRequest, match="ttl"):
        issue(ttl=0.0)
    with pytest.raises(InvalidRequest, match="max_ttl"):
        issue(max_ttl=-1.0)


# -- revocation ------------------------------------------------------------------------------


def test_revoke_is_final_and_keeps_the_first_time() -> None:
    """A revoked token stays revoked, and the audit-relevant time is when it first happened."""
    once = revoke(make(), NOW + 5)
    twice = revoke(once, NOW + 50)
    assert twice.revoked_at == NOW + 5
    with pytest.raises(InvalidToken):
        check_usable(twice, NOW + 6)


def test_remaining_ttl_counts_down_to_zero() -> None:
    """lookup-self shows the seconds left, never a negative number."""
    entry = make()
    assert remaining_ttl(entry, NOW + 600) == 3000
    assert remaining_ttl(entry, NOW + 99999) == 0
