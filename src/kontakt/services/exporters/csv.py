"""CSV export: one row per contact (or interaction, or favour), no cell a spreadsheet runs."""

from __future__ import annotations

import csv
import re
from itertools import islice
from typing import TextIO

from ...store import Book
from ...store.bulk import iter_contact_cells, iter_favours, iter_interactions
from ..importers.tables import KONTAKT_COLUMNS

# A spreadsheet runs a cell that starts with one of these, so each gets a `'` in front:
# - `= + - @`, tab and CR: OWASP's CSV injection list; NUL and LF from ASVS 1.2.10 / good
#   measure (the store cleans them out of single-line fields, but notes are multi-line).
# - The full-width `＝ ＋ － ＠` (U+FF1D, U+FF0B, U+FF0D, U+FF20): what a CJK input method
#   types for these keys, and read as the ASCII operator by spreadsheet setups that fold
#   full-width forms (LibreOffice 7.4 keeps them as text; the `'` costs little there).
# - `|`: the DDE form (`|cmd '/c calc'!A0`) of spreadsheets that still honour DDE links.
# - `'` itself, so a value that really starts with `'` survives the round trip (kontakt's
#   importer strips one leading `'`).
# Not `%`: no spreadsheet starts a formula with it ("50%" becomes a number, as "1.5" does;
# that is typing, not running code), and a `'` would spoil harmless text like "%-Rabatt".
DANGEROUS_STARTS = (
    "=", "+", "-", "@", "\t", "\r", "\n", "\x00", "|", "'",
    "\uff1d", "\uff0b", "\uff0d", "\uff20",
)
LIST_SEPARATOR = "; "


def neutralise(cell: str) -> str:
    """Prefix `'` to a cell that a spreadsheet would run; kontakt's importer strips it."""
    return "'" + cell if cell.startswith(DANGEROUS_STARTS) else cell


def _as_is(cell: str) -> str:
    return cell


def _writer(out: TextIO, excel: bool):
    # German Excel splits on `;`. The BOM (added by the caller's encoding, on every CSV but
    # a raw one) is what makes Excel read UTF-8 instead of the Windows code page.
    return csv.writer(out, delimiter=";" if excel else ",", lineterminator="\r\n")


def write_contacts(book: Book, out: TextIO, *, excel: bool = False, raw: bool = False) -> int:
    """Every contact (archived too, not the trash) as kontakt CSV; returns how many.
    `raw` leaves every cell as stored (for scripts; unsafe to open in a spreadsheet)."""
    writer = _writer(out, excel)
    writer.writerow(KONTAKT_COLUMNS)
    count = 0
    rows = iter_contact_cells(book, list_separator=LIST_SEPARATOR)
    if raw:
        for chunk in iter(lambda: list(islice(rows, 2000)), []):
            writer.writerows(chunk)
            count += len(chunk)
        return count
    # Lists come joined from SQLite and cells are neutralised inline: 100k people in about
    # 2 s instead of 5 s through Contact objects.
    dangerous = frozenset(DANGEROUS_STARTS)
    for chunk in iter(lambda: list(islice(rows, 2000)), []):
        writer.writerows(
            [("'" + cell) if cell[:1] in dangerous else cell for cell in row] for row in chunk
        )
        count += len(chunk)
    return count


INTERACTION_COLUMNS = ("date", "kind", "note", "contacts", "contact_uids", "uid")
FAVOUR_COLUMNS = (
    "date", "contact", "contact_uid", "direction", "kind", "weight", "status", "description", "uid",
)


def write_interactions(
    book: Book, out: TextIO, *, excel: bool = False, raw: bool = False
) -> int:
    """Every interaction, oldest first, with all who took part; returns how many."""
    writer = _writer(out, excel)
    clean = _as_is if raw else neutralise
    writer.writerow(INTERACTION_COLUMNS)
    count = 0
    for item in iter_interactions(book):
        people = item["people"]
        writer.writerow([clean(str(cell)) for cell in (
            item["date"], item["kind"], item["note"],
            LIST_SEPARATOR.join(p[1] for p in people), LIST_SEPARATOR.join(p[0] for p in people),
            item["uid"],
        )])
        count += 1
    return count


def write_favours(book: Book, out: TextIO, *, excel: bool = False, raw: bool = False) -> int:
    """Every favour, oldest first; returns how many."""
    writer = _writer(out, excel)
    clean = _as_is if raw else neutralise
    writer.writerow(FAVOUR_COLUMNS)
    count = 0
    for item in iter_favours(book):
        writer.writerow([clean(str(cell)) for cell in (
            item["date"], item["contact_name"], item["contact"], item["direction"], item["kind"],
            item["weight"], item["status"], item["description"], item["uid"],
        )])
        count += 1
    return count


