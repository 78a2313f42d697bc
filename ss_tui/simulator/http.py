"""The request pipeline every /v1 endpoint runs through, and response helpers.

Order: latency -> fault decision -> per-token rate limit -> fault -> bearer auth and
scopes -> handler -> ETag/304. Rate-limit headers go on every response.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ss_tui.jsontext import encode
from ss_tui.simulator.core import RequestRecord, Simulator
from ss_tui.simulator.faults import FAULT_HEADER
from ss_tui.simulator.oauth import TokenRecord, TokenRejected, token_key
from ss_tui.values import JSONObject

JSON = "application/json"
PROBLEM = "application/problem+json"
PROBLEM_BASE = "https://api.session.studio/problems/"
REALM = "session-studio"


class ApiError(Exception):
    def __init__(
        self, status: int, title: str, detail: str | None = None, *, slug: str | None = None
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.slug = status, title, detail, slug


class SimulatedConnectionReset(httpx.RemoteProtocolError):
    """Raised mid-response: uvicorn drops the connection; in-process clients see this."""


def dumps(body: Any) -> bytes:
    """Compact UTF-8 JSON: orjson writes a ~2 MB listing page in a tenth of the standard
    library's time, the bulk of serving one (ss_tui/jsontext.py)."""
    return encode(body)


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    slug: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = {
        "type": PROBLEM_BASE + slug if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    return Response(dumps(body), status, headers=headers, media_type=PROBLEM)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    # Weak comparison (RFC 9110 §13.1.2): W/ prefixes do not matter for If-None-Match.
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


class ResetResponse(Response):
    """Starts a response, sends part of the body, then drops the connection."""

    def __init__(self) -> None:
        super().__init__(status_code=200, media_type=JSON)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", JSON.encode()), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"data":[{"id":"', "more_body": True})
        raise SimulatedConnectionReset("simulated connection reset")


@dataclass
class Ctx:
    sim: Simulator
    request: Request
    token: TokenRecord | None = None

    @property
    def account_id(self) -> str:
        assert self.token is not None
        return self.token.account_id

    def has_scope(self, scope: str) -> bool:
        return self.token is not None and scope in self.token.scopes


Handler = Callable[[Ctx], Awaitable[Response | JSONObject | list[Any]]]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def www_authenticate(exc: TokenRejected) -> str:
    if not exc.error:  # no credentials at all: no error code (RFC 6750 §3.1)
        return f'Bearer realm="{REALM}"'
    value = f'Bearer realm="{REALM}", error="{exc.error}", error_description="{exc.description}"'
    if exc.scope:
        value += f', scope="{exc.scope}"'
    return value


async def _hang(sim: Simulator, request: Request, seconds: float) -> None:
    """Stall like an overloaded server; ends early on client disconnect or shutdown."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    disconnected = asyncio.ensure_future(_wait_disconnect(request))
    try:
        while not sim.closing.is_set() and not disconnected.done():
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await asyncio.wait({disconnected}, timeout=min(0.1, remaining))
    finally:
        disconnected.cancel()


async def _wait_disconnect(request: Request) -> None:
    if request.method != "GET":
        await asyncio.Event().wait()  # the body is still needed; rely on the deadline
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def run(
    sim: Simulator,
    request: Request,
    handler: Handler,
    *,
    scopes: tuple[str, ...] | None,
    api: bool,
) -> Response:
    stats = sim.stats
    stats.requests += 1
    if api:
        stats.api_requests += 1
    latency = sim.config.latency_ms + sim.faults.config.latency_ms
    if latency > 0:
        await asyncio.sleep(latency / 1000)
    fault = sim.faults.decide(request.headers.get(FAULT_HEADER), api=api)
    token = bearer_token(request)
    record = sim.auth.record(token) if token else None
    client = request.client.host if request.client else "unknown"
    rate = sim.limiter.hit(f"tok:{token_key(token)}" if token else f"ip:{client}")
    headers = rate.headers()
    instance = request.url.path
    response: Response | None = None
    if fault:
        stats.faults[fault] += 1
    try:
        if not rate.allowed:
            response = problem(
                429,
                "Too Many Requests",
                f"Rate limit of {rate.limit} requests per {sim.limiter.window_s:g} s exceeded; "
                f"retry in {rate.reset_s} s.",
                slug="rate-limited",
                instance=instance,
            )
        elif fault in ("500", "502", "503"):
            status = int(fault)
            titles = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
            response = problem(
                status,
                titles[status],
                "Simulated server fault.",
                slug="server-error",
                instance=instance,
            )
        elif fault == "429":
            headers["Retry-After"] = str(sim.faults.config.retry_after_s)
            response = problem(
                429,
                "Too Many Requests",
                "Simulated throttling.",
                slug="rate-limited",
                instance=instance,
            )
        elif fault == "reset":
            response = ResetResponse()
        elif fault == "malformed":
            response = Response(b'{"data": [{"id": "prj_', 200, media_type=JSON)
        elif fault == "timeout":
            await _hang(sim, request, sim.faults.config.hang_s)
        elif fault == "revoke" and token:
            sim.auth.revoke(token)
        elif fault == "revoke_all":
            sim.revoke_all_tokens()
        if response is None:
            ctx = Ctx(sim, request)
            if scopes is not None:
                ctx.token = sim.auth.authenticate(token, scopes)
            result = await handler(ctx)
            response = _finish(sim, request, result)
    except TokenRejected as exc:
        headers["WWW-Authenticate"] = www_authenticate(exc)
        title = "Forbidden" if exc.status == 403 else "Unauthorized"
        response = problem(
            exc.status, title, exc.description, slug=exc.error or "unauthorized", instance=instance
        )
    except ApiError as exc:
        response = problem(exc.status, exc.title, exc.detail, slug=exc.slug, instance=instance)
    if response.status_code == 429:
        stats.rate_limited += 1
    response.headers.update(headers)
    stats.by_status[response.status_code] += 1
    sim.request_log.append(
        RequestRecord(
            request.method,
            request.url.path,
            request.url.query,
            response.status_code,
            record.label if record else None,
            fault,
        )
    )
    return response


def _finish(
    sim: Simulator, request: Request, result: Response | JSONObject | list[Any]
) -> Response:
    if isinstance(result, Response):
        return result
    body = dumps(result)
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if request.method == "GET" and etag_matches(request.headers.get("if-none-match"), etag):
        sim.stats.not_modified += 1
        return Response(status_code=304, headers=headers)
    return Response(body, 200, headers=headers, media_type=JSON)


def endpoint(
    handler: Handler, *, scopes: tuple[str, ...] | None = (), api: bool = True
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler in the pipeline. ``scopes=None``: no bearer token needed (OAuth)."""

    async def route(request: Request) -> Response:
        return await run(request.app.state.simulator, request, handler, scopes=scopes, api=api)

    route.__name__ = handler.__name__
    return route
