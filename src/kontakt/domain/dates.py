"""Dates as users type them, year-less birthdays, and dates shown relative to today."""

from __future__ import annotations

import contextlib
import re
from dataclasses import KW_ONLY, InitVar, dataclass
from datetime import date, timedelta
from functools import lru_cache

from .cadence import Cadence, CadenceError

ACCEPTED_FORMS = (
    "2026-04-03, 3.4.2026, 03.04.26, today, yesterday, tomorrow, "
    "in 2 weeks, 3 days ago, friday, next friday"
)


@lru_cache(maxsize=1)
def _weekdays() -> dict[str, int]:
    """Weekday names and abbreviations to 0 (Monday) … 6. calendar (with locale) is
    imported on first need: ~2 ms at every start otherwise (kontakt.quick reads contacts,
    never parses a date)."""
    import calendar

    weekdays = {name.lower(): i for i, name in enumerate(calendar.day_name)}
    weekdays.update({name.lower(): i for i, name in enumerate(calendar.day_abbr)})
    return weekdays


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_GERMAN = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$")
_SLASHED = re.compile(r"^\d{1,4}/\d{1,2}/\d{1,4}$")
_AGO = re.compile(r"^(.+?)\s+ago$")
_YEARLESS = re.compile(r"^(?:--)?(\d{1,2})-(\d{1,2})$")
_YEARLESS_COMPACT = re.compile(r"^--(\d{2})(\d{2})$")


# Years a date may have. Beyond them is a typo ("9999" as "no date", year 0), and dates near
# date.min/date.max break every "a day later" sum downstream (the ics DTEND, the review's
# next birthday, the stats' months).
MIN_YEAR = 1000
MAX_YEAR = 2999


class DateError(ValueError):
    """A date text that cannot be read, or names a day that does not exist."""


class YearOutOfRange(DateError):
    """A real date whose year kontakt does not keep (outside MIN_YEAR..MAX_YEAR)."""


