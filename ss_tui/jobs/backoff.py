"""Retry delays for failed jobs (issue 7): 5 s doubling to 5 min; rate-limited failures
30 s doubling to 15 min; ±20 % jitter so workers that failed together don't retry together."""

from __future__ import annotations

import random

BASE_S = 5.0
CAP_S = 300.0
RATE_LIMITED_BASE_S = 30.0
RATE_LIMITED_CAP_S = 900.0
JITTER = 0.2


def nominal_delay(attempt: int, *, rate_limited: bool = False) -> float:
    """The delay before retry number ``attempt`` (1 = after the first failure), no jitter."""
    base, cap = (RATE_LIMITED_BASE_S, RATE_LIMITED_CAP_S) if rate_limited else (BASE_S, CAP_S)
    return min(cap, base * 2 ** max(0, attempt - 1))


def retry_delay(
    attempt: int, *, rate_limited: bool = False, rng: random.Random | None = None
) -> float:
    nominal = nominal_delay(attempt, rate_limited=rate_limited)
    spread = (rng or random).uniform(-JITTER, JITTER)
    return nominal * (1 + spread)
