"""Jovie's conventions (docs/jovie-conventions.md): normalised names, slugs, release status
and public visibility, legacy tracks, Session Studio links, credits, artist types."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from ss_tui.db import schema
from ss_tui.engine.decisions import PlanDecisions
from ss_tui.engine.plan_types import Action
from ss_tui.engine.slugs import jovie_base_slug, normalize_artist_name, slugify, unique_slug
from ss_tui.engine.transform import transform_project
from ss_tui.sessionstudio.models import Project
from ss_tui.simulator.catalogue import DEMO_ACCOUNT_ID, generate_catalogue
from tests.fixtures.engine import apply_plan, count_rows, make_project, plan_projects

# Worked out by hand from Jovie's normalizeArtistName (apps/web/lib/discography/
# artist-parser.ts): lowercase → whitespace runs to one space → drop [^\w\s'-] (ASCII \w) →
# trim. Removal comes after the collapse, so a dropped "&" leaves two spaces.
NAME_CASES = [
    ("Amara & the Onyxs", "amara  the onyxs"),
    ("Café Noir", "caf noir"),
    ("Déjà Vu Club", "dj vu club"),
    ("Sigrún Ásta", "sigrn sta"),
    ("The Neon Foxes", "the neon foxes"),
    ("  Zoë   Keys ", "zo keys"),
    ("Aurélie ✦", "aurlie"),
    ("Mø Lys", "m lys"),
    ("DJ 🔥 Fire", "dj  fire"),
    ("Guns N' Roses", "guns n' roses"),
    ("Jay-Z", "jay-z"),
    ("AC/DC", "acdc"),
    ("P!nk", "pnk"),
    ("will.i.am", "william"),
    ("under_score", "under_score"),
    ("tab\tand\nnewline", "tab and newline"),
    ("no\u00a0break", "no break"),  # JavaScript's \s includes U+00A0
    ("\ufeffbom", "bom"),  # …and U+FEFF, which Python's \s lacks
    ("東京ドリフト", ""),
    ("\u0425\u043e\u0440 \u0412\u0435\u0442\u0440\u0430", ""),  # Cyrillic
    ("", ""),
]


@pytest.mark.parametrize(("name", "expected"), NAME_CASES)
def test_name_normalized_exactly_as_jovie(name, expected):
    assert normalize_artist_name(name) == expected


# From Jovie's generateBaseSlug (apps/web/lib/discography/slug.ts).
SLUG_CASES = [
    ("Night Drive", "night-drive"),
    ("Café del Mar", "cafe-del-mar"),
    ("Zoë's  Night -- Drive!", "zoes-night-drive"),
    ("  -Leading and trailing-  ", "leading-and-trailing"),
    ("Señor Ñandú", "senor-nandu"),
    ("\uff26\uff55\uff4c\uff4c width", "width"),  # NFD leaves compatibility forms: dropped
    ("\ufb01ne", "ne"),  # likewise the ligature
    ("🔥 Fire 🔥", "fire"),
    ("東京", ""),
    ("a" * 60, "a" * 50),
    ("x" * 49 + " tail", "x" * 49 + "-"),  # trimmed before the cut, as Jovie does
]


@pytest.mark.parametrize(("title", "expected"), SLUG_CASES)
def test_slug_exactly_as_jovie(title, expected):
    assert jovie_base_slug(title) == expected


def test_slug_fallback_and_collision_numbering():
    assert slugify("東京") == "untitled"
    assert unique_slug("intro", {"intro"}) == "intro-2"
    assert unique_slug("intro", {"intro", "intro-2"}) == "intro-3"
    assert len(unique_slug("a" * 50, {"a" * 50})) == 50


def _collab_project():
    data = make_project(7, 1, artistName="Amara & the Onyxs").to_wire()
    data["tracks"][0]["collaborators"] = [
        {"id": "col_w", "name": "Wendy Writer", "role": "composer"},
        {"id": "art_1", "name": "Amara & the Onyxs", "role": "main_artist", "kind": "group"},
        {"id": "col_r", "name": "Rex Remix", "role": "remixer"},
        {"id": "col_f1", "name": "Fay One", "role": "featured_artist"},
        {"id": "col_f2", "name": "Fay Two", "role": "featured_artist"},
    ]
    return Project.model_validate(data)


def test_credits_carry_jovie_positions_join_phrases_and_primary():
    spec = transform_project(_collab_project())
    credits = [(c.artist_key, c.role, c.position, c.join_phrase, c.is_primary)
               for c in spec.tracks[0].credits]
    assert credits == [
        ("ss:art_1", "main_artist", 0, None, True),
        ("ss:col_f1", "featured_artist", 1, " feat. ", False),
        ("ss:col_f2", "featured_artist", 2, " & ", False),
        ("ss:col_r", "remixer", 3, None, False),
        ("ss:col_w", "composer", 4, None, False),
    ]
    # The band is one artist of type group, never split at its "&".
    assert spec.artists["ss:art_1"].artist_type == "group"
    assert spec.artists["ss:art_1"].name_normalized == "amara  the onyxs"
    assert spec.artists["ss:col_w"].artist_type == "person"


@pytest.mark.parametrize(("status", "jovie"), [("released", "released"),
                                               ("unreleased", "draft"), ("draft", "draft")])
def test_release_status_is_one_jovie_knows(status, jovie):
    release = transform_project(make_project(1, status=status)).release
    assert release["status"] == jovie
    assert release["metadata"]["sessionStudioStatus"] == status


def _catalogue_projects(n: int = 80) -> list[Project]:
    cat = generate_catalogue(11, n)
    return [
        Project.model_validate(cat.project_wire(pid, include_tracks=True))
        for pid in cat.project_ids(DEMO_ACCOUNT_ID)
    ]


def _publicly_visible(release: dict, has_link: bool, now: datetime) -> bool:
    """Jovie's publicReleaseEligibilitySqlPredicate (apps/web/lib/profile/
    public-release-eligibility.ts) on the columns ss-tui writes."""
    date = release["release_date"]
    if date is not None and date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    return (
        release["status"] != "draft"
        and date is not None
        and bool((release["artwork_url"] or "").strip())
        and date <= now
        and has_link
    )


async def _import_and_check_conventions(engine, decisions: PlanDecisions) -> None:
    """Import a simulator catalogue, check every convention on the rows, re-import."""
    projects = _catalogue_projects()
    plan = await plan_projects(engine, projects, decisions)
    results = await apply_plan(engine, plan)
    assert all(r.status == "applied" for r in results), [r.message for r in results]

    async with engine.connect() as conn:
        def rows(table):
            t = schema.metadata.tables[table]
            return conn.execute(sa.select(t))

        releases = (await rows("discog_releases")).mappings().all()
        tracks = (await rows("discog_tracks")).mappings().all()
        recordings = (await rows("discog_recordings")).mappings().all()
        release_tracks = (await rows("discog_release_tracks")).mappings().all()
        links = (await rows("provider_links")).mappings().all()
        credits = (await rows("recording_artists")).mappings().all()
        track_credits = (await rows("track_artists")).mappings().all()

    # Unreleased and draft projects are Jovie drafts: none passes Jovie's public predicate,
    # while released ones with artwork do (the predicate is not vacuous).
    now = datetime.now(UTC)
    linked = {link["release_id"] for link in links if link["release_id"]}
    statuses = {r["metadata"]["sessionStudioStatus"] for r in releases}
    assert statuses == {"released", "unreleased", "draft"}
    visible = [r for r in releases if _publicly_visible(r, r["id"] in linked, now)]
    assert visible
    assert all(r["metadata"]["sessionStudioStatus"] == "released" for r in visible)
    assert {r["status"] for r in releases} <= {"released", "draft"}

    # Legacy tracks in step with release tracks, same positions and slugs; their credits
    # are the recordings' credits.
    assert len(tracks) == len(release_tracks)
    by_ssid = {(t["release_id"], t["metadata"]["sessionStudioId"]): t for t in tracks}
    for rt in release_tracks:
        t = by_ssid[(rt["release_id"], rt["metadata"]["sessionStudioId"])]
        assert (t["disc_number"], t["track_number"], t["slug"]) == (
            rt["disc_number"], rt["track_number"], rt["slug"])
    per_recording = defaultdict(set)
    for c in credits:
        per_recording[c["recording_id"]].add((c["artist_id"], c["role"], c["join_phrase"]))
    per_track = defaultdict(set)
    for c in track_credits:
        per_track[c["track_id"]].add((c["artist_id"], c["role"], c["join_phrase"]))
    rec_of = {(rt["release_id"], rt["metadata"]["sessionStudioId"]): rt["recording_id"]
              for rt in release_tracks}
    for key, t in by_ssid.items():
        assert per_track[t["id"]] == per_recording[rec_of[key]]
    assert any(" feat. " == c["join_phrase"] for c in credits)

    # No release slug equals a track slug of the same creator; Jovie resolves both.
    release_slugs = defaultdict(set)
    for r in releases:
        release_slugs[r["creator_profile_id"]].add(r["slug"])
    track_slugs = defaultdict(list)
    for t in tracks:
        track_slugs[t["creator_profile_id"]].append(t["slug"])
    for r in recordings:
        assert r["slug"] not in release_slugs[r["creator_profile_id"]]
    for creator, slugs in track_slugs.items():
        assert not release_slugs[creator] & set(slugs)
        assert len(slugs) == len(set(slugs))  # and tracks differ from each other
    assert any(s.endswith("-2") for r in releases for s in [r["slug"]]) or any(
        s.endswith("-2") for slugs in track_slugs.values() for s in slugs)

    # Session Studio links keep external_id NULL, the id in metadata.
    ours = [link for link in links if link["provider_id"] == "session-studio"]
    assert len(ours) == len(releases) + len(release_tracks)
    assert all(link["external_id"] is None for link in ours)
    assert all(link["metadata"]["sessionStudioId"] for link in ours)

    # Groups the simulator names are groups in Jovie; names normalised as Jovie does.
    async with engine.connect() as conn:
        artists = (await conn.execute(sa.text(
            "SELECT name, name_normalized, artist_type FROM artists"))).all()
    assert {a.artist_type for a in artists} == {"group", "person"}
    assert all(a.name_normalized == normalize_artist_name(a.name) for a in artists)

    # Re-import: nothing to write.
    again = await plan_projects(engine, projects, decisions)
    actions = {e.action for p in again.projects for e in p.entities}
    assert actions == {Action.unchanged}
    results = await apply_plan(engine, again)
    assert {r.status for r in results} == {"unchanged"}
    assert await count_rows(engine, "discog_tracks") == len(release_tracks)


async def test_catalogue_import_follows_jovie_conventions(db_engine):
    """ss-tui's own schema (SQLite and PostgreSQL), one creator profile per artist."""
    await _import_and_check_conventions(
        db_engine, PlanDecisions(include_unreleased=True, legacy_tracks=True)
    )


