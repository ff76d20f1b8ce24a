"""The issue's gold standard, end to end on 127.0.0.1: kontakt ⇄ its vdir ⇄ vdirsyncer ⇄ a
local Radicale CardDAV server ⇄ vdirsyncer ⇄ a second vdir standing in for the phone.
Skipped cleanly where radicale or vdirsyncer is not installed."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from kontakt.services.sync import sync_vdir
from kontakt.store import Book

pytest.importorskip("radicale")
BIN = Path(sys.executable).parent
if not (BIN / "vdirsyncer").exists():
    pytest.skip("vdirsyncer is not installed", allow_module_level=True)

TODAY = date(2026, 11, 23)

VDIRSYNCER = """\
[general]
status_path = "{tmp}/status/"
{pairs}
"""
PAIR = """
[pair {name}]
a = "{name}_folder"
b = "{name}_server"
collections = null
[storage {name}_folder]
type = "filesystem"
path = "{tmp}/{name}/"
fileext = ".vcf"
[storage {name}_server]
type = "carddav"
url = "http://127.0.0.1:{port}/user/contacts/"
username = "user"
password = "unused"
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """Radicale on a free local port, its storage in tmp_path, one empty address book."""
    port = free_port()
    collection = tmp_path / "radicale" / "collection-root" / "user" / "contacts"
    collection.mkdir(parents=True)
    (collection / ".Radicale.props").write_text('{"tag": "VADDRESSBOOK"}', encoding="utf-8")
    config = tmp_path / "radicale.cfg"
    config.write_text(
        f"[server]\nhosts = 127.0.0.1:{port}\n[auth]\ntype = none\n"
        f"[storage]\nfilesystem_folder = {tmp_path / 'radicale'}\n[logging]\nlevel = warning\n",
        encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"radicale did not start: {process.stderr.read().decode()[-500:]}")
                time.sleep(0.05)
        yield port, collection
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_book_phone_and_server_agree_after_edits_deletes_and_a_conflict(server, tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
    port, collection = server
    for name in ("kontakt", "phone", "status"):
        (tmp_path / name).mkdir()
    config = tmp_path / "vdirsyncer.conf"
    config.write_text(VDIRSYNCER.format(tmp=tmp_path, pairs="".join(
        PAIR.format(name=n, tmp=tmp_path, port=port) for n in ("kontakt", "phone"))), encoding="utf-8")

    def vdirsyncer(*args: str) -> None:
        done = subprocess.run([str(BIN / "vdirsyncer"), "-c", str(config), *args], input="",
                              capture_output=True, text=True, timeout=30,
                              env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
        assert done.returncode == 0, done.stderr[-1000:]

    def round_trip() -> None:
        """kontakt → server → phone, then the phone's changes back the same way."""
        vdirsyncer("sync", "kontakt")
        vdirsyncer("sync", "phone")

    def cards(folder: Path) -> dict[str, str]:
        """{FN: card text} of a folder (the server's too)."""
        found = {}
        for path in folder.glob("*.vcf"):
            text = path.read_text(encoding="utf-8")
            found[next(line[3:] for line in text.splitlines() if line.startswith("FN:"))] = text
        return found

    phone_folder, kontakt_folder = tmp_path / "phone", tmp_path / "kontakt"
    with Book.open(tmp_path / "book.db") as book:
        ada = book.add_contact("Ada Lovelace", today=TODAY, phones=["+44 20 1234"],
                               labels={"+44 20 1234": "mobile"}, role="Countess")
        bob = book.add_contact("Bob Stone", today=TODAY)
        book.add_contact("Eva Meier", today=TODAY)
        vdirsyncer("discover")
        assert len(sync_vdir(book, kontakt_folder, today=TODAY).written) == 3
        round_trip()
        assert sorted(cards(phone_folder)) == ["Ada Lovelace", "Bob Stone", "Eva Meier"]

        # On the phone: Ada's number changes, a photo is added, Bob is deleted.
        (ada_on_phone,) = [p for p in phone_folder.glob("*.vcf") if "FN:Ada" in p.read_text()]
        text = ada_on_phone.read_text(encoding="utf-8").replace("+44 20 1234", "+44 20 5555")
        ada_on_phone.write_text(text.replace("END:VCARD", "PHOTO;ENCODING=b;TYPE=JPEG:AAAA\r\nEND:VCARD"),
                                encoding="utf-8")
        next(p for p in phone_folder.glob("*.vcf") if "FN:Bob" in p.read_text()).unlink()
        vdirsyncer("sync", "phone")
        vdirsyncer("sync", "kontakt")
        report = sync_vdir(book, kontakt_folder, today=TODAY)
        assert report.updated == [("Ada Lovelace", ["phones"])] and report.trashed == ["Bob Stone"]
        assert book.get_contact(ada).phones == ("+44 20 5555",)
        assert [c.id for c, _ in book.trashed()] == [bob]

        # In kontakt: Ada gets an organisation, Eva is deleted; both reach the phone.
        book.update_contact(ada, today=TODAY, org="Analytical Engines")
        eva = next(c for c in book.list_contacts() if c.name == "Eva Meier")
        book.trash_contact(eva.id)
        report = sync_vdir(book, kontakt_folder, today=TODAY)
        assert report.deleted and report.written
        round_trip()
        on_phone = cards(phone_folder)
        assert sorted(on_phone) == ["Ada Lovelace"]
        assert "ORG:Analytical Engines" in on_phone["Ada Lovelace"]
        assert "+44 20 5555" in on_phone["Ada Lovelace"] and "PHOTO" in on_phone["Ada Lovelace"]

        # A conflict: the title changes on the phone and in kontakt. Nothing is lost.
        (ada_on_phone,) = phone_folder.glob("*.vcf")
        ada_on_phone.write_text(ada_on_phone.read_text(encoding="utf-8").replace(
            "TITLE:Countess", "TITLE:Mathematician"), encoding="utf-8")
        book.update_contact(ada, today=TODAY, role="Poet")
        vdirsyncer("sync", "phone")
        vdirsyncer("sync", "kontakt")
        report = sync_vdir(book, kontakt_folder, today=TODAY)
        assert [(c.field, c.book, c.folder) for c in report.conflicts] == [("role", "Poet", "Mathematician")]
        assert "TITLE:Mathematician" in cards(collection)["Ada Lovelace"]
        assert "TITLE:Mathematician" in cards(kontakt_folder)["Ada Lovelace"]
        assert book.get_contact(ada).role == "Poet"
        # Settled for the book: the title reaches the server and the phone.
        sync_vdir(book, kontakt_folder, today=TODAY, take={book.get_contact(ada).uid: "book"})
        round_trip()
        for folder in (kontakt_folder, collection, phone_folder):
            (card,) = cards(folder).values()
            assert "TITLE:Poet" in card and "ORG:Analytical Engines" in card and "+44 20 5555" in card
        assert sync_vdir(book, kontakt_folder, today=TODAY).changes == 0
