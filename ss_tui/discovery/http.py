"""One resilient GET per lookup service, built from the Session Studio client's parts.

Each provider gets its own :class:`RateLimitPacer` (seeded with the service's published
limit and then *not* re-taught by response headers: the services' headers describe a
global budget, not ours; it also holds everyone back after a ``Retry-After``), its own
:class:`CircuitBreaker` and the client's :class:`RetryPolicy` driven by tenacity.
On top of the pacer's slots, the next request never leaves sooner than one interval
after the previous answer arrived: however slow the network, two requests can then never
reach the service closer together than its limit allows (MusicBrainz blocks clients that
go above 1 request/s). Clock and sleep are injectable so tests run
rate limits and backoff on virtual time.

One set of providers is meant to be shared by every lookup a process makes (the limits are
per client): :func:`count_requests` then tells one caller how many requests *it* sent,
whatever other callers send through the same providers at the same time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Collection, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from ss_tui.db.enums import ErrorKind
from ss_tui.discovery.errors import (
    LookupCircuitOpen,
    LookupRateLimited,
    LookupUnavailable,
    ProviderError,
)
from ss_tui.sessionstudio.breaker import CircuitBreaker
from ss_tui.sessionstudio.client import RetryPolicy
from ss_tui.sessionstudio.errors import CircuitOpenError
from ss_tui.sessionstudio.pacing import RateLimitPacer

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# The open request tallies of the current context (see count_requests).
_tallies: ContextVar[tuple[dict[ProviderHttp, int], ...]] = ContextVar(
    "ss_tui_lookup_tallies", default=()
)


@contextlib.contextmanager
def count_requests() -> Iterator[dict[ProviderHttp, int]]:
    """Count the HTTP requests sent inside the block, per :class:`ProviderHttp`.

    The count follows the context (tasks started inside the block included), not the
    provider: two callers sharing providers concurrently each see only their own requests.
    Tallies nest.
    """
    tally: dict[ProviderHttp, int] = {}
    token = _tallies.set((*_tallies.get(), tally))
    try:
        yield tally
    finally:
        _tallies.reset(token)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``requests`` per ``per_s`` seconds, spaced evenly."""

    requests: int
    per_s: float


@dataclass(frozen=True, slots=True)
class Timing:
    """Time sources for one provider (virtual time in tests)."""

    clock: Clock = time.monotonic
    sleep: Sleep = asyncio.sleep
    wall: Clock = time.time


