"""``python -m bench`` — ss-tui's benchmark harness.

Prints one table of figures, each a ratio or count against a bound measured in the same run,
and writes them as JSON. See bench/README.md for what each figure means and its target.

    .venv/bin/python -m bench --json bench/results.json          # the full sizes
    .venv/bin/python -m bench --quick --json /tmp/bench.json     # seconds, for the smoke test
    .venv/bin/python -m bench --figures 2,3 --projects 1000 --tracks 10000
    .venv/bin/python -m bench --figures 4 --browser-tracks 1000000   # SQLite and PostgreSQL
    .venv/bin/python -m bench --figures 6 --busy                     # pacing, one core busy
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import platform
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.common import Figure, Sizes, build_simulator, workspace
from bench.report import markdown_table, print_table

ALL_FIGURES = (1, 2, 3, 4, 5, 6, 7)
POSTGRES_FIGURES = {2, 4, 7}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--json", type=Path, help="write the figures as JSON to this path")
    p.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    p.add_argument("--quick", action="store_true", help="tiny sizes (seconds): a smoke run")
    p.add_argument("--figures", default=",".join(map(str, ALL_FIGURES)), help="e.g. 1,2,3")
    p.add_argument("--projects", type=int, help="figures 2/3 catalogue projects (1000)")
    p.add_argument("--tracks", type=int, help="figures 2/3 catalogue tracks (10000)")
    p.add_argument("--import-projects", type=int, help="figure 1 projects (200)")
    p.add_argument("--import-tracks", type=int, help="figure 1 tracks (2000)")
    p.add_argument("--rate", type=int, help="figure 1 rate limit, requests/s (50)")
    p.add_argument("--latency-ms", type=int, help="figure 1 simulator latency (30)")
    p.add_argument("--browser-tracks", type=int, help="figure 4 tracks (100000)")
    p.add_argument("--memory-tracks", type=int, help="figure 5 small import, tracks (20000)")
    p.add_argument("--memory-tracks-large", type=int, help="figure 5 large import (200000)")
    p.add_argument("--pacing-requests", type=int, help="figure 6 requests per run (100)")
    p.add_argument("--pacing-rates", help="figure 6 rates, requests/s (10,20,50)")
    p.add_argument("--pacing-runs", type=int, help="figure 6 consecutive runs per rate (5)")
    p.add_argument(
        "--busy", action="store_true", help="figure 6 with another process spinning on one core"
    )
    p.add_argument("--repeat", type=int, help="runs per figure, median and min-max (3)")
    p.add_argument(
        "--no-postgres",
        action="store_true",
        help="skip the PostgreSQL halves of figures 2, 4 and 7",
    )
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
        "memory_tracks_large": args.memory_tracks_large,
        "pacing_requests": args.pacing_requests,
        "pacing_runs": args.pacing_runs,
        "repeat": args.repeat,
    }
    if args.pacing_rates:
        overrides["pacing_rates"] = tuple(int(r) for r in args.pacing_rates.split(","))
    return replace(sizes, **{k: v for k, v in overrides.items() if v is not None})


async def _guarded(number: int, title: str, body: Callable[[], Awaitable[Figure]]) -> Figure:
    """One figure's failure is reported in its row; the others still run."""
    gc.collect()  # the previous figure's catalogue must not cost this one GC pauses
    started = time.perf_counter()
    try:
        fig = await body()
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        fig = Figure(number, title, error=f"{type(exc).__name__}: {exc}")
    fig.duration_s = round(time.perf_counter() - started, 2)
    return fig


async def _database_figures(sizes: Sizes, ws: Any, wanted: set[int], pg: Any) -> list[Figure]:
    """Figures 2, 3 and 7 share one catalogue; 3 re-plans figure 2's applied database."""
    from bench import apply_vs_raw, replan
    from bench.local_work import page_bodies

    _, sim = build_simulator(sizes.apply_projects, sizes.apply_tracks)
    pages, account = page_bodies(sim), sim.demo_account_id
    out: list[Figure] = []
    applied = None
    try:
        if wanted & {2, 7}:
            figs: list[Figure] = []

            async def fig2() -> Figure:
                nonlocal applied
                f2, f7, applied = await apply_vs_raw.run(sizes, ws, pages, account, pg)
                figs.append(f7)
                return f2

            f2 = await _guarded(2, "Plan and apply vs raw SQL", fig2)
            for f in figs:  # measured by the same runs
                f.duration_s = f2.duration_s
            out += [f for f in (f2, *figs) if f.number in wanted]
            if f2.error and 7 in wanted:
                out.append(Figure(7, "End-to-end local work vs raw", error=f2.error))

        async def fig3() -> Figure:
            nonlocal applied
            if applied is None and wanted & {2, 7}:
                raise RuntimeError("needs figure 2's applied database, and figure 2 failed")
            if applied is None:  # figure 3 alone still needs the catalogue applied
                applied = await apply_vs_raw.applied_only(ws, pages, account)
            return await replan.run(sizes, applied)

        if 3 in wanted:
            out.append(await _guarded(3, "Re-plan unchanged", fig3))
    finally:
        if applied is not None:
            await applied.svc.engine.dispose()
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from bench.postgres import BenchPostgres

    sizes = sizes_from(args)
    load_at_start = os.getloadavg() if hasattr(os, "getloadavg") else None
    wanted = {int(f) for f in args.figures.split(",") if f.strip()}
    figures: list[Figure] = []
    started = time.perf_counter()
    pg = None
    with workspace(keep=args.keep) as ws:
        if args.keep:
            print(f"databases kept in {ws.root}", file=sys.stderr)
        if wanted & POSTGRES_FIGURES and not args.no_postgres:
            pg = BenchPostgres()
            await pg.start()
        try:
            if wanted & {2, 3, 7}:
                figures += await _database_figures(sizes, ws, wanted, pg)
            if 1 in wanted:
                from bench import import_rate

                figures.append(
                    await _guarded(1, "Import vs rate limit", lambda: import_rate.run(sizes, ws))
                )
            if 4 in wanted:
                from bench import browser

                figures.append(await _guarded(4, "Browser", lambda: browser.run(sizes, ws, pg)))
            if 5 in wanted:
                from bench import memory

                figures.append(await _guarded(5, "Memory", lambda: memory.run(sizes, ws)))
            if 6 in wanted:
                from bench import pacing

                figures.append(
                    await _guarded(
                        6, "Pacing at the rate limit", lambda: pacing.run(sizes, busy=args.busy)
                    )
                )
        finally:
            if pg is not None:
                pg.stop()
    figures.sort(key=lambda f: f.number)
    return {
        "sizes": {name: getattr(sizes, name) for name in Sizes.__dataclass_fields__},
        "runs": sizes.repeat,
        "busy": args.busy,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_start": load_at_start,
        },
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
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(markdown_table(report))
    # Missed targets are findings, not crashes: exit 0 unless a figure could not be measured.
    return 1 if any(f["error"] for f in report["figures"]) else 0


if __name__ == "__main__":
    sys.exit(main())
