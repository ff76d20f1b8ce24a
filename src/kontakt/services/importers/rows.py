"""What every reader yields: one parsed row (a contact to import, or why it was rejected)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from email.utils import getaddresses

from ...domain import Birthday, DateError, clean, clean_line
from ...domain.text import nfc
from ...domain.dates import BirthdayInFuture, YearOutOfRange, born_by
from ...store.bulk import NewContact


@dataclass
class Parsed:
    """One row or card: `contact` to import, or `error` saying why not (with `where`)."""

    where: str
    contact: NewContact | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    group: Group | None = None


@dataclass
class Group:
    """A contact group card (vCard KIND:group, Apple's X-ADDRESSBOOKSERVER-KIND:group):
    imported as a circle whose members are the cards with these uids."""

    name: str
    members: list[str] = field(default_factory=list)


# Almost every imported value is clean already; checking that is 10x cheaper than cleaning.
_NEEDS_LINE_CLEANING = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NEEDS_TEXT_CLEANING = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _nfc(value: str) -> str:
    return value if unicodedata.is_normalized("NFC", value) else nfc(value)


def line(value: str | None) -> str:
    """A one-line field as it will be stored: control characters gone, NFC."""
    if not value:
        return ""
    # Printable ASCII (most cells) is NFC and free of controls: two C calls, no regex.
    if value.isascii() and value.isprintable():
        return value.strip()
    if _NEEDS_LINE_CLEANING.search(value) is None:
        return _nfc(value.strip())
    return nfc(clean_line(value))


def text(value: str | None) -> str:
    """A multi-line field (notes) as it will be stored."""
    if not value:
        return ""
    # Not NFC: notes are stored as typed (book._text), so a JSON restore gives them back exactly.
    if (value.isascii() and value.isprintable()) or _NEEDS_TEXT_CLEANING.search(value) is None:
        return value.strip()
    return clean(value).strip()


def is_clean(cells: list[str]) -> bool:
    """True when `line` and `text` of every one of `cells` would only strip it: no control
    character anywhere, and NFC. Checked once on the cells joined by a space, which composes
    with no neighbour, so the whole is NFC exactly when each cell is."""
    whole = " ".join(cells)
    if whole.isascii():
        return whole.isprintable()
    return _NEEDS_LINE_CLEANING.search(whole) is None and unicodedata.is_normalized("NFC", whole)


def joined(*parts: str | None) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def split_list(value: str | None, pattern: str = r"\s*:::\s*|;", *, clean=line) -> list[str]:
    """A multi-value cell: Google joins with ' ::: ', kontakt and Outlook with ';'. `clean`
    is `line`, or `str.strip` for a cell `is_clean` passed."""
    if not value:
        return []
    if ":" not in value and ";" not in value and "," not in value:
        return [v] if (v := clean(value)) else []  # one value: skip the regex
    return [v for v in (clean(part) for part in _compiled(pattern).split(value)) if v]


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    """re's own cache costs a lookup per call; a row calls split_list several times."""
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        compiled = _PATTERNS[pattern] = re.compile(pattern)
    return compiled


_SLASHED = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:T.*)?$")
_NO_DATE = {"", "0/0/00", "0/0/0000", "00.00.0000", "0.0.00", "00/00/0000"}
# Years programs write on 1 January for "no date": Outlook's None (1/1/4501), the Windows
# FILETIME zero (1/1/1601) and .NET's DateTime.MinValue (1/1/0001). Nobody in an address
# book was born on one of them.
_NO_DATE_YEARS = {1, 1601, 4501}
# Apple's year for a birthday without one (chosen as a leap year, so 29 February fits).
APPLE_NO_YEAR = 1604


