"""The trash: hidden but restorable, and emptied for real (rows and their text gone)."""

from __future__ import annotations

import subprocess
import sys

from datetime import date, timedelta

import pytest

from kontakt import clock
from kontakt.domain import Cadence
from kontakt.store import Book, NotFound
from kontakt.store.trash import empty_trash

TODAY = date(2026, 11, 23)
SECRET = "Quetzalcoatlfjordsecret"


@pytest.fixture
def book(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())  # trash stamps fall on TODAY
    with Book.open(tmp_path / "book.db") as opened:
        yield opened


def _network(book: Book) -> dict[str, int]:
    ada = book.add_contact("Ada Lovelace", today=TODAY, tags=["breakfast"], notes=f"{SECRET} notes")
    grace = book.add_contact("Grace Hopper", today=TODAY, tags=["breakfast"])
    solo = book.log_interaction([ada], on=TODAY, kind="call", note="only ada")
    group = book.log_interaction([ada, grace], on=TODAY, kind="meeting", note="both")
    book.add_favour(ada, direction="received", description="reviewed my deck", on=TODAY)
    book.add_follow_up(ada, due=TODAY, note="ask about the engine", recurrence=Cadence(1, "month"))
    book.add_introduction(ada, grace, on=TODAY, note="compilers")
    return {"ada": ada, "grace": grace, "solo": solo, "group": group}


def _count(book: Book, sql: str, *args) -> int:
    return book.conn.execute(sql, args).fetchone()[0]


def test_a_trashed_contact_is_hidden_from_lists_search_find_and_circle_counts(book):
    ids = _network(book)
    book.trash_contact(ids["ada"])
    assert [c.name for c in book.list_contacts()] == ["Grace Hopper"]
    assert book.search("ada") == []
    assert book.search(SECRET) == []
    with pytest.raises(LookupError):
        book.find("ada")
    with pytest.raises(NotFound):
        book.get_contact(ids["ada"])
    assert {c.name: c.members for c in book.circles()} == {"breakfast": 1}
    assert book.counts().contacts == 1
    assert [c.name for c, _ in book.trashed()] == ["Ada Lovelace"]


def test_restoring_brings_the_contact_back_whole(book):
    ids = _network(book)
    before = (
        book.get_contact(ids["ada"]), book.interactions_for(ids["ada"]),
        book.favours_for(ids["ada"]), book.follow_ups_for(ids["ada"]),
        book.introductions_for(ids["ada"]), book.balance(ids["ada"]),
    )
    book.trash_contact(ids["ada"])
    restored = book.restore_contact(ids["ada"])
    after = (
        restored, book.interactions_for(ids["ada"]), book.favours_for(ids["ada"]),
        book.follow_ups_for(ids["ada"]), book.introductions_for(ids["ada"]),
        book.balance(ids["ada"]),
    )
    assert after == before
    assert book.trashed() == []
    assert {c.name: c.members for c in book.circles()} == {"breakfast": 2}


def test_restoring_a_contact_that_is_not_in_the_trash_is_refused(book):
    ids = _network(book)
    with pytest.raises(NotFound):
        book.restore_contact(ids["ada"])


def test_emptying_the_trash_deletes_the_contact_and_everything_attached(book):
    ids = _network(book)
    book.trash_contact(ids["ada"])
    result = empty_trash(book)
    assert (result.contacts, result.interactions) == (1, 1)
    assert _count(book, "SELECT count(*) FROM contacts WHERE id = ?", ids["ada"]) == 0
    for table in ("favours", "follow_ups", "memberships"):
        assert _count(book, f"SELECT count(*) FROM {table} WHERE contact_id = ?", ids["ada"]) == 0
    assert _count(book, "SELECT count(*) FROM introductions") == 0
    # The call with Ada alone is gone; the group meeting stays, with Grace only.
    assert _count(book, "SELECT count(*) FROM interactions WHERE id = ?", ids["solo"]) == 0
    assert [i.names for i in book.interactions_for(ids["grace"])] == [("Grace Hopper",)]
    assert book.trashed() == []
    assert book.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert book.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_emptying_the_trash_leaves_contacts_outside_the_trash_alone(book):
    ids = _network(book)
    assert empty_trash(book).contacts == 0
    assert len(book.list_contacts()) == 2
    assert len(book.interactions_for(ids["ada"])) == 2


