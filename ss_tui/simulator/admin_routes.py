"""``/_sim/`` admin endpoints for demos and tests: faults, tokens, mutations, state.

Only loopback clients (or callers presenting ``X-Simulator-Admin-Key``) may use them.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ss_tui.simulator.config import FaultConfig
from ss_tui.simulator.core import Simulator
from ss_tui.simulator.http import problem
from ss_tui.values import JSONObject

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
ADMIN_KEY_HEADER = "X-Simulator-Admin-Key"

AdminHandler = Callable[[Simulator, JSONObject], Awaitable[JSONObject | list[Any] | None]]


def _allowed(request: Request, sim: Simulator) -> bool:
    key = sim.config.admin_key
    presented = request.headers.get(ADMIN_KEY_HEADER)
    if key and presented and secrets.compare_digest(key, presented):
        return True
    return request.client is not None and request.client.host in LOOPBACK


def admin(handler: AdminHandler) -> Callable[[Request], Awaitable[Response]]:
    async def route(request: Request) -> Response:
        sim: Simulator = request.app.state.simulator
        if not _allowed(request, sim):
            return problem(403, "Forbidden", "admin endpoints are loopback-only", slug="forbidden")
        body = {}
        if request.method != "GET" and await request.body():
            body = await request.json()
        try:
            result = await handler(sim, body)
        except (KeyError, ValueError, TypeError) as exc:
            return problem(400, "Bad Request", str(exc), slug="invalid-parameter")
        return JSONResponse(result if result is not None else {"ok": True})

    route.__name__ = handler.__name__
    return route


async def state(sim: Simulator, body: JSONObject) -> JSONObject:
    return sim.state()


async def get_faults(sim: Simulator, body: JSONObject) -> JSONObject:
    return sim.faults.config.to_dict()


async def put_faults(sim: Simulator, body: JSONObject) -> JSONObject:
    sim.set_faults(FaultConfig.from_dict(body))
    return sim.faults.config.to_dict()


async def queue_faults(sim: Simulator, body: JSONObject) -> JSONObject:
    sim.queue_faults(*body["faults"])
    return {"queued": list(sim.faults.queue)}


async def revoke_all(sim: Simulator, body: JSONObject) -> JSONObject:
    return {"revoked": sim.revoke_all_tokens()}


async def tokens(sim: Simulator, body: JSONObject) -> JSONObject:
    scopes = body.get("scopes") or "projects:read tracks:read credits:read offline_access"
    account = body.get("accountId")
    if body.get("personal"):
        return {"personalToken": sim.personal_token(scopes, account)}
    return sim.issue_token(scopes, account).model_dump(exclude_none=True)


async def approve_device(sim: Simulator, body: JSONObject) -> JSONObject:
    code = body["userCode"]
    ok = sim.approve_device(code) if body.get("approve", True) else sim.deny_device(code)
    if not ok:
        raise ValueError("unknown, expired or already decided user code")
    return {"ok": True}


async def edit_track(sim: Simulator, body: JSONObject) -> JSONObject:
    return sim.edit_track(body["trackId"], **body.get("fields", {}))


async def edit_project(sim: Simulator, body: JSONObject) -> JSONObject:
    return sim.edit_project(body["projectId"], **body.get("fields", {}))


async def add_project(sim: Simulator, body: JSONObject) -> JSONObject:
    return sim.add_project(
        title=body.get("title"),
        type=body.get("type", "single"),
        status=body.get("status", "draft"),
        tracks=body.get("tracks"),
        artist_id=body.get("artistId"),
        account_id=body.get("accountId"),
    )


async def release_project(sim: Simulator, body: JSONObject) -> JSONObject:
    return sim.release_project(body["projectId"])


async def deliver_webhooks(sim: Simulator, body: JSONObject) -> JSONObject:
    return {"attempted": await sim.deliver_webhooks()}


async def webhook_events(sim: Simulator, body: JSONObject) -> list[Any]:
    return sim.webhooks.events


routes = [
    Route("/state", admin(state), methods=["GET"]),
    Route("/faults", admin(get_faults), methods=["GET"]),
    Route("/faults", admin(put_faults), methods=["PUT", "POST"]),
    Route("/faults/queue", admin(queue_faults), methods=["POST"]),
    Route("/revoke", admin(revoke_all), methods=["POST"]),
    Route("/tokens", admin(tokens), methods=["POST"]),
    Route("/device/approve", admin(approve_device), methods=["POST"]),
    Route("/mutations/edit-track", admin(edit_track), methods=["POST"]),
    Route("/mutations/edit-project", admin(edit_project), methods=["POST"]),
    Route("/mutations/add-project", admin(add_project), methods=["POST"]),
    Route("/mutations/release-project", admin(release_project), methods=["POST"]),
    Route("/webhooks/deliver", admin(deliver_webhooks), methods=["POST"]),
    Route("/webhooks/events", admin(webhook_events), methods=["GET"]),
]
