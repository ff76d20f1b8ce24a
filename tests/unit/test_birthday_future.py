"""The domain's rule for birthdays in a later year: refused when read, never a negative age."""

from datetime import date

import pytest

from kontakt.domain import Birthday, DateError
from kontakt.domain.dates import BirthdayInFuture, born_by

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize("text", ["10.12.2030", "2027-01-01", " 1.1.2027 ", "in 2 years"])
def test_a_birthday_in_a_later_year_is_refused_naming_what_was_typed(text):
    with pytest.raises(BirthdayInFuture) as caught:
        Birthday.parse(text, TODAY)
    assert str(caught.value) == f"{text.strip()!r} is in the future"
    assert isinstance(caught.value, DateError)  # every caller that handles DateError handles it


@pytest.mark.parametrize(("text", "expected"), [
    ("31.12.2026", Birthday(12, 31, 2026)),  # later this year: the year is today's, not after it
    ("tomorrow", Birthday(11, 24, 2026)),
    ("10.12.", Birthday(12, 10)), ("--12-10", Birthday(12, 10)), ("12-10", Birthday(12, 10)),
])
def test_this_years_and_year_less_birthdays_are_read(text, expected):
    assert Birthday.parse(text, TODAY) == expected


def test_born_by_passes_a_year_less_or_past_birthday_and_names_the_iso_form_otherwise():
    assert born_by(Birthday(12, 10), TODAY) == Birthday(12, 10)
    assert born_by(Birthday(12, 10, 2026), TODAY) == Birthday(12, 10, 2026)
    with pytest.raises(BirthdayInFuture, match=r"^'2027-12-10' is in the future$"):
        born_by(Birthday(12, 10, 2027), TODAY)


def test_an_age_before_the_birth_is_none_never_negative():
    kept = Birthday(12, 10, 2030)  # another program wrote it into the book
    assert kept.age_on(kept.next_on_or_after(TODAY)) is None
    assert kept.age_on(date(2030, 12, 9)) is None
    assert kept.age_on(date(2030, 12, 10)) == 0
    assert kept.age_on(date(2031, 12, 10)) == 1


@pytest.mark.parametrize("text, born", [
    ("10.12.30", date(1930, 12, 10)),   # 2030 is still to come: the century before
    ("06.12.26", date(1926, 12, 6)),    # tomorrow, said of a birth: 1926
    ("04.12.26", date(2026, 12, 4)),    # yesterday: a newborn
    ("10.12.85", date(1985, 12, 10)),
    ("10.12.2030", None),               # four digits say what they mean: refused
])
def test_a_two_digit_year_of_a_birthday_is_one_already_past(text, born):
    today = date(2026, 12, 5)
    if born is None:
        with pytest.raises(DateError, match="in the future"):
            Birthday.parse(text, today)
    else:
        assert Birthday.parse(text, today).iso() == born.isoformat()
