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
