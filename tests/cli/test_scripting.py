"""kontakt as people script it from a shell: odd environments, other programs' files, pipes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from book_cli import kontakt_on, ok, refused
from kontakt.store.driver import sqlite3


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _places(path: Path, user_version: int) -> Path:
    """A database shaped like Firefox's places.sqlite, which sets its own user_version."""
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT, title TEXT);"
        "CREATE TABLE moz_bookmarks (id INTEGER PRIMARY KEY, fk INTEGER, title TEXT);"
        "INSERT INTO moz_places VALUES (1, 'https://example.org', 'Example');"
        f"PRAGMA user_version = {user_version};"
    )
    conn.close()
    return path


@pytest.mark.parametrize("user_version", [5, 20, 74])
def test_another_programs_database_with_a_user_version_is_refused_untouched(
    tmp_path, monkeypatch, user_version
):
    # 5 used to be migrated (kontakt's tables written into it), 74 was "a newer kontakt".
    places = _places(tmp_path / "places.sqlite", user_version)
    before = _digest(places)
    run = kontakt_on(places, monkeypatch, "2026-12-05", backups=False)
    for args in (["today", "--brief"], ["list", "--json"], ["add", "Ada"], ["email", "x"]):
        line = refused(run(*args))
        assert "another program" in line and "newer" not in line, line
    assert _digest(places) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["places.sqlite"]  # no backup, no WAL


@pytest.fixture
def small_book(tmp_path, monkeypatch):
    db = tmp_path / "book.db"
    run = kontakt_on(db, monkeypatch, "2026-12-05", backups=False)
    ok(run("add", "Jürgen Müller", "--email", "jm@example.com", "--every", "weekly"))
    ok(run("add", "Ada Lovelace", "--email", "ada@example.com"))
    return db, run


def test_columns_zero_does_not_swallow_the_output(small_book, monkeypatch):
    # Some terminals and CI runners export COLUMNS=0; rich took it as a width of 0 columns.
    _db, run = small_book
    monkeypatch.setenv("COLUMNS", "0")
    shown = ok(run("show", "jürgen"))
    assert "Jürgen Müller" in shown and "jm@example.com" in shown
    found = ok(run("search", "ada"))
    assert "Ada Lovelace" in found
    assert "Jürgen Müller" in ok(run("list"))


def test_today_brief_never_stops_a_shell_to_ask_for_a_passphrase(small_book, monkeypatch):
    # A shell profile's `kontakt today --brief` on a terminal waited at "Passphrase for …:".
    import keyring
    from keyring.backends import fail

    from kontakt.cli import secret
    from kontakt.store import crypto
    from kontakt.store import db as store_db

    db, run = small_book
    ok(run("follow-up", "jürgen", "--on", "today", "--note", "call back"))
    crypto.encrypt(db, "tea at five")
    keyring.set_keyring(fail.Keyring())
    monkeypatch.delenv(store_db.PASSPHRASE_ENV, raising=False)
    monkeypatch.setattr(store_db, "_passphrases", {})
    monkeypatch.setattr(store_db, "passphrase_sources", store_db.passphrase_sources)
    monkeypatch.setattr(secret, "_on_terminal", lambda: True)
    asked: list[str] = []
    monkeypatch.setattr(secret.click, "prompt", lambda text, **_: asked.append(text) or "x")
    line = refused(run("today", "--brief"))
    assert "encrypted and no passphrase was given" in line and asked == []
    monkeypatch.setenv(store_db.PASSPHRASE_ENV, "tea at five")
    assert ok(run("today", "--brief")) == "1 person today: Jürgen\n"
    # Without --brief, a terminal still asks (the prompt this test stands in for).
    store_db._passphrases.clear()
    monkeypatch.delenv(store_db.PASSPHRASE_ENV)
    refused(run("today"))
    assert len(asked) == 3


