"""``create_app(config)``: the Starlette application serving the contract under ``/v1``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount

from ss_tui.simulator import admin_routes, api_routes, oauth_routes
from ss_tui.simulator.clock import Clock
from ss_tui.simulator.config import SimulatorConfig
from ss_tui.simulator.core import Simulator
from ss_tui.simulator.http import problem
from ss_tui.simulator.lookups import lookup_mounts

API_PREFIX = "/v1"


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    titles = {404: "Not Found", 405: "Method Not Allowed"}
    return problem(
        exc.status_code,
        titles.get(exc.status_code, "Error"),
        exc.detail,
        instance=request.url.path,
        headers=getattr(exc, "headers", None),
    )


def create_app(
    config: SimulatorConfig | None = None,
    *,
    clock: Clock | None = None,
    simulator: Simulator | None = None,
) -> Starlette:
    sim = simulator or Simulator(config, clock=clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        sim.closing.clear()
        task = asyncio.create_task(sim.webhooks.run())
        try:
            yield
        finally:
            sim.closing.set()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = Starlette(
        routes=[
            Mount(API_PREFIX, routes=[*oauth_routes.routes, *api_routes.routes]),
            Mount("/_sim", routes=admin_routes.routes),
            *lookup_mounts(sim),  # link-discovery stand-ins (MusicBrainz, Deezer, iTunes)
        ],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.simulator = sim
    return app
