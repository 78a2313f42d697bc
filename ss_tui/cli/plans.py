"""``ss-tui apply PLAN.json``: write exactly a saved plan (``ss-tui import … --dry-run --out``).

The plan is shown (rows per table, warnings, blocked projects), confirmed unless ``--yes``,
then applied. Projects whose rows changed since the plan was made are not written and are
reported ``stale`` (plan them again); the rest is applied. Exit 1 when anything was stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

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
from ss_tui.failures import EXIT_CANCELLED, EXIT_PARTIAL, EXIT_USAGE

if TYPE_CHECKING:
    from ss_tui.config import Settings
    from ss_tui.engine.plan_types import ImportPlan
    from ss_tui.engine.service import ImportService


def save_plan(plan: ImportPlan, path: str, *, quiet: bool = False) -> None:
    from ss_tui.engine.planfile import dumps

    Path(path).write_text(dumps(plan), encoding="utf-8")
    if not quiet:
        click.echo(f"Plan saved to {path}; apply exactly it with: ss-tui apply {path}")


def summary_lines(plan: ImportPlan) -> list[tuple[str, str]]:
    """(style, line): what the plan writes, per table, and what needs a person's eye."""
    from ss_tui.engine.render import safe
    from ss_tui.engine.summary import plan_rows, rows_total

    rows = plan_rows(plan)
    out = [("bold", f"Plan of {len(plan.projects)} project(s): {rows_total(rows)} rows")]
    for table, by in rows.items():
        parts = ", ".join(f"{n} {a}" for a, n in by.items() if n)
        out.append(("", f"  {table:<22} {parts}"))
    for p in plan.projects:
        name = safe(p.title) or p.project_id
        if not p.included:
            continue
        if p.blocked:
            out.append(("red", f"  ⛔ {name}: not written — {safe(p.blocked)}"))
        for sk in p.skipped:
            track = safe(sk.get("title") or sk.get("external_id"))
            out.append(("yellow", f"  ⊘ {name}: track {track} skipped — {safe(sk.get('reason'))}"))
        for w in p.warnings:
            out.append(("yellow", f"  ⚠ {name}: {safe(w)}"))
    return out


@click.command("apply")
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@json_option
@url_option
def apply_cmd(plan_file: str, yes: bool, as_json: bool, database_url: str | None) -> None:
    """Write exactly the plan saved in PLAN_FILE (from `ss-tui import … --dry-run --out`).

    Rows that changed since the plan was made are not overwritten: their project is reported
    stale (plan it again) and the others are applied. Exit code 1 when anything was stale.
    """
    from ss_tui.engine.planfile import PlanFileError, loads

    try:
        plan = loads(Path(plan_file).read_text(encoding="utf-8"))
    except PlanFileError as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(EXIT_USAGE)
    if not yes and not as_json and not sys.stdin.isatty():
        click.secho("Give --yes to apply a plan without a terminal to confirm on.", fg="red",
                    err=True)
        sys.exit(EXIT_USAGE)

    async def body(svc: ImportService, settings: Settings) -> int:
        from rich.console import Console
        from rich.text import Text

        from ss_tui.engine.run import RunControl
        from ss_tui.engine.summary import plan_rows

        if not as_json:
            console = Console()
            for style, line in summary_lines(plan):
                console.print(Text(line, style=style or ""), soft_wrap=True)
            if not yes and not click.confirm("Apply exactly this plan?", default=False):
                return EXIT_CANCELLED
        control = RunControl()
        _install_cancel(control)
        with _Progress(_console().is_terminal and not as_json) as progress:
            result = await svc.apply(plan, sink=progress, control=control)
        if as_json:
            click.echo(json.dumps({
                **result.to_dict(),
                "plan_hash": plan.plan_hash,
                "planned": plan_rows(plan),
                "stale": result.stale,
            }, indent=2))
        else:
            click.echo(str(result))
            for pid in result.stale:
                click.secho(f"stale: {pid} changed since the plan was made; not written. "
                            "Plan it again.", fg="yellow")
        if result.stale:
            return EXIT_PARTIAL
        return STATUS_EXIT.get(result.status, EXIT_PARTIAL)

    _run(body, database_url)


def register(root: click.Group) -> None:
    """Add this module's commands to the root group."""
    root.add_command(apply_cmd)
