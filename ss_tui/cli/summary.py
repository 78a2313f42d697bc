"""An import's summary when the project listing stopped part-way: a failed listing is a failed
(or partial) run, never "nothing changed". Says why it stopped, how many known projects were
never looked at, and how to continue (README "When something goes wrong")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from ss_tui.failures import EXIT_OK, EXIT_PARTIAL, Failure, classify

if TYPE_CHECKING:
    from ss_tui.engine.run import RunResult
    from ss_tui.engine.service import ImportService
    from ss_tui.values import JSONObject


@dataclass(frozen=True, slots=True)
class ListingNote:
    failure: Failure  # why the listing stopped
    listed: int  # projects the run did list
    not_reached: int | None  # known projects it never looked at (None: unknown)
    dry_run: bool

    @property
    def nothing_listed(self) -> bool:
        return self.listed == 0

    def lines(self) -> list[str]:
        if self.nothing_listed:
            return [self.failure.message, self.failure.next_step]
        rest = (
            f"{self.not_reached:,} projects known from earlier listings were not looked at."
            if self.not_reached
            else "The rest of the catalogue was not looked at."
        )
        again = (
            "Run the same dry run again for the complete preview."
            if self.dry_run
            else "Run the same command again to look at the rest (projects already imported "
            "are not written again)."
        )
        return [
            f"The project listing stopped after {self.listed:,} projects: "
            f"{self.failure.message}",
            rest,
            again,
        ]

    def show(self) -> None:
        first, *rest = self.lines()
        click.secho(first, fg="red" if self.nothing_listed else "yellow", err=True)
        for line in rest:
            click.echo(line, err=True)

    def to_dict(self) -> JSONObject:
        return {
            "complete": False,
            "cause": self.failure.cause,
            "message": self.failure.message,
            "next_step": self.failure.next_step,
            "listed": self.listed,
            "not_reached": self.not_reached,
        }

    def exit_code(self, status_code: int) -> int:
        """Nothing listed: the failure's own code (7 when Session Studio is unreachable);
        otherwise at least "partial"."""
        if self.nothing_listed:
            return self.failure.exit_code
        return EXIT_PARTIAL if status_code == EXIT_OK else status_code


async def listing_note(
    svc: ImportService, result: RunResult, *, dry_run: bool = False
) -> ListingNote | None:
    """The note for ``result`` (a RunResult) when its listing stopped part-way, else None."""
    from ss_tui.queries.listing import projects_not_reached

    error = getattr(result, "listing_error", None)
    if error is None:
        return None
    failure = classify(error, api_base_url=getattr(svc, "api_base_url", None))
    listed = len(result.upstream)
    not_reached = await projects_not_reached(svc.engine, result.run_id, result.upstream)
    return ListingNote(failure, listed, not_reached, dry_run)
