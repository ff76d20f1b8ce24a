"""rm, trash, restore, backup, restore-backup and doctor as a user runs them."""

from __future__ import annotations

import json
from contextlib import contextmanager
import os
from kontakt.store.driver import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.store import Book

TODAY = "2026-11-23"


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "book.db"


@pytest.fixture
def kontakt(db, monkeypatch):
    """Run `kontakt CMD --db <tmp> ARGS…` in-process with a fixed today."""
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(main, [*args[:1], "--db", str(db), *args[1:]], input=input)

    return run


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.stdout


def names(db: Path) -> list[str]:
    with Book.open(db) as book:
        return [c.name for c in book.list_contacts(archived=None)]


@pytest.fixture
def network(kontakt):
    ok(kontakt("add", "Ada Lovelace", "--email", "ada@example.com", "--note", "engines"))
    ok(kontakt("add", "Grace Hopper", "--tag", "navy"))
    ok(kontakt("add", "Adam Smith"))
    ok(kontakt("log", "lovelace", "grace", "--kind", "meeting"))
    ok(kontakt("favour", "lovelace", "--received", "reviewed my deck"))


def test_rm_moves_a_contact_to_the_trash_and_restore_brings_them_back_whole(kontakt, db, network):
    before = json.loads(ok(kontakt("show", "lovelace", "--json")))
    out = ok(kontakt("rm", "lovelace"))
    assert "moved #1 Ada Lovelace to the trash" in out
    assert names(db) == ["Adam Smith", "Grace Hopper"]
    assert kontakt("show", "lovelace").exit_code == 1
    assert "Ada" not in ok(kontakt("search", "engines"))
    assert "restored #1 Ada Lovelace" in ok(kontakt("restore", "lovel"))
    assert json.loads(ok(kontakt("show", "lovelace", "--json"))) == before


def test_rm_of_an_unknown_or_ambiguous_ref_changes_nothing(kontakt, db, network):
    result = kontakt("rm", "nobody")
    assert result.exit_code == 1 and "no contact matches" in result.stderr
    result = kontakt("rm", "ada")
    assert result.exit_code == 1 and "matches 2 contacts" in result.stderr
    assert len(names(db)) == 3


@pytest.mark.dated
def test_trash_lists_what_is_in_it_as_text_and_json(kontakt, network):
    assert "the trash is empty" in kontakt("trash").stderr
    ok(kontakt("rm", "grace"))
    out = ok(kontakt("trash"))
    assert "Grace Hopper" in out and f"{TODAY} (today)" in out
    [item] = json.loads(ok(kontakt("trash", "--json")))
    assert item["name"] == "Grace Hopper"
    assert item["tags"] == ["navy"]
    assert item["deleted_at"].startswith(TODAY[:4])


def test_restore_finds_trashed_contacts_by_id_or_fragment_only(kontakt, db, network):
    ok(kontakt("rm", "lovelace"))
    ok(kontakt("rm", "smith"))
    result = kontakt("restore", "grace")  # not in the trash
    assert result.exit_code == 1 and "nothing in the trash matches 'grace'" in result.stderr
    result = kontakt("restore", "ada")
    assert result.exit_code == 1 and "matches 2 contacts" in result.stderr
    assert "Adam Smith" in ok(kontakt("restore", "3"))
    assert "Ada Lovelace" in ok(kontakt("restore", "ada@example"))
    assert len(names(db)) == 3


