"""What the ``errors`` and ``runs`` commands share: the filter options of a listing, a stored
record shown as JSON or as ``key: value`` lines, a plan printed as a readable diff, and text
written to a file or stdout. The records themselves come from ``ss_tui.queries``."""

from __future__ import annotations

import json
import sys
import uuid
from typing import TYPE_CHECKING

import click

from ss_tui.db.enums import ErrorStatus
from ss_tui.queries.errors import KINDS as ERROR_KINDS
from ss_tui.queries.errors import ErrorFilter

if TYPE_CHECKING:
    from rich.console import Console

    from ss_tui.engine.plan_types import ImportPlan
    from ss_tui.values import Row

ALL = "all"

status_option = click.option(
    "--status",
    default=ErrorStatus.open.value,
    type=click.Choice([*(s.value for s in ErrorStatus), ALL]),
)
kind_option = click.option(
    "--kind",
    default=None,
    type=click.Choice(ERROR_KINDS),
)
run_option = click.option("--run", default=None, metavar="RUN_ID", help="Only this run's errors.")


def error_filter(status: str | None, kind: str | None, run: str | None) -> ErrorFilter:
    """The errors the ``--status/--kind/--run`` options ask for."""
    run_id = None
    if run:
        try:
            run_id = uuid.UUID(run)
        except ValueError:
            hint = "not a run id (see `ss-tui runs list`)"
            raise click.BadParameter(hint, param_hint="--run") from None
    return ErrorFilter(run_id=run_id, kind=kind or None,
                       status=None if status in (None, ALL) else status)


def print_plan(plan: ImportPlan, verbose: bool) -> None:
    from rich.console import Console
    from rich.text import Text

    from ss_tui.engine.render import plan_lines

    console = Console()
    for style, line in plan_lines(plan, verbose=verbose):
        console.print(Text(line, style=style or ""), soft_wrap=True)


def show_record(
    data: Row, as_json: bool, fields: tuple[str, ...], *, width: int,
    skip_none: bool = True,
) -> Console | None:
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


def plain(v: object) -> object:
    from ss_tui.engine.rows import json_ready

    return json_ready(v)


def write_text(output: str, text: str) -> None:
    if output == "-":
        sys.stdout.write(text)
    else:
        with open(output, "w", newline="", encoding="utf-8") as fh:
            fh.write(text)
