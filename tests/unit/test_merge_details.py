"""A merge keeps both records' addresses, web addresses, phone/e-mail labels and preferred
channel (each once), and its undo gives each record back exactly what it had."""

from __future__ import annotations

from datetime import date

import pytest

from kontakt.domain import Address
from kontakt.services.dupes import merge, undo_merge
from kontakt.store import Book

TODAY = date(2026, 11, 23)
HOME = Address(label="home", street="1 High St", locality="London", postcode="N1 1AA")
WORK = Address(label="work", pobox="Box 9", street="2 Dock Rd", locality="Leeds")


@pytest.fixture
def book(tmp_path):
    with Book.open(tmp_path / "book.db") as book:
        yield book


def _pair(book: Book, *, kept_channel=None, other_channel="call"):
    kept = book.add_contact(
        "Olga Petrova", today=TODAY, emails=["olga@example.com"], phones=["+44 7700 900123"],
        addresses=[HOME], urls=["https://olga.example"], labels={"olga@example.com": "home"},
        channel=kept_channel,
    )
    other = book.add_contact(
        "Olga P.", today=TODAY, emails=["OLGA@example.com", "olga@firm.example"],
        phones=["07700 900123", "+44 20 7946 0000"],
        addresses=[HOME, WORK], urls=["https://olga.example", "https://firm.example/olga"],
        labels={"OLGA@example.com": "private", "olga@firm.example": "work",
                "07700 900123": "mobile", "+44 20 7946 0000": "work"},
        channel=other_channel,
    )
    return kept, other


def test_a_merge_unites_addresses_urls_and_labels_without_duplicates(book):
    kept, other = _pair(book)
    before_other = book.get_contact(other)
    result = merge(book, kept, other, today=TODAY)
    olga = book.get_contact(kept)
    assert olga.addresses == (HOME, WORK)  # HOME once; WORK with its PO box
    assert olga.urls == ("https://olga.example", "https://firm.example/olga")
    assert olga.emails == ("olga@example.com", "olga@firm.example")
    assert dict(olga.labels) == {
        "olga@example.com": "home",  # the kept record's label wins over "private"
        "olga@firm.example": "work", "+44 7700 900123": "mobile",  # filled through the same number
        "+44 20 7946 0000": "work",
    }
    assert olga.channel == "call"  # filled a gap
    fields = {f.field: f for f in result.fields}
    assert fields["addresses"].source == "both" and "Leeds" in fields["addresses"].result
    assert fields["urls"].result == "https://olga.example, https://firm.example/olga"
    assert fields["channel"].source == "other"

    undo_merge(book, result.merge_id, today=TODAY)
    back = book.get_contact(kept)
    assert back.addresses == (HOME,) and back.urls == ("https://olga.example",)
    assert dict(back.labels) == {"olga@example.com": "home"} and back.channel is None
    assert book.get_contact(other) == before_other  # the other record, as it was


def test_where_both_have_a_channel_the_kept_one_wins_unless_the_other_is_preferred(book):
    kept, other = _pair(book, kept_channel="coffee", other_channel="call")
    result = merge(book, kept, other, today=TODAY, dry_run=True)
    assert {f.field: f.result for f in result.fields}["channel"] == "coffee"
    merge(book, kept, other, today=TODAY, prefer_other=True)
    olga = book.get_contact(kept)
    assert olga.channel == "call"
    assert olga.addresses == (HOME, WORK)  # the other's order first: HOME is in both
    assert olga.emails[0] == "OLGA@example.com"  # the other's spelling, with its label
    assert olga.label_of("OLGA@example.com") == "private"


def test_a_merge_of_records_without_details_shows_no_detail_rows(book):
    a = book.add_contact("Ann Lee", today=TODAY, emails=["ann@example.com"])
    b = book.add_contact("Ann Lee", today=TODAY, emails=["ann@example.com"])
    result = merge(book, a, b, today=TODAY)
    assert {"addresses", "urls", "channel"}.isdisjoint(f.field for f in result.fields)
    assert book.conn.execute("SELECT details FROM contacts WHERE id = ?", (a,)).fetchone()[0] in (None, "{}")
