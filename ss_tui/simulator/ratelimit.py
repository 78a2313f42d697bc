"""Per-token fixed-window rate limiting with the X-RateLimit-* headers."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ss_tui.simulator.clock import Clock


@dataclass(frozen=True, slots=True)
class RateState:
    limit: int
    remaining: int
    reset_s: int  # whole seconds until the window resets (X-RateLimit-Reset is delta-seconds)
    allowed: bool

    def headers(self) -> dict[str, str]:
        out = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_s),
        }
        if not self.allowed:
            out["Retry-After"] = str(self.reset_s)
        return out


class RateLimiter:
    def __init__(self, limit: int, window_s: float, clock: Clock) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._windows: dict[str, list[float]] = {}  # key -> [window start, count]

    def hit(self, key: str) -> RateState:
        now = self.clock.time()
        window = self._windows.get(key)
        if window is None or now >= window[0] + self.window_s:
            window = [now, 0]
            self._windows[key] = window
        allowed = window[1] < self.limit
        if allowed:
            window[1] += 1
        reset = max(1, math.ceil(window[0] + self.window_s - now))
        return RateState(self.limit, int(self.limit - window[1]), reset, allowed)
