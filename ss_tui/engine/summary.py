"""What a plan will write, per table: the ``summary.rows`` of a saved plan, the apply
dialog's figures, and what ``ss-tui apply --json`` compares with the rows written."""

from __future__ import annotations

from ss_tui.engine.apply import entity_table
from ss_tui.engine.plan_types import NAME, ImportPlan, ProjectPlan

ACTIONS = ("create", "update", "delete")


def project_rows(pp: ProjectPlan, *, assignments: bool = True) -> dict[str, dict[str, int]]:
    """Rows apply writes for this project, by table and action (create/update/delete)."""
    out: dict[str, dict[str, int]] = {}
    if not pp.included or pp.blocked:
        return out

    def add(table: str, action: str) -> None:
        by = out.setdefault(table, dict.fromkeys(ACTIONS, 0))
        by[action] += 1

    if pp.new_creator:
        add("creator_profiles", "create")
    if assignments and pp.ss_artist_id and pp.creator_profile_id and not pp.creator_remembered:
        add("creator_assignments", "update" if pp.assignment_changes else "create")
    for e in pp.entities:
        if e.writes and e.row is not None:
            add(entity_table(e).name, NAME[e.action])
    return out


def plan_rows(plan: ImportPlan) -> dict[str, dict[str, int]]:
    total: dict[str, dict[str, int]] = {}
    for pp in plan.projects:
        # Assignments are kept per connection: a plan made without one writes none.
        for table, by in project_rows(pp, assignments=plan.connection_id is not None).items():
            mine = total.setdefault(table, dict.fromkeys(ACTIONS, 0))
            for action, n in by.items():
                mine[action] += n
    return dict(sorted(total.items()))


def rows_total(rows: dict[str, dict[str, int]]) -> int:
    return sum(n for by in rows.values() for n in by.values())


def add_rows(into: dict[str, dict[str, int]], rows: dict[str, dict[str, int]]) -> None:
    for table, by in rows.items():
        mine = into.setdefault(table, dict.fromkeys(ACTIONS, 0))
        for action, n in by.items():
            mine[action] = mine.get(action, 0) + n
