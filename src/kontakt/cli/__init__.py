"""The `kontakt` command: a click group whose subcommands live in this package.

Every subcommand takes --db; errors print one line to stderr and exit 1 (usage errors 2).
Subcommand modules are imported when a command of theirs is named (click's lazy group):
`kontakt email --parsable` does not pay for `stats`, `rich` or the importers.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from .common import KontaktGroup, book_option

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# The modules of this package that register subcommands on `main` when imported.
COMMAND_MODULES = (
    "activity", "app", "citizen", "contacts", "dupes", "records", "relations", "review",
    "safety", "stats", "transfer", "undo", "capture", "sync", "secret",
)
# Where each command lives, so naming one imports one module. A command missing here still
# works (every module is imported to find it); tests/cli/test_lazy_cli.py keeps this whole.
COMMAND_MODULE = {
    "log": "activity", "favour": "activity", "intro": "activity", "follow-up": "activity",
    "demo": "app",
    "prep": "citizen", "email": "citizen", "completion": "citizen",
    "add": "contacts", "edit": "contacts", "show": "contacts", "list": "contacts",
    "search": "contacts", "archive": "contacts", "circle": "contacts", "circles": "contacts",
    "dupes": "dupes", "merge": "dupes", "unmerge": "dupes",
    "edit-log": "records", "rm-log": "records", "edit-favour": "records", "rm-favour": "records",
    "edit-follow-up": "records", "rm-follow-up": "records", "edit-intro": "records",
    "rm-intro": "records", "rename-circle": "records", "rm-circle": "records",
    "settle-favour": "records", "intro-outcome": "records",
    "link": "relations", "unlink": "relations", "note": "relations", "edit-note": "relations",
    "rm-note": "relations",
    "today": "review", "done": "review", "snooze": "review", "pause": "review", "resume": "review",
    "drift": "review",
    "rm": "safety", "trash": "safety", "restore": "safety", "backup": "safety",
    "restore-backup": "safety", "doctor": "safety",
    "stats": "stats", "cadence": "stats",
    "import": "transfer", "export": "transfer",
    "undo": "undo",
    "capture": "capture", "sync": "sync",
    "encrypt": "secret", "decrypt": "secret", "passphrase": "secret",
}


class LazyGroup(KontaktGroup):
    """A group whose subcommands are imported on first use (click's documented lazy group).

    `commands` read from outside (tests, `--help`, completion) holds every command; inside,
    a module being imported registers its commands without importing the others.
    """

    _loading = False

    @property
    def commands(self) -> dict[str, click.Command]:
        if not self._loading:
            self._load(COMMAND_MODULES)
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = value

    def _main_shell_completion(self, ctx_args: Any, prog_name: str, complete_var: str | None = None) -> None:
        # kontakt's bash completion class (names with spaces as one word) registers on import;
        # click calls this for every command, so only when the shell asks for completions.
        import os

        if complete_var is None:  # as click names it
            complete_var = f"_{prog_name}_COMPLETE".replace("-", "_").upper()
        if os.environ.get(complete_var):
            from . import completion  # noqa: F401

        super()._main_shell_completion(ctx_args, prog_name, complete_var)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        # A module imported directly (not through _load) registers without loading the rest.
        was, self._loading = self._loading, True
        try:
            super().add_command(cmd, name)
        finally:
            self._loading = was

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self._commands:
            module = COMMAND_MODULE.get(cmd_name)
            self._load((module,) if module else COMMAND_MODULES)
            if cmd_name not in self._commands and module:
                self._load(COMMAND_MODULES)
        return self._commands.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.commands)

    def _load(self, modules: Any) -> None:
        """Import `modules` (their commands register on `main`), then give the commands their
        lines of SHORT_HELP."""
        was, self._loading = self._loading, True
        try:
            for module in modules:
                importlib.import_module(f"{__name__}.{module}")
        finally:
            self._loading = was
        for path, text in SHORT_HELP.items():
            first, *rest = path.split()
            command: Any = self._commands.get(first)
            for word in rest:
                command = getattr(command, "commands", {}).get(word)
            if command is not None:
                command.short_help = text


@click.group(
    cls=LazyGroup,
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


# `kontakt --help` lists each command on one line; click cuts a long first sentence with
# "..." at 80 columns. These say each in at most 58 characters (name column + this = 80);
# `kontakt CMD --help` still shows the whole docstring. tests/cli/test_cli_help_and_layout.py
# fails for a command whose line would be cut.
SHORT_HELP = {
    "add": "Add a contact and print its id.",
    "archive": "Archive a contact (kept, but out of lists and review).",
    "backup": "Back the book up now: a checked copy only you can read.",
    "cadence": "Cadences suggested from history; --accept REF takes one.",
    "circle": "Set how often to see a circle (a tag), e.g. weekly.",
    "circles": "List circles with their cadence and member count.",
    "completion": "Print the shell snippet that completes commands and names.",
    "demo": "Open the app on a fresh demo network (not your book).",
    "doctor": "Check the book's integrity, index, permissions, backups.",
    "done": "Log or complete a contact's top review item.",
    "drift": "Let someone drift, list them (--list), bring back (--undo).",
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
__all__ = ["main"]
