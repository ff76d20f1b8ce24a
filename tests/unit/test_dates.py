"""Dates as users type them, year-less birthdays, and 'how long ago' wording."""

from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kontakt.domain import Birthday, DateError, parse_date, relative
from kontakt.domain.dates import MAX_YEAR, MIN_YEAR, YearOutOfRange, check_year, in_range

# A Tuesday, so "next friday" is three days on.
TODAY = date(2026, 4, 14)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-03", date(2026, 4, 3)),
        ("2026-4-3", date(2026, 4, 3)),
        ("3.4.2026", date(2026, 4, 3)),
        ("03.04.2026", date(2026, 4, 3)),
        ("03.04.26", date(2026, 4, 3)),
        ("  3.4.2026  ", date(2026, 4, 3)),
    ],
)
def test_iso_and_day_first_german_dates_are_read(text, expected):
    assert parse_date(text, TODAY) == expected


def test_german_dates_put_the_day_first():
    assert parse_date("1.2.2026", TODAY) == date(2026, 2, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03.04.36", date(2036, 4, 3)),  # up to ten years ahead: this century
        ("03.04.37", date(1937, 4, 3)),  # further ahead: last century
        ("12.05.85", date(1985, 5, 12)),
        ("01.01.00", date(2000, 1, 1)),
    ],
)
def test_two_digit_years_pivot_ten_years_ahead_of_today(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", TODAY),
        ("Today", TODAY),
        ("yesterday", date(2026, 4, 13)),
        ("tomorrow", date(2026, 4, 15)),
    ],
)
def test_today_yesterday_tomorrow_are_relative_to_the_given_today(text, expected):
    assert parse_date(text, TODAY) == expected


def test_in_two_weeks_is_fourteen_days_on():
    assert parse_date("in 2 weeks", TODAY) == TODAY + timedelta(days=14)


def test_three_days_ago_is_three_days_back():
    assert parse_date("3 days ago", TODAY) == date(2026, 4, 11)


@pytest.mark.parametrize(
    ("today", "expected"),
    [(date(2026, 1, 31), date(2026, 2, 28)), (date(2028, 1, 31), date(2028, 2, 29))],
)
def test_in_one_month_from_the_31st_clamps_to_the_end_of_february(today, expected):
    assert parse_date("in 1 month", today) == expected


def test_next_friday_is_the_coming_friday():
    assert parse_date("next friday", TODAY) == date(2026, 4, 17)


def test_next_friday_on_a_friday_means_the_following_week():
    friday = date(2026, 4, 17)
    assert parse_date("next friday", friday) == date(2026, 4, 24)


def test_last_monday_is_the_most_recent_monday_before_today():
    assert parse_date("last monday", TODAY) == date(2026, 4, 13)
    assert parse_date("last tue", TODAY) == date(2026, 4, 7)


def test_slashed_dates_are_refused_as_ambiguous_and_the_message_names_accepted_forms():
    with pytest.raises(DateError) as error:
        parse_date("03/04/2026", TODAY)
    message = str(error.value)
    assert "ambiguous" in message
    assert "2026-04-03" in message and "3.4.2026" in message


@pytest.mark.parametrize(
    "text", ["31.02.2026", "2026-02-30", "29.02.2026", "0.1.2026", "1.13.2026"]
)
def test_impossible_dates_are_refused_never_shifted(text):
    with pytest.raises(DateError, match="not a real date"):
        parse_date(text, TODAY)


@pytest.mark.parametrize(
    "text", ["soon", "next blursday", "in a blue moon", "3 parsecs ago", "2026"]
)
def test_garbage_is_refused_with_the_accepted_forms(text):
    with pytest.raises(DateError, match="next friday"):
        parse_date(text, TODAY)


def test_a_shift_beyond_the_calendar_is_refused_not_crashed():
    with pytest.raises(DateError):
        parse_date("in 9000 years", TODAY)


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_date_is_refused(text):
    with pytest.raises(DateError, match="no date given"):
        parse_date(text, TODAY)


# ---------------------------------------------------------------------- birthdays


@pytest.mark.parametrize("text", ["--04-15", "04-15", "--0415", "15.4.", "15.4", " --04-15 "])
def test_year_less_birthdays_are_read(text):
    assert Birthday.parse(text, TODAY) == Birthday(4, 15)


@pytest.mark.parametrize("text", ["1980-04-15", "15.4.1980", "15.04.80"])
def test_full_birthdays_keep_their_year(text):
    assert Birthday.parse(text, TODAY) == Birthday(4, 15, 1980)


