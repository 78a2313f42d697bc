"""How close does the client run to the simulator's rate limit, and how many 429s?

For each rate R, serve the simulator over loopback with R requests per 1 s window, fetch
N projects one request each (8 concurrent), and print the elapsed time against the bound
N/R measured in the same run. A ratio near 1.0 means "at the limit, not above";
429s should be 0 or 1.

    .venv/bin/python bench/client_pacing.py [--requests N] [--rates 10,20,50]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from ss_tui.sessionstudio.auth import TokenManager
from ss_tui.sessionstudio.client import SessionStudioClient
from ss_tui.sessionstudio.tokens import MemoryTokenStore, TokenSet
from ss_tui.simulator import SimulatorConfig
from ss_tui.simulator.server import start_live_simulator


async def measure(rate: int, requests: int, in_flight: int = 8) -> dict:
    config = SimulatorConfig(projects=requests, rate_limit=rate, rate_window_s=1)
    with start_live_simulator(config) as live:
        sim = live.simulator
        manager = TokenManager(None, MemoryTokenStore(), "bench")
        await manager.save(TokenSet.from_response(sim.issue_token()))
        ids = sim.catalogue.project_ids(sim.demo_account_id)[:requests]
        async with SessionStudioClient(live.base_url, manager, max_concurrency=in_flight) as client:
            started = time.perf_counter()
            await asyncio.gather(*(client.get_project(i) for i in ids))
            elapsed = time.perf_counter() - started
            sent = client.metrics.requests
        return {
            "rate": rate,
            "needed": len(ids),
            "sent": sent,
            "elapsed_s": elapsed,
            "bound_s": len(ids) / rate,
            "ratio": elapsed / (len(ids) / rate),
            "429s": sim.stats.rate_limited,
        }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rates", default="10,20,50")
    args = parser.parse_args()
    header = ("R/s", 5), ("N", 5), ("sent", 5), ("elapsed s", 10), ("N/R s", 8), ("ratio", 6)
    print(" ".join(f"{name:>{width}}" for name, width in header), f"{'429s':>5}")
    for rate in (int(r) for r in args.rates.split(",")):
        r = await measure(rate, args.requests)
        print(
            f"{r['rate']:>5} {r['needed']:>5} {r['sent']:>5} {r['elapsed_s']:>10.2f} "
            f"{r['bound_s']:>8.2f} {r['ratio']:>6.3f} {r['429s']:>5}"
        )


if __name__ == "__main__":
    asyncio.run(main())
