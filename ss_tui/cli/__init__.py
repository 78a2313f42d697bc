"""The ``ss-tui`` command. Each group lives in its own module; the TUI is imported
lazily so headless commands never load Textual."""

from __future__ import annotations

import click

from ss_tui import __version__
from ss_tui.cli import connect as connect_cli
from ss_tui.cli import db as db_cli
from ss_tui.cli import discovery as discovery_cli
from ss_tui.cli import importing as importing_cli
from ss_tui.cli import jobs as jobs_cli
from ss_tui.cli import simulator as simulator_cli
from ss_tui.cli import tui as tui_cli


@click.group()
@click.version_option(__version__, prog_name="ss-tui")
def cli() -> None:
    """Import Session Studio songs into Jovie's discography database."""


for module in (db_cli, simulator_cli, connect_cli, importing_cli, jobs_cli, tui_cli,
               discovery_cli):
    module.register(cli)


def main() -> None:
    cli(prog_name="ss-tui")
