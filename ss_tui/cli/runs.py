"""``ss-tui runs list|show``: import history headless (the History and Run detail screens'
data, from ``ss_tui.queries.runs``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from ss_tui.cli.records import plain, show_record
from ss_tui.cli.running import _run, json_option, url_option
from ss_tui.failures import EXIT_OK

if TYPE_CHECKING:
    from ss_tui.config import Settings
    from ss_tui.engine.service import ImportService
    from ss_tui.values import Row

RUN_FIELDS = (
    "id", "status", "started_by", "started_at", "finished_at", "dry_run", "api_requests",
    "api_retries", "api_rate_limited",
)


@click.group("runs")
def runs_group() -> None:
    """Import history: who ran what, when, and with what result."""


@runs_group.command("list")
@click.option("--limit", default=20, show_default=True)
@json_option
@url_option
def runs_list(limit: int, as_json: bool, database_url: str | None) -> None:
    """Recent runs, newest first."""

    async def body(svc: ImportService, settings: Settings) -> int:
        from ss_tui.queries.runs import run_records

        rows = await run_records(svc.engine, limit=limit)
        if as_json:
            click.echo(json.dumps([{k: plain(v) for k, v in r.items()} for r in rows], indent=2))
            return EXIT_OK
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table("id", "started", "by", "status", "dry", "items", "errors")
        for r in rows:
            counts = r["counts"] or {}
            items = ", ".join(f"{n} {s}" for s, n in sorted((counts.get("items") or {}).items()))
            table.add_row(
                str(r["id"])[:8],
                f"{r['started_at']:%Y-%m-%d %H:%M}",
                Text(r["started_by"] or ""),
                r["status"],
                "yes" if r["dry_run"] else "",
                items,
                str(counts.get("errors", "")),
            )
        Console().print(table)
        return EXIT_OK

    _run(body, database_url)


@runs_group.command("show")
@click.argument("run_id")
@json_option
@url_option
def runs_show(run_id: str, as_json: bool, database_url: str | None) -> None:
    """One run: options, counts and its items."""

    async def body(svc: ImportService, settings: Settings) -> int:
        from ss_tui.queries.runs import resolve_run_id, run_items, run_record

        rid = await resolve_run_id(svc.engine, run_id)
        run = await run_record(svc.engine, rid)
        if run is None:  # deleted since the id was looked up
            raise LookupError(f"No id {run_id!r}.")
        data: Row = {k: plain(v) for k, v in run.items()}
        data["items"] = [
            {
                "project_external_id": it.project_external_id,
                "status": it.status,
                "counts": plain(it.counts),
                "error": it.error,
            }
            for it in await run_items(svc.engine, rid)
        ]
        console = show_record(data, as_json, RUN_FIELDS, width=16, skip_none=False)
        if console is None:
            return EXIT_OK
        from rich.text import Text

        from ss_tui.engine.render import safe

        console.print(Text(f"{'counts':>16}: {safe(json.dumps(data.get('counts')))}"))
        for line in approval_lines(data):
            console.print(Text(line))
        for it in data["items"]:
            err = f" — {safe(it['error'])}" if it.get("error") else ""
            console.print(Text(f"  {it['status']:<10} {it['project_external_id']}{err}"))
        return EXIT_OK

    _run(body, database_url)


def approval_lines(run: Row) -> list[str]:
    """What was approved, by whom: the plan (its hash), its rows and the choices made."""
    from ss_tui.engine.render import safe

    opts = run.get("options") or {}
    if not opts.get("plan_hash"):
        return []
    out = [f"{'approved':>16}: plan {safe(opts['plan_hash'])} by {safe(run.get('started_by'))}"]
    rows = opts.get("plan_rows") or {}
    if rows:
        out.append(f"{'planned rows':>16}: " + ", ".join(
            f"{t} " + "/".join(f"{a[0]}{n}" for a, n in by.items() if n)
            for t, by in rows.items() if any(by.values())))
    projects = (opts.get("decisions") or {}).get("projects") or {}
    choices = sorted((k, v) for d in projects.values() for k, v in (d.get("choices") or {}).items())
    excluded = sum(len(d.get("excluded") or ()) for d in projects.values())
    if choices:
        out.append(f"{'choices':>16}: " + safe(", ".join(f"{k} → {v}" for k, v in choices)))
    if excluded:
        out.append(f"{'excluded':>16}: {excluded} entities")
    return out


def register(root: click.Group) -> None:
    """Add this module's commands to the root group."""
    root.add_command(runs_group)
