"""Transform: Session Studio models → intended Jovie rows (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from ss_tui.engine.slugs import MAX_SLUG, normalize_name, slugify, unique_slug
from ss_tui.engine.transform import map_role, transform_project
from ss_tui.sessionstudio.models import Project

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def make_project(**over):
    base = {
        "id": "prj_1",
        "title": "Night Drive",
        "type": "album",
        "status": "released",
        "releaseDate": "2025-05-01",
        "upc": "036000291452",
        "artistId": "art_1",
        "artistName": "Zoë Keys",
        "updatedAt": NOW.isoformat(),
        "tracks": [
            {
                "id": "trk_1",
                "title": "Intro",
                "trackNumber": 1,
                "durationMs": 1000,
                "isrc": "USRC17607839",
                "iswc": "T0345246801",
                "isExplicit": False,
                "genre": "Pop",
                "bpm": 120,
                "key": "C",
                "updatedAt": NOW.isoformat(),
                "collaborators": [
                    {"id": "col_1", "name": "Ann Writer", "role": "composer", "ipi": "00000000000"},
                    {"id": "col_2", "name": "Bo Engineer", "role": "recording_engineer"},
                ],
                "splits": [{"collaboratorId": "col_1", "share": 100}],
                "stems": [{"id": "stm_1", "name": "Vox", "type": "vocals", "url": "https://x/v"}],
            },
            {
                "id": "trk_2",
                "title": "Outro",
                "trackNumber": 2,
                "isExplicit": True,
                "isrc": "XX-BAD",
                "updatedAt": NOW.isoformat(),
            },
        ],
    }
    base.update(over)
    return Project.model_validate(base)


def test_release_row_follows_mapping_rules():
    spec = transform_project(make_project())
    r = spec.release
    assert r["release_type"] == "album"
    assert r["is_explicit"] is True  # any explicit track makes the release explicit
    assert r["total_tracks"] == 2
    assert r["upc"] == "036000291452"
    assert r["metadata"] == {
        "sessionStudioId": "prj_1",
        "sessionStudioUpdatedAt": NOW.isoformat(),
        "sessionStudioStatus": "released",
    }
    assert r["status"] == "released"
    assert spec.slug_base == "night-drive"
    assert spec.link_url.endswith("/projects/prj_1")


def test_track_metadata_roles_and_identifier_warnings():
    spec = transform_project(make_project())
    first, second = spec.tracks
    meta = first.recording["metadata"]
    assert meta["bpm"] == 120 and meta["key"] == "C" and meta["genre"] == "Pop"
    assert meta["iswc"] == "T0345246801"
    assert meta["stems"][0]["type"] == "vocals"
    assert meta["splits"] == [{"collaboratorId": "col_1", "share": 100.0}]
    roles = {(c.artist_key, c.role) for c in first.credits}
    assert roles == {("ss:art_1", "main_artist"), ("ss:col_1", "composer"), ("ss:col_2", "other")}
    # The invalid ISRC is dropped to null with a warning, the track is still imported.
    assert second.recording["isrc"] is None
    assert not second.fatal
    assert any("Invalid ISRC" in i.message for i in second.issues)
    assert set(spec.artists) == {"ss:art_1", "ss:col_1", "ss:col_2"}


def test_missing_title_and_duplicate_track_number_are_fatal_per_item():
    p = make_project(title=None)
    p.tracks[1].track_number = 1
    spec = transform_project(p)
    assert spec.fatal
    assert not spec.tracks[0].fatal and spec.tracks[1].fatal


def test_invalid_upc_dropped_with_warning():
    spec = transform_project(make_project(upc="123"))
    assert spec.release["upc"] is None and not spec.fatal
    assert any("UPC" in i.message for i in spec.issues)


def test_role_mapping_falls_back_to_other():
    assert map_role("featured_artist") == "featured_artist"
    assert map_role("performer") == "other"
    assert map_role(None) == "other"


def test_slug_rules_examples():
    assert slugify("Zoë's  Night -- Drive!") == "zoes-night-drive"
    assert slugify("[bold red]Hi[/]") == "bold-redhi"
    assert slugify("日本語") == "untitled"
    assert unique_slug("a", {"a", "a-2"}) == "a-3"
    # Jovie's normalizeArtistName drops accented and non-Latin letters (see
    # test_jovie_conventions for the full table).
    assert normalize_name("  ZOË   Keys ") == "zo keys"


@given(st.text(max_size=200))
def test_slug_is_always_valid(text):
    slug = slugify(text)
    assert 0 < len(slug) <= MAX_SLUG
    assert all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in slug)
    assert not slug.startswith("-") and "--" not in slug
    # Jovie trims before it cuts to 50: only a cut slug may end on "-".
    assert not slug.endswith("-") or len(slug) == MAX_SLUG


@given(st.text(max_size=80), st.sets(st.text(max_size=60), max_size=20))
def test_unique_slug_never_collides(text, taken):
    base = slugify(text)
    taken = taken | {base, f"{base}-2"}
    slug = unique_slug(base, taken)
    assert slug not in taken and len(slug) <= MAX_SLUG


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=12,
)


@given(
    st.dictionaries(st.text(), _json, max_size=4),
    st.lists(_json | st.dictionaries(st.text(), _json, max_size=4), max_size=4),
)
def test_project_hashes_are_the_payload_hashes(shell, tracks):
    """Snapshots hash a project from its tracks' texts: the same hash as the whole payload's
    (a changed hash would make every stored project look changed upstream)."""
    from ss_tui.engine.transform import payload_hash, project_hashes

    payload = {**shell, "tracks": tracks}
    project, per_track = project_hashes(payload)
    assert project == payload_hash(payload)
    assert per_track == [payload_hash(t) if isinstance(t, dict) else None for t in tracks]
    assert project_hashes({**shell, "tracks": "none"})[0] == payload_hash(
        {**shell, "tracks": "none"}
    )
