"""Steps a front end gives the pipeline instead of the pipeline importing them.

Link discovery sits above the engine (docs/architecture.md, "Layers"): the engine only knows
this shape, and whoever builds an ``ImportService`` (CLI, dashboard, worker) passes
``ss_tui.discovery.discovery_step`` in. Without one, a run asked to discover links records
that the step is not available here instead of failing.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.config import Settings
from ss_tui.values import JSONObject


class LinkDiscovery(Protocol):
    """The discoverCrossLinks step: find and store links on other services for the releases
    a run wrote; lookup failures are sync errors, never raised. Returns the run's counts."""

    async def __call__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        release_ids: Sequence[uuid.UUID | str],
        providers: Sequence[str] | None,
        *,
        http: httpx.AsyncClient | None,
        # Discovery's own events travel on the run's sink too; the engine cannot name them.
        sink: Callable[[Any], Awaitable[None]],
        run_id: uuid.UUID | None,
        connection_id: uuid.UUID | None,
        cancel: asyncio.Event | None,
    ) -> JSONObject: ...
