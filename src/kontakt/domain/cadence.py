"""Cadences ("every 2 weeks", "monthly") and durations ("in 3 days") and their arithmetic."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dateutil.relativedelta import relativedelta

UNITS = ("day", "week", "month", "year")
_UNIT_DAYS = {"day": 1.0, "week": 7.0, "month": 30.4375, "year": 365.25}
# Longer than a lifetime is a typo, and "every 9000 years" would overflow date arithmetic.
_MAX_DAYS = 100 * 365.25

_WORDS = {
    "daily": (1, "day"),
    "weekly": (1, "week"),
    "fortnightly": (2, "week"),
    "monthly": (1, "month"),
    "quarterly": (3, "month"),
    "yearly": (1, "year"),
    "annually": (1, "year"),
}
_UNIT_ALIASES = {
    "d": "day", "day": "day", "days": "day",
    "w": "week", "wk": "week", "wks": "week", "week": "week", "weeks": "week",
    "m": "month", "mo": "month", "month": "month", "months": "month",
    "y": "year", "yr": "year", "yrs": "year", "year": "year", "years": "year",
    "tag": "day", "tage": "day", "woche": "week", "wochen": "week",
    "monat": "month", "monate": "month", "jahr": "year", "jahre": "year",
}
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "six": 6}
_PATTERN = re.compile(r"^(?:every\s+)?(?:(\d+|a|an|one|two|three|four|six)\s*)?([a-z]+)$")

ACCEPTED = ('"1 week", "2 weeks", "every 3 months", "every 10 days", "monthly", '
            '"quarterly", "yearly"')


class CadenceError(ValueError):
    """A cadence or duration text that cannot be read."""


@dataclass(frozen=True, order=True)
class Cadence:
    """A repeating interval: `count` units of day, week, month or year."""

    count: int
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise CadenceError(f"unknown unit {self.unit!r}")
        if not 1 <= self.count <= 10_000:
            raise CadenceError("a cadence needs a count between 1 and 10000")
        if self.approx_days > _MAX_DAYS:
            raise CadenceError("a cadence can be at most 100 years")

    @classmethod
    def parse(cls, text: str) -> Cadence:
        """Read "1 week", "every 3 months", "monthly", "10d"...; raise CadenceError if not."""
        cleaned = " ".join(text.strip().lower().split())
        if cleaned in _WORDS:
            return cls(*_WORDS[cleaned])
        match = _PATTERN.match(cleaned)
        unit = _UNIT_ALIASES.get(match.group(2)) if match else None
        if not match or unit is None:
            raise CadenceError(f"unknown cadence {text.strip()!r}; try {ACCEPTED}")
        raw_count = match.group(1) or "1"
        count = int(raw_count) if raw_count.isdigit() else _NUMBER_WORDS[raw_count]
        if count == 0:
            raise CadenceError(f"a cadence of zero never comes round: {text.strip()!r}")
        return cls(count, unit)

    @property
    def delta(self) -> relativedelta:
        # Imported here: dateutil costs ~1.5 ms at start-up, and reading a contact never
        # needs it (kontakt.quick's search path reads contacts).
        from dateutil.relativedelta import relativedelta

        return relativedelta(**{self.unit + "s": self.count})

    def after(self, start: date) -> date:
        """The date one cadence after `start`; months clamp to the month's end (31 Jan → 28 Feb)."""
        return start + self.delta

    def before(self, end: date) -> date:
        """The date one cadence before `end`, clamped like `after`."""
        return end - self.delta

    @property
    def approx_days(self) -> float:
        """Average length in days, for ranking how late someone is relative to their cadence."""
        return self.count * _UNIT_DAYS[self.unit]

    def __str__(self) -> str:
        if self.count == 1:
            return f"every {self.unit}"
        return f"every {self.count} {self.unit}s"

    @property
    def short(self) -> str:
        """Compact form for narrow columns: '2w', '3m'."""
        return f"{self.count}{self.unit[0]}"


def parse_duration(text: str) -> Cadence:
    """A duration as in "in 2 weeks" or "--for 3 days": the same words a cadence takes."""
    cleaned = text.strip().lower()
    if cleaned.startswith("in "):
        cleaned = cleaned[3:]
    return Cadence.parse(cleaned)
