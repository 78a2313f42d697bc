"""Figure 5 — memory stays flat: peak RSS of a headless import at two catalogue sizes.

The simulator runs in this process (served over loopback); the import runs alone in a child
(bench/import_child.py) under bench/rss_probe.py, which reads the child's peak RSS with
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``. Imports of 20,000 and of 200,000 tracks
(``--memory-tracks``, ``--memory-tracks-large``), ``--repeat`` runs each, each into a fresh
SQLite file; a streaming import holds a page at a time, so the two peaks must differ by
less than 20 %. The same child with ``--baseline`` (modules loaded, nothing imported) shows
the interpreter's own share.
"""

from __future__ import annotations

from typing import Any

from bench.common import Figure, Sizes, Workspace, build_simulator, run_import_child

TARGET_GROWTH_PCT = 20.0


async def _peaks(sizes: Sizes, ws: Workspace, tracks: int) -> tuple[list[float], int]:
    from ss_tui.simulator.server import start_live_simulator

    projects = max(1, tracks // 10)
    app, sim = build_simulator(projects, tracks, rate_limit=1_000_000)
    token = sim.personal_token()
    peaks: list[float] = []
    rows = 0
    with start_live_simulator(app=app) as live:
        for _ in range(sizes.repeat):
            url = await ws.sqlite_url("memory")
            report: dict[str, Any] = await run_import_child(
                [
                    "--base-url",
                    live.base_url,
                    "--database-url",
                    url,
                    "--account",
                    sim.demo_account_id,
                ],
                token,
            )
            result = report["result"]
            if result["items"].get("applied", 0) != projects:
                raise RuntimeError(f"the import did not write every project: {result}")
            peaks.append(report["maxrss_kib"] / 1024)
            rows = result["rows"]
            ws.sqlite_path(url).unlink(missing_ok=True)  # 200k tracks is a large file
    return peaks, rows


async def run(sizes: Sizes, ws: Workspace) -> Figure:
    small, large = sizes.memory_tracks, sizes.memory_tracks_large
    fig = Figure(5, "Memory", params={"tracks": [small, large], "runs": sizes.repeat})
    baseline = await run_import_child(["--baseline"])
    base_mb = baseline["maxrss_kib"] / 1024
    small_peaks, small_rows = await _peaks(sizes, ws, small)
    large_peaks, large_rows = await _peaks(sizes, ws, large)
    fig.add(
        f"peak RSS, import of {small:,} tracks",
        small_peaks,
        "MB",
        note=f"{small_rows:,} rows written; interpreter + modules alone {base_mb:.0f} MB",
    )
    fig.add(
        f"peak RSS, import of {large:,} tracks",
        large_peaks,
        "MB",
        note=f"{large_rows:,} rows written",
    )
    fig.add(
        "growth: large ÷ small - 1",
        [100 * (big / sm - 1) for sm, big in zip(small_peaks, large_peaks, strict=True)],
        "%",
        at_most=TARGET_GROWTH_PCT,
        note=f"{large // small}x the tracks",
    )
    return fig
