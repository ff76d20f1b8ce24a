"""Encryption at rest: kontakt encrypt, decrypt, passphrase; where passphrases come from.

A passphrase for an encrypted book is looked for in this order: the OS keyring (only if the
user stored it there with --remember), KONTAKT_PASSPHRASE, then a prompt on the terminal
(never echoed, three tries). With no terminal and nothing else, the command exits 1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from ..store import db as store_db
from . import main
from .common import _session, book_option, display_path, fail
from .render import echo

KEYRING_SERVICE = "kontakt"
NEW_PASSPHRASE_ENV = "KONTAKT_NEW_PASSPHRASE"
PROMPT_TRIES = 3


# ------------------------------------------------------------------ the OS keyring (opt-in)


def _keyring():
    try:
        import keyring
    except ImportError:
        return None
    return keyring


def keyring_problem() -> str | None:
    """Why no passphrase can be stored in an OS keyring here, or None when one can."""
    keyring = _keyring()
    if keyring is None:
        return ("the keyring package is not installed (pip install 'kontakt[keyring]' adds it)")
    try:
        backend = keyring.get_keyring()
    except Exception as error:  # noqa: BLE001 — a broken keyring setup is just "none"
        return f"the OS keyring cannot be reached ({error})"
    name = type(backend).__module__ + "." + type(backend).__name__
    if name.startswith(("keyring.backends.fail.", "keyring.backends.null.")) or (
        name.startswith("keyring.backends.chainer.") and not getattr(backend, "backends", None)
    ):
        return "no OS keyring is available here (the keyring package found no backend)"
    return None


def _account(path: Path) -> str:
    return str(Path(path).expanduser().resolve())


def keyring_passphrase(path: Path) -> str | None:
    """The passphrase remembered for the book at `path`, or None (none stored, no keyring)."""
    keyring = _keyring()
    if keyring is None:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, _account(path))
    except Exception:  # noqa: BLE001 — no backend, locked, …: fall through to the next source
        return None


def store_in_keyring(path: Path, passphrase: str) -> None:
    keyring = _keyring()
    assert keyring is not None  # checked with keyring_problem() before anything changed
    keyring.set_password(KEYRING_SERVICE, _account(path), passphrase)


def forget(path: Path) -> bool:
    """Remove a remembered passphrase; True if there was one."""
    keyring = _keyring()
    if keyring is None or keyring_passphrase(path) is None:
        return False
    try:
        keyring.delete_password(KEYRING_SERVICE, _account(path))
    except Exception:  # noqa: BLE001
        return False
    return True


# ------------------------------------------------------------------ passphrase sources


def _on_terminal() -> bool:
    try:
        return sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def cli_passphrases(path: Path) -> Iterator[str]:
    """The keyring, KONTAKT_PASSPHRASE, then up to three prompts on a terminal.

    Resumed only when the previous one failed, so it can say so before asking again.
    """
    stored = keyring_passphrase(path)
    if stored:
        yield stored
        echo(f"kontakt: the passphrase in the OS keyring does not open {path}", err=True)
    from_env = os.environ.get(store_db.PASSPHRASE_ENV)
    if from_env:
        yield from_env
        if not _on_terminal():
            return
        echo(f"kontakt: {store_db.PASSPHRASE_ENV} does not open {path}", err=True)
    if not _on_terminal():
        return
    for attempt in range(PROMPT_TRIES):
        if attempt:
            echo("wrong passphrase, try again", err=True)
        yield click.prompt(f"Passphrase for {display_path(Path(path))}", hide_input=True,
                           err=True, default="", show_default=False)


def app_passphrases(path: Path) -> Iterator[str]:
    """What the app tries before it asks in its own dialog: the keyring, then the env."""
    stored = keyring_passphrase(path)
    if stored:
        yield stored
    from_env = os.environ.get(store_db.PASSPHRASE_ENV)
    if from_env:
        yield from_env


def unlock_for_app(path: Path) -> None:
    """Before the app opens an encrypted book: its passphrase from the keyring or the
    environment, else from the app's dialog (three tries, then exit 1 with a message)."""
    from ..store.db import PassphraseNeeded, WrongPassphrase, is_open_book_file, looks_encrypted

    # From here on this process is the app: no prompt on a terminal Textual owns (the
    # app's worker threads reopen the book with the passphrase remembered below).
    store_db.passphrase_sources = app_passphrases
    path = Path(path).expanduser()
    if not path.is_file() or store_db.known_passphrase(path) is not None:
        return
    if not looks_encrypted(path) or is_open_book_file(path):
        return
    # No connection to it is open in this process yet, so its header may be read directly.
    with path.open("rb") as handle:
        if handle.read(16) == b"SQLite format 3\x00":
            return  # a plain book: nothing to ask
    try:
        store_db.open_connection(path, create=False, writable=False).close()
        return
    except (PassphraseNeeded, WrongPassphrase):
        pass
    except store_db.BookError:
        return  # not a book at all: Book.open says so as usual
    if not _on_terminal():
        fail(f"{path} is encrypted and no passphrase was given: set {store_db.PASSPHRASE_ENV}, "
             "or open the app on a terminal to type it")
    from ..tui.unlock import TRIES, ask_passphrase

    passphrase, wrong = ask_passphrase(path)
    if passphrase is None:
        if wrong >= TRIES:
            fail(f"wrong passphrase {TRIES} times for {path}; the app did not open")
        fail(f"no passphrase given for {path}; the app did not open")


