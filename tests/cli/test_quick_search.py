"""`kontakt search TEXT --json`'s quick path (kontakt.quick) against the full command, on
awkward data: the same bytes out, the same stderr, the same exit code — and every shape it
does not know handed to the full command line."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from book_cli import quick_probe, write_hostile_rows
from kontakt import quick
from kontakt.cli import main
from kontakt.store import Book, crypto, reading
from kontakt.store import db as store_db
from kontakt.store.driver import sqlite3

TODAY = "2026-11-23"
SQLITE3 = "sqlite3"


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """People whose names, orgs and circles trip naive code, every field of the JSON shape
    set for some (cadences own and inherited, someone let drift, favours, introductions,
    birthdays, addresses, labels), some archived or trashed, more than 200 sharing a word,
    and bytes written by another tool straight into the file."""
    path = tmp_path_factory.mktemp("quick-search") / "book.db"
    mp = pytest.MonkeyPatch()
    mp.setenv("KONTAKT_TODAY", TODAY)
    mp.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    try:
        runner = CliRunner()
        commands = [
            ["add", "Jürgen Müller", "--email", "work: jm@example.com", "--email", "juergen@mueller.de",
             "--phone", "mobile: +49 170 1234567", "--org", "Müller & Söhne", "--every", "monthly",
             "--birthday", "3.4.1980", "--tag", "breakfast", "--channel", "call",
             "--address", "home: Hauptstr. 1; München; Bayern; 80331; Germany",
             "--url", "https://example.com/jm", "--nickname", "Jürgi"],
            ["add", "Jessica Smith", "--email", "jessica.smith+news@example.org", "--tag", "breakfast",
             "--tag", "round table", "--birthday", "--04-03", "--met", "at the \"Round Table\""],
            ["add", "D'Angelo O'Connor", "--email", "dangelo@example.com", "--every", "2 weeks"],
            ["add", "Zoë D’Angelo", "--org", "O'Reilly"],
            ["add", "Grace Weiß", "--email", "grace@weiss.example", "--note", "weiss beer, Weißwurst"],
            ["add", "王小明", "--email", "xiaoming@example.cn", "--note", "met at 王府井"],
            ["add", "Ｔａｒｏ Yamada", "--location", "東京"],
            ["add", "Archie Archived", "--email", "archie@example.com", "--tag", "breakfast"],
            ["add", "Tina Trashed", "--email", "tina@example.com"],
            ["add", "Drifty Drift", "--tag", "breakfast"],
            ["circle", "breakfast", "--every", "week"],
            ["favour", "Jürgen", "--received", "reviewed my deck", "--weight", "2"],
            ["favour", "Jürgen", "--gave", "lent a ladder"],
            ["intro", "Jessica", "Grace"],
            ["log", "Jessica", "--on", "2026-11-01", "--kind", "call"],
            ["drift", "Drifty"],
            ["archive", "Archie"],
            ["rm", "Tina"],
        ]
        for args in commands:
            result = runner.invoke(main, [args[0], "--db", str(path), *args[1:]])
            assert result.exit_code == 0, (args, result.output)
        # More than the default limit of 200 share a word, at a few different ranks.
        with Book.open(path) as opened, opened.write():
            for n in range(230):
                opened.add_contact(f"Anna Common{n:03d}", today=date(2026, 11, 23),
                                   tags=["common"], notes="common " * (n % 4))
    finally:
        mp.undo()
    write_hostile_rows(path)
    return path


TERMS = ["müller", "MUELLER", "jm@", "jessica.smith", "smith", "breakfast", "round table",
         "o'connor", "D’Angelo", "d'angelo", "weiss", "weiß", "王", "小明", "王府井", "taro",
         "ｔａｒｏ", "archie", "tina", "drifty", "common", "anna", "a", "evil", "bytes", "line",
         "nobody-at-all", "@", "&&", "", "  ", "  smith  ", "x"]
LIMITS = [[], ["--limit", "3"], ["--limit=250"], ["--all"], ["--limit", "1", "--all"]]


def full(db: Path, args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["search", "--db", str(db), *args])
    return result.exit_code, result.stdout, result.stderr


def fast(args: list[str], capsys) -> tuple[int | None, str, str]:
    capsys.readouterr()
    code = quick.search(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("limit", LIMITS, ids=["default", "3", "250", "all", "1-all"])
def test_the_quick_path_answers_as_the_full_command_does(book, limit, capsys, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    empty = set()
    for term in TERMS:
        code, out, err = fast(["search", term, "--json", "--db", str(book), *limit], capsys)
        assert code is not None, term  # every one of these is the quick path's to answer
        assert (code, out, err) == full(book, [term, "--json", *limit]), term
        if out == "[]\n":
            empty.add(term)
    # Trashed and unknown people, and text with nothing to search, are found by neither: the
    # comparison ran on real answers for every other term.
    assert empty == {"tina", "nobody-at-all", "@", "&&", "", "  "}


def test_what_the_quick_path_shows(book, capsys, monkeypatch):
    import json

    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    db = ["--db", str(book)]
    _, out, _ = fast(["search", "common", "--json", *db], capsys)
    assert len(json.loads(out)) == 200  # the full command's default limit
    _, out, _ = fast(["search", "common", "--json", "--all", *db], capsys)
    assert len(json.loads(out)) == 230
    _, out, _ = fast(["search", "jürgen", "--json", *db], capsys)
    [jurgen] = json.loads(out)
    assert (jurgen["balance"], jurgen["gave"], jurgen["received"]) == (-1, 1, 2)
    assert jurgen["effective_cadence"] == "every month" and jurgen["birthday"] == "1980-04-03"
    assert jurgen["phone_labels"] == {"+49 170 1234567": "mobile"}
    assert jurgen["addresses"][0]["label"] == "home" and jurgen["channel"] == "call"
    _, out, _ = fast(["search", "drifty", "--json", *db], capsys)
    [drifty] = json.loads(out)
    assert drifty["let_drift"] is True and drifty["effective_cadence"] is None
    _, out, _ = fast(["search", "archie", "--json", *db], capsys)
    assert json.loads(out)[0]["archived"] is True  # search lists archived people too
    _, out, _ = fast(["search", "evil", "--json", *db], capsys)
    assert "\x1b" not in out and "\u202e" not in out and "\x9b" not in out
    assert "\\u001b" in out and "\\u202e" in out and "\\u009b" in out  # escaped, not dropped
    assert json.loads(out)[0]["name"].startswith("Evil\tTab\nLine\x1b[31mRed")
    _, out, _ = fast(["search", "bytes", "--json", *db], capsys)
    assert "\ufffd" in json.loads(out)[0]["name"]  # read leniently, as the full command does


def test_an_empty_book_answers_an_empty_array(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    empty = tmp_path / "empty.db"
    assert CliRunner().invoke(main, ["add", "--db", str(empty), "Someone"]).exit_code == 0
    assert CliRunner().invoke(main, ["rm", "--db", str(empty), "Someone"]).exit_code == 0
    for term in ("someone", "", "x"):
        answer = fast(["search", term, "--json", "--db", str(empty)], capsys)
        assert answer == full(empty, [term, "--json"]) == (0, "[]\n", "")


@pytest.mark.parametrize("args", [
    ["search", "x"], ["search", "--json"], ["search", "a", "b", "--json"],
    ["search", "x", "--json", "--help"], ["search", "-h"], ["search", "--", "x", "--json"],
    ["search", "x", "--json", "--limit"], ["search", "x", "--json", "--limit", "0"],
    ["search", "x", "--json", "--limit", "-1"], ["search", "x", "--json", "--limit", "abc"],
    ["search", "x", "--json", "--limit", "1_000"], ["search", "x", "--json", "--limit", " 5"],
    ["search", "x", "--json", "--limit=1000001"], ["search", "x", "--json", "--limit", "٣"],
    ["search", "x", "--json", "--tag", "t"], ["search", "-x", "--json"],
    ["search", "x", "--json", "--db"], ["search", "x", "--json", "--db", "--all"],
    ["search", "x", "--json", "--db="], ["--db", "--json", "search", "x"], ["--db"],
    ["--verbose", "search", "x", "--json"], ["list", "--json"], ["email", "x"], [],
    ["search", "x", "--jso"],
])
def test_shapes_it_does_not_know_go_to_the_full_command(args):
    assert quick.search(args) is None


@pytest.mark.parametrize("where", ["--db BOOK search", "--db=BOOK search", "search --db BOOK",
                                   "search --db=BOOK"])
def test_the_book_may_be_named_before_or_after_the_command(where, book, capsys, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    words = [w.replace("BOOK", str(book)) for w in where.split()]
    code, out, _ = fast([*words, "müller", "--json"], capsys)
    assert (code, out) == full(book, ["müller", "--json"])[:2] and '"Jürgen Müller"' in out


def test_the_book_comes_from_kontakt_db(book, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    monkeypatch.setenv("KONTAKT_DB", str(book))
    answer = fast(["search", "weiß", "--json"], capsys)
    assert answer == full(book, ["weiß", "--json"]) and answer[1].count('"id"') == 1
    monkeypatch.delenv("KONTAKT_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert quick.search(["search", "weiß", "--json"]) is None  # no book there: the full command says so


def test_a_stdout_that_is_not_utf8_goes_to_the_full_command(book, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="latin-1"))
    assert quick.search(["search", "王", "--json", "--db", str(book)]) is None  # click's to encode
    assert quick.email(["email", "王", "--db", str(book)]) is None
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="UTF_8"))
    assert quick.search(["search", "nobody-at-all", "--json", "--db", str(book)]) == 0


def test_books_it_does_not_answer_for_go_to_the_full_command(book, tmp_path):
    assert quick.search(["search", "x", "--json", "--db", str(tmp_path / "missing.db")]) is None
    assert quick.search(["search", "x", "--json", "--db", str(tmp_path)]) is None  # a directory
    older = tmp_path / "older.db"
    subprocess.run([SQLITE3, str(book), f".backup '{older}'"], check=True)
    subprocess.run([SQLITE3, str(older), "PRAGMA user_version = 3;"], check=True)
    assert quick.search(["search", "müller", "--json", "--db", str(older)]) is None


def test_a_book_it_leaves_to_the_full_command_is_answered_there(book, tmp_path):
    """An encrypted book: the quick path has looked at it (inspect is already deferred),
    then the full command line in the same process opens it and answers, as it always did."""
    secret = tmp_path / "secret.db"
    subprocess.run([SQLITE3, str(book), f".backup '{secret}'"], check=True)
    crypto.encrypt(secret, "correct horse")
    store_db._passphrases.clear()  # remembered by encrypt(): this process knows nothing
    env = {**os.environ, "KONTAKT_TODAY": TODAY, "KONTAKT_NO_AUTO_BACKUP": "1",
           store_db.PASSPHRASE_ENV: "correct horse"}
    args = ["search", "müller", "--json", "--db", str(secret)]
    assert quick.search(args) is None
    done = subprocess.run([sys.executable, "-m", "kontakt", *args], capture_output=True,
                          text=True, env=env)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == full(book, ["müller", "--json"])[1] and '"Jürgen Müller"' in done.stdout


def test_an_error_before_the_first_byte_goes_to_the_full_command(book, monkeypatch):
    def broken(*_args, **_kwargs):
        raise sqlite3.DatabaseError("database disk image is malformed")
        yield

    monkeypatch.setattr(reading, "stream_search", broken)
    assert quick.search(["search", "a", "--json", "--all", "--db", str(book)]) is None


def test_an_error_after_the_first_byte_is_said_as_the_full_command_says_it(book, capsys,
                                                                          monkeypatch):
    """A book found damaged half-way through `search --all`: what was printed stays, and
    stderr gets the full command's one line, exit 1."""
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    real = reading.with_balances

    def breaks_after_25(conn, contacts):
        for n, pair in enumerate(real(conn, contacts)):
            if n == 25:
                raise sqlite3.DatabaseError("database disk image is malformed")
            yield pair

    monkeypatch.setattr(reading, "with_balances", breaks_after_25)
    monkeypatch.setattr("kontakt.cli.contacts.with_balances", breaks_after_25)
    code, out, err = fast(["search", "common", "--json", "--all", "--db", str(book)], capsys)
    assert (code, out, err) == full(book, ["common", "--json", "--all"])
    assert code == 1 and out.startswith("[\n  {") and out.count('"uid"') == 1  # the first block
    assert err.startswith("Error: ") and "is damaged or unreadable" in err


