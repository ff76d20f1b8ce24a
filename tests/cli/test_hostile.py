"""A hostile --db: each case is one clear line, exit 1, and the file is left exactly as it was."""

from __future__ import annotations

import os
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
    "read-only file": (_read_only_book, "read-only"),
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
