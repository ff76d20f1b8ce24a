"""A fax number comes in labelled fax: imported as "work" (TEL;WORK;FAX), someone would call it."""

from __future__ import annotations

from datetime import date

from kontakt.domain.cards import types_label
from kontakt.services.importers import run_import

TODAY = date(2026, 11, 23)

CARDS = (
    "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Weber;Eva\r\nTEL;WORK;VOICE:+49 89 1111\r\n"
    "TEL;WORK;FAX:+49 89 2222\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Karl Kopf\r\nTEL;TYPE=CELL:+49 170 3333\r\n"
    "TEL;TYPE=HOME,FAX:+49 30 4444\r\nEND:VCARD\r\n"
)


def test_fax_types_are_labelled_fax_and_other_types_as_before():
    assert types_label(["WORK", "FAX"]) == "fax"
    assert types_label(["home,fax"]) == "fax"
    assert types_label(["WORK", "VOICE"]) == "work"
    assert types_label(["CELL"]) == "mobile"


def test_an_imported_fax_number_says_fax(book, tmp_path):
    path = tmp_path / "phone.vcf"
    path.write_text(CARDS, encoding="utf-8")
    run_import(book, path, today=TODAY)
    labels = {c.name: dict(c.labels) for c in book.list_contacts()}
    assert labels["Eva Weber"] == {"+49 89 1111": "work", "+49 89 2222": "fax"}
    assert labels["Karl Kopf"] == {"+49 170 3333": "mobile", "+49 30 4444": "fax"}
