"""The `kontakt` command's entry point, with a quick path for the mail client's lookup.

mutt runs `kontakt email --parsable %s` at every Tab in an address field and waits for it.
The command line's machinery (click, the whole store, the domain) costs ~100 ms before any
work; this path answers the same question with the driver, the one search builder and the
output guard alone (~40 ms at 100k people). It takes only the plain, common shapes of the
command on an unencrypted book at the current schema; anything else — another command, an
option it does not know, `--help`, an encrypted or older book, any error — goes to the full
command line, which then says what the full command says. Output is the full command's,
byte for byte (tests/cli/test_quick_email.py compares them on awkward data).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# The full command's limit (cli/citizen.py email): the best 50 people, active ones only.
EMAIL_LIMIT = 50


def main() -> None:
    code = email(sys.argv[1:])
    if code is None:
        from .cli import main as full

        full()
        return
    sys.exit(code)


def email(args: list[str]) -> int | None:
    """Run `kontakt email` quickly if `args` is a shape this path answers; its exit code,
    or None for the full command line to take it."""
    request = _email_request(args)
    if request is None:
        return None
    term, db, parsable, remove_first_line = request
    path = _book_path(db)
    if path is None:
        return None
    rows = _email_rows(path, term)
    if rows is None:
        return None
    from .domain.text import visible

    lines: list[str] = []
    if parsable:
        if not remove_first_line:
            lines.append(f"kontakt: {len(rows)} matching addresses" if rows else "kontakt: no match")
        # One record a line, three fields: a stored tab or newline must not make more.
        lines += ["\t".join(visible(part) for part in row) for row in rows]
    elif rows:
        lines += [f"{name} <{address}>" for address, name, _ in rows]
    else:
        _write(sys.stderr, [f"no email address matches {term!r}"], visible)
        return 1
    try:
        _write(sys.stdout, lines, visible)
    except BrokenPipeError:  # the reader left (`| head`): not an error worth a message
        sys.stderr.close()
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 0 if rows else 1  # mutt reads exit 1 as "no match"


def _write(stream, lines: list[str], visible) -> None:
    # As the full command's render.echo: each line through the output guard.
    stream.write("".join(visible(line, multiline=True) + "\n" for line in lines))
    stream.flush()


def _email_request(args: list[str]) -> tuple[str, str | None, bool, bool] | None:
    """(term, --db, --parsable, --remove-first-line) of `email …`, or None for any other
    shape (help, unknown options, `--`, options after which click would read differently)."""
    db: str | None = None
    # The group's own --db may come first: `kontakt --db BOOK email …`.
    if args[:1] == ["--db"] and len(args) > 1 and not args[1].startswith("-"):
        db, args = args[1], args[2:]
    elif args[:1] and args[0].startswith("--db="):
        db, args = args[0][len("--db="):], args[1:]
    if not args or args[0] != "email":
        return None
    term: list[str] = []
    parsable = remove_first_line = False
    rest = iter(args[1:])
    for arg in rest:
        if arg == "--parsable":
            parsable = True
        elif arg == "--remove-first-line":
            remove_first_line = True
        elif arg == "--db":
            db = next(rest, None)
            if db is None or db.startswith("-"):
                return None
        elif arg.startswith("--db="):
            db = arg[len("--db="):]
        elif arg.startswith("-"):
            return None
        else:
            term.append(arg)
    if len(term) != 1 or not term[0].strip() or db == "":
        return None
    return term[0], db, parsable, remove_first_line


def _book_path(db: str | None) -> Path | None:
    """The book the full command would open (paths.book_path), if it is an existing file."""
    explicit = db or os.environ.get("KONTAKT_DB")
    try:
        if explicit:
            path = Path(explicit).expanduser()
        else:
            path = user_data_dir() / "kontakt.db"
        return path if path.is_file() else None
    except (OSError, RuntimeError, ValueError):
        return None


def user_data_dir() -> Path:
    """platformdirs.user_data_dir("kontakt") without importing platformdirs (~10 ms) in the
    usual case on Linux and the BSDs: an absolute $XDG_DATA_HOME, else an absolute $HOME's
    ~/.local/share. Anything less plain is platformdirs' to decide."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        base = os.environ.get("XDG_DATA_HOME", "")
        if base.startswith("/"):
            return Path(base) / "kontakt"
        home = os.environ.get("HOME", "")
        if home.startswith("/"):
            return Path(home.rstrip("/") + "/.local/share") / "kontakt"
    from .paths import data_dir

    return data_dir()


def _email_rows(path: Path, term: str) -> list[tuple[str, str, str]] | None:
    """(address, name, note) of the people `term` finds, as `kontakt email` lists them;
    None when this path cannot answer (encrypted, older or newer book, any database error)."""
    from .store import db as store
    from .store.migrations import LATEST_VERSION
    from .store.search import search_sql, search_terms

    try:
        read_only = not store.is_writable(path)
        conn = store._raw_connection(path, read_only=read_only)
    except Exception:
        return None
    try:
        version, _objects = store._probe(conn, path)
        if version != LATEST_VERSION:
            return None  # the full command migrates it (or says why not)
        store._configure(conn, path, read_only=read_only)
        terms = search_terms(term)
        if terms is None:
            return []
        sql, params = search_sql(terms, "c.name, c.emails, c.org, c.tags",
                                 limit=EMAIL_LIMIT, archived=False)
        rows: list[tuple[str, str, str]] = []
        for name, emails, org, tags in conn.execute(sql, params):
            note = org or ", ".join(json.loads(tags))
            rows += [(address, name, note) for address in json.loads(emails)]
        return rows
    except Exception:  # the full command reports it in its own words
        return None
    finally:
        conn.close()
