"""Shared CLI plumbing: the --db option, the open book, today, and error handling."""

from __future__ import annotations

from .. import clock
import os
from ..store.driver import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import click

from ..config import ConfigError
from ..domain import ActivityError, CadenceError, DateError, LedgerError, parse_date
from ..domain.cadence import Cadence, parse_duration
from ..domain.dates import in_range
from ..store import AmbiguousRef, Book, BookError, NotFound
from ..store.db import damaged_message, full_message, is_disk_full

# Errors whose message is written for the user: print it, exit 1, no traceback.
USER_ERRORS = (
    BookError, AmbiguousRef, NotFound, DateError, CadenceError, LedgerError, ActivityError,
    ConfigError,
)


def fail(message: str) -> None:
    """Stop with one line on stderr and exit code 1 (shown through `visible` on the way out)."""
    raise click.ClickException(message)


def _shown(error: click.ClickException) -> None:
    """`error` with its message safe for the terminal: messages quote names, file content
    (a CSV header cell) and file names, which may hold ESC or bidi overrides."""
    from ..domain.text import visible

    error.message = visible(error.message, multiline=True)


class KontaktGroup(click.Group):
    """Turns known errors into one clear line and exit 1, never a traceback; every error
    message leaves through `visible`."""

    def invoke(self, ctx: click.Context) -> Any:
        from .secret import use_cli_passphrases

        use_cli_passphrases()  # an encrypted book: keyring, KONTAKT_PASSPHRASE, then a prompt
        try:
            if "KONTAKT_DB" in os.environ and not os.environ["KONTAKT_DB"].strip():
                # `KONTAKT_DB=$TEST_BOOK` with the variable unset: the user's own book was
                # read, and written to, instead of the one the script meant.
                raise click.UsageError("KONTAKT_DB is set but empty (an unset variable?): name "
                                       "a book, or unset it to use your own book")
            return self._invoke(ctx)
        except click.exceptions.ClickException as error:
            _shown(error)
            raise

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = args[0] if args else ""
        # resilient_parsing: shell completion, where an unknown word completes to nothing (a
        # typo'd command before <Tab> spilled this error as a traceback into the shell).
        if name and not name.startswith("-") and not ctx.resilient_parsing \
                and self.get_command(ctx, name) is None:
            import difflib

            close = difflib.get_close_matches(name, self.list_commands(ctx), n=1, cutoff=0.6)
            if close:
                raise click.UsageError(f"no command {name!r} — did you mean {close[0]!r}?", ctx)
        resolved = super().resolve_command(ctx, args)
        if ctx.parent is None:
            _session(ctx).command = resolved[0]
        return resolved

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as error:
            if isinstance(error, BrokenPipeError):
                # `kontakt list | head`: the reader left; not an error worth a message.
                sys.stderr.close()
                raise SystemExit(0) from None
            message = error_message(error, _session(ctx).path_for_messages)
            if message is None:
                raise
            raise click.ClickException(message) from None


def error_message(error: Exception, book_path: Callable[[], Path]) -> str | None:
    """The one line a command says for `error`, raised while it worked on the book that
    `book_path()` names (kontakt.quick says the same after its output began); None to let an
    unexpected error through with its traceback (KONTAKT_DEBUG=1)."""
    if isinstance(error, USER_ERRORS + (ValueError,)):
        return str(error)
    if isinstance(error, sqlite3.OperationalError):
        if is_disk_full(error):
            # The write was one transaction and SQLite rolled it back: say both.
            return full_message()
        if "readonly database" in str(error):
            return f"{book_path()} is read-only; kontakt needs to write to its book"
        return f"the book could not be written: {error}"
    if isinstance(error, sqlite3.DatabaseError):
        return damaged_message(book_path(), error)
    if isinstance(error, OSError):
        where = f" ({error.filename})" if error.filename else ""
        if is_disk_full(error):
            # Not the book's write (SQLite's errors are above): an output, an export, a card
            # file. "Nothing was saved, rolled back" misled `kontakt list > /dev/full`.
            return f"disk full: no space left on the device{where}; free some space and try again"
        return f"{error.strerror or error}{where}"
    # a bug: still one line, details on request
    if isinstance(error, RuntimeError) and "home directory" in str(error):
        # Path("~0/x").expanduser(), in any -o, --db or import path: not a bug.
        return ("a path starting with ~ names a user with no home directory here; "
                "write the path out in full")
    if os.environ.get("KONTAKT_DEBUG"):
        return None
    return f"unexpected {type(error).__name__}: {error} (KONTAKT_DEBUG=1 shows details)"


# Only these commands create a missing book; every other one says "no book at …", so a
# typo in --db never leaves an empty book behind (the bare app and `demo` create their own).
CREATES_BOOK = frozenset({"add", "import"})


def _say_waiting(message: str) -> None:
    from .render import echo

    echo(f"kontakt: {message}", err=True)