def check_year(year: int) -> int:
    """`year` if kontakt keeps dates in it; raise DateError saying the range if not."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise YearOutOfRange(f"year {year} is out of range ({MIN_YEAR}–{MAX_YEAR})")
    return year


def in_range(day: date) -> date:
    """`day` if its year is one kontakt keeps (see `check_year`); raise DateError if not."""
    check_year(day.year)
    return day


def _make(year: int, month: int, day: int, text: str) -> date:
    try:
        made = date(year, month, day)
    except ValueError:
        check_year(year)  # '0000-01-01': the year is the reason, not the day
        raise DateError(f"{text!r} is not a real date") from None
    return in_range(made)


# A date written with a two-digit year: 10.12.30, 3/4/85.
_TWO_DIGIT_YEAR = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2}$")


def _expand_two_digit_year(yy: int, today: date) -> int:
    # '03.04.26' is 2026; '12.05.85' is 1985: a two-digit year more than ten years
    # ahead of today is read as last century (birthdays are the common case).
    year = 2000 + yy
    return year if year <= today.year + 10 else year - 100


def parse_date(text: str, today: date) -> date:
    """Read a date the way people type it; raise DateError naming the accepted forms.

    A bare weekday ("friday", "mon") means the next such day after `today`, like
    "next friday": typed on a Friday, "friday" is a week ahead.

    Impossible dates are refused, never shifted; day-first with dots, ISO with dashes;
    slashed dates like 03/04/2026 are refused because the order is ambiguous. Dates
    outside the years MIN_YEAR..MAX_YEAR are refused too ("year 9999 is out of range").
    """
    try:
        return in_range(_read_date(text, today))
    except (OverflowError, ValueError) as error:
        if isinstance(error, DateError):
            raise
        # "yesterday" on 1 January of year 1, "in 100 years" from 9999: beyond any calendar.
        raise DateError(f"{text.strip()!r} falls outside the years {MIN_YEAR}–{MAX_YEAR}") from None


def _read_date(text: str, today: date) -> date:
    cleaned = " ".join(text.strip().lower().split())
    if not cleaned:
        raise DateError(f"no date given; use {ACCEPTED_FORMS}")
    if cleaned == "today":
        return today
    if cleaned == "yesterday":
        return today - timedelta(days=1)
    if cleaned == "tomorrow":
        return today + timedelta(days=1)
    if m := _ISO.match(cleaned):
        return _make(int(m[1]), int(m[2]), int(m[3]), text)
    if m := _GERMAN.match(cleaned):
        year = int(m[3]) if len(m[3]) == 4 else _expand_two_digit_year(int(m[3]), today)
        return _make(year, int(m[2]), int(m[1]), text)
    if _SLASHED.match(cleaned):
        raise DateError(
            f"{text.strip()!r} is ambiguous (day or month first?); "
            f"write it as 2026-04-03 or 3.4.2026 ({ACCEPTED_FORMS})"
        )
    if cleaned.startswith("in "):
        return _shift(cleaned[3:], text, today, +1)
    if m := _AGO.match(cleaned):
        return _shift(m[1], text, today, -1)
    words = cleaned.split()
    weekdays = _weekdays()
    if len(words) == 1 and words[0] in weekdays:
        # A bare weekday is the next such day, as "next friday": on a Friday, "friday" is a
        # week ahead (today is written "today").
        words = ["next", words[0]]
    if len(words) == 2 and words[0] in ("next", "last") and words[1] in weekdays:
        target = weekdays[words[1]]
        if words[0] == "next":
            return today + timedelta(days=(target - today.weekday() - 1) % 7 + 1)
        return today - timedelta(days=(today.weekday() - target - 1) % 7 + 1)
    raise DateError(f"cannot read date {text.strip()!r}; use {ACCEPTED_FORMS}")


def _shift(amount: str, text: str, today: date, sign: int) -> date:
    try:
        period = Cadence.parse(amount)
    except CadenceError:
        raise DateError(f"cannot read date {text.strip()!r}; use {ACCEPTED_FORMS}") from None
    return period.after(today) if sign > 0 else period.before(today)


@dataclass(frozen=True)
class Birthday:
    """A birthday; the year is optional ("--04-15" when only month and day are known).

    Raises DateError for a day that does not exist or a year outside MIN_YEAR..MAX_YEAR
    (so an importer's 'BDAY:99991231' is refused with its reason), unless `kept=True`.
    """

    month: int
    day: int
    year: int | None = None
    _: KW_ONLY
    # True for a birthday the book already holds: one stored before kontakt refused
    # year 9999 must still open (and be shown, exported, edited away), not lock the contact.
    kept: InitVar[bool] = False

    def __post_init__(self, kept: bool) -> None:
        # The year is checked first, so '9999-12-31' is refused for its year.
        if self.year is not None and not kept:
            check_year(self.year)
        # A year-less birthday is checked against a leap year so 29 February is allowed.
        try:
            date(self.year if self.year is not None else 2000, self.month, self.day)
        except ValueError:
            raise DateError(f"{self.iso()!r} is not a real date") from None

    @classmethod
    def from_date(cls, value: date) -> Birthday:
        """The birthday on `value`: a date that is already a `date` (stored, or checked when
        it was read), so its year is not checked again."""
        return cls(value.month, value.day, value.year, kept=True)

    @classmethod
    def parse(cls, text: str, today: date) -> Birthday:
        """Read a birthday: any date `parse_date` reads, or '--04-15' / '04-15' / '--0415'.
        Raises DateError for text it cannot read and BirthdayInFuture for a year after
        `today`'s."""
        cleaned = text.strip()
        m = _YEARLESS.match(cleaned) or _YEARLESS_COMPACT.match(cleaned)
        if m:
            return cls(int(m[1]), int(m[2]))
        m = re.match(r"^(\d{1,2})\.(\d{1,2})\.?$", cleaned)
        if m:  # German year-less: "15.4." or "15.4"
            return cls(int(m[2]), int(m[1]))
        try:
            day = parse_date(cleaned, today)
        except YearOutOfRange:
            raise
        except DateError as error:
            raise DateError(f"{error}; a birthday may also be year-less: --04-15") from None
        if day > today and _TWO_DIGIT_YEAR.match(cleaned):
            # Said of a birth, '10.12.30' is 1930: the century that is not still to come.
            with contextlib.suppress(ValueError):
                day = day.replace(year=day.year - 100)
        return born_by(cls.from_date(day), today, cleaned)

    def iso(self) -> str:
        """'1980-04-15', or '--04-15' without a year."""
        if self.year is None:
            return f"--{self.month:02d}-{self.day:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def in_year(self, year: int) -> date:
        """The day it is celebrated in `year`; 29 February falls on 28 February otherwise."""
        if self.month == 2 and self.day == 29 and not _is_leap(year):
            return date(year, 2, 28)
        return date(year, self.month, self.day)

    def next_on_or_after(self, day: date) -> date:
        """The first celebration on or after `day`."""
        this_year = self.in_year(day.year)
        return this_year if this_year >= day else self.in_year(day.year + 1)

    def age_on(self, day: date) -> int | None:
        """Age in years on `day`, or None when the year is unknown or `day` is before the
        birth (a future year another program wrote into the book: never a negative age)."""
        if self.year is None:
            return None
        had_birthday = (day.month, day.day) >= (self.in_year(day.year).month, self.in_year(day.year).day)
        age = day.year - self.year - (0 if had_birthday else 1)
        return age if age >= 0 else None

    def __str__(self) -> str:
        label = f"{self.day} {_month_abbr(self.month)}"
        return f"{label} {self.year}" if self.year else label


class BirthdayInFuture(DateError):
    """A birthday whose year is after today's: a typo, never someone's birthday."""


def born_by(birthday: Birthday, today: date, text: str | None = None) -> Birthday:
    """`birthday` if its year is not after `today`'s (a year-less one always is); raise
    BirthdayInFuture naming `text` (the birthday as the user or the file wrote it) if not."""
    if birthday.year is not None and birthday.year > today.year:
        shown = text.strip() if text is not None else birthday.iso()
        raise BirthdayInFuture(f"{shown!r} is in the future")
    return birthday


def parse_iso(text: str | None) -> date | None:
    """A stored ISO date, or None."""
    return date.fromisoformat(text) if text else None


def relative(day: date | None, today: date) -> str:
    """A short, calm 'how long ago': 'today', 'yesterday', '5 d ago', '3 wk ago', '2 mo ago', '1 yr ago'."""
    if day is None:
        return "never"
    days = (today - day).days
    if days < 0:
        return in_future(-days)
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{_amount(days)} ago"


def in_future(days: int) -> str:
    """'tomorrow', 'in 5 d', 'in 3 wk', 'in 2 mo', 'in 1 yr'."""
    if days == 1:
        return "tomorrow"
    return f"in {_amount(days)}"


def _amount(days: int) -> str:
    if days < 14:
        return f"{days} d"
    if days < 60:
        return f"{days // 7} wk"
    if days < 365:
        return f"{round(days / 30.4375)} mo"
    return f"{days // 365} yr"


def span(days: float) -> str:
    """A length of time the way people say it: '9 d', '5 wk', '4 mo', '1.5 yr' (rhythms, gaps)."""
    if days < 14:
        return f"{round(days)} d"
    if days < 60:
        return f"{round(days / 7)} wk"
    if days < 365:
        return f"{round(days / 30.4375)} mo"
    return f"{days / 365.25:.1f} yr"


def human(day: date) -> str:
    """'2 Oct 2026', the way the reasons and the timeline write dates."""
    return f"{day.day} {month_label(day)}"


def month_label(day: date) -> str:
    """'Oct 2026': the month a date falls in, as the stats write it."""
    return f"{_month_abbr(day.month)} {day.year}"


def _is_leap(year: int) -> bool:
    """calendar.isleap, without importing calendar."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _month_abbr(month: int) -> str:
    """calendar.month_abbr[month] ('Oct'), calendar imported on first need."""
    import calendar

    return calendar.month_abbr[month]


# Where an English-language program writes 4/3/1980 as 3 April (month first): the US and a
# few territories that follow it. Everywhere else that writes slashed dates puts the day first.
MONTH_FIRST_TERRITORIES = frozenset({"US", "PH", "FM", "MH", "PW", "AS", "GU", "MP", "PR", "UM", "VI"})


def locale_day_first(environ=None) -> tuple[bool, str] | None:
    """Whether the user's locale writes dates day first (en_GB.UTF-8 → True, en_US → False),
    with the locale's name; None when the environment names no territory (C, POSIX, unset).
    Read from LC_ALL, LC_TIME, LANG as the C library reads them, without setlocale()."""
    import os

    environ = os.environ if environ is None else environ
    name = next((environ.get(v) for v in ("LC_ALL", "LC_TIME", "LANG") if environ.get(v)), "")
    match = re.match(r"([a-z]{2,3})_([A-Z]{2})", name)
    if match is None:
        return None
    return match[2] not in MONTH_FIRST_TERRITORIES, match[0]