@pytest.mark.dated
def test_trash_empty_deletes_for_good_and_older_than_spares_recent_ones(kontakt, db, network):
    ok(kontakt("rm", "lovelace"))
    ok(kontakt("rm", "smith"))
    with Book.open(db) as book:
        book.conn.execute("UPDATE contacts SET deleted_at = '2026-09-01T10:00:00+00:00' WHERE id = 1")
    out = kontakt("trash", "--empty", "--older-than", "30d")
    assert ok(out).strip() == "deleted 1 contact for good"
    assert [c["name"] for c in json.loads(ok(kontakt("trash", "--json")))] == ["Adam Smith"]
    assert "nothing was trashed more than 30d ago" in kontakt("trash", "--empty", "--older-than", "30d").stderr
    assert json.loads(ok(kontakt("trash", "--empty", "--json"))) == {"deleted": 1, "interactions": 0, "records": 0}
    assert json.loads(ok(kontakt("trash", "--json"))) == []
    assert kontakt("restore", "smith").exit_code == 1
    # Grace's meeting with Ada stays, with Grace alone now.
    shown = json.loads(ok(kontakt("show", "grace", "--json")))
    assert [p["name"] for p in shown["interactions"][0]["contacts"]] == ["Grace Hopper"]


def test_trash_options_are_checked(kontakt, network):
    assert kontakt("trash", "--older-than", "30d").exit_code == 2
    result = kontakt("trash", "--empty", "--older-than", "soon")
    assert result.exit_code == 2 and "--older-than" in result.stderr


def test_backup_writes_a_private_checked_copy(kontakt, db, network, tmp_path):
    out = ok(kontakt("backup"))
    assert "backed up 3 contacts to" in out
    [made] = (tmp_path / "backups").glob("book.manual-*.db")
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    assert stat.S_IMODE(made.parent.stat().st_mode) == 0o700
    target = tmp_path / "copy.db"
    ok(kontakt("backup", "-o", str(target)))
    assert names(target) == names(db)
    result = kontakt("backup", "-o", str(target))
    assert result.exit_code == 1 and "already exists" in result.stderr


def test_backup_never_creates_a_missing_book(kontakt, db):
    result = kontakt("backup")
    assert result.exit_code == 1 and "no book at" in result.stderr
    assert not db.exists()


def test_restore_backup_swaps_the_book_and_saves_the_old_one(kontakt, db, network, tmp_path):
    target = tmp_path / "monday.db"
    ok(kontakt("backup", "-o", str(target)))
    ok(kontakt("rm", "lovelace"))
    ok(kontakt("add", "Mistake"))
    out = ok(kontakt("restore-backup", str(target)))
    assert "restored" in out and "3 contacts" in out
    assert "the book as it was is saved at" in out
    assert names(db) == ["Ada Lovelace", "Adam Smith", "Grace Hopper"]
    [saved] = (tmp_path / "backups").glob("book.before-restore-*.db")
    assert "Mistake" in names(saved)


def test_restoring_a_backup_of_one_person_says_one_contact(kontakt, db, tmp_path):
    ok(kontakt("add", "Ada Lovelace"))
    target = tmp_path / "one.db"
    ok(kontakt("backup", "-o", str(target)))
    out = ok(kontakt("restore-backup", str(target)))
    assert ": 1 contact in " in out  # was "1 contacts"


def test_restore_backup_of_a_text_file_changes_nothing(kontakt, db, network, tmp_path):
    bogus = tmp_path / "contacts.csv"
    bogus.write_text("name\nAda\n")
    before = db.read_bytes()
    result = kontakt("restore-backup", str(bogus))
    assert result.exit_code == 1
    assert "not a kontakt backup" in result.stderr and result.stderr.count("\n") == 1
    assert db.read_bytes() == before


def test_doctor_says_healthy_and_exits_zero_on_a_good_book(kontakt, network):
    result = kontakt("doctor")
    out = ok(result)
    for name in ("integrity", "foreign keys", "search index", "schema", "permissions", "backups", "sqlite"):
        assert name in out
    assert out.strip().splitlines()[-1].startswith("healthy")
    data = json.loads(ok(kontakt("doctor", "--json")))
    assert data["healthy"] is True
    assert {c["status"] for c in data["checks"]} <= {"ok", "warn"}


