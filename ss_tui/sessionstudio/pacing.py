"""Client-side pacing from ``X-RateLimit-*`` headers, shared by all concurrent requests.

Rather than bursting until a 429, the pacer learns the limit ``L`` per window ``W`` from
the headers and spaces requests ``W/L`` apart (plus a small margin for network jitter):
requests spaced like that never put more than ``L`` into any window of length ``W``,
however the server aligns its windows (fixed from the first hit, clock-aligned, or
sliding). If the budget left is smaller than that steady pace assumes (someone else
uses the same token), what remains is spread over the time left. Until the first
response has told us the budget only one request is in flight (a probe).
``Retry-After`` pauses everyone.

``X-RateLimit-Reset`` is usually whole seconds (rounded up), so the window length is
taken as the largest reset seen and the time left is only trusted to within a second.

Spacing alone is not enough against a fixed window that starts when a request *arrives*:
if the request opening a window arrives late (a busy server or network) and the next ones
on time, the window holds one more than the limit. So the pacer also notes when a window
surely ends (the answer that opened it, ``remaining = limit - 1``, came back at ``t``:
it ends by ``t + window``), and once the headers say that window is spent, the next
request waits for that end instead of going at the steady pace.

Slots lost while nobody could send (the event loop or the whole process not scheduled on a
busy machine, a slow probe) are not lost for good: the steady schedule may lag the clock by
up to one window, and lagging slots go at twice the pace at most (``CATCH_UP``), never in
one burst (a burst is what overfills a window that started late). What keeps catching up
within the limit is the rule behind steady spacing itself, checked on what was really sent:
no ``limit + 1`` requests within ``limit`` intervals (``W * (1 + margin)``), so a sliding
window sees no more than steady spacing would give it.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# Pace this much under the limit so latency jitter cannot push two requests' arrival
# into the same window slot.
SAFETY_MARGIN = 0.02
# After a 429 the jitter was evidently larger than the margin: widen it (doubling plus a
# step), but never past this, so pacing stays within 10 % of the limit.
MAX_SAFETY_MARGIN = 0.10
# Slots lost to a late wake-up (a busy event loop or machine) are caught up at most at
# twice the pace, never in one burst: a burst is what overfills a window that started late.
CATCH_UP = 0.5


@dataclass(frozen=True, slots=True)
class Budget:
    limit: int | None
    remaining: int | None
    reset_at: datetime | None  # wall-clock time the window refills (to within a second)
    paused_for_s: float = 0.0


def parse_reset(value: str, now_wall: float) -> float | None:
    """Seconds until the window resets: accepts delta seconds or a Unix timestamp."""
    try:
        number = float(value)
    except ValueError:
        return None
    if number > 1e9:  # an absolute Unix time
        return max(0.0, number - now_wall)
    return max(0.0, number)


class RateLimitPacer:
    def __init__(
        self,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        wall: Clock = time.time,
        safety_margin: float = SAFETY_MARGIN,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._wall = wall
        self._margin = safety_margin
        self._lock = asyncio.Lock()
        self.limit: int | None = None
        self.window_s: float | None = None  # largest reset seen: the window length
        self._remaining: int | None = None  # from the latest header …
        self._header_request = -1  # … the answer to this request (the newest answered)
        self._sent_since_header = 0  # … minus what we sent after it
        self._reset_at: float | None = None  # upper bound, on our clock
        self._reset_slack = 1.0  # how early the window may really refill
        self._next_slot: float = float("-inf")
        self._last_slot: float = float("-inf")
        self._paused_until: float = float("-inf")
        self._window_end: float = float("-inf")  # the current window surely ends by then
        self._released_since_header = 0  # requests actually sent after the latest header
        self._last_release: float = float("-inf")
        self._recent: deque[float] = deque()  # when the latest ``limit`` requests went
        self._released = 0  # requests sent so far (their numbers: 0, 1, …)
        self._opener: int | None = None  # the request that opened the current window
        self._known = False  # have we seen a response (with or without headers)?
        self._probing = False
        self._learned = asyncio.Event()
        self.sent = 0

    @property
    def interval_s(self) -> float:
        """The steady spacing between requests (0 when the server sets no limit)."""
        if not self.limit or not self.window_s:
            return 0.0
        return self.window_s / self.limit * (1 + self._margin)

    # -- before a request ---------------------------------------------------------------
    async def acquire(self) -> int:
        """Wait for this request's turn under the shared budget. Returns the request's
        number, to hand to :meth:`observe` with its answer."""
        while not self._known:
            if not self._probing:
                self._probing = True
                self._take(self._clock())
                return self._release()  # the probe: it goes now, the rest await its answer
            await self._learned.wait()
        async with self._lock:
            slot = self._reserve_slot()
        while True:
            now = self._clock()
            wait = max(slot, self._paused_until, self._spent_until(now), self._log_full_until(),
                       self._last_release + self.interval_s * CATCH_UP) - now
            if wait <= 0:
                break
            await self._sleep(wait)
        return self._release()

    def _release(self) -> int:
        self._last_release = self._clock()
        self._recent.append(self._last_release)
        while len(self._recent) > (self.limit or 1):
            self._recent.popleft()
        self._released_since_header += 1
        self._released += 1
        return self._released - 1

    def _log_full_until(self) -> float:
        """Until when sending now would put ``limit + 1`` requests within ``limit`` steady
        intervals (one window plus the margin): the bound steady spacing keeps, held on the
        real send times, so catching up lost slots never sends faster than it allows."""
        if not self.limit or len(self._recent) < self.limit:
            return float("-inf")
        return self._recent[-self.limit] + self.limit * self.interval_s

    def _spent_until(self, now: float) -> float:
        """When the current window is spent, the time it surely ends; otherwise no wait.
        Spent: ``limit`` requests sent since the one that opened it (they arrive after it),
        or the latest header's ``remaining`` used up by the requests sent since."""
        if self._window_end <= now:
            return float("-inf")
        if self._opener is not None and self.limit and self._released - self._opener >= self.limit:
            return self._window_end
        if self._remaining is not None and self._remaining - self._released_since_header <= 0:
            return self._window_end
        return float("-inf")

    def _reserve_slot(self) -> float:
        now = self._clock()
        # Slots lost to a late wake-up are kept (up to one window behind the clock) and
        # caught up at CATCH_UP; the interval may have been learned after the probe's slot.
        behind = now - (self.limit or 0) * self.interval_s
        slot = max(behind, self._paused_until, self._next_slot, self._last_slot + self.interval_s)
        remaining = self._remaining_estimate()
        if remaining is not None and self._reset_at is not None:
            # The earliest the window can refill (a whole-second reset is rounded up).
            refill = self._reset_at - self._reset_slack
            if remaining <= 0:
                slot = max(slot, refill)  # this window is spent: wait for the refill
            else:
                # Spread what is left over the time surely left in the window.
                spread = max(0.0, refill - slot) / remaining
                self._next_slot = max(self._next_slot, slot + spread)
        self._take(slot)
        return slot

    def _take(self, slot: float) -> None:
        self._last_slot = slot
        self._next_slot = max(self._next_slot, slot + self.interval_s)
        self._sent_since_header += 1
        self.sent += 1

    def _remaining_estimate(self) -> int | None:
        if self._remaining is None:
            return None
        if self._reset_at is not None and self._clock() >= self._reset_at:
            return None  # the window we heard about is over
        return self._remaining - self._sent_since_header

    # -- after a response ---------------------------------------------------------------
    def observe(self, headers: Mapping[str, str], request: int | None = None) -> None:
        """Learn the budget from a response's headers (``request``: the number
        :meth:`acquire` gave the request answered)."""
        limit = _int(headers.get("x-ratelimit-limit"))
        remaining = _int(headers.get("x-ratelimit-remaining"))
        reset_raw = headers.get("x-ratelimit-reset")
        reset_in = parse_reset(reset_raw, self._wall()) if reset_raw is not None else None
        if limit is not None and limit > 0:
            self.limit = limit
        if reset_in is not None:
            self.window_s = max(self.window_s or 0.0, reset_in)
        if remaining is not None and reset_in is not None:
            newer_opener = request is None or self._opener is None or request > self._opener
            if self.limit is not None and remaining == self.limit - 1 and self.window_s and (
                newer_opener
            ):
                # This answer's request opened a window: it started before now.
                self._window_end = self._clock() + self.window_s
                self._opener = request
            # Answers come back out of order: one to a request sent before the newest answered
            # one may speak of a window already over (``remaining = 0`` of the last window
            # would call the new one spent, and everyone would wait a whole window for nothing).
            if request is None or request >= self._header_request:
                self._header_request = request if request is not None else self._header_request
                self._remaining = remaining
                self._sent_since_header = 0
                self._released_since_header = 0
                self._reset_at = self._clock() + reset_in
                self._reset_slack = 1.0 if _whole_seconds(reset_raw) else 0.0
        self._mark_known()

    def observed_nothing(self) -> None:
        """The request failed without a response: let the next caller probe instead."""
        if not self._known:
            self._probing = False
            self._wake()

    def pause(self, seconds: float, *, over_limit: bool = False) -> None:
        """``Retry-After``: nobody sends anything for ``seconds``. ``over_limit`` (a 429)
        also widens the safety margin, so one overflow does not become a pattern."""
        self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))
        if over_limit:
            self._margin = min(MAX_SAFETY_MARGIN, self._margin * 2 + 0.02)
        self._mark_known()

    def _mark_known(self) -> None:
        if not self._known:
            self._known = True
            self._probing = False
            self._wake()

    def _wake(self) -> None:
        self._learned.set()
        self._learned = asyncio.Event()

    # -- for the UI ---------------------------------------------------------------------
    def budget(self) -> Budget:
        now = self._clock()
        reset_at = None
        if self._reset_at is not None:
            reset_at = datetime.fromtimestamp(self._wall() + (self._reset_at - now), UTC)
        remaining = self._remaining_estimate()
        if remaining is None and self._remaining is not None:
            remaining = self.limit  # the window we heard about has refilled
        return Budget(
            limit=self.limit,
            remaining=max(remaining, 0) if remaining is not None else None,
            reset_at=reset_at,
            paused_for_s=max(0.0, self._paused_until - now),
        )


def _whole_seconds(value: str | None) -> bool:
    return value is not None and value.strip().isdigit()


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None
