"""Offline stand-ins for the link-discovery services, driven by the simulator catalogue.

Mounted on the simulator's root (see :func:`lookup_mounts`):

- ``/musicbrainz/ws/2/isrc/{isrc}``, ``/musicbrainz/ws/2/release?query=barcode:…``
- ``/deezer/track/isrc:{isrc}``, ``/deezer/album/upc:{upc}``
- ``/itunes/lookup?isrc=…|upc=…``

so ``SS_TUI_MUSICBRAINZ_BASE_URL=<root>/musicbrainz/ws/2``, ``SS_TUI_DEEZER_BASE_URL=<root>/deezer``
and ``SS_TUI_ITUNES_BASE_URL=<root>/itunes`` point discovery at them (:func:`standin_urls`).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount

from ss_tui.simulator.core import Simulator
from ss_tui.simulator.lookups.knowledge import SERVICES, Knowledge
from ss_tui.simulator.lookups.routes import deezer_routes, itunes_routes, musicbrainz_routes
from ss_tui.simulator.lookups.standins import LookupRequest, LookupStandins

__all__ = [
    "SERVICES",
    "Knowledge",
    "LookupRequest",
    "LookupStandins",
    "lookup_mounts",
    "standin_urls",
    "standins_of",
]


def _service_app(routes: Sequence[BaseRoute], standins: LookupStandins) -> Starlette:
    app = Starlette(routes=routes)
    app.state.lookups = standins
    return app


def lookup_mounts(sim: Simulator, standins: LookupStandins | None = None) -> list[BaseRoute]:
    """Routes for the simulator's root: one small app per service, sharing one state."""
    standins = standins or LookupStandins(sim)
    return [
        Mount("/musicbrainz", app=_service_app([Mount("/ws/2", routes=musicbrainz_routes)],
                                               standins)),
        Mount("/deezer", app=_service_app(deezer_routes, standins)),
        Mount("/itunes", app=_service_app(itunes_routes, standins)),
    ]


def standins_of(app: Starlette) -> LookupStandins:
    """The stand-ins' state behind a simulator app (for tests and demos)."""
    for route in app.routes:
        inner = getattr(route, "app", None)
        state = getattr(getattr(inner, "state", None), "lookups", None)
        if isinstance(state, LookupStandins):
            return state
    raise LookupError("this simulator app has no lookup stand-ins mounted")


def standin_urls(root_url: str) -> dict[str, str]:
    """Settings overrides pointing discovery at the stand-ins under ``root_url``."""
    root = root_url.rstrip("/")
    return {
        "musicbrainz_base_url": f"{root}/musicbrainz/ws/2",
        "deezer_base_url": f"{root}/deezer",
        "itunes_base_url": f"{root}/itunes",
    }
