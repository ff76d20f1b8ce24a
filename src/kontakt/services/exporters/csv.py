"""CSV export: one row per contact (or interaction, or favour), no cell a spreadsheet runs."""

from __future__ import annotations

import csv
from itertools import islice
from typing import TextIO

from ...store import Book
from ...store.bulk import iter_contact_cells, iter_favours, iter_interactions
from ..importers.tables import KONTAKT_COLUMNS

# A spreadsheet treats a cell starting with one of these as a formula (or a DDE call).
# `'` is included so a value that really starts with `'` survives the round trip.
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
LIST_SEPARATOR = "; "


def neutralise(cell: str) -> str:
    """Prefix `'` to a cell that a spreadsheet would run; kontakt's importer strips it."""
    return "'" + cell if cell.startswith(DANGEROUS_STARTS) else cell


def _writer(out: TextIO, excel: bool):
    # German Excel splits on `;`; the BOM (added by the caller's encoding) makes it read UTF-8.
    return csv.writer(out, delimiter=";" if excel else ",", lineterminator="\r\n")


def write_contacts(book: Book, out: TextIO, *, excel: bool = False) -> int:
    """Every contact (archived too, not the trash) as kontakt CSV; returns how many."""
    writer = _writer(out, excel)
    writer.writerow(KONTAKT_COLUMNS)
    count = 0
    # Lists come joined from SQLite and cells are neutralised inline: 100k people in about
    # 2 s instead of 5 s through Contact objects.
    dangerous = frozenset(DANGEROUS_STARTS)
    rows = iter_contact_cells(book, list_separator=LIST_SEPARATOR)
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


def write_interactions(book: Book, out: TextIO, *, excel: bool = False) -> int:
    """Every interaction, oldest first, with all who took part; returns how many."""
    writer = _writer(out, excel)
    writer.writerow(INTERACTION_COLUMNS)
    count = 0
    for item in iter_interactions(book):
        people = item["people"]
        writer.writerow([neutralise(str(cell)) for cell in (
            item["date"], item["kind"], item["note"],
            LIST_SEPARATOR.join(p[1] for p in people), LIST_SEPARATOR.join(p[0] for p in people),
            item["uid"],
        )])
        count += 1
    return count


def write_favours(book: Book, out: TextIO, *, excel: bool = False) -> int:
    """Every favour, oldest first; returns how many."""
    writer = _writer(out, excel)
    writer.writerow(FAVOUR_COLUMNS)
    count = 0
    for item in iter_favours(book):
        writer.writerow([neutralise(str(cell)) for cell in (
            item["date"], item["contact_name"], item["contact"], item["direction"], item["kind"],
            item["weight"], item["status"], item["description"], item["uid"],
        )])
        count += 1
    return count
