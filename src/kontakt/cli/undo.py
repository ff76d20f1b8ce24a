"""`kontakt undo`: take back the newest change to the book; `--list` shows the history."""

from __future__ import annotations

import click

from . import main
from .common import book_option, fail, get_book, print_json
from .render import echo


def _step_json(step) -> dict:
    return step.to_json()


@main.command(
    epilog="""\b
Examples:
  kontakt undo            take back the newest change (any kontakt's, newest first)
  kontakt undo --list     what undo would take back, newest first
  kontakt undo --json     undo, and say what was undone as JSON

Every change made with kontakt (the app or a command) is one step; undo goes back one
step at a time, newest first. The history keeps the last 200 steps of the last 30 days;
emptying the trash clears it. Older states: kontakt restore-backup.
""",
)
@click.option("--list", "as_list", is_flag=True, help="Show the recent history instead of undoing.")
@click.option("--all", "show_undone", is_flag=True, help="With --list: include steps already undone.")
@click.option("-n", "--limit", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="With --list: how many steps to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the undone step (or the list) as JSON.")
@book_option
def undo(as_list, show_undone, limit, as_json):
    """Undo the newest change to the book (an edit, a log, an import, a review action …)."""
    from ..store import history

    book = get_book()
    if book.read_only:
        fail(f"{book.path} is read-only; undo needs to write to the book")
    if not book._recording:
        fail(f"{book.path} has no undo history")
    if as_list:
        found = history.steps(book, limit=limit, include_undone=show_undone)
        if as_json:
            print_json([_step_json(s) for s in found])
            return
        if not found:
            echo("nothing to undo")
            return
        for step in found:
            mark = "undone " if step.undone_at else ""
            source = f"  ({step.source})" if step.source else ""
            echo(f"#{step.id}  {step.made_at.replace('T', ' ')[:16]}  {mark}{step.label}{source}")
        return
    try:
        step = history.undo(book)
    except history.HistoryError as error:
        fail(str(error))
        return
    if as_json:
        print_json(_step_json(step))
        return
    source = f" (made by {step.source})" if step.source else ""
    echo(f"undid: {step.label}{source}")
