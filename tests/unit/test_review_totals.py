"""`build_review(totals=False)` (for `today --brief`) shows the same people, without counting."""

from __future__ import annotations

from datetime import date

from kontakt.config import Config
from kontakt.services.demo import create_demo_book
from kontakt.services.review import build_review

TODAY = date(2026, 11, 23)


def test_a_review_without_totals_shows_the_same_items(tmp_path):
    book = create_demo_book(tmp_path / "demo.db", TODAY)
    with_totals = build_review(book, TODAY, Config(), limit=5)
    without = build_review(book, TODAY, Config(), limit=5, totals=False)
    book.close()
    assert with_totals.more > 0  # the demo has more due than five
    assert [(i.kind, i.contact_id) for i in without.items] == [
        (i.kind, i.contact_id) for i in with_totals.items
    ]