def use_cli_passphrases() -> None:
    store_db.passphrase_sources = cli_passphrases


def use_quiet_passphrases() -> None:
    """The keyring and KONTAKT_PASSPHRASE only, never a prompt (`today --brief` in a shell
    profile or status bar: no passphrase there is one line on stderr, not a waiting shell)."""
    store_db.passphrase_sources = app_passphrases


def new_passphrase(*, also_env: str | None = None) -> str:
    """The passphrase to encrypt with: KONTAKT_NEW_PASSPHRASE (or `also_env`), else asked
    twice on the terminal, never echoed; exits 1 when there is no terminal to ask on."""
    for name in (NEW_PASSPHRASE_ENV, also_env):
        if name and os.environ.get(name):
            value = os.environ[name]
            break
    else:
        if not _on_terminal():
            fail(f"no new passphrase: set {NEW_PASSPHRASE_ENV}, or run this on a terminal to type it")
        value = click.prompt("New passphrase", hide_input=True, confirmation_prompt=
                             "Repeat the new passphrase", err=True)
    try:
        return store_db.check_passphrase(value)
    except ValueError as error:
        fail(f"new passphrase: {error}")
        raise


def _check_remember(remember_it: bool) -> None:
    if not remember_it:
        return
    problem = keyring_problem()
    if problem:
        fail(f"--remember: {problem}; nothing changed — run without --remember and give the "
             f"passphrase with {store_db.PASSPHRASE_ENV} or type it")


def _book_path(ctx: click.Context) -> Path:
    from ..paths import book_path

    return book_path(_session(ctx).db)[0]


def _report(result, verb: str) -> None:
    echo(f"{verb} {display_path(result.path)} ({result.rows} rows copied and checked)")
    if result.backups:
        echo(f"{result.backups} backup(s) of the book re-encrypted with it")
    if result.backups_left:
        echo(f"kontakt: {len(result.backups_left)} backup(s) stay as they were, under an earlier "
             "passphrase (kontakt restore-backup asks for it)", err=True)


def note_plain_export(path: Path | None) -> None:
    """Say once, on stderr, that an export of an encrypted book is a plain file."""
    from .common import get_book

    session = _session(click.get_current_context())
    if getattr(session, "told_plain_export", False):
        return
    if store_db.is_encrypted(get_book().conn):
        session.told_plain_export = True
        where = "on stdout" if path is None or str(path) == "-" else str(path)
        echo(f"kontakt: note: the book is encrypted, exports are not: the export {where} "
             "is a plain file anyone with it can read", err=True)


# ------------------------------------------------------------------ the commands


@main.command(epilog="Example: kontakt encrypt   ·   kontakt encrypt --remember")
@click.option("--remember", is_flag=True,
              help="Also store the passphrase in the OS keyring, so kontakt opens the book without asking.")
@book_option
@click.pass_context
def encrypt(ctx, remember):
    """Encrypt the book with a passphrase (asked twice, never shown).

    The book and its backups become unreadable without the passphrase; there is no way
    to recover it if you lose it. The book is replaced only once the encrypted copy is
    checked.
    """
    from ..store.crypto import encrypt as encrypt_book

    from ..store.crypto import book_is_encrypted, encrypt_plain_backups

    path = _book_path(ctx)
    _check_remember(remember)
    if path.exists() and book_is_encrypted(path):
        done = encrypt_plain_backups(path)
        if not done:
            fail(f"{path} is already encrypted; kontakt passphrase changes its passphrase")
        echo(f"{display_path(path)} was already encrypted; {done} plain backup(s) of it now are too")
        return
    result = encrypt_book(path, new_passphrase(also_env=store_db.PASSPHRASE_ENV))
    _report(result, "encrypted")
    if remember:
        store_in_keyring(path, store_db.known_passphrase(path) or "")
        echo("the passphrase is stored in the OS keyring (kontakt decrypt removes it)")
    echo("keep the passphrase safe: without it the book cannot be opened by anyone, you included")


@main.command(epilog="Example: KONTAKT_PASSPHRASE=… kontakt decrypt")
@book_option
@click.pass_context
def decrypt(ctx):
    """Turn an encrypted book back into a plain SQLite file (asks for the passphrase)."""
    from ..store.crypto import decrypt as decrypt_book

    path = _book_path(ctx)
    result = decrypt_book(path)
    _report(result, "decrypted")
    if forget(path):
        echo("the passphrase was removed from the OS keyring")


@main.command(epilog="Example: kontakt passphrase   ·   kontakt passphrase --remember")
@click.option("--remember", is_flag=True, help="Store the new passphrase in the OS keyring.")
@book_option
@click.pass_context
def passphrase(ctx, remember):
    """Change the passphrase of an encrypted book (the old one, then the new one twice)."""
    from ..store.crypto import change_passphrase

    path = _book_path(ctx)
    _check_remember(remember)
    from ..store.crypto import book_is_encrypted

    if not book_is_encrypted(path):  # asks for the old passphrase first
        fail(f"{path} is not encrypted; kontakt encrypt encrypts it")
    stored = keyring_passphrase(path) is not None
    result = change_passphrase(path, new_passphrase())
    _report(result, "new passphrase for")
    if remember or stored:
        store_in_keyring(path, store_db.known_passphrase(path) or "")
        echo("the OS keyring holds the new passphrase")
