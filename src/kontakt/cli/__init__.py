"""The `kontakt` command: a click group whose subcommands live in this package.

Every subcommand takes --db; errors print one line to stderr and exit 1 (usage errors 2).
"""

from __future__ import annotations

import click

from .common import KontaktGroup, book_option

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(
    cls=KontaktGroup,
    invoke_without_command=True,
    context_settings=CONTEXT_SETTINGS,
    epilog="""\b
Examples:
  kontakt add "Jürgen Müller" --email jm@example.com --tag breakfast --every monthly
  kontakt log jürgen sam --kind meeting --note "breakfast at Café Luitpold"
  kontakt favour jürgen --received "reviewed my pitch deck" --weight 2
  kontakt list --tag breakfast --json
""",
)
@book_option
@click.version_option(package_name="kontakt", prog_name="kontakt")
@click.pass_context
def main(ctx: click.Context) -> None:
    """kontakt — keep in touch with the people who matter, from the terminal.

    Run without a command to open the app on your book.
    """
    if ctx.invoked_subcommand is None:
        from .app import open_app

        open_app(ctx)


# Subcommands register themselves on `main` when their module is imported.
from . import (  # noqa: E402,F401
    activity, app, citizen, contacts, dupes, records, relations, review, safety, stats, transfer,
    undo,
)
from . import capture as _capture  # noqa: E402,F401
from . import sync  # noqa: E402,F401
from . import secret  # noqa: E402,F401  (encrypt, decrypt, passphrase)

# `kontakt --help` lists each command on one line; click cuts a long first sentence with
# "..." at 80 columns. These say each in at most 58 characters (name column + this = 80);
# `kontakt CMD --help` still shows the whole docstring. tests/cli/test_cli_help_and_layout.py
# fails for a command whose line would be cut.
SHORT_HELP = {
    "add": "Add a contact and print its id.",
    "archive": "Archive a contact (kept, but out of lists and review).",
    "backup": "Back the book up now: a checked copy only you can read.",
    "circle": "Set how often to see a circle (a tag), e.g. weekly.",
    "circles": "List circles with their cadence and member count.",
    "completion": "Print the shell snippet that completes commands and names.",
    "demo": "Open the app on a fresh demo network (not your book).",
    "doctor": "Check the book's integrity, index, permissions, backups.",
    "done": "Log or complete a contact's top review item.",
    "dupes": "List contacts that may be the same person, and why.",
    "edit": "Change a contact.",
    "email": "Look up email addresses (for mutt and aerc).",
    "export": "Export the book to JSON, CSV, vCard or iCalendar.",
    "favour": "Record a favour given or received.",
    "follow-up": "Remind yourself to get back to someone.",
    "import": "Import contacts: CSV, vCard, a .vcf folder or JSON.",
    "intro": "Record that you introduced A to B.",
    "list": "List contacts in name order.",
    "log": "Log an interaction; several REFs make one group meeting.",
    "merge": "Merge OTHER into KEEP: one person, one record.",
    "pause": "Rest the daily review for a while (a holiday).",
    "prep": "What to know before you meet someone.",
    "restore": "Bring a contact back from the trash.",
    "restore-backup": "Replace the book with a checked backup (current one kept).",
    "resume": "End a pause of the daily review today.",
    "rm": "Move a contact and their history to the trash.",
    "search": "Search names, organisations, emails, circles and notes.",
    "show": "Show a contact with their whole history, newest first.",
    "snooze": "Put a contact's top review item off until later.",
    "stats": "How your network is doing: rhythm, balance, drift.",
    "today": "The few people worth a message today.",
    "trash": "List the trash, or empty it for good (--empty).",
    "unmerge": "Undo a merge: the merged-away contact comes back.",
    "undo": "Take back the last change (kontakt undo --list: history).",
    "edit-log": "Change a logged interaction: date, kind, note, people.",
    "rm-log": "Move a logged interaction to the trash.",
    "edit-favour": "Change a favour: what, direction, kind, weight, status.",
    "rm-favour": "Move a favour to the trash.",
    "settle-favour": "Settle a favour: returned, let go, or still open.",
    "intro-outcome": "Did an introduction work: worked, fizzled, unknown.",
    "edit-follow-up": "Change a follow-up: due date, note, recurrence.",
    "rm-follow-up": "Move a follow-up to the trash.",
    "edit-intro": "Change an introduction: people, date, note, outcome.",
    "rm-intro": "Move an introduction to the trash.",
    "rename-circle": "Rename a circle; its members follow.",
    "rm-circle": "Move a circle to the trash (its people stay).",
    "link": "Link two people: partner, family, friend, colleague.",
    "unlink": "Remove the link between two people.",
    "note": "Add a dated note to someone's journal.",
    "edit-note": "Change a journal note: its text or its day.",
    "rm-note": "Delete a journal note (kontakt undo brings it back).",
    "sync": "Sync both ways with a vCard folder (vdirsyncer, khard).",
    "encrypt": "Encrypt the book with a passphrase (asked twice).",
    "decrypt": "Turn an encrypted book back into a plain file.",
    "passphrase": "Change the passphrase of an encrypted book.",
    "export csv": "CSV with a header row, safe to open in a spreadsheet.",
    "export ics": "Follow-ups, due dates and birthdays for a calendar.",
    "export json": "The whole book as JSON; imports back losslessly.",
    "export vcard": "Contacts as vCards: one file or a folder of .vcf.",
    "capture": "Interactions proposed from your calendar and mail.",
    "capture calendar": "Propose past events with contacts from .ics files.",
    "capture mail": "Propose mail to and from contacts (headers only).",
}
for _path, _text in SHORT_HELP.items():
    _command: click.Command | None = main
    for _word in _path.split():
        _command = getattr(_command, "commands", {}).get(_word)
    if _command is not None:
        _command.short_help = _text

__all__ = ["main"]
