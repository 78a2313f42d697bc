"""The import's own work with the network taken away: decode → store → plan → apply.

Listing pages exactly as the simulator serves them (JSON bytes) are decoded and validated
(``parse_page``, the client's own parser), kept as the fetcher keeps them (``take_page``),
stored as snapshots, planned and applied into
a fresh database, one after the other, each phase timed. Figure 1 holds the live import to
it, figure 2 takes plan and apply from it, figure 7 holds the whole of it to the raw driver
writing the same rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bench.common import Timer, seeded_service


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
