"""Resource endpoints: /me, /projects, /tracks, /search (docs/session-studio-api.yaml)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import UTC, datetime

from starlette.routing import Route

from ss_tui.sessionstudio.models import ProjectStatus
from ss_tui.simulator.http import ApiError, Ctx, endpoint
from ss_tui.simulator.oauth import TokenRejected
from ss_tui.values import JSONObject

MAX_LIMIT = 100
DEFAULT_LIMIT = 50


def _limit(ctx: Ctx, default: int = DEFAULT_LIMIT) -> int:
    raw = ctx.request.query_params.get("limit")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_LIMIT:
        raise ApiError(
            400,
            "Invalid limit",
            f"limit must be an integer from 1 to {MAX_LIMIT}",
            slug="invalid-parameter",
        )
    return value


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:10]


def encode_cursor(position: int, fingerprint: str) -> str:
    raw = json.dumps({"p": position, "f": fingerprint}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str | None, fingerprint: str) -> int | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        position, found = int(data["p"]), data["f"]
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise ApiError(
            400, "Invalid cursor", "cursor is not one this API issued", slug="invalid-cursor"
        ) from exc
    if found != fingerprint:
        raise ApiError(
            400,
            "Invalid cursor",
            "cursor belongs to a query with other filters",
            slug="invalid-cursor",
        )
    return position


def _updated_since(ctx: Ctx) -> float | None:
    raw = ctx.request.query_params.get("updatedSince")
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError as exc:
        raise ApiError(
            400,
            "Invalid updatedSince",
            "updatedSince must be an ISO 8601 date-time",
            slug="invalid-parameter",
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _include_tracks(ctx: Ctx) -> bool:
    raw = ctx.request.query_params.get("include", "")
    parts = {p.strip() for p in raw.split(",") if p.strip()}
    unknown = parts - {"tracks"}
    if unknown:
        raise ApiError(
            400,
            "Invalid include",
            f"unknown include: {', '.join(sorted(unknown))}",
            slug="invalid-parameter",
        )
    if parts and not ctx.has_scope("tracks:read"):
        raise TokenRejected(
            "insufficient_scope",
            "include=tracks needs tracks:read",
            scope="projects:read tracks:read",
        )
    return bool(parts)


def track_view(ctx: Ctx, track: JSONObject) -> JSONObject:
    """Credits (collaborators, splits) are only visible with credits:read."""
    if ctx.has_scope("credits:read"):
        return track
    return {**track, "collaborators": [], "splits": []}


def project_view(ctx: Ctx, project_id: str, include_tracks: bool) -> JSONObject:
    cat = ctx.sim.catalogue
    item = cat.project_wire(project_id, include_tracks=include_tracks)
    if cat.project_account.get(project_id) != ctx.account_id:
        item["membership"] = "member"  # listed because the account is a member of it
    if include_tracks and not ctx.has_scope("credits:read"):
        item["tracks"] = [track_view(ctx, t) for t in item["tracks"]]
    return item


def _own_project(ctx: Ctx, project_id: str) -> str:
    cat = ctx.sim.catalogue
    # Another account's project is "not found", never "forbidden" (no existence leaks).
    if not cat.can_read(ctx.account_id, project_id):
        raise ApiError(404, "Not Found", f"project {project_id} does not exist", slug="not-found")
    return project_id


async def me(ctx: Ctx) -> JSONObject:
    account = ctx.sim.catalogue.accounts[ctx.account_id]
    return {**account, "scopes": list(ctx.token.scopes)}  # type: ignore[union-attr]  # the route requires a token


async def list_projects(ctx: Ctx) -> JSONObject:
    query = ctx.request.query_params
    limit = _limit(ctx)
    status = query.get("status")
    if status is not None and status not in ProjectStatus.__members__:
        raise ApiError(
            400,
            "Invalid status",
            "status must be draft, unreleased or released",
            slug="invalid-parameter",
        )
    since = _updated_since(ctx)
    include = _include_tracks(ctx)
    fingerprint = _fingerprint(ctx.account_id, status, since)
    after = decode_cursor(query.get("cursor"), fingerprint)
    ids, last = ctx.sim.catalogue.page_projects(
        ctx.account_id,
        after_seq=-1 if after is None else after,
        limit=limit,
        status=status,
        updated_since=since,
    )
    return {
        "data": [project_view(ctx, pid, include) for pid in ids],
        "nextCursor": None if last is None else encode_cursor(last, fingerprint),
        "hasMore": last is not None,
    }


async def get_project(ctx: Ctx) -> JSONObject:
    pid = _own_project(ctx, ctx.request.path_params["project_id"])
    return project_view(ctx, pid, include_tracks=ctx.has_scope("tracks:read"))


async def project_tracks(ctx: Ctx) -> JSONObject:
    pid = _own_project(ctx, ctx.request.path_params["project_id"])
    cat = ctx.sim.catalogue
    tracks = [track_view(ctx, cat.tracks[t]) for t in cat.project_tracks[pid]]
    return {"data": tracks, "nextCursor": None, "hasMore": False}


async def get_track(ctx: Ctx) -> JSONObject:
    tid = ctx.request.path_params["track_id"]
    cat = ctx.sim.catalogue
    track = cat.tracks.get(tid)
    if track is None or not cat.can_read(ctx.account_id, track.get("projectId") or ""):
        raise ApiError(404, "Not Found", f"track {tid} does not exist", slug="not-found")
    return track_view(ctx, track)


def _search_query(ctx: Ctx) -> tuple[str, int, int, str]:
    q = (ctx.request.query_params.get("q") or "").strip()
    if not q:
        raise ApiError(400, "Missing query", "q is required", slug="invalid-parameter")
    limit = _limit(ctx, default=20)
    fingerprint = _fingerprint(ctx.account_id, q)
    offset = decode_cursor(ctx.request.query_params.get("cursor"), fingerprint) or 0
    return q.casefold(), limit, offset, fingerprint


def _page(
    matches: list[JSONObject], offset: int, limit: int, fingerprint: str
) -> JSONObject:
    more = len(matches) > offset + limit
    return {
        "data": matches[offset : offset + limit],
        "nextCursor": encode_cursor(offset + limit, fingerprint) if more else None,
        "hasMore": more,
    }


async def search_artists(ctx: Ctx) -> JSONObject:
    needle, limit, offset, fp = _search_query(ctx)
    cat = ctx.sim.catalogue
    people = cat.account_people.get(ctx.account_id, [])
    matches = [cat.artists[a] for a in people if needle in cat.artists[a]["name"].casefold()]
    return _page(matches, offset, limit, fp)


async def search_tracks(ctx: Ctx) -> JSONObject:
    needle, limit, offset, fp = _search_query(ctx)
    cat = ctx.sim.catalogue
    matches: list[JSONObject] = []
    stop = offset + limit + 1  # enough to know whether there is more
    for pid in cat.project_ids(ctx.account_id):
        for tid in cat.project_tracks[pid]:
            track = cat.tracks[tid]
            title = track.get("title")
            if isinstance(title, str) and needle in title.casefold():
                matches.append(track_view(ctx, track))
        if len(matches) >= stop:
            break
    return _page(matches, offset, limit, fp)


routes = [
    Route("/me", endpoint(me, scopes=()), methods=["GET"]),
    Route("/projects", endpoint(list_projects, scopes=("projects:read",)), methods=["GET"]),
    Route(
        "/projects/{project_id}", endpoint(get_project, scopes=("projects:read",)), methods=["GET"]
    ),
    Route(
        "/projects/{project_id}/tracks",
        endpoint(project_tracks, scopes=("projects:read", "tracks:read")),
        methods=["GET"],
    ),
    Route("/tracks/{track_id}", endpoint(get_track, scopes=("tracks:read",)), methods=["GET"]),
    Route("/search/artists", endpoint(search_artists, scopes=("credits:read",)), methods=["GET"]),
    Route("/search/tracks", endpoint(search_tracks, scopes=("tracks:read",)), methods=["GET"]),
]