def test_doctor_warns_about_an_sqlite_with_the_wal_reset_bug(kontakt, network, monkeypatch):
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 51, 2))
    data = json.loads(ok(kontakt("doctor", "--json")))
    [check] = [c for c in data["checks"] if c["name"] == "sqlite"]
    assert check["status"] == "warn" and "3.51.3" in check["message"]
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 51, 3))
    data = json.loads(ok(kontakt("doctor", "--json")))
    assert [c["status"] for c in data["checks"] if c["name"] == "sqlite"] == ["ok"]


def test_doctor_finds_and_fixes_loose_permissions(kontakt, db, network):
    os.chmod(db, 0o644)
    result = kontakt("doctor")
    assert result.exit_code == 1
    assert "others can read your book" in result.stdout
    ok(kontakt("doctor", "--fix"))
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    ok(kontakt("doctor"))


def test_doctor_finds_and_rebuilds_a_search_index_out_of_step(kontakt, db, network):
    with Book.open(db) as book:
        book.conn.execute("DROP TRIGGER contacts_au")
        book.conn.execute("UPDATE contacts SET notes = 'zeppelins' WHERE id = 2")
    result = kontakt("doctor", "--json")
    assert result.exit_code == 1
    [check] = [c for c in json.loads(result.stdout)["checks"] if c["name"] == "search index"]
    assert check["status"] == "fail" and "contacts_au" in check["message"]
    assert "Grace" not in kontakt("search", "zeppelins").stdout
    fixed = json.loads(kontakt("doctor", "--fix", "--json").stdout)
    assert [c["status"] for c in fixed["checks"] if c["name"] == "search index"] == ["fixed"]
    assert "Grace" in ok(kontakt("search", "zeppelins"))
    ok(kontakt("edit", "grace", "--note", "submarines"))  # the trigger is back
    assert "Grace" in ok(kontakt("search", "submarines"))
    ok(kontakt("doctor"))


def test_doctor_removes_dangling_links_but_not_rows_with_text(kontakt, db, network):
    with Book.open(db) as book:
        book.conn.execute("PRAGMA foreign_keys = OFF")
        book.conn.execute("INSERT INTO memberships (contact_id, circle) VALUES (99, 'navy')")
    assert kontakt("doctor").exit_code == 1
    out = ok(kontakt("doctor", "--fix"))
    assert "removed 1 dangling link rows" in out
    with Book.open(db) as book:
        book.conn.execute("PRAGMA foreign_keys = OFF")
        book.conn.execute(
            "INSERT INTO favours (uid, contact_id, direction, description, kind, date, created_at,"
            " updated_at) VALUES ('u', 99, 'given', 'keep me', 'help', '2026-01-01', 'x', 'x')"
        )
    result = kontakt("doctor", "--fix")
    assert result.exit_code == 1 and "1 in favours" in result.stdout
    with Book.open(db) as book:
        assert book.conn.execute("SELECT count(*) FROM favours WHERE uid = 'u'").fetchone()[0] == 1


def test_doctor_reports_a_damaged_book_and_points_at_the_newest_backup(kontakt, db, tmp_path):
    with Book.open(db) as book, book.write():
        for n in range(200):
            book.add_contact(f"Person {n}", today=date(2026, 11, 23), notes="words " * 40)
    ok(kontakt("backup"))
    with Book.open(db) as book:
        book.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    data[4096 * 5 : 4096 * 5 + 300] = b"\x00\x13" * 150
    db.write_bytes(bytes(data))
    result = kontakt("doctor")
    assert result.exit_code == 1
    assert "integrity" in result.stdout and "fail" in result.stdout
    assert "kontakt restore-backup" in result.stdout
    assert "Traceback" not in result.output


def test_doctor_on_a_missing_book_fails_without_creating_it(kontakt, db):
    result = kontakt("doctor")
    assert result.exit_code == 1 and "no book at" in result.stdout
    assert not db.exists()


