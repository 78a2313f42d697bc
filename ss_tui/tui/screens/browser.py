"""Browse the account's projects from the local snapshot, one page at a time.

Rows come from ``ss_tui.queries.projects`` in pages of ``PAGE_SIZE``: the first page on a
filter change, the next ones as the cursor nears the end. A keystroke queries at once (no
debounce to wait out); keystrokes arriving while a page query runs are coalesced into one
query for the latest text. The count runs after the rows are painted, off the critical path,
and is cached per filter. Nothing here loads the whole catalogue.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Header, Input, ProgressBar, Select, Static

from ss_tui.queries import projects as q
from ss_tui.tui.messages import DiscoverLinks, Navigate, OpenPreview, RefreshFromRemote
from ss_tui.tui.operation import Operation
from ss_tui.tui.refresh_state import RefreshState
from ss_tui.tui.safe import lit
from ss_tui.tui.screens.base import BaseScreen
from ss_tui.tui.widgets.format import STATE_STYLES, mark, when
from ss_tui.tui.widgets.key_footer import KeyFooter
from ss_tui.tui.widgets.project_detail import render_project_detail

PAGE_SIZE = 100
PREFETCH_MARGIN = 20  # fetch the next page when the cursor is this close to the end
SELECT_ALL_PAGE = 2000  # select-all reads the matching ids from SQL in pages this size
# How long a first open holds the screen's first frame for its first page of rows: one paint
# with the rows instead of an empty table then the rows (bench/README.md, figure 4). A
# slower query shows the empty table meanwhile.
FIRST_FRAME_WAIT = 0.25

STATUS_OPTIONS = [("Released", "released"), ("Unreleased", "unreleased"), ("Draft", "draft")]
TYPE_OPTIONS = [("Single", "single"), ("EP", "ep"), ("Album", "album"),
                ("Compilation", "compilation")]
STATE_OPTIONS = [("New", "new"), ("Changed", "changed"), ("Imported", "imported"),
                 ("Has errors", "errors")]
MEMBER_OPTIONS = [("Own projects", "own"), ("Collaborations", "member")]
SORT_OPTIONS = [(label, key) for key, label in q.SORTS.items()]


# The table's columns at the smallest supported terminal (100x30): key, label, width.
COLUMNS = (
    ("sel", " ", 1), ("title", "Title", 22), ("artist", "Artist", 12), ("type", "Type", 11),
    ("status", "Status", 10), ("released", "Released", 10), ("tracks", "Trk", 3),
    ("state", "State", 12),
)
# Wider than that, title and artist share what is left (2:1), up to what their cells hold.
GROWS = {"title": (2, 60), "artist": (1, 40)}  # share, most


def fitted_widths(width: int) -> dict[str, int]:
    """Each column's width in a table ``width`` cells wide (padding and scrollbar kept)."""
    widths = {key: size for key, _label, size in COLUMNS}
    spare = width - 2 - sum(size + 2 for *_, size in COLUMNS)  # scrollbar; each cell's padding
    shares = sum(share for share, _ in GROWS.values())
    for key, (share, most) in GROWS.items():
        widths[key] = min(most, widths[key] + max(0, spare) * share // shares)
    return widths


class ProjectTable(DataTable[Any]):
    """The projects table: End/Home go to the last/first row (DataTable's own End scrolls
    sideways), Down on the last loaded row asks the screen for the next page, and title and
    artist widen with the terminal."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("end", "scroll_bottom", "Last row", id="projects.last", show=False),
        Binding("home", "scroll_top", "First row", id="projects.first", show=False),
    ]

    class AtEnd(Message):
        """Down was pressed on the last loaded row."""

    def action_cursor_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            self.post_message(self.AtEnd())
        super().action_cursor_down()

    def add_fitted_columns(self) -> None:
        widths = fitted_widths(self.size.width)
        for key, label, _size in COLUMNS:
            self.add_column(label, key=key, width=widths[key])

    def on_resize(self, event: events.Resize) -> None:
        widths = fitted_widths(event.size.width)
        changed = False
        for key, column in self.columns.items():
            width = widths.get(key.value or "", column.width)
            if column.width != width:
                column.width, changed = width, True
        if changed:  # the rows keep their cells; only the drawing of them is redone
            self._clear_caches()
            self._require_update_dimensions = True
            self.refresh()


def _count_key(f: q.ProjectFilter) -> q.ProjectFilter:
    """The filter as its count sees it: sorting changes the rows' order, not their number."""
    return replace(f, sort="title", descending=False)


class BrowserScreen(BaseScreen):
    TITLE = "Browse projects"
    HELP = """\
Projects of the connected account, read from the local snapshot (refresh with **r**).

* Type in the search box to filter by title, artist or project id (as you type).
* Filter by status, type, artist and import state: *new* (never imported), *changed
  upstream* (edited in Session Studio since the last import), *imported*, *has errors*;
  and by owner: *own projects* or *collaborations* (other accounts' projects the account
  is a member of).
* **space** selects the highlighted project, **ctrl+a** every project matching the search
  and filters (loaded or not), **x** clears.
* **End** jumps to the last loaded row and loads the next page; so do PageDown and the wheel.
* **p** previews the import of the selection: nothing is written before you confirm.
* **d** discovers the selected imported releases' links on other services (Apple Music,
  Deezer, MusicBrainz) from their UPC and ISRCs.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", id="browser.search",
                tooltip="Search titles, artists and ids"),
        Binding("space", "toggle_select", "Select", id="browser.toggle",
                tooltip="Select or unselect the highlighted project"),
        Binding("p", "preview", "Preview", id="browser.preview",
                tooltip="Preview the import of the selected projects"),
        Binding("r", "refresh_remote", "Refresh", id="browser.refresh",
                tooltip="Fetch what changed in Session Studio (incremental)"),
        Binding("ctrl+a", "select_all", "Select all", id="browser.select_all",
                tooltip="Select every project matching the search and filters"),
        Binding("x", "clear_selection", "Clear", id="browser.clear",
                tooltip="Clear the selection"),
        Binding("o", "cycle_sort", "Sort", id="browser.sort", tooltip="Change the sort column"),
        Binding("d", "discover", "Discover links", id="browser.discover",
                tooltip="Find the selected imported releases on other services (ISRC/UPC)"),
        Binding("O", "reverse_sort", "Reverse", id="browser.reverse", show=False,
                tooltip="Reverse the sort order"),
        Binding("c", "reconnect", "Reconnect", id="browser.reconnect",
                tooltip="The token was revoked: reconnect on the Connect screen"),
    ]

    # Bound to the refresh's ProgressBar (FetchProgress: fetched / total, None = unknown yet).
    fetched: reactive[float] = reactive(0.0)
    fetch_total: reactive[float | None] = reactive(None)

    def __init__(self) -> None:
        super().__init__()
        self.filter = q.ProjectFilter()
        self.total = 0
        self.loaded = 0
        self.selected: dict[str, int] = {}  # external_id -> track count
        self._generation = 0
        self._loading_more = False
        self._more = False  # the last page was full: there may be more rows
        self._page_busy = False  # a first-page query runs; reloads meanwhile are coalesced
        self._reload_pending = False
        # Totals per filter (order left out: it never changes a count), until data changes.
        self._counts: dict[q.ProjectFilter, int] = {}
        self._detail_shown: str | None = None  # the project in the detail pane
        self._advance_after_load = False  # Down on the last row: move on once rows arrive
        self._artists_after_page = False  # load the artist filter once the first page is in
        self._first_page_in = asyncio.Event()
        self._filters_in = asyncio.Event()  # the filter selects are mounted

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=not self.ctx.frozen)
        with Horizontal(id="browser-filters", classes="filters"):
            yield Input(placeholder="Search title, artist, id…", id="search")
            # The filter selects (half the screen's widgets) are mounted after the first
            # frame: the rows are painted without waiting for them (_mount_filters).
        with Horizontal(id="browser-body"):
            with Vertical(id="browser-list"):
                yield Static("", id="browser-alert")
                with Horizontal(id="refresh-box"):
                    yield Static("", id="refresh-label")
                    yield ProgressBar(total=None, show_eta=False, id="refresh-bar").data_bind(
                        progress=BrowserScreen.fetched, total=BrowserScreen.fetch_total
                    )
                yield ProjectTable(id="projects", cursor_type="row", zebra_stripes=True)
                yield Static("", id="browser-status", classes="status-line")
            with VerticalScroll(id="browser-detail", classes="detail-pane"):
                yield Static(render_project_detail(None), id="project-detail")
        yield KeyFooter()

    def _filter_selects(self) -> list[Select[Any]]:
        return [
            Select(STATUS_OPTIONS, prompt="Any status", id="f-status"),
            Select(TYPE_OPTIONS, prompt="Any type", id="f-type"),
            Select([], prompt="Any artist", id="f-artist"),
            Select(STATE_OPTIONS, prompt="Any state", id="f-state"),
            Select(MEMBER_OPTIONS, prompt="Any owner", id="f-member"),
            Select(SORT_OPTIONS, value=self.filter.sort, allow_blank=False, id="f-sort"),
        ]

    async def _mount_filters(self) -> None:
        await self.query_one("#browser-filters").mount_all(self._filter_selects())
        self._filters_in.set()

    async def on_mount(self) -> None:
        table = self.query_one("#projects", ProjectTable)
        table.add_fitted_columns()
        table.focus()
        # Scrolling with the mouse wheel (no cursor move) must page in more rows too.
        self.watch(table, "scroll_y", self._scrolled, init=False)
        self.ctx.live.data_changed.subscribe(self, self._on_data_changed)
        self.ctx.live.refresh.changed.subscribe(self, self._on_refresh_changed)
        self._on_refresh_changed(self.ctx.live.refresh)
        self._artists_after_page = True
        self.reload()
        # The screen paints once this handler returns: give the first page a moment to land.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first_page_in.wait(), FIRST_FRAME_WAIT)
        self.call_after_refresh(self._mount_filters)

    def _on_data_changed(self, _reason: str) -> None:
        self._counts.clear()
        self._detail_shown = None  # its payload may have changed too
        self.reload()

    def _on_refresh_changed(self, refresh: Operation[RefreshState, Any]) -> None:
        """Show the refresh's progress while it runs, and the reconnect prompt if a revoked
        token stopped it."""
        state = refresh.detail
        self.query_one("#refresh-box").display = refresh.active
        if refresh.active:
            self.fetch_total = refresh.total
            self.fetched = refresh.progress
            label = Text("Refreshing from Session Studio: ", style="bold")
            label.append(f"{state.fetched:,} projects fetched")
            self.query_one("#refresh-label", Static).update(label)
        alert = self.query_one("#browser-alert", Static)
        alert.display = state.reconnect_message is not None
        if state.reconnect_message is not None:
            text = Text("Reconnect needed: ", style="bold")
            text.append_text(lit(state.reconnect_message, max_len=120))
            text.append(f"\nThe refresh stopped after {state.fetched:,} projects, all saved. "
                        "Press c (or F2) to reconnect; the refresh then resumes.")
            alert.update(text)
        self.refresh_bindings()

    def on_screen_resume(self) -> None:
        # The account may have changed on the Connect screen.
        if self.filter.connection_id != self.ctx.live.account:
            self._detail_shown = None
            self.reload()
            self.load_artists()

    # -- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        """Start over from the first page for the current filter."""
        self.filter = replace(self.filter, connection_id=self.ctx.live.account)
        self._generation += 1
        if self._page_busy:  # the running query's worker starts the latest one when done
            self._reload_pending = True
            return
        self._page_busy = True
        self.load_first_page(self._generation, self.filter)

    def _reload_if_pending(self) -> None:
        if self._reload_pending and not self._page_busy:
            self._reload_pending = False
            self.reload()

    @work(group="browser-page", exit_on_error=False)
    async def load_first_page(self, generation: int, f: q.ProjectFilter) -> None:
        try:
            rows = await q.page_projects(self.ctx.db_engine, f, offset=0, limit=PAGE_SIZE)
            if generation != self._generation:
                return  # a newer filter came in meanwhile: it renders instead
            table = self.query_one("#projects", DataTable)
            table.clear()
            self.loaded = 0
            self._add_rows(rows)
            if not rows and self._detail_shown is not None:  # nothing left to describe
                self._detail_shown = None
                self.query_one("#project-detail", Static).update(render_project_detail(None))
            self._more = len(rows) == PAGE_SIZE
            known = len(rows) if not self._more else self._counts.get(_count_key(f))
            self.total = known if known is not None else len(rows)
            self._update_status(counting=known is None)
            if known is None:  # after the rows are painted: the count does not delay them
                self.call_after_refresh(self._count_if_current, generation, f)
        finally:
            self._page_busy = False
            self._first_page_in.set()
            if self._artists_after_page:  # the artist filter's options, off the first paint
                self._artists_after_page = False
                self.call_after_refresh(self.load_artists)
            self.call_later(self._reload_if_pending)

    def _count_if_current(self, generation: int, f: q.ProjectFilter) -> None:
        if generation == self._generation:  # else a newer filter's rows (and count) follow
            self.load_count(generation, f)

    @work(exclusive=True, group="browser-count", exit_on_error=False)
    async def load_count(self, generation: int, f: q.ProjectFilter) -> None:
        """The filter's total, after its first rows are on screen."""
        total = await q.count_projects(self.ctx.db_engine, f)
        self._counts[_count_key(f)] = total
        if generation == self._generation:
            self.total = total
            self._update_status()

    @work(exclusive=True, group="browser-more", exit_on_error=False)
    async def load_next_page(self, generation: int, f: q.ProjectFilter, offset: int) -> None:
        try:
            rows = await q.page_projects(self.ctx.db_engine, f, offset=offset, limit=PAGE_SIZE)
            if generation == self._generation and offset == self.loaded:
                self._add_rows(rows)
                if self._advance_after_load and rows:
                    table = self.query_one("#projects", DataTable)
                    table.move_cursor(row=offset)
                self._advance_after_load = False
                self._more = len(rows) == PAGE_SIZE
                self.total = max(self.total, self.loaded)
                self._update_status(counting=_count_key(self.filter) not in self._counts)
        finally:
            self._loading_more = False

    @work(exclusive=True, group="browser-artists", exit_on_error=False)
    async def load_artists(self) -> None:
        artists = await q.artists(self.ctx.db_engine, self.ctx.live.account)
        await self._filters_in.wait()
        select = self.query_one("#f-artist", Select)
        select.set_options([(lit(name, max_len=30), aid) for aid, name in artists])

    def _add_rows(self, rows: list[q.ProjectRow]) -> None:
        table = self.query_one("#projects", DataTable)
        for r in rows:
            label, style = STATE_STYLES.get(r.import_state, (r.import_state, ""))
            state = Text(label, style=style)
            if r.open_errors:
                state = Text(f"! {r.open_errors} error(s)", style="bold red")
            table.add_row(
                mark(r.external_id in self.selected),
                lit(r.title, max_len=60, empty="(untitled)"),
                lit(r.artist_name, max_len=40),
                lit(r.project_type),
                lit(r.status),
                Text(when(r.release_date) if r.release_date else "—"),
                Text(str(r.track_count), justify="right"),
                state,
                key=r.external_id,
            )
        self.loaded += len(rows)

    def _update_status(self, *, counting: bool = False) -> None:
        tracks = sum(self.selected.values())
        account = "" if self.ctx.live.account else " · no account selected (F2)"
        of = "(counting…)" if counting else f"{self.total:,}"
        text = Text(f"{self.loaded:,} of {of} projects shown", end="")
        text.append(f"  ·  {len(self.selected)} selected ({tracks} tracks)",
                    style="bold" if self.selected else "dim")
        text.append(account, style="yellow")
        unfiltered = replace(self.filter, connection_id=None, sort="title", descending=False)
        # An empty list says why and what to do rather than "0 of 0".
        if counting or self.total:
            pass
        elif not self.ctx.live.account:
            text = Text("No account yet: connect one on the Connect screen (F2), then press r "
                        "here to fetch its projects.", style="yellow", end="")
        elif unfiltered == q.ProjectFilter():  # a new account: nothing fetched yet
            text = Text("No projects fetched yet: press r to fetch this account's projects "
                        "from Session Studio.", style="yellow", end="")
        else:
            text = Text("No project matches the search and filters: change or clear them.",
                        style="yellow", end="")
        self.query_one("#browser-status", Static).update(text)

    # -- events -----------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#projects")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key is not None and key != self._detail_shown:
            # After the frame with the rows: while the user types a search, the filtered
            # rows must not wait for the detail pane (a project's tables take a while).
            self.call_after_refresh(self.show_detail, key)
        self._load_more_if_near(event.cursor_row)

    def _scrolled(self, _old: float, new: float) -> None:
        table = self.query_one("#projects", DataTable)
        last_visible = int(new) + table.scrollable_content_region.height
        self._load_more_if_near(last_visible)

    @on(ProjectTable.AtEnd)
    def _at_end(self) -> None:
        if self._more:
            self._advance_after_load = True
            self._load_more_if_near(self.loaded)

    def _load_more_if_near(self, row: int) -> None:
        if row >= self.loaded - PREFETCH_MARGIN and self._more and not self._loading_more:
            self._loading_more = True
            self.load_next_page(self._generation, self.filter, self.loaded)

    @on(DataTable.RowSelected, "#projects")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_toggle_select()

    @work(exclusive=True, group="browser-detail", exit_on_error=False)
    async def show_detail(self, external_id: str) -> None:
        detail = await q.project_detail(
            self.ctx.db_engine, self.ctx.live.account, external_id
        )
        self.query_one("#project-detail", Static).update(render_project_detail(detail))
        self._detail_shown = external_id

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._search(event.value)
        self.query_one("#projects", DataTable).focus()

    def _search(self, text: str) -> None:
        if text != self.filter.search:
            self.filter = replace(self.filter, search=text)
            self.reload()

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        value: Any = None if event.value is Select.NULL else event.value
        field = {
            "f-status": "status",
            "f-type": "project_type",
            "f-artist": "artist_id",
            "f-state": "import_state",
            "f-member": "membership",
            "f-sort": "sort",
        }.get(event.select.id or "")
        if field is None or getattr(self.filter, field) == value:
            return
        if field == "sort" and value is None:
            return
        self.filter = replace(self.filter, **{field: value})
        self.reload()

    # -- actions ----------------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def _toggle(self, key: str, tracks: int) -> None:
        if key in self.selected:
            del self.selected[key]
        else:
            self.selected[key] = tracks
        self.query_one("#projects", DataTable).update_cell(key, "sel", mark(key in self.selected))

    def action_toggle_select(self) -> None:
        key = self.cursor_key("projects")
        if key is None:
            return
        table = self.query_one("#projects", DataTable)
        tracks = int(str(table.get_cell(key, "tracks")) or 0)
        self._toggle(key, tracks)
        self._update_status()
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)

    def action_select_all(self) -> None:
        self.select_all(self._generation, self.filter)

    @work(exclusive=True, group="browser-select-all", exit_on_error=False)
    async def select_all(self, generation: int, f: q.ProjectFilter) -> None:
        """Every project matching the filter, read from SQL page by page: only the ids and
        track counts are kept, the table still holds just the loaded pages."""
        found: dict[str, int] = {}
        offset = 0
        while True:
            rows = await q.page_projects(self.ctx.db_engine, f, offset=offset,
                                         limit=SELECT_ALL_PAGE)
            found.update((r.external_id, r.track_count) for r in rows)
            offset += len(rows)
            if len(rows) < SELECT_ALL_PAGE:
                break
        if generation != self._generation:
            self.notify("The filter changed meanwhile: press ctrl+a again.", severity="warning")
            return
        new = {k: v for k, v in found.items() if k not in self.selected}
        self.selected.update(new)
        table = self.query_one("#projects", DataTable)
        for key in new:
            if key in table.rows:
                table.update_cell(key, "sel", mark(True))
        self._update_status()
        loaded = f", {self.loaded:,} of them loaded here" if len(found) > self.loaded else ""
        self.notify(f"Selected all {len(found):,} matching projects{loaded}.", markup=False,
                    timeout=4)

    def action_clear_selection(self) -> None:
        keys = list(self.selected)
        self.selected.clear()
        table = self.query_one("#projects", DataTable)
        for key in keys:
            if key in table.rows:
                table.update_cell(key, "sel", mark(key in self.selected))
        self._update_status()

    def action_cycle_sort(self) -> None:
        keys = list(q.SORTS)
        nxt = keys[(keys.index(self.filter.sort) + 1) % len(keys)]
        if not self._filters_in.is_set():  # pressed before the selects are mounted
            self.filter = replace(self.filter, sort=nxt)
            self.reload()
            return
        self.query_one("#f-sort", Select).value = nxt

    def action_reverse_sort(self) -> None:
        self.filter = replace(self.filter, descending=not self.filter.descending)
        self.reload()

    def action_preview(self) -> None:
        if not self.selected:
            self.notify("Select projects first (space).", severity="warning")
            return
        self.request(OpenPreview(list(self.selected)))

    def action_refresh_remote(self) -> None:
        self.request(RefreshFromRemote())

    def action_discover(self) -> None:
        if not self.selected:
            self.notify("Select imported projects first (space).", severity="warning")
            return
        self.request(DiscoverLinks(list(self.selected)))

    def action_reconnect(self) -> None:
        self.request(Navigate("connect"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reconnect":  # offered only while a revoked token stopped a refresh
            return self.ctx.live.refresh.detail.reconnect_message is not None
        return True