@dataclass
class Session:
    """Per-invocation state: which book, opened on first use, closed at the end."""

    db: str | None = None
    command: str | None = None
    _book: Book | None = field(default=None, repr=False)

    def path(self) -> Path:
        from ..paths import book_path

        return book_path(self.db)[0]

    def path_for_messages(self) -> Path:
        return self._book.path if self._book is not None else self.path()

    @property
    def book(self) -> Book:
        if self._book is None:
            from ..store import db as store_db

            # A writer that has to wait for another kontakt says so on stderr.
            store_db.on_wait = _say_waiting
            from ..paths import book_path

            path, default = book_path(self.db)
            create = self.command in CREATES_BOOK
            if default and not create and not path.exists():
                # A first run (or `kontakt today` in a shell profile before the first add):
                # say how a book starts. A path named by --db or KONTAKT_DB is more likely
                # a typo, and is only named.
                raise BookError(f"no book at {path} yet: `kontakt add NAME` or "
                                "`kontakt import FILE` starts it (`kontakt demo` shows one)")
            # writable=False: a read-only (0400) book can still be read; writes say why not.
            self._book = Book.open(path, create=create, writable=False)
            # The undo history says which command made each step (`kontakt undo --list`).
            self._book.history_source = f"kontakt {self.command}" if self.command else "kontakt"
        return self._book

    def close(self) -> None:
        if self._book is not None:
            self._book.close()
            self._book = None


def _session(ctx: click.Context) -> Session:
    root = ctx.find_root()
    if not isinstance(root.obj, Session):
        root.obj = Session()
        root.call_on_close(root.obj.close)
    return root.obj


def _remember_db(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.strip() and not ctx.resilient_parsing:
        # `--db "$BOOK"` with BOOK unset: the user's own book was used instead, silently.
        raise click.BadParameter("empty (an unset variable?): name the book, or leave --db out "
                                 "to use your own book", param_hint="--db")
    if value:
        _session(ctx).db = value
    return value


def book_option(command: Callable) -> Callable:
    """Add --db PATH (default: KONTAKT_DB, else the platform data dir) to a command."""
    return click.option(
        "--db",
        "db",
        metavar="PATH",
        expose_value=False,
        is_eager=True,
        callback=_remember_db,
        help="The book to use (default: $KONTAKT_DB, else your book in the data dir).",
    )(command)


def complete_contact(ctx: click.Context, _param: click.Parameter, incomplete: str):
    """Shell completion for REF arguments: names of contacts matching what was typed."""
    from click.shell_completion import CompletionItem

    try:
        session = _session(ctx)
        from ..paths import book_path

        path, _ = book_path(session.db or ctx.params.get("db"))
        if not path.exists():
            return []
        with Book.open(path, create=False) as book:
            found = book.search(incomplete, limit=30) if incomplete.strip() else book.list_contacts(limit=30)
    except Exception:  # completion must never print a traceback into the user's prompt
        return []
    return [CompletionItem(c.name, help=c.org or None) for c in found]


def complete_circle(ctx: click.Context, _param: click.Parameter, incomplete: str):
    """Shell completion for circle names (--tag, --untag, --circle, circle NAME): the circles
    whose name starts with what was typed, any case."""
    from click.shell_completion import CompletionItem

    try:
        from ..paths import book_path

        path, _ = book_path(_session(ctx).db or ctx.params.get("db"))
        if not path.exists():
            return []
        with Book.open(path, create=False) as book:
            circles = book.circles()
    except Exception:  # completion must never print a traceback into the user's prompt
        return []
    typed = incomplete.casefold()
    return [CompletionItem(c.name) for c in circles if c.name.casefold().startswith(typed)]


def get_book(ctx: click.Context | None = None) -> Book:
    """The open book for this invocation."""
    return _session(ctx or click.get_current_context()).book


def today() -> date:
    """Today, or KONTAKT_TODAY (ISO) so scripts and tests can fix the date."""
    try:
        return in_range(clock.today())
    except clock.ClockError as error:
        fail(str(error))
    except DateError as error:  # KONTAKT_TODAY=9999-12-31: every "a day later" would overflow
        fail(f"today ({clock.today().isoformat()}): {error}")


def read_date(text: str | None, *, what: str = "date") -> date:
    """Parse a user date relative to today; None means today.

    Exits with one line naming `what` for text that is no date or whose year is out of
    range (kontakt keeps the years 1000–2999; see `domain.dates.check_year`).
    """
    if text is None:
        return today()
    try:
        return parse_date(text, today())
    except DateError as error:
        fail(f"{what}: {error}")
        raise  # unreachable; keeps type checkers calm


# A --limit beyond this is a typo, and one beyond 2**63 does not fit SQLite's LIMIT.
MAX_LIMIT = 1_000_000
LIMIT = click.IntRange(1, MAX_LIMIT)


def read_cadence(text: str, *, what: str = "cadence") -> Cadence:
    try:
        return Cadence.parse(text)
    except CadenceError as error:
        fail(f"{what}: {error}")
        raise


def read_duration(text: str, *, what: str = "duration") -> Cadence:
    try:
        return parse_duration(text)
    except CadenceError as error:
        fail(f"{what}: {error}")
        raise


def refuse_the_book(path: Path, *, what: str = "-o") -> None:
    """Exit with one line if `path` is the open book or one of its files (-wal, -shm, -journal):
    an export renamed over it would destroy the book under its own open connection."""
    from ..store.db import is_open_book_file

    get_book()  # opened, so it is known to is_open_book_file
    if is_open_book_file(path):
        fail(f"{what} {path} is the book itself; write the export to another file")


def print_json(data: Any) -> None:
    from .render import json_text

    click.echo(json_text(data))


def console():
    """The guarded rich console (`render.console`); kept here for modules that import it."""
    from .render import console as guarded

    return guarded()


def display_path(path: Path) -> str:
    home = Path.home()
    try:
        return "~/" + str(path.resolve().relative_to(home))
    except ValueError:
        return str(path)
