"""Starlette routes of the stand-ins: MusicBrainz ``/ws/2``, Deezer, iTunes ``lookup``."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ss_tui.identifiers import clean_isrc, clean_upc
from ss_tui.simulator.lookups import shapes
from ss_tui.simulator.lookups.standins import LookupStandins
from ss_tui.values import JSONObject

RETRY_AFTER = {"musicbrainz": "1", "deezer": "5", "itunes": "60"}


def _standins(request: Request) -> LookupStandins:
    standins: LookupStandins = request.app.state.lookups
    return standins


def _done(request: Request, service: str, response: Response, outcome: str) -> Response:
    _standins(request).record(
        service, request.url.path, request.url.query, response.status_code, outcome,
        request.headers.get("user-agent"),
    )
    return response


def _gate(request: Request, service: str) -> Response | None:
    """Faults, User-Agent policy and rate limits, answered the way ``service`` does."""
    verdict = _standins(request).admit(service)
    if verdict.startswith("fault:"):
        status = int(verdict.split(":", 1)[1])
        return _done(request, service, Response(f"simulated {service} failure\n", status), "fault")
    if verdict == "rate_limited":
        headers = {"Retry-After": RETRY_AFTER[service]}
        if service == "musicbrainz":
            resp: Response = JSONResponse(shapes.MB_RATE_LIMITED, 503, headers=headers)
        elif service == "deezer":
            resp = JSONResponse(shapes.DEEZER_QUOTA, 200)  # Deezer: HTTP 200, error code 4
        else:
            resp = Response("", 403, headers=headers)
        return _done(request, service, resp, "rate_limited")
    if service == "musicbrainz" and not _meaningful_ua(request.headers.get("user-agent")):
        return _done(request, service, JSONResponse(shapes.MB_BAD_UA, 403), "rejected")
    return None


def _meaningful_ua(value: str | None) -> bool:
    generic = ("python-httpx", "python-requests", "curl/", "aiohttp")
    return bool(value) and not (value or "").lower().startswith(generic)


def _track_counts(st: LookupStandins, projects: list[JSONObject]) -> dict[str, int]:
    return {p["id"]: len(st.knowledge.tracks_of(p["id"])) for p in projects}


# -- MusicBrainz ---------------------------------------------------------------------------
async def mb_isrc(request: Request) -> Response:
    if (gated := _gate(request, "musicbrainz")) is not None:
        return gated
    st = _standins(request)
    isrc = clean_isrc(request.path_params["isrc"])
    if isrc is None:
        return _done(request, "musicbrainz", JSONResponse({"error": "Invalid isrc."}, 400),
                     "rejected")
    pairs = st.knowledge.tracks_for("musicbrainz", isrc)
    if not pairs:
        return _done(request, "musicbrainz", JSONResponse(shapes.MB_NOT_FOUND, 404), "not_found")
    inc = request.query_params.get("inc", "").split("+")
    counts = _track_counts(st, [p for _, p in pairs])
    body = shapes.mb_isrc(isrc, pairs, "releases" in inc, counts)
    return _done(request, "musicbrainz", JSONResponse(body), "found")


async def mb_release_search(request: Request) -> Response:
    if (gated := _gate(request, "musicbrainz")) is not None:
        return gated
    st = _standins(request)
    query = request.query_params.get("query", "")
    upc = clean_upc(query.split("barcode:", 1)[1].strip()) if "barcode:" in query else None
    project = st.knowledge.project_for("musicbrainz", upc) if upc else None
    tracks = len(st.knowledge.tracks_of(project["id"])) if project else 0
    created = datetime.fromtimestamp(st.sim.clock.time(), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    body = shapes.mb_release_search(project, tracks, created)
    return _done(request, "musicbrainz", JSONResponse(body), "found" if project else "not_found")


# -- Deezer --------------------------------------------------------------------------------
async def dz_track(request: Request) -> Response:
    if (gated := _gate(request, "deezer")) is not None:
        return gated
    isrc = clean_isrc(request.path_params["isrc"])
    pairs = _standins(request).knowledge.tracks_for("deezer", isrc) if isrc else []
    if not isrc or not pairs:
        return _done(request, "deezer", JSONResponse(shapes.DEEZER_NO_DATA), "not_found")
    track, project = pairs[0]
    return _done(request, "deezer", JSONResponse(shapes.dz_track(isrc, track, project)), "found")


async def dz_album(request: Request) -> Response:
    if (gated := _gate(request, "deezer")) is not None:
        return gated
    st = _standins(request)
    upc = clean_upc(request.path_params["upc"])
    project = st.knowledge.project_for("deezer", upc) if upc else None
    if upc is None or project is None:
        return _done(request, "deezer", JSONResponse(shapes.DEEZER_NO_DATA), "not_found")
    body = shapes.dz_album(upc, project, st.knowledge.tracks_of(project["id"]))
    return _done(request, "deezer", JSONResponse(body), "found")


# -- iTunes --------------------------------------------------------------------------------
def _itunes(body: JSONObject) -> Response:
    # The real service answers text/javascript with leading blank lines.
    text = "\n\n\n" + json.dumps(body)
    return Response(text, 200, media_type="text/javascript; charset=utf-8")


async def it_lookup(request: Request) -> Response:
    if (gated := _gate(request, "itunes")) is not None:
        return gated
    st = _standins(request)
    country = (request.query_params.get("country") or "us").lower()
    results: list[JSONObject] = []
    if isrc := clean_isrc(request.query_params.get("isrc")):
        pairs = st.knowledge.tracks_for("itunes", isrc)
        counts = _track_counts(st, [p for _, p in pairs])
        results = [shapes.it_song(isrc, t, p, country, counts[p["id"]]) for t, p in pairs]
    elif upc := clean_upc(request.query_params.get("upc")):
        project = st.knowledge.project_for("itunes", upc)
        if project is not None:
            tracks = len(st.knowledge.tracks_of(project["id"]))
            results = [shapes.it_collection(project, country, tracks)]
    body = {"resultCount": len(results), "results": results}
    return _done(request, "itunes", _itunes(body), "found" if results else "not_found")


musicbrainz_routes = [
    Route("/isrc/{isrc}", mb_isrc),
    Route("/release", mb_release_search),
    Route("/release/", mb_release_search),
]
deezer_routes = [
    Route("/track/isrc:{isrc}", dz_track),
    Route("/album/upc:{upc}", dz_album),
]
itunes_routes = [Route("/lookup", it_lookup)]
