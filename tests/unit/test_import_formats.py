"""Importing every format kontakt reads, from the fixtures in tests/fixtures/transfer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kontakt.domain import Birthday
from kontakt.services.importers import ImportRefused, run_import
from kontakt.store import Book

FIXTURES = Path(__file__).parent.parent / "fixtures" / "transfer"
TODAY = date(2026, 11, 23)


@pytest.fixture
def book(tmp_path):
    with Book.open(tmp_path / "book.db") as opened:
        yield opened


def load(book, name, **options):
    return run_import(book, FIXTURES / name, today=TODAY, **options)


def by_name(book):
    return {c.name: c for c in book.list_contacts(archived=None)}


def test_google_export_splits_multi_values_and_drops_system_labels(book):
    report = load(book, "google.csv")
    assert report.format == "google"
    anna = by_name(book)["Anna Müller"]
    assert anna.emails == ("anna@example.com", "anna.m@example.org", "a@example.net")
    assert anna.phones == ("+49 170 1234567", "+49 89 7654321")
    assert anna.org == "Müller & Söhne" and anna.role == "CEO" and anna.location == "München"
    assert anna.tags == ("Kunden", "Breakfast")  # * myContacts and * starred dropped
    assert anna.notes == "Met at the fair\nLikes espresso"
    assert anna.birthday == Birthday(4, 15, 1980)


def test_google_old_gmail_system_group_keeps_its_name(book):
    load(book, "google.csv")
    assert by_name(book)["Chloé Dubois"].tags == ("Friends",)


def test_google_year_less_birthday_stays_year_less(book):
    load(book, "google.csv")
    assert by_name(book)["Bob Smith"].birthday == Birthday(4, 15)


def test_a_row_without_any_name_is_rejected_with_its_line(book):
    report = load(book, "google.csv")
    assert report.outcome.rejected == [("line 7", "no name")]
    assert "nobody@example.com" not in {e for c in book.list_contacts() for e in c.emails}
    assert report.summary() == "4 added, 0 merged, 1 rejected (line 7: no name)"


def test_a_company_row_without_a_person_is_named_after_the_company(book):
    report = load(book, "google.csv")
    company = by_name(book)["Nameless GmbH"]
    assert company.org == "Nameless GmbH" and company.emails == ("info@nameless.example",)
    assert ("line 5", "Nameless GmbH") in report.outcome.added


def test_legacy_google_header_with_bom_is_recognised(book):
    report = load(book, "google_legacy.csv")
    assert report.format == "google" and report.encoding == "UTF-8 (BOM)"
    jurgen = by_name(book)["Jürgen Weiß"]
    assert jurgen.emails == ("juergen@example.de",)
    assert jurgen.org == "Weiß GmbH" and jurgen.role == "Geschäftsführer"
    assert jurgen.tags == ("Alumni",)


def test_windows_1252_is_read_as_such_and_announced(book):
    said = []
    report = load(book, "outlook_cp1252.csv", announce=said.append)
    assert report.encoding == "Windows-1252"
    assert len(said) == 1 and "Windows-1252" in said[0] and "outlook_cp1252.csv" in said[0]
    renee = by_name(book)["Renée Faßbender"]
    assert renee.org == "Café Größe" and renee.tags == ("Kunden", "Köln")


def test_outlook_dates_are_month_first_and_0_0_00_means_none(book):
    load(book, "outlook_cp1252.csv")
    people = by_name(book)
    assert people["Renée Faßbender"].birthday == Birthday(4, 15, 1980)
    assert people["Tom Baker"].birthday is None


def test_an_impossible_date_is_reported_never_shifted(book):
    report = load(book, "outlook_cp1252.csv")
    assert by_name(book)["Zoe Impossible"].birthday is None
    assert report.outcome.warnings == [
        ("line 4", "birthday: '2/30/1980' is not a real date; imported without it")
    ]


def test_outlook_phones_come_from_every_phone_column(book):
    load(book, "outlook_cp1252.csv")
    assert by_name(book)["Renée Faßbender"].phones == ("+49 221 123456", "+49 171 555666")


def test_utf16_with_bom_is_read(book):
    report = load(book, "outlook_com_utf16.csv")
    assert report.encoding == "UTF-16" and report.format == "outlook"
    lukasz = by_name(book)["Łukasz Nowak"]
    assert lukasz.org == "Nowak Studio" and lukasz.birthday == Birthday(12, 24, 1985)


def test_german_excel_sep_line_semicolons_and_day_first_dates(book):
    report = load(book, "outlook_german.csv")
    assert report.format == "outlook"
    people = by_name(book)
    assert people["Hans Zimmermann"].birthday == Birthday(4, 15, 1970)
    assert people["Grete Berger"].birthday == Birthday(4, 3, 1990)  # 3/4 is 3 April here
    assert people["Hans Zimmermann"].phones == ("0171 9876543",)


def test_linkedin_preamble_is_skipped_and_the_header_found_by_content(book):
    report = load(book, "linkedin_connections.csv")
    assert report.format == "linkedin"
    people = by_name(book)
    assert set(people) == {"Priya Raman", "Sven Olsen"}
    assert people["Priya Raman"].met == "LinkedIn connection since 15 Mar 2023"
    assert people["Sven Olsen"].org == "Olsen, Berg & Co"
    assert [w for w, _ in report.outcome.added] == ["line 5", "line 6"]


def test_generic_csv_needs_map_for_an_unknown_name_column(book):
    with pytest.raises(ImportRefused, match="no name column"):
        load(book, "generic_tabs.tsv")
    mapping = {"Person": "name", "Mail": "emails", "Handy": "phones", "Firma": "org"}
    load(book, "generic_tabs.tsv", mapping=mapping)
    maria = by_name(book)["Maria Rossi"]
    assert maria.emails == ("maria@example.it",) and maria.phones == ("+39 333 1234567",)
    assert maria.org == "Rossi SRL" and maria.tags == ("Italy", "Suppliers")


def test_forced_format_reads_a_file_as_told(book):
    report = load(book, "google.csv", fmt="google")
    assert report.format == "google" and len(report.outcome.added) == 4


def test_vcard_21_quoted_printable_is_decoded_with_its_charset(book):
    load(book, "cards_21_qp.vcf")
    jurgen = by_name(book)["Jürgen Müller"]
    assert jurgen.notes == "Erste Zeile\nZweite Zeile mit Grüßen und einem sehr langen Text"
    assert jurgen.phones == ("+49 170 1112233",) and jurgen.emails == ("juergen@example.de",)


def test_vcard_without_fn_takes_the_name_from_n(book):
    load(book, "cards_21_qp.vcf")
    load(book, "cards_30.vcf")
    people = by_name(book)
    assert "Eva Meier" in people and "Karin Maria Lindqvist" in people


def test_vcard_folded_inside_a_utf8_character_is_unfolded_on_bytes(book):
    said = []
    report = load(book, "cards_30.vcf", announce=said.append)
    assert said == [] and report.encoding == "UTF-8"
    name = "Dr. Björn-Ølaf Ærøskøbing-Großmann von Überlingen-Süßenbrunn zu Schöß"
    assert name in by_name(book)


def test_vcard_escapes_structured_values_and_apple_year_less_birthday(book):
    load(book, "cards_30.vcf")
    bjorn = next(c for c in book.list_contacts() if c.name.startswith("Dr. Björn"))
    assert bjorn.org == "Ski, Snow & Sons"
    assert bjorn.role == "Head of ;Stuff;"
    assert bjorn.tags == ("Skiing", "Friends, old")
    assert bjorn.notes == "Zürich, Genève; Lugano\nzweite Zeile"
    assert bjorn.birthday == Birthday(4, 15)
    assert bjorn.location == "Tromsø, Norway"
    assert bjorn.emails == ("bjoern@example.no", "bjorn.private@example.no")
    assert bjorn.uid == "7d3b3a1e-0f5e-4c8e-9b1a-3f2d1c0b9a87"


def test_vcard_text_birthday_is_kept_as_text(book):
    load(book, "cards_30.vcf")
    karin = by_name(book)["Karin Maria Lindqvist"]
    assert karin.birthday is None and karin.notes == "Birthday: circa 1960"


def test_vcard_photo_and_url_are_never_fetched(book, monkeypatch):
    import socket
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError("the importer tried to use the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    load(book, "cards_30.vcf")
    load(book, "cards_21_qp.vcf")
    # The URL is kept as text (a structured field since sync); the PHOTO is neither kept nor fetched.
    assert "never-fetched.jpg" not in repr(book.list_contacts())
    assert [c.urls for c in book.list_contacts() if c.urls] == [("http://127.0.0.1:9/never-fetched",)]


def test_vcard_40_tel_uri_and_year_less_feb_29(book):
    report = load(book, "cards_40.vcf")
    yuki = by_name(book)["Yuki Tanaka"]
    assert yuki.phones == ("+81-90-1234-5678",) and yuki.birthday == Birthday(2, 29)
    assert yuki.nickname == "Yu"
    assert report.outcome.warnings == [
        ("line 10", "birthday: '19900231' is not a real date; imported without it")
    ]


def test_broken_cards_are_rejected_alone_with_their_line(book):
    report = load(book, "broken.vcf")
    assert set(by_name(book)) == {"Good Card"}
    assert report.outcome.rejected == [
        ("line 1", "broken card: BEGIN:VCARD without END:VCARD"),
        ("line 10", "no name (neither FN nor N)"),
        ("line 14", "broken card: END:VCARD without BEGIN:VCARD"),
        ("line 15", "broken card: the file ends before END:VCARD"),
    ]


def test_a_directory_of_vcf_files_is_imported_like_khard_keeps_it(book):
    report = load(book, "vdir")
    people = by_name(book)
    assert set(people) == {"Ines Costa", "Pedro Alves"}
    assert people["Ines Costa"].uid == "a1b2"
    assert [w for w, _ in report.outcome.added] == ["a1b2.vcf line 1", "c3d4.vcf line 1"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", "empty"),
        ("blank.csv", "empty"),
        ("binary.csv", "not a text file"),
        ("no_name_column.csv", "no name column in the header (colour, size, price)"),
        ("unterminated_quote.csv", "a quote opened on line 3 is never closed"),
    ],
)
def test_unreadable_files_are_refused_naming_the_file_and_write_nothing(book, name, message):
    book.add_contact("Already Here", today=TODAY)
    before = book.conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
    with pytest.raises(ImportRefused) as refused:
        load(book, name)
    assert name in str(refused.value) and message in str(refused.value)
    assert book.conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == before


def test_a_file_that_is_neither_csv_nor_vcard_is_refused(book, tmp_path):
    prose = tmp_path / "letter.txt"
    prose.write_text("Dear Anna,\nthanks for the coffee.\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match="letter.txt"):
        run_import(book, prose, today=TODAY)


def test_hostile_values_are_stored_literally(book):
    load(book, "hostile.csv")
    people = by_name(book)
    formula = people['=HYPERLINK("http://evil.example","click")']
    assert formula.org == "=1+2" and formula.notes == "+cmd|' /C calc'!A0"
    assert "[bold]Bold[/bold] Name" in people
    assert people["[bold]Bold[/bold] Name"].org == "[@click=app.quit]Quit"
    assert "-2+3" in people and "@SUM(A1)" in people


def test_escape_sequences_and_control_characters_are_removed(book):
    load(book, "hostile.csv")
    escape = next(c for c in book.list_contacts() if c.emails == ("escape@example.com",))
    assert escape.name == "Escape" and escape.notes == "bell"


def test_ragged_and_malformed_rows_are_rejected_with_reason(book):
    report = load(book, "hostile.csv")
    assert report.outcome.rejected == [
        ("line 3", "malformed row (',' expected after '\"')"),
        ("line 11", "ragged row: 6 fields, the header has 5"),
        ("line 13", "no name"),
    ]


def test_json_that_is_not_a_kontakt_export_is_refused(book, tmp_path):
    other = tmp_path / "other.json"
    other.write_text('{"people": []}', encoding="utf-8")
    with pytest.raises(ImportRefused, match="not a kontakt export"):
        run_import(book, other, today=TODAY)
    broken = tmp_path / "broken.json"
    broken.write_text('{"contacts": [', encoding="utf-8")
    with pytest.raises(ImportRefused, match="not valid JSON"):
        run_import(book, broken, today=TODAY)


def test_the_shipped_demo_network_is_refused_whole_with_a_pointer_to_kontakt_demo(book):
    """data/demo-network.json has a contacts list too: imported as an export, its 125 people
    came into the user's book and its 1,223 interactions, favours and follow-ups were
    rejected one by one."""
    from kontakt.services.demo import demo_network_path

    with pytest.raises(ImportRefused, match=r"kontakt-demo-network.*kontakt demo.*nothing imported"):
        run_import(book, demo_network_path(), today=TODAY)
    assert book.count_contacts() == 0
    # Another program's JSON with a format of its own, and a contacts list: refused too.
    other = Path(book.path).parent / "crm.json"
    other.write_text('{"format": "othercrm/3", "contacts": [{"name": "Ann"}]}', encoding="utf-8")
    with pytest.raises(ImportRefused, match="'othercrm/3' file, not a kontakt export"):
        run_import(book, other, today=TODAY)
    assert book.count_contacts() == 0


# ---------------------------------------------------------------- real exports at their worst


def test_google_company_row_mailto_display_names_and_0000_year(book):
    report = load(book, "google_hostile.csv")
    people = by_name(book)
    company = people["Stadtwerke Köln GmbH"]
    assert company.org == "Stadtwerke Köln GmbH" and company.tags == ("Versorger",)
    assert company.emails == ("kundenservice@stadtwerke.example",)
    maja = people["Maja Nowak"]
    assert maja.emails == ("maja@example.pl", "maja.nowak@example.org", "mn@example.net")
    assert maja.birthday == Birthday(4, 15)
    assert not report.outcome.warnings  # 0000-04-15 is read, not "not a real date"


def test_a_nul_byte_rejects_its_row_only_naming_line_and_field(book):
    report = load(book, "google_hostile.csv")
    assert report.outcome.rejected == [
        ("line 4", "a NUL byte in 'Notes' (damaged file?)"),
        ("line 5", "no name"),
    ]
    assert set(by_name(book)) == {"Stadtwerke Köln GmbH", "Maja Nowak", "Otto Ok"}


def test_a_nul_byte_rejects_its_card_only(book):
    report = load(book, "rfc6350_group.vcf")
    assert report.outcome.rejected == [
        ("line 16", "broken card: a NUL byte in 'FN' on line 18 (damaged file?)")
    ]
    assert set(by_name(book)) == {"Rosa Reader", "Paul Page"}  # the card after it too


def test_a_real_binary_file_is_still_refused_whole(book, tmp_path):
    sqlite_like = tmp_path / "contacts.db"
    sqlite_like.write_bytes(b"SQLite format 3\x00" + bytes(4096))
    with pytest.raises(ImportRefused, match="not a text file"):
        run_import(book, sqlite_like, today=TODAY)


def test_polish_outlook_in_windows_1250_is_detected_and_decoded(book):
    said = []
    report = load(book, "outlook_cp1250.csv", announce=said.append)
    assert report.encoding == "Windows-1250"
    assert len(said) == 1 and "read as Windows-1250" in said[0]
    people = by_name(book)
    assert set(people) == {"Paweł Wiśniewski", "Jan Kowalski", "Przedsiębiorstwo Żółw Sp. z o.o.",
                           "Jiří Dvořák"}
    assert people["Paweł Wiśniewski"].location == "Łódź"
    assert people["Paweł Wiśniewski"].notes == "Zażółć gęślą jaźń"
    assert people["Jiří Dvořák"].notes == "Příliš žluťoučký kůň"


def test_outlook_exchange_addresses_are_not_stored_as_e_mails(book):
    report = load(book, "outlook_cp1250.csv")
    people = by_name(book)
    assert people["Paweł Wiśniewski"].emails == ("pawel@example.pl",)
    # The EX entry's display name held the SMTP address: that one is kept.
    assert people["Jan Kowalski"].emails == ("jan.kowalski@contoso.example",)
    stored = [e for c in people.values() for e in c.emails]
    assert not any(e.lower().startswith("/o=") for e in stored)
    assert report.outcome.warnings == [
        ("line 2", "e-mail: an Exchange address (/o=…), not an e-mail address; not imported")
    ]
    company = people["Przedsiębiorstwo Żółw Sp. z o.o."]
    assert company.org == company.name and company.phones == ("+48 600 700 800",)


def test_czech_iso_8859_2_is_detected(book):
    report = load(book, "czech_latin2.csv")
    assert report.encoding == "ISO-8859-2"
    people = by_name(book)
    assert people["Jiří Dvořák"].org == "Žluťoučký kůň s.r.o."
    assert people["Łucja Świątek"].location == "Łódź"


CODE_PAGE_TEXTS = {
    "polish": "Łódź, Zażółć gęślą jaźń, Paweł Wiśniewski",
    "polish short": "Łódź",
    "czech": "Příliš žluťoučký kůň úpěl ďábelské ódy",
    "czech without ť": "Jiří Dvořák, Plzeň, Třebíč",
    "slovak": "Ľubomír Štúr, Žilina, Košice",
    "german": "Renée Faßbender, Café Größe, Köln",
    "french": "Hélène à Genève, crème brûlée, François",
    "spanish": "Muñoz, José, Peña",
    "spanish questions": "¿Qué tal? ¡Olé!",
    "english pounds": "Lunch 20 £ at Café Zoë",
    "norwegian": "Søren, Åse, Ærø",
}


@pytest.mark.parametrize("language", sorted(CODE_PAGE_TEXTS))
@pytest.mark.parametrize("code_page", ["cp1252", "cp1250", "iso8859-2"])
def test_the_code_page_is_told_apart_by_what_the_text_says(language, code_page):
    from kontakt.services.importers.textfile import guess_code_page

    text = CODE_PAGE_TEXTS[language]
    try:
        data = text.encode(code_page)
    except UnicodeEncodeError:
        pytest.skip(f"{language} cannot be written in {code_page}")
    guessed = guess_code_page(data)
    # Right when it reads back the same text (German is the same bytes in all three).
    assert data.decode(guessed.name) == text, guessed.name
    assert guessed.fallback


def test_forced_encoding_wins_over_detection(book):
    report = load(book, "czech_latin2.csv", encoding="cp1250")
    assert report.encoding == "Windows-1250"
    # ISO-8859-2 bytes read as Windows-1250: š and ť come out as other characters.
    assert "Jiří Dvořák" in by_name(book)
    assert by_name(book)["Jiří Dvořák"].org != "Žluťoučký kůň s.r.o."


def test_an_unknown_or_impossible_encoding_is_a_clear_error(book):
    with pytest.raises(ValueError, match="unknown encoding 'klingon'"):
        load(book, "google.csv", encoding="klingon")
    with pytest.raises(ImportRefused, match=r"outlook_cp1250.csv: not valid UTF-8 \(byte \d+\)"):
        load(book, "outlook_cp1250.csv", encoding="utf-8")
    with pytest.raises(ImportRefused, match="google.csv: not valid UTF-16"):
        load(book, "google.csv", encoding="utf-16")
    assert book.list_contacts() == []


def test_icloud_group_becomes_a_circle_of_its_members(book):
    report = load(book, "icloud_groups.vcf")
    assert set(by_name(book)) == {"Karin Lindqvist", "Ola Berg", "Fjord Ferries AS"}
    assert [c.name for c in book.circles()] == ["Sailing Club"]
    assert {c.name for c in book.circle_members("Sailing Club")} == {"Karin Lindqvist", "Ola Berg"}
    assert report.groups == [("line 30", "Sailing Club", 2)]
    assert report.summary() == "3 added, 0 merged, 1 group as a circle, 0 rejected"
    assert report.outcome.warnings == [(
        "line 30", ("group Sailing Club: 1 of 3 members are not in this import or the book "
                    "(99999999-dddd-4ddd-8ddd-999999999999); the circle is made without them"))]


def test_tab_folded_lines_are_unfolded_and_escapes_undone(book):
    load(book, "icloud_groups.vcf")
    karin = by_name(book)["Karin Lindqvist"]
    assert karin.notes == ("Likes sailing; hates, truly hates, fog.\n"
                           "Second line with a backslash \\ and a tab-folded end")
    assert karin.emails == ("karin@example.se",)
    assert karin.birthday == Birthday(4, 15)  # BDAY;VALUE=date:--04-15
    ola = by_name(book)["Ola Berg"]
    assert ola.birthday == Birthday(4, 15) and ola.emails == ("ola@example.no",)  # --0415, mailto:


def test_a_company_card_without_fn_or_n_is_named_after_its_org(book):
    load(book, "icloud_groups.vcf")
    ferries = by_name(book)["Fjord Ferries AS"]
    assert ferries.org == "Fjord Ferries AS" and ferries.phones == ("+47 22 00 00 00",)


def test_rfc6350_group_listed_before_its_members_still_finds_them(book):
    report = load(book, "rfc6350_group.vcf")
    assert {c.name for c in book.circle_members("Book Club")} == {"Rosa Reader", "Paul Page"}
    assert "Book Club" not in by_name(book)
    people = by_name(book)
    assert people["Rosa Reader"].emails == ("rosa@example.com",)
    assert people["Paul Page"].birthday == Birthday(4, 15)  # BDAY:0000-04-15
    assert report.groups == [("line 1", "Book Club", 2)]


def test_a_group_imported_later_gathers_members_already_in_the_book(book, tmp_path):
    load(book, "icloud_groups.vcf")
    book.conn.execute("DELETE FROM memberships")  # as if the group came in a later file
    book.conn.execute("UPDATE contacts SET tags = '[]'")
    later = tmp_path / "group.vcf"
    later.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:Sailors\r\n"
        b"MEMBER:urn:uuid:11111111-aaaa-4aaa-8aaa-111111111111\r\nEND:VCARD\r\n")
    report = run_import(book, later, today=TODAY)
    assert report.groups == [("line 1", "Sailors", 1)]
    assert [c.name for c in book.circle_members("Sailors")] == ["Karin Lindqvist"]
    assert by_name(book)["Karin Lindqvist"].tags == ("Sailors",)
    again = run_import(book, later, today=TODAY)  # twice: still one membership
    assert again.groups == [("line 1", "Sailors", 1)]
    assert by_name(book)["Karin Lindqvist"].tags == ("Sailors",)


def test_a_dry_run_makes_no_circle_from_a_group(book):
    report = load(book, "icloud_groups.vcf", dry_run=True)
    assert report.groups == [("line 30", "Sailing Club", 2)]
    assert book.circles() == [] and book.list_contacts() == []


def _absurd(tmp_path):
    import sys

    sys.path.insert(0, str(FIXTURES))
    try:
        from make_fixtures import absurd_card
    finally:
        sys.path.remove(str(FIXTURES))
    path = tmp_path / "absurd.vcf"
    path.write_bytes(absurd_card(emails=2000, note_kb=300, name_chars=10_000))
    return path


def test_absurd_sizes_are_capped_and_reported_for_their_card(book, tmp_path):
    from kontakt.services.importers import rows

    report = run_import(book, _absurd(tmp_path), today=TODAY)
    [absurd] = book.list_contacts()
    assert len(absurd.emails) == rows.MAX_EMAILS == 20
    assert absurd.emails[0] == "list0@example.com" and absurd.emails[-1] == "list19@example.com"
    assert len(absurd.name) == rows.MAX_NAME and absurd.name.startswith("Absurd xxx")
    assert len(book.get_contact(absurd.id).notes) == rows.MAX_NOTES
    assert report.outcome.warnings == [
        ("line 1", "1,980 e-mails dropped (kept 20)"),
        ("line 1", "name cut to 500 characters (it had 10,000)"),
        ("line 1", "notes cut to 100,000 characters (it had 307,200)"),
    ]


def test_absurd_csv_row_is_capped_on_its_line(book, tmp_path):
    path = tmp_path / "list.csv"
    emails = " ::: ".join(f"m{i}@example.com" for i in range(2000))
    twenty = ", ".join(f"t{i}@example.com" for i in range(20))
    path.write_text(f"name,email,phone\r\nOk,ok@example.com,\r\nMailing List,\"{emails}\","
                    f"\"{'; '.join(str(100000 + i) for i in range(30))}\"\r\n"
                    f"Exactly Twenty,\"{twenty}\",\r\n", encoding="utf-8")
    report = run_import(book, path, today=TODAY)
    assert report.outcome.warnings == [
        ("line 3", "1,980 e-mails dropped (kept 20)"),
        ("line 3", "10 phones dropped (kept 20)"),
    ]
    assert len(by_name(book)["Mailing List"].emails) == 20
    assert len(by_name(book)["Exactly Twenty"].emails) == 20  # at the cap: kept, no warning


def test_strict_refuses_the_whole_file_and_names_the_first_problems(book):
    book.add_contact("Already Here", today=TODAY)
    with pytest.raises(ImportRefused) as refused:
        load(book, "google_hostile.csv", strict=True)
    message = str(refused.value)
    assert message.endswith("google_hostile.csv: --strict: nothing imported; 2 rows would be "
                            "rejected (line 4: a NUL byte in 'Notes' (damaged file?); line 5: no name)")
    assert [c.name for c in book.list_contacts()] == ["Already Here"]
    assert book.circles() == []


def test_strict_lets_a_clean_file_land(book):
    report = load(book, "linkedin_connections.csv", strict=True)
    assert len(report.outcome.added) == 2 and len(book.list_contacts()) == 2


def test_display_names_with_commas_do_not_split_an_address(book, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text('name,email\r\nAnna Müller,"""Müller, Anna"" <anna@example.com>, '
                    'MAILTO:bob@example.com"\r\n', encoding="utf-8")
    run_import(book, path, today=TODAY)
    assert by_name(book)["Anna Müller"].emails == ("anna@example.com", "bob@example.com")


