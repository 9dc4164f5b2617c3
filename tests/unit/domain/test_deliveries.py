"""Delivery schedule and state machine: backoff bounds, when a delivery dies, legal moves."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credgate.domain.deliveries import (
    DEAD,
    DELIVERED,
    DELIVERING,
    PENDING,
    AttemptResult,
    RetryPolicy,
    after_attempt,
    check_redeliver,
    check_transition,
    next_attempt,
)
from credgate.errors import Conflict, InvalidRequest

NOW = 1_800_000_000.0


def test_nominal_delays_double_then_hit_the_cap() -> None:
    """Retries come after 1, 2, 4... seconds and never more than ten minutes apart."""
    policy = RetryPolicy()
    assert [policy.nominal_delay(n) for n in range(1, 6)] == [1, 2, 4, 8, 16]
    assert policy.nominal_delay(10) == 512
    assert policy.nominal_delay(11) == 600
    assert policy.nominal_delay(500) == 600


@given(
    attempt=st.integers(min_value=1, max_value=2000),
    fraction=st.floats(min_value=0.0, max_value=1.0),
    base=st.floats(min_value=0.01, max_value=60.0),
)
def test_backoff_stays_within_half_and_full_nominal_delay(
    attempt: int, fraction: float, base: float
) -> None:
    """Jitter spreads retries but never below half the delay nor above the cap."""
    policy = RetryPolicy(base=base, cap=600.0)
    d = policy.nominal_delay(attempt)
    at = next_attempt(attempt, NOW, jitter=lambda: fraction, policy=policy)
    assert NOW + d / 2 - 1e-6 <= at <= NOW + d + 1e-6
    assert at - NOW <= 600.0 + 1e-6


def test_jitter_outside_unit_interval_is_a_bug() -> None:
    """A broken jitter source is caught instead of scheduling retries in the past."""
    with pytest.raises(ValueError, match="jitter"):
        next_attempt(1, NOW, jitter=lambda: -0.5)


def test_attempts_are_numbered_from_one() -> None:
    """Attempt 0 is a programming error, not a zero delay."""
    with pytest.raises(ValueError, match="from 1"):
        next_attempt(0, NOW, jitter=lambda: 0.0)


@pytest.mark.parametrize(
    ("base", "cap", "max_attempts"), [(0, 1, 3), (5, 1, 3), (1, 10, 0), (1, 10, 1001)]
)
def test_bad_retry_policies_are_refused(base: float, cap: float, max_attempts: int) -> None:
    """A configuration that would retry instantly, backwards or forever is refused."""
    with pytest.raises(InvalidRequest):
        RetryPolicy(base=base, cap=cap, max_attempts=max_attempts)


def test_default_policy_retries_for_about_one_to_two_hours() -> None:
    """The documented retry window: 19 waits between 20 attempts, 53.5 to 107 minutes."""
    policy = RetryPolicy()
    waits = [policy.nominal_delay(n) for n in range(1, policy.max_attempts)]
    assert len(waits) == 19
    assert sum(waits) == 6423  # with jitter: 3211.5 s to 6423 s


@pytest.mark.parametrize("code", [200, 201, 202, 204, 299])
def test_any_2xx_is_delivered(code: int) -> None:
    """A receiver that accepts with any 2xx is not sent the notification again."""
    t = after_attempt(AttemptResult(status_code=code), 1, NOW, jitter=lambda: 0.0)
    assert (t.status, t.delivered_at, t.next_at) == (DELIVERED, NOW, None)


@pytest.mark.parametrize(
    "result",
    [
        AttemptResult(status_code=500, error="HTTP 500"),
        AttemptResult(status_code=404, error="HTTP 404"),
        AttemptResult(status_code=302, error="redirect refused (HTTP 302)"),
        AttemptResult(error="could not connect (ConnectError)"),
    ],
    ids=["500", "404", "302", "down"],
)
def test_failures_are_retried_with_backoff(result: AttemptResult) -> None:
    """A failing receiver gets the delivery again later, not immediately and not never."""
    t = after_attempt(result, 3, NOW, jitter=lambda: 1.0, policy=RetryPolicy(max_attempts=5))
    assert t.status == PENDING
    assert t.next_at == NOW + 4.0


def test_last_attempt_failure_is_dead() -> None:
    """After max_attempts the delivery stops retrying and shows as dead in the log."""
    t = after_attempt(
        AttemptResult(status_code=500),
        5,
        NOW,
        jitter=lambda: 0.0,
        policy=RetryPolicy(max_attempts=5),
    )
    assert (t.status, t.next_at) == (DEAD, None)


def test_gone_is_dead_at_once() -> None:
    """410 Gone means the receiver was removed: no point retrying for an hour."""
    t = after_attempt(AttemptResult(status_code=410, error="HTTP 410"), 1, NOW, jitter=lambda: 0.0)
    assert t.status == DEAD


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (PENDING, DELIVERING),
        (DELIVERING, DELIVERED),
        (DELIVERING, PENDING),
        (DELIVERING, DEAD),
        (DEAD, PENDING),
        (DELIVERED, PENDING),
    ],
)
def test_allowed_transitions(current: str, new: str) -> None:
    """Claims, outcomes and an operator's redeliver are legal moves."""
    check_transition(current, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [(DELIVERING, DELIVERING), (DEAD, DELIVERED), (DELIVERED, DEAD), (PENDING, DELIVERED)],
)
def test_forbidden_transitions(current: str, new: str) -> None:
    """A delivery in flight cannot be redelivered, and nothing skips the sending step."""
    with pytest.raises(Conflict):
        check_transition(current, new)


def test_unknown_status_is_refused() -> None:
    """A corrupted status is reported, not treated as some default."""
    with pytest.raises(InvalidRequest):
        check_transition("lost", PENDING)


@pytest.mark.parametrize("status", [PENDING, DELIVERED, DEAD])
def test_operator_may_redeliver_unless_in_flight(status: str) -> None:
    """Dead, delivered and waiting deliveries can be queued again by an operator."""
    check_redeliver(status)


def test_redeliver_in_flight_is_a_conflict() -> None:
    """A delivery being sent cannot be queued again, or two instances could send it at once."""
    with pytest.raises(Conflict, match="being sent"):
        check_redeliver(DELIVERING)
