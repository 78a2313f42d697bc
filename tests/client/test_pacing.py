"""The pacer spaces requests to the learned limit and holds everyone on Retry-After."""

from __future__ import annotations

import asyncio
import itertools

from ss_tui.sessionstudio.pacing import RateLimitPacer, parse_reset


def headers(limit: int, remaining: int, reset: float | str) -> dict[str, str]:
    return {
        "x-ratelimit-limit": str(limit),
        "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-reset": str(reset),
    }


def make(vtime) -> RateLimitPacer:
    return RateLimitPacer(clock=vtime.monotonic, sleep=vtime.sleep, wall=vtime.time)


async def test_spaces_requests_at_the_limit_not_above(vtime):
    pacer = make(vtime)
    await pacer.acquire()  # the probe goes at once
    pacer.observe(headers(limit=10, remaining=9, reset=1))
    sent = []
    for _ in range(20):
        await pacer.acquire()
        sent.append(vtime.now)
    # any one-second window holds at most 10 requests, and we run close to 10/s
    for start in sent:
        assert sum(1 for t in sent if start <= t < start + 1) <= 10
    assert 1.9 < sent[-1] < 2.2


async def test_concurrent_callers_share_one_budget(vtime):
    pacer = make(vtime)
    await pacer.acquire()
    pacer.observe(headers(limit=5, remaining=4, reset=1))
    times: list[float] = [0.0]  # the probe

    async def one() -> None:
        await pacer.acquire()
        times.append(vtime.now)

    await asyncio.gather(*(one() for _ in range(10)))
    # eleven requests at 5/s need two seconds, whichever task sends them
    assert max(times) >= 2.0
    for start in times:
        assert sum(1 for t in times if start <= t < start + 1) <= 5


async def test_spent_window_waits_for_the_refill(vtime):
    pacer = make(vtime)
    await pacer.acquire()
    pacer.observe(headers(limit=100, remaining=0, reset=30))  # someone else used it up
    await pacer.acquire()
    assert vtime.now >= 29  # reset is whole seconds, rounded up


async def test_small_remaining_budget_is_spread_over_the_window(vtime):
    pacer = make(vtime)
    await pacer.acquire()
    pacer.observe(headers(limit=600, remaining=4, reset="40.0"))  # fractional: precise
    sent = []
    for _ in range(4):
        await pacer.acquire()
        sent.append(vtime.now)
    assert sent[1] - sent[0] >= 9.9  # 4 requests over 40 s, not a burst


async def test_only_one_probe_until_the_budget_is_known(vtime):
    pacer = make(vtime)
    await pacer.acquire()
    waiting = asyncio.ensure_future(pacer.acquire())
    await asyncio.sleep(0.01)
    assert not waiting.done()  # a second request waits for the probe's answer
    pacer.observe(headers(limit=100, remaining=99, reset=60))
    await asyncio.wait_for(waiting, 1)


async def test_failed_probe_hands_over_to_the_next_caller(vtime):
    pacer = make(vtime)
    await pacer.acquire()
    waiting = asyncio.ensure_future(pacer.acquire())
    await asyncio.sleep(0.01)
    assert not waiting.done()
    pacer.observed_nothing()  # e.g. a connection error
    await asyncio.wait_for(waiting, 1)


async def test_retry_after_pauses_every_request(vtime):
    pacer = make(vtime)
    await pacer.acquire()
    pacer.observe(headers(limit=100, remaining=50, reset=30))
    pacer.pause(5)
    assert pacer.budget().paused_for_s == 5
    await asyncio.gather(*(pacer.acquire() for _ in range(3)))
    assert vtime.now >= 5


async def test_no_headers_means_no_pacing(vtime):
    pacer = make(vtime)
    await pacer.acquire()
    pacer.observe({})
    await asyncio.gather(*(pacer.acquire() for _ in range(50)))
    assert vtime.now == 0


def test_reset_header_as_delta_or_unix_time():
    assert parse_reset("12", now_wall=1_780_000_000) == 12
    assert parse_reset("1780000030", now_wall=1_780_000_000) == 30
    assert parse_reset("soon", now_wall=0) is None


async def test_a_429_widens_the_margin_but_stays_near_the_limit(vtime):
    pacer = make(vtime)
    await pacer.acquire()
    pacer.observe(headers(limit=50, remaining=49, reset=1))
    steady = pacer.interval_s
    pacer.pause(1.0, over_limit=True)  # jitter beat the margin once
    widened = pacer.interval_s
    assert widened > steady  # fewer requests per window from now on
    for _ in range(10):  # however many overflows, pacing stays within 10 % of the limit
        pacer.pause(1.0, over_limit=True)
    assert pacer.interval_s <= 1 / 50 * 1.10 + 1e-9
    pacer.pause(1.0)  # a plain Retry-After (e.g. a 503) is not a pacing mistake
    assert pacer.interval_s == 1 / 50 * 1.10


class _ServerClock:
    def __init__(self) -> None:
        self.at = 0.0

    def time(self) -> float:
        return self.at


