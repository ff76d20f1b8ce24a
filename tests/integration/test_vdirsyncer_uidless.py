"""A card without a UID through the real vdirsyncer: the server side is a second folder
(Radicale would add a UID on upload; Google does not), so vdirsyncer knows the card by a
hash of its content and renames kontakt's file on every edit, until kontakt writes a UID."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from kontakt.services.sync import sync_vdir
from kontakt.store import Book

BIN = Path(sys.executable).parent
if not (BIN / "vdirsyncer").exists():
    pytest.skip("vdirsyncer is not installed", allow_module_level=True)

TODAY = date(2026, 11, 23)
CONFIG = """\
[general]
status_path = "{tmp}/status/"
[pair google]
a = "kontakt_folder"
b = "google_side"
collections = null
conflict_resolution = "b wins"
[storage kontakt_folder]
type = "filesystem"
path = "{tmp}/kontakt/"
fileext = ".vcf"
[storage google_side]
type = "filesystem"
path = "{tmp}/google/"
fileext = ".vcf"
"""
CARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoe Example\r\nN:Example;Zoe;;;\r\n"
        "EMAIL;TYPE=INTERNET:zoe@example.com\r\nX-GOOGLE-ETAG:\"1\"\r\nEND:VCARD\r\n")


def test_a_uidless_card_edited_on_the_server_stays_one_person_and_gets_a_uid_from_kontakt(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
    for name in ("kontakt", "google", "status"):
        (tmp_path / name).mkdir()
    config = tmp_path / "vdirsyncer.conf"
    config.write_text(CONFIG.format(tmp=tmp_path), encoding="utf-8")
    kontakt, google = tmp_path / "kontakt", tmp_path / "google"

    def vdirsyncer(*args: str) -> None:
        done = subprocess.run([str(BIN / "vdirsyncer"), "-c", str(config), *args], input="",
                              capture_output=True, text=True, timeout=30, check=False,
                              env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
        assert done.returncode == 0, done.stderr[-1000:]

    (google / "people-c42.vcf").write_text(CARD, encoding="utf-8", newline="")
    vdirsyncer("discover")
    vdirsyncer("sync")
    (first,) = kontakt.iterdir()
    with Book.open(tmp_path / "book.db") as book:
        assert sync_vdir(book, kontakt, today=TODAY).added == ["Zoe Example"]
        (zoe_id,) = [r[0] for r in book.conn.execute("SELECT id FROM contacts")]
        book.log_interaction([zoe_id], on=TODAY, kind="meeting", note="coffee", today=TODAY)

        # Edited on the server: vdirsyncer replaces kontakt's file by one with another name.
        edited = CARD.replace("zoe@example.com", "zoe@new.example").replace('"1"', '"2"')
        (google / "people-c42.vcf").write_text(edited, encoding="utf-8", newline="")
        vdirsyncer("sync")
        (second,) = kontakt.iterdir()
        assert second.name != first.name
        report = sync_vdir(book, kontakt, today=TODAY)
        assert report.updated == [("Zoe Example", ["emails"])] and not report.trashed and not report.added
        assert book.get_contact(zoe_id).emails == ("zoe@new.example",) and book.trashed() == []
        assert len(book.interactions_for(zoe_id)) == 1

        # kontakt's own edit writes the UID; vdirsyncer carries it to the server.
        book.update_contact(zoe_id, today=TODAY, role="Engineer")
        uid = book.get_contact(zoe_id).uid
        sync_vdir(book, kontakt, today=TODAY)
        vdirsyncer("sync")
        (on_server,) = google.iterdir()
        text = on_server.read_bytes().decode("utf-8")
        assert f"UID:{uid}\r\n" in text and "TITLE:Engineer" in text and "zoe@new.example" in text

        # From now on a server edit is an edit: the file keeps its name, the person stays.
        named = {p.name for p in kontakt.iterdir()}
        on_server.write_text(text.replace("TITLE:Engineer", "TITLE:Lead"), encoding="utf-8", newline="")
        vdirsyncer("sync")
        assert {p.name for p in kontakt.iterdir()} == named
        report = sync_vdir(book, kontakt, today=TODAY)
        assert report.updated == [("Zoe Example", ["role"])] and not report.trashed and not report.added
        assert book.get_contact(zoe_id).role == "Lead"