@pytest.mark.dated
def test_older_than_keeps_recently_trashed_contacts(book):
    ids = _network(book)
    book.trash_contact(ids["ada"])
    book.trash_contact(ids["grace"])
    book.conn.execute(
        "UPDATE contacts SET deleted_at = ? WHERE id = ?",
        ((clock.now() - timedelta(days=40)).isoformat(), ids["ada"]),
    )
    result = empty_trash(book, older_than=timedelta(days=30))
    assert result.contacts == 1
    assert [c.name for c, _ in book.trashed()] == ["Grace Hopper"]


def test_emptying_the_trash_removes_the_text_from_the_file_and_the_search_index(book, tmp_path):
    ids = _network(book)
    # Enough other rows that the secret does not sit on a page that is simply rewritten.
    for n in range(200):
        book.add_contact(f"Filler {n}", today=TODAY, notes="ordinary words " * 10)
    book.update_contact(ids["ada"], today=TODAY, notes=f"{SECRET} edited once")
    book.trash_contact(ids["ada"])
    files = [tmp_path / "book.db", tmp_path / "book.db-wal"]

    def occurrences() -> int:
        # Counted in another process: closing a descriptor of the book here would drop this
        # process's SQLite locks on it (POSIX), so this process never opens the file itself.
        script = (
            "import pathlib, sys\n"
            "found = 0\n"
            "for name in sys.argv[2:]:\n"
            "    path = pathlib.Path(name)\n"
            "    if path.exists():\n"
            "        data = path.read_bytes()\n"
            "        found += data.count(sys.argv[1].encode()) + data.count(sys.argv[1].lower().encode())\n"
            "print(found)\n"
        )
        # Raw in the row, folded (lower case) in the FTS index.
        out = subprocess.run(
            [sys.executable, "-c", script, SECRET, *map(str, files)],
            capture_output=True, text=True, check=True,
        )
        return int(out.stdout)

    assert occurrences() > 0, "the test needs the secret on disk before emptying"
    result = empty_trash(book)
    assert result.wal_truncated
    assert occurrences() == 0
    assert (tmp_path / "book.db-wal").stat().st_size == 0
    assert book.search("ordinary")  # the index still works for everyone else
    # Raises "database disk image is malformed" if the index no longer matches the rows.
    book.conn.execute("INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('integrity-check', 1)")


def test_emptying_the_trash_restores_the_previous_secure_delete_setting(book):
    ids = _network(book)
    book.trash_contact(ids["ada"])
    before = book.conn.execute("PRAGMA secure_delete").fetchone()[0]
    empty_trash(book)
    assert book.conn.execute("PRAGMA secure_delete").fetchone()[0] == before


# Reads in book.py that still show a trashed contact. The fixes are in the issue-6 report;
# these turn into XPASS once book.py hides trashed contacts there too.
LEAK = "book.py leaks trashed contacts here; exact fix in the issue-6 report"


def test_a_group_interaction_does_not_name_a_trashed_participant(book):
    ids = _network(book)
    book.trash_contact(ids["grace"])
    group = [i for i in book.interactions_for(ids["ada"]) if i.id == ids["group"]][0]
    assert group.names == ("Ada Lovelace",)


def test_introductions_to_a_trashed_contact_are_hidden(book):
    ids = _network(book)
    book.trash_contact(ids["grace"])
    assert book.introductions_for(ids["ada"]) == []


def test_the_balance_does_not_count_an_introduction_to_a_trashed_contact(book):
    ids = _network(book)
    book.trash_contact(ids["grace"])
    assert book.balance(ids["ada"]).gave == 0
