"""Properties of the cadence arithmetic the review stands on (hypothesis)."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kontakt.config import Config
from kontakt.domain import Cadence, next_due
from kontakt.services.review import build_review, items_for_contact
from kontakt.store import Book

cadences = st.builds(
    Cadence,
    count=st.integers(min_value=1, max_value=24),
    unit=st.sampled_from(["day", "week", "month", "year"]),
)
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31))


@given(cadence=cadences, last=st.none() | days, added=days)
def test_the_next_due_date_is_never_before_the_last_contact(cadence, last, added):
    due = next_due(cadence, last, added)
    assert due > (last or added)


@given(cadence=cadences, start=days)
def test_a_cadence_step_is_at_least_its_shortest_possible_length(cadence, start):
    shortest = {"day": 1, "week": 7, "month": 28, "year": 365}[cadence.unit] * cadence.count
    assert (cadence.after(start) - start).days >= shortest


@settings(max_examples=40, deadline=None)
@given(
    cadence=cadences,
    previous_gap=st.integers(min_value=0, max_value=3000),
    as_of=st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)),
)
def test_a_contact_logged_today_is_never_keep_in_touch_due(cadence, previous_gap, as_of):
    with tempfile.TemporaryDirectory() as folder, Book.open(Path(folder) / "k.db") as book:
        contact = book.add_contact(
            "Olga", today=as_of, cadence=cadence, created_at="2019-01-01T00:00:00+00:00"
        )
        book.log_interaction([contact], on=as_of - timedelta(days=previous_gap), today=as_of)
        book.log_interaction([contact], on=as_of, today=as_of)

        kinds = [i.kind for i in items_for_contact(book, contact, as_of, Config())]
        assert "keep-in-touch" not in kinds
        assert "drifting" not in kinds
        assert build_review(book, as_of, Config(), limit=None).items == []
