"""Backups: the daily snapshot before the first write, rotation, on demand, and restoring."""

from __future__ import annotations

import logging
from kontakt.store.driver import sqlite3
import stat
from datetime import date, timedelta

import pytest

from kontakt.store import Book, BookError
from kontakt.store import backup as backups
from kontakt.store.backup import BackupError, backup_now, restore, rotate, snapshots

TODAY = date(2026, 11, 23)


@pytest.fixture
def clock(monkeypatch):
    """The backup day, movable by the test."""
    state = {"day": TODAY}
    monkeypatch.setattr(backups, "today", lambda: state["day"])
    return state


@pytest.fixture
def book_path(tmp_path):
    return tmp_path / "book.db"


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _names(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM contacts ORDER BY name")]
    finally:
        conn.close()


def _dailies(book_path) -> list[str]:
    return sorted(s.path.name for s in snapshots(book_path) if s.kind == "daily")


@pytest.mark.dated
def test_the_first_write_of_the_day_takes_a_checked_private_backup_before_it(book_path, clock):
    with Book.open(book_path) as book:
        book.add_contact("Ada", today=TODAY)  # a brand-new empty book: nothing to back up
        assert snapshots(book_path) == []
        clock["day"] = TODAY + timedelta(days=1)
        book.add_contact("Grace", today=TODAY)
        book.add_contact("Linus", today=TODAY)
    [taken] = snapshots(book_path)
    assert taken.path.name == "book.2026-11-24.db"
    # Taken before the day's first write: it holds Ada, not the Grace added right after.
    assert _names(taken.path) == ["Ada"]
    assert _mode(taken.path) == 0o600
    assert _mode(taken.path.parent) == 0o700
    assert sorted(p.name for p in taken.path.parent.iterdir()) == ["book.2026-11-24.db"]
    conn = sqlite3.connect(taken.path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_later_writes_that_day_and_other_processes_that_day_take_no_new_backup(book_path, clock):
    with Book.open(book_path) as book:
        book.add_contact("Ada", today=TODAY)
    clock["day"] = TODAY + timedelta(days=1)
    with Book.open(book_path) as book:
        book.add_contact("Grace", today=TODAY)
        first = snapshots(book_path)[0].path.stat().st_mtime_ns
    # A second process the same day reads the day from the settings table.
    with Book.open(book_path) as book:
        book.add_contact("Linus", today=TODAY)
    assert _dailies(book_path) == ["book.2026-11-24.db"]
    assert snapshots(book_path)[0].path.stat().st_mtime_ns == first
    assert _names(snapshots(book_path)[0].path) == ["Ada"]


def test_the_backup_is_never_taken_inside_a_transaction(book_path, clock):
    with Book.open(book_path) as book:
        book.add_contact("Ada", today=TODAY)
        clock["day"] = TODAY + timedelta(days=1)
        with book.write():
            book.add_contact("Grace", today=TODAY)  # nested write: a savepoint, no backup
            assert snapshots(book_path) != []  # taken by the outer write, before BEGIN
    assert _names(snapshots(book_path)[0].path) == ["Ada"]


@pytest.mark.dated
def test_rotation_keeps_seven_days_and_four_weeks(book_path, clock):
    with Book.open(book_path) as book:
        book.add_contact("Ada", today=TODAY)
        start = date(2026, 9, 1)
        for offset in range(60):
            clock["day"] = start + timedelta(days=offset)
            book.add_contact(f"Person {offset}", today=TODAY)
    kept = _dailies(book_path)
    last = start + timedelta(days=59)  # 2026-10-30
    daily = [(last - timedelta(days=n)).isoformat() for n in range(7)]
    assert [f"book.{d}.db" for d in sorted(daily)] == kept[-7:]
    older = [date.fromisoformat(name.split(".")[1]) for name in kept[:-7]]
    assert len(older) == 4
    weeks = [d.isocalendar()[:2] for d in older]
    assert len(set(weeks)) == 4  # one per week, the newest of each
    for d in older:
        assert d.weekday() == 6 or d == last - timedelta(days=7)


def test_rotation_never_deletes_manual_backups_or_other_books(book_path, clock, tmp_path):
    with Book.open(book_path) as book:
        book.add_contact("Ada", today=TODAY)
        manual = backup_now(book)
    directory = manual.parent
    other = directory / "other.2020-01-01.db"
    other.write_bytes(b"x")
    for n in range(12):
        (directory / f"book.2025-01-{n + 1:02d}.db").write_bytes(b"x")
    rotate(book_path)
    assert manual.exists() and other.exists()
    # Jan 6–12 are the seven days; Jan 1–5 all fall in ISO week 1, whose newest (Jan 5) stays.
    assert _dailies(book_path)[0] == "book.2025-01-05.db"
    assert len(_dailies(book_path)) == 7 + 1


def test_no_auto_backup_env_turns_it_off(book_path, clock, monkeypatch):
    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    with Book.open(book_path) as book:
        book.add_contact("Ada", today=TODAY)
        clock["day"] = TODAY + timedelta(days=1)
        book.add_contact("Grace", today=TODAY)
    assert snapshots(book_path) == []


def test_auto_backup_can_be_turned_off_per_book(book_path, clock):
    with Book.open(book_path) as book:
        book.auto_backup = False
        book.add_contact("Ada", today=TODAY)
        clock["day"] = TODAY + timedelta(days=1)
        book.add_contact("Grace", today=TODAY)
    assert snapshots(book_path) == []


def test_a_failing_backup_warns_and_never_breaks_the_write(book_path, clock, caplog):
    with Book.open(book_path) as book:
        book.add_contact("Ada", today=TODAY)
    (book_path.parent / "backups").write_text("a file where the backup directory should be")
    clock["day"] = TODAY + timedelta(days=1)
    with Book.open(book_path) as book, caplog.at_level(logging.WARNING, "kontakt.backup"):
        book.add_contact("Grace", today=TODAY)
        book.add_contact("Linus", today=TODAY)
        assert "automatic backup failed" in book.backup_problem
    assert _names(book_path) == ["Ada", "Grace", "Linus"]
    assert len([r for r in caplog.records if "backup failed" in r.getMessage()]) == 1


def test_a_backup_that_fails_its_integrity_check_is_not_kept(book_path, monkeypatch):
    with Book.open(book_path) as book:
        book.add_contact("Ada", today=TODAY)
        monkeypatch.setattr(backups, "_integrity", lambda conn: "*** page 3 is never used")
        with pytest.raises(BackupError, match="integrity"):
            backup_now(book, book_path.parent / "copy.db")
    assert sorted(p.name for p in book_path.parent.iterdir() if "copy" in p.name) == []


def test_backup_now_refuses_to_overwrite_a_file(book_path, tmp_path):
    target = tmp_path / "exists.db"
    target.write_text("precious")
    with Book.open(book_path) as book:
        with pytest.raises(BackupError, match="already exists"):
            backup_now(book, target)
        with pytest.raises(BackupError, match="does not exist"):
            backup_now(book, tmp_path / "missing" / "x.db")
    assert target.read_text() == "precious"


def test_restoring_a_backup_swaps_the_book_and_keeps_the_old_one(book_path, tmp_path):
    with Book.open(book_path) as book:
        book.add_contact("Ada", today=TODAY)
        saved = backup_now(book, tmp_path / "saved.db")
        book.add_contact("Mistake", today=TODAY)
    before = saved.read_bytes()
    result = restore(book_path, saved)
    assert _names(book_path) == ["Ada"]
    assert result.contacts == 1
    assert _names(result.saved_as) == ["Ada", "Mistake"]
    assert _mode(result.saved_as) == 0o600
    assert saved.read_bytes() == before  # the backup file itself is only read
    with Book.open(book_path) as book:
        assert book.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert book.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        book.add_contact("Grace", today=TODAY)  # the restored book takes writes
    assert _names(book_path) == ["Ada", "Grace"]


def test_an_open_book_sees_the_restore_like_any_other_write(book_path, tmp_path):
    with Book.open(book_path) as book:
        book.add_contact("Ada", today=TODAY)
        saved = backup_now(book, tmp_path / "saved.db")
        book.add_contact("Mistake", today=TODAY)
        version = book.data_version()
        restore(book_path, saved)
        assert book.data_version() != version
        assert [c.name for c in book.list_contacts()] == ["Ada"]


@pytest.mark.parametrize("content", [b"name,email\nAda,ada@example.com\n", b""])
def test_restoring_something_that_is_not_a_backup_changes_nothing(book_path, tmp_path, content):
    with Book.open(book_path) as book:
        book.add_contact("Ada", today=TODAY)
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(content)
    before = book_path.read_bytes()
    with pytest.raises(BackupError, match="not a kontakt backup"):
        restore(book_path, bogus)
    assert book_path.read_bytes() == before
    assert not (tmp_path / "backups").exists()
    assert bogus.read_bytes() == content


def test_restoring_a_damaged_backup_changes_nothing(book_path, tmp_path):
    with Book.open(book_path) as book:
        for n in range(300):
            book.add_contact(f"Person {n}", today=TODAY, notes="words " * 50)
        saved = backup_now(book, tmp_path / "saved.db")
    data = bytearray(saved.read_bytes())
    data[4096 * 3 : 4096 * 3 + 200] = b"\xff" * 200  # scribble over a b-tree page
    saved.write_bytes(bytes(data))
    before = book_path.read_bytes()
    with pytest.raises(BackupError, match="damaged|cannot be read"):
        restore(book_path, saved)
    assert book_path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".restore")] == []


