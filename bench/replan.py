"""Figure 3 — re-planning an unchanged catalogue against the database that holds it.

Runs on figure 2's SQLite database (the catalogue applied): plan the same projects again,
``--repeat`` times, timed; then apply the last plan and count the rows it writes (must be 0).
"""

from __future__ import annotations

from bench.apply_vs_raw import Applied
from bench.common import Figure, Sizes, Timer

TARGET_S = 0.5
WRITING = ("create", "update", "delete", "conflict")


async def run(sizes: Sizes, applied: Applied) -> Figure:
    fig = Figure(
        3, "Re-plan unchanged", params={"tracks": sizes.apply_tracks, "runs": sizes.repeat}
    )
    svc = applied.svc
    times = []
    for _ in range(sizes.repeat):
        with Timer() as t:
            plan = await svc.plan(applied.connection_id, applied.project_ids)
        times.append(t.s)
    totals = plan.totals()
    result = await svc.apply(plan)
    fig.add(
        "re-plan",
        times,
        "s",
        at_most=TARGET_S,
        note=f"{len(applied.project_ids):,} projects, {sizes.apply_tracks:,} tracks",
    )
    fig.add("entities planned as changing", sum(totals[a] for a in WRITING), "", at_most=0)
    fig.add("rows written by applying it", result.rows_written, "rows", at_most=0)
    return fig