def test_ctrl_c_is_said_as_click_says_it(monkeypatch, capsys):
    def interrupted(_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(quick, "email", lambda _args: None)
    monkeypatch.setattr(quick, "search", interrupted)
    monkeypatch.setattr(quick, "leave", sys.exit)
    monkeypatch.setattr(sys, "argv", ["kontakt", "search", "a", "--json", "--all"])
    with pytest.raises(SystemExit) as end:
        quick.main()
    assert end.value.code == 1 and capsys.readouterr().err == "\nAborted!\n"


def test_the_installed_command_takes_the_quick_path_without_click(book):
    """A real process, as a script starts it: the same bytes as the full command, none of
    the command line's machinery imported, nor what the quick path does without (typing,
    hashlib, dateutil, inspect, pathlib: ~15 ms of start-up), and `| head` leaving early is no
    error."""
    probe = quick_probe(
        ("click", "kontakt.cli", "kontakt.store.book", "rich", "typing", "hashlib", "dateutil",
         "sqlite_utils", "ast", "tokenize", "pathlib", "kontakt.domain.ledger"),
        after=(
            # inspect's stand-in (quick._defer_inspect) becomes the real module on first use
            "import dataclasses, inspect\n"
            "@dataclasses.dataclass\n"
            "class Undocumented:\n"
            "    a: int\n"
            "from inspect import isclass\n"
            "assert Undocumented.__doc__ == 'Undocumented(a: int)' and isclass(Undocumented)\n"
            "assert sys.modules['inspect'].signature is inspect.signature is dataclasses.inspect.signature\n"
        ),
    )
    env = {**os.environ, "KONTAKT_TODAY": TODAY}
    done = subprocess.run([sys.executable, "-c", probe, "--db", str(book), "search", "müller",
                           "--json"], capture_output=True, text=True, env=env, check=True)
    assert done.stderr.strip() == "exit 0 heavy []"
    assert done.stdout == full(book, ["müller", "--json"])[1] and '"Jürgen Müller"' in done.stdout
    # `kontakt search a --all --json | head -c 100`: the reader leaves after the first block
    reader = subprocess.Popen([sys.executable, "-m", "kontakt", "search", "common", "--all",
                               "--json", "--db", str(book)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env)
    assert reader.stdout.read(100).startswith(b"[\n  {")
    reader.stdout.close()
    assert reader.wait(timeout=30) == 0 and reader.stderr.read() == b""