def test_restoring_a_sqlite_file_that_is_not_a_book_or_is_newer_is_refused(book_path, tmp_path):
    with Book.open(book_path) as book:
        book.add_contact("Ada", today=TODAY)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    with pytest.raises(BackupError, match="not a kontakt book"):
        restore(book_path, other)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(BackupError, match="newer kontakt"):
        restore(book_path, other)
    assert _names(book_path) == ["Ada"]


def test_restoring_into_a_place_without_a_book_creates_it(tmp_path):
    source_path = tmp_path / "source.db"
    with Book.open(source_path) as book:
        book.add_contact("Ada", today=TODAY)
        saved = backup_now(book, tmp_path / "saved.db")
    result = restore(tmp_path / "new.db", saved)
    assert result.saved_as is None
    assert _names(tmp_path / "new.db") == ["Ada"]
    assert _mode(tmp_path / "new.db") == 0o600


def test_restoring_over_a_file_that_is_not_a_book_is_refused(tmp_path):
    source_path = tmp_path / "source.db"
    with Book.open(source_path) as book:
        book.add_contact("Ada", today=TODAY)
        saved = backup_now(book, tmp_path / "saved.db")
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    with pytest.raises(BookError):
        restore(notes, saved)
    assert notes.read_text() == "my notes"
    assert not (tmp_path / "backups").exists()


