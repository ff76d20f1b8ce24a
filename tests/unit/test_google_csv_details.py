"""Google Contacts' CSV keeps what a card keeps: postal addresses, websites, the labels of
phones and e-mails and the name's prefix and suffix come in (new "- Label" headers and old
"- Type" ones), kontakt's own `export csv --google` file comes back field for field, a merge
fills and never overwrites, and Google's system groups never become circles."""

from __future__ import annotations

from datetime import date

import pytest

from kontakt.services.importers import run_import
from kontakt.services.importers.tables import google_circles
from kontakt.store import Book

TODAY = date(2026, 11, 23)


@pytest.fixture
def book(tmp_path):
    with Book.open(tmp_path / "book.db") as opened:
        yield opened


def _import(book, path, text):
    path.write_text(text, encoding="utf-8", newline="")
    return run_import(book, path, today=TODAY)


# ------------------------------------------------------------------ Google's system groups


def test_old_gmail_my_contacts_is_not_a_circle(book, tmp_path):
    report = _import(book, tmp_path / "old.csv", (
        "Name,Given Name,Family Name,Group Membership,E-mail 1 - Type,E-mail 1 - Value\r\n"
        "Anna Schmidt,Anna,Schmidt,* My Contacts ::: Family,* Home,anna@example.de\r\n"
        "Bernd Weber,Bernd,Weber,* my contacts ::: *  Starred ::: * Other  Contacts,,b@example.de\r\n"
    ))
    assert report.format == "google" and len(report.outcome.added) == 2
    tags = {c.name: c.tags for c in book.list_contacts()}
    assert tags == {"Anna Schmidt": ("Family",), "Bernd Weber": ()}
    assert [c.name for c in book.circles()] == ["Family"]


@pytest.mark.parametrize("spelled", [
    "* myContacts", "* My Contacts", "* MY CONTACTS", "*  my   contacts", "My Contacts",
    "* starred", "* Starred", "* other contacts", "* Other Contacts", "* otherContacts",
    "* Blocked",
])
def test_a_system_group_is_dropped_however_it_is_spelled(spelled):
    assert google_circles([spelled, "Kunden"]) == ["Kunden"]


def test_user_labels_and_old_gmail_groups_stay_circles():
    # Old Gmail's * Friends is a group the user has; a label without '* ' is the user's own.
    assert google_circles(["* Friends", "* Coworkers", "Starred", "My Contacts Abroad", "Kunden"]) == [
        "Friends", "Coworkers", "Starred", "My Contacts Abroad", "Kunden"]
