"""Webhook deliveries: the retry schedule and the state machine of one delivery.

A delivery is one notification on its way to one webhook. Its life::

    pending ──claim──> delivering ──2xx──────────────> delivered
       ^                   │ ──failure, attempts left──> pending (next_at = backoff)
       │                   │ ──failure, none left, 410─> dead
       │                   └──lease expired (crash)────> pending (or dead)
       └───────────── redeliver (operator) <─────────── dead | delivered

Backoff is exponential with "equal jitter": before attempt ``n + 1`` the delay is drawn from
``[d/2, d]`` where ``d = min(cap, base * 2**(n-1))``, so retries spread out (no thundering herd
after an outage) yet never come sooner than half the nominal delay.

What counts as success: any 2xx. ``410 Gone`` means the receiver says the endpoint is gone for
good: the delivery is dead at once. Everything else (other 4xx, 5xx, 3xx since redirects are
refused, timeouts, refused connections) is retried until ``max_attempts``; a 404 is often a
receiver that is being redeployed, so it gets the same patience as a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from credgate.errors import Conflict, InvalidRequest

__all__ = [
    "DEAD",
    "DELIVERED",
    "DELIVERING",
    "PENDING",
    "STATUSES",
    "AttemptResult",
    "RetryPolicy",
    "after_attempt",
    "check_redeliver",
    "check_transition",
    "next_attempt",
]

PENDING = "pending"
DELIVERING = "delivering"
DELIVERED = "delivered"
DEAD = "dead"
STATUSES = (PENDING, DELIVERING, DELIVERED, DEAD)

_TRANSITIONS = {
    PENDING: frozenset({DELIVERING, PENDING}),  # claim; redeliver now
    DELIVERING: frozenset({DELIVERED, PENDING, DEAD}),
    DELIVERED: frozenset({PENDING}),  # redeliver
    DEAD: frozenset({PENDING}),  # redeliver
}

DEFAULT_BASE = 1.0
DEFAULT_CAP = 600.0
DEFAULT_MAX_ATTEMPTS = 20


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often a failing delivery is retried.

    With the defaults (1 s doubling, capped at 10 minutes, 20 attempts) the 19 waits add up to
    6,423 s nominal, so a delivery is retried for 53.5 to 107 minutes (jitter) before it is dead.
    """

    base: float = DEFAULT_BASE
    cap: float = DEFAULT_CAP
    max_attempts: int = DEFAULT_MAX_ATTEMPTS

    def __post_init__(self) -> None:
        if not 0 < self.base <= self.cap:
            raise InvalidRequest("the retry base must be positive and at most the cap")
        if not 1 <= self.max_attempts <= 1000:
            raise InvalidRequest("max_attempts must be between 1 and 1000")

    def nominal_delay(self, attempt: int) -> float:
        """The delay after failed attempt number ``attempt`` (1-based), before jitter."""
        if attempt < 1:
            raise ValueError("attempts are numbered from 1")
        # Exponent bounded so the float never overflows, whatever max_attempts is.
        return min(self.cap, self.base * 2.0 ** min(attempt - 1, 64))


def next_attempt(
    attempt: int,
    now: float,
    *,
    jitter: Callable[[], float],
    policy: RetryPolicy | None = None,
) -> float:
    """When to try again after failed attempt ``attempt``: ``now + delay``.

    ``jitter`` returns a float in ``[0, 1)`` (``random.random`` in production, a constant in
    tests); the delay is ``d/2 + jitter() * d/2`` with ``d`` the nominal delay.
    """
    d = (policy or RetryPolicy()).nominal_delay(attempt)
    fraction = jitter()
    if not 0.0 <= fraction <= 1.0:
        raise ValueError("jitter must return a number in [0, 1]")
    return now + d / 2 + fraction * d / 2


@dataclass(frozen=True)
class AttemptResult:
    """What one HTTP attempt produced: a status code, or an error description (no body)."""

    status_code: int | None = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def permanent(self) -> bool:
        """The receiver said the endpoint is gone for good (410)."""
        return self.status_code == 410


@dataclass(frozen=True)
class Transition:
    status: str
    next_at: float | None
    delivered_at: float | None = None


def after_attempt(
    result: AttemptResult,
    attempts: int,
    now: float,
    *,
    jitter: Callable[[], float],
    policy: RetryPolicy | None = None,
) -> Transition:
    """The state a delivery moves to after attempt number ``attempts`` ended with ``result``."""
    policy = policy or RetryPolicy()
    if result.succeeded:
        return Transition(DELIVERED, None, delivered_at=now)
    if result.permanent or attempts >= policy.max_attempts:
        return Transition(DEAD, None)
    return Transition(PENDING, next_attempt(attempts, now, jitter=jitter, policy=policy))


def check_transition(current: str, new: str) -> None:
    """Raise :class:`Conflict` unless a delivery in ``current`` may move to ``new``."""
    if current not in _TRANSITIONS:
        raise InvalidRequest(f"unknown delivery status {current!r}")
    if new not in _TRANSITIONS[current]:
        raise Conflict(f"a {current} delivery cannot become {new}")


def check_redeliver(current: str) -> None:
    """Raise :class:`Conflict` when an operator may not queue a delivery again.

    A delivery being sent right now cannot be: queueing it would let a second instance send
    it while the first is still waiting for the receiver's answer.
    """
    check_transition(current, PENDING)
    if current == DELIVERING:
        raise Conflict(
            "the delivery is being sent right now",
            hint="wait for the attempt to finish, then redeliver",
        )
