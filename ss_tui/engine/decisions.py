"""Choices staff make in the preview (or flags a headless run passes) that shape a plan."""

from __future__ import annotations

from dataclasses import dataclass, field

from ss_tui.config import load_settings
from ss_tui.values import JSONObject


def _legacy_tracks_default() -> bool:
    return load_settings().write_legacy_tracks


def _include_unreleased_default() -> bool:
    return load_settings().include_unreleased


@dataclass(slots=True)
class ProjectDecision:
    include: bool = True
    creator_profile_id: str | None = None  # target creator; None: remembered/existing/default
    overwrite: bool | None = None  # overwrite other sources' values (None: plan default)
    excluded: set[str] = field(default_factory=set)  # entity keys left out
    choices: dict[str, str] = field(default_factory=dict)  # entity key → conflict choice

    def to_dict(self) -> JSONObject:
        return {
            "include": self.include,
            "creator_profile_id": self.creator_profile_id,
            "overwrite": self.overwrite,
            "excluded": sorted(self.excluded),
            "choices": dict(self.choices),
        }

    @classmethod
    def from_dict(cls, data: JSONObject | None) -> ProjectDecision:
        data = data or {}
        return cls(
            include=data.get("include", True),
            creator_profile_id=data.get("creator_profile_id"),
            overwrite=data.get("overwrite"),
            excluded=set(data.get("excluded") or ()),
            choices=dict(data.get("choices") or {}),
        )


@dataclass(slots=True)
class PlanDecisions:
    default_creator_profile_id: str | None = None
    overwrite: bool = False
    # No creator chosen, remembered or previously used: create one per Session Studio artist.
    auto_create_creators: bool = True
    projects: dict[str, ProjectDecision] = field(default_factory=dict)
    # SessionStudioImportOptions.includeUnreleased: unreleased and draft projects are imported
    # (as Jovie drafts) only when asked.
    include_unreleased: bool = field(default_factory=_include_unreleased_default)
    # SessionStudioImportOptions.includeCollaborations: projects of other accounts this
    # account is a member of, imported only when asked.
    include_collaborations: bool = False
    # Jovie's legacy discog_tracks written in step (SS_TUI_WRITE_LEGACY_TRACKS, default on).
    legacy_tracks: bool = field(default_factory=_legacy_tracks_default)

    def for_project(self, project_id: str) -> ProjectDecision:
        return self.projects.get(project_id) or ProjectDecision()

    def set(self, project_id: str) -> ProjectDecision:
        return self.projects.setdefault(project_id, ProjectDecision())

    def choose(self, project_id: str, entity_key: str, choice: str | None) -> None:
        d = self.set(project_id)
        if choice is None:
            d.choices.pop(entity_key, None)
        else:
            d.choices[entity_key] = choice

    def toggle_excluded(self, project_id: str, entity_key: str) -> bool:
        """Exclude (or include again) one entity; True when it is now excluded."""
        excluded = self.set(project_id).excluded
        if entity_key in excluded:
            excluded.discard(entity_key)
            return False
        excluded.add(entity_key)
        return True

    def copy(self) -> PlanDecisions:
        return PlanDecisions.from_dict(self.to_dict())

    def to_dict(self) -> JSONObject:
        return {
            "default_creator_profile_id": self.default_creator_profile_id,
            "overwrite": self.overwrite,
            "auto_create_creators": self.auto_create_creators,
            "legacy_tracks": self.legacy_tracks,
            "include_unreleased": self.include_unreleased,
            "include_collaborations": self.include_collaborations,
            "projects": {k: v.to_dict() for k, v in self.projects.items()},
        }

    @classmethod
    def from_dict(cls, data: JSONObject | None) -> PlanDecisions:
        data = data or {}
        return cls(
            default_creator_profile_id=data.get("default_creator_profile_id"),
            overwrite=bool(data.get("overwrite", False)),
            auto_create_creators=bool(data.get("auto_create_creators", True)),
            legacy_tracks=bool(data.get("legacy_tracks", _legacy_tracks_default())),
            include_unreleased=bool(
                data.get("include_unreleased", _include_unreleased_default())
            ),
            include_collaborations=bool(data.get("include_collaborations", False)),
            projects={
                k: ProjectDecision.from_dict(v) for k, v in (data.get("projects") or {}).items()
            },
        )
