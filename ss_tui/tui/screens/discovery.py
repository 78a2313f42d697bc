"""Results of "Discover links" on the selected releases: found / not found / failed per
release and per provider, live as the pass runs. Failures are sync errors (Errors screen)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from ss_tui.tui.discovery_state import DiscoveryState, ReleaseResult
from ss_tui.tui.messages import ShowErrors
from ss_tui.tui.operation import Operation, Phase
from ss_tui.tui.safe import lit
from ss_tui.tui.screens.base import BaseScreen
from ss_tui.tui.widgets.columns import Column, FittedColumns
from ss_tui.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from ss_tui.discovery.report import DiscoveryReport

RESULT_STYLES = {
    "pending": ("… looking up", "dim"),
    "found": ("✓ found", "green"),
    "not_found": ("○ not found", "yellow"),
    "failed": ("✗ failed", "bold red"),
    "unchanged": ("= unchanged", "dim"),
}


def result_text(status: str) -> Text:
    label, style = RESULT_STYLES.get(status, (status, ""))
    return Text(label, style=style)


def providers_text(row: ReleaseResult) -> Text:
    out = Text(end="")
    for i, (provider, status) in enumerate(sorted(row.providers.items())):
        if i:
            out.append("  ")
        label, style = RESULT_STYLES.get(status, (status, ""))
        out.append(f"{provider} {label.split(' ', 1)[0]}", style=style)
    return out


COLUMNS = (
    Column("title", "Release", 40, 30),
    Column("result", "Result", 14, 13),
    Column("providers", "Providers", 48, 38),
    Column("links", "Links", 6, 5),
)


class DiscoveryScreen(BaseScreen):
    TITLE = "Discover links"
    HELP = """\
Links on other services (Apple Music, Deezer, MusicBrainz) for the selected imported
releases, found from their UPC and the tracks' ISRCs. Links staff set by hand are never
changed; a search-URL fallback is stored when a service does not know a release.

* **✓ found** new links were written; **○ not found** the services do not know it;
  **✗ failed** a service could not be asked: the failure is a sync error (**e**).
* **escape** goes back to the browser (the pass keeps running).
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="discovery.back", tooltip="Back to the browser"),
        Binding("e", "errors", "Errors", id="discovery.errors",
                tooltip="Sync errors (failed lookups are recorded there)"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.fitted = FittedColumns(*COLUMNS)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=not self.ctx.frozen)
        yield Static("", id="discovery-summary", classes="summary")
        yield DataTable(id="discovery", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#discovery", DataTable)
        self.fitted.fit(table, self.app.size.width)
        self.ctx.live.discovery.changed.subscribe(
            self, lambda discovery: self.render_state(discovery.detail))
        self.render_state(self.ctx.live.discovery.detail)
        table.focus()

    def on_resize(self) -> None:
        if self.fitted.fit(self.query_one("#discovery", DataTable), self.app.size.width):
            self.render_state(self.ctx.live.discovery.detail)

    def render_state(self, state: DiscoveryState) -> None:
        table = self.query_one("#discovery", DataTable)
        for rid, row in state.releases.items():
            cells = (lit(row.title, max_len=60, empty="(untitled)"), result_text(row.status),
                     providers_text(row), Text(str(row.links_created), justify="right"))
            if rid in table.rows:
                for key, cell in zip(("title", "result", "providers", "links"), cells,
                                     strict=True):
                    table.update_cell(rid, key, cell)
            else:
                table.add_row(*cells, key=rid)
        self.query_one("#discovery-summary", Static).update(
            self._summary(state, self.ctx.live.discovery))

    @staticmethod
    def _summary(
        state: DiscoveryState, discovery: Operation[DiscoveryState, DiscoveryReport]
    ) -> Text:
        """What the pass found so far; ``discovery`` says whether it could run at all."""
        done = sum(1 for r in state.releases.values() if r.status != "pending")
        text = Text()
        if discovery.phase is Phase.failed:
            text.append("Discovery could not run: ", style="bold red")
            text.append_text(lit(discovery.message, max_len=200))
            return text
        if not state.finished:
            text.append(f"Looking up links… {done} of {len(state.releases)} releases done",
                        style="bold")
        else:
            c = state.counts
            text.append(f"Done: {len(state.releases)} release(s)", style="bold")
            text.append(f"  ·  {c.get('found', 0)} found", style="green")
            text.append(f"  ·  {c.get('not_found', 0)} not found", style="yellow")
            text.append(f"  ·  {c.get('failed', 0)} failed",
                        style="bold red" if c.get("failed") else "")
            text.append(f"  ·  {c.get('unchanged', 0)} unchanged")
            text.append(f"\n{c.get('links_created', 0)} link(s) created, "
                        f"{c.get('links_upgraded', 0)} upgraded, "
                        f"{c.get('fallbacks', 0)} search fallback(s)")
            if c.get("failed"):
                text.append("  ·  failures are on the Errors screen (e)", style="red")
        if state.not_imported:
            text.append(f"\n{state.not_imported} selected project(s) not imported yet: "
                        "nothing to look up for them.", style="dim")
        return text

    def action_back(self) -> None:
        self.dismiss()

    def action_errors(self) -> None:
        self.dismiss()
        self.request(ShowErrors())