_TIME = re.compile(r"[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AP]M)?$", re.IGNORECASE)
_YEAR_FIRST = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})\.?$")
# English month names, as Excel ('24-Dec-1980'), LinkedIn ('05 Dec 2026') and US sheets
# ('Dec 24, 1980', 'December 24 1980') write them.
_NAMED_MONTH = re.compile(r"^(?P<day>\d{1,2})[ .-]+(?P<month>[A-Za-z]{3,9}\.?)[ .,-]+(?P<year>\d{4})$")
_MONTH_FIRST = re.compile(r"^(?P<month>[A-Za-z]{3,9}\.?)\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})$")
_MONTHS = {name: n for n, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_MONTH_NAMES = {*_MONTHS, "sept", "january", "february", "march", "april", "june", "july",
                "august", "september", "october", "november", "december"}


def read_birthday(value: str | None, today: date, *, slashed: str | None = None) -> Birthday | None:
    """A birthday from another program's cell; None when empty or a 'no date' marker. A
    time after the date is dropped; 1980/12/24 and English month names are read too.

    `slashed` says how to read 4/15/1980: 'month' (Outlook, US), 'day' (German files),
    or None to refuse it as ambiguous. Raises DateError for impossible dates: never shifted;
    and for a year after today's (BirthdayInFuture).
    """
    raw = (value or "").strip()
    if ":" in raw:  # a date cell saved with its time (Excel, LibreOffice): '12/24/1980 0:00'
        raw = _TIME.sub("", raw)
    if raw in _NO_DATE:
        return None
    if m := _YEAR_FIRST.match(raw):  # 1980/12/24 (Japanese, Chinese settings): never ambiguous
        return born_by(real_birthday(raw, int(m[2]), int(m[3]), int(m[1])), today, raw)
    if (m := _NAMED_MONTH.match(raw)) or (m := _MONTH_FIRST.match(raw)):
        if (month := m["month"].lower().rstrip(".")) in _MONTH_NAMES:
            return born_by(real_birthday(raw, _MONTHS[month[:3]], int(m["day"]), int(m["year"])),
                           today, raw)
    if (m := _SLASHED.match(raw)) and (m[2] != "." or slashed is not None):
        # Dots are day-first everywhere (3.4.1980); a slash or a dash takes the file's order:
        # US Outlook writes 4/3/1980, German, French, Spanish ones 3/4/1980, Dutch 3-4-1980.
        first, second, year = int(m[1]), int(m[3]), int(m[4])
        if year == 0 and first == 0:
            return None
        if slashed is None:
            raise DateError(f"{raw!r} is ambiguous (day or month first? kontakt import --dates "
                            "dmy or mdy says which)")
        month, day = (first, second) if slashed == "month" and m[2] != "." else (second, first)
        if len(m[4]) == 2:
            year += 1900 if year > today.year % 100 else 2000
        if (month, day) == (1, 1) and year in _NO_DATE_YEARS:
            return None
        return born_by(real_birthday(raw, month, day, year), today, raw)
    if m := _ISO_DATE.match(raw):
        if (int(m[2]), int(m[3])) == (1, 1) and int(m[1]) in _NO_DATE_YEARS:
            return None
        return born_by(real_birthday(raw, int(m[2]), int(m[3]), int(m[1])), today, raw)
    if (m := re.fullmatch(r"0?1\.0?1\.(\d{4})", raw)) and int(m[1]) in _NO_DATE_YEARS:
        return None
    return Birthday.parse(raw, today)


def real_birthday(raw: str, month: int, day: int, year: int | None) -> Birthday:
    """Birthday(month, day, year); year 0 (Google's and Android's 0000-04-15, vCard's
    0000-04-15) and Apple's 1604 (BDAY:1604-04-15, with or without X-APPLE-OMIT-YEAR)
    mean the year is not known. Raises DateError naming `raw`."""
    if year == 0 or year == APPLE_NO_YEAR:
        year = None
    try:
        return Birthday(month, day, year)
    except YearOutOfRange as error:
        raise DateError(f"{raw!r}: {error}") from None
    except DateError:
        raise DateError(f"{raw!r} is not a real date") from None


# ---------------------------------------------------------------------- e-mail addresses

_MAILTO = re.compile(r"^\s*mailto:", re.IGNORECASE)
_ANGLE = re.compile(r"<\s*(?:mailto:)?([^<>\s]+@[^<>\s]+)\s*>")
# Outlook's Exchange address: a directory path, not something mail can be sent to.
_EXCHANGE = re.compile(r"^/o=", re.IGNORECASE)


# Only a value with one of these can hold mailto:, a display name or an Exchange path.
_NEEDS_EMAIL_WORK = re.compile(r'[<":/]')
_EMAIL_SEPARATORS = re.compile(r"\s*:::\s*|[;,]")


def is_exchange_address(value: str) -> bool:
    """True for '/o=ExchangeLabs/ou=…/cn=Recipients/cn=…' (Outlook's E-mail Type EX)."""
    return bool(_EXCHANGE.match(value.strip()))


def email_address(value: str | None) -> str:
    """The bare address: 'mailto:' dropped, 'Anna Müller <anna@example.com>' reduced to
    'anna@example.com'; '' for an Exchange directory path. Anything else stays as typed."""
    value = line(value)
    # Only a value with a '/' can be an Exchange path, only one with a ':' hold mailto:.
    if not value or ("/" in value and is_exchange_address(value)):
        return ""
    if "<" in value and (m := _ANGLE.search(value)):
        value = m[1]
    return _MAILTO.sub("", value).strip() if ":" in value else value.strip()


def split_emails(value: str | None, *, clean=line) -> list[str]:
    """Several addresses in one cell (' ::: ', ';' or ','), display names allowed:
    '"Müller, Anna" <anna@example.com>, bob@example.com' is two addresses, not three.
    `clean` as for `split_list`."""
    if not value:
        return []
    # The common case, plain addresses: no colon but Google's ' ::: ' separators (the same
    # leftmost matches the split takes), so no part can hold mailto:, an Exchange path or a
    # display name, and email_address(part) is line(part).
    if not _NEEDS_EMAIL_WORK.search(value.replace(":::", "") if ":::" in value else value):
        return split_list(value, r"\s*:::\s*|[;,]", clean=clean)
    if "<" in value or '"' in value:
        pairs = getaddresses([re.sub(r"\s*:::\s*|;", ",", value)])
        found = [email_address(addr) for _, addr in pairs if addr]
        if found:
            return [f for f in found if f]
    return [e for e in (email_address(v) for v in _EMAIL_SEPARATORS.split(value)) if e]


# ---------------------------------------------------------------------- caps

# What one imported contact may hold. Real people have a handful of addresses; a card
# with 2,000 is a mailing list or a sync loop, and storing it would make every search,
# the detail screen and every later export pay for it. The caps sit far above anything
# a person types (500 characters is several lines of the widest terminal for a name; a
# note of 100,000 characters is some 40 printed pages) and keep the first values, which
# the exporting program lists first because they matter most.
MAX_EMAILS = 20
MAX_PHONES = 20
MAX_ADDRESSES = 20  # also web addresses (one Google cell can join thousands with ' ::: ')
MAX_TAGS = 50
MAX_NAME = 500  # characters; also nickname, org, role, location
MAX_NOTES = 100_000  # characters; also "met"

_LIST_CAPS = (("emails", MAX_EMAILS, "e-mails"), ("phones", MAX_PHONES, "phones"),
              ("tags", MAX_TAGS, "circles"))
_LINE_CAPS = ("name", "nickname", "org", "role", "location")
_TEXT_CAPS = ("notes", "met")


def without_future_birthday(contact: NewContact, today: date) -> list[str]:
    """Drop a birthday whose year is after today's (a vCard's BDAY:20301210), with a warning
    worded as for an unreadable one; the contact itself is kept."""
    if contact.birthday is None or contact.birthday.year is None:
        return []
    try:
        born_by(contact.birthday, today)
    except BirthdayInFuture as error:
        contact.birthday = None
        return [f"birthday: {error}; imported without it"]
    return []


# A phone number a spreadsheet turned into a number and rounded ("+4917112345678" saved by
# Excel as 4,91712E+12): its digits are gone.
_ROUNDED = re.compile(r"\d(?:[.,]\d+)?E\+\d{1,3}", re.IGNORECASE)


def without_rounded_phones(contact: NewContact) -> list[str]:
    """Drop phones a spreadsheet rounded to a number (4,91712E+12), one warning each:
    stored, they would look like a number someone can call."""
    rounded = [p for p in contact.phones if ("E" in p or "e" in p) and _ROUNDED.fullmatch(p.strip())]
    if not rounded:
        return []
    contact.phones = [p for p in contact.phones if p not in rounded]
    return [f"phone {p!r} is a number a spreadsheet rounded (the file was saved by Excel?); "
            "imported without it" for p in rounded]


def cap(contact: NewContact) -> list[str]:
    """Cut absurd sizes down to the caps above; one warning per field that was cut."""
    warnings = []
    for name, limit, word in _LIST_CAPS:
        values = getattr(contact, name)
        if len(values) > limit:
            warnings.append(f"{len(values) - limit:,} {word} dropped (kept {limit})")
            setattr(contact, name, values[:limit])
    for name in _LINE_CAPS:
        value = getattr(contact, name)
        if len(value) > MAX_NAME:
            warnings.append(f"{name} cut to {MAX_NAME:,} characters (it had {len(value):,})")
            setattr(contact, name, value[:MAX_NAME].rstrip())
    for name in _TEXT_CAPS:
        value = getattr(contact, name)
        if len(value) > MAX_NOTES:
            warnings.append(f"{name} cut to {MAX_NOTES:,} characters (it had {len(value):,})")
            setattr(contact, name, value[:MAX_NOTES].rstrip())
    details = contact.details
    if len(details.addresses) > MAX_ADDRESSES or len(details.urls) > MAX_ADDRESSES:
        for name, word in (("addresses", "addresses"), ("urls", "web addresses")):
            values = getattr(details, name)
            if len(values) > MAX_ADDRESSES:
                warnings.append(f"{len(values) - MAX_ADDRESSES:,} {word} dropped (kept {MAX_ADDRESSES})")
                details = replace(details, **{name: values[:MAX_ADDRESSES]})
        contact.details = details
    return warnings
