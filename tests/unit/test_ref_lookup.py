"""REF lookups read the REF index (trigrams, m017) or walk contacts_by_ref, and find exactly whom
the old table scan found."""

from __future__ import annotations

from datetime import date

import pytest

from kontakt.store import AmbiguousRef, Book

TODAY = date(2026, 11, 23)
FIRST = ["Jürgen", "JÜRGEN", "Jurgen", "Zoë", "Zoe", "Ørjan", "Søren", "Ana", "Anna", "Hannah",
         "Ģirts", "Łukasz", "Çağla", "Ærø", "Nguyễn", "王", "Ａｎｎａ", "O'Brien", "D’Angelo"]
LAST = ["Müller", "Mueller", "MÜLLER", "Weiß", "Weiss", "Kößler", "van der Berg", "Østergaard",
        "Straße", "García", "Dvořák", "Smith"]
# Fragments people type: cases, accents, parts of names, emails, nicknames, nothing at all.
REFS = ["jürgen", "JURGEN", "jur", "müller", "MUELLER", "mull", "weiss", "weiß", "kößler",
        "koss", "zoe", "zoë", "ZOË", "ørjan", "orjan", "soren", "anna", "ann", "ana", "hannah",
        "van der", "r berg", "garcia", "dvorak", "@example", "JM@", "jm7@example.com",
        "j.mueller", "MAX", "Maxi", "nguyen", "王", "ａｎｎａ", "o'brien", "d’angelo", "d'angelo",
        "smith", "a", "e", "zz", "%", "_", '"', "\\", "], [", "ærø", "aero", "girts", "lukasz", "cagla"]
OLD_SQL = """SELECT id FROM contacts
              WHERE deleted_at IS NULL
                AND (instr(sort_key, ?) > 0 OR instr(lower(emails), ?) > 0
                     OR instr(lower(nickname), ?) > 0)
              ORDER BY archived, sort_key, id LIMIT 51"""


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("refs") / "book.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
        book = Book.open(path)
        n = 0
        with book.write():
            for first in FIRST:
                for last in LAST:
                    n += 1
                    contact_id = book.add_contact(
                        f"{first} {last}", today=TODAY, archived=n % 9 == 0,
                        emails=[f"JM{n}@Example.com", f"{first[:1]}.{last}@mail.de".lower()],
                        nickname=["", "Max", "Maxi", "ÄNNCHEN"][n % 4],
                    )
                    if n % 13 == 0:
                        book.trash_contact(contact_id)
    yield book
    book.close()


def test_the_lookup_finds_what_the_old_scan_found(book):
    """The old statement, reading the table row by row, is the oracle for every REF."""
    from kontakt.domain import fold

    counts = set()
    for ref in REFS:
        key = fold(ref)
        old = [row[0] for row in book.conn.execute(f"SELECT id FROM contacts NOT INDEXED WHERE id IN ({OLD_SQL})"
                                                   " ORDER BY archived, sort_key, id", (key, key, key))]
        new = [row["id"] for row in book._ref_rows(key)]
        assert new == old, ref
        counts.add(min(len(new), 2))
    assert counts == {0, 1, 2}  # refs that match no one, one person, and many
    trashed = book.conn.execute("SELECT count(*) FROM contacts WHERE deleted_at IS NOT NULL").fetchone()[0]
    assert trashed == len(FIRST) * len(LAST) // 13  # the trash was in the book, and left out


def test_a_short_ref_walks_the_name_index_without_reading_the_table(book):
    statements: list[str] = []
    book.conn.set_trace_callback(statements.append)
    try:
        with pytest.raises(AmbiguousRef):
            book.find("ŋa")  # two letters, ŋ has a case: the index may fold it otherwise
    finally:
        book.conn.set_trace_callback(None)
    assert not [s for s in statements if "contacts_fts_ref" in s]
    lookups = [s for s in statements if "instr(sort_key" in s and "INDEXED BY" in s]
    assert len(lookups) == 2  # no match among the active people: the archived are asked too
    for lookup in lookups:
        plan = " / ".join(row[3] for row in book.conn.execute("EXPLAIN QUERY PLAN " + lookup))
        assert plan == "SCAN contacts USING COVERING INDEX contacts_by_ref", plan  # no sort


def test_a_longer_ref_asks_the_trigram_index_and_reads_only_its_candidates(book):
    statements: list[str] = []
    book.conn.set_trace_callback(statements.append)
    try:
        book.find("jm7@example.com")
    finally:
        book.conn.set_trace_callback(None)
    assert [s for s in statements if "MATCH" in s and "contacts_fts_ref" in s]
    assert not [s for s in statements if "INDEXED BY contacts_by_ref" in s]  # no walk
    [check] = [s for s in statements if "instr(sort_key" in s]
    plan = " / ".join(row[3] for row in book.conn.execute("EXPLAIN QUERY PLAN " + check))
    assert "SEARCH contacts USING INTEGER PRIMARY KEY" in plan and "SCAN contacts" not in plan, plan


def test_the_index_does_not_change_how_the_review_is_planned(book):
    """An index led by `archived` made SQLite start the follow-up count from contacts."""
    plan = " / ".join(row[3] for row in book.conn.execute(
        """EXPLAIN QUERY PLAN SELECT count(*) FROM follow_ups f
                INDEXED BY follow_ups_open_by_due_contact JOIN contacts c ON c.id = f.contact_id
            WHERE f.status = 'open' AND f.due <= '2026-11-23' AND c.archived = 0
              AND c.deleted_at IS NULL"""))
    assert "contacts_by_ref" not in plan, plan


def test_find_resolves_accents_case_and_emails_as_before(book):
    assert book.find("jm7@example.com").emails[0] == "JM7@Example.com"
    assert book.find("JM17@EXAMPLE.COM").name == "JÜRGEN Weiss"
    with pytest.raises(AmbiguousRef) as many:
        book.find("müller")
    from kontakt.domain import fold

    names = {c.name for c in many.value.candidates}
    expected = {c.name for c in book.list_contacts(archived=None) if "muller" in fold(c.name)}
    assert names == expected and len(expected) == 34 and "Jurgen MÜLLER" in names
