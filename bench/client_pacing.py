"""How close does the client run to the simulator's rate limit, and how many 429s?

For each rate R, serve the simulator over loopback with R requests per 1 s window, fetch
N projects one request each (8 concurrent), and print the elapsed time against the bound
N/R measured in the same run. A ratio near 1.0 means "at the limit, not above";
429s should be 0 or 1.

The simulator runs in a process of its own (``ss-tui simulator serve`` on a free loopback
port), as Session Studio would: served from a thread of this process, its clock would see
requests late and bunched whenever the client's event loop is busy, and count 429s the
client never caused. ``--in-process`` serves it from a thread instead (the old set-up).

The client of each run is a fresh process too, started as ss-tui's headless commands start
(set-up, then ``heap.freeze_start_up``), not the caller: ``python -m bench`` measures
figure 6 last, and every full collection of the heap the other figures left behind stalled
all requests for 0.2-0.4 s (bench/README.md, "Session 8").

    .venv/bin/python bench/client_pacing.py [--requests N] [--rates 10,20,50] [--in-process]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ss_tui.sessionstudio.auth import TokenManager
from ss_tui.sessionstudio.client import SessionStudioClient
from ss_tui.sessionstudio.tokens import MemoryTokenStore, TokenSet
from ss_tui.simulator import SimulatorConfig
from ss_tui.simulator.server import start_live_simulator


@contextmanager
def simulator_process(config: SimulatorConfig) -> Iterator[tuple[str, str]]:
    """``ss-tui simulator serve`` in its own process on a free loopback port: its base URL
    and its personal token (both printed by the command at start-up)."""
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "ss_tui", "simulator", "serve", "--port", "0",
            "--seed", str(config.seed), "--projects", str(config.projects),
            "--shared-projects", str(config.shared_projects),
            "--rate-limit", str(config.rate_limit), "--rate-window", str(config.rate_window_s),
            "--latency-ms", str(config.latency_ms),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        found: dict[str, str] = {}
        for line in proc.stdout:
            name, _, value = line.strip().partition("  ")
            if name in ("base URL", "personal token"):
                found[name] = value.strip()
            if len(found) == 2:
                break
        if len(found) != 2:
            raise RuntimeError("the simulator process did not start")
        yield found["base URL"], found["personal token"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _fetch(base_url: str, token: TokenSet, ids: list[str], in_flight: int) -> dict[str, Any]:
    manager = TokenManager(None, MemoryTokenStore(), "bench")
    await manager.save(token)
    async with SessionStudioClient(base_url, manager, max_concurrency=in_flight) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client.get_project(i) for i in ids))
        elapsed = time.perf_counter() - started
        return {"sent": client.metrics.requests, "elapsed_s": elapsed,
                "429s": client.metrics.rate_limited}


async def measure(
    rate: int, requests: int, in_flight: int = 8, *, in_process: bool = False
) -> dict[str, Any]:
    """One run (:func:`measure_here`) in a client process of its own."""
    command = [sys.executable, "-m", "bench.client_pacing", "--one", str(rate), str(requests),
               str(in_flight)] + (["--in-process"] if in_process else [])
    proc = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, cwd=os.path.dirname(os.path.dirname(__file__))
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"the pacing client exited with {proc.returncode}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def measure_here(
    rate: int, requests: int, in_flight: int = 8, *, in_process: bool = False
) -> dict[str, Any]:
    """One run in this process: fetch ``requests`` projects at ``rate`` and time it."""
    from ss_tui.heap import freeze_start_up, own_the_process

    own_the_process()  # a process of its own, as the ss-tui command's
    config = SimulatorConfig(projects=requests, rate_limit=rate, rate_window_s=1)
    if in_process:
        with start_live_simulator(config) as live:
            sim = live.simulator
            ids = sim.catalogue.project_ids(sim.demo_account_id)[:requests]
            token = TokenSet.from_response(sim.issue_token())
            freeze_start_up()
            got = await _fetch(live.base_url, token, ids, in_flight)
            got["429s"] = sim.stats.rate_limited
    else:
        from ss_tui.simulator import create_app

        # The same seed and size generate the same catalogue: its ids, without a request.
        sim = create_app(config).state.simulator
        ids = sim.catalogue.project_ids(sim.demo_account_id)[:requests]
        with simulator_process(config) as (base_url, personal):
            freeze_start_up()  # as ss-tui's headless commands do once set up (cli/running.py)
            got = await _fetch(base_url, TokenSet(access_token=personal), ids, in_flight)
    return {
        "rate": rate,
        "needed": len(ids),
        "sent": got["sent"],
        "elapsed_s": got["elapsed_s"],
        "bound_s": len(ids) / rate,
        "ratio": got["elapsed_s"] / (len(ids) / rate),
        "429s": got["429s"],
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rates", default="10,20,50")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--in-process", action="store_true",
                        help="serve the simulator from a thread of this process")
    parser.add_argument("--one", nargs=3, type=int, metavar=("RATE", "REQUESTS", "IN_FLIGHT"),
                        help="one run here, its result as a JSON line (what measure() starts)")
    args = parser.parse_args()
    if args.one:
        rate, requests, in_flight = args.one
        result = await measure_here(rate, requests, in_flight, in_process=args.in_process)
        print(json.dumps(result))
        return
    header = ("R/s", 5), ("N", 5), ("sent", 5), ("elapsed s", 10), ("N/R s", 8), ("ratio", 6)
    print(" ".join(f"{name:>{width}}" for name, width in header), f"{'429s':>5}")
    for rate in (int(r) for r in args.rates.split(",")):
        for _ in range(args.runs):
            r = await measure(rate, args.requests, in_process=args.in_process)
            print(
                f"{r['rate']:>5} {r['needed']:>5} {r['sent']:>5} {r['elapsed_s']:>10.2f} "
                f"{r['bound_s']:>8.2f} {r['ratio']:>6.3f} {r['429s']:>5}"
            )


if __name__ == "__main__":
    asyncio.run(main())