async def test_a_window_opened_late_is_not_overfilled(vtime):
    """The server's fixed window starts when a request arrives. When the request opening a
    window arrives late (a busy server or network), requests sent on time afterwards would
    put one more than the limit into that window: the pacer must see from the headers that
    the window is spent and wait until it surely ended, not send at the steady pace."""
    from ss_tui.simulator.ratelimit import RateLimiter

    server = _ServerClock()
    limiter = RateLimiter(10, 1.0, server)  # type: ignore[arg-type]
    pacer = make(vtime)
    rejected, opens, start = 0, 0, float("-inf")
    for _ in range(60):
        number = await pacer.acquire()
        late = vtime.now >= start + 1  # this request opens the next window …
        server.at = vtime.now + (0.12 if late else 0.0)  # … and arrives 120 ms late
        state = limiter.hit("t")
        if late:
            opens, start = opens + 1, server.at
        vtime.now = max(vtime.now, server.at)  # its answer comes back on arrival
        pacer.observe({k.lower(): v for k, v in state.headers().items()}, number)
        if not state.allowed:
            rejected += 1
            pacer.pause(state.reset_s, over_limit=True)
    assert opens >= 5  # the scenario happened, window after window
    assert rejected == 0
    assert vtime.now < 60 / 10 * 1.15  # still at the limit's pace


class _SlidingWindow:
    """A server that allows ``limit`` requests in any ``window`` seconds (a sliding log): the
    strictest alignment a server can choose, so what spacing alone must respect."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.arrivals: list[float] = []

    def hit(self, at: float) -> bool:
        recent = [t for t in self.arrivals if at - self.window < t <= at]
        if len(recent) >= self.limit:
            return False
        self.arrivals.append(at)
        return True


async def _paced_run(vtime, pacer: RateLimitPacer, requests: int, stalls: dict[int, float]):
    """``requests`` sequential requests; before request ``i`` in ``stalls`` nothing runs for
    that long (a busy machine: the caller is woken that much late). Returns send times."""
    await pacer.acquire()  # the probe
    pacer.observe(headers(limit=10, remaining=9, reset=1))
    sent = [0.0]
    for i in range(1, requests):
        if i in stalls:
            vtime.now += stalls[i]
        await pacer.acquire()
        sent.append(vtime.now)
    return sent


async def test_slots_lost_to_a_stall_are_caught_up(vtime):
    """A caller woken late (the process was not scheduled) does not lose its slots for good:
    they are caught up at twice the pace at most, so a stall costs less than its length."""
    pacer = make(vtime)
    sent = await _paced_run(vtime, pacer, 30, {5: 0.5})
    steady = 29 * pacer.interval_s  # the last request's time had nothing stalled
    assert sent[-1] < steady + 0.5 - 0.3  # most of the 0.5 s stall was made up
    gaps = [b - a for a, b in itertools.pairwise(sent[1:])]
    assert min(gaps) >= pacer.interval_s * 0.5 - 1e-9  # never faster than twice the pace


async def test_catching_up_never_overfills_a_sliding_window(vtime):
    """However long the stall, catching up keeps to ``limit`` requests within ``limit``
    intervals: a server counting any window of its length (sliding) rejects none."""
    for stall in (0.3, 0.9, 1.5, 4.0):
        vt = type(vtime)()
        pacer = make(vt)
        sent = await _paced_run(vt, pacer, 60, {7: stall, 30: stall})
        server = _SlidingWindow(10, 1.0)
        assert all(server.hit(t) for t in sent), f"a {stall} s stall overfilled a window"


async def test_a_late_window_is_not_overfilled_after_a_stall(vtime):
    """The fixed window that starts when a request arrives, with late openers (as above)
    and the client stalled now and then: catching up must not put limit + 1 in a window."""
    from ss_tui.simulator.ratelimit import RateLimiter

    server = _ServerClock()
    limiter = RateLimiter(10, 1.0, server)  # type: ignore[arg-type]
    pacer = make(vtime)
    rejected, start = 0, float("-inf")
    for i in range(80):
        if i % 13 == 5:
            vtime.now += 0.35  # the client was not scheduled for a while
        number = await pacer.acquire()
        late = vtime.now >= start + 1
        server.at = vtime.now + (0.12 if late else 0.0)
        state = limiter.hit("t")
        if late:
            start = server.at
        vtime.now = max(vtime.now, server.at)
        pacer.observe({k.lower(): v for k, v in state.headers().items()}, number)
        if not state.allowed:
            rejected += 1
            pacer.pause(state.reset_s, over_limit=True)
    assert rejected == 0


async def test_a_late_answer_from_the_last_window_does_not_stop_the_new_one(vtime):
    """Answers come back out of order. The last window's final answer (nothing remaining)
    arriving after the new window's first must not make the pacer think the new window is
    spent: that held every request for a whole window (seen at 50/s on a busy machine)."""
    pacer = make(vtime)
    await pacer.acquire()  # request 0 opens window 1
    pacer.observe(headers(limit=10, remaining=9, reset=1), 0)
    for _ in range(9):  # requests 1-9, their answers still on the way
        await pacer.acquire()
    vtime.now = 1.05  # window 1 is over
    opener = await pacer.acquire()  # request 10 opens window 2 …
    pacer.observe(headers(limit=10, remaining=9, reset=1), opener)
    pacer.observe(headers(limit=10, remaining=0, reset=1), opener - 1)  # … then 9's answer
    await pacer.acquire()
    assert vtime.now < 1.05 + 0.5  # the steady pace, not the end of window 2 (2.05)