# Google Contacts' own CSV (contacts.google.com → Export → Google CSV), the columns its
# importer reads. kontakt keeps one full name: it goes to First Name and Last Name split at
# the last space (Google shows them joined again, and its sort uses Last Name); a one-word
# name is all First Name.
GOOGLE_NAME_COLUMNS = (
    "First Name", "Middle Name", "Last Name", "Nickname", "Organization Name",
    "Organization Title", "Birthday", "Notes", "Labels",
)
# Google's own label words; kontakt's labels (work, home, mobile…) are written capitalised,
# and a value without one gets Google's "Other", which the Google import reads back as none.
GOOGLE_MY_CONTACTS = "* myContacts"
GOOGLE_NO_LABEL = "Other"
_ADDRESS_PARTS = ("Formatted", "Street", "City", "PO Box", "Region", "Postal Code", "Country",
                  "Extended Address")


def _google_header(emails: int, phones: int, addresses: int, urls: int) -> list[str]:
    header = list(GOOGLE_NAME_COLUMNS)
    for n in range(1, emails + 1):
        header += [f"E-mail {n} - Label", f"E-mail {n} - Value"]
    for n in range(1, phones + 1):
        header += [f"Phone {n} - Label", f"Phone {n} - Value"]
    for n in range(1, addresses + 1):
        header += [f"Address {n} - Label"] + [f"Address {n} - {part}" for part in _ADDRESS_PARTS]
    for n in range(1, urls + 1):
        header += [f"Website {n} - Label", f"Website {n} - Value"]
    return header


# A phone number made only of digits, spaces and + ( ) . / - cannot call a function or a DDE
# link; Google's importer would keep a `'` in front as part of the number, so these are the
# one kind of cell the Google CSV leaves as it is (at worst a spreadsheet computes a number).
PLAIN_PHONE = re.compile(r"\+?[0-9 ()./-]+")


def _phone_cell(value: str, raw: bool) -> str:
    return value if raw or PLAIN_PHONE.fullmatch(value) else neutralise(value)


def _google_label(label: str, default: str) -> str:
    return label[:1].upper() + label[1:] if label else default


def write_google(book: Book, out: TextIO, *, raw: bool = False) -> int:
    """Every contact (archived too, not the trash) in Google Contacts' CSV, for moving a book
    into a Google account; circles become labels. Returns how many. Cells are neutralised
    as in kontakt's own CSV unless `raw`."""
    contacts = lambda: book.stream_contacts(archived=None)  # noqa: E731 - two passes, streamed
    widest = [0, 0, 0, 0]
    for contact in contacts():
        sizes = (len(contact.emails), len(contact.phones), len(contact.addresses), len(contact.urls))
        widest = [max(w, s) for w, s in zip(widest, sizes)]
    emails, phones, addresses, urls = (max(w, 1) for w in widest)
    writer = _writer(out, excel=False)
    writer.writerow(_google_header(emails, phones, addresses, urls))
    cell = _as_is if raw else neutralise
    count = 0
    for contact in contacts():
        first, _, last = contact.name.rpartition(" ")
        if not first:
            first, last = last, ""
        row = [cell(value) for value in (first, "", last, contact.nickname, contact.org, contact.role)]
        # Digits and dashes written by kontakt itself, in Google's form (--04-15 without a
        # year): nothing a spreadsheet could run, and Google would keep a `'` in the date.
        row.append(contact.birthday.iso() if contact.birthday else "")
        row += [cell(contact.notes), cell(" ::: ".join([*contact.tags, GOOGLE_MY_CONTACTS]))]
        row += [cell(value) for value in _pairs(
            [(_google_label(contact.label_of(e), GOOGLE_NO_LABEL), e) for e in contact.emails], emails)]
        phone_cells = _pairs(
            [(_google_label(contact.label_of(p), GOOGLE_NO_LABEL), p) for p in contact.phones], phones)
        row += [_phone_cell(v, raw) if i % 2 else cell(v) for i, v in enumerate(phone_cells)]
        rest: list[str] = []
        for n in range(addresses):
            if n < len(contact.addresses):
                a = contact.addresses[n]
                formatted = ", ".join(p for p in (a.street, f"{a.postcode} {a.locality}".strip(),
                                                   a.region, a.country) if p)
                rest += [_google_label(a.label, GOOGLE_NO_LABEL), formatted, a.street, a.locality, a.pobox,
                         a.region, a.postcode, a.country, a.extended]
            else:
                rest += [""] * (1 + len(_ADDRESS_PARTS))
        rest += _pairs([("", url) for url in contact.urls], urls)
        writer.writerow(row + [cell(value) for value in rest])
        count += 1
    return count


def _pairs(pairs: list[tuple[str, str]], width: int) -> list[str]:
    """(label, value) pairs flattened into `width` column pairs, empty ones to the right."""
    cells: list[str] = []
    for label, value in pairs:
        cells += [label, value]
    return cells + [""] * (2 * width - len(cells))
