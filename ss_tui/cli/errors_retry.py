"""``ss-tui errors retry``: plan just the items behind some errors, show that plan, apply it
once confirmed (the Errors screen's **t**, headless)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from ss_tui.cli.records import error_filter, kind_option, print_plan, run_option
from ss_tui.cli.running import _console, _Progress, _run, json_option, url_option
from ss_tui.db.enums import ErrorStatus
from ss_tui.failures import EXIT_CANCELLED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE

if TYPE_CHECKING:
    import uuid

    from ss_tui.config import Settings
    from ss_tui.engine.service import ImportService


@click.command("retry")
@click.argument("error_ids", nargs=-1)
@click.option("--all-open", is_flag=True, help="Every open error (filter with --kind/--run).")
@click.option("--yes", "-y", is_flag=True, help="Apply the retry's plan without asking.")
@kind_option
@run_option
@json_option
@url_option
def errors_retry(
    error_ids: tuple[str, ...],
    all_open: bool,
    yes: bool,
    kind: str | None,
    run: str | None,
    as_json: bool,
    database_url: str | None,
) -> None:
    """Re-run just the items behind the given errors.

    The items are fetched again and planned on their own (a track's error: that track
    only); the plan is printed and applied once confirmed (or with --yes)."""
    if not error_ids and not all_open:
        raise click.UsageError("Give error ids or --all-open.")

    async def body(svc: ImportService, settings: Settings) -> int:
        from ss_tui.queries.errors import error_ids as matching_ids
        from ss_tui.queries.errors import resolve_error_ids

        if all_open:
            ids = await matching_ids(svc.engine, error_filter(ErrorStatus.open, kind, run))
        else:
            ids = await resolve_error_ids(svc.engine, error_ids)
        if not ids:
            click.echo("No errors to retry.")
            return EXIT_OK
        plan = await svc.plan_retry(ids)
        if plan is None or not plan.projects:
            still = await _still_open(svc, ids)
            if still:  # fetching their items failed again: nothing to plan, nothing fixed
                click.echo(f"{still} of {len(ids)} errors still open: their items could not "
                           "be fetched again. See `ss-tui errors show ID`.")
                return EXIT_PARTIAL
            click.echo("Nothing to retry: the errors are closed, or the listing worked "
                       "this time.")
            return EXIT_OK
        if not as_json:
            print_plan(plan, verbose=False)
        if not yes:
            if as_json or not sys.stdin.isatty():
                click.secho("Give --yes to apply the retry without a terminal to confirm "
                            "on.", fg="red", err=True)
                return EXIT_USAGE
            if not click.confirm("Apply this retry?", default=False):
                return EXIT_CANCELLED
        with _Progress(_console().is_terminal and not as_json) as progress:
            result = await svc.apply(plan, sink=progress, options={
                "retry_of": [str(i) for i in ids]})
        still = await _still_open(svc, ids)
        if as_json:
            click.echo(
                json.dumps({**result.to_dict(), "retried": len(ids), "still_open": still}, indent=2)
            )
        else:
            click.echo(
                f"Retried {len(ids)} errors: {len(ids) - still} cleared, {still} still "
                f"open. {result}"
            )
        return EXIT_OK if still == 0 else EXIT_PARTIAL

    _run(body, database_url)


async def _still_open(svc: ImportService, ids: list[uuid.UUID]) -> int:
    """How many of ``ids`` are still open or retrying."""
    from ss_tui.queries.errors import ACTIVE, ErrorFilter, count_errors

    return await count_errors(svc.engine, ErrorFilter(ids=tuple(ids), status=ACTIVE))
