"""The preferred channel travels in kontakt's CSV (a trailing `channel` column) and vCards
(X-KONTAKT-CHANNEL): export, import into another book, same channel; it fills a gap on a
matched contact and never overwrites one; an unknown channel is a warning, not a rejection."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from kontakt.services.exporters import csv as csv_export
from kontakt.services.exporters import vcard as vcard_export
from kontakt.services.importers import run_import
from kontakt.services.importers.tables import KONTAKT_COLUMNS
from kontakt.store import Book

TODAY = date(2026, 11, 23)


@pytest.fixture
def book(tmp_path):
    with Book.open(tmp_path / "book.db") as opened:
        opened.add_contact("Olga Petrova", today=TODAY, emails=["olga@example.com"], channel="coffee")
        opened.add_contact("Sam Lee", today=TODAY, emails=["sam@example.com"])
        opened.add_contact("Ada Byron", today=TODAY, emails=["ada@example.com"], channel="letter")
        yield opened


def _write(path: Path, write, book) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        write(book, out)
    return path


EXPORTS = {"csv": csv_export.write_contacts, "vcf": vcard_export.write_cards}


def test_csv_ends_with_a_channel_column():
    assert KONTAKT_COLUMNS[-1] == "channel"


def test_the_csv_and_vcard_carry_the_channel(book, tmp_path):
    rows = list(csv.DictReader(_write(tmp_path / "a.csv", EXPORTS["csv"], book).open(encoding="utf-8")))
    assert {r["name"]: r["channel"] for r in rows} == {"Ada Byron": "letter", "Olga Petrova": "coffee",
                                                        "Sam Lee": ""}
    assert list(rows[0])[-1] == "channel"
    cards = _write(tmp_path / "a.vcf", EXPORTS["vcf"], book).read_text(encoding="utf-8")
    assert cards.count("X-KONTAKT-CHANNEL:") == 2 and "\nX-KONTAKT-CHANNEL:coffee\n" in cards


@pytest.mark.parametrize("suffix", list(EXPORTS))
def test_a_round_trip_into_an_empty_book_keeps_each_channel(book, tmp_path, suffix):
    path = _write(tmp_path / f"out.{suffix}", EXPORTS[suffix], book)
    with Book.open(tmp_path / "other.db") as other:
        report = run_import(other, path, today=TODAY)
        assert len(report.outcome.added) == 3
        assert {c.name: c.channel for c in other.list_contacts()} == {
            "Ada Byron": "letter", "Olga Petrova": "coffee", "Sam Lee": None}


@pytest.mark.parametrize("suffix", list(EXPORTS))
def test_an_import_fills_a_missing_channel_and_keeps_one_the_book_has(book, tmp_path, suffix):
    path = _write(tmp_path / f"out.{suffix}", EXPORTS[suffix], book)
    with Book.open(tmp_path / "other.db") as other:
        olga = other.add_contact("Olga Petrova", today=TODAY, emails=["olga@example.com"])
        ada = other.add_contact("Ada Byron", today=TODAY, emails=["ada@example.com"], channel="call")
        run_import(other, path, today=TODAY)
        assert other.get_contact(olga).channel == "coffee"
        assert other.get_contact(ada).channel == "call"


def test_a_dry_run_sets_no_channel_and_an_unknown_one_is_a_warning(book, tmp_path):
    path = _write(tmp_path / "out.vcf", EXPORTS["vcf"], book)
    path.write_text(path.read_text(encoding="utf-8").replace("X-KONTAKT-CHANNEL:letter", "X-KONTAKT-CHANNEL:pigeon"),
                    encoding="utf-8")
    with Book.open(tmp_path / "other.db") as other:
        olga = other.add_contact("Olga Petrova", today=TODAY, emails=["olga@example.com"])
        run_import(other, path, today=TODAY, dry_run=True)
        assert other.get_contact(olga).channel is None
        report = run_import(other, path, today=TODAY)
        assert [m for _, m in report.outcome.warnings if "channel" in m] == [
            "channel: unknown channel 'pigeon'; use one of message, call, video, coffee, meeting, "
            "email, letter; imported without it"]
        assert other.find("Ada Byron").channel is None and other.get_contact(olga).channel == "coffee"


# ---------------------------------------------------------------- vCard folder sync


def test_sync_writes_the_channel_takes_a_phone_edit_and_then_stays_in_step(book, tmp_path, monkeypatch):
    from kontakt.services.sync import sync_vdir

    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
    folder = tmp_path / "contacts"
    folder.mkdir()
    sync_vdir(book, folder, today=TODAY)
    olga, sam = book.find("Olga Petrova"), book.find("Sam Lee")
    olga_card, sam_card = folder / f"{olga.uid}.vcf", folder / f"{sam.uid}.vcf"
    assert "X-KONTAKT-CHANNEL:coffee\r\n" in olga_card.read_bytes().decode()
    assert b"X-KONTAKT-CHANNEL" not in sam_card.read_bytes()
    # Edited elsewhere: Olga's channel in the card, Sam's in the book.
    olga_card.write_bytes(olga_card.read_bytes().replace(b"X-KONTAKT-CHANNEL:coffee", b"X-KONTAKT-CHANNEL:video"))
    book.update_contact(sam.id, today=TODAY, channel="email")

    report = sync_vdir(book, folder, today=TODAY)

    assert report.updated == [("Olga Petrova", ["channel"])]
    assert report.written == [(f"{sam.uid}.vcf", ["channel"])]
    assert book.get_contact(olga.id).channel == "video"
    assert "X-KONTAKT-CHANNEL:email\r\n" in sam_card.read_bytes().decode()
    assert sync_vdir(book, folder, today=TODAY).changes == 0


def test_a_new_card_with_a_channel_comes_in_with_it(tmp_path, monkeypatch):
    from kontakt.services.sync import sync_vdir

    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
    folder = tmp_path / "contacts"
    folder.mkdir()
    (folder / "x.vcf").write_bytes(b"BEGIN:VCARD\r\nVERSION:4.0\r\nUID:x-1\r\nFN:Yuki Tanaka\r\n"
                                   b"X-KONTAKT-CHANNEL:call\r\nEND:VCARD\r\n")
    with Book.open(tmp_path / "sync.db") as other:
        assert sync_vdir(other, folder, today=TODAY).added == ["Yuki Tanaka"]
        assert other.find("Yuki Tanaka").channel == "call"
