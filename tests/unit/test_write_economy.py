"""Writes that change nothing are not made: each UPDATE of a contact re-indexes them for
search and runs the undo triggers, which made adding a person cost twice what it needs."""

from __future__ import annotations

from datetime import date

from kontakt.domain import Cadence
from kontakt.store import history

TODAY = date(2026, 11, 23)


def updates_of_contacts(book) -> None:
    """Record every UPDATE of a contacts row from here on (`seen` lists them as (id, tags))."""
    book.conn.execute("CREATE TEMP TABLE IF NOT EXISTS seen_updates (id INTEGER, tags TEXT)")
    book.conn.execute("DELETE FROM temp.seen_updates")
    book.conn.execute(
        "CREATE TEMP TRIGGER IF NOT EXISTS see_updates AFTER UPDATE ON main.contacts BEGIN "
        "INSERT INTO temp.seen_updates VALUES (new.id, new.tags); END"
    )


def seen(book) -> list[tuple]:
    return [tuple(row) for row in book.conn.execute("SELECT id, tags FROM temp.seen_updates")]


def test_adding_someone_without_a_cadence_writes_their_row_once(book):
    updates_of_contacts(book)
    ada = book.add_contact("Ada Lovelace", today=TODAY, tags=["Breakfast", "breakfast", "alumni"])
    assert seen(book) == []  # inserted whole: tags, no due date to work out
    assert len(book.get_contact(ada).tags) == 2 and "alumni" in book.get_contact(ada).tags
    assert {c.name for c in book.list_contacts(tag="breakfast")} == {"Ada Lovelace"}
    assert [c.name for c in book.list_contacts(query="alumni")] == ["Ada Lovelace"]  # indexed with them


def test_a_cadence_gives_one_update_for_the_due_date(book):
    updates_of_contacts(book)
    grace = book.add_contact("Grace Hopper", today=TODAY, tags=["navy"], cadence=Cadence.parse("monthly"))
    assert [row for row in seen(book)] == [(grace, '["navy"]')]  # the due date, once
    assert book.get_contact(grace).next_due is not None
    book.update_contact(grace, today=TODAY, add_tags=["cobol"])
    assert set(book.get_contact(grace).tags) == {"navy", "cobol"}
    assert {c.name for c in book.list_contacts(tag="cobol")} == {"Grace Hopper"}


def test_an_added_person_is_still_one_undo_step_away(book):
    linus = book.add_contact("Linus Torvalds", today=TODAY, tags=["kernel"], cadence=Cadence.parse("weekly"))
    history.undo(book)
    assert linus not in [c.id for c in book.list_contacts(archived=None)]
    assert book.list_contacts(tag="kernel") == []


def test_tags_that_name_one_circle_two_ways_are_stored_once(book):
    ida = book.add_contact("Ida", today=TODAY, tags=["cafe", "café", "Café"])
    assert list(book.get_contact(ida).tags) == ["cafe"]
    book.update_contact(ida, today=TODAY, add_tags=["CAFÉ"])
    assert list(book.get_contact(ida).tags) == ["cafe"]
