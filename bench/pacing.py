"""Figure 6 — the client's pacing at the rate limit, over real loopback HTTP.

For each rate R (10, 20, 50 requests per 1 s window), ``bench/client_pacing.py`` fetches
N projects with single ``GET /projects/{id}`` requests, 8 in flight, from a fresh simulator
in a process of its own (so every run starts with a full budget, and the server's clock is
not slowed by the client's work), 5 consecutive runs per rate. Held to its targets in every
run: elapsed ÷ N/R ≤ 1.15 and at most one 429. With ``--busy`` another process spins on
one core for the whole figure (a busy machine).
"""

from __future__ import annotations

from bench.common import Figure, Sizes, busy_core

TARGET_RATIO = 1.15
TARGET_429 = 1


async def run(sizes: Sizes, *, busy: bool = False) -> Figure:
    from bench.client_pacing import measure

    fig = Figure(
        6,
        "Pacing at the rate limit",
        params={
            "requests": sizes.pacing_requests,
            "rates": list(sizes.pacing_rates),
            "runs": sizes.pacing_runs,
            "in_flight": sizes.pacing_in_flight,
            "busy": busy,
        },
    )
    with busy_core(busy):
        for rate in sizes.pacing_rates:
            runs = [
                await measure(rate, sizes.pacing_requests, sizes.pacing_in_flight)
                for _ in range(sizes.pacing_runs)
            ]
            fig.add(
                f"{rate}/s: elapsed ÷ N/R",
                [r["ratio"] for r in runs],
                "x",
                at_most=TARGET_RATIO,
                every_run=True,
                note=f"N = {sizes.pacing_requests}, bound {runs[0]['bound_s']:.1f} s; "
                f"sent {max(r['sent'] for r in runs)} at most"
                + ("; one core busy" if busy else ""),
            )
            fig.add(
                f"{rate}/s: 429s per run",
                [r["429s"] for r in runs],
                "",
                at_most=TARGET_429,
                every_run=True,
                note="each run: " + " ".join(str(r["429s"]) for r in runs),
            )
    return fig