class ProviderHttp:
    def __init__(
        self,
        *,
        service: str,
        base_url: str,
        http: httpx.AsyncClient,
        rate: RateLimit,
        user_agent: str,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        timing: Timing | None = None,
        rate_limited_statuses: Collection[int] = (429,),
        rate_limited_body: Callable[[Any], bool] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self._http = http
        self.rate = rate
        self.user_agent = user_agent
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.timing = timing or Timing()
        self._rate_limited = frozenset(rate_limited_statuses)
        self._rate_limited_body = rate_limited_body  # Deezer signals quota in a 200 body
        self._rng = rng or random.Random()
        self.pacer = RateLimitPacer(
            clock=self.timing.clock, sleep=self.timing.sleep, wall=self.timing.wall
        )
        # Teach the pacer our own fixed budget once, through its public header interface.
        self.pacer.observe({
            "x-ratelimit-limit": str(rate.requests),
            "x-ratelimit-reset": f"{rate.per_s:g}",
        })
        self.breaker = CircuitBreaker(clock=self.timing.clock)
        self.requests = 0
        self._min_gap = rate.per_s / rate.requests
        self._last_answer: float | None = None
        self._send_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"ProviderHttp({self.service!r}, {self.base_url!r})"

    async def get_json(self, path: str, params: dict[str, str] | None = None) -> Any | None:
        """The decoded JSON body, or ``None`` when the service answers 404 (not found)."""
        url = f"{self.base_url}{path}"
        if params:
            url = f"{url}?{urlencode(params)}"
        try:
            self.breaker.before_call()
        except CircuitOpenError as exc:
            raise LookupCircuitOpen(
                f"{self.service} kept failing; lookups paused for {exc.retry_in:.0f} s more."
            ) from None
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.retry.attempts),
            retry=retry_if_exception(lambda e: isinstance(e, LookupUnavailable)),
            wait=self._backoff,
            sleep=self.timing.sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            body: Any = await retrying(self._attempt, url)  # parsed JSON (the wire edge)
        except BaseException as exc:
            if isinstance(exc, LookupUnavailable) and not isinstance(exc, LookupRateLimited):
                self.breaker.record_failure()
            else:
                self.breaker.record_neutral()
            raise
        self.breaker.record_success()
        return body

    def _backoff(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, LookupRateLimited):
            return 0.0  # the pacer already holds every request until Retry-After passed
        return self.retry.delay(state.attempt_number, self._rng)

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.info("%s: retrying after %s (attempt %d)", self.service, exc, state.attempt_number)

    async def _attempt(self, url: str) -> Any | None:
        async with self._send_lock:  # one request in flight per service
            await self.pacer.acquire()
            if self._last_answer is not None:
                while (wait := self._last_answer + self._min_gap - self.timing.clock()) > 0:
                    await self.timing.sleep(wait)
            try:
                return await self._send(url)
            finally:
                self._last_answer = self.timing.clock()

    async def _send(self, url: str) -> Any | None:
        self.requests += 1  # everyone's requests through this provider, since it was built
        for tally in _tallies.get():
            tally[self] = tally.get(self, 0) + 1
        path = httpx.URL(url).path
        try:
            async with asyncio.timeout(self.timeout):
                resp = await self._http.get(
                    url, headers={"User-Agent": self.user_agent, "Accept": "application/json"}
                )
                await resp.aread()
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise LookupUnavailable(
                f"{self.service} did not answer within {self.timeout:g} s ({path})."
            ) from exc
        except httpx.TransportError as exc:
            raise LookupUnavailable(
                f"Connection to {self.service} failed ({type(exc).__name__}) for {path}."
            ) from exc
        return self._handle(resp, path)

    def _handle(self, resp: httpx.Response, path: str) -> Any | None:
        status = resp.status_code
        if status == 404:
            return None
        if status in self._rate_limited or (status == 503 and _mentions_rate(resp)):
            self._over_limit(resp)
        if status >= 500:
            raise LookupUnavailable(
                f"{self.service} failed with HTTP {status} for {path}.", http_status=status
            )
        if status >= 400:
            raise ProviderError(
                f"{self.service} rejected the lookup {path} (HTTP {status}).",
                http_status=status,
                kind=ErrorKind.invalid_data if status == 400 else ErrorKind.internal,
            )
        try:
            body = resp.json()
        except ValueError as exc:
            raise LookupUnavailable(
                f"{self.service} sent a malformed JSON body for {path}.", http_status=status
            ) from exc
        if self._rate_limited_body is not None and self._rate_limited_body(body):
            self._over_limit(resp)
        return body

    def _over_limit(self, resp: httpx.Response) -> None:
        retry_after = _retry_after(resp.headers.get("retry-after"), self.rate.per_s)
        self.pacer.pause(retry_after)  # nobody calls this service until it has passed
        raise LookupRateLimited(
            f"{self.service} rate limit reached (HTTP {resp.status_code}); "
            f"pausing {retry_after:g} s.",
            retry_after=retry_after, http_status=resp.status_code,
        )


def _mentions_rate(resp: httpx.Response) -> bool:
    # MusicBrainz answers 503 both when over its rate limit and when down; its body tells.
    return "rate limit" in resp.text.lower()


def _retry_after(value: str | None, default: float) -> float:
    try:
        return max(0.0, float(value)) if value else default
    except ValueError:
        return default
