"""Every CLI command against every broken environment (``broken.py``): the exit code the README
documents, a few lines that say what is wrong and what to do, never a traceback or SQL.

The commands run through the real entry point (the ``ss-tui`` click group with its error
boundary) in-process; a subprocess per environment checks what reaches a real terminal."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ss_tui.cli import cli
from ss_tui.simulator import SimulatorConfig
from tests.cli.broken import KINDS, Environment, build
from tests.cli.commands import COMMANDS
from tests.fixtures.simulator import start_live_simulator

REPO = Path(__file__).resolve().parents[2]

# Exit codes (README "Exit codes"): 0 ok, 1 partial, 2 usage, 3 run failed, 6 database
# unavailable, 7 Session Studio unreachable, 8 file cannot be written.
READS = {
    "db upgrade", "db current", "db check", "accounts", "token-key", "errors list",
    "errors list json", "errors show", "errors export", "runs list", "runs show", "jobs list",
    "stats", "discover", "projects list",
}
# In a healthy database: a project Session Studio does not know fails its run (3); retrying
# the error behind it leaves it open (1).
HEALTHY = {"import project": 3, "errors retry": 1}
EXPECTED: dict[str, dict[str, int]] = {
    "garbage": {name: 0 if name == "token-key" else 6 for name in COMMANDS},
    "unmigrated": {
        name: {"db upgrade": 0, "db current": 0, "token-key": 0, "db downgrade": 2}.get(name, 6)
        for name in COMMANDS
    },
    "read_only": {name: 0 if name in READS else 6 for name in COMMANDS},
    "pg_down": {name: 0 if name == "token-key" else 6 for name in COMMANDS},
    "api_down": {
        name: {
            "connect": 7, "import dry run": 7, "import dry run json": 7, "import all": 7,
            "import incremental": 7, "import project": 7,
        }.get(name, HEALTHY.get(name, 0))
        for name in COMMANDS
    },
    "unwritable_path": {
        name: 8 if name == "errors export" else HEALTHY.get(name, 0) for name in COMMANDS
    },
}
SQL = re.compile(r"\[SQL|sqlalche\.me|\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|PRAGMA)\b")
TRACEBACK = re.compile(r"Traceback|File \"|^\s+\^+$", re.M)


@pytest.fixture(scope="module")
def live():
    with start_live_simulator(SimulatorConfig(seed=3, projects=5)) as sim:
        yield sim


def _argv(args: tuple[str, ...], env: Environment) -> list[str]:
    return [
        a.format(error=env.error_id, run=env.run_id, job=env.job_id, export=env.export_path)
        for a in args
    ]


def _check_output(text: str, *, code: int, shown: list[str]) -> None:
    assert not TRACEBACK.search(text), text
    assert not SQL.search(text), text
    if code >= 2:  # a failure: a few lines naming the cause and the next step
        assert 1 <= len(shown) <= 4, text


@pytest.mark.parametrize("name", list(COMMANDS))
@pytest.mark.parametrize("kind", KINDS)
def test_every_command_in_every_broken_environment(
    kind: str, name: str, tmp_path: Path, sqlite_template: Path, live
) -> None:
    env = build(kind, tmp_path, sqlite_template, live)
    result = CliRunner().invoke(
        cli, _argv(COMMANDS[name], env), env=env.env, input=env.personal_token + "\n"
    )
    code = result.exit_code
    expected = EXPECTED[kind][name]
    assert not (result.exception and not isinstance(result.exception, SystemExit)), (
        f"{result.exception!r} escaped the boundary"
    )
    assert code == expected, f"{kind} / {name}: exit {code}, expected {expected}\n{result.output}"
    stdout_is_data = "json" in name or name in ("token-key", "db current")
    shown = result.stderr.splitlines() + ([] if stdout_is_data else result.stdout.splitlines())
    _check_output(result.output, code=code, shown=[line for line in shown if line.strip()])


@pytest.mark.parametrize("kind", KINDS)
def test_a_real_process_prints_no_traceback(kind: str, tmp_path: Path, sqlite_template, live):
    """Through the console entry point in its own process: what a terminal would show (the
    import's dry run in every environment, and the export where the path is the problem)."""
    env = build(kind, tmp_path, sqlite_template, live)
    name = "errors export" if kind == "unwritable_path" else "import dry run"
    proc = subprocess.run(
        [sys.executable, "-m", "ss_tui", *_argv(COMMANDS[name], env)],
        env={**env.env, "PYTHONPATH": str(REPO)}, cwd=REPO, capture_output=True, text=True,
        timeout=120, check=False,
    )
    assert proc.returncode == EXPECTED[kind][name], proc.stderr
    _check_output(proc.stdout + proc.stderr, code=proc.returncode,
                  shown=[line for line in proc.stderr.splitlines() if line.strip()])


def test_the_details_go_to_the_log_file_with_v_only(tmp_path, sqlite_template, live) -> None:
    """``-v`` keeps the traceback for support, in the log file; the screen never shows it."""
    env = build("garbage", tmp_path, sqlite_template, live)
    log = Path(env.env["SS_TUI_LOG_FILE"])
    plain = CliRunner().invoke(cli, ["errors", "list"], env=env.env)
    assert plain.exit_code == 6 and "is not an SQLite database" in plain.stderr
    assert "`ss-tui db upgrade`" in plain.stderr and "Details:" not in plain.stderr
    assert "is not an SQLite database" in log.read_text() and "Traceback" not in log.read_text()

    verbose = CliRunner().invoke(cli, ["-v", "errors", "list"], env=env.env)
    assert verbose.exit_code == 6 and "Traceback" not in verbose.output
    assert f"Details: {log}" in verbose.stderr
    text = log.read_text()
    assert "Traceback" in text and "file is not a database" in text  # the driver's own words
