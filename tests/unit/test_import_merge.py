"""Duplicates, re-imports, dry runs and the one-transaction promise of `run_import`."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import pytest

from kontakt.domain import Birthday, Cadence
from kontakt.services.importers import merge as merge_module
from kontakt.services.importers import run_import
from kontakt.store import Book

FIXTURES = Path(__file__).parent.parent / "fixtures" / "transfer"
TODAY = date(2026, 11, 23)


def _fixture_maker():
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def book(tmp_path, monkeypatch):
    # Creation stamps fall on TODAY (a first due date counts from the day a contact was added).
    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())
    with Book.open(tmp_path / "book.db") as opened:
        yield opened


def write_csv(tmp_path, text, name="people.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(book):
    """Everything in the contacts table, to compare before and after."""
    return [tuple(row) for row in book.conn.execute("SELECT * FROM contacts ORDER BY id")]


def test_email_match_ignores_case_and_fills_only_empty_fields(book, tmp_path):
    anna = book.add_contact("Anna Müller", today=TODAY, emails=["Anna@Example.com"], org="Acme")
    path = write_csv(tmp_path, "name,email,phone,company,notes\r\n"
                               "Anna M.,anna@example.COM,+49 170 1,Other Corp,from the fair\r\n")
    report = run_import(book, path, today=TODAY)
    merged = book.get_contact(anna)
    assert merged.name == "Anna Müller" and merged.org == "Acme"  # nothing overwritten
    assert merged.notes == "from the fair" and merged.phones == ("+49 170 1",)
    assert [(m.into_id, m.fields) for m in report.outcome.merged] == [(anna, ["notes", "phones"])]
    assert book.count_contacts() == 1


def test_phone_match_uses_the_digits_only(book, tmp_path):
    bob = book.add_contact("Bob", today=TODAY, phones=["+49 (170) 111-2222"])
    path = write_csv(tmp_path, "name,phone,email\r\nRobert,0049 170 1112222,bob@example.com\r\n")
    run_import(book, path, today=TODAY)
    assert book.count_contacts() == 1
    assert book.get_contact(bob).emails == ("bob@example.com",)


def test_same_nfc_name_and_org_is_the_same_person(book, tmp_path):
    composed = book.add_contact("J\u00fcrgen Wei\u00df", today=TODAY, org="Acme")
    path = write_csv(tmp_path, "name,company,email\r\nJu\u0308rgen Wei\u00df,ACME,jw@example.com\r\n")
    report = run_import(book, path, today=TODAY)
    assert len(report.outcome.merged) == 1
    assert book.get_contact(composed).emails == ("jw@example.com",)


def test_two_john_smiths_with_different_emails_stay_two_people(book, tmp_path):
    book.add_contact("John Smith", today=TODAY, emails=["john1@example.com"])
    path = write_csv(tmp_path, "name,email\r\nJohn Smith,john2@example.com\r\n")
    report = run_import(book, path, today=TODAY)
    assert len(report.outcome.added) == 1 and not report.outcome.merged
    assert book.count_contacts() == 2


def test_duplicates_inside_one_file_become_one_contact(book, tmp_path):
    path = write_csv(tmp_path, "name,email,phone\r\n"
                               "Dana,dana@example.com,\r\n"
                               "Dana Duplicate,DANA@example.com,+49 170 2223333\r\n")
    report = run_import(book, path, today=TODAY)
    assert book.count_contacts() == 1
    dana = book.list_contacts()[0]
    assert dana.name == "Dana" and dana.phones == ("+49 170 2223333",)
    assert report.summary() == "1 added, 1 merged, 0 rejected"


def test_importing_the_same_file_twice_changes_nothing_the_second_time(book):
    for name in ("google.csv", "hostile.csv", "cards_30.vcf", "outlook_cp1252.csv", "vdir"):
        run_import(book, FIXTURES / name, today=TODAY)
    before = snapshot(book)
    for name in ("google.csv", "hostile.csv", "cards_30.vcf", "outlook_cp1252.csv", "vdir"):
        report = run_import(book, FIXTURES / name, today=TODAY)
        assert not report.outcome.added and not report.outcome.merged, name
    assert snapshot(book) == before


def test_dry_run_reports_but_writes_nothing(book):
    book.add_contact("Anna Müller", today=TODAY, emails=["anna@example.com"])
    before = snapshot(book)
    report = run_import(book, FIXTURES / "google.csv", today=TODAY, dry_run=True)
    assert report.dry_run
    assert [name for _, name in report.outcome.added] == ["Bob Smith", "Nameless GmbH", "Chloé Dubois"]
    assert [m.into_name for m in report.outcome.merged] == ["Anna Müller"]
    assert report.outcome.rejected == [("line 7", "no name")]
    assert report.summary().startswith("dry run, nothing written: would be 3 added, 1 merged")
    assert snapshot(book) == before
    assert book.conn.execute("SELECT count(*) FROM circles").fetchone()[0] == 0


def test_a_dry_run_predicts_the_import_when_two_rows_fill_the_same_person(book, tmp_path):
    """The dry run wrote nothing, so each row was judged against the stored person: two rows
    filling her notes were both "would merge", then the real import merged one."""
    jurgen = book.add_contact("Jürgen Müller", today=TODAY, emails=["jm@example.com"])
    path = write_csv(tmp_path, "Name,E-mail,Notes,Company\n"
                               "JÜRGEN MÜLLER,jm@example.com,first,\n"
                               "J. Müller,JM@EXAMPLE.COM,second,ACME\n"
                               "Jürgen Müller,jm@example.com,first,\n")
    before = snapshot(book)
    dry = run_import(book, path, today=TODAY, dry_run=True)
    assert snapshot(book) == before
    real = run_import(book, path, today=TODAY)

    def seen(report):
        outcome = report.outcome
        return ([(m.where, m.fields) for m in outcome.merged],
                [(where, into) for where, _, into in outcome.unchanged], outcome.not_taken)

    assert seen(dry) == seen(real)
    assert seen(real)[0] == [("line 2", ["notes"]), ("line 3", ["org"])]
    assert seen(real)[1] == [("line 4", jurgen)]
    # The second row's notes were not taken, and the user hears it (from the dry run too).
    assert [kept.line() for kept in real.outcome.not_taken] == [f"J. Müller: notes not taken, #{jurgen}'s kept"]
    assert "would keep    line 3: J. Müller: notes not taken" in "\n".join(dry.dry_run_lines())
    assert "already there line 3" not in "\n".join(dry.dry_run_lines())  # not "nothing new"
    assert real.summary() == "0 added, 2 merged, 1 unchanged, 1 with values not taken, 0 rejected"
    assert real.as_json()["not_taken"] == [{"where": "line 3", "name": "J. Müller", "into": jurgen,
                                            "fields": ["notes"]}]
    stored = book.get_contact(jurgen)
    assert (stored.notes, stored.org) == ("first", "ACME")


def test_a_crash_half_way_leaves_the_book_as_it_was(book, monkeypatch):
    anna = book.add_contact("Anna Müller", today=TODAY, emails=["anna@example.com"])
    before = snapshot(book)
    real_add = merge_module.Merger.add
    calls = []

    def crash_on_third_row(self, where, contact):
        calls.append(where)
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the import
        return real_add(self, where, contact)

    monkeypatch.setattr(merge_module.Merger, "add", crash_on_third_row)
    monkeypatch.setattr(merge_module, "BATCH", 1)  # the first rows are already inserted
    with pytest.raises(KeyboardInterrupt):
        run_import(book, FIXTURES / "google.csv", today=TODAY)
    assert snapshot(book) == before
    assert book.get_contact(anna).phones == ()  # the merge into Anna was undone too
    assert book.conn.execute("SELECT count(*) FROM circles").fetchone()[0] == 0


def test_a_refusal_at_the_end_of_the_file_undoes_the_rows_before_it(book, tmp_path):
    # The quote opened on Bob's row swallows Carl's (one on the last line alone rejects
    # only that row).
    path = write_csv(tmp_path, "name,email\r\nAnna,anna@example.com\r\nBob,\"bob@example.com\r\n"
                               "Carl,carl@example.com\r\n")
    from kontakt.services.importers import ImportRefused

    with pytest.raises(ImportRefused, match="never closed"):
        run_import(book, path, today=TODAY)
    assert book.count_contacts() == 0


@pytest.mark.dated
def test_imported_contacts_in_a_circle_with_a_cadence_get_a_next_due(book, tmp_path):
    book.set_circle_cadence("Kunden", Cadence.parse("monthly"), today=TODAY)
    path = write_csv(tmp_path, "name,tags,birthday\r\nKlaus,Kunden,--12-24\r\n")
    run_import(book, path, today=TODAY)
    klaus = book.list_contacts()[0]
    assert klaus.tags == ("Kunden",) and klaus.next_due == date(2026, 12, 23)
    assert klaus.birthday == Birthday(12, 24)
    assert book.search("klaus")[0].id == klaus.id  # the search index saw the bulk insert


def test_tags_reuse_an_existing_circle_whatever_the_case(book, tmp_path):
    book.add_contact("Someone", today=TODAY, tags=["Breakfast"])
    path = write_csv(tmp_path, "name,tags\r\nOther,breakfast\r\n")
    run_import(book, path, today=TODAY)
    assert [c.name for c in book.circles()] == ["Breakfast"]
    assert [c.name for c in book.circle_members("Breakfast")] == ["Other", "Someone"]


def test_a_contact_in_the_trash_is_not_resurrected_by_a_reimport(book, tmp_path):
    gone = book.add_contact("Gone", today=TODAY, emails=["gone@example.com"])
    book.trash_contact(gone)
    path = write_csv(tmp_path, "name,email\r\nGone,gone@example.com\r\n")
    report = run_import(book, path, today=TODAY)
    # Email matching skips the trash: a deleted contact is not a reason to refuse a new one.
    assert len(report.outcome.added) == 1
    assert book.count_contacts() == 1


def test_twenty_thousand_google_rows_import_whole(book, tmp_path):
    # Speed and peak memory are measured in benchmarks/bench_transfer.py, not here.
    maker = _fixture_maker()
    path = tmp_path / "google-20k.csv"
    path.write_text(maker.google_rows(20_000), encoding="utf-8")
    report = run_import(book, path, today=TODAY)
    assert len(report.outcome.added) == 20_000 and not report.outcome.rejected
    assert book.count_contacts() == 20_000
    last = book.find("person19999@example.com")
    assert last.emails == ("person19999@example.com", "p19999@example.org", "p19999@example.net")
    assert last.tags == ("Kunden",) and last.location == "München"
    assert book.search("person19999")[0].id == last.id  # indexed for search in bulk


def test_progress_is_reported_in_bytes_up_to_the_whole_file(book, tmp_path):
    path = tmp_path / "google-2k.csv"
    path.write_text(_fixture_maker().google_rows(2_000), encoding="utf-8")
    seen = []
    run_import(book, path, today=TODAY, progress=lambda done, total: seen.append((done, total)))
    size = path.stat().st_size
    assert len(seen) >= 3 and seen[-1] == (size, size)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
