"""ss-tui against a database built from Jovie's own DDL (tests/fixtures/jovie/), through the
real CLI in subprocesses and a loopback simulator:

db check (fails, names what is missing) -> db upgrade (Jovie's tables byte-identical in
``pg_dump -s``) -> db check (exit 0) -> import 100 projects with 5 % bad data into the seeded
profile -> re-import writes nothing. Also with the database time zone America/New_York: every
release date at midnight, equal to Session Studio's date.
"""

from __future__ import annotations

import json
import os
from datetime import date, time

import asyncpg
import pytest

from ss_tui.db.creators import is_valid_username, normalize_username
from ss_tui.simulator import SimulatorConfig
from tests.fixtures.engine import prepare_cli_database, run_cli
from tests.fixtures.jovie import SEEDED_PROFILE_ID, SEEDED_USERNAME, JovieDatabase
from tests.fixtures.simulator import start_live_simulator

pytestmark = [pytest.mark.pg, pytest.mark.slow]


@pytest.fixture(scope="module")
def live_sim():
    config = SimulatorConfig(seed=2024, projects=100, bad_data_share=0.05)
    with start_live_simulator(config) as live:
        yield live


@pytest.fixture(scope="module")
def small_sim():
    with start_live_simulator(SimulatorConfig(seed=7, projects=8, bad_data_share=0.0)) as live:
        yield live


def _env(db: JovieDatabase) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SS_TUI_", "SESSION_STUDIO_"))}
    env["SS_TUI_DATABASE_URL"] = db.url
    return env


async def _query(db: JovieDatabase, sql: str, *args):
    conn = await asyncpg.connect(
        host="127.0.0.1", port=db.server.port, user=db.server.user, database=db.name
    )
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def _adopt(db: JovieDatabase) -> None:
    """check (fails) -> upgrade (Jovie's tables untouched) -> check (passes)."""
    env = _env(db)
    code, out, err = await run_cli(env, "db", "check")
    assert code == 1, out + err
    assert "ss_jobs" in out and "MISSING TABLE" in out
    assert "provider row 'session-studio' is missing" in out
    assert "enum type ss_job_status is missing" in out
    # Jovie's own tables are complete as they are.
    for table in ("artists", "creator_profiles", "discog_releases", "ingestion_jobs"):
        assert f"{table} " in out and f"{table}  INCOMPLETE" not in out

    before = db.dump_schema()
    code, out, err = await run_cli(env, "db", "upgrade")
    assert code == 0, err
    assert "existing Jovie database" in out and "session-studio" in out
    assert db.dump_schema() == before

    code, out, err = await run_cli(env, "db", "check")
    assert code == 0, out + err
    assert "INCOMPLETE" not in out and "MISSING" not in out


async def _import_into_seeded_profile(db: JovieDatabase, live) -> None:
    env = await prepare_cli_database(db.url, live.simulator, live.base_url)
    code, out, err = await run_cli(
        env, "import", "--all", "--yes", "--json", "--creator", SEEDED_USERNAME.lower()
    )
    assert code in (0, 1), err  # bad data makes the run partial
    result = json.loads(out)
    assert "Traceback" not in err
    applied = result["items"]["applied"]
    assert applied >= 90, result  # 5 % bad data; the rest lands

    releases = await _query(
        db, "SELECT creator_profile_id, release_date, metadata FROM discog_releases"
    )
    assert len(releases) == applied
    assert {r["creator_profile_id"] for r in releases} == {SEEDED_PROFILE_ID}
    profiles = await _query(db, "SELECT id FROM creator_profiles")
    assert [p["id"] for p in profiles] == [SEEDED_PROFILE_ID]  # imported, nothing created
    assert (await _query(db, "SELECT count(*) FROM ingestion_jobs"))[0][0] == 0

    # Release dates: midnight UTC wall-clock, the very day Session Studio gives.
    catalogue = live.simulator.catalogue
    dated = [r for r in releases if r["release_date"] is not None]
    assert dated
    for r in dated:
        assert r["release_date"].time() == time(0, 0), r
        pid = json.loads(r["metadata"])["sessionStudioId"]
        given = catalogue.projects[pid].get("releaseDate")
        assert r["release_date"].date() == date.fromisoformat(given[:10])

    code, out, err = await run_cli(env, "import", "--all", "--yes")
    assert "0 rows written" in out and "nothing changed" in out, out + err
    runs = await _query(db, "SELECT status FROM import_runs")
    assert "running" not in {r["status"] for r in runs}


