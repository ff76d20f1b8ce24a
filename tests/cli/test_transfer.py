"""`kontakt import` and `kontakt export`: output, exit codes, and what lands in the book."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.store import Book

FIXTURES = Path(__file__).parent.parent / "fixtures" / "transfer"


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", "2026-11-23")
    return tmp_path / "book.db"


def run(db, *args):
    return CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)


def names(db):
    with Book.open(db) as book:
        return sorted(c.name for c in book.list_contacts(archived=None))


def test_import_prints_the_summary_and_exits_0(db):
    result = run(db, "import", str(FIXTURES / "linkedin_connections.csv"))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2 added, 0 merged, 0 rejected"
    assert names(db) == ["Priya Raman", "Sven Olsen"]


def test_rejected_rows_are_listed_on_stderr_and_exit_3_after_importing_the_rest(db):
    result = run(db, "import", str(FIXTURES / "google.csv"))
    assert result.exit_code == 3
    assert result.stdout.strip() == "4 added, 0 merged, 1 rejected (line 7: no name)"
    assert "google.csv: line 7: rejected: no name" in result.stderr
    assert names(db) == ["Anna Müller", "Bob Smith", "Chloé Dubois", "Nameless GmbH"]


def test_a_refused_file_names_itself_exits_1_and_writes_nothing(db):
    run(db, "add", "Already Here")
    result = run(db, "import", str(FIXTURES / "unterminated_quote.csv"))
    assert result.exit_code == 1
    assert "unterminated_quote.csv" in result.stderr and "never closed" in result.stderr
    assert "Traceback" not in result.output
    assert names(db) == ["Already Here"]


def test_a_missing_file_is_refused(db):
    result = run(db, "import", "/nonexistent/contacts.csv")
    assert result.exit_code == 1 and "/nonexistent/contacts.csv: no such file" in result.stderr


def test_windows_1252_fallback_is_announced_on_stderr(db):
    result = run(db, "import", str(FIXTURES / "outlook_cp1252.csv"))
    assert "read as Windows-1252" in result.stderr
    assert "line 4: birthday: '2/30/1980' is not a real date" in result.stderr
    assert "Renée Faßbender" in names(db)


def test_dry_run_lists_what_would_happen_and_writes_nothing(db):
    run(db, "add", "Anna Müller", "--email", "anna@example.com")
    result = run(db, "import", str(FIXTURES / "google.csv"), "--dry-run")
    assert result.exit_code == 3  # it would land, with a row rejected
    out = result.stdout
    assert "would add     line 4: Bob Smith" in out
    assert "would merge   line 2: Anna Müller into #1 Anna Müller (" in out
    assert "would reject  line 7: no name" in out
    assert out.strip().endswith("dry run, nothing written: would be 3 added, 1 merged, 1 rejected (line 7: no name)")
    assert names(db) == ["Anna Müller"]


def test_import_twice_reports_everyone_unchanged(db):
    run(db, "import", str(FIXTURES / "cards_30.vcf"))
    result = run(db, "import", str(FIXTURES / "cards_30.vcf"))
    assert result.stdout.strip() == "0 added, 0 merged, 2 unchanged, 0 rejected"


def test_import_json_report(db):
    result = run(db, "import", str(FIXTURES / "hostile.csv"), "--json")
    report = json.loads(result.stdout)
    assert report["format"] == "csv" and report["added"] == 8 and report["merged"] == 1
    assert {"where": "line 11", "reason": "ragged row: 6 fields, the header has 5"} in report["rejected"]


def test_map_option_names_the_name_column(db):
    result = run(db, "import", str(FIXTURES / "generic_tabs.tsv"), "--map", "Person=name", "--map", "Mail=email")
    assert result.exit_code == 0, result.output
    assert names(db) == ["Maria Rossi"]


def test_a_bad_map_is_a_usage_error(db):
    result = run(db, "import", str(FIXTURES / "generic_tabs.tsv"), "--map", "Person=shoe_size")
    assert result.exit_code == 2 and "unknown field 'shoe_size'" in result.stderr


def test_an_unknown_format_is_a_usage_error(db):
    result = run(db, "import", str(FIXTURES / "google.csv"), "--format", "excel")
    assert result.exit_code == 2


def test_markup_in_names_is_printed_literally(db):
    result = run(db, "import", str(FIXTURES / "hostile.csv"), "--dry-run")
    assert "would add     line 4: [bold]Bold[/bold] Name" in result.stdout
    assert "\x1b" not in result.stdout


def circle_members(db, circle):
    with Book.open(db) as book:
        return sorted(c.name for c in book.circle_members(circle))


def test_every_row_rejected_means_nothing_landed_and_exits_1(db, tmp_path):
    nameless = tmp_path / "nameless.csv"
    nameless.write_text("name,email\r\n,a@example.com\r\n,b@example.com\r\n", encoding="utf-8")
    result = run(db, "import", str(nameless))
    assert result.exit_code == 1
    assert result.stdout.strip() == "0 added, 0 merged, 2 rejected (lines 2, 3: no name)"
    assert names(db) == []


def test_strict_refuses_the_file_writes_nothing_and_names_the_lines(db):
    run(db, "add", "Already Here")
    result = run(db, "import", str(FIXTURES / "google_hostile.csv"), "--strict")
    assert result.exit_code == 1
    assert "--strict: nothing imported; 2 rows would be rejected (line 4: a NUL byte in 'Notes'" \
        in result.stderr
    assert "line 5: no name" in result.stderr and "Traceback" not in result.output
    assert names(db) == ["Already Here"]
    with Book.open(db) as book:
        assert book.circles() == []  # the Versorger circle of line 2 was rolled back too


def test_without_strict_the_same_file_lands_with_exit_3(db):
    result = run(db, "import", str(FIXTURES / "google_hostile.csv"))
    assert result.exit_code == 3
    assert "google_hostile.csv: line 4: rejected: a NUL byte in 'Notes'" in result.stderr
    assert names(db) == ["Maja Nowak", "Otto Ok", "Stadtwerke Köln GmbH"]
    shown = {c["name"]: c for c in json.loads(run(db, "list", "--json").stdout)}
    assert shown["Stadtwerke Köln GmbH"]["org"] == "Stadtwerke Köln GmbH"
    assert shown["Maja Nowak"]["emails"] == ["maja@example.pl", "maja.nowak@example.org",
                                             "mn@example.net"]
    assert shown["Maja Nowak"]["birthday"] == "--04-15"


def test_import_help_documents_the_exit_statuses_and_new_options(db):
    result = run(db, "import", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "3 it landed, but some rows or cards were rejected" in text
    assert "1 nothing landed" in text
    assert "--encoding NAME" in text and "--strict" in text


def test_polish_outlook_file_lands_with_its_letters_and_without_exchange_paths(db):
    result = run(db, "import", str(FIXTURES / "outlook_cp1250.csv"))
    assert result.exit_code == 0, result.output
    assert "outlook_cp1250.csv: not UTF-8; read as Windows-1250" in result.stderr
    assert "line 2: e-mail: an Exchange address (/o=…), not an e-mail address" in result.stderr
    assert names(db) == ["Jan Kowalski", "Jiří Dvořák", "Paweł Wiśniewski",
                         "Przedsiębiorstwo Żółw Sp. z o.o."]
    shown = {c["name"]: c for c in json.loads(run(db, "list", "--json").stdout)}
    assert shown["Paweł Wiśniewski"]["emails"] == ["pawel@example.pl"]
    assert shown["Przedsiębiorstwo Żółw Sp. z o.o."]["org"] == "Przedsiębiorstwo Żółw Sp. z o.o."


def test_encoding_option_reads_the_file_as_told(db, tmp_path):
    result = run(db, "import", str(FIXTURES / "outlook_cp1250.csv"), "--encoding", "cp1250",
                 "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["encoding"] == "Windows-1250"
    assert "not UTF-8" not in result.stderr  # nothing guessed, nothing announced
    assert "Paweł Wiśniewski" in names(db)
    # Told wrong, it reads wrong: the option wins over the detection.
    other = tmp_path / "other.db"
    wrong = run(other, "import", str(FIXTURES / "czech_latin2.csv"), "--encoding", "cp1252")
    assert wrong.exit_code == 0 and "Jiøí Dvoøák" in names(other)


def test_an_unknown_encoding_is_a_usage_error(db):
    result = run(db, "import", str(FIXTURES / "google.csv"), "--encoding", "klingon")
    assert result.exit_code == 2
    assert "unknown encoding 'klingon'" in result.stderr and "Traceback" not in result.output
    assert not db.exists()


def test_a_wrong_encoding_is_refused_naming_the_file(db):
    result = run(db, "import", str(FIXTURES / "outlook_cp1250.csv"), "--encoding", "utf-8")
    assert result.exit_code == 1
    assert "outlook_cp1250.csv: not valid UTF-8 (byte" in result.stderr
    assert names(db) == []


def test_icloud_vcard_group_becomes_a_circle_not_a_person(db):
    result = run(db, "import", str(FIXTURES / "icloud_groups.vcf"))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "3 added, 0 merged, 1 group as a circle, 0 rejected"
    assert names(db) == ["Fjord Ferries AS", "Karin Lindqvist", "Ola Berg"]
    assert circle_members(db, "Sailing Club") == ["Karin Lindqvist", "Ola Berg"]
    assert "group Sailing Club: 1 of 3 members are not in this import" in result.stderr


def test_dry_run_shows_the_circle_a_group_would_make(db):
    result = run(db, "import", str(FIXTURES / "rfc6350_group.vcf"), "--dry-run")
    assert result.exit_code == 3
    assert "would make    line 1: circle Book Club (2 members)" in result.stdout
    assert "would reject  line 16: broken card: a NUL byte in 'FN' on line 18" in result.stdout
    assert not db.exists()


def test_json_report_lists_groups(db):
    result = run(db, "import", str(FIXTURES / "rfc6350_group.vcf"), "--json")
    report = json.loads(result.stdout)
    assert report["groups"] == [{"where": "line 1", "circle": "Book Club", "members": 2}]
    assert report["added"] == 2 and len(report["rejected"]) == 1


def test_absurd_sizes_are_capped_and_each_cut_is_named_on_stderr(db, tmp_path):
    emails = ", ".join(f"list{i}@example.com" for i in range(2000))
    source = tmp_path / "dump.csv"
    source.write_text(f'name,email,notes\r\nOk,ok@example.com,\r\n{"N" * 10_000},"{emails}",'
                      f'{"y" * 300_000}\r\n', encoding="utf-8")
    result = run(db, "import", str(source))
    assert result.exit_code == 0, result.output  # capped, not rejected
    assert "dump.csv: line 3: 1,980 e-mails dropped (kept 20)" in result.stderr
    assert "dump.csv: line 3: name cut to 500 characters (it had 10,000)" in result.stderr
    assert "dump.csv: line 3: notes cut to 100,000 characters (it had 300,000)" in result.stderr
    shown = {c["name"]: c for c in json.loads(run(db, "list", "--json").stdout)}
    assert len(shown["N" * 500]["emails"]) == 20


def test_semicolons_in_phones_and_circles_survive_a_csv_round_trip(db, tmp_path):
    run(db, "add", "Semi; Colon", "--email", "semi@example.com", "--phone", "+1 555 0100;ext=7",
        "--tag", "Kunden;VIP", "--tag", "Friends", "--org", "Müller; Söhne", "--note", "a; b")
    target = tmp_path / "out.csv"
    assert run(db, "export", "csv", "-o", str(target)).exit_code == 0
    other = tmp_path / "other.db"
    result = run(other, "import", str(target))
    assert result.exit_code == 0, result.output
    before = json.loads(run(db, "list", "--json").stdout)[0]
    after = json.loads(run(other, "list", "--json").stdout)[0]
    for key in ("name", "emails", "phones", "org", "tags"):
        assert after[key] == before[key], key
    assert after["phones"] == ["+1 555 0100;ext=7"] and after["tags"] == ["Kunden;VIP", "Friends"]


def test_export_csv_to_stdout_neutralises_formulas(db):
    run(db, "add", "=cmd|' /C calc'!A0", "--phone", "+49 170 1")
    result = run(db, "export", "csv")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("\ufeffname,nickname,emails,phones,")  # BOM: Excel reads UTF-8
    assert lines[1].startswith("'=cmd|' /C calc'!A0,,,'+49 170 1,")


def test_export_csv_excel_writes_a_private_file_with_bom(db, tmp_path):
    run(db, "add", "Jürgen")
    target = tmp_path / "kontakte.csv"
    result = run(db, "export", "csv", "--excel", "-o", str(target))
    assert result.exit_code == 0 and "exported 1 contact to" in result.stderr
    assert target.read_bytes().startswith(b"\xef\xbb\xbfname;")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


def test_kontakt_reimports_its_own_csv_to_the_same_contacts(db, tmp_path):
    run(db, "add", "--email", "m@example.com", "--tag", "=circle", "--birthday", "--04-15", "--", "-minus")
    target = tmp_path / "out.csv"
    run(db, "export", "csv", "-o", str(target))
    other = tmp_path / "other.db"
    result = run(other, "import", str(target))
    assert result.exit_code == 0
    shown = json.loads(run(other, "list", "--json").stdout)[0]
    assert (shown["name"], shown["tags"], shown["birthday"]) == ("-minus", ["=circle"], "--04-15")


def test_export_vcard_to_a_directory_and_back(db, tmp_path):
    run(db, "add", "Anna", "--email", "a@example.com")
    run(db, "add", "Bob")
    folder = tmp_path / "cards"
    result = run(db, "export", "vcard", "-o", str(folder) + "/")
    assert result.exit_code == 0 and len(list(folder.glob("*.vcf"))) == 2
    other = tmp_path / "other.db"
    assert run(other, "import", str(folder)).stdout.strip() == "2 added, 0 merged, 0 rejected"


def test_export_vcard_30_of_one_contact(db):
    run(db, "add", "Anna", "--email", "a@example.com")
    run(db, "add", "Bob")
    result = run(db, "export", "vcard", "--vcard-version", "3.0", "--contact", "anna")
    assert result.stdout.count("BEGIN:VCARD") == 1 and "VERSION:3.0" in result.stdout


def test_export_json_of_one_contact(db):
    run(db, "add", "Anna")
    run(db, "add", "Bob")
    run(db, "log", "anna", "bob", "--kind", "meeting")
    data = json.loads(run(db, "export", "json", "--contact", "anna").stdout)
    assert [c["name"] for c in data["contacts"]] == ["Anna"]
    assert [p["name"] for p in data["interactions"][0]["participants"]] == ["Anna", "Bob"]


def test_export_json_then_import_restores_the_book(db, tmp_path):
    run(db, "add", "Anna", "--tag", "breakfast")
    run(db, "circle", "breakfast", "--every", "weekly")
    run(db, "log", "anna", "--on", "2026-11-20")
    run(db, "favour", "anna", "--gave", "an intro", "--weight", "2")
    backup = tmp_path / "backup.json"
    run(db, "export", "json", "-o", str(backup))
    other = tmp_path / "other.db"
    result = run(other, "import", str(backup))
    assert result.exit_code == 0
    assert "1 added" in result.stdout and "1 interactions" in result.stdout and "1 favours" in result.stdout
    before = json.loads(run(db, "show", "anna", "--json").stdout)
    after = json.loads(run(other, "show", "anna", "--json").stdout)
    for record in (before, after):
        record.pop("id")
        for item in record["interactions"] + record["favours"]:
            item.pop("id")
            for person in item.get("contacts", []):
                person.pop("id")
    assert after == before


def test_export_what_interactions_as_csv(db):
    run(db, "add", "Anna")
    run(db, "log", "anna", "--kind", "call", "--note", "=SUM(1)")
    result = run(db, "export", "csv", "--what", "interactions")
    assert result.stdout.splitlines()[1].startswith("2026-11-23,call,'=SUM(1),Anna,")


def test_export_to_a_missing_directory_fails_cleanly(db):
    Book.open(db).close()
    result = run(db, "export", "json", "-o", "/nonexistent/dir/out.json")
    assert result.exit_code == 1 and "does not exist" in result.stderr


def test_the_export_group_stays_importable_for_other_formats():
    from kontakt.cli.transfer import export

    assert {"csv", "vcard", "json"} <= set(export.commands)
