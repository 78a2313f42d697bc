"""Import health over time: run success rate and durations per day, API figures, and
accounts failing run after run (flagged as alerts)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Header, Static
from textual_plotext import PlotextPlot

from ss_tui.jobs.stats import Stats, collect_stats
from ss_tui.tui.failure import describe
from ss_tui.tui.safe import lit
from ss_tui.tui.screens.base import BaseScreen
from ss_tui.tui.widgets.format import duration, plural
from ss_tui.tui.widgets.key_footer import KeyFooter


def _ticks(days: list[str]) -> tuple[list[int], list[str]]:
    """A label every few days ("03-02"), so a narrow chart's labels never run together."""
    step = max(1, len(days) // 5)
    xs = list(range(0, len(days), step))
    return xs, [days[i][5:] for i in xs]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


class StatsScreen(BaseScreen):
    TITLE = "Stats"
    HELP = """\
How imports are doing, from what every run and job recorded in the database (the same
figures as `ss-tui stats`).

* The top line: runs, success rate, job queue, API requests, retries and rate-limit hits.
* **Charts**: runs per day by outcome (ok, partial, failed) and the API's mean response
  time per day, over the last 14 days.
* **Per day**: runs; OK, *Part.* (partial) and *Fail* (failed) outcomes; *Mean* run
  duration; API *Req* (requests), *Retry* (retries) and *429* (rate-limited answers).
* **Accounts**: *Fails*, the failed runs in a row per account; three or more is an alert.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Reload", id="stats.reload", tooltip="Recompute the figures"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=not self.ctx.frozen)
        yield Static("", id="stats-summary")
        yield Static("", id="stats-alerts")
        with Horizontal(id="stats-charts"):
            yield PlotextPlot(id="chart-runs")
            yield PlotextPlot(id="chart-latency")
        with Horizontal(id="stats-body"):
            yield DataTable(id="stats-days", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="stats-accounts", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        days = self.query_one("#stats-days", DataTable)
        # Short headings: the table and the accounts beside it fit 100 columns (F1 explains).
        for label in ("Day", "Runs", "OK", "Part.", "Fail", "Mean", "Req", "Retry", "429"):
            days.add_column(label)
        accounts = self.query_one("#stats-accounts", DataTable)
        for label in ("Account", "Fails", "Last run"):
            accounts.add_column(label)
        self.ctx.live.data_changed.subscribe(self, lambda _reason: self.action_reload())
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    @work(exclusive=True, group="stats-load", exit_on_error=False)
    async def load(self) -> None:
        try:
            stats = await collect_stats(self.ctx.db_engine, now=self.ctx.clock())
        except Exception as exc:
            self.query_one("#stats-summary", Static).update(
                lit(describe(exc, self.ctx, "Computing the figures"), "red"))
            return
        self.render_stats(stats)

    def render_stats(self, stats: Stats) -> None:
        jobs = ", ".join(f"{k} {v}" for k, v in sorted(stats.jobs_by_status.items())) or "none"
        latency = ("—" if stats.mean_api_latency_ms is None
                   else f"{stats.mean_api_latency_ms:.0f} ms")
        summary = (
            f"{plural(stats.runs_total, 'run')} · success {_pct(stats.run_success_rate)}"
            f" · jobs: {jobs} · API {plural(stats.api_requests, 'request')}, "
            f"{plural(stats.api_retries, 'retry', 'retries')}, "
            f"{stats.rate_limited} rate-limited · mean response {latency}"
        )
        self.query_one("#stats-summary", Static).update(
            Text(summary if stats.runs_total or stats.jobs_by_status
                 else "No import has run yet: figures appear after the first run. Pick "
                      "projects on Browse (F3), press p to preview, then a to apply."))
        alerts = Text()
        for a in stats.alerts:
            alerts.append("⚠ ALERT ", style="bold red")
            alerts.append_text(lit(a.account))
            alerts.append(f": {a.consecutive_failures} failed runs in a row\n", style="red")
        self.query_one("#stats-alerts", Static).update(alerts)
        self._chart_runs(stats)
        self._chart_latency(stats)
        days = self.query_one("#stats-days", DataTable)
        days.clear()
        for d in reversed([d for d in stats.days if d.runs]):
            days.add_row(d.day, str(d.runs), str(d.succeeded), str(d.partial),
                         Text(str(d.failed), style="red" if d.failed else ""),
                         duration(d.mean_duration_s), str(d.api_requests), str(d.api_retries),
                         Text(str(d.rate_limited), style="yellow" if d.rate_limited else ""))
        accounts = self.query_one("#stats-accounts", DataTable)
        accounts.clear()
        for a in stats.accounts:
            accounts.add_row(lit(a.account, max_len=30),
                             Text(str(a.consecutive_failures),
                                  style="bold red" if a.alert else ""),
                             Text(a.last_status or "—"))

    def _chart_runs(self, stats: Stats) -> None:
        chart = self.query_one("#chart-runs", PlotextPlot)
        plt = chart.plt
        plt.clear_figure()
        days = [d.day for d in stats.days]
        xs = list(range(len(days)))
        if xs:
            plt.stacked_bar(xs, [[d.succeeded for d in stats.days],
                                 [d.partial for d in stats.days],
                                 [d.failed for d in stats.days]],
                            # plotext's stubs say "label" and one colour; it takes these lists.
                            labels=["ok", "partial", "failed"],  # type: ignore[call-arg]
                            color=["green", "orange", "red"],  # type: ignore[arg-type]
                            width=0.6)
            plt.xticks(*_ticks(days))  # type: ignore[arg-type]  # stubs: float ticks only
        plt.title("Runs per day")
        top = max((d.runs for d in stats.days), default=0)
        plt.ylim(0, max(top, 1))
        plt.yticks(_int_ticks(top))  # type: ignore[arg-type]  # stubs: float ticks only
        chart.refresh()

    def _chart_latency(self, stats: Stats) -> None:
        chart = self.query_one("#chart-latency", PlotextPlot)
        plt = chart.plt
        plt.clear_figure()
        days = [d.day for d in stats.days]
        points = [(i, d.mean_api_latency_ms) for i, d in enumerate(stats.days)
                  if d.mean_api_latency_ms is not None]
        if points:
            plt.plot([x for x, _ in points], [y for _, y in points], marker="braille",
                     color="cyan")
            plt.scatter([x for x, _ in points], [y for _, y in points], marker="●",
                        color="cyan")
            plt.xlim(0, max(len(days) - 1, 1))
            plt.ylim(0, max(y for _, y in points) * 1.2)
            plt.xticks(*_ticks(days))  # type: ignore[arg-type]  # stubs: float ticks only
            plt.title("API response time, ms (daily mean)")
        else:
            plt.title("API response time: no data yet")
        chart.refresh()


def _int_ticks(top: int) -> list[int]:
    """Whole-number y ticks (a run count is never 0.5)."""
    step = max(1, (top + 3) // 4)
    return list(range(0, max(top, 1) + 1, step))
