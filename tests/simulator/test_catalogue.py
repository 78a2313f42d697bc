"""The generated catalogue: deterministic, valid where it should be, bad where asked."""

from __future__ import annotations

import tracemalloc

import httpx
import pydantic
import pytest

from ss_tui.identifiers import clean_ipi, clean_isni, clean_isrc, clean_iswc, clean_upc
from ss_tui.sessionstudio.models import COLLABORATOR_ROLES, WRITER_ROLES, Project, Track
from ss_tui.simulator import DEMO_ACCOUNT_ID, SimulatorConfig, create_app
from ss_tui.simulator.baddata import DEFECTS, MALFORMED
from ss_tui.simulator.catalogue import generate_catalogue


def test_same_seed_gives_byte_identical_catalogue() -> None:
    first = generate_catalogue(7, 300, bad_data_share=0.1).canonical_bytes()
    second = generate_catalogue(7, 300, bad_data_share=0.1).canonical_bytes()
    other = generate_catalogue(8, 300, bad_data_share=0.1).canonical_bytes()
    assert first == second
    assert first != other


def test_ten_thousand_projects_are_generated() -> None:
    # Timing is measured in bench/, not asserted; this shows the size is supported.
    cat = generate_catalogue(42, 10_000)
    assert len(cat.project_ids(DEMO_ACCOUNT_ID)) == 10_000
    assert len(cat.tracks) > 40_000


@pytest.fixture(scope="module")
def clean_catalogue():
    return generate_catalogue(42, 400)


def test_clean_items_parse_with_the_wire_models(clean_catalogue) -> None:
    cat = clean_catalogue
    for pid in cat.projects:
        project = Project.model_validate(cat.project_wire(pid, include_tracks=True))
        assert project.tracks and project.track_count == len(project.tracks)
    assert not cat.bad_items and not cat.malformed_items


def test_identifiers_are_valid_and_unique(clean_catalogue) -> None:
    cat = clean_catalogue
    upcs = [p["upc"] for p in cat.projects.values() if p["upc"]]
    assert upcs and all(clean_upc(u) == u for u in upcs)
    assert len(set(upcs)) == len(upcs)
    isrcs = [t["isrc"] for t in cat.tracks.values() if t["isrc"]]
    assert all(clean_isrc(i) == i for i in isrcs)
    # An ISRC repeats only when the same recording is on a single and its album.
    shared = {t for ids in cat.shared_recordings.values() for t in ids}
    unshared = [
        track["isrc"] for tid, track in cat.tracks.items() if tid not in shared and track["isrc"]
    ]
    assert len(set(unshared)) == len(unshared)
    iswcs = [t["iswc"] for t in cat.tracks.values() if t["iswc"]]
    assert iswcs and all(clean_iswc(i) == i for i in iswcs)
    people = list(cat.artists.values())
    assert all(clean_ipi(p["ipi"]) == p["ipi"] for p in people if p["ipi"])
    assert all(clean_isni(p["isni"]) == p["isni"] for p in people if p["isni"])
    assert sum(bool(p["ipi"]) for p in people) > len(people) // 4


def test_credits_use_the_ddex_vocabulary_and_splits_sum_to_100(clean_catalogue) -> None:
    roles_seen: set[str] = set()
    for track in clean_catalogue.tracks.values():
        roles = [c["role"] for c in track["collaborators"]]
        roles_seen.update(roles)
        assert roles.count("main_artist") == 1
        writers = {c["id"] for c in track["collaborators"] if c["role"] in WRITER_ROLES}
        assert {s["collaboratorId"] for s in track["splits"]} == writers
        assert sum(s["share"] for s in track["splits"]) == 100
    assert roles_seen <= set(COLLABORATOR_ROLES)
    assert {
        "featured_artist",
        "producer",
        "composer",
        "lyricist",
        "mix_engineer",
        "mastering_engineer",
        "performer",
    } <= roles_seen


def test_catalogue_covers_types_statuses_unicode_stems_and_shared_recordings(
    clean_catalogue,
) -> None:
    cat = clean_catalogue
    projects = list(cat.projects.values())
    assert {p["type"] for p in projects} == {"single", "ep", "album", "compilation"}
    assert {p["status"] for p in projects} == {"draft", "unreleased", "released"}
    assert any(not t["title"].isascii() for t in cat.tracks.values())
    assert any(t["stems"] for t in cat.tracks.values())
    assert len(cat.account_artists[DEMO_ACCOUNT_ID]) >= 6
    isrc, track_ids = next(iter(cat.shared_recordings.items()))
    types = {cat.projects[cat.tracks[t]["projectId"]]["type"] for t in track_ids}
    assert "single" in types and types & {"album", "ep"}
    assert all(cat.tracks[t]["isrc"] == isrc for t in track_ids)
    multi_disc = [t for t in cat.tracks.values() if t["discNumber"] == 2]
    assert multi_disc


def test_bad_data_share_injects_every_defect_and_records_it() -> None:
    cat = generate_catalogue(42, 200, bad_data_share=0.2)
    assert len(cat.bad_projects) == round(0.2 * len(cat.projects))
    assert set(cat.bad_items.values()) == set(DEFECTS)
    assert set(cat.malformed_items.values()) == MALFORMED
    titles = [t["title"] for t in cat.tracks.values() if t["title"]]
    assert any("[/" in t or "[link=" in t for t in titles)
    assert any("\x1b" in t for t in titles)
    for item_id, kind in cat.bad_items.items():
        if item_id.startswith("trk_"):
            item, model = cat.tracks[item_id], Track
        else:
            item, model = cat.project_wire(item_id, include_tracks=False), Project
        if kind in MALFORMED:
            with pytest.raises(pydantic.ValidationError):
                model.model_validate(item)
        else:
            model.model_validate(item)  # semantically bad, structurally fine
    negative = [k for k, v in cat.bad_items.items() if v == "negative_duration"]
    assert all(cat.tracks[t]["durationMs"] < 0 for t in negative)


async def test_serving_a_page_does_not_copy_the_catalogue() -> None:
    tracemalloc.start()
    try:
        app = create_app(SimulatorConfig(projects=1500))
        catalogue_bytes = tracemalloc.get_traced_memory()[0]
        sim = app.state.simulator
        token = sim.issue_token().access_token
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim/v1") as http:
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            response = await http.get(
                "/projects",
                params={"limit": 10, "include": "tracks"},
                headers={"Authorization": f"Bearer {token}"},
            )
            peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert response.status_code == 200 and len(response.json()["data"]) == 10
    assert peak < catalogue_bytes / 20
