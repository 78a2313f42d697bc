"""`ss-tui connect / accounts / disconnect` headless, against a served simulator."""

from __future__ import annotations

import keyring
from click.testing import CliRunner
from cryptography.fernet import Fernet
from keyring.backends import fail

from ss_tui.cli import cli
from ss_tui.simulator import SimulatorConfig
from ss_tui.simulator.server import start_live_simulator


def test_connect_with_device_flow_and_personal_token_then_disconnect(sqlite_url):
    runner = CliRunner()
    with start_live_simulator(SimulatorConfig(projects=3, device_interval=1)) as live:
        env = {
            "SESSION_STUDIO_API_BASE_URL": live.base_url,
            "SESSION_STUDIO_CLIENT_ID": live.simulator.config.client_id,
            "SS_TUI_DATABASE_URL": sqlite_url,
            "SS_TUI_TOKEN_STORE": "database",
            "SS_TUI_TOKEN_KEY": Fernet.generate_key().decode(),
        }
        device = runner.invoke(cli, ["connect"], env=env)
        assert device.exit_code == 0, device.output
        assert "enter the code" in device.output and "Connected Demo Label" in device.output
        assert "database (encrypted" in device.output

        listed = runner.invoke(cli, ["accounts"], env=env)
        assert "acc_demolabel" in listed.output and "token expires" in listed.output

        personal = live.simulator.personal_token()
        pasted = runner.invoke(cli, ["connect", "--token-stdin"], input=personal + "\n", env=env)
        assert pasted.exit_code == 0, pasted.output
        assert personal not in pasted.output
        assert "personal token" in runner.invoke(cli, ["accounts"], env=env).output

        gone = runner.invoke(cli, ["disconnect"], env=env)
        assert gone.exit_code == 0, gone.output
        after = runner.invoke(cli, ["accounts"], env=env).output
        assert "disconnected" in after and "no token stored" in after
        # revoked at Session Studio as well, not just forgotten here
        assert live.simulator.auth.record(personal).revoked


def test_connect_without_a_keyring_names_both_fixes(sqlite_url):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        result = CliRunner().invoke(
            cli, ["connect", "--token-stdin"], input="pat-whatever-123456\n",
            env={"SS_TUI_DATABASE_URL": sqlite_url, "SS_TUI_TOKEN_STORE": "keyring"},
        )
    finally:
        keyring.set_keyring(previous)
    assert result.exit_code == 4  # not connected / no token store (README, exit codes)
    assert "keyring backend" in result.output
    assert "SS_TUI_TOKEN_STORE=database" in result.output and "SS_TUI_TOKEN_KEY" in result.output