def test_a_leftover_charset_on_a_utf8_card_is_ignored_and_kept_on_a_code_page_card(book, tmp_path):
    utf8 = tmp_path / "utf8.vcf"
    utf8.write_bytes("BEGIN:VCARD\r\nVERSION:3.0\r\nFN;CHARSET=ISO-8859-1:Jürgen Groß\r\n"
                     "END:VCARD\r\n".encode())
    run_import(book, utf8, today=TODAY)
    assert "Jürgen Groß" in by_name(book)
    latin2 = tmp_path / "latin2.vcf"
    latin2.write_bytes("BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=ISO-8859-2:Łucja Świątek\r\n"
                       "NOTE:Zażółć gęślą jaźń\r\nEND:VCARD\r\n".encode("iso8859-2"))
    report = run_import(book, latin2, today=TODAY)
    assert report.encoding == "ISO-8859-2"
    assert by_name(book)["Łucja Świątek"].notes == "Zażółć gęślą jaźń"
    # An old phone's export: Western text, one card saying its name is ISO-8859-2.
    nokia = tmp_path / "nokia.vcf"
    nokia.write_bytes(
        "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Søren Ærø\r\nEND:VCARD\r\n".encode("cp1252")
        + "BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=ISO-8859-2:Šťastný\r\nEND:VCARD\r\n"
        .encode("iso8859-2"))
    run_import(book, nokia, today=TODAY)
    assert {"Søren Ærø", "Šťastný"} <= set(by_name(book))


