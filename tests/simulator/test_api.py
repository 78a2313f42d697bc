"""Resources: pagination, filters, include, ETags, search, not-found
(docs/session-studio-api.yaml)."""

from __future__ import annotations

import json
import random
from collections import Counter

import httpx
import pytest

from ss_tui.sessionstudio.models import Page, Project, Track
from ss_tui.simulator import DEMO_ACCOUNT_ID, OTHER_ACCOUNT_ID, SimulatorConfig
from ss_tui.simulator.catalogue import iso, parse_iso
from ss_tui.simulator.http import dumps
from tests.simulator.helpers import bearer


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(seed=3, projects=230)


@pytest.fixture
def token(simulator) -> str:
    return simulator.issue_token().access_token


async def _all_pages(http, token, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = (await http.get("/projects", params=query, headers=bearer(token))).json()
        items.extend(page["data"])
        if not page["hasMore"]:
            assert page["nextCursor"] is None
            return items
        cursor = page["nextCursor"]


async def test_pages_parse_and_respect_limit(sim_http, token) -> None:
    response = await sim_http.get(
        "/projects", params={"limit": 100, "include": "tracks"}, headers=bearer(token)
    )
    page = Page[Project].model_validate(response.json())
    assert len(page.data) == 100 and page.has_more and page.next_cursor
    assert all(p.tracks for p in page.data)
    bare = (await sim_http.get("/projects", headers=bearer(token))).json()
    assert len(bare["data"]) == 50 and "tracks" not in bare["data"][0]
    too_big = await sim_http.get("/projects", params={"limit": 101}, headers=bearer(token))
    assert too_big.status_code == 400
    assert too_big.headers["content-type"] == "application/problem+json"


async def test_pagination_visits_every_project_once_while_projects_change(
    sim_http, simulator, token
) -> None:
    rng = random.Random(1)
    original = set(simulator.catalogue.project_ids(DEMO_ACCOUNT_ID))
    seen: Counter[str] = Counter()
    added: list[str] = []
    cursor = None
    while True:
        params = {"limit": 17, **({"cursor": cursor} if cursor else {})}
        page = (await sim_http.get("/projects", params=params, headers=bearer(token))).json()
        seen.update(p["id"] for p in page["data"])
        # Between pages: edit projects (seen and unseen), edit tracks, add and release.
        for pid in rng.sample(sorted(original), 5):
            simulator.edit_project(pid, title=f"Edited {rng.random():.3f}")
            simulator.edit_track(simulator.catalogue.project_tracks[pid][0], bpm=99.0)
        added.append(simulator.add_project(title="Brand New")["id"])
        simulator.release_project(added[-1])
        if not page["hasMore"]:
            break
        cursor = page["nextCursor"]
    assert set(seen) >= original
    assert max(seen.values()) == 1  # nothing twice
    assert set(added[:-1]) <= set(seen)  # projects created mid-walk are reached too


async def test_pagination_over_real_loopback_while_updating(live_simulator) -> None:
    sim = live_simulator.simulator
    token = sim.issue_token().access_token
    original = set(sim.catalogue.project_ids(DEMO_ACCOUNT_ID))
    ids: list[str] = []
    async with httpx.AsyncClient(base_url=live_simulator.base_url, headers=bearer(token)) as http:
        cursor = None
        while True:
            params = {"limit": 40, "include": "tracks", **({"cursor": cursor} if cursor else {})}
            response = await http.get("/projects", params=params)
            assert response.status_code == 200
            page = response.json()
            ids.extend(p["id"] for p in page["data"])
            sim.edit_project(sorted(original)[len(ids) % len(original)], label="Changed")
            if not page["hasMore"]:
                break
            cursor = page["nextCursor"]
    assert sorted(ids) == sorted(original)


async def test_updated_since_returns_only_changed_projects(sim_http, simulator, token) -> None:
    everything = await _all_pages(sim_http, token)
    newest = max(p["updatedAt"] for p in everything if "updatedAt" in p)
    just_after = iso(parse_iso(newest) + 0.001)
    assert await _all_pages(sim_http, token, updatedSince=just_after) == []
    assert len(await _all_pages(sim_http, token, updatedSince=newest)) >= 1  # inclusive
    pid = everything[10]["id"]
    tid = simulator.catalogue.project_tracks[pid][0]
    track = simulator.edit_track(tid, title="New Title")
    changed = await _all_pages(sim_http, token, updatedSince=track["updatedAt"])
    assert [p["id"] for p in changed] == [pid]
    assert changed[0]["updatedAt"] == track["updatedAt"] > newest


async def test_status_filter_and_cursor_checks(sim_http, simulator, token) -> None:
    drafts = await _all_pages(sim_http, token, status="draft", limit=7)
    expected = [
        p
        for p in simulator.catalogue.project_ids(DEMO_ACCOUNT_ID)
        if simulator.catalogue.projects[p]["status"] == "draft"
    ]
    assert [p["id"] for p in drafts] == expected
    bad = await sim_http.get("/projects", params={"status": "gone"}, headers=bearer(token))
    assert bad.status_code == 400
    first = (
        await sim_http.get(
            "/projects", params={"status": "draft", "limit": 2}, headers=bearer(token)
        )
    ).json()
    mixed = await sim_http.get(
        "/projects", params={"cursor": first["nextCursor"]}, headers=bearer(token)
    )
    assert mixed.status_code == 400 and mixed.json()["title"] == "Invalid cursor"
    garbage = await sim_http.get("/projects", params={"cursor": "%%%"}, headers=bearer(token))
    assert garbage.status_code == 400


async def test_etag_and_if_none_match(sim_http, simulator, token) -> None:
    pid = simulator.catalogue.project_ids(DEMO_ACCOUNT_ID)[0]
    first = await sim_http.get(f"/projects/{pid}", headers=bearer(token))
    etag = first.headers["etag"]
    again = await sim_http.get(f"/projects/{pid}", headers={**bearer(token), "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and "x-ratelimit-remaining" in again.headers
    weak = await sim_http.get(
        f"/projects/{pid}", headers={**bearer(token), "If-None-Match": f"W/{etag}"}
    )
    assert weak.status_code == 304
    simulator.edit_project(pid, title="Changed")
    changed = await sim_http.get(
        f"/projects/{pid}", headers={**bearer(token), "If-None-Match": etag}
    )
    assert changed.status_code == 200 and changed.json()["title"] == "Changed"
    assert simulator.stats.not_modified == 2


async def test_project_tracks_and_track_endpoints(sim_http, simulator, token) -> None:
    pid = simulator.catalogue.project_ids(DEMO_ACCOUNT_ID)[3]
    project = Project.model_validate(
        (await sim_http.get(f"/projects/{pid}", headers=bearer(token))).json()
    )
    tracks = (await sim_http.get(f"/projects/{pid}/tracks", headers=bearer(token))).json()
    assert [t["id"] for t in tracks["data"]] == [t.id for t in project.tracks or []]
    one = Track.model_validate(
        (await sim_http.get(f"/tracks/{tracks['data'][0]['id']}", headers=bearer(token))).json()
    )
    assert one.project_id == pid and one.track_number == 1


async def test_other_accounts_items_are_not_found(sim_http, simulator, token) -> None:
    foreign = simulator.catalogue.project_ids(OTHER_ACCOUNT_ID)[0]
    foreign_track = simulator.catalogue.project_tracks[foreign][0]
    for path in (f"/projects/{foreign}", f"/tracks/{foreign_track}", "/projects/prj_nope"):
        response = await sim_http.get(path, headers=bearer(token))
        assert response.status_code == 404
        assert response.json()["type"].endswith("/not-found")
    mara = simulator.issue_token(account_id=OTHER_ACCOUNT_ID).access_token
    theirs = await _all_pages(sim_http, mara)
    assert [p["id"] for p in theirs] == simulator.catalogue.project_ids(OTHER_ACCOUNT_ID)


async def test_search_artists_and_tracks(sim_http, simulator, token) -> None:
    cat = simulator.catalogue
    artist = cat.artists[cat.account_artists[DEMO_ACCOUNT_ID][0]]
    found = (
        await sim_http.get(
            "/search/artists", params={"q": artist["name"].upper()}, headers=bearer(token)
        )
    ).json()
    assert artist in found["data"]
    title = next(t["title"] for t in cat.tracks.values() if t["title"])
    tracks = (
        await sim_http.get(
            "/search/tracks", params={"q": title, "limit": 100}, headers=bearer(token)
        )
    ).json()
    assert tracks["data"] and all(title.casefold() in t["title"].casefold() for t in tracks["data"])
    empty = await sim_http.get("/search/tracks", params={"q": " "}, headers=bearer(token))
    assert empty.status_code == 400


async def test_unknown_paths_are_problem_json(sim_http) -> None:
    response = await sim_http.get("/nothing/here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_pages_keep_non_ascii_text_as_utf8_in_compact_json(
    sim_http, simulator, token
) -> None:
    title = 'Sigur Rós — 東京 "live" 🎧'
    pid = simulator.add_project(title=title, status="released", tracks=2)["id"]
    items = await _all_pages(sim_http, token, include="tracks")
    assert [p["title"] for p in items if p["id"] == pid] == [title]
    resp = await sim_http.get(f"/projects/{pid}", headers=bearer(token))
    assert 'Sigur Rós — 東京 \\"live\\" 🎧'.encode() in resp.content  # UTF-8, not \u escapes
    # The bytes are the standard library's compact UTF-8 JSON, whatever writes them.
    body = resp.json()
    assert resp.content == json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def test_bodies_orjson_refuses_are_still_written() -> None:
    assert dumps({200: 3, "é": [1, 2**70]}) == '{"200":3,"é":[1,1180591620717411303424]}'.encode()
