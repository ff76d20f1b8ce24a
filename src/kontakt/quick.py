"""The `kontakt` command's entry point, with quick paths for a mail client's lookup and for
`search --json`.

mutt runs `kontakt email --parsable %s` at every Tab in an address field and waits for it;
scripts and editors run `kontakt search TERM --json`. The command line's machinery (click,
the whole store, rich) costs ~70 ms before any work; these paths answer the same questions
with the driver, the one search builder, the one row-to-Contact decoding (store/reading.py),
the one JSON shape (kontakt.jsontext) and the output guard alone. They take only the plain,
common shapes of the commands on an unencrypted book at the current schema; anything else —
another command, an option they do not know, `--help`, an encrypted or older book, any
error before the first byte is out — goes to the full command line, which then says what
the full command says. Output is the full command's, byte for byte
(tests/cli/test_quick_email.py and tests/cli/test_quick_search.py compare them on awkward
data).
"""

from __future__ import annotations

import os
import sys

# The full command's limit (cli/citizen.py email): the best 50 people, active ones only.
EMAIL_LIMIT = 50


# The full command's --limit: click.IntRange(1, MAX_LIMIT) (cli/common.py), default 200.
SEARCH_LIMIT, MAX_LIMIT = 200, 1_000_000
# Up to this many people the answer is made whole before a byte is written, so that any
# error still goes to the full command line; more (`--all`) are streamed as they come.
WHOLE_ANSWER = 1000


def main() -> None:
    sys.argv[1:] = args = [utf8_argument(arg) for arg in sys.argv[1:]]
    try:
        code = email(args)
        if code is None:
            code = search(args)
    except KeyboardInterrupt:  # as click says it (Ctrl-C during a long `search --all`)
        sys.stderr.write("\nAborted!\n")
        code = 1
    if code is None:
        code = full_command_line()
    leave(code)


def utf8_argument(arg: str) -> str:
    """`arg` as the UTF-8 its bytes are, when Python read them in another encoding (LC_ALL=C
    with PYTHONUTF8=0: 'Jürgen' arrived as 'J\udcc3\udcbcrgen' and matched nobody);
    unchanged when the bytes are no UTF-8 (a real Latin-1 terminal) or were read right."""
    if arg.isascii() or sys.getfilesystemencoding() == "utf-8":
        return arg
    try:
        return arg.encode(sys.getfilesystemencoding(), "surrogateescape").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return arg


def full_command_line() -> int:
    """Run the full command line; its exit code once it is done and nothing is left to
    wait for, or Python's own exit (teardown included) when something still runs.

    Tearing down the ~200 modules a full command imports costs ~10 ms after the answer is
    out, on every command (measured: `kontakt show` at 100k, 98 → 76 ms whole-process).
    It only frees memory the process gives back anyway: every file kontakt writes is
    closed by a `with`, the book by the command's end, and the exit handlers (temporary
    folders, logging) are run here. A thread still running (one that Python would wait
    for) or an exit that is not a number goes the usual way."""
    from .cli import main as full

    try:
        full()  # click's standalone mode ends in SystemExit, even on success
        code: object = 0
    except SystemExit as stop:
        code = 0 if stop.code is None else stop.code
    threading = sys.modules.get("threading")
    if not isinstance(code, int) or (threading is not None and threading.active_count() > 1):
        raise SystemExit(code)
    import atexit

    atexit._run_exitfuncs()
    return code


def leave(code: int) -> None:
    """Exit with `code` once the answer is out, without Python's teardown of the modules
    imported (~5 ms on a quick path, ~10 ms after the full command line, that a mail client
    or script would wait for with nothing left to do: the book is closed, and exit handlers
    are run or were never registered)."""
    if _observed():
        # A profiler or coverage writes its findings at the usual exit.
        raise SystemExit(code)
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        if stream is None:  # started with that descriptor closed (`kontakt list >&-`)
            continue
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that left, or stderr closed (`| head`)
            pass
    os._exit(code)


def _observed() -> bool:
    """True under a profiler, a tracer or coverage: sys.setprofile / sys.settrace, or from
    Python 3.12 a sys.monitoring tool (cProfile and coverage use it there)."""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return True
    monitoring = getattr(sys, "monitoring", None)
    return monitoring is not None and any(monitoring.get_tool(tool) for tool in range(6))


def email(args: list[str]) -> int | None:
    """Run `kontakt email` quickly if `args` is a shape this path answers; its exit code,
    or None for the full command line to take it."""
    request = _email_request(args)
    if request is None or not _utf8_stdout():
        return None
    term, db, parsable, remove_first_line = request
    path = _book_path(db)
    if path is None:
        return None
    _defer_inspect()
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
        _quiet()
        return 0
    except OSError as error:  # `> /dev/full`: one line, as the full command says it
        from pathlib import Path

        from .cli.common import error_message

        message = error_message(error, lambda: Path(path)) or str(error)
        _write(sys.stderr, [f"Error: {message}"], visible)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # exit's flush: quiet
        return 1
    return 0 if rows else 1  # mutt reads exit 1 as "no match"


