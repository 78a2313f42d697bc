"""Profile one measured section of the benchmarks with pyinstrument (dev extras).

Only the section a figure times is profiled (catalogue building and seeding are not), and
two views are printed: the call tree as a share of the section's time, then the hottest
functions by their own time. Use it on a figure that misses its target, before any fix.

    .venv/bin/python -m bench.profiles plan      # figure 2: planning a first import
    .venv/bin/python -m bench.profiles apply     # figure 2: applying it
    .venv/bin/python -m bench.profiles apply --postgres
    .venv/bin/python -m bench.profiles decode    # figure 7: decode + validate + store
    .venv/bin/python -m bench.profiles replan    # figure 3
    .venv/bin/python -m bench.profiles browser   # figure 4: F3 to the first rows painted
    .venv/bin/python -m bench.profiles browser --keys --postgres --browser-tracks 1000000
    .venv/bin/python -m bench.profiles plan --projects 1000 --tracks 10000 --html out.html
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from bench.common import Sizes, build_simulator, workspace

SECTIONS = ("decode", "plan", "apply", "replan", "browser")


async def _pipeline(section: str, args: argparse.Namespace, profiler: Any) -> None:
    from bench.common import seeded_service
    from bench.local_work import page_bodies
    from ss_tui.engine.fetcher import FetchResult
    from ss_tui.engine.rows import as_uuid
    from ss_tui.engine.snapshots import save_snapshots
    from ss_tui.sessionstudio.client import decode_body, parse_page

    _, sim = build_simulator(args.projects, args.tracks)
    pages = page_bodies(sim)
    pg = None
    with workspace() as ws:
        if args.postgres:
            from bench.postgres import BenchPostgres

            pg = BenchPostgres()
            await pg.start()
            if not pg.available:
                raise SystemExit(pg.why_not)
        url = await pg.fresh() if pg is not None else await ws.sqlite_url("profile")
        svc, cid = await seeded_service(url, [], sim.demo_account_id)
        try:
            ids: list[str] = []
            if section == "decode":
                profiler.start()
            for body in pages:
                items = decode_body(body)["data"]  # as the client reads a page
                parsed = parse_page(items)
                fetched = FetchResult()  # what the importer's fetcher keeps of a page
                svc.fetcher.take_page(parsed, fetched)
                payloads = list(fetched.payloads.values())
                async with svc.engine.begin() as conn:
                    await save_snapshots(conn, as_uuid(cid), payloads)
                ids += [p["id"] for p in payloads]
            if section == "decode":
                profiler.stop()
                return
            if section == "plan":
                profiler.start()
            plan = await svc.plan(cid, ids)
            if section == "plan":
                profiler.stop()
                return
            if section == "apply":
                profiler.start()
            await svc.apply(plan)
            if section == "apply":
                profiler.stop()
                return
            profiler.start()
            await svc.plan(cid, ids)
            profiler.stop()
        finally:
            await svc.engine.dispose()
            if pg is not None:
                pg.stop()


async def _browser(args: argparse.Namespace, profiler: Any) -> None:
    from bench import browser
    from ss_tui.db.engine import create_engine

    sizes = Sizes(browser_tracks=args.browser_tracks)
    pg = None
    with workspace() as ws:
        if args.postgres:
            from bench.postgres import BenchPostgres

            pg = BenchPostgres()
            await pg.start()
            if not pg.available:
                raise SystemExit(pg.why_not)
        try:
            if args.url:  # a database seeded before (``python -m bench … --keep``)
                url, term = args.url, args.term
            else:
                url = await pg.fresh() if pg is not None else await ws.sqlite_url("browser")
                term, _ = await browser._seed(sizes, [url])
            engine = create_engine(url)
            try:
                if args.warm:  # a first run unprofiled: caches and plans as a second open
                    await browser._dashboard(url, engine, term)
                await browser._dashboard(url, engine, term, profile=profiler, keys=args.keys)
            finally:
                await engine.dispose()
        finally:
            if pg is not None:
                pg.stop()


class _CProfile:
    """cProfile behind pyinstrument's start/stop, printing own and cumulative time."""

    def __init__(self) -> None:
        import cProfile

        self.profile = cProfile.Profile()

    def start(self) -> None:
        self.profile.enable()

    def stop(self) -> None:
        self.profile.disable()

    def print(self, top: int) -> None:
        import pstats

        stats = pstats.Stats(self.profile)
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumtime").print_stats(top)


def main(argv: list[str] | None = None) -> None:
    from pyinstrument import Profiler

    p = argparse.ArgumentParser(prog="python -m bench.profiles", description=__doc__)
    p.add_argument("section", choices=SECTIONS)
    p.add_argument("--projects", type=int, default=1_000)
    p.add_argument("--tracks", type=int, default=10_000)
    p.add_argument("--browser-tracks", type=int, default=100_000)
    p.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL, not SQLite")
    p.add_argument(
        "--keys", action="store_true", help="browser: profile the keystrokes, not the first paint"
    )
    p.add_argument("--warm", action="store_true", help="browser: one unprofiled run first")
    p.add_argument("--url", help="browser: profile on this seeded database instead of a new one")
    p.add_argument("--term", default="love", help="browser with --url: the search term typed")
    p.add_argument("--html", type=Path, help="also write pyinstrument's HTML report here")
    p.add_argument("--top", type=int, default=25, help="hottest functions listed")
    p.add_argument(
        "--cprofile",
        action="store_true",
        help="cProfile instead (exact counts; pyinstrument can charge C calls such as "
        "json decoding to a neighbouring Python frame)",
    )
    args = p.parse_args(argv)
    profiler: Any = _CProfile() if args.cprofile else Profiler(interval=0.001)
    if args.section == "browser":
        asyncio.run(_browser(args, profiler))
    else:
        asyncio.run(_pipeline(args.section, args, profiler))
    if args.cprofile:
        profiler.print(args.top)
        return
    print(profiler.output_text(unicode=True, time="percent_of_total", short_mode=False))
    flat = profiler.output_text(unicode=True, flat=True, time="percent_of_total")
    print("\n".join(flat.splitlines()[: args.top + 6]))
    if args.html:
        args.html.write_text(profiler.output_html())


if __name__ == "__main__":
    main()