@pytest.mark.pg
async def test_conventions_in_a_database_built_from_jovies_ddl(jovie_database):
    """The same, in a database Jovie's own DDL built, into its seeded profile; Jovie's public
    predicate run as SQL there."""
    from ss_tui.db.engine import create_engine
    from ss_tui.db.migrate import upgrade
    from tests.fixtures.jovie import SEEDED_PROFILE_ID

    db = jovie_database()
    await upgrade(db.url)
    engine = create_engine(db.url)
    try:
        decisions = PlanDecisions(include_unreleased=True, legacy_tracks=True,
                                  default_creator_profile_id=str(SEEDED_PROFILE_ID))
        await _import_and_check_conventions(engine, decisions)
        async with engine.connect() as conn:
            public = (await conn.execute(sa.text(JOVIE_PUBLIC_RELEASES))).all()
            drafts = (await conn.execute(sa.text(
                "SELECT count(*) FROM discog_releases WHERE status = 'draft'"))).scalar_one()
        assert public and drafts
        assert {row.ss_status for row in public} == {"released"}
    finally:
        await engine.dispose()


# Jovie's publicReleaseEligibilitySqlPredicate (apps/web/lib/profile/
# public-release-eligibility.ts) minus its library-approval clause (a table of Jovie's
# library feature, which ss-tui neither reads nor writes).
JOVIE_PUBLIC_RELEASES = """
SELECT r.id, r.metadata->>'sessionStudioStatus' AS ss_status
FROM discog_releases r
WHERE r.deleted_at IS NULL
  AND r.status <> 'draft'
  AND r.release_date IS NOT NULL
  AND NULLIF(BTRIM(r.artwork_url), '') IS NOT NULL
  AND (r.release_date <= NOW() OR (r.reveal_date IS NOT NULL AND r.reveal_date <= NOW()))
  AND EXISTS (SELECT 1 FROM provider_links l WHERE l.release_id = r.id
              AND l.owner_type = 'release' AND NULLIF(BTRIM(l.url), '') IS NOT NULL)
"""


