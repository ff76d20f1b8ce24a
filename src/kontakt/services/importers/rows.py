"""What every reader yields: one parsed row (a contact to import, or why it was rejected)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from ...domain import Birthday, DateError, clean, clean_line
from ...domain.text import nfc
from ...domain.dates import YearOutOfRange
from ...store.bulk import NewContact


@dataclass
class Parsed:
    """One row or card: `contact` to import, or `error` saying why not (with `where`)."""

    where: str
    contact: NewContact | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


# Almost every imported value is clean already; checking that is 10x cheaper than cleaning.
_NEEDS_LINE_CLEANING = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NEEDS_TEXT_CLEANING = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _nfc(value: str) -> str:
    return value if unicodedata.is_normalized("NFC", value) else nfc(value)


def line(value: str | None) -> str:
    """A one-line field as it will be stored: control characters gone, NFC."""
    if not value:
        return ""
    if _NEEDS_LINE_CLEANING.search(value) is None:
        return _nfc(value.strip())
    return nfc(clean_line(value))


def text(value: str | None) -> str:
    """A multi-line field (notes) as it will be stored."""
    if not value:
        return ""
    # Not NFC: notes are stored as typed (book._text), so a JSON restore gives them back exactly.
    if _NEEDS_TEXT_CLEANING.search(value) is None:
        return value.strip()
    return clean(value).strip()


def joined(*parts: str | None) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def split_list(value: str | None, pattern: str = r"\s*:::\s*|;") -> list[str]:
    """A multi-value cell: Google joins with ' ::: ', kontakt and Outlook with ';'."""
    if not value:
        return []
    if ":" not in value and ";" not in value and "," not in value:
        return [v] if (v := line(value)) else []  # one value: skip the regex
    return [v for v in (line(part) for part in re.split(pattern, value)) if v]


_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:T.*)?$")
_NO_DATE = {"", "0/0/00", "0/0/0000", "00.00.0000", "0.0.00", "00/00/0000"}


def read_birthday(value: str | None, today: date, *, slashed: str | None = None) -> Birthday | None:
    """A birthday from another program's cell; None when empty or a 'no date' marker.

    `slashed` says how to read 4/15/1980: 'month' (Outlook, US), 'day' (German files),
    or None to refuse it as ambiguous. Raises DateError for impossible dates: never shifted.
    """
    raw = (value or "").strip()
    if raw in _NO_DATE:
        return None
    if m := _SLASHED.match(raw):
        if slashed is None:
            raise DateError(f"{raw!r} is ambiguous (day or month first?)")
        first, second, year = int(m[1]), int(m[2]), int(m[3])
        if year == 0 and first == 0:
            return None
        month, day = (first, second) if slashed == "month" else (second, first)
        if len(m[3]) == 2:
            year += 1900 if year > today.year % 100 else 2000
        return real_birthday(raw, month, day, year)
    if m := _ISO_DATE.match(raw):
        return real_birthday(raw, int(m[2]), int(m[3]), int(m[1]))
    return Birthday.parse(raw, today)


def real_birthday(raw: str, month: int, day: int, year: int | None) -> Birthday:
    try:
        return Birthday(month, day, year)
    except YearOutOfRange as error:
        raise DateError(f"{raw!r}: {error}") from None
    except DateError:
        raise DateError(f"{raw!r} is not a real date") from None
