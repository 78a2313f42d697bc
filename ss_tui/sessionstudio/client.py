"""The Session Studio API client (docs/session-studio-api.yaml).

One shared ``httpx.AsyncClient``; typed methods for every endpoint; cursor pages as
async iterators with lenient per-item parsing; pacing from ``X-RateLimit-*`` shared by
all concurrent requests; ``Retry-After`` pauses everyone; transient failures retried
with jittered exponential backoff (tenacity); a circuit breaker; ETag revalidation;
metrics for the UI. Every failure surfaces as a typed :mod:`errors` exception.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import random
import ssl
import time
from collections import Counter, OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from ss_tui.heap import collector_paused
from ss_tui.sessionstudio.auth import TokenManager
from ss_tui.sessionstudio.breaker import CircuitBreaker
from ss_tui.sessionstudio.errors import (
    AuthError,
    CircuitOpenError,
    ConflictError,
    InvalidItem,
    InvalidRequest,
    ItemValidationProblem,
    NotFound,
    RateLimitedError,
    ReconnectNeeded,
    TransientError,
    problem_from_response,
)
from ss_tui.sessionstudio.events import ApiWaiting, CircuitStateChanged, RateLimited
from ss_tui.sessionstudio.models import Account, Artist, Project, Track
from ss_tui.sessionstudio.pacing import RateLimitPacer
from ss_tui.sessionstudio.redaction import install_log_redaction
from ss_tui.values import JSONObject

log = logging.getLogger(__name__)

ProjectResult = Project | ItemValidationProblem
TrackResult = Track | ItemValidationProblem
M = TypeVar("M", bound=BaseModel)
Sleep = Callable[[float], Awaitable[None]]
ApiEvent = ApiWaiting | CircuitStateChanged | RateLimited
# Told of each event; may return an awaitable, which is awaited.
EventCallback = Callable[[ApiEvent], object]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Jittered exponential backoff: base * factor^(n-1), ±jitter, capped."""

    attempts: int = 3
    base_s: float = 1.0
    factor: float = 2.0
    jitter: float = 0.2
    cap_s: float = 10.0

    def delay(self, retry_number: int, rng: random.Random | None = None) -> float:
        rng = rng or random.Random()
        raw = min(self.cap_s, self.base_s * self.factor ** (retry_number - 1))
        return min(self.cap_s, raw * (1 + rng.uniform(-self.jitter, self.jitter)))


@dataclass(slots=True)
class ClientMetrics:
    requests: int = 0  # HTTP requests sent (every attempt, every replay)
    retries: int = 0
    rate_limited: int = 0  # 429 answers
    not_modified: int = 0  # 304 answers served from the ETag cache
    failures: int = 0  # attempts that failed: timeouts, connection errors, 5xx, garbage
    token_refreshes: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    latency_total_s: float = 0.0
    latency_max_s: float = 0.0
    _recent: deque[float] = field(default_factory=lambda: deque(maxlen=512))
    rate_limit: int | None = None
    rate_remaining: int | None = None
    rate_reset_at: datetime | None = None
    paused_for_s: float = 0.0
    breaker_state: str = "closed"

    def record_latency(self, seconds: float) -> None:
        self.latency_total_s += seconds
        self.latency_max_s = max(self.latency_max_s, seconds)
        self._recent.append(seconds)

    def latency_percentile(self, pct: float) -> float | None:
        if not self._recent:
            return None
        ordered = sorted(self._recent)
        return ordered[min(len(ordered) - 1, int(pct / 100 * len(ordered)))]

    def snapshot(self) -> JSONObject:
        answered = sum(self.by_status.values())
        return {
            "requests": self.requests,
            "retries": self.retries,
            "rate_limited": self.rate_limited,
            "not_modified": self.not_modified,
            "failures": self.failures,
            "token_refreshes": self.token_refreshes,
            "by_status": dict(self.by_status),
            "latency_avg_ms": (self.latency_total_s / answered * 1000) if answered else None,
            "latency_p50_ms": _ms(self.latency_percentile(50)),
            "latency_p95_ms": _ms(self.latency_percentile(95)),
            "latency_max_ms": self.latency_max_s * 1000 if answered else None,
            "rate_limit": self.rate_limit,
            "rate_remaining": self.rate_remaining,
            "rate_reset_at": self.rate_reset_at.isoformat() if self.rate_reset_at else None,
            "paused_for_s": self.paused_for_s,
            "breaker_state": self.breaker_state,
        }