async def test_legacy_tracks_setting_off_writes_none(db_engine):
    plan = await plan_projects(db_engine, [make_project(1, 3)], PlanDecisions(legacy_tracks=False))
    await apply_plan(db_engine, plan)
    assert await count_rows(db_engine, "discog_release_tracks") == 3
    assert await count_rows(db_engine, "discog_tracks") == 0


def test_unreleased_projects_are_off_by_default(monkeypatch):
    monkeypatch.delenv("SS_TUI_INCLUDE_UNRELEASED", raising=False)
    assert PlanDecisions().include_unreleased is False
    assert PlanDecisions.from_dict({}).include_unreleased is False
    monkeypatch.setenv("SS_TUI_INCLUDE_UNRELEASED", "true")
    assert PlanDecisions().include_unreleased is True


async def test_unreleased_projects_only_when_asked(db_engine):
    projects = [make_project(1, 1), make_project(2, 1, status="unreleased"),
                make_project(3, 1, status="draft")]
    plan = await plan_projects(db_engine, projects, PlanDecisions(include_unreleased=False))
    assert [p.included for p in plan.projects] == [True, False, False]
    await apply_plan(db_engine, plan)
    assert await count_rows(db_engine, "discog_releases") == 1
    plan = await plan_projects(db_engine, projects, PlanDecisions(include_unreleased=True))
    await apply_plan(db_engine, plan)
    assert await count_rows(db_engine, "discog_releases") == 3


async def test_an_artist_jovie_already_has_is_matched_not_duplicated(db_engine):
    """Jovie stored "Amara & the Onyxs" with its own normal form; a Session Studio credit of
    the same name finds that row instead of creating a twin."""
    import uuid

    artists = schema.metadata.tables["artists"]
    existing = uuid.uuid4()
    async with db_engine.begin() as conn:
        await conn.execute(sa.insert(artists).values(
            id=existing, name="Amara & the Onyxs", name_normalized="amara  the onyxs",
            artist_type="group", is_auto_created=False, metadata={}))
    data = make_project(9, 1, artistId=None, artistName="Amara & the Onyxs").to_wire()
    data["tracks"][0]["collaborators"] = [
        {"id": "col_amara", "name": "Amara & the Onyxs", "role": "main_artist"}
    ]
    plan = await plan_projects(db_engine, [Project.model_validate(data)])
    await apply_plan(db_engine, plan)
    async with db_engine.connect() as conn:
        rows = (await conn.execute(sa.select(artists.c.id).where(
            artists.c.name == "Amara & the Onyxs"))).all()
    assert [r.id for r in rows] == [existing]
