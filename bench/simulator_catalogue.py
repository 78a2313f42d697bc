"""Simulator benchmark: catalogue generation and page serving.

Prints (never asserts) timings as ratios against bounds measured in the same run:
generation against its 10 s budget (bench/README.md), and serving a page in-process against
plain ``json.dumps`` of the same page (the unavoidable part of the work).

    .venv/bin/python bench/simulator_catalogue.py [--projects 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import tracemalloc

import httpx

from ss_tui.simulator import DEMO_ACCOUNT_ID, Simulator, SimulatorConfig, create_app
from ss_tui.simulator.catalogue import generate_catalogue


async def _serve(sim: Simulator, pages: int) -> tuple[float, float, int]:
    app = create_app(simulator=sim)
    token = sim.issue_token().access_token
    cat = sim.catalogue
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://sim/v1",
        headers={"Authorization": f"Bearer {token}"},
    ) as http:
        started = time.perf_counter()
        cursor, served = None, 0
        for _ in range(pages):
            params = {"limit": 100, "include": "tracks", **({"cursor": cursor} if cursor else {})}
            page = (await http.get("/projects", params=params)).json()
            served += len(page["data"])
            cursor = page["nextCursor"]
            if not cursor:
                break
        serve_s = time.perf_counter() - started
    ids = cat.project_ids(DEMO_ACCOUNT_ID)[:served]
    started = time.perf_counter()
    for i in range(0, len(ids), 100):
        json.dumps([cat.project_wire(p, include_tracks=True) for p in ids[i : i + 100]])
    dumps_s = time.perf_counter() - started
    return serve_s, dumps_s, served


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()

    started = time.perf_counter()
    cat = generate_catalogue(42, args.projects)
    generate_s = time.perf_counter() - started
    print(
        f"generate {args.projects} projects / {len(cat.tracks)} tracks: {generate_s:.2f} s "
        f"= {generate_s / 10:.2f} x the 10 s budget"
    )
    # Memory separately: tracemalloc slows generation several-fold.
    sample = max(1, args.projects // 10)
    tracemalloc.start()
    generate_catalogue(42, sample)
    sample_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    print(f"memory: {sample_mb / sample * 1000:.1f} MB per 1000 projects")
    sim = Simulator(SimulatorConfig(projects=args.projects, rate_limit=10**9), catalogue=cat)
    serve_s, dumps_s, served = asyncio.run(_serve(sim, args.pages))
    print(
        f"serve {served} projects with tracks in pages of 100: {serve_s:.2f} s "
        f"= {serve_s / dumps_s:.1f} x json.dumps of the same pages ({dumps_s:.2f} s)"
    )


if __name__ == "__main__":
    main()
