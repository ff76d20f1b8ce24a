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
from . import activity, app, citizen, contacts, dupes, review, safety, stats, transfer, undo  # noqa: E402,F401

__all__ = ["main"]
