"""Thousands of faker people from many locales through the importers and back: a Google
CSV with formula-looking cells, the same people again from an Outlook export, and every
export format re-imported. One book for the module (built once, seconds in all)."""

from __future__ import annotations

import csv
import unicodedata
from datetime import date

import faker
import pytest

from kontakt.services.exporters import vcard as vcard_export
from kontakt.services.exporters.csv import write_contacts, write_google
from kontakt.services.importers import run_import
from kontakt.store import Book

TODAY = date(2026, 12, 5)
PEOPLE = 2000
LOCALES = ["de_DE", "fr_FR", "tr_TR", "pl_PL", "ja_JP", "ar_AA", "hi_IN", "en_US", "es_ES",
           "nl_NL", "zh_CN", "ru_RU", "vi_VN", "cs_CZ"]
NOTES = ["", "=HYPERLINK(\"http://evil.example\",\"click\")", "+49 call back", "@SUM(A1)",
         "-2+3", "line one\nline two", "'quoted already", "\uff1dcmd"]
GOOGLE = ["First Name", "Last Name", "Organization Name", "Birthday", "Notes", "Labels",
          "E-mail 1 - Label", "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value",
          "Address 1 - City", "Address 1 - Country"]


def _people() -> list[dict[str, str]]:
    fakes = {}
    for n, locale in enumerate(LOCALES):
        fakes[locale] = faker.Faker(locale)
        fakes[locale].seed_instance(1000 + n)  # a seed each: no two locales in step
    people = []
    for i in range(PEOPLE):
        locale = LOCALES[i % len(LOCALES)]
        fake = fakes[locale]
        born = fake.date_of_birth(minimum_age=18, maximum_age=90)
        people.append({
            "first": fake.first_name(), "last": fake.last_name(), "locale": locale,
            "org": fake.company() if i % 3 == 0 else "",
            "birthday": born.isoformat() if i % 5 else f"--{born.month:02}-{born.day:02}",
            "notes": NOTES[i % len(NOTES)], "email": f"person{i}@example.org",
            # +CC digits only: unique, and no two people share a phone
            "phone": f"+{(i % 80) + 10} {700000000 + i}",
            "city": fake.city(), "born": born,
        })
    return people


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("volume")
    people = _people()
    google = tmp / "google.csv"
    with google.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(GOOGLE)
        for p in people:
            writer.writerow([p["first"], p["last"], p["org"], p["birthday"], p["notes"],
                             f"{p['locale']} ::: * myContacts", "* Home", p["email"], "Mobile",
                             p["phone"], p["city"], ""])
    # Every tenth person again, from a US Outlook: e-mail in capitals, a new work phone.
    outlook = tmp / "outlook.csv"
    with outlook.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First Name", "Last Name", "E-mail Address", "Business Phone", "Birthday"])
        for i, p in enumerate(people[::10]):
            writer.writerow([p["first"], p["last"], p["email"].upper(), f"+1 555 {i:06}",
                             f"{p['born'].month}/{p['born'].day}/{p['born'].year}"])
    book = Book.open(tmp / "book.db")
    reports = {"google": run_import(book, google, today=TODAY),
               "outlook": run_import(book, outlook, today=TODAY)}
    exports = {}
    for name, write in (("kontakt.csv", write_contacts), ("google-out.csv", write_google),
                        ("cards.vcf", vcard_export.write_cards)):
        exports[name] = tmp / name
        with exports[name].open("w", encoding="utf-8-sig" if name.endswith(".csv") else "utf-8",
                                newline="") as handle:
            write(book, handle)
    yield book, people, reports, exports, tmp
    book.close()


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", " ".join(value.split()))


def test_every_person_lands_once_with_their_name_unchanged(corpus):
    book, people, reports, _, _ = corpus
    assert reports["google"].summary() == f"{PEOPLE} added, 0 merged, 0 rejected"
    names = sorted(c.name for c in book.list_contacts())
    assert names == sorted(_nfc(f"{p['first']} {p['last']}") for p in people)
    assert not [n for n in names if "\ufffd" in n]
    # the formula-looking notes are kept as typed, never with a ' in front
    notes = {c.notes for c in book.list_contacts()}
    assert set(NOTES) - {""} <= notes


def test_the_same_people_from_outlook_merge_into_them(corpus):
    book, people, reports, _, _ = corpus
    outlook = reports["outlook"]
    assert outlook.summary() == f"0 added, {PEOPLE // 10} merged, 0 rejected"
    assert book.count_contacts() == PEOPLE
    first = next(c for c in book.list_contacts() if c.emails == (people[0]["email"],))
    assert first.phones == (people[0]["phone"], "+1 555 000000")
    assert first.birthday.year == people[0]["born"].year  # the year Google did not have
    assert outlook.outcome.not_taken == []  # US dates read month first: the same birthdays
    assert all("birthday" in m.fields for m in outlook.outcome.merged)  # each gave its year


@pytest.mark.parametrize("name", ["kontakt.csv", "google-out.csv", "cards.vcf"])
def test_every_export_comes_back_into_the_book_as_nothing_new(corpus, name, tmp_path):
    book, _, _, exports, _ = corpus
    again = run_import(book, exports[name], today=TODAY, dry_run=True)
    assert again.summary() == f"dry run, nothing written: would be 0 added, 0 merged, {PEOPLE} unchanged, 0 rejected"
    assert again.outcome.not_taken == []
    with Book.open(tmp_path / "fresh.db") as fresh:
        report = run_import(fresh, exports[name], today=TODAY)
        assert report.summary() == f"{PEOPLE} added, 0 merged, 0 rejected"
        fields = lambda b: sorted((c.name, c.emails, c.phones, c.notes, c.birthday)  # noqa: E731
                                  for c in b.list_contacts())
        assert fields(fresh) == fields(book)
