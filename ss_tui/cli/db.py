"""CLI commands: ``ss-tui db upgrade|downgrade|stamp|current|check``."""

from __future__ import annotations

import asyncio
import sys

import click

from ss_tui.config import load_settings
from ss_tui.failures import EXIT_DATABASE, EXIT_USAGE

url_option = click.option(
    "--database-url",
    "database_url",
    default=None,
    metavar="URL",
    help="Database to act on (default: SS_TUI_DATABASE_URL or the SQLite file in the data dir).",
)


def _url(database_url: str | None) -> str:
    return database_url or load_settings().database_url


def _fail(message: str, code: int) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(code)


@click.group("db")
def db_group() -> None:
    """Create, migrate and verify the discography database."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@url_option
def upgrade_cmd(revision: str, database_url: str | None) -> None:
    """Migrate the database up to REVISION (default: head).

    On an existing Jovie database (its tables present, never migrated by ss-tui) this
    adds only ss-tui's own tables and the providers it links to."""
    from ss_tui.db.engine import redact
    from ss_tui.db.migrate import upgrade

    url = _url(database_url)
    result = asyncio.run(upgrade(url, revision))  # failures: the CLI's error boundary
    click.echo(result.describe(redact(url)))


@db_group.command("downgrade")
@click.argument("revision")
@url_option
@click.option("--force", is_flag=True, help="Drop Jovie's tables even in a shared database.")
def downgrade_cmd(revision: str, database_url: str | None, force: bool) -> None:
    """Migrate the database down to REVISION.

    `0001_jovie` removes ss-tui's own tables; `base` also removes Jovie's tables, which
    is refused in a database holding other tables (a shared Jovie database) unless --force."""
    from ss_tui.db.engine import redact
    from ss_tui.db.migrate import SharedDatabaseError, downgrade

    url = _url(database_url)
    try:
        asyncio.run(downgrade(url, revision, force=force))
    except SharedDatabaseError as exc:  # a refusal with its reason; anything else: the boundary
        _fail(f"{redact(url)}: {exc}", EXIT_USAGE)
    click.echo(f"{redact(url)} is at {revision}")


@db_group.command("current")
@url_option
def current_cmd(database_url: str | None) -> None:
    """Print the database's migration revision."""
    from ss_tui.db.migrate import current_revision

    click.echo(asyncio.run(current_revision(_url(database_url))) or "none")


@db_group.command("check")
@url_option
def check_cmd(database_url: str | None) -> None:
    """Report, table by table, whether everything ss-tui relies on is present (read-only).

    Exit code 0 when complete, 1 when anything required is missing."""
    from ss_tui.db.check import DatabaseNotFound, check_database, format_report
    from ss_tui.db.engine import redact

    url = _url(database_url)
    try:
        report = asyncio.run(check_database(url))
    except DatabaseNotFound as exc:
        _fail(f"{exc}. Create it with `ss-tui db upgrade`.", EXIT_DATABASE)
        return
    click.echo(f"checking {redact(url)}")
    for line, bad in format_report(report):
        click.secho(line, fg="red" if bad else None)
    sys.exit(0 if report.ok else 1)


def register(root: click.Group) -> None:
    """Add this module's commands to the root group."""
    root.add_command(db_group)
