"""The import's own work with the network taken away: decode → store → plan → apply.

Listing pages exactly as the simulator serves them (JSON bytes) are decoded and validated
(``parse_page``, the client's own parser), kept as the fetcher keeps them (``take_page``),
stored as snapshots, planned and applied into
a fresh database, one after the other, each phase timed. Figure 1 holds the live import to
it, figure 2 takes plan and apply from it, figure 7 holds the whole of it to the raw driver
writing the same rows. ``run_headless`` runs the same pages through the headless import
instead (``run_import`` with its listing answered from memory): figure 7 shows it beside.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bench.common import Timer, bench_settings, seeded_service


def page_bodies(sim: Any, page_size: int | None = None) -> list[bytes]:
    """The Demo Label's listing pages as the simulator serves them (JSON bytes)."""
    from ss_tui.simulator.api_routes import MAX_LIMIT

    size = page_size or MAX_LIMIT
    cat = sim.catalogue
    ids = cat.project_ids(sim.demo_account_id)
    return [
        json.dumps(
            {"data": [cat.project_wire(p, include_tracks=True) for p in ids[i : i + size]]}
        ).encode()
        for i in range(0, len(ids), size)
    ]


@dataclass
class LocalRun:
    svc: Any  # the ImportService on the database it wrote (the caller disposes its engine)
    connection_id: str
    project_ids: list[str]
    plan: Any
    result: Any
    decode_s: float  # decode, validate and store the pages as snapshots
    plan_s: float
    apply_s: float

    @property
    def total_s(self) -> float:
        return self.decode_s + self.plan_s + self.apply_s


async def run_local(url: str, pages: list[bytes], account_id: str) -> LocalRun:
    """Decode, store, plan and apply ``pages`` into the fresh database at ``url``."""
    from ss_tui.engine.fetcher import FetchResult
    from ss_tui.engine.rows import as_uuid
    from ss_tui.engine.snapshots import save_snapshots
    from ss_tui.sessionstudio.client import decode_body, parse_page

    svc, cid = await seeded_service(url, [], account_id)
    ids: list[str] = []
    with Timer() as td:
        for body in pages:
            items = decode_body(body)["data"]  # as the client reads a page
            parsed = parse_page(items)
            fetched = FetchResult()  # what the importer's fetcher keeps of a page
            svc.fetcher.take_page(parsed, fetched)
            payloads = list(fetched.payloads.values())
            async with svc.engine.begin() as conn:
                await save_snapshots(conn, as_uuid(cid), payloads)
            ids += [p["id"] for p in payloads]
    with Timer() as tp:
        plan = await svc.plan(cid, ids)
    with Timer() as ta:
        result = await svc.apply(plan)
    # "partial" only means some items carry data warnings; every project must be written.
    if result.items.get("applied", 0) != len(ids):
        await svc.engine.dispose()
        raise RuntimeError(f"the local apply did not write every project: {result}")
    return LocalRun(svc, cid, ids, plan, result, td.s, tp.s, ta.s)


def listing_transport(pages: list[bytes]) -> Any:
    """The network taken away: ``GET …/projects`` answers with ``pages`` in turn (the
    simulator's page bytes, the cursor naming the next page), at once and without limits."""
    import httpx

    bodies = []
    for k, body in enumerate(pages):
        more = k + 1 < len(pages)
        page = json.loads(body)
        page.update(nextCursor=str(k + 1) if more else None, hasMore=more)
        bodies.append(json.dumps(page).encode())

    def answer(request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/projects"):
            return httpx.Response(404, json={"error": {"code": "not_found", "message": "?"}})
        k = int(request.url.params.get("cursor") or 0)
        return httpx.Response(200, content=bodies[k], headers={"content-type": "application/json"})

    return httpx.MockTransport(answer)


async def run_headless(url: str, pages: list[bytes], account_id: str) -> tuple[float, Any]:
    """The headless import (``ImportService.run_import``: fetch → save → plan → apply in
    chunks, with its run ledger) into the fresh database at ``url``, its listing answered
    from memory: (wall seconds, RunResult)."""
    import httpx

    from ss_tui.db.engine import create_engine
    from ss_tui.engine.service import ImportService
    from ss_tui.sessionstudio.tokens import MemoryTokenStore, TokenSet

    store = MemoryTokenStore()
    await store.set(account_id, TokenSet(access_token="bench"))
    engine = create_engine(url, sqlite_begin="IMMEDIATE")
    async with httpx.AsyncClient(transport=listing_transport(pages)) as http:
        svc = ImportService(
            bench_settings(url), engine, token_store=store,
            api_base_url="http://sessionstudio.invalid/v1", http=http,
        )
        try:
            info = await svc.ensure_connection(account_id, "Demo Label")
            with Timer() as t:
                result = await svc.run_import(info.id)
        finally:
            await engine.dispose()
    if result.items.get("applied", 0) != sum(len(json.loads(p)["data"]) for p in pages):
        raise RuntimeError(f"the headless import did not write every project: {result}")
    return t.s, result