def _write(stream, lines: list[str], visible) -> None:
    # As the full command's render.echo: each line through the output guard.
    stream.write("".join(visible(line, multiline=True) + "\n" for line in lines))
    stream.flush()


def _email_request(args: list[str]) -> tuple[str, str | None, bool, bool] | None:
    """(term, --db, --parsable, --remove-first-line) of `email …`, or None for any other
    shape (help, unknown options, `--`, options after which click would read differently)."""
    read = _command_options(args, "email", flags={"--parsable", "--remove-first-line"},
                            valued={"--db"})
    if read is None:
        return None
    options, term = read
    if len(term) != 1 or not term[0].strip():
        return None
    return (term[0], options.get("--db"), "--parsable" in options,
            "--remove-first-line" in options)


def _command_options(args: list[str], command: str, *, flags: set[str], valued: set[str]
                     ) -> tuple[dict[str, str | bool], list[str]] | None:
    """The options and the other words of `[--db BOOK] COMMAND …`, read as click reads them
    (`--name VALUE` or `--name=VALUE`, the last one given wins); None for any other shape:
    another command, an option not named, a value missing or looking like an option, `--`,
    or an empty --db."""
    db, args = _group_db(args)
    if db == "" or not args or args[0] != command:
        return None
    options: dict[str, str | bool] = {} if db is None else {"--db": db}
    words: list[str] = []
    rest = iter(args[1:])
    for arg in rest:
        name, equals, inline = arg.partition("=")
        if arg in flags:
            options[arg] = True
        elif arg in valued:
            value = next(rest, None)
            if value is None or value.startswith("-"):
                return None
            options[arg] = value
        elif equals and name in valued:
            options[name] = inline
        elif arg.startswith("-"):
            return None
        else:
            words.append(arg)
    if options.get("--db") == "":
        return None
    return options, words


def _group_db(args: list[str]) -> tuple[str | None, list[str]]:
    """The group's own --db, which may come before the command (`kontakt --db BOOK email …`),
    and the arguments after it; "" for a shape to leave to click (`--db` with no value)."""
    if args[:1] == ["--db"]:
        if len(args) > 1 and not args[1].startswith("-"):
            return args[1], args[2:]
        return "", args
    if args[:1] and args[0].startswith("--db="):
        return args[0][len("--db="):], args[1:]
    return None, args


def search(args: list[str]) -> int | None:
    """Run `kontakt search TEXT --json` quickly if `args` is a shape this path answers; its
    exit code, or None for the full command line to take it."""
    request = _search_request(args)
    if request is None or not _utf8_stdout():
        return None
    text, db, limit = request
    path = _book_path(db)
    if path is None:
        return None
    _defer_inspect()
    conn = _open(path)
    if conn is None:
        return None
    from .jsontext import contact_json, json_array_text
    from .store.reading import stream_search, with_balances

    try:
        people = with_balances(conn, stream_search(conn, text, limit=limit))
        blocks = json_array_text(contact_json(c, b) for c, b in people)
        try:
            if limit is not None and limit <= WHOLE_ANSWER:
                blocks = iter(["".join(blocks)])
            first = next(blocks)
        except Exception:  # the full command reports it in its own words
            return None
        return _stream(path, first, blocks)
    finally:
        conn.close()


def _search_request(args: list[str]) -> tuple[str, str | None, int | None] | None:
    """(text, --db, limit or None for --all) of `search TEXT --json …`, or None for any
    other shape (the table, help, an option it does not know, a --limit click would refuse
    or read otherwise, `--`)."""
    read = _command_options(args, "search", flags={"--json", "--all"}, valued={"--db", "--limit"})
    if read is None:
        return None
    options, text = read
    limit = SEARCH_LIMIT
    if "--limit" in options and (limit := _limit(str(options["--limit"]))) is None:
        return None
    if "--json" not in options or len(text) != 1:
        return None
    return text[0], options.get("--db"), None if "--all" in options else limit


def _limit(text: str) -> int | None:
    """A --limit click takes as it is written (plain digits, in range); None otherwise."""
    if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_LIMIT:
        return int(text)
    return None


def _utf8_stdout() -> bool:
    """True when stdout writes UTF-8, as it does unless PYTHONIOENCODING or an old locale says
    otherwise; then click's own stream handling is the full command's to apply."""
    encoding = getattr(sys.stdout, "encoding", None) or ""
    return encoding.lower().replace("-", "").replace("_", "") == "utf8"


