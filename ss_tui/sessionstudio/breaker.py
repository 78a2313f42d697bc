"""A circuit breaker so a failing Session Studio is not hammered.

closed → open after ``failure_threshold`` failures within ``window_s``; open → half_open
once ``recovery_s`` have passed (one trial call at a time); half_open → closed after
``success_threshold`` successes in a row, or back to open on any failure.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from ss_tui.sessionstudio.errors import CircuitOpenError

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class CircuitBreaker:
    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        window_s: float = 60.0,
        recovery_s: float = 30.0,
        success_threshold: int = 2,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.window_s = window_s
        self.recovery_s = recovery_s
        self.success_threshold = success_threshold
        self._clock = clock
        self.on_change = on_change
        self._state = CLOSED
        self._failures: deque[float] = deque()
        self._opened_at = 0.0
        self._successes = 0
        self._trial_in_flight = False

    @property
    def state(self) -> str:
        if self._state == OPEN and self._clock() - self._opened_at >= self.recovery_s:
            self._set(HALF_OPEN)
        return self._state

    def before_call(self) -> None:
        """Raise :class:`CircuitOpenError` unless a call may go out now."""
        state = self.state
        if state == OPEN:
            retry_in = self.recovery_s - (self._clock() - self._opened_at)
            raise CircuitOpenError(
                f"Session Studio is failing; calls paused for {math.ceil(retry_in)} s more "
                f"(circuit open after {self.failure_threshold} failures).",
                retry_in=max(0.0, retry_in),
            )
        if state == HALF_OPEN:
            if self._trial_in_flight:
                raise CircuitOpenError(
                    "Session Studio is recovering; waiting for a trial call to finish.",
                    retry_in=1.0,
                )
            self._trial_in_flight = True

    def record_success(self) -> None:
        if self._state == HALF_OPEN:
            self._trial_in_flight = False
            self._successes += 1
            if self._successes >= self.success_threshold:
                self._failures.clear()
                self._set(CLOSED)

    def record_failure(self) -> None:
        now = self._clock()
        if self._state == HALF_OPEN:
            self._trial_in_flight = False
            self._open(now)
            return
        if self._state == OPEN:
            return
        self._failures.append(now)
        while self._failures and now - self._failures[0] > self.window_s:
            self._failures.popleft()
        if len(self._failures) >= self.failure_threshold:
            self._open(now)

    def record_neutral(self) -> None:
        """The call ended in a way that says nothing about health (e.g. 404, 429)."""
        if self._state == HALF_OPEN:
            self._trial_in_flight = False

    def _open(self, now: float) -> None:
        self._opened_at = now
        self._failures.clear()
        self._set(OPEN)

    def _set(self, state: str) -> None:
        if state == self._state:
            return
        self._state = state
        self._successes = 0
        if state != HALF_OPEN:
            self._trial_in_flight = False
        if self.on_change is not None:
            self.on_change(state)
