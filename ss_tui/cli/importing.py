"""CLI commands: ``ss-tui import``, ``ss-tui errors …``, ``ss-tui runs …`` (headless engine).

Exit codes: the one table of ``ss_tui.failures`` (README "Exit codes"), e.g. 0 every project
applied or unchanged, 1 partial (also: the listing stopped part-way), 3 the run failed, 4 not
connected, 5 cancelled, 6 database unavailable, 7 Session Studio unreachable.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import uuid
from typing import Any

import click

from ss_tui.cli.running import (
    STATUS_EXIT,
    _console,
    _install_cancel,
    _Progress,
    _run,
    json_option,
    url_option,
)
from ss_tui.db.enums import ErrorStatus
from ss_tui.failures import (
    EXIT_CANCELLED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
)
from ss_tui.queries.errors import KINDS as ERROR_KINDS


def _print_plan(plan: Any, verbose: bool) -> None:
    from rich.console import Console
    from rich.text import Text

    from ss_tui.engine.render import plan_lines

    console = Console()
    for style, line in plan_lines(plan, verbose=verbose):
        console.print(Text(line, style=style or ""), soft_wrap=True)


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
    discovery = {
        "discover_links": discover_links,
        "discovery_providers": list(discover_providers) or None,
    }

    async def body(svc: Any, settings: Any) -> int:
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
                _print_plan(plan, verbose)
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
                result = await svc.apply(plan, sink=progress, control=control, **discovery)
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
                    **discovery,
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


# --------------------------------------------------------------------------- errors


def _error_table() -> Any:
    from ss_tui.db import schema

    return schema.SyncError.__table__


def _by_id(table: Any, ref: str) -> Any:
    import sqlalchemy as sa

    try:
        return table.c.id == uuid.UUID(ref)
    except ValueError:
        # Unique prefix of the id as listed (the first 8 hex digits are the same on both DBs).
        return sa.cast(table.c.id, sa.String).like(ref.replace("-", "")[:8] + "%")


async def _resolve_ids(svc: Any, table: Any, refs: tuple[str, ...]) -> list[uuid.UUID]:
    import sqlalchemy as sa

    out = []
    async with svc.engine.connect() as conn:
        for ref in refs:
            rows = (await conn.execute(sa.select(table.c.id).where(_by_id(table, ref)))).all()
            if len(rows) != 1:
                raise LookupError(f"{'No' if not rows else 'Ambiguous'} id {ref!r}.")
            out.append(rows[0][0])
    return out


ERROR_FIELDS = (
    "id", "status", "kind", "stage", "entity_type", "external_id", "project_external_id",
    "http_status", "suggested_action", "attempts", "first_seen_at", "last_seen_at", "run_id",
    "resolved_by", "note", "message",
)
RUN_FIELDS = (
    "id", "status", "started_by", "started_at", "finished_at", "dry_run", "api_requests",
    "api_retries", "api_rate_limited",
)


def _show_record(
    data: dict[str, Any], as_json: bool, fields: tuple[str, ...], *, width: int,
    skip_none: bool = True,
) -> Any:
    """``data`` as JSON (returns None) or as right-aligned ``key: value`` lines on a rich
    console, values rendered literally (returns the console for what follows)."""
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return None
    from rich.console import Console
    from rich.text import Text

    from ss_tui.engine.render import safe

    console = Console()
    for key in fields:
        if data.get(key) is not None or not skip_none:
            console.print(Text(f"{key:>{width}}: {safe(data.get(key))}"))
    return console


def _plain(v: Any) -> Any:
    from ss_tui.engine.rows import json_ready

    return json_ready(v)


@click.group("errors")
def errors_group() -> None:
    """Review, retry, resolve and export sync errors."""


def _error_filters(
    stmt: Any, table: Any, status: str | None, kind: str | None, run: str | None
) -> Any:
    if status and status != "all":
        stmt = stmt.where(table.c.status == status)
    if kind:
        stmt = stmt.where(table.c.kind == kind)
    if run:
        try:
            stmt = stmt.where(table.c.run_id == uuid.UUID(run))
        except ValueError:
            hint = "not a run id (see `ss-tui runs list`)"
            raise click.BadParameter(hint, param_hint="--run") from None
    return stmt


_status_opt = click.option(
    "--status",
    default="open",
    type=click.Choice(["open", "retrying", "resolved", "ignored", "all"]),
)
_kind_opt = click.option(
    "--kind",
    default=None,
    type=click.Choice(ERROR_KINDS),
)
_run_opt = click.option("--run", default=None, metavar="RUN_ID", help="Only this run's errors.")


@errors_group.command("list")
@_status_opt
@_kind_opt
@_run_opt
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
    import sqlalchemy as sa

    async def body(svc: Any, settings: Any) -> int:
        t = _error_table()
        stmt = _error_filters(sa.select(t), t, status, kind, run)
        stmt = stmt.order_by(t.c.last_seen_at.desc()).limit(limit or None)
        async with svc.engine.connect() as conn:
            rows = [dict(r) for r in (await conn.execute(stmt)).mappings()]
            total = len(rows)
            if limit and total == limit:  # a full page: say how many there are in all
                count = _error_filters(sa.select(sa.func.count()).select_from(t), t, status,
                                       kind, run)
                total = (await conn.execute(count)).scalar_one()
        more = "" if total == len(rows) else (
            f"Showing the newest {len(rows)} of {total} errors: see more with "
            f"--limit {min(total, 10 * len(rows))} (--limit 0: all), or all of them in a "
            "file with `ss-tui errors export -o errors.csv`."
        )
        if as_json:
            click.echo(
                json.dumps(
                    [{k: _plain(v) for k, v in r.items()} for r in rows],
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
    import sqlalchemy as sa

    async def body(svc: Any, settings: Any) -> int:
        t = _error_table()
        (rid,) = await _resolve_ids(svc, t, (error_id,))
        async with svc.engine.connect() as conn:
            row = dict((await conn.execute(sa.select(t).where(t.c.id == rid))).mappings().one())
        data = {k: _plain(v) for k, v in row.items()}
        console = _show_record(data, as_json, ERROR_FIELDS, width=20)
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


@errors_group.command("retry")
@click.argument("error_ids", nargs=-1)
@click.option("--all-open", is_flag=True, help="Every open error (filter with --kind/--run).")
@click.option("--yes", "-y", is_flag=True, help="Apply the retry's plan without asking.")
@_kind_opt
@_run_opt
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
    import sqlalchemy as sa

    if not error_ids and not all_open:
        raise click.UsageError("Give error ids or --all-open.")

    async def body(svc: Any, settings: Any) -> int:
        t = _error_table()
        if all_open:
            stmt = _error_filters(sa.select(t.c.id), t, "open", kind, run)
            async with svc.engine.connect() as conn:
                ids = [r[0] for r in (await conn.execute(stmt)).all()]
        else:
            ids = await _resolve_ids(svc, t, error_ids)
        if not ids:
            click.echo("No errors to retry.")
            return EXIT_OK
        plan = await svc.plan_retry(ids)
        if plan is None or not plan.projects:
            still = await _still_open(svc, t, ids)
            if still:  # fetching their items failed again: nothing to plan, nothing fixed
                click.echo(f"{still} of {len(ids)} errors still open: their items could not "
                           "be fetched again. See `ss-tui errors show ID`.")
                return EXIT_PARTIAL
            click.echo("Nothing to retry: the errors are closed, or the listing worked "
                       "this time.")
            return EXIT_OK
        if not as_json:
            _print_plan(plan, verbose=False)
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
        still = await _still_open(svc, t, ids)
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


async def _still_open(svc: Any, t: Any, ids: list[Any]) -> int:
    import sqlalchemy as sa

    async with svc.engine.connect() as conn:
        stmt = sa.select(sa.func.count()).select_from(t).where(
            t.c.id.in_(ids), t.c.status.in_(("open", "retrying"))
        )
        return int((await conn.execute(stmt)).scalar_one())


def _close(status: str) -> Any:
    @click.argument("error_ids", nargs=-1, required=True)
    @click.option("--note", default=None, help="Why (shown in the error's history).")
    @url_option
    def cmd(error_ids: tuple[str, ...], note: str | None, database_url: str | None) -> None:
        async def body(svc: Any, settings: Any) -> int:
            ids = await _resolve_ids(svc, _error_table(), error_ids)
            n = await svc.close_errors(ids, status=ErrorStatus(status), note=note)
            click.echo(f"Marked {n} error(s) {status}.")
            return EXIT_OK

        _run(body, database_url)

    cmd.__doc__ = f"Mark errors {status} with a note."
    return cmd


errors_group.command("resolve")(_close("resolved"))
errors_group.command("ignore")(_close("ignored"))


@errors_group.command("export")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default="-",
    help="CSV file (default: stdout).",
)
@_status_opt
@_kind_opt
@_run_opt
@url_option
def errors_export(
    output: str, status: str, kind: str | None, run: str | None, database_url: str | None
) -> None:
    """Export errors as CSV."""
    import sqlalchemy as sa

    async def body(svc: Any, settings: Any) -> int:
        t = _error_table()
        stmt = _error_filters(sa.select(t), t, status, kind, run).order_by(t.c.last_seen_at)
        async with svc.engine.connect() as conn:
            rows = [dict(r) for r in (await conn.execute(stmt)).mappings()]
        cols = [
            "id",
            "status",
            "kind",
            "stage",
            "entity_type",
            "external_id",
            "project_external_id",
            "http_status",
            "message",
            "suggested_action",
            "attempts",
            "first_seen_at",
            "last_seen_at",
            "run_id",
            "resolved_by",
            "note",
        ]
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(cols)
        for r in rows:
            writer.writerow(["" if r[c] is None else _plain(r[c]) for c in cols])
        _write_text(output, buffer.getvalue())
        if output != "-":
            click.echo(f"Wrote {len(rows)} errors to {output}", err=True)
        return EXIT_OK

    _run(body, database_url)


def _write_text(output: str, text: str) -> None:
    if output == "-":
        sys.stdout.write(text)
    else:
        with open(output, "w", newline="", encoding="utf-8") as fh:
            fh.write(text)


# --------------------------------------------------------------------------- runs


@click.group("runs")
def runs_group() -> None:
    """Import history: who ran what, when, and with what result."""


@runs_group.command("list")
@click.option("--limit", default=20, show_default=True)
@json_option
@url_option
def runs_list(limit: int, as_json: bool, database_url: str | None) -> None:
    """Recent runs, newest first."""
    import sqlalchemy as sa

    from ss_tui.db import schema

    async def body(svc: Any, settings: Any) -> int:
        t = schema.ImportRun.__table__
        async with svc.engine.connect() as conn:
            rows = [
                dict(r)
                for r in (
                    await conn.execute(sa.select(t).order_by(t.c.started_at.desc()).limit(limit))
                ).mappings()
            ]
        if as_json:
            click.echo(json.dumps([{k: _plain(v) for k, v in r.items()} for r in rows], indent=2))
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
    import sqlalchemy as sa

    from ss_tui.db import schema

    async def body(svc: Any, settings: Any) -> int:
        t, items = schema.ImportRun.__table__, schema.ImportItem.__table__
        (rid,) = await _resolve_ids(svc, t, (run_id,))
        async with svc.engine.connect() as conn:
            run = dict((await conn.execute(sa.select(t).where(t.c.id == rid))).mappings().one())
            rows = [
                dict(r)
                for r in (
                    await conn.execute(
                        sa.select(items)
                        .where(items.c.run_id == rid)
                        .order_by(items.c.project_external_id)
                    )
                ).mappings()
            ]
        data = {k: _plain(v) for k, v in run.items()}
        data["items"] = [
            {
                k: _plain(v)
                for k, v in r.items()
                if k in ("project_external_id", "status", "error", "counts")
            }
            for r in rows
        ]
        console = _show_record(data, as_json, RUN_FIELDS, width=16, skip_none=False)
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


def approval_lines(run: dict[str, Any]) -> list[str]:
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
    root.add_command(import_cmd)
    root.add_command(errors_group)
    root.add_command(runs_group)