@dataclass(slots=True)
class ProjectPage:
    results: list[ProjectResult]  # parsed projects and problems, in page order
    raw: list[Any]  # the items exactly as received (for snapshots)
    cursor: str | None  # the cursor that fetched this page (None: the first)
    next_cursor: str | None  # None: this was the last page


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def _tls_for(base_url: str) -> ssl.SSLContext | bool:
    """Certificate checks as httpx does them for an https:// API. A plain http:// one (the
    simulator on loopback) never opens TLS, redirects are not followed, so it skips loading
    the CA bundle (~20 ms before the first request) with a context that trusts nothing."""
    if base_url.startswith("http://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, with no CA: fails closed
    return True


class SessionStudioClient:
    def __init__(
        self,
        base_url: str,
        token_manager: TokenManager,
        *,
        http: httpx.AsyncClient | None = None,
        max_concurrency: int = 8,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        pacer: RateLimitPacer | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        on_event: EventCallback | None = None,
        etag_cache_size: int = 1024,
        rng: random.Random | None = None,
    ) -> None:
        install_log_redaction()  # defence in depth: no log record can carry a token
        self.base_url = base_url.rstrip("/")
        self.tokens = token_manager
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(
            timeout=timeout,
            limits=httpx.Limits(
                max_connections=max_concurrency, max_keepalive_connections=max_concurrency
            ),
            verify=_tls_for(self.base_url),
        )
        self._sem = asyncio.Semaphore(max_concurrency)
        self._pending_events: list[ApiEvent] = []
        self.breaker = breaker or CircuitBreaker(clock=clock)
        self.breaker.on_change = self._breaker_changed  # the client reports its transitions
        self.pacer = pacer or RateLimitPacer(clock=clock, sleep=sleep, wall=wall)
        self.on_event = on_event
        self.metrics = ClientMetrics()
        self._etags: OrderedDict[str, tuple[str, Any]] = OrderedDict()
        self._etag_cache_size = etag_cache_size
        self._last_budget_event = float("-inf")
        self._waiting = False  # an ApiWaiting was announced: say when answers flow again

    def __repr__(self) -> str:
        return f"SessionStudioClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> SessionStudioClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()
        if self.tokens.oauth is not None:
            await self.tokens.oauth.aclose()  # only closes an HTTP client it made itself

    # -- endpoints ----------------------------------------------------------------------
    async def me(self) -> Account:
        return Account.model_validate(await self._get("/me"))

    async def iter_projects(
        self,
        updated_since: datetime | str | None = None,
        status: str | None = None,
        include_tracks: bool = True,
        limit: int = 100,
    ) -> AsyncIterator[ProjectResult]:
        """Every project, page by page. A malformed project is yielded as an
        :class:`ItemValidationProblem`; a malformed track inside a good project is yielded
        (after its project, which keeps its good tracks) as a problem with ``parent_id``."""
        async for page in self.iter_project_pages(
            updated_since=updated_since, status=status, include_tracks=include_tracks, limit=limit
        ):
            for result in page.results:
                yield result

    async def iter_project_pages(
        self,
        updated_since: datetime | str | None = None,
        status: str | None = None,
        include_tracks: bool = True,
        limit: int = 100,
        cursor: str | None = None,
    ) -> AsyncIterator[ProjectPage]:
        """Pages of projects, each with the cursor that fetches the page *after* it, so a
        caller can resume exactly where a failed run stopped (pass ``cursor=``)."""
        params: dict[str, str | int] = {"limit": limit}
        if updated_since is not None:
            params["updatedSince"] = (
                updated_since.isoformat() if isinstance(updated_since, datetime) else updated_since
            )
        if status is not None:
            params["status"] = status
        if include_tracks:
            params["include"] = "tracks"
        async for items, next_cursor in self._pages("/projects", params, cursor):
            results = parse_page(items)
            yield ProjectPage(results=results, raw=items, cursor=cursor, next_cursor=next_cursor)
            cursor = next_cursor

    async def get_project(self, project_id: str) -> Project:
        results = parse_project(await self._get(f"/projects/{project_id}"))
        head = results[0]
        if isinstance(head, ItemValidationProblem):
            raise _invalid(head)
        return head

    async def get_project_lenient(self, project_id: str) -> list[ProjectResult]:
        """The project plus problems for any malformed tracks (nothing raised for them)."""
        return parse_project(await self._get(f"/projects/{project_id}"))

    async def project_tracks(self, project_id: str) -> list[TrackResult]:
        body = await self._get(f"/projects/{project_id}/tracks")
        items = body.get("data", []) if isinstance(body, dict) else body
        return [parse_item(Track, "track", item, parent_id=project_id) for item in items or []]

    async def get_track(self, track_id: str) -> Track:
        result = parse_item(Track, "track", await self._get(f"/tracks/{track_id}"))
        if isinstance(result, ItemValidationProblem):
            raise _invalid(result)
        return result

    async def search_artists(self, q: str, limit: int | None = None) -> list[Artist]:
        return self._strict_list(Artist, "artist", await self._get("/search/artists",
                                                                     _q(q, limit)))

    async def search_tracks(self, q: str, limit: int | None = None) -> list[Track]:
        return self._strict_list(Track, "track", await self._get("/search/tracks", _q(q, limit)))

    @staticmethod
    def _strict_list(model: type[M], entity: str, body: Any) -> list[M]:
        items = body.get("data", []) if isinstance(body, dict) else body
        out = []
        for item in items or []:
            parsed = parse_item(model, entity, item)
            if isinstance(parsed, ItemValidationProblem):
                log.warning("Skipping a malformed %s in search results: %s", entity, parsed.message)
                continue
            out.append(parsed)
        return out

    async def _pages(
        self, path: str, params: dict[str, str | int], cursor: str | None = None
    ) -> AsyncIterator[tuple[list[Any], str | None]]:
        while True:
            query = dict(params)
            if cursor:
                query["cursor"] = cursor
            body = await self._get(path, query)
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise TransientError(f"Session Studio sent a page of {path} without a data list.")
            cursor = body.get("nextCursor") if body.get("hasMore") else None
            yield body["data"], cursor
            if not cursor:
                return

    # -- the request pipeline -----------------------------------------------------------
    async def _get(self, path: str, params: dict[str, str | int] | None = None) -> Any:
        url = f"{self.base_url}{path}"
        if params:
            url = f"{url}?{urlencode(sorted(params.items()))}"
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.retry.attempts),
            retry=retry_if_exception(_retryable),
            wait=self._backoff,
            sleep=self._retry_sleep,
            before_sleep=self._count_retry,
            reraise=True,
        )
        self.breaker.before_call()
        await self._flush_events()
        try:
            body: Any = await retrying(self._attempt, url)  # parsed JSON (the wire edge)
        except BaseException as exc:
            if _retryable(exc) and not isinstance(exc, RateLimitedError):
                self.breaker.record_failure()  # a call that failed despite its retries
            else:
                self.breaker.record_neutral()  # 404, auth, cancelled…: says nothing on health
            self._sync_breaker_metric()
            await self._flush_events()
            raise
        self.breaker.record_success()
        self._sync_breaker_metric()
        if self._waiting:
            self._announce("resumed", 0.0, "Session Studio is answering again.")
        await self._flush_events()
        return body

    def _backoff(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimitedError):
            return 0.0  # the pacer holds every request until Retry-After has passed
        return self.retry.delay(state.attempt_number, self._rng)

    def _count_retry(self, state: RetryCallState) -> None:
        self.metrics.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        log.info("Retrying after %s (attempt %d)", type(exc).__name__, state.attempt_number)
        delay = state.next_action.sleep if state.next_action else 0.0
        if delay > 0 and not isinstance(exc, RateLimitedError):  # a 429 announced its own wait
            what = getattr(exc, "message", None) or type(exc).__name__
            self._announce(
                "retrying", delay,
                f"{what} Retrying in {delay:.0f} s (attempt {state.attempt_number + 1} of "
                f"{self.retry.attempts}).",
            )

    async def _retry_sleep(self, seconds: float) -> None:
        await self._flush_events()  # the wait shows while it lasts, not after
        await self._sleep(seconds)

    def _announce(self, reason: str, seconds: float, message: str) -> None:
        self._waiting = reason != "resumed"
        self._pending_events.append(ApiWaiting(reason=reason, seconds=seconds, message=message))

    async def _attempt(self, url: str) -> Any:
        async with self._sem:
            number = await self.pacer.acquire()
            try:
                token = await self.tokens.access_token()
            except BaseException:
                self.pacer.observed_nothing()  # a probe that never went out must hand over
                raise
            resp = await self._send(url, token, number)
            if resp.status_code == 401:
                # Expired or revoked access token: refresh once (shared), then replay once.
                refreshed = await self.tokens.handle_unauthorized(token)
                self.metrics.token_refreshes = self.tokens.refreshes
                number = await self.pacer.acquire()
                resp = await self._send(url, refreshed, number)
                if resp.status_code == 401:
                    raise ReconnectNeeded(
                        "Session Studio rejected a freshly refreshed access token.",
                        http_status=401,
                        problem=_json_or_none(resp),
                    )
        return await self._handle(url, resp)

    async def _send(self, url: str, token: str, number: int | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        cached = self._etags.get(url)
        if cached is not None:
            headers["If-None-Match"] = cached[0]
        self.metrics.requests += 1
        started = self._clock()
        try:
            async with asyncio.timeout(self.timeout):  # also bounds in-process transports
                resp = await self._http.get(url, headers=headers)
                await resp.aread()
        except (TimeoutError, httpx.TimeoutException) as exc:
            self.metrics.failures += 1
            self.pacer.observed_nothing()
            raise TransientError(
                f"Session Studio did not answer within {self.timeout:g} s ({_path(url)})."
            ) from exc
        except httpx.TransportError as exc:
            self.metrics.failures += 1
            self.pacer.observed_nothing()
            raise TransientError(
                f"Connection to Session Studio failed ({type(exc).__name__}) for {_path(url)}."
            ) from exc
        except BaseException:  # cancelled mid-request
            self.pacer.observed_nothing()
            raise
        self.metrics.record_latency(self._clock() - started)
        self.metrics.by_status[resp.status_code] += 1
        self.pacer.observe(resp.headers, number)
        await self._budget_event()
        return resp

    async def _handle(self, url: str, resp: httpx.Response) -> Any:
        status = resp.status_code
        path = _path(url)
        if status == 304:
            cached = self._etags.get(url)
            if cached is None:
                raise TransientError(f"Session Studio answered 304 for {path} with nothing cached.")
            self.metrics.not_modified += 1
            self._etags.move_to_end(url)
            return cached[1]
        if 200 <= status < 300:
            try:
                body = decode_body(resp.content)
            except ValueError as exc:
                self.metrics.failures += 1
                raise TransientError(
                    f"Session Studio sent a malformed JSON body for {path}.", http_status=status
                ) from exc
            etag = resp.headers.get("etag")
            if etag:
                self._remember(url, etag, body)
            return body
        problem = problem_from_response(_json_or_none(resp))
        detail = _problem_text(problem)
        if status == 429:
            self.metrics.rate_limited += 1
            retry_after = _retry_after(resp.headers.get("retry-after"))
            self.pacer.pause(retry_after, over_limit=True)
            self._announce(
                "rate_limited", retry_after,
                f"Session Studio's rate limit: every request waits {retry_after:g} s "
                "(Retry-After).",
            )
            await self._budget_event(force=True)
            raise RateLimitedError(
                f"Session Studio rate limit reached; pausing all requests for {retry_after:g} s.",
                retry_after=retry_after, http_status=status, problem=problem,
            )
        if status >= 500:
            self.metrics.failures += 1
            raise TransientError(
                f"Session Studio failed with HTTP {status} for {path}{detail}.",
                http_status=status, problem=problem,
            )
        if status == 404:
            raise NotFound(f"Not found in Session Studio: {path}{detail}.", http_status=status,
                           problem=problem)
        if status == 403:
            raise AuthError(
                f"The connected account may not read {path}{detail} (missing scope?).",
                http_status=status, problem=problem,
                suggested_action="Reconnect and grant the requested scopes.",
            )
        if status == 409:
            raise ConflictError(f"Conflict at {path}{detail}.", http_status=status, problem=problem)
        raise InvalidRequest(
            f"Session Studio rejected the request for {path} (HTTP {status}){detail}.",
            http_status=status, problem=problem,
        )

    def _remember(self, url: str, etag: str, body: Any) -> None:
        self._etags[url] = (etag, body)
        self._etags.move_to_end(url)
        while len(self._etags) > self._etag_cache_size:
            self._etags.popitem(last=False)

    # -- events -------------------------------------------------------------------------
    def _breaker_changed(self, state: str) -> None:
        self.metrics.breaker_state = state
        log.warning("Session Studio circuit breaker is now %s", state)
        self._pending_events.append(CircuitStateChanged(state=state))
        if state == "open":
            self._announce(
                "circuit_open", self.breaker.recovery_s,
                f"Session Studio kept failing: calls paused for {self.breaker.recovery_s:g} s "
                "(circuit breaker open).",
            )

    def _sync_breaker_metric(self) -> None:
        self.metrics.breaker_state = self.breaker.state

    async def _budget_event(self, force: bool = False) -> None:
        budget = self.pacer.budget()
        m = self.metrics
        m.rate_limit, m.rate_remaining = budget.limit, budget.remaining
        m.rate_reset_at, m.paused_for_s = budget.reset_at, budget.paused_for_s
        now = self._clock()
        if self.on_event is None or (not force and now - self._last_budget_event < 0.5):
            return
        self._last_budget_event = now
        self._pending_events.append(
            RateLimited(
                remaining=budget.remaining, limit=budget.limit, reset_at=budget.reset_at,
                paused_for_s=budget.paused_for_s,
            )
        )
        await self._flush_events()

    async def _flush_events(self) -> None:
        if not self._pending_events:
            return
        events, self._pending_events = self._pending_events, []
        if self.on_event is None:
            return
        for event in events:
            try:
                result = self.on_event(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:  # a broken sink must not break fetching
                log.exception("on_event callback failed")


# -- parsing --------------------------------------------------------------------------
def decode_body(content: bytes) -> Any:
    """A response body's JSON value; raises ValueError when it is no JSON. A listing page is
    ~150,000 containers: with the collector paused its decode + parse take half the CPU
    (ss_tui/heap.py; bench/README.md, "decode7 round")."""
    with collector_paused():
        return json.loads(content)


def _errors(exc: ValidationError) -> list[str]:
    return [
        f"{'.'.join(str(p) for p in err['loc']) or '(item)'}: {err['msg']}"
        for err in exc.errors(include_url=False, include_input=False)
    ]


def parse_item(
    model: type[M], entity: str, item: Any, *, parent_id: str | None = None
) -> M | ItemValidationProblem:
    try:
        return model.model_validate(item)
    except ValidationError as exc:
        return ItemValidationProblem(
            entity=entity,
            external_id=_item_id(item),
            payload=item,
            errors=_errors(exc),
            parent_id=parent_id,
        )


def parse_project(item: Any) -> list[ProjectResult]:
    """A project and its tracks, each judged on its own: bad tracks don't sink the project."""
    if not isinstance(item, dict) or not isinstance(item.get("tracks"), list):
        return [parse_item(Project, "project", item)]
    shell = {k: v for k, v in item.items() if k != "tracks"}
    project = parse_item(Project, "project", shell)
    if isinstance(project, ItemValidationProblem):
        project.payload = item  # keep the whole raw item, tracks included
        return [project]
    tracks: list[Track] = []
    problems: list[ProjectResult] = []
    for raw in item["tracks"]:
        parsed = parse_item(Track, "track", raw, parent_id=project.id)
        if isinstance(parsed, ItemValidationProblem):
            problems.append(parsed)
        else:
            tracks.append(parsed)
    project.tracks = tracks
    return [project, *problems]


def parse_page(items: list[Any]) -> list[ProjectResult]:
    """A listing page's projects and problems, in order (:func:`parse_project` each). A page
    is ~15,000 small objects: the collector is paused meanwhile (ss_tui/heap.py)."""
    with collector_paused():
        return [result for item in items for result in parse_project(item)]


def _item_id(item: Any) -> str | None:
    if isinstance(item, dict) and isinstance(item.get("id"), str | int):
        return str(item["id"])
    return None


def _invalid(problem: ItemValidationProblem) -> InvalidItem:
    return InvalidItem(problem)


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, TransientError) and not isinstance(exc, CircuitOpenError)


def _retry_after(value: str | None) -> float:
    if not value:
        return 1.0
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
        except (TypeError, ValueError):
            return 1.0


def _json_or_none(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None


def _problem_text(problem: JSONObject | None) -> str:
    if not problem:
        return ""
    text = problem.get("detail") or problem.get("title") or problem.get("error_description")
    return f": {text}" if text else ""


def _path(url: str) -> str:
    return httpx.URL(url).path


def _q(q: str, limit: int | None) -> dict[str, str | int]:
    return {"q": q} if limit is None else {"q": q, "limit": limit}
