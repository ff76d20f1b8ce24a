"""Heavy reads of a big book run in a separate process and give the same answer."""

from __future__ import annotations

import pytest

from kontakt.services.dupes import find_duplicates
from kontakt.services.stats import network_stats
from kontakt.tui import background
from kontakt.tui.background import BackgroundError, duplicates_at, in_background, stats_at

from tui_helpers import TODAY


def test_a_big_book_is_read_in_a_child_process_with_the_same_answer(book, monkeypatch):
    book.add_contact("Jürgen Müller", today=TODAY, phones=["+49 170 1234567"])
    book.add_contact("Juergen Mueller", today=TODAY, phones=["0170 1234567"])
    monkeypatch.setattr(background, "BIG_BOOK", 0)  # every book counts as big
    assert in_background(duplicates_at, book.path) == find_duplicates(book)
    assert in_background(stats_at, book.path, TODAY) == network_stats(book, TODAY)


def test_a_child_nobody_waits_for_is_stopped(book, monkeypatch):
    monkeypatch.setattr(background, "BIG_BOOK", 0)
    with pytest.raises(BackgroundError, match="stopped"):
        in_background(stats_at, book.path, TODAY, cancelled=lambda: True)


def test_the_duplicate_count_of_an_unchanged_book_is_kept_and_redone_after_a_change(book, monkeypatch):
    """Opening an unchanged book reuses the last count; any change, an undo, a dismissed pair
    or the trash makes it count again. The count is kept outside the book."""
    from kontakt.services.dupes import dismiss
    from kontakt.store import history

    a = book.add_contact("Jürgen Müller", today=TODAY, phones=["+49 170 1234567"])
    b = book.add_contact("Juergen Mueller", today=TODAY, phones=["0170 1234567"])
    counted: list[int] = []
    real = background.count_duplicates_at

    def counting(path):
        counted.append(real(path))
        return counted[-1]

    monkeypatch.setattr(background, "count_duplicates_at", counting)
    path = book.path
    first = background.count_duplicates_cached(path)
    assert first == len(find_duplicates(book)) >= 1 and counted == [first]
    assert background.count_duplicates_cached(path) == first and len(counted) == 1  # kept
    assert background.counts_file().is_file()
    assert (background.counts_file().stat().st_mode & 0o777) == 0o600

    changes = [
        lambda: book.update_contact(b, today=TODAY, name="Jürgen Müller"),
        lambda: history.undo(book),
        lambda: dismiss(book, a, b),
        lambda: book.trash_contact(b),
    ]
    for number, change in enumerate(changes, 2):
        change()
        assert background.count_duplicates_cached(path) == len(find_duplicates(book)), number
        assert len(counted) == number, number  # counted again
        assert background.count_duplicates_cached(path) == counted[-1] and len(counted) == number
    assert counted[-1] == len(find_duplicates(book)) and counted[-2] == 0  # dismissed: none left


def test_a_count_made_while_the_book_changed_is_not_kept(book, monkeypatch):
    def count_while_someone_adds(path):
        book.add_contact("Someone New", today=TODAY)
        return 7

    monkeypatch.setattr(background, "count_duplicates_at", count_while_someone_adds)
    assert background.count_duplicates_cached(book.path) == 7
    assert not background.counts_file().exists()