def _defer_inspect() -> None:
    """Let `dataclasses` (which the domain's classes need) import `inspect` without loading
    it: dataclasses asks inspect only for the docstring of a class that has none (every
    class on these paths has one), and inspect with ast, dis and tokenize is ~6 ms of a
    ~45 ms answer. A stand-in module takes inspect's place in sys.modules and loads the
    real one the first time any of its names is asked for, then holds all of them, so code
    that imported the stand-in (or the full command line this process may fall back to)
    sees the real module. tests/cli/test_quick_search.py checks both."""
    if "inspect" in sys.modules or "dataclasses" in sys.modules:
        return
    import types

    stand_in = types.ModuleType("inspect", "Loaded on first use (kontakt.quick).")

    def __getattr__(name: str):
        if sys.modules.get("inspect") is stand_in:
            del sys.modules["inspect"]
        import inspect

        stand_in.__dict__.update(inspect.__dict__)
        return getattr(inspect, name)

    stand_in.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules["inspect"] = stand_in


def _open(path: str):
    """A connection to the book at `path` as the store opens it, rows as `sqlite3.Row`; None
    when this path cannot answer (encrypted, older or newer book, any database error)."""
    from .store import db as store
    from .store.driver import sqlite3
    from .store.migrations import LATEST_VERSION

    try:
        read_only = not store.is_writable(path)
        conn = store._raw_connection(path, read_only=read_only)
    except Exception:
        return None
    try:
        version, _objects = store._probe(conn, path)
        if version != LATEST_VERSION:
            conn.close()
            return None  # the full command migrates it (or says why not)
        store._configure(conn, path, read_only=read_only)
    except Exception:
        conn.close()
        return None
    conn.row_factory = sqlite3.Row
    return conn


def _stream(path: str, first: str, blocks) -> int:
    """Write `first` and the rest of `blocks` to stdout as the full command does (each block
    flushed: a reader sees the first person at once); its exit code."""
    try:
        sys.stdout.write(first)
        sys.stdout.flush()
        for block in blocks:
            sys.stdout.write(block)
            sys.stdout.flush()
    except BrokenPipeError:  # the reader left (`| head`): not an error worth a message
        _quiet()
        return 0
    except Exception as error:  # the output has begun: say it as the full command would
        from pathlib import Path

        from .cli.common import error_message
        from .domain.text import visible

        message = error_message(error, lambda: Path(path))  # as the full command names it
        if message is None:  # KONTAKT_DEBUG=1: the traceback, as the full command shows it
            raise
        sys.stderr.write(f"Error: {visible(message, multiline=True)}\n")
        sys.stderr.flush()
        return 1
    return 0


def _quiet() -> None:
    """stdout and stderr pointed at nothing: Python's flush at exit must not complain of the
    pipe its reader closed."""
    sys.stderr.close()
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _book_path(db: str | None) -> str | None:
    """The book the full command would open (paths.book_path), if it is an existing file;
    a string, as SQLite takes it (pathlib costs ~3 ms to import)."""
    explicit = db or os.environ.get("KONTAKT_DB")
    if db == "" or ("KONTAKT_DB" in os.environ and not os.environ["KONTAKT_DB"].strip() and not db):
        return None  # an empty --db or KONTAKT_DB: the full command says it is empty
    try:
        if explicit:
            # A "~user" that does not expand names no file here: the full command says so.
            path = os.path.expanduser(explicit)
        else:
            path = os.path.join(user_data_dir(), "kontakt.db")
        return path if os.path.isfile(path) else None
    except (OSError, RuntimeError, ValueError):
        return None


def user_data_dir() -> str:
    """platformdirs.user_data_dir("kontakt") without importing platformdirs (~10 ms) in the
    usual case on Linux and the BSDs: an absolute $XDG_DATA_HOME, else an absolute $HOME's
    ~/.local/share. Anything less plain is platformdirs' to decide."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        base = os.environ.get("XDG_DATA_HOME", "")
        if base.startswith("/"):
            return os.path.join(base, "kontakt")
        home = os.environ.get("HOME", "")
        if home.startswith("/"):
            return home.rstrip("/") + "/.local/share/kontakt"
    from .paths import data_dir

    return str(data_dir())


def _email_rows(path: str, term: str) -> list[tuple[str, str, str]] | None:
    """(address, name, note) of the people `term` finds, as `kontakt email` lists them;
    None when this path cannot answer (encrypted, older or newer book, any database error)."""
    conn = _open(path)
    if conn is None:
        return None
    from .jsontext import loads_stored
    from .store.search import search_sql, search_terms

    try:
        terms = search_terms(term)
        if terms is None:
            return []
        sql, params = search_sql(terms, "c.name, c.emails, c.org, c.tags",
                                 limit=EMAIL_LIMIT, archived=False)
        rows: list[tuple[str, str, str]] = []
        for name, emails, org, tags in conn.execute(sql, params):
            note = org or ", ".join(loads_stored(tags))
            rows += [(address, name, note) for address in loads_stored(emails)]
        return rows
    except Exception:  # the full command reports it in its own words
        return None
    finally:
        conn.close()
