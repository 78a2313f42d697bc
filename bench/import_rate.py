"""Figure 1 — a whole-catalogue import against the rate-limit bound, over real loopback HTTP.

The simulator serves the catalogue under uvicorn on 127.0.0.1 with a per-request latency
and a rate limit of R requests per 1 s window; ``ImportService.run_import`` fetches, plans
and applies it into a fresh SQLite file. Bounds, from the same run:

- minimal requests = the listing pages the contract needs for this catalogue
  (``GET /projects?include=tracks`` at the maximal page size),
- rate-limit bound = minimal requests ÷ R.

A second row reuses bench/client_pacing.py (the client engineer's pacing probe): N single
``GET /projects/{id}`` at rate R, elapsed ÷ N/R — how close the client paces to the limit.
"""

from __future__ import annotations

import math
import time
from typing import Any

from bench.common import Figure, Sizes, Timer, Workspace, bench_settings, build_simulator
from ss_tui.engine import events as ev

TARGET_REQUESTS = 1.05
TARGET_WALL = 1.15
TARGET_429 = 1


async def _import(sizes: Sizes, ws: Workspace) -> dict[str, Any]:
    from ss_tui.db.engine import create_engine
    from ss_tui.engine.service import ImportService
    from ss_tui.sessionstudio.tokens import MemoryTokenStore, TokenSet
    from ss_tui.simulator.api_routes import MAX_LIMIT
    from ss_tui.simulator.server import start_live_simulator

    app, sim = build_simulator(
        sizes.import_projects,
        sizes.import_tracks,
        rate_limit=sizes.import_rate,
        rate_window_s=1.0,
        latency_ms=sizes.import_latency_ms,
    )
    account = sim.demo_account_id
    store = MemoryTokenStore()
    await store.set(account, TokenSet.from_response(sim.issue_token(account_id=account)))
    url = await ws.sqlite_url("import")
    engine = create_engine(url, sqlite_begin="IMMEDIATE")
    fetched_at: list[float] = []

    async def sink(event: Any) -> None:
        if isinstance(event, ev.FetchProgress) and event.total is not None:
            fetched_at.append(time.perf_counter())

    try:
        with start_live_simulator(app=app) as live:
            svc = ImportService(
                bench_settings(url), engine, token_store=store, api_base_url=live.base_url
            )
            info = await svc.ensure_connection(account, "Demo Label")
            before_requests, before_429 = sim.stats.api_requests, sim.stats.rate_limited
            started = time.perf_counter()
            with Timer() as t:
                result = await svc.run_import(info.id, sink=sink)
            requests = sim.stats.api_requests - before_requests
            limited = sim.stats.rate_limited - before_429
    finally:
        await engine.dispose()
    if result.items.get("applied", 0) != sizes.import_projects:
        raise RuntimeError(f"the import did not write every project: {result}")
    minimal = math.ceil(sizes.import_projects / MAX_LIMIT)
    return {
        "wall_s": t.s,
        "fetch_s": fetched_at[0] - started if fetched_at else None,
        "requests": requests,
        "minimal": minimal,
        "bound_s": minimal / sizes.import_rate,
        "429s": limited,
        "rows": result.rows_written,
    }


async def run(sizes: Sizes, ws: Workspace) -> Figure:
    from bench.client_pacing import measure

    fig = Figure(
        1,
        "Import vs rate limit",
        params={
            "projects": sizes.import_projects,
            "tracks": sizes.import_tracks,
            "rate_per_s": sizes.import_rate,
            "latency_ms": sizes.import_latency_ms,
        },
    )
    r = await _import(sizes, ws)
    fig.add(
        "requests ÷ minimal",
        r["requests"] / r["minimal"],
        "x",
        at_most=TARGET_REQUESTS,
        note=f"{r['requests']} made, {r['minimal']} needed",
    )
    # The fetch streams: pages are planned and applied while the next one is fetched, so
    # the fetch phase (first request → listing complete) is measured on its own.
    if r["fetch_s"] is not None:
        fig.add(
            "fetch phase ÷ (minimal ÷ rate)",
            r["fetch_s"] / r["bound_s"],
            "x",
            at_most=TARGET_WALL,
            note=f"listing complete after {r['fetch_s']:.3f} s vs bound {r['bound_s']:.3f} s",
        )
    fig.add(
        "import wall ÷ (minimal ÷ rate)",
        r["wall_s"] / r["bound_s"],
        "x",
        at_most=TARGET_WALL,
        note=f"{r['wall_s']:.2f} s vs bound {r['bound_s']:.3f} s; {r['rows']:,} rows "
        "(fetch, plan and apply of every project)",
    )
    fig.add("429s during the import", r["429s"], "", at_most=TARGET_429)
    pacing = await measure(sizes.import_rate, sizes.import_projects)
    fig.add(
        "per-project GETs: elapsed ÷ N/R",
        pacing["ratio"],
        "x",
        at_most=TARGET_WALL,
        note=(
            f"bench/client_pacing.py: {pacing['sent']} sent for {pacing['needed']}, "
            f"{pacing['elapsed_s']:.2f} s vs {pacing['bound_s']:.2f} s"
        ),
    )
    fig.add("per-project GETs: 429s", pacing["429s"], "", at_most=TARGET_429)
    return fig
