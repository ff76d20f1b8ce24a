"""`export csv --google` then `import` into an empty book gives every person back as
`show --json` shows them: addresses (several, labelled, every part), websites, the labels of
phones and e-mails in any language, hostile text (`[bold]x`, a ';' inside a street) kept as
typed; only `location`, which Google's CSV has no column for, is made from the first address
as any Google import makes it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.domain import Birthday
from kontakt.domain.cards import Address
from kontakt.store import Book

TODAY = "2026-11-23"


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """(source book, its Google CSV, the book that CSV was imported into)."""
    tmp = tmp_path_factory.mktemp("google")
    source, copy, out = tmp / "source.db", tmp / "copy.db", tmp / "google.csv"
    from datetime import date

    today = date(2026, 11, 23)
    with Book.open(source) as book:
        book.add_contact(
            "Dr. Jürgen Müller", today=today, nickname="Jogi", org="Müller & Söhne",
            role="CEO", birthday=Birthday(4, 15, 1980), tags=["Kunden", "Stammtisch"],
            notes="Met at the fair\nLikes espresso",
            emails=["jm@mueller.example", "j@privat.example", "jogi@example.fr"],
            phones=["+49 89 555 0101", "+49 170 1234567", "+33 1 23 45 67 89"],
            labels={"jm@mueller.example": "arbeit", "jogi@example.fr": "travail",
                    "+49 89 555 0101": "büro", "+33 1 23 45 67 89": "家"},
            addresses=[
                Address("arbeit", street="Hauptstr. 1; Hinterhaus", locality="München",
                        region="Bayern", postcode="80331", country="Deutschland"),
                Address("", pobox="PF 12 34", extended="c/o Weber", street="[bold]x",
                        locality="Köln", postcode="50667", country="DE"),
                Address("privé", street="12 rue de l'Église", locality="Paris",
                        country="France"),
            ],
            urls=["https://jm.example", "https://example.org/a;b?x=[bold]"],
        )
        book.add_contact(
            "Ada Lovelace", today=today, phones=["+44 20 7946 0001"],
            labels={"+44 20 7946 0001": "work"},
            addresses=[Address("home", street="12 St James's Sq", locality="London",
                               postcode="SW1Y 4JH", country="UK")],
            urls=["https://ada.example"],
        )
        book.add_contact("Björk", today=today, emails=["bjork@example.is"],
                         phones=["+354 555 1234"])
    runner = CliRunner()
    env = {"KONTAKT_TODAY": TODAY, "KONTAKT_NO_AUTO_BACKUP": "1"}
    result = runner.invoke(main, ["export", "csv", "--google", "-o", str(out), "--db", str(source)],
                           env=env)
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["import", str(out), "--db", str(copy)], env=env)
    assert result.exit_code == 0 and "3 added" in result.output, result.output
    return source, out, copy


def _show(db, name) -> dict:
    result = CliRunner().invoke(main, ["show", name, "--json", "--db", str(db)],
                                env={"KONTAKT_TODAY": TODAY, "KONTAKT_NO_AUTO_BACKUP": "1"})
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# What a round trip keeps; ids, uids, timestamps and the activity are the book's own.
KEPT = ("name", "nickname", "emails", "phones", "org", "role", "tags", "birthday", "notes",
        "addresses", "urls", "phone_labels", "email_labels")


@pytest.mark.parametrize("name, location", [
    ("Dr. Jürgen Müller", "München, Deutschland"),
    ("Ada Lovelace", "London, UK"),
    ("Björk", ""),
])
def test_every_field_comes_back_through_googles_csv(books, name, location):
    source, _, copy = books
    before, after = _show(source, name), _show(copy, name)
    for field in KEPT:
        assert after[field] == before[field], field
    assert before["location"] == "" and after["location"] == location


def test_the_round_trip_really_carried_details(books):
    # guards the comparison above against two books that are both empty of details
    source, out, copy = books
    jurgen = _show(copy, "Dr. Jürgen Müller")
    assert [a["label"] for a in jurgen["addresses"]] == ["arbeit", "", "privé"]
    assert jurgen["addresses"][0]["street"] == "Hauptstr. 1; Hinterhaus"
    assert jurgen["addresses"][1]["street"] == "[bold]x"
    assert jurgen["phone_labels"] == {"+49 89 555 0101": "büro", "+33 1 23 45 67 89": "家"}
    assert jurgen["email_labels"] == {"jm@mueller.example": "arbeit", "jogi@example.fr": "travail"}
    assert len(jurgen["urls"]) == 2
    assert _show(copy, "Björk")["phone_labels"] == {}  # no label is made up on the way
    text = out.read_text(encoding="utf-8-sig")
    assert "Address 3 - Street" in text and "PF 12 34" in text
