"""Exports: safe CSV cells, valid vCards, and round trips that keep every field a format carries."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kontakt.domain import Birthday, Cadence, clean_line
from kontakt.services.exporters import csv as csv_export
from kontakt.services.exporters import json as json_export
from kontakt.services.exporters import vcard as vcard_export
from kontakt.services.importers import run_import
from kontakt.store import Book

TODAY = date(2026, 11, 23)


@pytest.fixture
def book(tmp_path):
    with Book.open(tmp_path / "book.db") as opened:
        yield opened


def export_to(path: Path, write, book, **options) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        write(book, out, **options)
    return path


# ---------------------------------------------------------------------- CSV


@pytest.mark.parametrize("value", ["=1+2", "+49 170", "-2", "@SUM(A1)", "'quoted"])
def test_csv_cells_a_spreadsheet_would_run_are_prefixed(value):
    assert csv_export.neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Anna", "O'Brien", "a=b", "", "1+1"])
def test_harmless_csv_cells_are_left_alone(value):
    assert csv_export.neutralise(value) == value


def test_csv_export_has_no_cell_starting_like_a_formula(book, tmp_path):
    book.add_contact('=HYPERLINK("http://evil.example")', today=TODAY, org="+cmd", notes="-2+3",
                     emails=["@x@example.com"], phones=["+49 170 1"], role="\tTab")
    path = export_to(tmp_path / "out.csv", csv_export.write_contacts, book)
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    assert rows[0][0] == "name"
    for cell in rows[1]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_excel_csv_has_a_bom_and_semicolons(tmp_path, book):
    from kontakt.services.exporters import atomic_output

    book.add_contact("Jürgen Müller", today=TODAY, emails=["jm@example.com"])
    path = tmp_path / "excel.csv"
    with atomic_output(path, bom=True) as out:
        csv_export.write_contacts(book, out, excel=True)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfname;nickname;emails;")
    assert "Jürgen Müller;".encode() in data


def test_excel_csv_reimports_to_the_same_contacts(tmp_path, book):
    from kontakt.services.exporters import atomic_output

    book.add_contact("=Formula Name", today=TODAY, phones=["+49 170 1234567"], tags=["A", "B"])
    path = tmp_path / "excel.csv"
    with atomic_output(path, bom=True) as out:
        csv_export.write_contacts(book, out, excel=True)
    with Book.open(tmp_path / "other.db") as other:
        report = run_import(other, path, today=TODAY)
        assert report.format == "kontakt"
        contact = other.list_contacts()[0]
        assert contact.name == "=Formula Name" and contact.phones == ("+49 170 1234567",)
        assert contact.tags == ("A", "B")


def test_interactions_and_favours_export_as_csv(book, tmp_path):
    a = book.add_contact("Anna", today=TODAY)
    b = book.add_contact("=Bob", today=TODAY)
    book.log_interaction([a, b], on=date(2026, 11, 1), kind="meeting", note="breakfast")
    book.add_favour(a, direction="received", description="-reviewed deck", on=date(2026, 10, 1))
    interactions = export_to(tmp_path / "i.csv", csv_export.write_interactions, book)
    rows = list(csv.DictReader(interactions.open(encoding="utf-8", newline="")))
    assert rows[0]["contacts"] == "'=Bob; Anna" and rows[0]["kind"] == "meeting"
    favours = export_to(tmp_path / "f.csv", csv_export.write_favours, book)
    rows = list(csv.DictReader(favours.open(encoding="utf-8", newline="")))
    assert rows[0]["description"] == "'-reviewed deck" and rows[0]["direction"] == "received"


# ---------------------------------------------------------------------- vCard


def test_vcard_lines_fold_at_75_octets_never_inside_a_character():
    long = "Ü" * 100
    folded = vcard_export.fold("NOTE:" + long)
    lines = folded.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert all(line.startswith(" ") for line in lines[1:])
    assert "".join(line[1:] if i else line for i, line in enumerate(lines)) == "NOTE:" + long


@pytest.mark.parametrize("char", ["a", "ü", "€", "🌻"])  # 1, 2, 3 and 4 octets in UTF-8
def test_vcard_lines_use_all_75_octets_and_split_no_character(char):
    value = "NOTE:" + char * 300
    lines = vcard_export.fold(value).split("\r\n")
    assert lines[-1] == "" and len(lines) > 3
    sizes = [len(line.encode("utf-8")) for line in lines[:-1]]
    width = len(char.encode("utf-8"))
    # Every line but the last is as full as a whole character allows, and none is longer.
    assert all(75 - width < size <= 75 for size in sizes[:-1]), sizes
    assert "".join(line[1:] if i else line for i, line in enumerate(lines[:-1])) == value


@pytest.mark.parametrize("version", vcard_export.VERSIONS)
def test_vcard_escapes_semicolons_commas_backslashes_and_newlines(book, version):
    import vobject

    contact = book.get_contact(book.add_contact(
        "Anna; Maria, Müller", today=TODAY, org="Müller; Söhne", notes="a\\b;c,d\ne",
        tags=["x;y", "p,q"]))
    text = vcard_export.card(contact, version)
    assert "ORG:Müller\\; Söhne\r\n" in text
    assert "NOTE:a\\\\b\\;c\\,d\\ne\r\n" in text
    assert "CATEGORIES:x\\;y,p\\,q\r\n" in text
    parsed = vobject.readOne(text)
    assert parsed.fn.value == "Anna; Maria, Müller"
    assert parsed.org.value == ["Müller; Söhne"]
    assert parsed.note.value == "a\\b;c,d\ne"


def test_vcard_40_and_30_write_year_less_birthdays_their_way(book):
    contact_id = book.add_contact("Anna", today=TODAY, birthday=Birthday(4, 15))
    contact = book.get_contact(contact_id)
    assert "BDAY:--0415\r\n" in vcard_export.card(contact, "4.0")
    assert "BDAY:--04-15\r\n" in vcard_export.card(contact, "3.0")
    assert "VERSION:3.0\r\n" in vcard_export.card(contact, "3.0")
    assert f"UID:urn:uuid:{contact.uid}\r\n" in vcard_export.card(contact, "4.0")


def test_vcard_directory_has_one_stable_file_per_contact(book, tmp_path):
    ids = [book.add_contact(name, today=TODAY) for name in ("Anna", "Bob")]
    target = tmp_path / "vdir"
    assert vcard_export.write_directory(book, target) == 2
    uids = sorted(book.get_contact(i).uid for i in ids)
    assert sorted(p.name for p in target.iterdir()) == [f"{u}.vcf" for u in uids]
    with Book.open(tmp_path / "other.db") as other:
        run_import(other, target, today=TODAY)
        assert sorted(c.uid for c in other.list_contacts()) == uids
    vcard_export.write_directory(book, target)  # again: same files, no duplicates
    assert len(list(target.iterdir())) == 2


def test_exotic_uids_get_a_safe_file_name():
    assert vcard_export.file_name("../../etc/passwd").endswith(".vcf")
    assert "/" not in vcard_export.file_name("../../etc/passwd")


# ---------------------------------------------------------------------- JSON


def rich_book(book: Book) -> None:
    """A small book with every kind of record."""
    book.set_circle_cadence("breakfast", Cadence.parse("weekly"), today=TODAY)
    a = book.add_contact("Anna Müller", today=TODAY, emails=["a@example.com"], tags=["breakfast"],
                         birthday=Birthday(4, 15), notes="line one\nline two", met="fair")
    b = book.add_contact("Bob", today=TODAY, emails=["shared@example.com"], cadence=Cadence.parse("monthly"),
                         phones=["+49 170 1"], birthday=Birthday(2, 29, 1980))
    c = book.add_contact("Carla", today=TODAY, emails=["shared@example.com"], archived=True)
    d = book.add_contact("Dora (deleted)", today=TODAY)
    book.log_interaction([a, b, c], on=date(2026, 11, 20), kind="meeting", note="group breakfast")
    book.log_interaction([b], on=date(2026, 10, 1), kind="call")
    f = book.add_favour(a, direction="given", description="intro to a lawyer", on=date(2026, 9, 1),
                        kind="referral", weight=2)
    book.set_favour_status(f, "returned")
    book.add_favour(b, direction="received", description="lent a van", on=date(2026, 8, 1), kind="help")
    i = book.add_introduction(a, b, on=date(2026, 7, 1), note="both into sailing")
    book.set_introduction_outcome(i, "they sail together now", on=date(2026, 8, 1))
    fu = book.add_follow_up(a, due=date(2026, 12, 1), note="send the article",
                            recurrence=Cadence.parse("every 3 months"))
    book.complete_follow_up(fu, on=date(2026, 12, 2))
    other = book.add_follow_up(b, due=date(2026, 12, 5))
    book.snooze_follow_up(other, until=date(2026, 12, 9))
    book.trash_contact(d)


def export_json(book, path, **options) -> dict:
    export_to(path, json_export.write_book, book, **options)
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("exported_at")
    return data


def test_json_export_then_import_into_an_empty_book_reproduces_it_exactly(book, tmp_path):
    rich_book(book)
    first = export_json(book, tmp_path / "one.json")
    with Book.open(tmp_path / "copy.db") as copy:
        report = run_import(copy, tmp_path / "one.json", today=TODAY)
        assert not report.outcome.rejected
        second = export_json(copy, tmp_path / "two.json")
        assert second == first
        assert copy.count_contacts(archived=None) == 3  # Dora is back in the trash, not the list
        anna = copy.find("anna")
        assert anna.last_contact == date(2026, 11, 20) and anna.effective_cadence == Cadence.parse("weekly")
        assert copy.balance(anna.id).gave == 2 + 1  # the favour and the introduction


def test_contacts_sharing_an_email_stay_two_in_a_json_restore(book, tmp_path):
    rich_book(book)
    export_json(book, tmp_path / "one.json")
    with Book.open(tmp_path / "copy.db") as copy:
        run_import(copy, tmp_path / "one.json", today=TODAY)
        sharing = [c.name for c in copy.list_contacts(archived=None) if "shared@example.com" in c.emails]
        assert sorted(sharing) == ["Bob", "Carla"]


def test_importing_the_same_json_twice_changes_nothing(book, tmp_path):
    rich_book(book)
    export_json(book, tmp_path / "one.json")
    with Book.open(tmp_path / "copy.db") as copy:
        run_import(copy, tmp_path / "one.json", today=TODAY)
        before = export_json(copy, tmp_path / "a.json")
        report = run_import(copy, tmp_path / "one.json", today=TODAY)
        assert not report.outcome.added and not any(report.history.values())
        assert export_json(copy, tmp_path / "b.json") == before


def test_one_contacts_export_holds_what_the_book_keeps_about_them(book, tmp_path):
    rich_book(book)
    anna = book.find("anna")
    data = export_json(book, tmp_path / "anna.json", contact_ids=[anna.id])
    assert [c["name"] for c in data["contacts"]] == ["Anna Müller"]
    assert [c["name"] for c in data["circles"]] == ["breakfast"]
    assert [i["note"] for i in data["interactions"]] == ["group breakfast"]
    assert [f["description"] for f in data["favours"]] == ["intro to a lawyer"]
    assert len(data["introductions"]) == 1 and len(data["follow_ups"]) == 2
    assert "lent a van" not in json.dumps(data)  # Bob's favour is not Anna's business


def test_one_contacts_export_imports_into_another_book(book, tmp_path):
    rich_book(book)
    anna = book.find("anna")
    export_json(book, tmp_path / "anna.json", contact_ids=[anna.id])
    with Book.open(tmp_path / "other.db") as other:
        report = run_import(other, tmp_path / "anna.json", today=TODAY)
        assert [c.name for c in other.list_contacts()] == ["Anna Müller"]
        assert len(other.interactions_for(other.find("anna").id)) == 1
        assert any("participant" in message for _, message in report.outcome.warnings)


def test_broken_json_entries_are_rejected_one_by_one(book, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({
        "kontakt": 1,
        "contacts": [{"uid": "u1", "name": "Anna"}, {"name": ""}, {"name": "Bad", "birthday": "1980-02-30"}],
        "interactions": [{"uid": "i1", "date": "2026-01-01", "kind": "dance", "participants": ["u1"]},
                         {"uid": "i2", "date": "2026-01-01", "kind": "call", "participants": ["nobody"]}],
    }), encoding="utf-8")
    report = run_import(book, path, today=TODAY)
    # A bad birthday is left out of its contact, as the CSV and vCard importers do.
    assert [(c.name, c.birthday) for c in book.list_contacts()] == [("Anna", None), ("Bad", None)]
    assert [where for where, _ in report.outcome.rejected] == [
        "contact 2", "interaction 1", "interaction 2"]
    assert report.outcome.warnings == [
        ("contact 3 (Bad)", "birthday: '1980-02-30' is not a real date; imported without it")]


# ---------------------------------------------------------------------- property round trips

# Text as people type it, hostile included: formulas, markup, quotes, escapes, accents, and
# every character vCard must escape (`\\`, `,`, `;`) or fold around.
SAMPLES = ["BEGIN:VCARD", "=1+2", "+49", "-x", "@SUM(A1)", "'q", "[bold]x[/bold]", "[@click=app.quit]",
           "O'Brien", "Jürgen", "a\\b", 'say "hi"', "x, y", "Ærø", "\x1b[31mred", "Müller; Söhne",
           "a;b;c", "\\;", "\\n", "END:VCARD", "王小明", "Οδυσσέας", "🌻", "👩\u200d👩\u200d👧"]
# Every printable character (str.isprintable: letters, marks, numbers, punctuation, symbols
# and the space), `;` and `\\` included.
PRINTABLE = st.characters(categories=("L", "M", "N", "P", "S"), include_characters=" ")
words = st.one_of(st.sampled_from(SAMPLES), st.text(PRINTABLE, min_size=1, max_size=12))
one_line = st.lists(words, min_size=1, max_size=3).map(" ".join)
multi_line = st.lists(one_line, max_size=3).map("\n".join)
birthdays = st.one_of(
    st.none(),
    st.builds(lambda m, d, y: Birthday(m, min(d, 28), y),
              st.integers(1, 12), st.integers(1, 31), st.one_of(st.none(), st.integers(1900, 2025))),
)
cadences = st.one_of(st.none(), st.sampled_from(
    [Cadence.parse(c) for c in ("weekly", "every 2 weeks", "monthly", "every 10 days", "yearly")]))


def storable_name(name: str) -> bool:
    """The one documented refusal of add_contact: a name that is empty once control
    characters and escape sequences are cleaned out. Such inputs are not generated."""
    return clean_line(name) != ""


# kontakt CSV joins a list in one cell with "; " and splits on ";" again, so a circle name
# holding ";" cannot come back from CSV (a limit of that format, reported; vCard and JSON
# escape it). The CSV property draws circle names without ";"; everything else is unchanged.
csv_tags = st.lists(one_line.filter(lambda tag: ";" not in tag), max_size=3)


@st.composite
def books(draw, tags=st.lists(one_line, max_size=3)):
    people = []
    for index in range(draw(st.integers(1, 4))):
        people.append(dict(
            name=draw(one_line.filter(storable_name)), nickname=draw(st.one_of(st.just(""), one_line)),
            emails=[f"p{index}.{j}@example.com" for j in range(draw(st.integers(1, 2)))],
            phones=[f"+49 {index:03d}{j:02d} 123" for j in range(draw(st.integers(0, 2)))],
            org=draw(st.one_of(st.just(""), one_line)), role=draw(st.one_of(st.just(""), one_line)),
            location=draw(st.one_of(st.just(""), one_line)), met=draw(multi_line),
            birthday=draw(birthdays), tags=draw(tags),
            notes=draw(multi_line), cadence=draw(cadences), archived=draw(st.booleans()),
        ))
    return people


FIELDS = ("name", "nickname", "emails", "phones", "org", "role", "location", "met", "birthday",
          "tags", "notes", "cadence", "archived")


def fields(contact) -> tuple:
    return tuple(getattr(contact, name) for name in FIELDS)


def round_trip(people, export, suffix: str, check_file=None, **options):
    """Add `people` to a book, export, import into an empty book: every field comes back.

    No error is swallowed: every name is storable (see `books`), so add_contact must
    accept each one, and the counts are compared at every step.
    """
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with Book.open(work / "source.db") as source, Book.open(work / "copy.db") as copy:
            for person in people:
                source.add_contact(today=TODAY, **person)
            assert source.count_contacts(archived=None) == len(people)
            path = work / f"export.{suffix}"
            with path.open("w", encoding="utf-8", newline="") as out:
                exported = export(source, out, **options)
            assert exported == len(people)
            original = {c.uid: c for c in source.list_contacts(archived=None)}
            if check_file is not None:
                check_file(path, original)
            report = run_import(copy, path, today=TODAY)
            assert not report.outcome.rejected, report.outcome.rejected
            assert len(report.outcome.added) == len(people)
            restored = {c.uid: c for c in copy.list_contacts(archived=None)}
            assert len(restored) == len(people)
            assert restored.keys() == original.keys()
            for uid, contact in original.items():
                assert fields(restored[uid]) == fields(contact)


def check_with_vobject(path: Path, original: dict) -> None:
    """An independent reader agrees: every card parses with vobject, every physical line
    is at most 75 octets (but the ones abook reads whole, vcard.WHOLE_LINES), and FN, N, ORG,
    NOTE and EMAIL come back as stored."""
    import vobject

    data = path.read_bytes()
    lines = data.split(b"\r\n")
    whole = tuple(p.encode() for p in vcard_export.WHOLE_LINES)
    folded = [line for line in lines if not line.startswith(whole)]
    assert lines[-1] == b"" and all(len(line) <= 75 for line in folded), max(folded, key=len)
    cards = list(vobject.readComponents(data.decode("utf-8")))
    assert len(cards) == len(original)
    for card in cards:
        uid = card.uid.value.removeprefix("urn:uuid:")
        contact = original[uid]
        assert card.fn.value == contact.name
        # N splits the name at its last space: given names, then the family name.
        given, family = card.n.value.given, card.n.value.family
        assert family and " ".join(part for part in (given, family) if part) == contact.name
        if contact.org:
            assert card.org.value == [contact.org]
        else:
            assert "org" not in card.contents
        if contact.notes:
            assert card.note.value == contact.notes
        else:
            assert "note" not in card.contents
        assert [e.value for e in card.contents.get("email", [])] == list(contact.emails)


# A quick sweep in the suite; KONTAKT_ROUNDTRIP_EXAMPLES=500 for a long hunt.
ROUND_TRIP = settings(max_examples=int(os.environ.get("KONTAKT_ROUNDTRIP_EXAMPLES", "12")), deadline=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@ROUND_TRIP
@given(books(tags=csv_tags))
def test_csv_round_trip_keeps_every_field(people):
    round_trip(people, csv_export.write_contacts, "csv")


@ROUND_TRIP
@given(books())
def test_vcard_40_round_trip_keeps_every_field(people):
    round_trip(people, vcard_export.write_cards, "vcf", check_file=check_with_vobject)


@ROUND_TRIP
@given(books())
def test_vcard_30_round_trip_keeps_every_field(people):
    round_trip(people, vcard_export.write_cards, "vcf", check_file=check_with_vobject, version="3.0")


@ROUND_TRIP
@given(books())
def test_json_round_trip_keeps_every_field(people):
    round_trip(people, json_export.write_book, "json")


def test_a_json_dry_run_counts_the_history_and_writes_nothing(book, tmp_path):
    rich_book(book)
    export_json(book, tmp_path / "one.json")
    with Book.open(tmp_path / "copy.db") as copy:
        report = run_import(copy, tmp_path / "one.json", today=TODAY, dry_run=True)
        assert len(report.outcome.added) == 4
        assert report.history == {"interactions": 2, "favours": 2, "introductions": 1, "follow_ups": 3}
        assert copy.conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
        assert copy.conn.execute("SELECT count(*) FROM interactions").fetchone()[0] == 0
