"""Hand-built import plans and event streams for preview/progress tests."""

from __future__ import annotations

from datetime import timedelta

from ss_tui.engine import events as ev
from ss_tui.engine.plan_types import (
    Action,
    Conflict,
    EntityChange,
    EntityKind,
    FieldDiff,
    ImportPlan,
    ProjectPlan,
)
from tests.tui.seed import T0


def sample_plan(title: str = "Night Drive") -> ImportPlan:
    release = EntityChange(
        key="release:prj_000001", kind=EntityKind.release, action=Action.update, label=title,
        external_id="prj_000001", row_id="r1",
        fields=[FieldDiff("title", "Nite Drive", title), FieldDiff("upc", None, "036000291452"),
                FieldDiff("label", "Old Label", "Old Label", kept_other_source=True),
                FieldDiff("release_date", "2024-01-01", "2024-01-01", locked=True)],
    )
    rec1 = EntityChange(
        key="recording:trk_1", kind=EntityKind.recording, action=Action.create,
        label=f"{title} (intro)", external_id="trk_1",
        fields=[FieldDiff("title", None, f"{title} (intro)"),
                FieldDiff("isrc", None, "USAAA2400001")],
        warnings=["ISWC T-123 is invalid and was dropped"],
    )
    rec2 = EntityChange(
        key="recording:trk_2", kind=EntityKind.recording, action=Action.conflict,
        label="Second Song", external_id="trk_2",
        conflict=Conflict(reason="ISRC USAAA2400002 already belongs to recording 'Other' "
                          "(creator Someone Else)", code="isrc_taken",
                          choices=["skip", "link_existing", "drop_identifier"]),
    )
    artist = EntityChange(key="artist:art_1", kind=EntityKind.artist, action=Action.unchanged,
                          label="Artist 1", external_id="art_1")
    link = EntityChange(key="provider_link:release:prj_000001", kind=EntityKind.provider_link,
                        action=Action.create, label="session-studio → release")
    p1 = ProjectPlan(project_id="prj_000001", title=title, creator_profile_id=None,
                     entities=[release, rec1, rec2, artist, link])
    p2 = ProjectPlan(project_id="prj_000002", title="Unchanged EP", creator_profile_id=None,
                     entities=[EntityChange(key="release:prj_000002", kind=EntityKind.release,
                                            action=Action.unchanged, label="Unchanged EP")])
    return ImportPlan(projects=[p1, p2])


def running_events(run_id: str = "run-0001") -> list[ev.EngineEvent]:
    return [
        ev.RunStarted(run_id, total_projects=4, started_by="alice", dry_run=False),
        ev.ProjectStarted(run_id, "prj_000001", "Night Drive", 3),
        ev.EntityWritten(run_id, "prj_000001", "recording", "create", 3),
        ev.EntityWritten(run_id, "prj_000001", "release", "create", 1),
        ev.ProjectFinished(run_id, "prj_000001", "applied", {"recording": 3, "release": 1}),
        ev.ProjectStarted(run_id, "prj_000002", "[bold red]Boom[/]", 2),
        ev.EntityWritten(run_id, "prj_000002", "recording", "create", 2),
        ev.RateLimited(remaining=412, limit=600, reset_at=T0 + timedelta(seconds=42)),
    ]


def failed_events(run_id: str = "run-0001") -> list[ev.EngineEvent]:
    return [
        *running_events(run_id),
        ev.ItemFailed(run_id, "prj_000002", "recording", "trk_2", "invalid_data",
                      "ISRC 'XX123' is not a valid ISRC"),
        ev.CircuitStateChanged("open"),
        ev.ReconnectNeeded("acct_demo", "The refresh token was revoked (invalid_grant)."),
    ]


def finished_events(run_id: str = "run-0001") -> list[ev.EngineEvent]:
    return [
        *running_events(run_id),
        ev.ItemFailed(run_id, "prj_000002", "recording", "trk_2", "invalid_data",
                      "ISRC 'XX123' is not a valid ISRC"),
        ev.ProjectFinished(run_id, "prj_000002", "applied", {"recording": 2}),
        ev.ProjectStarted(run_id, "prj_000003", "Third", 1),
        ev.ProjectFinished(run_id, "prj_000003", "unchanged"),
        ev.ProjectStarted(run_id, "prj_000004", "Fourth", 1),
        ev.ProjectFinished(run_id, "prj_000004", "failed"),
        ev.RunFinished(run_id, "partial", {"applied": 2, "unchanged": 1, "failed": 1},
                       errors=1, duration_s=12.5),
    ]
