"""Decisions staff take while reviewing a plan (the preview screen, the CLI): each one is
recorded in the plan's :class:`PlanDecisions`, and the whole plan is then planned again from
those decisions. Nothing edits a planned entity in place: a plan is always what the planner
made of its decisions, so what the preview shows is what apply writes (docs/plan-format.md).
"""

from __future__ import annotations

from ss_tui.engine.decisions import PlanDecisions
from ss_tui.engine.plan_types import Conflict, EntityChange, ImportPlan, ProjectPlan


def decisions_of(plan: ImportPlan) -> PlanDecisions:
    if not isinstance(plan.decisions, PlanDecisions):
        plan.decisions = PlanDecisions()
    return plan.decisions


def next_choice(conflict: Conflict) -> str | None:
    if not conflict.choices:
        return None
    if conflict.chosen not in conflict.choices:
        return conflict.choices[0]
    return conflict.choices[(conflict.choices.index(conflict.chosen) + 1) % len(conflict.choices)]


def conflicts(plan: ImportPlan) -> list[tuple[ProjectPlan, EntityChange]]:
    """Every conflict of the plan, in plan order (resolved ones too: they can be changed)."""
    return [(p, e) for p in plan.projects for e in p.entities if e.conflict is not None]


def first_conflict(project: ProjectPlan) -> EntityChange | None:
    return next((e for e in project.entities if e.conflict is not None), None)


def cycle_choice(plan: ImportPlan, project: ProjectPlan, entity: EntityChange) -> str | None:
    """The next choice for this conflict, recorded in the decisions."""
    assert entity.conflict is not None
    choice = next_choice(entity.conflict)
    decisions_of(plan).choose(project.project_id, entity.key, choice)
    return choice


def choose_all(plan: ImportPlan, code: str, choice: str) -> int:
    """One choice for every conflict of a kind (``code``) that offers it; returns how many."""
    decisions = decisions_of(plan)
    n = 0
    for p, e in conflicts(plan):
        assert e.conflict is not None
        if e.conflict.code == code and choice in e.conflict.choices:
            decisions.choose(p.project_id, e.key, choice)
            n += 1
    return n


def toggle_project(plan: ImportPlan, project: ProjectPlan) -> None:
    d = decisions_of(plan).set(project.project_id)
    d.include = not project.included


def toggle_entity(plan: ImportPlan, project: ProjectPlan, entity: EntityChange) -> None:
    decisions_of(plan).toggle_excluded(project.project_id, entity.key)
