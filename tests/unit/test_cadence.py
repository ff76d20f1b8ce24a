"""Cadences: how they are read, written, and added to dates."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kontakt.domain import Cadence, CadenceError, next_due, parse_duration
from kontakt.domain.cadence import UNITS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 week", Cadence(1, "week")),
        ("2 weeks", Cadence(2, "week")),
        ("every 3 months", Cadence(3, "month")),
        ("Every  3   Months", Cadence(3, "month")),
        ("monthly", Cadence(1, "month")),
        ("quarterly", Cadence(3, "month")),
        ("yearly", Cadence(1, "year")),
        ("every 10 days", Cadence(10, "day")),
        ("fortnightly", Cadence(2, "week")),
        ("2w", Cadence(2, "week")),
        ("10d", Cadence(10, "day")),
        ("every week", Cadence(1, "week")),
        ("a month", Cadence(1, "month")),
        ("2 wochen", Cadence(2, "week")),
    ],
)
def test_cadence_texts_are_read(text, expected):
    assert Cadence.parse(text) == expected


@pytest.mark.parametrize(
    "text", ["every blue moon", "sometimes", "", "   ", "3 fortnights", "-1 weeks"]
)
def test_unreadable_cadences_are_refused_with_examples(text):
    with pytest.raises(CadenceError, match="every 3 months"):
        Cadence.parse(text)


@pytest.mark.parametrize("text", ["0 weeks", "every 0 days", "0d"])
def test_a_cadence_of_zero_is_refused(text):
    with pytest.raises(CadenceError, match="zero"):
        Cadence.parse(text)


def test_a_cadence_with_an_unknown_unit_cannot_be_built():
    with pytest.raises(CadenceError):
        Cadence(1, "fortnight")


def test_a_cadence_longer_than_a_lifetime_is_refused_rather_than_overflowing_later():
    # "every 9000 years" used to be accepted and then crashed date arithmetic.
    with pytest.raises(CadenceError):
        Cadence.parse("every 9000 years")


def test_durations_take_an_optional_in():
    assert parse_duration("in 3 days") == Cadence(3, "day")
    assert parse_duration("2 weeks") == Cadence(2, "week")


@pytest.mark.parametrize(
    ("start", "text", "expected"),
    [
        (date(2026, 1, 31), "1 month", date(2026, 2, 28)),
        (date(2028, 1, 31), "1 month", date(2028, 2, 29)),
        (date(2028, 2, 29), "1 year", date(2029, 2, 28)),
        (date(2026, 3, 31), "1 month", date(2026, 4, 30)),
        # Not skipped like rrule: the 31st of a 6-month step exists, so it is kept.
        (date(2026, 1, 31), "6 months", date(2026, 7, 31)),
        (date(2026, 12, 31), "2 months", date(2027, 2, 28)),
        (date(2026, 12, 28), "1 week", date(2027, 1, 4)),
        (date(2026, 2, 28), "quarterly", date(2026, 5, 28)),
    ],
)
def test_after_clamps_to_the_end_of_short_months(start, text, expected):
    assert Cadence.parse(text).after(start) == expected


def test_before_clamps_like_after():
    assert Cadence(1, "month").before(date(2026, 3, 31)) == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("cadence", "text"),
    [(Cadence(1, "week"), "every week"), (Cadence(2, "week"), "every 2 weeks"),
     (Cadence(3, "month"), "every 3 months"), (Cadence(1, "year"), "every year")],
)
def test_str_reads_like_the_user_would_write_it(cadence, text):
    assert str(cadence) == text
    assert Cadence.parse(text) == cadence


def test_short_form_for_narrow_columns():
    assert Cadence(2, "week").short == "2w"
    assert Cadence(3, "month").short == "3m"


def test_a_shorter_cadence_has_fewer_approximate_days():
    fortnight, month, year = Cadence(2, "week"), Cadence(1, "month"), Cadence(1, "year")
    assert fortnight.approx_days < month.approx_days < year.approx_days


# ---------------------------------------------------------------------- properties

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


@st.composite
def cadences(draw):
    unit = draw(st.sampled_from(UNITS))
    # Anything Cadence accepts; the constructor decides what is too long.
    count = draw(st.integers(min_value=1, max_value=10_000))
    try:
        return Cadence(count, unit)
    except CadenceError:
        return Cadence(draw(st.integers(min_value=1, max_value=100)), unit)


@given(dates, cadences())
def test_one_cadence_after_a_date_is_always_later(start, cadence):
    assert cadence.after(start) > start


@given(cadences())
def test_str_round_trips_through_parse(cadence):
    assert Cadence.parse(str(cadence)) == cadence


@given(cadences())
def test_short_form_round_trips_through_parse(cadence):
    assert Cadence.parse(cadence.short) == cadence


@given(cadences(), st.one_of(st.none(), dates), dates)
def test_next_due_is_never_before_the_last_contact(cadence, last, added):
    due = next_due(cadence, last, added)
    assert due > (last or added)


def test_next_due_without_a_cadence_is_none():
    assert next_due(None, date(2026, 1, 1), date(2025, 1, 1)) is None


def test_someone_never_contacted_is_due_one_cadence_after_being_added():
    assert next_due(Cadence(2, "week"), None, date(2026, 4, 1)) == date(2026, 4, 15)
