"""Every headless entry point runs without loading Textual (docs/architecture.md, "Layers").

import-linter checks the imports it can see in the source; this runs each command for real in
a fresh interpreter and reads ``sys.modules`` afterwards, so an import made at run time (a
deferred import, a plugin, a dependency of a dependency) is caught too. The servers are built
but not left serving: their blocking ``run`` returns at once, everything before it runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

DRIVER = """
import json, sys
import uvicorn

uvicorn.run = lambda *args, **kwargs: None  # the webhook receiver: built, not served
uvicorn.Server.run = lambda self, sockets=None: None  # the simulator: bound, not served

from ss_tui.cli import cli

try:
    cli.main(sys.argv[1:], prog_name="ss-tui")
    code = 0
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print("\\n" + json.dumps({"exit": code, "textual": loaded}))
"""


def run_entry(args: list[str], **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SS_TUI_", "SESSION_"))}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=120,
    )
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    assert last.startswith("{"), f"{args}: no report\n{done.stdout}\n{done.stderr}"
    return json.loads(last)


@pytest.mark.parametrize(
    ("args", "env", "exit_code"),
    [
        # Not connected: it builds the service and stops with "not connected" (exit 4).
        (["import", "--all"], {}, 4),
        (["worker", "--drain"], {}, 0),
        (["webhooks", "serve", "--port", "0"], {"SESSION_STUDIO_WEBHOOK_SECRET": "s3cret"}, 0),
        (["simulator", "serve", "--port", "0", "--projects", "3"], {}, 0),
    ],
    ids=["import", "worker", "webhooks-serve", "simulator-serve"],
)
def test_a_headless_entry_loads_no_textual_module(sqlite_url, args, env, exit_code):
    if args[0] != "simulator":
        args = [*args, "--database-url", sqlite_url]
    report = run_entry(args, **env)
    assert report["exit"] == exit_code
    assert report["textual"] == []


def test_the_check_sees_textual_once_the_dashboard_is_loaded():
    """The same driver, the dashboard's app imported first: the check would notice."""
    done = subprocess.run(
        [sys.executable, "-c", "import ss_tui.tui.app; " + DRIVER, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1])["textual"] != []