def test_doctor_fix_takes_a_backup_when_there_is_none(kontakt, db, network, tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    for made in (tmp_path / "backups").glob("*"):
        made.unlink()
    data = json.loads(ok(kontakt("doctor", "--json")))
    assert [c["status"] for c in data["checks"] if c["name"] == "backups"] == ["warn"]
    data = json.loads(ok(kontakt("doctor", "--fix", "--json")))
    assert [c["status"] for c in data["checks"] if c["name"] == "backups"] == ["fixed"]
    assert list((tmp_path / "backups").glob("book.*.db"))


@contextmanager
def full_disk(spare_pages: int):
    """Every book opened inside may grow by `spare_pages` pages only: SQLite then says
    SQLITE_FULL, which is a full disk as SQLite sees it."""
    from kontakt.store import db as store_db

    real_configure = store_db._configure

    def tiny_disk(conn, path, *, read_only):
        real_configure(conn, path, read_only=read_only)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + spare_pages}")

    store_db._configure = tiny_disk
    try:
        yield
    finally:
        store_db._configure = real_configure


def assert_unchanged_and_intact(db: Path, before: list[str]) -> None:
    assert names(db) == before
    with Book.open(db) as book:
        assert book.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_full_disk_rolls_back_and_says_so(kontakt, db, network):
    before = names(db)
    with full_disk(0):
        result = kontakt("add", "Big Note", "--note", "x" * 200_000)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: disk full: nothing was saved (the change was rolled back); "
        "free some space and try again"
    )
    assert_unchanged_and_intact(db, before)


def test_a_big_import_on_a_full_disk_says_disk_full_and_lands_nothing(kontakt, db, network, tmp_path):
    # A bulk import drops the FTS trigger inside its transaction; SQLITE_FULL rolls the
    # whole transaction back, and re-creating the trigger used to hide the real error
    # behind "trigger contacts_ai already exists".
    rows = ["First Name,Last Name,E-mail 1 - Value"]
    rows += [f"Person{n},Surname{n},p{n}@example.com" for n in range(2000)]
    source = tmp_path / "google.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    before = names(db)
    with full_disk(20):
        result = kontakt("import", str(source))
    assert result.exit_code == 1, result.output
    assert "disk full" in result.stderr and "already exists" not in result.stderr
    assert_unchanged_and_intact(db, before)


def test_doctor_reports_partial_files_of_dead_processes_and_fix_removes_them(kontakt, db, network):
    dead = 2**22 + 12345  # above the default pid_max, so no process has it
    partials = [
        db.parent / f".contacts.csv.{dead}.part",
        db.parent / "backups" / f".book.manual-2026-11-23T100000.db.{dead}.tmp",
        db.parent / f".restore-{dead}-0badcafe.db",
    ]
    (db.parent / "backups").mkdir(exist_ok=True)
    for partial in partials:
        partial.write_text("half")
    mine = db.parent / f".kept.csv.{os.getpid()}.part"  # a live process is still writing it
    mine.write_text("half")
    out = kontakt("doctor").stdout
    assert "3 partial file(s) of interrupted exports or backups" in out
    fixed = kontakt("doctor", "--fix").stdout
    assert "removed 3 partial file(s)" in fixed
    assert not any(p.exists() for p in partials)
    assert mine.exists()
    assert "no partial files" in kontakt("doctor").stdout


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_an_export_never_writes_over_the_open_book(kontakt, db, network, suffix):
    target = Path(f"{db}{suffix}")
    before = names(db)
    result = CliRunner().invoke(main, ["export", "csv", "--db", str(db), "-o", str(target)])
    assert result.exit_code == 1
    assert "is the book itself" in result.stderr
    assert names(db) == before
    with Book.open(db) as book:
        assert book.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_importing_the_book_itself_is_refused_without_reading_it(kontakt, db, network):
    before = names(db)
    result = kontakt("import", str(db))
    assert result.exit_code == 1
    assert "is the book itself" in result.stderr
    assert names(db) == before