@pytest.mark.parametrize("timezone", ["UTC", "America/New_York"])
async def test_adopt_a_jovie_database_and_import_into_its_profile(
    jovie_database, live_sim, timezone: str
) -> None:
    db = jovie_database(timezone=timezone)
    await _adopt(db)
    schema_after_upgrade = db.dump_schema()
    await _import_into_seeded_profile(db, live_sim)
    assert db.dump_schema() == schema_after_upgrade  # importing never alters Jovie's tables


async def test_profiles_are_created_only_when_asked_and_never_public(
    jovie_database, small_sim
) -> None:
    db = jovie_database()
    await _adopt(db)
    env = await prepare_cli_database(db.url, small_sim.simulator, small_sim.base_url)

    code, out, err = await run_cli(env, "import", "--all", "--yes", "--json")
    assert out, err
    result = json.loads(out)
    assert result["items"].get("applied", 0) == 0, result  # not silently
    assert len(await _query(db, "SELECT id FROM creator_profiles")) == 1

    code, out, err = await run_cli(env, "import", "--all", "--yes", "--json", "--create-creators")
    assert code == 0, err
    profiles = await _query(db, "SELECT * FROM creator_profiles WHERE id <> $1", SEEDED_PROFILE_ID)
    assert profiles
    for p in profiles:
        assert p["is_public"] is False and p["is_claimed"] is False and p["user_id"] is None
        assert p["creator_type"] == "artist"
        assert is_valid_username(p["username"])
        assert p["username_normalized"] == normalize_username(p["username"])
    releases = await _query(db, "SELECT count(*) FROM discog_releases")
    assert releases[0][0] == json.loads(out)["items"]["applied"]


async def test_jobs_never_queue_in_jovies_ingestion_jobs(jovie_database) -> None:
    db = jovie_database()
    await _adopt(db)
    env = _env(db)
    code, out, err = await run_cli(
        env, "jobs", "enqueue", "ss_import_account", "--payload", "{}", "--dedup-key", "k1"
    )
    assert code == 0 and "enqueued" in out, err
    assert (await _query(db, "SELECT count(*) FROM ingestion_jobs"))[0][0] == 0
    queued = await _query(db, "SELECT job_type, status FROM ss_jobs")
    assert [(q["job_type"], q["status"]) for q in queued] == [("ss_import_account", "pending")]
    code, out, err = await run_cli(env, "jobs", "list", "--json")
    assert code == 0 and json.loads(out)[0]["job_type"] == "ss_import_account"


async def test_check_names_columns_ss_tui_cannot_fill_and_missing_enum_values(
    jovie_database,
) -> None:
    from ss_tui.db.check import check_database, format_report
    from ss_tui.db.migrate import upgrade

    db = jovie_database()
    await upgrade(db.url)
    # Jovie adds a required column ss-tui does not know; an enum loses a value ss-tui writes.
    await _query(db, "ALTER TABLE discog_releases ADD COLUMN owner_note text NOT NULL DEFAULT ''")
    await _query(db, "ALTER TABLE discog_releases ALTER COLUMN owner_note DROP DEFAULT")
    await _query(db, "ALTER TYPE ss_job_status RENAME VALUE 'failed' TO 'broken'")
    report = await check_database(db.url)
    assert not report.ok
    text = "\n".join(line for line, _bad in format_report(report))
    assert (
        "column discog_releases.owner_note is NOT NULL without a default and ss-tui does not"
        " fill it" in text
    )
    assert "enum type ss_job_status lacks values ss-tui writes: failed" in text
    # A nullable or defaulted extra column is no problem.
    await _query(db, "ALTER TABLE discog_releases ALTER COLUMN owner_note DROP NOT NULL")
    await _query(db, "ALTER TYPE ss_job_status RENAME VALUE 'broken' TO 'failed'")
    assert (await check_database(db.url)).ok
