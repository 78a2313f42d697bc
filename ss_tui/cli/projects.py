"""``ss-tui projects list``: the Browse screen headless. The same query and the same filters
(``ss_tui.queries.projects``), so its import state (new / changed / imported) is the one
Browse shows: "changed" means Session Studio's payload differs from the one last imported
(ss_tui/db/upstream.py)."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

import click

from ss_tui.cli.records import plain
from ss_tui.cli.running import _run, json_option, url_option
from ss_tui.failures import EXIT_OK
from ss_tui.queries.projects import IMPORT_STATES, SORTS

if TYPE_CHECKING:
    from ss_tui.config import Settings
    from ss_tui.engine.service import ImportService

PROJECT_STATUSES = ("draft", "unreleased", "released")
PROJECT_TYPES = ("single", "ep", "album", "compilation")
PAGE = 100


@click.group("projects")
def projects_group() -> None:
    """Session Studio projects as last fetched (refresh: `ss-tui import --dry-run`)."""


@projects_group.command("list")
@click.option("--account", default=None, metavar="ID",
              help="Connected account (default: the one the dashboard opens on).")
@click.option("--search", default="", help="Title, artist or exact project id.")
@click.option("--state", "import_state", type=click.Choice(IMPORT_STATES), default=None,
              help="new: never imported; changed: edited in Session Studio since the last "
              "import; imported: as imported; errors: with open sync errors.")
@click.option("--status", type=click.Choice(PROJECT_STATUSES), default=None)
@click.option("--type", "project_type", type=click.Choice(PROJECT_TYPES), default=None)
@click.option("--sort", type=click.Choice(list(SORTS)), default="title", show_default=True)
@click.option("--limit", default=50, show_default=True, help="Rows shown (0: all).")
@json_option
@url_option
def projects_list(
    account: str | None,
    search: str,
    import_state: str | None,
    status: str | None,
    project_type: str | None,
    sort: str,
    limit: int,
    as_json: bool,
    database_url: str | None,
) -> None:
    """List projects with their import state, a page at a time (as Browse shows them)."""

    async def body(svc: ImportService, settings: Settings) -> int:
        from ss_tui.queries.connections import default_account, list_connections
        from ss_tui.queries.projects import (
            ProjectFilter,
            ProjectRow,
            count_projects,
            page_projects,
        )

        accounts = await list_connections(svc.engine)
        if account is None:
            connection_id = default_account(accounts)
        else:
            match = [a.id for a in accounts if a.account_id == account]
            if not match:
                raise LookupError(f"No connected account {account!r} (see `ss-tui accounts`).")
            connection_id = match[0]
        f = ProjectFilter(connection_id=connection_id, search=search, status=status,
                          project_type=project_type, import_state=import_state, sort=sort)
        rows: list[ProjectRow] = []
        while limit == 0 or len(rows) < limit:  # pages: the catalogue is never read whole
            want = PAGE if limit == 0 else min(PAGE, limit - len(rows))
            page = await page_projects(svc.engine, f, offset=len(rows), limit=want)
            rows += page
            if len(page) < want:
                break
        total = len(rows)
        if limit and total == limit:  # a full page: say how many there are in all
            total = await count_projects(svc.engine, f)
        if as_json:
            click.echo(json.dumps([{k: plain(v) for k, v in dataclasses.asdict(r).items()}
                                   for r in rows], indent=2, ensure_ascii=False))
            return EXIT_OK
        if not rows:
            filtered = any((search, status, project_type, import_state))
            click.echo("No project matches these filters: change or drop them."
                       if filtered else
                       "No projects fetched yet (fetch them with `ss-tui import --all --dry-run`).")
            return EXIT_OK
        from rich.console import Console
        from rich.table import Column, Table
        from rich.text import Text

        from ss_tui.engine.render import safe

        ids = max((len(r.external_id) for r in rows), default=2)  # ids are never wrapped
        table = Table(Column("id", no_wrap=True, min_width=ids), "title", "artist", "type",
                      "status", "tracks", Column("state", no_wrap=True), "errors")
        for r in rows:
            table.add_row(
                Text(safe(r.external_id)), Text(safe(r.title)), Text(safe(r.artist_name)),
                r.project_type or "", r.status or "", str(r.track_count), r.import_state,
                str(r.open_errors or ""),
            )
        Console().print(table)
        if total > len(rows):
            click.echo(f"Showing {len(rows)} of {total} projects: see more with --limit "
                       f"{min(total, 10 * len(rows))} (--limit 0: all).")
        return EXIT_OK

    _run(body, database_url)


def register(root: click.Group) -> None:
    """Add this module's commands to the root group."""
    root.add_command(projects_group)
