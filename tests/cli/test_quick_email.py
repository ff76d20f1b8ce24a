"""`kontakt email`'s quick path (kontakt.quick) against the full command, on awkward data:
the same bytes out, the same exit code, for every term and flag a mail client sends — and
every shape it does not know handed to the full command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest
from click.testing import CliRunner

from book_cli import quick_probe, write_hostile_rows
from kontakt import quick
from kontakt.cli import main
from kontakt.store import crypto
from kontakt.store import db as store_db

TODAY = "2026-11-23"
SQLITE3 = "sqlite3"


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """People whose names, orgs and circles trip naive code, some archived or trashed, more
    than 50 sharing a word, and bytes written by another tool straight into the file."""
    path = tmp_path_factory.mktemp("quick") / "book.db"
    mp = pytest.MonkeyPatch()
    mp.setenv("KONTAKT_TODAY", TODAY)
    mp.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    try:
        runner = CliRunner()
        people = [
            ["Jürgen Müller", "--email", "jm@example.com", "--email", "juergen@mueller.de",
             "--org", "Müller & Söhne"],
            ["Jessica Smith", "--email", "jessica.smith+news@example.org", "--tag", "breakfast",
             "--tag", "round table"],
            ["D'Angelo O'Connor", "--email", "dangelo@example.com"],
            ["Grace Weiß", "--email", "grace@weiss.example"],
            ["王小明", "--email", "xiaoming@example.cn"],
            ["Nobody Withoutmail", "--org", "Mailless GmbH"],
            ["Archie Archived", "--email", "archie@example.com"],
            ["Tina Trashed", "--email", "tina@example.com"],
        ]
        people += [[f"Anna Common{n:02d}", "--email", f"anna{n}@common.example", "--tag", "common"]
                   for n in range(60)]
        for args in people:
            result = runner.invoke(main, ["add", "--db", str(path), *args])
            assert result.exit_code == 0, (args, result.output)
        for args in (["archive", "Archie"], ["rm", "Tina"]):
            result = runner.invoke(main, [args[0], "--db", str(path), *args[1:]])
            assert result.exit_code == 0, (args, result.output)
    finally:
        mp.undo()
    write_hostile_rows(path)
    return path


TERMS = ["müller", "MUELLER", "jm@", "jessica.smith", "smith", "breakfast", "round table",
         "o'connor", "D’Angelo", "weiss", "weiß", "王", "小明", "mailless", "archie", "tina",
         "common", "anna", "evil", "bytes", "nobody-at-all", "@", "  smith  "]
FLAGS = [["--parsable"], ["--parsable", "--remove-first-line"], []]


def full(db: Path, args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["email", "--db", str(db), *args])
    return result.exit_code, result.stdout, result.stderr


def fast(db: Path, args: list[str], capsys) -> tuple[int | None, str, str]:
    capsys.readouterr()
    code = quick.email(["email", "--db", str(db), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("flags", FLAGS, ids=["parsable", "no-first-line", "plain"])
def test_the_quick_path_answers_as_the_full_command_does(book, flags, capsys, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    unanswered = set()
    for term in TERMS:
        code, out, err = fast(book, [*flags, term], capsys)
        assert code is not None, term  # every one of these is the quick path's to answer
        assert (code, out, err) == full(book, [*flags, term]), term
        if code != 0:
            unanswered.add(term)
    # Archived, trashed, mail-less and unknown people are found by neither: the comparison
    # ran on real answers for every other term.
    assert unanswered == {"archie", "tina", "mailless", "nobody-at-all", "@"}


def test_what_the_quick_path_shows_and_leaves_out(book, capsys):
    _, out, _ = fast(book, ["--parsable", "common"], capsys)
    lines = out.splitlines()
    assert lines[0] == "kontakt: 50 matching addresses" and len(lines) == 51  # the limit
    _, out, _ = fast(book, ["--parsable", "evil"], capsys)
    [line] = out.splitlines()[1:]
    assert line.count("\t") == 2 and "\x1b" not in line and "\u202e" not in line
    assert "␛" in line  # shown, not obeyed
    code, out, _ = fast(book, ["--parsable", "archie"], capsys)
    assert (code, out) == (1, "kontakt: no match\n")  # archived people are not offered
    _, out, _ = fast(book, ["--parsable", "bytes"], capsys)
    assert "\ufffd" in out  # bytes that are not UTF-8 read leniently, as the full command does


@pytest.mark.parametrize("args", [
    ["email"], ["email", "--help"], ["email", "-h"], ["email", "a", "b"],
    ["email", "--json", "x"], ["email", "--", "x"], ["email", "x", "--db"],
    ["email", "x", "--db", "--parsable"], ["email", ""], ["email", "  "],
    ["search", "x"], [], ["email", "x", "--db="], ["--db", "--parsable", "email", "x"],
    ["--db"], ["--db=", "email", "x"], ["--verbose", "email", "x"],
])
def test_shapes_it_does_not_know_go_to_the_full_command(args):
    assert quick.email(args) is None


@pytest.mark.parametrize("where", ["--db BOOK email", "--db=BOOK email", "email --db BOOK",
                                   "email --db=BOOK"])
def test_the_book_may_be_named_before_or_after_the_command(where, book, capsys, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    words = [w.replace("BOOK", str(book)) for w in where.split()]
    args = [*words, "--parsable", "müller"]
    capsys.readouterr()
    assert quick.email(args) == 0
    out = capsys.readouterr().out
    assert out == full(book, ["--parsable", "müller"])[1] and out.startswith("kontakt: 2 ")


def test_books_it_does_not_answer_for_go_to_the_full_command(book, tmp_path, monkeypatch):
    assert quick.email(["email", "x", "--db", str(tmp_path / "missing.db")]) is None
    assert quick.email(["email", "x", "--db", str(tmp_path)]) is None  # a directory
    other = tmp_path / "other.db"
    subprocess.run([SQLITE3, str(other), "CREATE TABLE t (x);"], check=True)
    assert quick.email(["email", "x", "--db", str(other)]) is None  # another program's
    older = tmp_path / "older.db"
    subprocess.run([SQLITE3, str(book), f".backup '{older}'"], check=True)
    subprocess.run([SQLITE3, str(older), "PRAGMA user_version = 3;"], check=True)
    assert quick.email(["email", "müller", "--db", str(older)]) is None  # needs migrating
    secret = tmp_path / "secret.db"
    subprocess.run([SQLITE3, str(book), f".backup '{secret}'"], check=True)
    crypto.encrypt(secret, "correct horse")
    store_db._passphrases.clear()
    monkeypatch.setenv(store_db.PASSPHRASE_ENV, "correct horse")
    try:
        assert quick.email(["email", "müller", "--db", str(secret)]) is None
    finally:
        store_db._passphrases.clear()


def test_the_book_comes_from_db_then_kontakt_db_then_the_data_dir(book, tmp_path, monkeypatch,
                                                                  capsys):
    monkeypatch.setenv("KONTAKT_DB", str(book))
    code, out, _ = fast(book, ["--parsable", "weiß"], capsys)
    capsys.readouterr()
    assert quick.email(["email", "--parsable", "weiß"]) == code == 0
    assert capsys.readouterr().out == out
    monkeypatch.delenv("KONTAKT_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert quick.email(["email", "--parsable", "weiß"]) is None  # no book there yet
    (tmp_path / "data" / "kontakt").mkdir(parents=True)
    subprocess.run([SQLITE3, str(book), f".backup '{tmp_path / 'data' / 'kontakt' / 'kontakt.db'}'"],
                   check=True)
    capsys.readouterr()
    assert quick.email(["email", "--parsable", "weiß"]) == 0
    assert capsys.readouterr().out == out


@pytest.mark.parametrize("xdg", [None, "", "   ", "/srv/data", "/srv/data/", "relative/dir"])
@pytest.mark.parametrize("home", [None, "/home/ada", "/home/ada/", "/", "relative"])
def test_its_data_dir_is_platformdirs_own(xdg, home, monkeypatch):
    for name, value in (("XDG_DATA_HOME", xdg), ("HOME", home)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    try:
        expected = Path(platformdirs.user_data_dir("kontakt"))
    except RuntimeError:  # no home directory platformdirs can name: the same error here
        with pytest.raises(RuntimeError):
            quick.user_data_dir()
        return
    assert Path(quick.user_data_dir()) == expected


def test_the_installed_command_takes_the_quick_path_without_click(book, tmp_path):
    """A real process, as mutt starts it: same bytes as the full command, and none of the
    command line's machinery imported."""
    probe = quick_probe(("click", "kontakt.cli", "kontakt.store.book", "rich"))
    env = {**os.environ, "KONTAKT_TODAY": TODAY}
    done = subprocess.run([sys.executable, "-c", probe, "email", "--parsable", "müller",
                           "--db", str(book)], capture_output=True, text=True, env=env, check=True)
    assert done.stderr.strip() == "exit 0 heavy []"
    assert done.stdout == full(book, ["--parsable", "müller"])[1]
    assert done.stdout.startswith("kontakt: 2 matching addresses\n")
    script = Path(sys.executable).parent / "kontakt"
    if script.exists():  # the console script goes through kontakt.quick too
        shown = subprocess.run([str(script), "email", "--parsable", "müller", "--db", str(book)],
                               capture_output=True, text=True, env=env)
        assert (shown.returncode, shown.stdout) == (0, done.stdout)
    # and a shape it does not know still reaches the full command line
    helped = subprocess.run([sys.executable, "-m", "kontakt", "email", "--help"],
                            capture_output=True, text=True, env=env)
    assert helped.returncode == 0 and "mutt" in helped.stdout
