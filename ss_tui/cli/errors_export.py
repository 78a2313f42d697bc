"""``ss-tui errors export``: the sync errors as CSV, with exactly the Errors screen's columns
(``ss_tui.queries.errors.ERROR_COLUMNS``: same headers, order and text, never cut short)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

import click

from ss_tui.cli.records import error_filter, kind_option, run_option, status_option, write_text
from ss_tui.cli.running import _run, url_option
from ss_tui.failures import EXIT_OK

if TYPE_CHECKING:
    from ss_tui.config import Settings
    from ss_tui.engine.service import ImportService


@click.command("export")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default="-",
    help="CSV file (default: stdout).",
)
@status_option
@kind_option
@run_option
@url_option
def errors_export(
    output: str, status: str, kind: str | None, run: str | None, database_url: str | None
) -> None:
    """Export errors as CSV."""

    async def body(svc: ImportService, settings: Settings) -> int:
        from ss_tui.queries.errors import CSV_HEADER, iter_csv_rows

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_HEADER)
        count = 0
        async for row in iter_csv_rows(svc.engine, error_filter(status, kind, run)):
            writer.writerow(row)
            count += 1
        write_text(output, buffer.getvalue())
        if output != "-":
            click.echo(f"Wrote {count} errors to {output}", err=True)
        return EXIT_OK

    _run(body, database_url)
