"""Realistic bad data: the defects a real catalogue has, injected into a share of projects.

Each chosen project gets exactly one defect. ``Catalogue.bad_items`` records the item
(track or project id) and the defect; ``malformed_items`` the ones that are structurally
invalid for the wire models (the client must parse pages leniently, item by item).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the catalogue calls in here
    from ss_tui.simulator.catalogue import Catalogue

RICH_MARKUP_TITLES = (
    "[bold red]Loud[/] Song",
    "[link=https://x]Click Me[/link]",
    "Closing Time [/]",
    "[blink]Party[/blink] All Night",
    "[reverse]Upside[/reverse] Down [dim]",
)
ANSI_TITLES = (
    "\x1b[31mRed Alert\x1b[0m",
    "\x1b[2JClean Slate",
    "Bell\x07 Tower",
    "\x1b]8;;https://evil.example\x07Hidden Link\x1b]8;;\x07",
    "\x1b[1;5mFlashing\x1b[m Lights",
)
DEFECTS: tuple[str, ...] = (
    "invalid_isrc",
    "duplicate_isrc",
    "invalid_upc",
    "duplicate_upc",
    "missing_title",
    "negative_duration",
    "duplicate_track_number",
    "splits_not_100",
    "rich_markup_title",
    "ansi_title",
    "invalid_iswc",
    "invalid_ipi",
    "malformed_duration_string",
    "malformed_missing_updated_at",
    "malformed_collaborator_role",
)
MALFORMED: frozenset[str] = frozenset(d for d in DEFECTS if d.startswith("malformed_"))


def inject_bad_data(cat: Catalogue, rng: random.Random, share: float) -> None:
    pids = list(cat.projects)
    count = min(len(pids), round(share * len(pids)))
    chosen = rng.sample(pids, count)
    kinds = list(DEFECTS)
    rng.shuffle(kinds)
    for i, pid in enumerate(chosen):
        for attempt in range(len(kinds)):
            kind = kinds[(i + attempt) % len(kinds)]
            item_id = _apply(cat, rng, pid, kind)
            if item_id is not None:
                cat.bad_items[item_id] = kind
                cat.bad_projects.setdefault(pid, []).append(kind)
                if kind in MALFORMED:
                    cat.malformed_items[item_id] = kind
                break


def _apply(cat: Catalogue, rng: random.Random, pid: str, kind: str) -> str | None:
    """Apply one defect to the project; the affected item id, or None if it cannot apply."""
    project = cat.projects[pid]
    track_ids = cat.project_tracks[pid]
    tid = rng.choice(track_ids)
    track = cat.tracks[tid]
    if kind == "invalid_isrc":
        if not track.get("isrc"):
            return None
        # Either an unknown country code or a broken shape.
        track["isrc"] = rng.choice(("ZZ" + track["isrc"][2:], track["isrc"][:9], "US-ABC-1"))
        return tid
    if kind == "duplicate_isrc":
        others = [t for p, ts in _sample_projects(cat, rng, pid) for t in ts]
        donor = next((cat.tracks[t]["isrc"] for t in others if cat.tracks[t].get("isrc")), None)
        if donor is None:
            return None
        track["isrc"] = donor
        return tid
    if kind == "invalid_upc":
        if not project.get("upc"):
            return None
        upc = project["upc"]
        project["upc"] = upc[:-1] + str((int(upc[-1]) + 1) % 10)
        return pid
    if kind == "duplicate_upc":
        donor = next(
            (
                cat.projects[p]["upc"]
                for p, _ in _sample_projects(cat, rng, pid)
                if cat.projects[p].get("upc")
            ),
            None,
        )
        if donor is None:
            return None
        project["upc"] = donor
        return pid
    if kind == "missing_title":
        if rng.random() < 0.5:
            project["title"] = None
            return pid
        track["title"] = None
        return tid
    if kind == "negative_duration":
        track["durationMs"] = -abs(track["durationMs"] or 1000)
        return tid
    if kind == "duplicate_track_number":
        if len(track_ids) < 2:
            return None
        second = cat.tracks[track_ids[1]]
        second["trackNumber"] = cat.tracks[track_ids[0]]["trackNumber"]
        second["discNumber"] = cat.tracks[track_ids[0]]["discNumber"]
        return str(second["id"])
    if kind == "splits_not_100":
        splits = track.get("splits") or []
        if not splits:
            return None
        first = dict(splits[0], share=splits[0]["share"] + rng.choice((10.0, -5.0, 25.0)))
        track["splits"] = [first, *splits[1:]]
        return tid
    if kind == "rich_markup_title":
        track["title"] = rng.choice(RICH_MARKUP_TITLES)
        return tid
    if kind == "ansi_title":
        track["title"] = rng.choice(ANSI_TITLES)
        return tid
    if kind == "invalid_iswc":
        if not track.get("iswc"):
            return None
        iswc = track["iswc"]
        track["iswc"] = iswc[:-1] + str((int(iswc[-1]) + 1) % 10)
        return tid
    if kind == "invalid_ipi":
        collabs = track.get("collaborators") or []
        index = next((i for i, c in enumerate(collabs) if c.get("ipi")), None)
        if index is None:
            return None
        broken = dict(collabs[index], ipi=collabs[index]["ipi"][:9] + "00")
        if broken["ipi"] == collabs[index]["ipi"]:
            broken["ipi"] = collabs[index]["ipi"][:9] + "01"
        track["collaborators"] = [*collabs[:index], broken, *collabs[index + 1 :]]
        return tid
    if kind == "malformed_duration_string":
        track["durationMs"] = "3:45"
        return tid
    if kind == "malformed_missing_updated_at":
        del project["updatedAt"]
        return pid
    if kind == "malformed_collaborator_role":
        collabs = track.get("collaborators") or []
        if not collabs:
            return None
        broken = {k: v for k, v in collabs[0].items() if k != "role"}
        track["collaborators"] = [broken, *collabs[1:]]
        return tid
    raise ValueError(f"unknown defect {kind}")


def _sample_projects(
    cat: Catalogue, rng: random.Random, exclude: str
) -> Iterator[tuple[str, list[str]]]:
    """A few other projects of the same account (donors for duplicate identifiers)."""
    ids = cat.project_ids(cat.project_account[exclude])
    for _ in range(8):
        other = ids[rng.randrange(len(ids))]
        if other != exclude:
            yield other, cat.project_tracks[other]
