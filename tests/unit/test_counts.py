"""The book's counts (the app's header, the list's status line) against a plain count."""

from __future__ import annotations

from datetime import date

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
