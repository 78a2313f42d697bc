"""CLI commands: ``ss-tui tui`` (the dashboard) and ``ss-tui demo`` (the dashboard on the
built-in simulator). Textual is imported inside the commands so headless commands never
load it."""

from __future__ import annotations

import asyncio
import sys

import click

from ss_tui.failures import EXIT_INTERNAL, record


@click.command("tui")
@click.option("--database-url", default=None, help="Overrides SS_TUI_DATABASE_URL.")
@click.option("--api-base-url", default=None, help="Overrides SESSION_STUDIO_API_BASE_URL.")
@click.option("--theme", default="textual-dark", show_default=True)
def tui(database_url: str | None, api_base_url: str | None, theme: str) -> None:
    """Open the dashboard."""
    from ss_tui.config import load_settings
    from ss_tui.db.engine import create_engine
    from ss_tui.db.migrate import upgrade
    from ss_tui.sessionstudio.tokens import token_store_from_settings
    from ss_tui.tui.app import create_app

    overrides = {"database_url": database_url} if database_url else {}
    settings = load_settings(**overrides)
    try:
        asyncio.run(upgrade(settings.database_url))  # a fresh machine gets its schema
    except Exception as exc:  # the dashboard opens anyway and says what is wrong
        record(exc, database_url=settings.database_url, doing="Migrating the database")
    engine = create_engine(settings.database_url)
    # No keyring backend: the CLI's error boundary names both fixes (exit 4).
    store = token_store_from_settings(settings, engine)
    app = create_app(settings, db_engine=engine, token_store=store,
                     api_base_url=api_base_url or settings.api_base_url, theme=theme)
    app.run()  # a failure nobody caught ends it with one line (SsTuiApp._fatal_error)
    if app.return_code:
        sys.exit(EXIT_INTERNAL)


@click.command("demo")
@click.option("--projects", default=120, show_default=True, type=int)
@click.option("--seed", default=42, show_default=True, type=int)
def demo(projects: int, seed: int) -> None:
    """The dashboard on an in-process Session Studio simulator and a fresh SQLite database.

    Press d on the Connect screen: the simulator approves the device login at once."""
    from ss_tui.simulator.server import start_live_simulator
    from ss_tui.tui.demo import build_demo_app, demo_parts, demo_simulator_config, prepare_database

    parts = demo_parts()
    asyncio.run(prepare_database(parts.database_url))
    # Served on loopback (not only in-process) so "browser login" works from a real browser.
    with start_live_simulator(demo_simulator_config(projects=projects, seed=seed)) as live:
        app = build_demo_app(parts, api_base_url=live.base_url, simulator=live.simulator)
        app.run()
    click.echo(f"Demo database kept at {parts.database_url}")


def register(root: click.Group) -> None:
    """Add this module's commands to the root group."""
    root.add_command(tui)
    root.add_command(demo)
