"""CSV export: one row per contact (or interaction, or favour), no cell a spreadsheet runs."""

from __future__ import annotations

import csv
from typing import TextIO

from ...store import Book
from ...store.bulk import iter_contacts, iter_favours, iter_interactions
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
    for contact, _ in iter_contacts(book):
        row = [
            contact.name, contact.nickname, LIST_SEPARATOR.join(contact.emails),
            LIST_SEPARATOR.join(contact.phones), contact.org, contact.role, contact.location,
            contact.met, contact.birthday.iso() if contact.birthday else "",
            LIST_SEPARATOR.join(contact.tags), contact.notes,
            str(contact.cadence) if contact.cadence else "",
            "true" if contact.archived else "false", contact.uid,
            contact.created_at.isoformat() if contact.created_at else "",
            contact.updated_at.isoformat() if contact.updated_at else "",
            contact.last_contact.isoformat() if contact.last_contact else "",
            contact.next_due.isoformat() if contact.next_due else "",
        ]
        writer.writerow([neutralise(cell) for cell in row])
        count += 1
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
