"""``ss-tui simulator serve``: prints how to connect, then serves the contract."""

from __future__ import annotations

import subprocess
import sys

import httpx
from click.testing import CliRunner

from ss_tui.cli.simulator import simulator_group

SERVE = "from ss_tui.cli.simulator import simulator_group; simulator_group()"


def test_serve_help_lists_the_options() -> None:
    result = CliRunner().invoke(simulator_group, ["serve", "--help"])
    assert result.exit_code == 0
    for option in (
        "--host",
        "--port",
        "--seed",
        "--projects",
        "--latency-ms",
        "--rate-limit",
        "--faults",
        "--webhook-url",
    ):
        assert option in result.output


def test_bad_fault_spec_is_a_usage_error() -> None:
    result = CliRunner().invoke(simulator_group, ["serve", "--faults", "explode=1"])
    assert result.exit_code == 2 and "--faults" in result.output


def test_serve_prints_credentials_and_answers_over_loopback() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SERVE,
            "serve",
            "--port",
            "0",
            "--projects",
            "7",
            "--rate-limit",
            "50",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines: dict[str, str] = {}
        assert proc.stdout is not None
        while "device page" not in lines:
            line = proc.stdout.readline()
            assert line, f"server exited early: {lines}"
            key, _, value = line.strip().partition("  ")
            lines[key.strip()] = value.strip()
        base, token = lines["base URL"], lines["personal token"]
        assert lines["client id"] == "ss-tui-demo"
        # The socket listens before the banner is printed; early requests wait in the backlog.
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as http:
            response = http.get("/projects", params={"limit": 100})
        assert response.status_code == 200
        assert len(response.json()["data"]) == 7
        assert response.headers["x-ratelimit-limit"] == "50"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