def test_a_year_less_29_february_is_a_real_birthday():
    assert Birthday.parse("--02-29", TODAY) == Birthday(2, 29)


@pytest.mark.parametrize("text", ["--02-30", "31.4.", "--13-01", "29.2.2026", "sometime"])
def test_impossible_or_unreadable_birthdays_are_refused(text):
    with pytest.raises(DateError):
        Birthday.parse(text, TODAY)


def test_an_unreadable_birthday_mentions_the_year_less_form():
    with pytest.raises(DateError, match="--04-15"):
        Birthday.parse("sometime", TODAY)


def test_29_february_is_celebrated_on_the_day_in_a_leap_year_and_on_28_february_otherwise():
    leap_day = Birthday(2, 29)
    assert leap_day.in_year(2028) == date(2028, 2, 29)
    assert leap_day.in_year(2027) == date(2027, 2, 28)
    assert leap_day.in_year(2100) == date(2100, 2, 28)  # not a leap year
    assert leap_day.in_year(2000) == date(2000, 2, 29)


def test_next_birthday_crosses_the_new_year():
    assert Birthday(1, 5).next_on_or_after(date(2026, 12, 30)) == date(2027, 1, 5)


def test_next_birthday_on_the_day_itself_is_today():
    assert Birthday(4, 14).next_on_or_after(TODAY) == TODAY


def test_next_29_february_after_a_non_leap_february_is_the_next_leap_day():
    assert Birthday(2, 29).next_on_or_after(date(2027, 3, 1)) == date(2028, 2, 29)


def test_age_counts_completed_years():
    born = Birthday(4, 15, 1980)
    assert born.age_on(date(2026, 4, 14)) == 45
    assert born.age_on(date(2026, 4, 15)) == 46
    assert born.age_on(date(2026, 12, 31)) == 46


def test_age_of_a_year_less_birthday_is_unknown():
    assert Birthday(4, 15).age_on(TODAY) is None


def test_a_29_february_child_turns_a_year_older_on_28_february_in_common_years():
    born = Birthday(2, 29, 2000)
    assert born.age_on(date(2001, 2, 27)) == 0
    assert born.age_on(date(2001, 2, 28)) == 1


def test_iso_writes_full_and_year_less_birthdays():
    assert Birthday(4, 5, 1980).iso() == "1980-04-05"
    assert Birthday(4, 5).iso() == "--04-05"


def test_iso_round_trips_through_parse():
    for birthday in (Birthday(4, 5, 1980), Birthday(4, 5), Birthday(2, 29)):
        assert Birthday.parse(birthday.iso(), TODAY) == birthday


# ---------------------------------------------------------------------- relative wording


@pytest.mark.parametrize(
    ("days_ago", "wording"),
    [
        (0, "today"),
        (1, "yesterday"),
        (5, "5 d ago"),
        (13, "13 d ago"),
        (14, "2 wk ago"),
        (21, "3 wk ago"),
        (59, "8 wk ago"),
        (61, "2 mo ago"),
        (365, "1 yr ago"),
        (800, "2 yr ago"),
        (-1, "tomorrow"),
        (-3, "in 3 d"),
        (-21, "in 3 wk"),
        (-92, "in 3 mo"),
        (-400, "in 1 yr"),
    ],
)
def test_relative_wording(days_ago, wording):
    assert relative(TODAY - timedelta(days=days_ago), TODAY) == wording


def test_relative_of_no_date_is_never():
    assert relative(None, TODAY) == "never"


# ---------------------------------------------------------------- years kontakt keeps


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("9999-12-31", 9999), ("31.12.9999", 9999), ("0001-01-01", 1), ("0999-12-31", 999),
        ("3000-01-01", 3000), ("0000-01-01", 0), ("0000-02-30", 0),
    ],
)
def test_a_date_outside_the_years_1000_to_2999_is_refused_naming_its_year(text, year):
    with pytest.raises(YearOutOfRange, match=rf"^year {year} is out of range \(1000–2999\)$"):
        parse_date(text, TODAY)


@pytest.mark.parametrize("text", ["1000-01-01", "2999-12-31", "1.1.1000", "31.12.2999"])
def test_the_first_and_last_day_kontakt_keeps_are_read(text):
    day = parse_date(text, TODAY)
    assert day.year in (MIN_YEAR, MAX_YEAR)
    assert (MIN_YEAR, MAX_YEAR) == (1000, 2999)


