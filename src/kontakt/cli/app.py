"""Opening the app: bare `kontakt` on the user's book, `kontakt demo` on a fresh demo book."""

from __future__ import annotations

from pathlib import Path

import click

from . import main
from .common import book_option, display_path, fail, today
from .render import echo


def open_app(ctx: click.Context, path: Path | None = None) -> None:
    """Open the terminal app on the book (the user's own, or `path`)."""
    from ..config import load_config
    from ..paths import book_path
    from ..store import Book
    from .common import _session

    if path is None:
        path, _ = book_path(_session(ctx).db)
    config = load_config()  # a broken config.toml is one clear line, before the screen clears
    from .secret import unlock_for_app

    unlock_for_app(path)  # an encrypted book: its passphrase dialog comes before anything else
    with Book.open(path) as book:
        from ..tui.app import run_app

        run_app(book, today=today(), config=config)


def _is_demo_book(path: Path) -> bool:
    from ..store import Book

    with Book.open(path, create=False) as book:
        return book.get_setting("demo") == "1"


def _is_sqlite_database(path: Path) -> bool:
    # Read only when no connection to it is open in this process (before the demo opens it).
    # An empty file is a book another kontakt has just created and not yet written.
    with path.open("rb") as handle:
        return handle.read(16) in (b"", b"SQLite format 3\x00")


def demo_book_path() -> Path:
    import platformdirs

    directory = Path(platformdirs.user_cache_dir("kontakt"))
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory / "demo.db"


@main.command(epilog="Example: kontakt demo   ·   kontakt demo --no-open --db /tmp/demo.db")
@click.option("--no-open", is_flag=True, help="Only create the demo book and print where it is.")
@book_option
@click.pass_context
def demo(ctx, no_open):
    """Open the app on a fresh demo network (never your own book)."""
    from ..services.demo import create_demo_book
    from .common import _session

    chosen = _session(ctx).db
    target = Path(chosen).expanduser() if chosen else demo_book_path()
    if not chosen and target.is_file() and not _is_sqlite_database(target):
        # kontakt's own cache file, and not a database, so no SQLite connection can have it
        # open: safe to replace. A chosen --db path is never deleted.
        target.unlink()
    if target.exists() and not _is_demo_book(target):
        fail(f"{target} exists and is not a demo book; kontakt demo never overwrites a real book")
    book = create_demo_book(target, today())  # marked as a demo in its own transaction
    counts = book.counts()
    book.close()
    echo(f"demo book with {counts.contacts} contacts at {display_path(target)}", err=True)
    echo(f"try: kontakt --db {target} list", err=True)
    if not no_open:
        open_app(ctx, target)
