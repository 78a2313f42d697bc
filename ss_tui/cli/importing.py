"""``ss-tui import``: fetch, plan and apply Session Studio projects, headless.

Exit codes: the one table of ``ss_tui.failures`` (README "Exit codes"), e.g. 0 every project
applied or unchanged, 1 partial (also: the listing stopped part-way), 3 the run failed, 4 not
connected, 5 cancelled, 6 database unavailable, 7 Session Studio unreachable. The ``errors``
and ``runs`` commands live in their own modules (``cli/errors.py``, ``cli/runs.py``).
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from ss_tui.cli.records import print_plan
from ss_tui.cli.running import (
    STATUS_EXIT,
    _console,
    _install_cancel,
    _Progress,
    _run,
    json_option,
    url_option,
)
from ss_tui.failures import EXIT_CANCELLED, EXIT_OK, EXIT_PARTIAL

if TYPE_CHECKING:
    from ss_tui.config import Settings
    from ss_tui.engine.service import ImportService


@click.command("import")
@click.option("--project", "projects", multiple=True, metavar="ID", help="Project id (repeat).")
@click.option("--all", "all_projects", is_flag=True, help="Every project of the account.")
@click.option(
    "--incremental",
    is_flag=True,
    help="Only projects changed since the last sync (the per-account cursor).",
)
@click.option(
    "--creator",
    default=None,
    metavar="ID|USERNAME",
    help="Creator profile (id or Jovie username) for projects with none chosen or remembered.",
)
@click.option(
    "--create-creators/--no-create-creators",
    "create_creators",
    default=None,
    help="Create a creator profile (never public, never claimed) for a Session Studio artist"
    " with none chosen. Default: yes in ss-tui's own database, no in a Jovie database.",
)
@click.option("--account", default=None, metavar="ID", help="Connected account (if several).")
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace other sources' non-empty values (locked fields still never change).",
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option(
    "--out",
    "out_path",
    default=None,
    metavar="PLAN.json",
    type=click.Path(dir_okay=False, writable=True),
    help="With --dry-run: save the plan; `ss-tui apply PLAN.json` writes exactly it.",
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--verbose", "-v", is_flag=True, help="Dry run: list unchanged entities too.")
@click.option("--no-resume", is_flag=True, help="Start a new run even if one was interrupted.")
@click.option(
    "--discover-links",
    is_flag=True,
    help="Afterwards, find the written releases on Apple Music, Deezer and MusicBrainz.",
)
@click.option(
    "--discover-provider",
    "discover_providers",
    multiple=True,
    metavar="NAME",
    help="With --discover-links: only this provider (repeat; apple_music, deezer, musicbrainz).",
)
@click.option(
    "--include-unreleased",
    is_flag=True,
    help="Also import unreleased and draft projects (written as Jovie drafts, never public).",
)
@click.option(
    "--include-collaborations",
    is_flag=True,
    help="Also import other accounts' projects this account is a member of (into the main "
    "artist's creator profile when Jovie has one; otherwise a conflict to resolve).",
)
@json_option
@url_option
def import_cmd(
    projects: tuple[str, ...],
    all_projects: bool,
    incremental: bool,
    creator: str | None,
    create_creators: bool | None,
    account: str | None,
    overwrite: bool,
    dry_run: bool,
    out_path: str | None,
    yes: bool,
    verbose: bool,
    no_resume: bool,
    discover_links: bool,
    discover_providers: tuple[str, ...],
    include_unreleased: bool,
    include_collaborations: bool,
    as_json: bool,
    database_url: str | None,
) -> None:
    """Import Session Studio projects into the discography.

    Fetches the projects, plans every change (create / update / unchanged / conflict) and
    applies it one project per transaction. Conflicts and bad data become sync errors
    (`ss-tui errors list`). An interrupted run continues where it stopped when run again.
    """
    if bool(projects) == (all_projects or incremental):
        raise click.UsageError("Give --project ID … or --all / --incremental.")
    if discover_providers and not discover_links:
        raise click.UsageError("--discover-provider needs --discover-links.")
    if out_path and not dry_run:
        raise click.UsageError("--out saves a plan: give it with --dry-run.")
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    providers = list(discover_providers) or None

    async def body(svc: ImportService, settings: Settings) -> int:
        from ss_tui.cli.summary import listing_note
        from ss_tui.db.creators import is_jovie_database
        from ss_tui.engine.decisions import PlanDecisions
        from ss_tui.engine.render import plan_to_dict
        from ss_tui.engine.run import RunControl

        decisions = PlanDecisions(overwrite=overwrite)
        # Off by default (SS_TUI_INCLUDE_UNRELEASED may turn unreleased projects on).
        decisions.include_unreleased = decisions.include_unreleased or include_unreleased
        decisions.include_collaborations = include_collaborations
        if creator:
            decisions.default_creator_profile_id = await svc.resolve_creator(creator)
        auto_create = create_creators
        if auto_create is None:  # in a Jovie database only when asked (public pages)
            auto_create = not await is_jovie_database(svc.engine)
        decisions.auto_create_creators = auto_create
        ids = list(projects) or None
        confirm = not dry_run and not yes and interactive and not as_json
        control = RunControl()
        _install_cancel(control)
        with _Progress(_console().is_terminal and not as_json) as progress:
            if dry_run or confirm:
                result = await svc.run_import(
                    account,
                    ids,
                    incremental=incremental,
                    decisions=decisions,
                    dry_run=True,
                    sink=progress,
                )
        if dry_run or confirm:
            plan = result.plan
            assert plan is not None  # a dry run always carries its plan
            note = await listing_note(svc, result, dry_run=True)
            if note is not None and note.nothing_listed:  # nothing to preview: say why
                if as_json:
                    click.echo(json.dumps({"listing": note.to_dict()}, indent=2))
                note.show()
                return note.exit_code(EXIT_OK)
            if as_json:
                data = plan_to_dict(plan) | ({"listing": note.to_dict()} if note else {})
                click.echo(json.dumps(data, indent=2, ensure_ascii=False))
            else:
                print_plan(plan, verbose)
            if note is not None:
                note.show()
            if dry_run:
                if out_path:
                    from ss_tui.cli.plans import save_plan

                    save_plan(plan, out_path, quiet=as_json)
                return note.exit_code(EXIT_OK) if note else EXIT_OK
            totals = plan.totals()
            if not totals["create"] + totals["update"] + totals["delete"]:
                click.echo("Nothing to change.")
                return EXIT_OK
            if not click.confirm("Apply these changes?", default=False):
                return EXIT_CANCELLED
            with _Progress(_console().is_terminal) as progress:
                result = await svc.apply(
                    plan, sink=progress, control=control, discover_links=discover_links,
                    discovery_providers=providers,
                )
        else:
            with _Progress(_console().is_terminal and not as_json) as progress:
                result = await svc.run_import(
                    account,
                    ids,
                    incremental=incremental,
                    decisions=decisions,
                    sink=progress,
                    control=control,
                    resume=not no_resume,
                    discover_links=discover_links,
                    discovery_providers=providers,
                )
        note = await listing_note(svc, result)
        if as_json:
            data = result.to_dict() | ({"listing": note.to_dict()} if note else {})
            click.echo(json.dumps(data, indent=2))
        else:
            quiet = result.rows_written or note is not None or result.status == "failed"
            click.echo(str(result) + ("" if quiet else " (nothing changed)"))
            done = result.summary()
            if result.status != "failed":  # a failed run: the cause below says it all
                click.echo(
                    f"Imported {done['releases_imported']} releases, {done['tracks_imported']} "
                    f"tracks; created {done['artists_created']} artists, "
                    f"{done['provider_links_created']} provider links; {done['errors']} errors"
                )
            if result.resumed:
                click.echo("(continued an interrupted run)")
            if result.errors:
                click.echo(f"See: ss-tui errors list --run {result.run_id}")
            if note is not None:
                note.show()
        code = STATUS_EXIT.get(result.status, EXIT_PARTIAL)
        return note.exit_code(code) if note else code

    _run(body, database_url)


def register(root: click.Group) -> None:
    """Add this module's command to the root group."""
    root.add_command(import_cmd)
