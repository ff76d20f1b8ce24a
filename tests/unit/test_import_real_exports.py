"""Importing contact exports as real programs write them, in their local variants
(tests/fixtures/realworld, see its README for where each format comes from)."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from kontakt.domain import Birthday
from kontakt.services.importers import ImportRefused, run_import
from kontakt.store import Book

FIXTURES = Path(__file__).parent.parent / "fixtures" / "realworld"
TODAY = date(2026, 12, 5)


def load(book, name, **options):
    return run_import(book, FIXTURES / name, today=TODAY, **options)


def by_name(book):
    return {c.name: c for c in book.list_contacts(archived=None)}


# (file, the person, emails, phones, org, role, location, birthday, notes)
LOCALIZED_OUTLOOK = [
    ("outlook_fr.csv", "Élodie Lefèvre", ("elodie.lefevre@example.fr",),
     ("04 72 00 00 00", "06 12 34 56 78"), "Crédit Agricole", "Directrice", "Lyon",
     Birthday(7, 5, 1985), "Rencontrée à Paris"),
    ("outlook_nl.csv", "Sanne van der Berg", ("sanne@example.nl",), ("06-12345678",),
     "Rabobank", "Adviseur", "", Birthday(4, 3, 1990), "Fietst naar kantoor"),
    ("outlook_es.csv", "José Luis García Núñez", ("jlgarcia@example.es",), ("+34 612 345 678",),
     "Telefónica", "Ingeniero", "Madrid", Birthday(3, 5, 1970), "Conocido en Madrid"),
    ("outlook_it.csv", "Giulia Esposito", ("giulia@example.it",), ("+39 333 1234567",),
     "Fiat", "Designer", "Torino", Birthday(11, 12, 1988), "Ama il caffè"),
]


@pytest.mark.parametrize("name, person, emails, phones, org, role, location, birthday, notes",
                         LOCALIZED_OUTLOOK, ids=[row[0] for row in LOCALIZED_OUTLOOK])
def test_a_localized_outlook_export_lands_in_the_right_fields(book, name, person, emails, phones,
                                                             org, role, location, birthday, notes):
    report = load(book, name)
    assert report.format == "outlook" and report.encoding == "Windows-1252"
    assert report.ok and not report.outcome.warnings
    contact = by_name(book)[person]
    assert contact.emails == emails
    assert contact.phones == phones  # the fax and the assistant's phone are not the person's
    assert (contact.org, contact.role, contact.location) == (org, role, location)
    assert contact.birthday == birthday  # day first, as the locale writes it
    assert contact.notes == notes


def test_a_german_outlook_export_in_cp1252_or_excels_utf16_tabs_reads_the_same(book, tmp_path):
    report = load(book, "outlook_de_cp1252.csv")
    assert (report.format, report.encoding) == ("outlook", "Windows-1252")
    with Book.open(tmp_path / "other.db") as other:
        again = load(other, "outlook_de_utf16_tabs.csv")
        assert again.encoding == "UTF-16" and again.summary() == "5 added, 0 merged, 0 rejected"
        fields = lambda b: sorted((c.name, c.emails, c.phones, c.birthday, c.notes)  # noqa: E731
                                  for c in b.list_contacts())
        assert fields(other) == fields(book)
    people = by_name(book)
    assert len(people) == 5 and report.summary() == "5 added, 0 merged, 0 rejected"
    juergen = people["Jürgen Müller"]
    # Not the fax, not the TTY line ("Telefon für Hörbehinderte"):
    assert juergen.phones == ("+49 89 1234567", "+49 171 2345678")
    assert juergen.birthday == Birthday(12, 24, 1980)
    assert juergen.notes == "Trifft man\nbeim Stammtisch."
    # 0.0.00 and 1.1.1601 are how Outlook says "no birthday": none, and no warning.
    assert people["Hans-Peter Öztürk jun."].birthday is None
    assert people["Grete Weiß"].birthday is None
    assert not report.outcome.warnings


def test_a_couple_sharing_a_landline_with_an_email_each_stay_two_people(book):
    load(book, "outlook_de_cp1252.csv")
    people = by_name(book)
    assert people["Grete Weiß"].emails == ("grete.weiss@example.de",)
    assert people["Karl Weiß"].emails == ("karl.weiss@example.de",)
    assert people["Grete Weiß"].phones == people["Karl Weiß"].phones == ("030 555123",)


def test_a_shared_phone_still_finds_the_person_when_the_emails_do_not_disagree(book, tmp_path):
    grete = book.add_contact("Grete Weiß", today=TODAY, phones=["+49 30 555123"],
                             emails=["grete.weiss@example.de"])
    path = tmp_path / "phone.csv"
    path.write_text("name,phone\r\nGrete W.,+49 (30) 555-123\r\nOma,0049 30 555123\r\n", encoding="utf-8")
    report = run_import(book, path, today=TODAY)
    assert book.count_contacts() == 1 and len(report.outcome.unchanged) == 2
    assert {into for _, _, into in report.outcome.unchanged} == {grete}


def test_placeholder_birthdays_of_outlook_com_are_no_birthday_without_a_warning(book):
    report = load(book, "outlook_com.csv")
    people = by_name(book)
    assert people["Mary O'Neil"].birthday == Birthday(4, 15, 1980)  # US: month first
    assert people["Kenji Sato"].birthday is None  # 1/1/0001
    assert people["Pat Smith"].birthday is None  # 1/1/4501
    assert report.ok and report.outcome.warnings == []


def test_apples_year_1604_means_a_birthday_without_a_year(book):
    report = load(book, "apple_no_year.vcf")
    people = by_name(book)
    assert people["Nguyễn Thị Minh"].birthday == Birthday(3, 15, None)
    assert people["Jürgen Müller"].birthday == Birthday(2, 29, None)
    assert report.outcome.warnings == []


def test_a_thunderbird_export_keeps_emails_phones_addresses_and_its_three_column_birthday(book):
    report = load(book, "thunderbird.csv")
    assert report.format == "thunderbird" and report.summary() == "2 added, 0 merged, 0 rejected"
    people = by_name(book)
    ingrid = people["Ingrid Svensson"]
    assert ingrid.emails == ("ingrid@example.se", "ingrid.s@example.org")
    assert ingrid.phones == ("+46 70 123 45 67", "+46 8 123 456")  # not the fax
    assert ingrid.labels == (("+46 70 123 45 67", "mobile"), ("+46 8 123 456", "work"))
    assert (ingrid.nickname, ingrid.org, ingrid.role, ingrid.location) == (
        "Inge", "Volvo", "Engineer", "Göteborg")
    assert ingrid.birthday == Birthday(6, 21, 1984) and ingrid.notes == "Midsommar"
    assert [(a.label, a.street, a.postcode, a.locality, a.country) for a in ingrid.addresses] == [
        ("work", "Gropegårdsgatan 2", "417 15", "Göteborg", "Sverige")]
    assert ingrid.urls == ("https://example.se/ingrid",)
    assert people["Lars Ek"].birthday == Birthday(2, 29, None)
    assert people["Lars Ek"].emails == ("lars@example.se",)


def test_a_german_thunderbird_export_reads_geburtstag_as_the_day_of_the_month(book):
    report = load(book, "thunderbird_de.csv")
    assert report.format == "thunderbird" and report.outcome.warnings == []
    bjoern = by_name(book)["Björn Schäfer"]
    assert bjoern.birthday == Birthday(11, 3, 1979)
    assert bjoern.emails == ("bjoern@example.de",)
    assert bjoern.phones == ("0151 1234567", "09131 12345")
    assert (bjoern.org, bjoern.role, bjoern.location, bjoern.notes) == (
        "Siemens", "Entwickler", "Erlangen", "Kollege")


def test_a_workbook_or_a_web_page_renamed_csv_is_refused_saying_what_it_is(book, tmp_path):
    workbook = tmp_path / "contacts.csv"
    with zipfile.ZipFile(workbook, "w", zipfile.ZIP_DEFLATED) as archive:
        # Deflated XML has too few NUL bytes to look binary by count.
        archive.writestr("xl/worksheets/sheet1.xml", "".join(
            f'<row r="{n}"><c r="A{n}"><v>{n * 7919 % 10007}</v></c></row>' for n in range(3000)))
    assert workbook.read_bytes().count(0) * 100 < workbook.stat().st_size
    with pytest.raises(ImportRefused, match=r"contacts\.csv: .*Excel workbook \(\.xlsx\)"):
        run_import(book, workbook, today=TODAY)
    page = tmp_path / "page.csv"
    page.write_text("<!DOCTYPE html>\n<html><body><table><tr><td>Name</td></tr></table></body></html>\n")
    with pytest.raises(ImportRefused, match=r"page\.csv: this is a web page \(HTML or XML\), not CSV"):
        run_import(book, page, today=TODAY)
    assert book.count_contacts() == 0


def test_formula_looking_cells_come_back_as_typed_through_googles_csv(book, tmp_path):
    from kontakt.services.exporters.csv import DANGEROUS_STARTS, write_google
    from kontakt.services.importers.tables import FORMULA_STARTS

    assert FORMULA_STARTS == DANGEROUS_STARTS  # what the export quotes is what the import unquotes
    book.add_contact("O'Neil", today=TODAY, phones=["+1 555 0100 x7"], notes="=HYPERLINK(\"x\")",
                     org="-minus-", emails=["@home@example.com"], role="'Tis the season")
    out = tmp_path / "google.csv"
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        write_google(book, handle)
    text = out.read_text(encoding="utf-8-sig")
    assert "'+1 555 0100 x7" in text and "'=HYPERLINK" in text  # safe in a spreadsheet
    with Book.open(tmp_path / "copy.db") as copy:
        report = run_import(copy, out, today=TODAY)
        assert report.format == "google" and report.summary() == "1 added, 0 merged, 0 rejected"
        (back,) = copy.list_contacts()
        assert back.phones == ("+1 555 0100 x7",) and back.notes == '=HYPERLINK("x")'
        assert (back.name, back.org, back.role) == ("O'Neil", "-minus-", "'Tis the season")
        assert back.emails == ("@home@example.com",)
        # and importing it into the book it came from finds nothing new
        again = run_import(book, out, today=TODAY)
        assert again.summary() == "0 added, 0 merged, 1 unchanged, 0 rejected"
        assert again.outcome.not_taken == []


def test_a_british_outlook_file_is_read_day_first_when_a_day_over_12_says_so(book):
    report = load(book, "outlook_uk.csv")
    assert report.format == "outlook" and report.outcome.warnings == []
    people = by_name(book)
    assert people["Amelia Clarke"].birthday == Birthday(12, 24, 1980)
    assert people["Oliver Hughes"].birthday == Birthday(3, 4, 1975)  # 4 March, not 3 April
    assert people["Oliver Hughes"].emails == ("oliver@example.co.uk",)  # the rows read after the look-ahead
    assert people["Harry Patel"].birthday is None and len(people) == 3


def test_a_us_outlook_file_stays_month_first(book, tmp_path):
    path = tmp_path / "us.csv"
    path.write_text('"First Name","Last Name","E-mail Address","Birthday"\r\n'
                    '"Ann","Lee","ann@example.com","4/3/1975"\r\n'
                    '"Bo","Kim","bo@example.com","12/24/1980"\r\n', encoding="cp1252")
    run_import(book, path, today=TODAY)
    people = by_name(book)
    assert people["Ann Lee"].birthday == Birthday(4, 3, 1975)
    assert people["Bo Kim"].birthday == Birthday(12, 24, 1980)


def test_a_photo_whose_base64_lines_are_not_indented_does_not_lose_the_person(book):
    report = load(book, "phone_suite_21.vcf")
    assert report.summary() == "2 added, 0 merged, 0 rejected"
    jan = by_name(book)["Jan Nowak"]
    assert jan.phones == ("+48 600 000 001",) and jan.emails == ("jan@example.pl",)
    assert by_name(book)["Anna Kowalska"].phones == ("+48 22 000 00 02",)


def test_a_line_that_is_no_property_and_no_photo_still_rejects_its_card(book, tmp_path):
    path = tmp_path / "broken.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Broken\r\nEMAIL:b@example.com\r\n"
                     b"garbage\r\nEND:VCARD\r\n")
    report = run_import(book, path, today=TODAY)
    assert report.outcome.rejected == [("line 1", "broken card: line 5 is not a property")]


def test_a_phone_excel_rounded_to_a_number_is_dropped_with_a_warning(book, tmp_path):
    path = tmp_path / "resaved.csv"
    path.write_text('First Name,Last Name,E-mail Address,Mobile Phone,Home Phone\r\n'
                    'Jürgen,Müller,j@example.de,"4,91712E+12",+49 89 1\r\n'
                    'Bob,Ray,,1.5E+10,\r\n', encoding="utf-8")
    report = run_import(book, path, today=TODAY)
    people = by_name(book)
    assert people["Jürgen Müller"].phones == ("+49 89 1",)
    assert people["Bob Ray"].phones == ()
    assert [(where, message.split(" is ")[0]) for where, message in report.outcome.warnings] == [
        ("line 2", "phone '4,91712E+12'"), ("line 3", "phone '1.5E+10'")]


def test_a_generic_csv_says_which_columns_it_did_not_import(book, tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_text("Vorname;Nachname;E-Mail;Mobiltelefon;Lieblingsfarbe;Fax\r\n"
                    "Jürgen;Müller;j@example.de;0171 1;blau;089 1\r\n", encoding="utf-8")
    report = run_import(book, path, today=TODAY)
    assert report.format == "csv"
    assert by_name(book)["Jürgen Müller"].phones == ("0171 1",)  # Mobiltelefon is a phone
    assert report.outcome.warnings == [("line 1", (
        "columns not imported: Lieblingsfarbe, Fax; to read one, name its field with "
        "--map 'Lieblingsfarbe=FIELD' (phone, email, notes, ...)"))]
    # Named with --map, a column is read and no longer listed.
    with Book.open(tmp_path / "other.db") as other:
        again = run_import(other, path, today=TODAY, mapping={"Fax": "phones", "Lieblingsfarbe": "notes"})
        assert again.outcome.warnings == []
        (person,) = other.list_contacts()
        assert person.phones == ("0171 1", "089 1") and person.notes == "blau"


def test_excel_for_macs_csv_is_read_as_mac_os_roman(book):
    report = load(book, "excel_mac_roman_cr.csv")
    assert report.encoding == "Mac OS Roman"
    people = by_name(book)
    assert set(people) == {"Jürgen Müller", "Bérénice Noël"}
    assert people["Jürgen Müller"].notes == "Grüße aus Köln"


def test_a_file_cut_off_inside_its_last_row_loses_only_that_row(book, tmp_path):
    path = tmp_path / "cut.csv"
    path.write_bytes(b'"First Name","Last Name","E-mail Address"\r\n'
                     b'"Anna","Berg","anna@example.com"\r\n"Tom","Cut","tom@exa')
    report = run_import(book, path, today=TODAY)
    assert report.outcome.rejected == [
        ("line 3", "the file ends inside this row (a quote never closed: cut off?)")]
    assert set(by_name(book)) == {"Anna Berg"}
    # A quote that swallows the rows after it still refuses the whole file.
    stray = tmp_path / "stray.csv"
    stray.write_bytes(b'Name,Email\r\n"Stray,b@example.com\r\nC,c@example.com\r\n')
    with pytest.raises(ImportRefused, match="a quote opened on line 2 is never closed"):
        run_import(book, stray, today=TODAY)
    assert set(by_name(book)) == {"Anna Berg"}


def test_a_russian_outlook_export_in_windows_1251_has_no_mojibake(book):
    report = load(book, "outlook_ru_cp1251.csv")
    assert (report.format, report.encoding) == ("outlook", "Windows-1251")
    ivan = by_name(book)["Иван Сергеевич Петров"]
    assert ivan.emails == ("ivan@example.ru",) and ivan.phones == ("+7 916 123-45-67",)
    assert (ivan.org, ivan.role, ivan.notes) == ("Газпром", "Инженер", "Встреча в Москве")
    assert ivan.birthday == Birthday(11, 7, 1983) and ivan.tags == ("Работа",)


def test_the_same_name_and_mobile_with_another_email_is_still_the_same_person(book, tmp_path):
    juergen = book.add_contact("Jürgen Müller", today=TODAY, phones=["+49 171 2345678"],
                               emails=["juergen@privat.example"])
    path = tmp_path / "work.csv"
    path.write_text("First Name,Last Name,E-mail Address,Mobile Phone\r\n"
                    "Jürgen,Müller,j.mueller@firma.example,+49 (171) 234-5678\r\n"
                    "Petra,Müller,petra@privat.example,+49 171 2345678\r\n", encoding="utf-8")
    report = run_import(book, path, today=TODAY)
    assert [m.into_id for m in report.outcome.merged] == [juergen]
    assert book.get_contact(juergen).emails == ("juergen@privat.example", "j.mueller@firma.example")
    assert [name for _, name in report.outcome.added] == ["Petra Müller"]


@pytest.mark.parametrize("name, encoding, people", [
    ("japanese_cp932.csv", "Shift-JIS (Windows-932)",
     {"佐藤 太郎": ("taro@example.jp", "090-1234-5678"), "高橋 美咲": ("misaki@example.jp", "080-0000-1111")}),
    ("korean_cp949.csv", "Korean (Windows-949)", {"김 민준": ("minjun@example.kr", "010-1234-5678")}),
])
def test_japanese_and_korean_sheets_are_read_in_their_code_page_family_name_first(
        book, name, encoding, people):
    report = load(book, name)
    assert report.encoding == encoding and report.ok
    found = {c.name: (c.emails[0], c.phones[0]) for c in book.list_contacts()}
    assert found == people
    if name.startswith("japanese"):
        assert by_name(book)["佐藤 太郎"].notes == "カフェで会った"


def test_western_and_cyrillic_code_pages_are_never_taken_for_japanese_or_korean():
    import faker as faker_module

    from kontakt.services.importers.textfile import guess_code_page

    checked = 0
    for locale, encoding in (("de_DE", "cp1252"), ("fr_FR", "cp1252"), ("pl_PL", "cp1250"),
                             ("tr_TR", "cp1254"), ("hu_HU", "cp1250"), ("bg_BG", "cp1251"),
                             ("ru_RU", "cp1251"), ("da_DK", "cp1252")):
        fake = faker_module.Faker(locale)
        fake.seed_instance(5)
        for size in range(1, 41):
            data = "\n".join(f"{fake.name()},{fake.city()}" for _ in range(size % 6 + 1)).encode(
                encoding, errors="ignore")
            if data.isascii():
                continue
            checked += 1
            assert guess_code_page(data).name not in ("cp932", "cp949"), data
    assert checked > 250


@pytest.mark.parametrize("cell, slashed, expected", [
    ("12/24/1980 0:00", "month", Birthday(12, 24, 1980)),  # Excel kept the time
    ("24.12.1980 00:00", "day", Birthday(12, 24, 1980)),
    ("1980-12-24 00:00:00", None, Birthday(12, 24, 1980)),  # LibreOffice, pandas
    ("1/1/4501 12:00:00 AM", "month", None),
    ("1980/12/24", "month", Birthday(12, 24, 1980)),  # year first: Japanese settings
    ("24-Dec-1980", "month", Birthday(12, 24, 1980)),  # Excel's d-mmm-yyyy
    ("Dec 24, 1980", None, Birthday(12, 24, 1980)),
    ("Sept 3, 1990", None, Birthday(9, 3, 1990)),
])
def test_birthday_cells_as_spreadsheets_rewrite_them_are_read(cell, slashed, expected):
    from kontakt.services.importers.rows import read_birthday

    assert read_birthday(cell, TODAY, slashed=slashed) == expected


def test_a_named_month_that_is_no_month_or_no_date_is_still_refused():
    from kontakt.domain import DateError
    from kontakt.services.importers.rows import read_birthday

    for cell in ("24 Foo 1980", "31-Feb-1980"):
        with pytest.raises(DateError):
            read_birthday(cell, TODAY, slashed="month")


def test_linkedin_after_google_finds_the_one_person_of_that_name_without_a_company(book, tmp_path):
    max_ = book.add_contact("Max Mustermann", today=TODAY, emails=["max@privat.example"])
    book.add_contact("John Smith", today=TODAY, emails=["john1@example.com"])
    book.add_contact("John Smith", today=TODAY, emails=["john2@example.com"])
    book.add_contact("Erika Muster", today=TODAY, org="Globex")
    path = tmp_path / "Connections.csv"
    path.write_text("Notes:\r\n\"When exporting your connection data, ...\"\r\n\r\n"
                    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
                    "Max,Mustermann,https://www.linkedin.com/in/max,,ACME GmbH,CEO,05 Dec 2026\r\n"
                    "John,Smith,https://www.linkedin.com/in/js,,ACME GmbH,CTO,01 Mar 2020\r\n"
                    "Erika,Muster,https://www.linkedin.com/in/em,,Initech,CFO,01 Mar 2021\r\n",
                    encoding="utf-8")
    report = run_import(book, path, today=TODAY)
    assert report.format == "linkedin"
    assert [(m.into_id, m.fields[:2]) for m in report.outcome.merged] == [(max_, ["org", "role"])]
    merged = book.get_contact(max_)
    assert (merged.org, merged.role, merged.emails) == ("ACME GmbH", "CEO", ("max@privat.example",))
    # Two John Smiths: which one? A third. Erika at another company: another Erika.
    assert sorted(name for _, name in report.outcome.added) == ["Erika Muster", "John Smith"]
    assert book.count_contacts() == 6


AMBIGUOUS_OUTLOOK = ('"First Name","Last Name","E-mail Address","Birthday"\r\n'
                     '"Oliver","Hughes","oliver@example.co.uk","4/3/1975"\r\n'
                     '"Amelia","Clarke","amelia@example.co.uk","7/11/1980"\r\n')


@pytest.mark.parametrize(("locale", "dates", "oliver", "note"), [
    ("en_GB.UTF-8", None, Birthday(3, 4, 1975), "day first (4 March), as dates are written in your locale (en_GB)"),
    ("en_US.UTF-8", None, Birthday(4, 3, 1975), None),
    ("C.UTF-8", None, Birthday(4, 3, 1975), None),  # no territory: month first, as before
    ("en_GB.UTF-8", "mdy", Birthday(4, 3, 1975), None),
    ("en_US.UTF-8", "dmy", Birthday(3, 4, 1975), None),
])
def test_an_outlook_file_with_only_ambiguous_dates_reads_them_as_the_locale_or_dates_says(
        book, tmp_path, monkeypatch, locale, dates, oliver, note):
    """A British Outlook export whose birthdays all fall on days 1-12 gave no day over 12
    to go by, and every birthday was read month first (3 April for 4 March), silently."""
    monkeypatch.setenv("LC_TIME", locale)
    path = tmp_path / "contacts.csv"
    path.write_text(AMBIGUOUS_OUTLOOK, encoding="cp1252")
    report = run_import(book, path, today=TODAY, dates=dates)
    people = by_name(book)
    assert people["Oliver Hughes"].birthday == oliver
    said = [w for _, w in report.outcome.warnings if "birthdays like 4/3" in w]
    assert (note in said[0]) if note else said == []


def test_any_csvs_ambiguous_birthday_is_refused_unless_dates_says_which(book, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("name,email,birthday\r\nOliver Hughes,o@example.co.uk,4/3/1975\r\n", encoding="utf-8")
    report = run_import(book, path, today=TODAY, dry_run=True)
    assert [w for _, w in report.outcome.warnings] == [
        "birthday: '4/3/1975' is ambiguous (day or month first? kontakt import --dates dmy or mdy "
        "says which); imported without it"]
    run_import(book, path, today=TODAY, dates="dmy")
    assert by_name(book)["Oliver Hughes"].birthday == Birthday(3, 4, 1975)