def test_two_restores_in_the_same_second_keep_both_safety_copies(book_path, tmp_path, monkeypatch):
    # Reproduced before: the second before-restore copy replaced the first, and the contact
    # only the first held was gone for good. The clock is pinned so both share one stamp.
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T10:00:00+00:00")
    with Book.open(book_path) as book:
        book.add_contact("Ada", today=TODAY)
        saved = backup_now(book, tmp_path / "saved.db")
        book.add_contact("Only In The First Copy", today=TODAY)
    first = restore(book_path, saved)
    with Book.open(book_path) as book:
        book.add_contact("Only In The Second Copy", today=TODAY)
    second = restore(book_path, saved)
    assert first.saved_as != second.saved_as
    assert first.saved_as.name == "book.before-restore-2026-11-23T100000.db"
    assert second.saved_as.name == "book.before-restore-2026-11-23T100000-2.db"
    assert _names(first.saved_as) == ["Ada", "Only In The First Copy"]
    assert _names(second.saved_as) == ["Ada", "Only In The Second Copy"]
    assert {s.path for s in snapshots(book_path)} >= {first.saved_as, second.saved_as}


def test_two_manual_backups_in_the_same_second_get_two_files(book_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T10:00:00+00:00")
    with Book.open(book_path) as book:
        book.add_contact("Ada", today=TODAY)
        one = backup_now(book)
        two = backup_now(book)
    assert one != two and one.exists() and two.exists()
    assert _mode(one) == _mode(two) == 0o600


def test_a_failed_snapshot_leaves_neither_the_reserved_name_nor_a_temporary(book_path, monkeypatch):
    monkeypatch.setattr(backups, "_integrity", lambda conn: "page 3: broken")
    with Book.open(book_path) as book:
        book.add_contact("Ada", today=TODAY)
        with pytest.raises(BackupError):
            backup_now(book)
    leftovers = sorted(p.name for p in backups.backup_dir(book_path).iterdir())
    assert leftovers == []
