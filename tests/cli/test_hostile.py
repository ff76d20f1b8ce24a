"""A hostile --db: each case is one clear line, exit 1, and the file is left exactly as it was."""

from __future__ import annotations

import os
import stat
import re
from kontakt.store.driver import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.store import Book

ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False

COMMANDS = [
    ["list"],
    ["add", "Ada"],
    ["show", "ada"],
    ["log", "ada"],
    ["rm", "ada"],
    ["trash"],
    ["trash", "--empty", "--yes"],
    ["restore", "ada"],
    ["backup"],
]


def _snapshot(path: Path) -> dict[str, bytes | None]:
    """Everything in the directory around the --db path, to prove nothing changed."""
    parent = path if path.is_dir() else path.parent
    state: dict[str, bytes | None] = {}
    if not parent.exists():
        return {str(parent): None}
    for item in sorted(parent.rglob("*")):
        state[str(item)] = item.read_bytes() if item.is_file() else None
    return state


def _text_file(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.txt"
    path.write_text("Ada Lovelace, ada@example.com\nGrace Hopper\n")
    return path


def _directory(tmp_path: Path) -> Path:
    path = tmp_path / "folder"
    path.mkdir()
    (path / "keep.txt").write_text("mine")
    return path


def _missing_dir(tmp_path: Path) -> Path:
    return tmp_path / "no" / "such" / "dir" / "book.db"


def _newer_book(tmp_path: Path) -> Path:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO contacts (name) VALUES ('Ada')")
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    return path


def _read_only_book(tmp_path: Path) -> Path:
    path = tmp_path / "readonly.db"
    with Book.open(path) as book:
        book.add_contact("Ada", today=date(2026, 11, 23))
    os.chmod(path, 0o400)
    return path


CASES = {
    "text file": (_text_file, "not a kontakt book"),
    "directory": (_directory, "is a directory"),
    "missing directory": (_missing_dir, "does not exist|no book at"),
    "newer version": (_newer_book, "newer kontakt"),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_hostile_db_gets_one_clear_line_and_is_left_untouched(
    request, tmp_path, case, command, monkeypatch
):
    monkeypatch.setenv("KONTAKT_TODAY", "2026-11-23")
    make, expected = CASES[case]
    path = make(tmp_path)
    before = _snapshot(path)
    result = CliRunner().invoke(main, [command[0], "--db", str(path), *command[1:]])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert re.search(expected, line)
    assert "Traceback" not in result.output
    assert _snapshot(path) == before


@pytest.mark.parametrize("case", list(CASES))
def test_doctor_reports_a_hostile_db_and_touches_nothing(request, tmp_path, case):
    make, expected = CASES[case]
    path = make(tmp_path)
    before = _snapshot(path)
    result = CliRunner().invoke(main, ["doctor", "--fix", "--db", str(path)])
    assert result.exit_code == 1
    assert re.search(expected, result.stdout)
    assert _snapshot(path) == before


READ_COMMANDS = [["list"], ["show", "ada"], ["search", "ada"], ["trash"], ["today"], ["stats"]]
WRITE_COMMANDS = [
    ["add", "Grace"], ["log", "ada"], ["rm", "ada"], ["trash", "--empty", "--yes"],
    ["restore", "ada"], ["favour", "ada", "--gave", "advice"],
]


def test_the_read_only_test_book_really_is_read_only_by_the_bits_kontakt_checks(tmp_path):
    # CI runs as root, for whom os.access always says "writable": kontakt reads the mode bits.
    path = _read_only_book(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o400
    from kontakt.store.db import is_writable

    assert not is_writable(path)


@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_a_read_only_book_can_still_be_read(tmp_path, command, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", "2026-11-23")
    path = _read_only_book(tmp_path)
    before = _snapshot(path)
    result = CliRunner().invoke(main, [command[0], "--db", str(path), *command[1:]])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    if command[0] in ("list", "show", "search"):
        assert "Ada" in result.stdout
    _assert_book_unchanged(path, before)


def _assert_book_unchanged(path: Path, before: dict[str, bytes | None]) -> None:
    # SQLite may leave an empty -wal and a -shm beside a WAL book it only read: not the book.
    after = _snapshot(path)
    assert after[str(path)] == before[str(path)]
    assert not after.get(f"{path}-wal")


def test_a_read_only_book_can_be_exported(tmp_path, monkeypatch):
    path = _read_only_book(tmp_path)
    out = tmp_path / "out" / "ada.csv"
    out.parent.mkdir()
    result = CliRunner().invoke(main, ["export", "csv", "--db", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Ada" in out.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("command", WRITE_COMMANDS, ids=" ".join)
def test_a_read_only_book_refuses_writes_in_one_line_and_stays_untouched(tmp_path, command, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", "2026-11-23")
    path = _read_only_book(tmp_path)
    if command[0] in ("restore", "trash"):  # something must be in the trash to act on it
        os.chmod(path, 0o600)
        with Book.open(path) as book:
            book.trash_contact(book.list_contacts()[0].id)
        os.chmod(path, 0o400)
    before = _snapshot(path)
    result = CliRunner().invoke(main, [command[0], "--db", str(path), *command[1:]])
    assert result.exit_code == 1, result.output
    [line] = result.stderr.splitlines()
    assert f"{path} is read-only" in line
    _assert_book_unchanged(path, before)


def test_doctor_checks_a_read_only_book_and_changes_nothing(tmp_path):
    path = _read_only_book(tmp_path)
    before = _snapshot(path)
    result = CliRunner().invoke(main, ["doctor", "--fix", "--db", str(path)])
    assert "read-only" in result.stdout
    assert "integrity_check: ok" in result.stdout
    _assert_book_unchanged(path, before)
    assert stat.S_IMODE(path.stat().st_mode) == 0o400


@pytest.mark.parametrize("case", list(CASES))
def test_restore_backup_into_a_hostile_db_is_refused(request, tmp_path, case):
    source = tmp_path / "source" / "book.db"
    source.parent.mkdir()
    with Book.open(source) as book:
        book.add_contact("Ada", today=date(2026, 11, 23))
    make, expected = CASES[case]
    path = make(tmp_path)
    before = _snapshot(path)
    result = CliRunner().invoke(main, ["restore-backup", "--db", str(path), str(source)])
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert _snapshot(path) == before


def test_the_real_command_line_refuses_a_text_file_without_a_traceback(tmp_path):
    path = _text_file(tmp_path)
    before = path.read_bytes()
    env = {**os.environ, "KONTAKT_NO_AUTO_BACKUP": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "kontakt", "add", "Ada", "--db", str(path)],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"Error: {path} is not a kontakt book (not a SQLite database); left untouched"
    ]
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contacts.txt"]
