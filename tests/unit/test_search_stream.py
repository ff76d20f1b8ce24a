"""`stream_search` (what `search --all` prints) lists exactly what `search` lists, in the same
order, while the index sorts only its matches' ranks and contacts are read in batches that end
where a rank does (store/reading.py)."""

from __future__ import annotations

from datetime import date

import pytest

from kontakt.store import Book
from kontakt.store import reading
from kontakt.store.search import search_terms

TODAY = date(2026, 11, 23)
AWKWARD = ["Zoë D'Angelo", "Zoe DAngelo", "Jürgen Müller", "Jurgen Muller", "王小明", "小明 王",
           "Bob \x1b[2J Anders", "Ａｎｄｅｒｓ Ｔａｒｏ", "Åsa Öberg Anders", "Weiß Anders", "Weiss Anders"]
TWINS = 600  # "Anna Anders" again and again: equal rank and name, only the id orders them


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("stream-search") / "book.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
        with Book.open(path) as book, book.write():
            ids = [book.add_contact(name, today=TODAY, org="Anders & Co" if n % 3 else "",
                                    notes="met at 王府井" if n % 2 else "", archived=n % 4 == 0)
                   for n, name in enumerate(AWKWARD)]
            for n in range(TWINS):
                ids.append(book.add_contact("Anna Anders", today=TODAY, archived=n % 9 == 0))
            for n in range(40):
                ids.append(book.add_contact(f"Andersen {n:02d}", today=TODAY, notes="anders " * (n % 4)))
        with Book.open(path) as book, book.write():
            for contact_id in ids[::13]:  # the trash: never listed
                book.trash_contact(contact_id)
            trashed = set(ids[::13])
        with Book.open(path) as opened:
            yield opened, trashed


@pytest.mark.parametrize("text", ["anders", "a", "d'angelo", "müller", "muller", "王", "王府井",
                                  "weiss", "ｔａｒｏ", "bob", "anna anders", "nobody", "&&"])
@pytest.mark.parametrize("archived", [None, False, True])
@pytest.mark.parametrize("batches", [(20, 500), (1, 2)], ids=["batches", "tiny-batches"])
def test_streamed_search_lists_what_search_lists(book, text, archived, batches, monkeypatch):
    book, trashed = book
    # Tiny batches: every rank boundary is a batch boundary, and a batch holds trashed people.
    monkeypatch.setattr(reading, "FIRST_BATCH", batches[0])
    monkeypatch.setattr(reading, "BATCH", batches[1])
    expected = [c.id for c in book.search(text, limit=None, archived=archived)]
    streamed = [c.id for c in book.stream_search(text, archived=archived)]
    assert streamed == expected
    assert not trashed & set(streamed)
    for limit in (1, 7, 13):
        limited = [c.id for c in book.stream_search(text, limit=limit, archived=archived)]
        assert limited == [c.id for c in book.search(text, limit=limit, archived=archived)]
        assert len(limited) == min(limit, len(expected))


def _record_batches(monkeypatch) -> list[list[tuple[int, int]]]:
    """The batches stream_search reads, in order, as it reads them."""
    batches: list[list[tuple[int, int]]] = []
    real = reading._rank_batches

    def counted(cursor):
        for batch in real(cursor):
            batches.append(batch)
            yield batch

    monkeypatch.setattr(reading, "_rank_batches", counted)
    return batches


def test_the_matches_cross_batches_and_ties_are_ordered_by_id(book, monkeypatch):
    book, trashed = book
    batches = _record_batches(monkeypatch)
    streamed = list(book.stream_search("anna anders"))
    twins = TWINS - len([i for i in trashed if i > len(AWKWARD) and i <= len(AWKWARD) + TWINS])
    assert len(streamed) == twins > 520
    # One rank for every twin: one batch, the trashed among them dropped by its query.
    assert [len(batch) for batch in batches] == [TWINS] and {g for _, g in batches[0]} == {0}
    assert [c.id for c in streamed] == sorted(c.id for c in streamed)
    # A bigger book's answer has the same shape: whole contacts, as search gives them.
    assert streamed[:3] == book.search("anna anders", limit=3)
    assert {c.name for c in streamed} == {"Anna Anders"}


def test_batches_start_small_and_end_where_a_rank_does(book, monkeypatch):
    book, _ = book
    batches = _record_batches(monkeypatch)
    streamed = list(book.stream_search("a"))
    ranks = dict(book.conn.execute("SELECT rowid, rank FROM contacts_fts WHERE contacts_fts MATCH ?",
                                   (search_terms("a").match,)).fetchall())
    assert len(batches) >= 2 and len(streamed) > 500
    assert sum(map(len, batches)) == len(ranks)
    for before, after in zip(batches, batches[1:]):
        assert ranks[before[-1][0]] != ranks[after[0][0]]  # no rank split over two batches
    for number, batch in enumerate(batches):
        # within a batch, each rank's number counts up from 0 as the rank changes
        numbers = [g for _, g in batch]
        assert numbers[0] == 0 and numbers == sorted(numbers)
        assert len(set(numbers)) == len({ranks[i] for i, _ in batch})
        # a batch ends at the first rank boundary after 20 rows (the first) or 500 (later)
        size = 20 if number == 0 else 500
        assert numbers.index(numbers[-1]) < size <= len(batch) or batch is batches[-1]