def test_utf16_without_a_bom_is_refused_with_a_hint_and_read_when_named(book, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("name,email\r\nŁukasz Żak,l@example.pl\r\n".encode("utf-16-le"))
    with pytest.raises(ImportRefused, match="excel.csv: not a text file .*try --encoding utf-16-le"):
        run_import(book, path, today=TODAY)
    run_import(book, path, today=TODAY, encoding="utf-16-le")
    assert by_name(book)["Łukasz Żak"].emails == ("l@example.pl",)
    cards = tmp_path / "cards.vcf"
    cards.write_bytes("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ola Nordmann\r\nNOTE:folded\r\n\t note\r\n"
                      "END:VCARD\r\n".encode("utf-16-be"))
    run_import(book, cards, today=TODAY, encoding="utf-16-be")
    assert by_name(book)["Ola Nordmann"].notes == "folded note"


def test_an_exchange_address_in_a_vcard_is_not_an_e_mail(book, tmp_path):
    path = tmp_path / "outlook.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Kowalski;Jan\r\nFN:Jan Kowalski\r\n"
                     b"EMAIL;PREF;INTERNET:/o=ExchangeLabs/ou=Exchange Administrative Group "
                     b"(FYDIBOHF23SPDLT)/cn=Recipients/cn=abc-jkowalski\r\n"
                     b"EMAIL;INTERNET:jan@example.pl\r\nEND:VCARD\r\n")
    report = run_import(book, path, today=TODAY)
    assert by_name(book)["Jan Kowalski"].emails == ("jan@example.pl",)
    assert report.outcome.warnings == [
        ("line 1", "e-mail: an Exchange address (/o=…), not an e-mail address; not imported")]


def test_a_group_named_only_in_n_keeps_its_name_and_a_nameless_group_is_rejected(book, tmp_path):
    path = tmp_path / "groups.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Neighbours\r\n"
                     b"X-ADDRESSBOOKSERVER-KIND:group\r\nEND:VCARD\r\n"
                     b"BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nMEMBER:urn:uuid:x\r\nEND:VCARD\r\n")
    report = run_import(book, path, today=TODAY)
    assert [c.name for c in book.circles()] == ["Neighbours"]
    assert report.outcome.rejected == [("line 6", "a group without a name (no FN or N)")]
    assert book.list_contacts() == []


def test_a_nul_in_a_tiny_file_still_rejects_only_its_row(book, tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_bytes(b"name,email\r\nA\x00na,a@example.com\r\nBo,b@example.com\r\n")
    report = run_import(book, path, today=TODAY)
    assert report.outcome.rejected == [("line 2", "a NUL byte in 'name' (damaged file?)")]
    assert set(by_name(book)) == {"Bo"}
