"""`kontakt sync` and the structured fields on the command line: what is printed, the exit
codes, [sync] in config.toml, and what lands in the book and the folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.store import Book


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
    return tmp_path / "book.db"


def run(db, *args):
    return CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)


def add_ada(db) -> None:
    result = run(db, "add", "Ada Lovelace", "--phone", "mobile: +44 20 1234", "--email", "work: ada@example.org",
                 "--address", "home: 12 St James's Sq; London; ; SW1Y 4JH; UK", "--url", "https://ada.example",
                 "--role", "Countess")
    assert result.exit_code == 0, result.output


def test_add_and_edit_take_labels_addresses_and_urls_and_show_json_gives_them(db):
    add_ada(db)
    result = run(db, "edit", "ada", "--phone", "home: +44 20 9999", "--remove-url", "https://ada.example",
                 "--url", "https://lovelace.example", "--address", "work: 1 Engine Row; London")
    assert result.exit_code == 0, result.output
    data = json.loads(run(db, "show", "ada", "--json").output)
    assert data["phones"] == ["+44 20 1234", "+44 20 9999"]  # the existing field is unchanged
    assert data["phone_labels"] == {"+44 20 1234": "mobile", "+44 20 9999": "home"}
    assert data["email_labels"] == {"ada@example.org": "work"}
    assert data["urls"] == ["https://lovelace.example"]
    assert [(a["label"], a["street"], a["postcode"]) for a in data["addresses"]] == [
        ("home", "12 St James's Sq", "SW1Y 4JH"), ("work", "1 Engine Row", "")]
    card = run(db, "show", "ada").output
    assert "+44 20 1234 (mobile)" in card and "12 St James's Sq, SW1Y 4JH London, UK (home)" in card
    assert run(db, "edit", "ada", "--remove-address", "work").exit_code == 0
    assert len(json.loads(run(db, "show", "ada", "--json").output)["addresses"]) == 1


def test_an_address_with_too_many_parts_is_one_clear_line(db):
    result = run(db, "add", "Bob", "--address", "a; b; c; d; e; f")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: --address: an address has at most 5 parts (street; locality; region; postcode; "
        "country), not 6: 'a; b; c; d; e; f'"]
    with Book.open(db) as book:
        assert book.list_contacts() == []


@pytest.mark.parametrize("fmt", ["vcard", "csv", "json"])
def test_structured_fields_survive_an_export_and_an_import_into_a_new_book(db, tmp_path, fmt):
    add_ada(db)
    out = tmp_path / f"out.{fmt}"
    assert run(db, "export", fmt, "-o", str(out)).exit_code == 0
    other = tmp_path / "other.db"
    result = run(other, "import", str(out))
    assert result.exit_code == 0, result.output
    with Book.open(db) as book, Book.open(other) as copy:
        (before,), (after,) = book.list_contacts(), copy.list_contacts()
        assert after.addresses == before.addresses and len(after.addresses) == 1
        assert after.urls == before.urls == ("https://ada.example",)
        assert after.labels == before.labels and len(after.labels) == 2


def test_sync_writes_the_folder_reports_and_exits_1_while_a_conflict_is_left(db, tmp_path):
    add_ada(db)
    folder = tmp_path / "cards"
    folder.mkdir()
    dry = run(db, "sync", "--vcard-dir", str(folder), "--dry-run")
    assert dry.exit_code == 0 and "would write" in dry.output and list(folder.iterdir()) == []
    first = run(db, "sync", "--vcard-dir", str(folder))
    assert first.exit_code == 0, first.output
    (card,) = folder.iterdir()
    assert first.output.splitlines()[1] == f"  write {card.name}: new"
    card.write_text(card.read_text(encoding="utf-8").replace("TITLE:Countess", "TITLE:Mathematician"),
                    encoding="utf-8")
    assert run(db, "edit", "ada", "--role", "Poet").exit_code == 0
    result = run(db, "sync", "--vcard-dir", str(folder))
    assert result.exit_code == 1
    assert "  conflict Ada Lovelace" in result.output
    assert "      book:   Poet" in result.output and "      folder: Mathematician" in result.output
    as_json = json.loads(run(db, "sync", "--vcard-dir", str(folder), "--json").output)
    assert as_json["vcard"]["conflicts"][0]["book"] == "Poet"
    settled = run(db, "sync", "--vcard-dir", str(folder), "--resolve", "ada", "--take", "folder")
    assert settled.exit_code == 0, settled.output
    assert "update Ada Lovelace: role (from the card)" in settled.output
    with Book.open(db) as book:
        assert book.find("ada").role == "Mathematician"
    assert run(db, "sync", "--vcard-dir", str(folder)).output.strip().endswith("nothing to change")


def test_sync_reads_its_folder_from_the_config_and_says_what_is_missing(db, tmp_path, isolated_environment):
    add_ada(db)
    missing = run(db, "sync")
    assert missing.exit_code == 1 and "nothing to sync: give --vcard-dir DIR" in missing.output
    folder = tmp_path / "from config"
    config = Path(isolated_environment / "config" / "kontakt" / "config.toml")
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'[sync]\nvcard_dir = "{folder}"\n', encoding="utf-8")
    nowhere = run(db, "sync")
    assert nowhere.exit_code == 1 and nowhere.output.strip() == f"Error: {folder}: no such folder " \
        "(create it, or run vdirsyncer first)"
    folder.mkdir()
    assert run(db, "sync").exit_code == 0 and len(list(folder.glob("*.vcf"))) == 1
    usage = run(db, "sync", "--resolve", "ada")
    assert usage.exit_code == 2 and "--resolve needs --take" in usage.output


def test_a_card_that_cannot_be_written_is_one_line_and_the_book_is_unchanged(db, tmp_path, monkeypatch):
    add_ada(db)
    folder = tmp_path / "cards"
    folder.mkdir()
    from kontakt.services.sync import vdir

    def full_disk(path, text):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr("kontakt.services.sync.write_atomically", full_disk)
    result = run(db, "sync", "--vcard-dir", str(folder))
    assert result.exit_code == 1
    assert result.output.strip().endswith("No space left on device; the book is unchanged")
    assert "Traceback" not in result.output and list(folder.iterdir()) == []
    with Book.open(db) as book:
        assert book.conn.execute("SELECT count(*) FROM sync_cards").fetchone()[0] == 0
    assert vdir.write_atomically is not full_disk  # only the sync's own reference was replaced


def test_sync_also_keeps_the_calendar_folder_when_one_is_given(db, tmp_path):
    add_ada(db)
    assert run(db, "follow-up", "ada", "--on", "2026-12-01", "--note", "send the article").exit_code == 0
    cards, calendar = tmp_path / "cards", tmp_path / "calendar"
    cards.mkdir()
    calendar.mkdir()
    result = run(db, "sync", "--vcard-dir", str(cards), "--calendar-dir", str(calendar))
    assert result.exit_code == 0, result.output
    assert len(list(cards.glob("*.vcf"))) == 1 and len(list(calendar.glob("*.ics"))) >= 1
    assert any(line.startswith(f"calendar {calendar}") for line in result.output.splitlines())
    data = json.loads(run(db, "sync", "--calendar-dir", str(calendar), "--json").output)
    assert list(data) == ["calendar"] and data["calendar"]["written"] == []


def test_sync_json_names_a_to_do_cancelled_on_the_phone(db, tmp_path):
    add_ada(db)
    assert run(db, "follow-up", "ada", "--on", "2026-12-01", "--note", "send the article").exit_code == 0
    calendar = tmp_path / "calendar"
    calendar.mkdir()
    assert run(db, "sync", "--calendar-dir", str(calendar)).exit_code == 0
    [todo] = [p for p in calendar.glob("follow-up-*.ics")]
    todo.write_bytes(todo.read_bytes().replace(b"STATUS:NEEDS-ACTION", b"STATUS:CANCELLED"))

    data = json.loads(run(db, "sync", "--calendar-dir", str(calendar), "--json").output)["calendar"]

    assert data["cancelled"] == ["follow-up with Ada Lovelace due 2026-12-01"]
    assert data["moved"] == data["kept"] == data["trashed"] == [] and not todo.exists()


def test_merge_then_sync_keeps_one_card_with_the_phones_photo_and_says_so(db, tmp_path):
    """The exploratory run's b3 on the command line: the merge deleted the phone's card."""
    folder = tmp_path / "cards"
    folder.mkdir()
    assert run(db, "add", "Marie Curie", "--email", "marie@sorbonne.fr").exit_code == 0
    photo = "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8U\r\n HRoeHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2Q==\r\n"
    (folder / "ios.vcf").write_bytes((
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:ios-1234\r\nFN:Marie Curie\r\nN:Curie;Marie;;;\r\n"
        "EMAIL;type=INTERNET:marie@sorbonne.fr\r\nTEL;type=CELL:+33 1 23 45 67 89\r\n"
        "X-SOCIALPROFILE;type=twitter:http://twitter.com/marie\r\n" + photo + "END:VCARD\r\n").encode())
    assert run(db, "sync", "--vcard-dir", str(folder)).exit_code == 0
    assert run(db, "merge", "1", "2").exit_code == 0
    dry = run(db, "sync", "--vcard-dir", str(folder), "--dry-run").output
    assert "  would merge ios.vcf into " in dry and "(merged in kontakt)" in dry and "delete" not in dry
    result = run(db, "sync", "--vcard-dir", str(folder), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)["vcard"]
    (kept,) = [p.name for p in folder.iterdir()]
    assert data["merged"] == [{"file": "ios.vcf", "into": kept}] and data["deleted"] == []
    assert data["written"] == [{"file": kept, "fields": ["phones", "merged card"]}]
    assert photo.encode() in (folder / kept).read_bytes()
    assert run(db, "unmerge", "2").exit_code == 0
    result = run(db, "sync", "--vcard-dir", str(folder))
    assert f"  write {kept}: phones, merge undone\n" in result.output
    assert "  write ios.vcf: new\n" in result.output
    assert photo.encode() in (folder / "ios.vcf").read_bytes()
    assert photo.encode() not in (folder / kept).read_bytes()
