"""The plan for the selection, before anything is written: projects → entities with
+ create, ~ update, = unchanged, ! conflict; field-level before → after; include/exclude,
conflict choices, target creator profile; confirm applies exactly this plan."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Select, Static, Tree

from ss_tui.engine.plan_types import EntityChange, ImportPlan, ProjectPlan
from ss_tui.tui.safe import clean, lit
from ss_tui.tui.screens.base import BaseScreen
from ss_tui.tui.services import record_choices
from ss_tui.tui.widgets.dialogs import ConfirmDialog
from ss_tui.tui.widgets.plan_view import (
    entity_detail,
    entity_label,
    options_line,
    project_label,
    totals_line,
)

NodeData = tuple[ProjectPlan, EntityChange | None]


class PreviewScreen(BaseScreen):
    TITLE = "Preview import"
    HELP = """\
What the import would write, entity by entity. Nothing is written until you confirm.

* `+` create, `~` update, `=` unchanged, `!` conflict (colours say the same).
* The right pane shows each field **before → after** (🔒 locked fields are kept, *(kept)*
  marks another source's value kept because overwrite is off).
* **x** excludes/includes the highlighted entity or project, **c** cycles a conflict's
  choices, **w** toggles overwriting other sources' values for the project.
* Choose the **creator profile** a project goes to in the selector (remembered per artist).
* **u** includes unreleased and draft projects (written as Jovie drafts, never public),
  **m** collaborations (other accounts' projects the account is a member of); both re-plan.
* **a** applies exactly this plan.
"""
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("x", "toggle_include", "Include/Exclude", id="preview.toggle",
                tooltip="Exclude or include the highlighted item"),
        Binding("c", "cycle_choice", "Conflict choice", id="preview.choice",
                tooltip="Cycle the choices of the highlighted conflict"),
        Binding("w", "toggle_overwrite", "Overwrite", id="preview.overwrite",
                tooltip="Overwrite other sources' values for this project (re-plans)"),
        Binding("u", "toggle_option('include_unreleased')", "Unreleased",
                id="preview.unreleased",
                tooltip="Include unreleased and draft projects (as Jovie drafts; re-plans)"),
        Binding("m", "toggle_option('include_collaborations')", "Collaborations",
                id="preview.collaborations",
                tooltip="Include other accounts' projects this account is a member of"),
        Binding("a", "apply", "Apply", id="preview.apply", tooltip="Apply exactly this plan"),
        Binding("escape", "back", "Back", id="preview.back", tooltip="Back to the browser"),
    ]

    def __init__(self, plan: ImportPlan, creator_profiles: list[tuple[str, str]] | None = None):
        super().__init__()
        self.plan = plan
        self.creator_profiles = creator_profiles or []
        self._current: NodeData | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=not self.ctx.frozen)
        yield Static(totals_line(self.plan), id="plan-totals", classes="status-line")
        yield Static(options_line(self.plan), id="plan-options", classes="status-line")
        with Horizontal(id="preview-body"):
            tree: Tree[NodeData] = Tree(Text("Plan"), id="plan-tree")
            tree.show_root = False
            yield tree
            with Vertical(id="preview-side", classes="detail-pane"):
                yield Select(self._creator_options(), prompt="Creator profile", id="creator")
                yield VerticalScroll(Static(entity_detail(None, None), id="entity-detail"))
        yield Footer()

    def _creator_options(self) -> list[tuple[Text, str]]:
        return [(lit(name, max_len=40), pid) for pid, name in self.creator_profiles]

    def on_mount(self) -> None:
        self.build_tree()
        if not self.creator_profiles:
            self.load_creators()
        tree = self.query_one("#plan-tree", Tree)
        tree.focus()

    @work(exclusive=True, group="creators", exit_on_error=False)
    async def load_creators(self) -> None:
        try:
            self.creator_profiles = await self.ss_app.services.creator_profiles()
        except Exception:
            return  # no selector options; the plan's own choice stands
        self.query_one("#creator", Select).set_options(self._creator_options())
        self._sync_creator()

    def build_tree(self) -> None:
        tree: Tree[NodeData] = self.query_one("#plan-tree", Tree)
        tree.clear()
        for p in self.plan.projects:
            expand = len(self.plan.projects) <= 3
            node = tree.root.add(project_label(p), data=(p, None), expand=expand)
            for e in p.entities:
                node.add_leaf(entity_label(e), data=(p, e))
        self._refresh_totals()

    def _refresh_totals(self) -> None:
        self.query_one("#plan-totals", Static).update(totals_line(self.plan))
        self.query_one("#plan-options", Static).update(options_line(self.plan))

    def action_toggle_option(self, name: str) -> None:
        """Flip an import option (SessionStudioImportOptions) and plan every project again."""
        from ss_tui.engine.decisions import PlanDecisions

        decisions = self.plan.decisions
        if not isinstance(decisions, PlanDecisions):
            decisions = PlanDecisions()
        for project in self.plan.projects:
            record_choices(project, decisions)
            if project.left_out_by_option:  # not staff's exclusion: the option decides
                decisions.set(project.project_id).include = True
        setattr(decisions, name, not getattr(decisions, name))
        self.replan_all(decisions)

    @work(exclusive=True, group="replan", exit_on_error=False)
    async def replan_all(self, decisions: Any) -> None:
        ids = [p.project_id for p in self.plan.projects]
        try:
            plan = await self.ss_app.services.plan(self.plan.connection_id, ids, decisions)
        except Exception as exc:  # shown to the user; the preview stays as it was
            self.notify(clean(f"Could not plan again: {exc}"), severity="error", markup=False)
            return
        plan.decisions = decisions
        self.plan = plan
        self.build_tree()

    @on(Tree.NodeHighlighted, "#plan-tree")
    def _highlighted(self, event: Tree.NodeHighlighted[NodeData]) -> None:
        self._current = event.node.data
        self._show_current()

    def _show_current(self) -> None:
        if self._current is None:
            return
        project, entity = self._current
        self.query_one("#entity-detail", Static).update(entity_detail(entity, project))
        self._sync_creator()

    def _sync_creator(self) -> None:
        if self._current is None:
            return
        select = self.query_one("#creator", Select)
        pid = self._current[0].creator_profile_id
        known = {value for _label, value in self._creator_options()}
        with self.prevent(Select.Changed):
            if pid in known:
                select.value = pid
            else:
                select.clear()

    def _relabel(self) -> None:
        tree: Tree[NodeData] = self.query_one("#plan-tree", Tree)
        node = tree.cursor_node
        if node is None or node.data is None:
            return
        project, entity = node.data
        if entity is None:
            node.set_label(project_label(project))
            for child in node.children:
                if child.data is not None and child.data[1] is not None:
                    child.set_label(entity_label(child.data[1]))
        else:
            node.set_label(entity_label(entity))
            if node.parent is not None:
                node.parent.set_label(project_label(project))
        self._refresh_totals()
        self._show_current()

    # -- actions ----------------------------------------------------------------------------

    def action_toggle_include(self) -> None:
        if self._current is None:
            return
        project, entity = self._current
        if entity is None:
            project.included = not project.included
            self._relabel()
        else:
            # The engine decides what follows from an exclusion (a recording's credits,
            # release track and links go with it), so the project is planned again.
            entity.included = not entity.included
            self._relabel()
            self.replan(project)

    def action_cycle_choice(self) -> None:
        if self._current is None or self._current[1] is None:
            return
        conflict = self._current[1].conflict
        if conflict is None or not conflict.choices:
            self.notify("No conflict here.", severity="warning")
            return
        choices = conflict.choices
        idx = choices.index(conflict.chosen) + 1 if conflict.chosen in choices else 0
        conflict.chosen = conflict.choices[idx % len(conflict.choices)]
        self._relabel()
        self.replan(self._current[0])

    def action_toggle_overwrite(self) -> None:
        if self._current is None:
            return
        project = self._current[0]
        self.replan(project, overwrite=not project.overwrite_other_sources)

    @on(Select.Changed, "#creator")
    def _creator_changed(self, event: Select.Changed) -> None:
        if self._current is None or event.value is Select.NULL:
            return
        project = self._current[0]
        if project.creator_profile_id != event.value:
            self.replan(project, creator_profile_id=str(event.value))

    @work(exclusive=True, group="replan", exit_on_error=False)
    async def replan(self, project: ProjectPlan, **changes: Any) -> None:
        """Re-plan one project with a new decision, keeping staff's other choices."""
        if self.plan.connection_id is None:
            return  # a plan not made by the engine (tests, screenshots): edits stay in place
        try:
            fresh = await self.ss_app.services.replan(self.plan, project.project_id, **changes)
        except Exception as exc:
            self.notify(clean(f"Could not re-plan: {exc}"), severity="error", markup=False)
            return
        self.plan.projects = [fresh if p.project_id == project.project_id else p
                              for p in self.plan.projects]
        key = self._current[1].key if self._current and self._current[1] else None
        self.build_tree()
        self._restore_cursor(fresh.project_id, key)

    def _restore_cursor(self, project_id: str, entity_key: str | None) -> None:
        tree: Tree[NodeData] = self.query_one("#plan-tree", Tree)
        for pnode in tree.root.children:
            if pnode.data is None or pnode.data[0].project_id != project_id:
                continue
            pnode.expand()
            target = pnode
            for child in pnode.children:
                if child.data is not None and child.data[1] is not None \
                        and child.data[1].key == entity_key:
                    target = child
            self.call_after_refresh(tree.move_cursor, target)
            return

    def action_apply(self) -> None:
        pending = self.plan.unresolved_conflicts()
        if pending:
            self.notify(f"Resolve {len(pending)} conflict(s) first (c), or exclude them (x).",
                        severity="warning")
            return
        totals = self.plan.totals()
        message = Text("Apply this plan?\n\n", style="bold")
        message.append_text(totals_line(self.plan))
        message.append(f"\n\n{totals['create'] + totals['update']} rows will be written.")

        def answer(yes: bool | None) -> None:
            if yes:
                self.dismiss()
                self.ss_app.start_import(self.plan)

        self.app.push_screen(ConfirmDialog(message, yes="Apply", no="Not yet"), answer)

    def action_back(self) -> None:
        self.dismiss()
