"""The book's counts (the app's header, the list's status line) against a plain count."""

from __future__ import annotations

from datetime import date

import pytest

from kontakt.store import Book

TODAY = date(2026, 11, 23)


def test_counts_walk_the_name_index_and_agree_with_a_plain_count(book):
    alive = [book.add_contact(f"Person {n}", today=TODAY) for n in range(5)]
    book.archive(alive[0])
    book.trash_contact(alive[1])
    counts = book.counts()
    plain = book.conn.execute(
        "SELECT sum(deleted_at IS NULL AND archived = 0), sum(deleted_at IS NULL AND archived = 1) "
        "FROM contacts NOT INDEXED"
    ).fetchone()
    assert (counts.contacts, counts.archived) == tuple(plain)
    assert book.count_contacts() == counts.contacts and book.count_contacts(archived=True) == counts.archived
    plan = " ".join(row[-1] for row in book.conn.execute(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM contacts INDEXED BY contacts_by_name "
        "WHERE deleted_at IS NULL AND archived = 0"))
    assert "contacts_by_name" in plan


def test_reading_sees_one_state_of_the_book_and_refuses_writes(book):
    before = book.count_contacts()
    with Book.open(book.path) as other:
        with book.reading():
            assert book.count_contacts() == before
            other.add_contact("Committed Meanwhile", today=TODAY)
            assert book.count_contacts() == before  # still the state the reading began with
            assert book.counts().contacts == before
            with book.reading():  # nested: the same snapshot
                assert book.count_contacts() == before
            with pytest.raises(RuntimeError, match="inside Book.reading"):
                book.add_contact("Never Written", today=TODAY)
        assert not book.conn.in_transaction
        assert book.count_contacts() == before + 1  # after it, the newest commit
        assert book.counts().contacts == before + 1
        names = [c.name for c in book.list_contacts(query="Never Written")]
        assert names == []


def test_counts_remembered_inside_a_failed_write_are_forgotten(book):
    before = book.counts().contacts
    with pytest.raises(RuntimeError, match="changed my mind"):
        with book.write():
            book.add_contact("Rolled Back", today=TODAY)
            assert book.counts().contacts == before + 1  # remembered inside the write
            raise RuntimeError("changed my mind")
    assert book.counts().contacts == before == book.count_contacts()
