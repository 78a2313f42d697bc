"""The plan for the selection, before anything is written: projects → entities with
+ create, ~ update, = unchanged, ! conflict; field-level before → after; include/exclude,
conflict choices, target creator profile; confirm applies exactly this plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Header, Select, Static, Tree

from ss_tui.engine import planfile, review
from ss_tui.engine.plan_types import EntityChange, ImportPlan, ProjectPlan
from ss_tui.tui.messages import StartImport
from ss_tui.tui.safe import clean, lit
from ss_tui.tui.screens.base import BaseScreen
from ss_tui.tui.widgets.dialogs import ConfirmDialog, NoteDialog
from ss_tui.tui.widgets.key_footer import KeyFooter
from ss_tui.tui.widgets.plan_view import (
    apply_message,
    entity_detail,
    entity_label,
    options_line,
    plan_summary,
    project_label,
    skipped_label,
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
  choices (on a project: its conflict), **C** gives every conflict of that kind the same
  choice, **n** / **N** jump to the next / previous conflict, **w** toggles overwriting
  other sources' values for the project.
* Choose the **creator profile** a project goes to in the selector (remembered per artist).
* **u** includes unreleased and draft projects (written as Jovie drafts, never public),
  **m** collaborations (other accounts' projects the account is a member of); both re-plan.
* **a** applies exactly this plan; **s** saves it as JSON (`ss-tui apply PLAN.json` writes
  exactly it later), **O** opens a saved plan instead.
"""
    # In the order the footer shows them when space is short (ss_tui/tui/widgets/key_footer.py).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "apply", "Apply", id="preview.apply", tooltip="Apply exactly this plan"),
        Binding("x", "toggle_include", "Include/Exclude", id="preview.toggle",
                tooltip="Exclude or include the highlighted item"),
        Binding("c", "cycle_choice", "Conflict choice", id="preview.choice",
                tooltip="Cycle the choices of the highlighted conflict"),
        Binding("C", "choose_all", "Same for all", id="preview.choose_all",
                tooltip="Give every conflict of this kind the highlighted conflict's choice"),
        Binding("n", "next_conflict", "Next conflict", id="preview.next_conflict"),
        Binding("N", "previous_conflict", "Prev conflict", id="preview.prev_conflict",
                show=False),
        Binding("w", "toggle_overwrite", "Overwrite", id="preview.overwrite",
                tooltip="Overwrite other sources' values for this project (re-plans)"),
        Binding("u", "toggle_option('include_unreleased')", "Unreleased",
                id="preview.unreleased",
                tooltip="Include unreleased and draft projects (as Jovie drafts; re-plans)"),
        Binding("m", "toggle_option('include_collaborations')", "Collaborations",
                id="preview.collaborations",
                tooltip="Include other accounts' projects this account is a member of"),
        Binding("s", "save_plan", "Save plan", id="preview.save",
                tooltip="Save this plan as JSON (ss-tui apply PLAN.json writes exactly it)"),
        Binding("O", "open_plan", "Open plan", id="preview.open", show=False,
                tooltip="Show a saved plan instead (apply then writes exactly that file)"),
        Binding("escape", "back", "Back", id="preview.back", tooltip="Back to the browser"),
    ]

    def __init__(self, plan: ImportPlan, creator_profiles: list[tuple[str, str]] | None = None,
                 *, purpose: str | None = None):
        super().__init__()
        self.plan = plan
        if purpose:
            self.sub_title = purpose
        self.creator_profiles = creator_profiles or []
        self._current: NodeData | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=not self.ctx.frozen)
        yield Static(plan_summary(self.plan), id="plan-summary")
        yield Static(totals_line(self.plan), id="plan-totals", classes="status-line")
        yield Static(options_line(self.plan), id="plan-options", classes="status-line")
        with Horizontal(id="preview-body"):
            tree: Tree[NodeData] = Tree(Text("Plan"), id="plan-tree")
            tree.show_root = False
            yield tree
            with Vertical(id="preview-side", classes="detail-pane"):
                yield Select(self._creator_options(), prompt="Creator profile", id="creator")
                yield VerticalScroll(Static(entity_detail(None, None), id="entity-detail"))
        yield KeyFooter()

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
            self.creator_profiles = await self.ctx.services.creator_profiles()
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
            for skipped in p.skipped:
                node.add_leaf(skipped_label(skipped), data=(p, None))
            for e in p.entities:
                node.add_leaf(entity_label(e), data=(p, e))
        self._refresh_totals()

    def _refresh_totals(self) -> None:
        self.query_one("#plan-summary", Static).update(plan_summary(self.plan))
        self.query_one("#plan-totals", Static).update(totals_line(self.plan))
        self.query_one("#plan-options", Static).update(options_line(self.plan))

    def action_toggle_option(self, name: str) -> None:
        """Flip an import option (SessionStudioImportOptions) and plan every project again."""
        current = bool(getattr(review.decisions_of(self.plan), name, False))
        self.replan(None, **{name: not current})

    @on(Tree.NodeHighlighted, "#plan-tree")
    def _highlighted(self, event: Tree.NodeHighlighted[NodeData]) -> None:
        self._current = event.node.data
        self._show_current()

    def _show_current(self) -> None:
        if self._current is None:
            return
        project, entity = self._current
        names = dict(self.creator_profiles)
        self.query_one("#entity-detail", Static).update(entity_detail(entity, project, names))
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
        # Shown at once; the engine then decides what follows from it (a recording's
        # credits, release track and links, an artist only it credited) on the re-plan.
        if entity is None:
            review.toggle_project(self.plan, project)
            project.included = not project.included
        else:
            review.toggle_entity(self.plan, project, entity)
            entity.included = not entity.included
        self._relabel()
        self.replan()

    def _current_conflict(self) -> EntityChange | None:
        if self._current is None:
            return None
        project, entity = self._current
        if entity is None:  # on a project's header: its (first) conflict
            return review.first_conflict(project)
        return entity if entity.conflict is not None else None

    def action_cycle_choice(self) -> None:
        entity = self._current_conflict()
        if entity is None or entity.conflict is None or not entity.conflict.choices:
            reason = self._current[0].blocked if self._current else None
            self.notify(f"No conflict here: n jumps to the next one. {reason or ''}".strip(),
                        severity="warning", markup=False)
            return
        assert self._current is not None
        entity.conflict.chosen = review.cycle_choice(self.plan, self._current[0], entity)
        self._relabel()
        self.replan(focus=entity.key)

    def action_choose_all(self) -> None:
        """The highlighted conflict's choice for every conflict of its kind."""
        entity = self._current_conflict()
        if entity is None or entity.conflict is None:
            self.notify("Highlight a conflict first: n jumps to the next one.", severity="warning")
            return
        choice = entity.conflict.chosen or review.next_choice(entity.conflict)
        if choice is None:
            return
        n = review.choose_all(self.plan, entity.conflict.code, choice)
        self.notify(f"{choice} for {n} conflict(s) of this kind.", markup=False)
        self.replan(focus=entity.key)

    def action_next_conflict(self, step: int = 1) -> None:
        found = review.conflicts(self.plan)
        if not found:
            self.notify("No conflicts in this plan.")
            return
        keys = [(p.project_id, e.key) for p, e in found]
        here = (self._current[0].project_id, self._current[1].key) \
            if self._current and self._current[1] else None
        index = keys.index(here) + step if here in keys else (0 if step > 0 else -1)
        project_id, key = keys[index % len(keys)]
        self._restore_cursor(project_id, key)

    def action_previous_conflict(self) -> None:
        self.action_next_conflict(-1)

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
    async def replan(self, project: ProjectPlan | None = None, focus: str | None = None,
                     **changes: Any) -> None:
        """Plan everything again from the decisions (one changed), keeping the cursor."""
        if self.plan.connection_id is None:
            return  # a plan not made by the engine (tests, screenshots): edits stay in place
        where = self._current
        try:
            fresh = await self.ctx.services.replan(
                self.plan, project.project_id if project else None, **changes)
        except Exception as exc:
            self.notify(clean(f"Could not re-plan: {exc}"), severity="error", markup=False)
            return
        self.plan = fresh
        self.build_tree()
        if where is not None:
            key = focus or (where[1].key if where[1] is not None else None)
            self._restore_cursor(where[0].project_id, key)

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
            self.notify(f"Resolve {len(pending)} conflict(s) first: n jumps to one, c chooses, "
                        "x excludes it.",
                        severity="warning")
            return
        message = apply_message(self.plan)

        def answer(yes: bool | None) -> None:
            if yes:
                self.dismiss()
                self.request(StartImport(self.plan))
            else:
                self.notify("Not applied: nothing was written. Press a to apply.")

        self.app.push_screen(ConfirmDialog(message, yes="Apply", no="Not yet"), answer)

    def action_save_plan(self) -> None:
        stamp = self.ctx.clock().strftime("%Y%m%d-%H%M%S")
        target = Path(self.ctx.extras.get("export_dir") or Path.cwd()) / f"plan-{stamp}.json"
        try:
            target.write_text(planfile.dumps(self.plan), encoding="utf-8")
        except OSError as exc:
            self.notify(clean(f"Could not save the plan: {exc}"), severity="error", markup=False)
            return
        self.notify(clean(f"Plan saved to {target}; `ss-tui apply {target}` writes exactly it."),
                    markup=False, timeout=8)

    def action_open_plan(self) -> None:
        def opened(path: str | None) -> None:
            if not path:
                return
            try:
                plan = planfile.loads(Path(path).expanduser().read_text(encoding="utf-8"))
            except (OSError, planfile.PlanFileError) as exc:
                self.notify(clean(f"Could not open the plan: {exc}"), severity="error",
                            markup=False)
                return
            self.plan = plan
            self.sub_title = f"Saved plan {Path(path).name}"
            self.build_tree()

        self.app.push_screen(NoteDialog("Open a saved plan", placeholder="path/to/plan.json"),
                             opened)

    def action_back(self) -> None:
        self.dismiss()