def test_import_from_stdin_reports_its_source_as_a_dash_in_json(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from kontakt.cli import main

    monkeypatch.setenv("KONTAKT_TODAY", "2026-12-05")
    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    csv_text = "name,email\nJürgen Müller,jm@example.com\nAda Lovelace,ada@example.com\n"
    result = CliRunner().invoke(
        main, ["import", "-", "--json", "--db", str(tmp_path / "b.db")], input=csv_text.encode()
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["source"] == "-" and report["added"] == 2 and report["format"] == "csv"


def test_a_raw_control_character_inside_a_stored_list_does_not_break_every_command(
    small_book, capsys, monkeypatch
):
    # The sqlite3 tool (or another program) can store '["a<LF>b@x.org"]': valid to SQLite,
    # not to a strict JSON decoder, which stopped show, list, search, email, dupes and export.
    import json
    import subprocess

    from kontakt import quick

    db, run = small_book
    subprocess.run(["sqlite3", str(db), """
        UPDATE contacts SET emails = '["a' || char(10) || 'b@x.org", "c' || char(9) || 'd@x.org"]',
                            phones = '["+49' || char(10) || '1"]', tags = '["t' || char(9) || 'ag"]'
        WHERE name = 'Ada Lovelace';
    """], check=True)
    shown = json.loads(ok(run("show", "ada", "--json")))
    assert shown["emails"] == ["a\nb@x.org", "c\td@x.org"] and shown["phones"] == ["+49\n1"]
    listed = json.loads(ok(run("list", "--json")))
    assert [c["tags"] for c in listed if c["name"] == "Ada Lovelace"] == [["t\tag"]]
    assert len(json.loads(ok(run("search", "ada", "--json")))) == 1
    parsable = ok(run("email", "x.org", "--parsable")).splitlines()
    assert len(parsable) == 3 and all(line.count("\t") == 2 for line in parsable[1:])
    capsys.readouterr()
    assert quick.email(["email", "--db", str(db), "--parsable", "x.org"]) == 0  # the fast path
    assert capsys.readouterr().out.splitlines()[1:] == parsable[1:]
    export = kontakt_on(db, monkeypatch, "2026-12-05", backups=False, db_first=True)
    exported = json.loads(ok(export("export", "json")))
    assert ["a\nb@x.org", "c\td@x.org"] in [c["emails"] for c in exported["contacts"]]
    assert "EMAIL:a\\nb@x.org" in ok(export("export", "vcard"))
    ok(run("dupes"))
    ok(run("edit", "ada", "--org", "Engines"))


@pytest.mark.parametrize("fmt", ["csv", "vcard", "json", "ics"])
def test_an_export_to_stdout_is_utf8_whatever_the_locale(small_book, fmt):
    # LC_ALL=C with PYTHONUTF8=0, or a Latin-1 locale: stdout's encoding is not UTF-8.
    from click.testing import CliRunner

    from kontakt.cli import main

    db, _run = small_book
    result = CliRunner(charset="ascii").invoke(main, ["--db", str(db), "export", fmt])
    assert result.exit_code == 0, result.stderr
    text = result.stdout_bytes.decode("utf-8")
    assert "Müller" in text or "M\\u00fcller" in text


def test_an_export_with_stdout_closed_says_so_in_one_line(small_book):
    # A real process: only there is sys.stdout None (`kontakt export csv >&-` in a script).
    import os
    import subprocess
    import sys

    db, _run = small_book
    env = dict(os.environ, KONTAKT_NO_AUTO_BACKUP="1", KONTAKT_TODAY="2026-12-05")
    for fmt in ("csv", "ics"):  # ics exited 0 having written nothing
        done = subprocess.run(
            [sys.executable, "-m", "kontakt", "--db", str(db), "export", fmt],
            env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=30,
            preexec_fn=lambda: os.close(1),  # the child starts with no fd 1, as after >&-
        )
        assert done.returncode == 1, fmt
        assert done.stderr == "Error: standard output is closed: nowhere to export to (give -o FILE)\n"


def test_arguments_typed_in_utf8_are_read_as_utf8_in_a_c_locale(small_book):
    # A real process: argv is decoded by Python at start-up, by the locale's encoding.
    import os
    import subprocess
    import sys

    db, _run = small_book
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_") and k != "LANG"}
    env.update(LC_ALL="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0",
               KONTAKT_NO_AUTO_BACKUP="1", KONTAKT_TODAY="2026-12-05")
    done = subprocess.run([sys.executable, "-m", "kontakt", "--db", str(db), "show", "jürgen"],
                          env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode("utf-8").startswith("Jürgen Müller\n")


@pytest.mark.parametrize(("encoding", "arg", "expected"), [
    ("ascii", "J\udcc3\udcbcrgen", "Jürgen"),        # C locale: UTF-8 bytes as surrogates
    ("iso-8859-1", "JÃ¼rgen", "Jürgen"),              # Latin-1 locale, UTF-8 terminal
    ("iso-8859-1", "Jürgen", "Jürgen"),               # Latin-1 locale and terminal: b"J\xfc…"
    ("ascii", "J\udcfcrgen", "J\udcfcrgen"),          # no UTF-8: left as Python read it
    ("utf-8", "Jürgen", "Jürgen"),
])
def test_utf8_argument(monkeypatch, encoding, arg, expected):
    from kontakt import quick

    monkeypatch.setattr(quick.sys, "getfilesystemencoding", lambda: encoding)
    assert quick.utf8_argument(arg) == expected


@pytest.mark.parametrize("args", [["list"], ["email", "example", "--parsable"]])
def test_output_to_a_full_disk_is_one_line_that_does_not_claim_a_rollback(small_book, args):
    # A real process writing to /dev/full; `email` is answered by kontakt.quick's fast path.
    import os
    import subprocess
    import sys

    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    db, _run = small_book
    env = dict(os.environ, KONTAKT_NO_AUTO_BACKUP="1", KONTAKT_TODAY="2026-12-05")
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "kontakt", "--db", str(db), *args],
                              env=env, stdin=subprocess.DEVNULL, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=30)
    assert done.returncode == 1
    assert done.stderr == ("Error: disk full: no space left on the device; "
                           "free some space and try again\n")


@pytest.mark.parametrize("fmt", ["csv", "vcard", "json", "ics"])
def test_an_export_typed_at_a_terminal_shows_stored_control_bytes_and_a_pipe_gets_them(
    small_book, monkeypatch, fmt
):
    # `kontakt export csv` typed to look: a name with ESC [2J would clear the screen.
    import subprocess

    from click.testing import CliRunner

    from kontakt.cli import main, render, transfer

    db, _run = small_book
    subprocess.run(["sqlite3", str(db), "UPDATE contacts SET name = 'Esc' || char(27) || '[2J'"
                    " || char(155) || 'x' || char(8238) || 'y' WHERE name = 'Jürgen Müller'"],
                   check=True)
    argv = ["--db", str(db), "export", fmt]
    piped = CliRunner().invoke(main, argv)
    assert piped.exit_code == 0, piped.output
    if fmt != "json":  # JSON writes them as \u escapes anyway
        assert "\x1b[2J" in piped.stdout and "\u202e" in piped.stdout
    for module in (render, transfer):
        monkeypatch.setattr(module, "stdout_is_terminal", lambda: True, raising=False)
    shown = CliRunner().invoke(main, argv)
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.stdout and "\x9b" not in shown.stdout
    assert "\u202e" not in shown.stdout and "\r" not in shown.stdout
    if fmt != "json":
        assert "Esc␛[2J" in shown.stdout
    assert shown.stdout.count("\n") == piped.stdout.count("\n")


def test_an_empty_db_or_kontakt_db_is_refused_not_the_users_own_book(tmp_path, monkeypatch):
    """`kontakt --db "$BOOK" add …` or `KONTAKT_DB=$BOOK` with BOOK unset read and wrote the
    user's own book in the data dir instead of the one the script meant."""
    import subprocess
    import sys

    from click.testing import CliRunner

    from kontakt.cli import main
    from kontakt.paths import default_book_path

    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    runner = CliRunner()
    for argv in (["--db", "", "add", "Ada"], ["add", "Ada", "--db", ""], ["list", "--db", " "]):
        result = runner.invoke(main, argv)
        assert result.exit_code == 2 and "--db: empty (an unset variable?)" in result.stderr, argv
    monkeypatch.setenv("KONTAKT_DB", "")
    for argv in (["add", "Ada"], ["today", "--brief"]):
        result = runner.invoke(main, argv)
        assert result.exit_code == 2 and "KONTAKT_DB is set but empty" in result.stderr, argv
    # The quick path (mutt's lookup) leaves it to the full command, which says the same.
    done = subprocess.run([sys.executable, "-m", "kontakt", "email", "--parsable", "ada"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "KONTAKT_DB is set but empty" in done.stderr
    assert not default_book_path().exists()
