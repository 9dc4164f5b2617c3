"""Writing down an elevation's end by itself: expire_elevation."""

from __future__ import annotations

import pytest

from credgate.domain.elevations import (
    Elevation,
    ElevationProfile,
    ElevationRequest,
    ElevationStatus,
    activate_elevation,
    approve_elevation,
    expire_elevation,
    request_elevation,
)
from credgate.errors import Conflict

NOW = 1_800_000_000.0
PROFILE = ElevationProfile("ops", ("ops-extra",), max_ttl=3600)


def _pending() -> Elevation:
    request = ElevationRequest("agt_1", PROFILE, "incident 42", 600)
    return request_elevation(request, elevation_id="elv_1", namespace="", now=NOW, approval_ttl=900)


def _active() -> Elevation:
    approved = approve_elevation(_pending(), "opr_1", "operator", NOW + 1)
    return activate_elevation(approved, "agt_1", "acc_child", None, NOW + 2)


def test_an_active_elevation_ends_at_its_tokens_expiry() -> None:
    """The recorded end is the token's deadline, by the system, not the moment of the sweep."""
    active = _active()
    ended = expire_elevation(active, NOW + 5000)
    assert ended.status is ElevationStatus.EXPIRED
    assert (ended.ended_at, ended.ended_by) == (NOW + 602, "system")
    assert ended.to_dict(NOW + 5000)["end_reason"] == "its time ran out"


def test_a_request_nobody_approved_in_time_ends_at_its_window() -> None:
    """A pending request past its approval window is recorded expired at the window's end."""
    ended = expire_elevation(_pending(), NOW + 901)
    assert (ended.status, ended.ended_at) == (ElevationStatus.EXPIRED, NOW + 900)


def test_nothing_is_recorded_before_the_end_or_twice() -> None:
    """A running elevation cannot be marked expired, and an end is recorded only once."""
    active = _active()
    with pytest.raises(Conflict):
        expire_elevation(active, NOW + 601)
    ended = expire_elevation(active, NOW + 602)
    with pytest.raises(Conflict):
        expire_elevation(ended, NOW + 700)
