"""Fitting into terminal habits: prep card, mail-client address lookup, shell completion."""

from __future__ import annotations

import click

from . import completion as _completion  # noqa: F401 - registers the quoting bash completer
from . import main
from .common import book_option, complete_contact, get_book, print_json, today
from ..domain.text import visible
from .render import echo


@main.command(epilog="Example: kontakt prep olga   (the minute before the call)")
@click.argument("ref", shell_complete=complete_contact)
@click.option("--json", "as_json", is_flag=True, help="The card as JSON.")
@book_option
def prep(ref, as_json):
    """What to know before you meet someone: how you met, last talks, open favours, follow-ups."""
    from ..services.prep import prep_card, render_text, to_json

    book = get_book()
    card = prep_card(book, book.find(ref).id, today())
    if as_json:
        print_json(to_json(card))
        return
    import shutil

    width = min(shutil.get_terminal_size((80, 24)).columns, 80)
    for line in render_text(card, width=width):
        echo(line)


@main.command(
    epilog="""\b
Examples:
mutt:  set query_command = "kontakt email --parsable %s"
aerc:  address-book-cmd = kontakt email --parsable --remove-first-line "%s"
(mutt quotes %s itself; aerc pastes it into sh -c as typed)
"""
)
@click.argument("term")
@click.option("--parsable", is_flag=True, help="address<TAB>name<TAB>note lines for mail clients.")
@click.option("--remove-first-line", is_flag=True, help="Leave out the header line (aerc wants none).")
@book_option
def email(term, parsable, remove_first_line):
    """Look up email addresses by name, org, circle or address (for mutt and aerc)."""
    book = get_book()
    contacts = book.search(term, limit=50, archived=False)
    rows = [(address, c.name, c.org or ", ".join(c.tags)) for c in contacts for address in c.emails]
    # Matching by address fragment too: "jm@" finds jm@example.com even if FTS split it.
    if parsable:
        if not remove_first_line:
            echo(f"kontakt: {len(rows)} matching addresses" if rows else "kontakt: no match")
        for address, name, note in rows:
            # One record a line, three fields: a stored tab or newline must not make more.
            echo("\t".join(visible(part) for part in (address, name, note)))
        if not rows:
            raise SystemExit(1)  # mutt reads exit 1 as "no match"
        return
    if not rows:
        echo(f"no email address matches {term!r}", err=True)
        raise SystemExit(1)
    for address, name, _ in rows:
        echo(f"{name} <{address}>")


@main.command(epilog="Example (bash): eval \"$(kontakt completion bash)\"   — add it to ~/.bashrc")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell):
    """Print the shell snippet that completes commands, options and contact names."""
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)(main, {}, "kontakt", "_KONTAKT_COMPLETE")
    click.echo(completer.source())  # a shell script to eval, not text to look at
