"""``ss-tui errors list|show|resolve|ignore`` (``retry`` and ``export`` have their own
modules): review sync errors headless. The rows come from ``ss_tui.queries.errors``, the
status change from the engine's service (the same calls as the Errors screen)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from ss_tui.cli.errors_export import errors_export
from ss_tui.cli.errors_retry import errors_retry
from ss_tui.cli.records import (
    error_filter,
    kind_option,
    plain,
    run_option,
    show_record,
    status_option,
)
from ss_tui.cli.running import _run, json_option, url_option
from ss_tui.db.enums import ErrorStatus
from ss_tui.failures import EXIT_OK

if TYPE_CHECKING:
    from collections.abc import Callable

    from ss_tui.config import Settings
    from ss_tui.engine.service import ImportService
    from ss_tui.values import Row

ERROR_FIELDS = (
    "id", "status", "kind", "stage", "entity_type", "external_id", "project_external_id",
    "http_status", "suggested_action", "attempts", "first_seen_at", "last_seen_at", "run_id",
    "resolved_by", "note", "message",
)


@click.group("errors")
def errors_group() -> None:
    """Review, retry, resolve and export sync errors."""


@errors_group.command("list")
@status_option
@kind_option
@run_option
@click.option("--limit", default=50, show_default=True, help="Rows shown (0: all).")
@json_option
@url_option
def errors_list(
    status: str,
    kind: str | None,
    run: str | None,
    limit: int,
    as_json: bool,
    database_url: str | None,
) -> None:
    """List sync errors (newest first)."""

    async def body(svc: ImportService, settings: Settings) -> int:
        from ss_tui.queries.errors import count_errors, error_records

        f = error_filter(status, kind, run)
        rows = await error_records(svc.engine, f, limit=limit or None)
        total = len(rows)
        if limit and total == limit:  # a full page: say how many there are in all
            total = await count_errors(svc.engine, f)
        more = "" if total == len(rows) else (
            f"Showing the newest {len(rows)} of {total} errors: see more with "
            f"--limit {min(total, 10 * len(rows))} (--limit 0: all), or all of them in a "
            "file with `ss-tui errors export -o errors.csv`."
        )
        if as_json:
            click.echo(
                json.dumps(
                    [{k: plain(v) for k, v in r.items()} for r in rows],
                    indent=2,
                    ensure_ascii=False,
                )
            )
            if more:
                click.echo(more, err=True)  # stdout stays JSON
            return EXIT_OK
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        from ss_tui.engine.render import safe

        table = Table("id", "kind", "stage", "item", "message", "action", "n", "status")
        for r in rows:
            item = f"{r['entity_type'] or ''} {r['external_id'] or ''}".strip()
            table.add_row(
                str(r["id"])[:8],
                r["kind"],
                r["stage"],
                Text(safe(item)),
                Text(safe(r["message"])),
                r["suggested_action"],
                str(r["attempts"]),
                r["status"],
            )
        Console().print(table)
        if not rows:
            click.echo("No errors.")
        if more:
            click.echo(more)
        return EXIT_OK

    _run(body, database_url)


@errors_group.command("show")
@click.argument("error_id")
@json_option
@url_option
def errors_show(error_id: str, as_json: bool, database_url: str | None) -> None:
    """Everything about one error: message, advice, HTTP status, payload."""

    async def body(svc: ImportService, settings: Settings) -> int:
        from ss_tui.queries.errors import error_record, resolve_error_ids

        (rid,) = await resolve_error_ids(svc.engine, (error_id,))
        row = await error_record(svc.engine, rid)
        if row is None:  # deleted since the id was looked up
            raise LookupError(f"No id {error_id!r}.")
        data: Row = {k: plain(v) for k, v in row.items()}
        console = show_record(data, as_json, ERROR_FIELDS, width=20)
        if console is None:
            return EXIT_OK
        from rich.text import Text

        from ss_tui.engine.render import safe

        detail = data.get("detail") or {}
        if detail.get("advice"):
            console.print(Text(f"{'advice':>20}: {safe(detail['advice'])}", style="bold"))
        console.print(Text("detail:", style="bold"))
        console.print(Text(safe(json.dumps(detail, indent=2, ensure_ascii=False))))
        console.print(Text("source payload:", style="bold"))
        console.print(
            Text(safe(json.dumps(data.get("source_payload"), indent=2, ensure_ascii=False)))
        )
        return EXIT_OK

    _run(body, database_url)


def _close(status: ErrorStatus) -> Callable[[tuple[str, ...], str | None, str | None], None]:
    @click.argument("error_ids", nargs=-1, required=True)
    @click.option("--note", default=None, help="Why (shown in the error's history).")
    @url_option
    def cmd(error_ids: tuple[str, ...], note: str | None, database_url: str | None) -> None:
        async def body(svc: ImportService, settings: Settings) -> int:
            from ss_tui.queries.errors import resolve_error_ids

            ids = await resolve_error_ids(svc.engine, error_ids)
            n = await svc.close_errors(ids, status=status, note=note)
            click.echo(f"Marked {n} error(s) {status}.")
            return EXIT_OK

        _run(body, database_url)

    cmd.__doc__ = f"Mark errors {status} with a note."
    return cmd


errors_group.command("resolve")(_close(ErrorStatus.resolved))
errors_group.command("ignore")(_close(ErrorStatus.ignored))
errors_group.add_command(errors_retry)
errors_group.add_command(errors_export)


def register(root: click.Group) -> None:
    """Add this module's commands to the root group."""
    root.add_command(errors_group)
