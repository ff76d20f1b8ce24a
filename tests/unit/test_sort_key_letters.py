"""Ł, Ø, Þ, Đ, Æ and the other letters Unicode does not decompose sort and match as their base
letters (m020): in a new book, in a book upgraded from schema 19, and after an undo that puts
back a key stored before the upgrade."""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from datetime import date

import pytest

from kontakt.domain.text import fold
from kontakt.store import Book
from kontakt.store.history import undo
from kontakt.store.merge import apply_merge, undo_merge
from kontakt.store.migrations import LATEST_VERSION

TODAY = date(2026, 11, 23)
NAMES = ["Zofia Nowak", "Łukasz Żuławski", "Ørjan Berg", "Þóra Jónsdóttir", "Đorđe Petrović",
         "Lars Ulrich", "Oskar Ek", "Æsa Dahl", "Yıldız Kaya", "Ben Abel", "Tom Tamm"]
IN_ORDER = ["Æsa Dahl", "Ben Abel", "Đorđe Petrović", "Lars Ulrich", "Łukasz Żuławski",
            "Ørjan Berg", "Oskar Ek", "Þóra Jónsdóttir", "Tom Tamm", "Yıldız Kaya", "Zofia Nowak"]


def old_fold(text: str) -> str:
    """fold() as schema 19 stored it: accents off, case folded, Ł and Ø left as they are."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def listed(book: Book) -> list[str]:
    return [c.name for c in book.list_contacts()]


def keys(book: Book) -> dict[str, str]:
    return dict(book.conn.execute("SELECT name, sort_key FROM contacts"))


def ref_index_ok(book: Book) -> bool:
    book.conn.execute("INSERT INTO contacts_fts_ref (contacts_fts_ref) VALUES ('integrity-check')")
    return True


@pytest.fixture
def book(tmp_path):
    book = Book.open(tmp_path / "book.db")
    for name in NAMES:
        book.add_contact(name, today=TODAY)
    yield book
    book.close()


def test_a_new_book_lists_them_among_their_base_letters(book):
    assert listed(book) == IN_ORDER
    assert book.find("lukasz").name == "Łukasz Żuławski"
    assert book.find("orjan berg").name == "Ørjan Berg"
    assert book.find("thora").name == "Þóra Jónsdóttir"
    assert book.find("yildiz").name == "Yıldız Kaya"


def test_an_import_keys_them_as_one_at_a_time_does(book, tmp_path):
    from kontakt.services.importers import run_import

    csv = tmp_path / "people.csv"
    csv.write_text("Name\n" + "\n".join(f"{name} II" for name in NAMES * 30) + "\n", encoding="utf-8")
    assert run_import(book, csv, today=TODAY).ok  # 330 rows: the bulk path, not add_contact
    assert all(key == fold(name) for name, key in keys(book).items())
    assert listed(book).index("Łukasz Żuławski II") < listed(book).index("Ørjan Berg")


def test_a_book_from_schema_19_gets_new_keys_and_a_backup(book):
    path = book.path
    book.close()
    conn = sqlite3.connect(path)  # the keys as schema 19 computed them (the REF index follows)
    for name, in conn.execute("SELECT name FROM contacts").fetchall():
        conn.execute("UPDATE contacts SET sort_key = ? WHERE name = ?", (old_fold(name), name))
    conn.execute("PRAGMA user_version = 19")
    conn.commit()
    before = [r[0] for r in conn.execute("SELECT name FROM contacts ORDER BY sort_key")]
    conn.close()
    assert before[-4:] == ["Ørjan Berg", "Þóra Jónsdóttir", "Đorđe Petrović", "Łukasz Żuławski"]
    with Book.open(path) as upgraded:
        assert upgraded.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert listed(upgraded) == IN_ORDER
        assert all(key == fold(name) for name, key in keys(upgraded).items())
        assert ref_index_ok(upgraded)
        assert upgraded.find("lukasz").name == "Łukasz Żuławski"
    assert any(p.name.startswith("book.db.v19-") for p in path.parent.iterdir())


def test_an_undo_recorded_before_the_upgrade_leaves_the_key_fold_makes(book):
    lukasz = book.find("Łukasz").id
    book.update_contact(lukasz, name="Łukasz Nowicki", today=TODAY)
    # The step as schema 19 recorded it: the old name's key without its base letters.
    changed = book.conn.execute(
        "UPDATE undo_log SET sql = replace(sql, ?, ?) WHERE sql LIKE '%sort_key%'",
        (fold("Łukasz Żuławski"), old_fold("Łukasz Żuławski")))
    assert changed.rowcount == 1
    undo(book)
    assert book.get_contact(lukasz).name == "Łukasz Żuławski"
    assert keys(book)["Łukasz Żuławski"] == fold("Łukasz Żuławski") == "lukasz zulawski"
    assert ref_index_ok(book)
    assert listed(book) == IN_ORDER


def test_a_merge_undone_after_the_upgrade_leaves_the_key_fold_makes(book):
    kept, other = book.find("Łukasz").id, book.find("Ørjan").id
    merge_id = apply_merge(book, kept, other, {"name": "Łukasz Berg"}, today=TODAY)
    # The kept contact's key as a merge before m020 stored it.
    before = json.loads(book.conn.execute("SELECT kept_before FROM merges WHERE id = ?",
                                          (merge_id,)).fetchone()[0])
    before["sort_key"] = old_fold(before["name"])
    with book.write(record=False):
        book.conn.execute("UPDATE merges SET kept_before = ? WHERE id = ?",
                          (json.dumps(before), merge_id))
    undo_merge(book, merge_id, today=TODAY)
    assert keys(book)["Łukasz Żuławski"] == "lukasz zulawski"
    assert ref_index_ok(book)
    assert listed(book) == IN_ORDER
