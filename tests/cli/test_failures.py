"""The classifier behind the error boundary, on failures produced for real where they can be:
a TLS handshake with a plain-HTTP server, a database error raised while handling a network
one, a bug. (The matrix in test_broken_environments.py covers databases and dead ports.)"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from ss_tui.cli import cli
from ss_tui.db.engine import create_engine
from ss_tui.failures import EXIT_API, EXIT_DATABASE, EXIT_INTERNAL, classify
from ss_tui.simulator import SimulatorConfig
from tests.cli.broken import build
from tests.fixtures.db import make_sqlite_url
from tests.fixtures.simulator import start_live_simulator


@pytest.fixture(scope="module")
def live():
    with start_live_simulator(SimulatorConfig(seed=3, projects=5)) as sim:
        yield sim


def test_tls_to_a_plain_http_server_is_named(tmp_path: Path, sqlite_template, live) -> None:
    env = build("api_down", tmp_path, sqlite_template, live)
    env.env["SESSION_STUDIO_API_BASE_URL"] = live.base_url.replace("http://", "https://")
    result = CliRunner().invoke(cli, ["import", "--all", "--dry-run"], env=env.env)
    assert result.exit_code == EXIT_API, result.output
    assert "The secure (TLS) connection to 127.0.0.1 failed." in result.stderr
    assert "https:// or http://" in result.stderr


async def test_a_database_error_while_handling_a_network_one_is_a_database_failure(
    tmp_path: Path,
) -> None:
    garbage = tmp_path / "x.db"
    garbage.write_bytes(os.urandom(4096))
    url = make_sqlite_url(garbage)
    engine = create_engine(url)
    try:
        async with httpx.AsyncClient() as http:
            try:
                await http.get("http://127.0.0.1:9/")  # discard port: refused
            except httpx.ConnectError:
                try:
                    async with engine.connect() as conn:  # recording it fails
                        await conn.exec_driver_sql("SELECT 1")
                except Exception as exc:
                    failure = classify(exc, database_url=url)
    finally:
        await engine.dispose()
    assert failure.cause == "db_not_a_database" and failure.exit_code == EXIT_DATABASE
    assert str(garbage) in failure.message and "SELECT" not in str(failure)


def test_a_bug_is_internal_and_shows_no_text_of_its_own() -> None:
    try:
        {}["postgresql://u:hunter2@db/x"]  # a bug whose text would leak a secret
    except KeyError as exc:
        failure = classify(exc)
    assert failure.internal and failure.exit_code == EXIT_INTERNAL
    assert "(KeyError)" in failure.message and "hunter2" not in str(failure)


def test_interrupted_commands_say_how_to_continue(
    tmp_path: Path, sqlite_template, live, monkeypatch
) -> None:
    env = build("api_down", tmp_path, sqlite_template, live)

    def interrupted(coro: object, **_k: object) -> None:
        coro.close()  # type: ignore[attr-defined]
        raise KeyboardInterrupt  # what a second Ctrl-C raises out of asyncio.run

    monkeypatch.setattr(asyncio, "run", interrupted)
    result = CliRunner().invoke(cli, ["runs", "list"], env=env.env)
    assert result.exit_code == 5 and "run the same command again" in result.stderr
    assert "Traceback" not in result.output and "Aborted" not in result.output


def test_only_the_settings_model_is_a_configuration_problem(monkeypatch) -> None:
    """A payload that fails validation is not "the setting SS_TUI_TRACKS.0.… is invalid"."""
    import pydantic

    from ss_tui.config import Settings
    from ss_tui.failures import EXIT_USAGE

    class Track(pydantic.BaseModel):
        updatedAt: int

    with pytest.raises(pydantic.ValidationError) as payload:
        Track.model_validate({})
    assert classify(payload.value).exit_code == EXIT_INTERNAL
    assert "SS_TUI" not in classify(payload.value).message

    monkeypatch.setenv("SS_TUI_INCLUDE_UNRELEASED", "perhaps")
    with pytest.raises(pydantic.ValidationError) as settings:
        Settings()
    failure = classify(settings.value)
    assert failure.exit_code == EXIT_USAGE
    assert "SS_TUI_INCLUDE_UNRELEASED" in failure.message


def test_the_dashboard_does_not_ask_to_run_a_command_again() -> None:
    """The same failure, said where there is no command line: "try again" instead."""
    from types import SimpleNamespace

    from ss_tui.tui.failure import describe

    refused = httpx.ConnectError("All connection attempts failed")
    ctx = SimpleNamespace(db_engine=None, api_base_url="http://127.0.0.1:9/v1")
    text = describe(refused, ctx, "The refresh")
    assert text.startswith("The refresh failed: ")
    assert "127.0.0.1:9" in text and "try again" in text
    assert "command" not in text
    assert "run the command again" in str(classify(refused, api_base_url=ctx.api_base_url))


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry run"])
def test_importing_named_projects_from_an_unreachable_session_studio_says_so(
    tmp_path: Path, sqlite_template, live, dry_run: bool
) -> None:
    """Every requested project failing because nothing answers is Session Studio being
    unavailable (exit 7, its cause and next step), not a failed run of bad projects (3)."""
    env = build("api_down", tmp_path, sqlite_template, live)
    args = ["import", "--project", "prj_a", "--project", "prj_b", "--yes"]
    result = CliRunner().invoke(cli, args + (["--dry-run"] if dry_run else []), env=env.env)
    assert result.exit_code == EXIT_API, result.output
    assert "Nothing answered at http://127.0.0.1:" in result.stderr
    assert "is running and the network" in result.stderr
