"""Figure 5 — peak RSS of a headless import of the catalogue, in a subprocess.

The simulator runs in this process (served over loopback); the import runs alone in a child
(bench/import_child.py) under bench/rss_probe.py, which reads the child's peak RSS with
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``. The same child with ``--baseline`` (modules
loaded, nothing imported) is measured too, for how much of the peak the import itself adds.
"""

from __future__ import annotations

from bench.common import Figure, Sizes, Workspace, build_simulator, run_import_child

TARGET_MB = 300


async def run(sizes: Sizes, ws: Workspace) -> Figure:
    from ss_tui.simulator.server import start_live_simulator

    projects = max(1, sizes.memory_tracks // 10)
    fig = Figure(5, "Memory", params={"projects": projects, "tracks": sizes.memory_tracks})
    app, sim = build_simulator(projects, sizes.memory_tracks, rate_limit=1_000_000)
    token = sim.personal_token()
    url = await ws.sqlite_url("memory")
    baseline = await run_import_child(["--baseline"])
    with start_live_simulator(app=app) as live:
        peak = await run_import_child(
            ["--base-url", live.base_url, "--database-url", url, "--account", sim.demo_account_id],
            token,
        )
    result = peak["result"]
    if result["items"].get("applied", 0) != projects:
        raise RuntimeError(f"the import did not write every project: {result}")
    mb, base_mb = peak["maxrss_kib"] / 1024, baseline["maxrss_kib"] / 1024
    fig.add(
        "peak RSS of the import",
        mb,
        "MB",
        at_most=TARGET_MB,
        note=f"{result['rows']:,} rows written; interpreter + modules alone {base_mb:.0f} MB",
    )
    fig.add("of which the import itself", mb - base_mb, "MB")
    return fig
