"""CSV export: one row per contact (or interaction, or favour), no cell a spreadsheet runs."""

from __future__ import annotations

import csv
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
