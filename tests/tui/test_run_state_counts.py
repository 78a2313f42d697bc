"""Progress tells one story: the skipped tracks it counts are the ones the preview counted
(an excluded project imports nothing, so none of its tracks is "skipped"), and once the run
ends its error count is the run's own total, not a smaller live tally."""

from __future__ import annotations

from datetime import UTC, datetime

from ss_tui.engine import events as ev
from ss_tui.tui.run_state import RunState

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_excluded_projects_do_not_count_skipped_tracks_and_the_total_wins() -> None:
    state = RunState()
    for event in (
        ev.RunStarted("r", 2, "staff", False),
        ev.ProjectStarted("r", "p1", "Included", 5),
        ev.ItemFailed("r", "p1", "track", "t1", "invalid_data", "Invalid duration"),
        ev.ProjectFinished("r", "p1", "applied", skipped=1),
        ev.ProjectStarted("r", "p2", "Excluded", 4),
        ev.ProjectFinished("r", "p2", "excluded", skipped=2),
        ev.RunFinished("r", "partial", errors=3),  # two warnings recorded with p1's items
    ):
        state.apply(event, NOW)
    assert state.skipped_tracks == 1
    assert state.projects["p2"].skipped == 0
    assert state.errors == 3
    assert any("Included: applied, 1 track skipped" in str(line) for line in state.log)