@pytest.mark.parametrize(
    ("text", "today"),
    [
        ("tomorrow", date(2999, 12, 31)), ("yesterday", date(1000, 1, 1)),
        ("in 2 weeks", date(2999, 12, 31)), ("3 days ago", date(1000, 1, 1)),
        ("next friday", date(2999, 12, 31)), ("last monday", date(1000, 1, 1)),
    ],
)
def test_a_relative_date_that_leaves_the_range_is_refused(text, today):
    with pytest.raises(YearOutOfRange, match="out of range"):
        parse_date(text, today)


@pytest.mark.parametrize(
    ("text", "today"),
    [("yesterday", date.min), ("3 days ago", date.min), ("tomorrow", date.max),
     ("in 100 years", date.max), ("in 2 months", date(9999, 12, 1))],
)
def test_a_relative_date_beyond_any_calendar_is_a_date_error_not_an_overflow(text, today):
    # A `today` like these only comes from a broken clock; still a message, never OverflowError.
    with pytest.raises(DateError, match="1000–2999"):
        parse_date(text, today)


def test_in_range_and_check_year_pass_good_values_through():
    assert in_range(date(2026, 4, 14)) == date(2026, 4, 14)
    assert check_year(1000) == 1000 and check_year(2999) == 2999
    with pytest.raises(YearOutOfRange):
        check_year(3000)


@pytest.mark.parametrize("text", ["9999-12-31", "31.12.9999", "0999-01-01"])
def test_a_typed_birthday_outside_the_years_is_refused_without_the_year_less_hint(text):
    with pytest.raises(YearOutOfRange) as caught:
        Birthday.parse(text, TODAY)
    assert str(caught.value).startswith("year ")
    assert "year-less" not in str(caught.value)


def test_an_importers_birthday_with_year_9999_is_refused_by_the_domain():
    # vCard/CSV importers build Birthday(month, day, year) from 'BDAY:99991231'.
    with pytest.raises(YearOutOfRange, match="year 9999 is out of range"):
        Birthday(12, 31, 9999)
    assert Birthday(12, 31, 2999).year == 2999
    assert Birthday(2, 29).year is None


def test_a_birthday_the_book_already_holds_opens_whatever_its_year():
    # Stored before kontakt refused such years: still shown and exported, never locks the contact.
    kept = Birthday.from_date(date(9999, 12, 31))
    assert kept == Birthday(12, 31, 9999, kept=True)
    assert kept.iso() == "9999-12-31"
    with pytest.raises(DateError, match="not a real date"):
        Birthday(2, 30, 9999, kept=True)


_TYPED = st.one_of(
    st.text(max_size=20),
    st.dates().map(date.isoformat),
    st.dates().map(lambda d: f"{d.day}.{d.month}.{d.year}"),
    st.builds(lambda n, unit, ago: f"{n} {unit} ago" if ago else f"in {n} {unit}",
              st.integers(0, 10**12), st.sampled_from(["days", "weeks", "months", "years"]),
              st.booleans()),
    st.sampled_from(["today", "yesterday", "tomorrow", "next friday", "last monday", "--02-29"]),
)



def test_any_typed_date_is_a_date_kontakt_keeps_or_a_date_error():
    # Whatever the text and whatever day the clock says (even year 1 or 9999): never an
    # OverflowError or a bare ValueError, and never a date outside the years kept.
    outcomes: Counter[str] = Counter()

    @settings(max_examples=300, deadline=None)
    @given(text=_TYPED, today=st.dates())
    def check(text, today):
        try:
            day = parse_date(text, today)
        except DateError as error:
            assert str(error) and "\n" not in str(error)
            outcomes["refused"] += 1
            return
        assert MIN_YEAR <= day.year <= MAX_YEAR
        outcomes["read"] += 1

    check()
    assert outcomes["read"] >= 30 and outcomes["refused"] >= 30, outcomes


def test_any_typed_birthday_is_one_kontakt_keeps_or_a_date_error():
    outcomes: Counter[str] = Counter()

    @settings(max_examples=300, deadline=None)
    @given(text=_TYPED, today=st.dates(date(1000, 1, 1), date(2999, 12, 31)))
    def check(text, today):
        try:
            birthday = Birthday.parse(text, today)
        except DateError:
            outcomes["refused"] += 1
            return
        assert birthday.year is None or MIN_YEAR <= birthday.year <= MAX_YEAR
        assert birthday.year is None or birthday.year <= today.year  # never in the future
        assert birthday.next_on_or_after(today) >= today
        outcomes["read"] += 1

    check()
    assert outcomes["read"] >= 30 and outcomes["refused"] >= 30, outcomes
