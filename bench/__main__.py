"""``python -m bench`` — ss-tui's benchmark harness (bench/README.md).

Prints one table of figures, each a ratio or count against a bound measured in the same run,
and writes them as JSON. See bench/README.md for what each figure means and its target.

    .venv/bin/python -m bench --json bench/results.json          # the issue's sizes
    .venv/bin/python -m bench --quick --json /tmp/bench.json     # seconds, for the smoke test
    .venv/bin/python -m bench --figures 2,3 --projects 1000 --tracks 10000
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import platform
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.common import Figure, Sizes, build_simulator, catalogue_payloads, workspace
from bench.report import print_table

ALL_FIGURES = (1, 2, 3, 4, 5)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--json", type=Path, help="write the figures as JSON to this path")
    p.add_argument("--quick", action="store_true", help="tiny sizes (seconds): a smoke run")
    p.add_argument("--figures", default=",".join(map(str, ALL_FIGURES)), help="e.g. 1,2,3")
    p.add_argument("--projects", type=int, help="figures 2/3 catalogue projects (1000)")
    p.add_argument("--tracks", type=int, help="figures 2/3 catalogue tracks (10000)")
    p.add_argument("--import-projects", type=int, help="figure 1 projects (200)")
    p.add_argument("--import-tracks", type=int, help="figure 1 tracks (2000)")
    p.add_argument("--rate", type=int, help="figure 1 rate limit, requests/s (50)")
    p.add_argument("--latency-ms", type=int, help="figure 1 simulator latency (30)")
    p.add_argument("--browser-tracks", type=int, help="figure 4 tracks (100000)")
    p.add_argument("--memory-tracks", type=int, help="figure 5 tracks (20000)")
    p.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL half of 2")
    p.add_argument("--keep", action="store_true", help="keep the temp databases (prints path)")
    return p.parse_args(argv)


def sizes_from(args: argparse.Namespace) -> Sizes:
    sizes = Sizes.quick() if args.quick else Sizes()
    overrides = {
        "apply_projects": args.projects,
        "apply_tracks": args.tracks,
        "import_projects": args.import_projects,
        "import_tracks": args.import_tracks,
        "import_rate": args.rate,
        "import_latency_ms": args.latency_ms,
        "browser_tracks": args.browser_tracks,
        "memory_tracks": args.memory_tracks,
    }
    return replace(sizes, **{k: v for k, v in overrides.items() if v is not None})


async def _guarded(number: int, title: str, body: Callable[[], Awaitable[Figure]]) -> Figure:
    """One figure's failure is reported in its row; the others still run."""
    gc.collect()  # the previous figure's catalogue must not cost this one GC pauses
    try:
        return await body()
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        return Figure(number, title, error=f"{type(exc).__name__}: {exc}")


async def _database_figures(
    sizes: Sizes, ws: Any, wanted: set[int], *, postgres: bool
) -> list[Figure]:
    """Figures 2 and 3 share one catalogue and figure 2's applied database."""
    from bench import apply_vs_raw, replan
    from bench.postgres import BenchPostgres

    _, sim = build_simulator(sizes.apply_projects, sizes.apply_tracks)
    payloads, account = catalogue_payloads(sim), sim.demo_account_id
    out: list[Figure] = []
    pg = None
    if 2 in wanted and postgres:
        pg = BenchPostgres()
        await pg.start()
    applied = None
    try:

        async def fig2() -> Figure:
            nonlocal applied
            fig, applied = await apply_vs_raw.run(sizes, ws, payloads, account, pg)
            return fig

        async def fig3() -> Figure:
            nonlocal applied
            if applied is None and 2 in wanted:
                raise RuntimeError("needs figure 2's applied database, and figure 2 failed")
            if applied is None:  # figure 3 alone still needs the catalogue applied
                applied = await apply_vs_raw.sqlite_part(Figure(2, ""), ws, payloads, account)
            return await replan.run(sizes, applied)

        if 2 in wanted:
            out.append(await _guarded(2, "Apply vs raw SQL", fig2))
        if 3 in wanted:
            out.append(await _guarded(3, "Re-plan unchanged", fig3))
    finally:
        if applied is not None:
            await applied.svc.engine.dispose()
        if pg is not None:
            pg.stop()
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    sizes = sizes_from(args)
    wanted = {int(f) for f in args.figures.split(",") if f.strip()}
    figures: list[Figure] = []
    started = time.perf_counter()
    with workspace(keep=args.keep) as ws:
        if args.keep:
            print(f"databases kept in {ws.root}", file=sys.stderr)
        if 2 in wanted or 3 in wanted:
            figures += await _database_figures(sizes, ws, wanted, postgres=not args.no_postgres)
        if 1 in wanted:
            from bench import import_rate

            figures.append(
                await _guarded(1, "Import vs rate limit", lambda: import_rate.run(sizes, ws))
            )
        if 4 in wanted:
            from bench import browser

            figures.append(await _guarded(4, "Browser", lambda: browser.run(sizes, ws)))
        if 5 in wanted:
            from bench import memory

            figures.append(await _guarded(5, "Memory", lambda: memory.run(sizes, ws)))
    figures.sort(key=lambda f: f.number)
    return {
        "sizes": {name: getattr(sizes, name) for name in Sizes.__dataclass_fields__},
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "duration_s": round(time.perf_counter() - started, 2),
        "figures": [f.to_dict() for f in figures],
        "ok": all(f.ok is not False and not f.error for f in figures),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    report = asyncio.run(run(args))
    print_table(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    # Missed targets are findings, not crashes: exit 0 unless a figure could not be measured.
    return 1 if any(f["error"] for f in report["figures"]) else 0


if __name__ == "__main__":
    sys.exit(main())
