"""Retry delays for failed jobs: 5 s doubling to 5 min; rate-limited failures
30 s doubling to 15 min; ±20 % jitter so workers that failed together don't retry together.

The arithmetic is the Session Studio client's :class:`RetryPolicy` (jittered, capped
exponential backoff), with the job queue's own bases and caps.
"""

from __future__ import annotations

import random
from dataclasses import replace

from ss_tui.sessionstudio.client import RetryPolicy

BASE_S = 5.0
CAP_S = 300.0
RATE_LIMITED_BASE_S = 30.0
RATE_LIMITED_CAP_S = 900.0
JITTER = 0.2

# ``attempts`` is unused here: a job's attempts are counted in its row (max_attempts).
POLICY = RetryPolicy(base_s=BASE_S, cap_s=CAP_S, jitter=JITTER)
RATE_LIMITED_POLICY = RetryPolicy(base_s=RATE_LIMITED_BASE_S, cap_s=RATE_LIMITED_CAP_S,
                                  jitter=JITTER)


def _policy(rate_limited: bool) -> RetryPolicy:
    return RATE_LIMITED_POLICY if rate_limited else POLICY


def nominal_delay(attempt: int, *, rate_limited: bool = False) -> float:
    """The delay before retry number ``attempt`` (1 = after the first failure), no jitter."""
    return replace(_policy(rate_limited), jitter=0.0).delay(max(1, attempt))


def retry_delay(
    attempt: int, *, rate_limited: bool = False, rng: random.Random | None = None
) -> float:
    """``nominal_delay`` ± the jitter, never above the cap."""
    return _policy(rate_limited).delay(max(1, attempt), rng)
