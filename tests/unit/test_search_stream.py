"""`stream_search` (what `search --all` prints) lists exactly what `search` lists, in the same
order, while SQLite sorts only the ids of the matches and contacts are read in batches."""

from __future__ import annotations

from datetime import date

import pytest

from kontakt.store import Book

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
def test_streamed_search_lists_what_search_lists(book, text, archived):
    book, trashed = book
    expected = [c.id for c in book.search(text, limit=None, archived=archived)]
    streamed = [c.id for c in book.stream_search(text, archived=archived)]
    assert streamed == expected
    assert not trashed & set(streamed)
    limited = [c.id for c in book.stream_search(text, limit=7, archived=archived)]
    assert limited == [c.id for c in book.search(text, limit=7, archived=archived)]
    assert len(limited) == min(7, len(expected))


def test_the_matches_cross_batches_and_ties_are_ordered_by_id(book, monkeypatch):
    book, trashed = book
    batches: list[int] = []
    real = type(book).get_contacts

    def counted(self, ids):
        ids = list(ids)
        batches.append(len(ids))
        return real(self, ids)

    monkeypatch.setattr(type(book), "get_contacts", counted)
    streamed = list(book.stream_search("anna anders"))
    twins = TWINS - len([i for i in trashed if i > len(AWKWARD) and i <= len(AWKWARD) + TWINS])
    assert len(streamed) == twins > 520
    assert batches == [20, 500, twins - 520]  # the first 20 at once, then 500 at a time
    assert [c.id for c in streamed] == sorted(c.id for c in streamed)
    # A bigger book's answer has the same shape: whole contacts, as search gives them.
    assert streamed[:3] == book.search("anna anders", limit=3)
    assert {c.name for c in streamed} == {"Anna Anders"}
