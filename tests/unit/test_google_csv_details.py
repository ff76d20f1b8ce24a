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


# ------------------------------------------------------------------ addresses, websites, labels

# What contacts.google.com → Export → Google CSV writes today (the columns that matter here;
# the phonetic names and Photo are there too and stay unread).
NEW_HEADER = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Name Prefix,Name Suffix,Nickname,"
    "File As,Organization Name,Organization Title,Birthday,Notes,Photo,Labels,"
    "E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,"
    "Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,"
    "Address 1 - Label,Address 1 - Formatted,Address 1 - Street,Address 1 - City,"
    "Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,"
    "Address 1 - Extended Address,"
    "Address 2 - Label,Address 2 - Formatted,Address 2 - Street,Address 2 - City,"
    "Address 2 - PO Box,Address 2 - Region,Address 2 - Postal Code,Address 2 - Country,"
    "Address 2 - Extended Address,"
    "Website 1 - Label,Website 1 - Value,Website 2 - Label,Website 2 - Value\r\n"
)


def _address(label="", pobox="", extended="", street="", locality="", region="", postcode="",
             country=""):
    return {"label": label, "pobox": pobox, "extended": extended, "street": street,
            "locality": locality, "region": region, "postcode": postcode, "country": country}


def _shown(book, name):
    """The contact as `show --json` lists its structured fields."""
    contact = next(c for c in book.list_contacts(archived=None) if c.name == name)
    phones, emails = set(contact.phones), set(contact.emails)
    return {
        "addresses": [a.to_json() for a in contact.addresses],
        "urls": list(contact.urls),
        "phone_labels": {v: label for v, label in contact.labels if v in phones},
        "email_labels": {v: label for v, label in contact.labels if v in emails},
        "location": contact.location,
    }


def test_a_google_export_brings_addresses_websites_labels_and_the_whole_name(book, tmp_path):
    home = "Hauptstr. 1\nHinterhaus\n80331 München\nDeutschland"
    report = _import(book, tmp_path / "contacts.csv", NEW_HEADER + (
        # labels with Google's star, a custom one, two values under one label
        'Anna,Maria,Schmidt,,Dr.,PhD,Anni,,Acme GmbH,CTO,1980-04-15,,,* myContacts ::: Kunden,'
        '* Work,anna@acme.example,Büro,anna@buero.example,'
        'Mobile,+49 170 1111111 ::: +49 170 2222222,Work Fax,+49 89 555 0100,'
        f'Home,"{home}","Hauptstr. 1\nHinterhaus",München,,Bayern,80331,Deutschland,,'
        'Work,,Acme-Allee 5,Berlin,Postfach 12 34,,10115,DE,Haus B,'
        'Profile,https://anna.example,Blog,https://blog.example/a;b\r\n'
        # Google's 'Other' is no label; several labels for several values, one each;
        # an address only in Google's one-text form
        'Bob,,Becker,,,,,,,,,,,* myContacts,* Other,bob@example.com,Home ::: Work,'
        'b@home.example ::: b@work.example,Other,+44 20 7946 0001,,,'
        'Other,"PO Box 7\nSydney NSW 2001",,,,,,,,'
        ',,,,,,,,,'
        ',,,\r\n'
    ))
    assert len(report.outcome.added) == 2 and not report.outcome.rejected, report.as_json()
    names = {c.name for c in book.list_contacts()}
    assert names == {"Dr. Anna Maria Schmidt PhD", "Bob Becker"}
    assert _shown(book, "Dr. Anna Maria Schmidt PhD") == {
        "addresses": [
            _address("home", street="Hauptstr. 1 Hinterhaus", locality="München",
                     region="Bayern", postcode="80331", country="Deutschland"),
            _address("work", pobox="Postfach 12 34", extended="Haus B", street="Acme-Allee 5",
                     locality="Berlin", postcode="10115", country="DE"),
        ],
        "urls": ["https://anna.example", "https://blog.example/a;b"],
        "phone_labels": {"+49 170 1111111": "mobile", "+49 170 2222222": "mobile",
                         "+49 89 555 0100": "work fax"},
        "email_labels": {"anna@acme.example": "work", "anna@buero.example": "büro"},
        "location": "München, Deutschland",  # as before: city and country of the first address
    }
    assert _shown(book, "Bob Becker") == {
        "addresses": [_address(street="PO Box 7, Sydney NSW 2001")],
        "urls": [],
        "phone_labels": {},
        "email_labels": {"b@home.example": "home", "b@work.example": "work"},
        "location": "",
    }


OLD_HEADER = (
    "Name,Given Name,Additional Name,Family Name,Name Prefix,Name Suffix,Nickname,Birthday,"
    "Location,Notes,Group Membership,E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,"
    "E-mail 2 - Value,Phone 1 - Type,Phone 1 - Value,Address 1 - Type,Address 1 - Formatted,"
    "Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region,"
    "Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,"
    "Organization 1 - Type,Organization 1 - Name,Organization 1 - Title,"
    "Website 1 - Type,Website 1 - Value\r\n"
)


def test_an_old_gmail_export_with_type_columns_brings_the_same(book, tmp_path):
    report = _import(book, tmp_path / "gmail.csv", OLD_HEADER + (
        'Hans Meier,Hans,,Meier,Herr,,,,,,* My Contacts ::: Stammtisch,* Home,hans@meier.example,'
        'Work,hans@firma.example,Mobile,0171 2345678,Home,"Dorfstr. 3, 12345 Kleinstadt",'
        'Dorfstr. 3,Kleinstadt,,Brandenburg,12345,Germany,,,Firma,Chef,* Home Page,'
        'http://meier.example ::: http://hans.example\r\n'
        ',Eva,,Graf,Prof.,Jr.,,,Wien,,* My Contacts,* Other,eva@graf.example,,,,,,,,,,,,,,,,,,,\r\n'
    ))
    assert len(report.outcome.added) == 2, report.as_json()
    # The Name column is the whole name (as FN is); without it the parts are joined.
    assert {c.name for c in book.list_contacts()} == {"Hans Meier", "Prof. Eva Graf Jr."}
    assert _shown(book, "Hans Meier") == {
        "addresses": [_address("home", street="Dorfstr. 3", locality="Kleinstadt",
                               region="Brandenburg", postcode="12345", country="Germany")],
        "urls": ["http://meier.example", "http://hans.example"],
        "phone_labels": {"0171 2345678": "mobile"},
        "email_labels": {"hans@meier.example": "home", "hans@firma.example": "work"},
        "location": "Kleinstadt, Germany",
    }
    assert _shown(book, "Prof. Eva Graf Jr.") == {
        "addresses": [], "urls": [], "phone_labels": {}, "email_labels": {},
        "location": "Wien",  # the old Location column, as before
    }
    assert [c.name for c in book.circles()] == ["Stammtisch"]


def test_a_google_row_merges_into_a_known_contact_without_overwriting(book, tmp_path):
    from kontakt.domain.cards import Address

    book.add_contact(
        "Jürgen Müller", today=TODAY, emails=["jm@example.com"], phones=["+49 89 555"],
        location="Munich", labels={"+49 89 555": "privat"},
        addresses=[Address("home", street="Hauptstr. 1", locality="München", postcode="80331",
                           country="DE")],
        urls=["https://a.example"],
    )
    header = ("First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,"
              "E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,Address 1 - Label,"
              "Address 1 - Street,Address 1 - City,Address 1 - Postal Code,Address 1 - Country,"
              "Address 2 - Label,Address 2 - Street,Address 2 - City,Website 1 - Label,"
              "Website 1 - Value,Website 2 - Label,Website 2 - Value\r\n")
    row = ("Jürgen,Müller,Home,jm@example.com,Work,j@work.example,Work,+49 89 555,"
           "Home,Hauptstr. 1,München,80331,DE,Work,Marienplatz 8,München,,https://a.example,"
           ",https://b.example\r\n")
    report = _import(book, tmp_path / "g.csv", header + row)
    assert (len(report.outcome.added), len(report.outcome.merged)) == (0, 1), report.as_json()
    assert set(report.outcome.merged[0].fields) == {"emails", "addresses", "urls", "labels"}
    assert _shown(book, "Jürgen Müller") == {
        # the known address once, the new one after it
        "addresses": [_address("home", street="Hauptstr. 1", locality="München",
                               postcode="80331", country="DE"),
                      _address("work", street="Marienplatz 8", locality="München")],
        "urls": ["https://a.example", "https://b.example"],
        "phone_labels": {"+49 89 555": "privat"},  # a label the book has is kept
        # a label is filled where the book had none
        "email_labels": {"jm@example.com": "home", "j@work.example": "work"},
        "location": "Munich",  # filled only when empty
    }
    again = run_import(book, tmp_path / "g.csv", today=TODAY)
    assert (len(again.outcome.merged), len(again.outcome.unchanged)) == (0, 1)


def test_a_cell_joining_thousands_of_addresses_is_cut_to_the_cap(book, tmp_path):
    from kontakt.services.importers.rows import MAX_ADDRESSES

    streets = " ::: ".join(f"Street {n}" for n in range(3000))
    urls = " ::: ".join(f"https://{n}.example" for n in range(25))
    report = _import(book, tmp_path / "many.csv", (
        "First Name,E-mail 1 - Label,E-mail 1 - Value,Address 1 - Label,Address 1 - Street,"
        "Website 1 - Label,Website 1 - Value\r\n"
        f'Loop,,loop@example.com,Home,"{streets}",,"{urls}"\r\n'
    ))
    assert [w for _, w in report.outcome.warnings] == [
        f"{3000 - MAX_ADDRESSES:,} addresses dropped (kept {MAX_ADDRESSES})",
        f"{25 - MAX_ADDRESSES} web addresses dropped (kept {MAX_ADDRESSES})",
    ]
    shown = _shown(book, "Loop")
    assert [a["street"] for a in shown["addresses"]] == [f"Street {n}" for n in range(MAX_ADDRESSES)]
    assert {a["label"] for a in shown["addresses"]} == {"home"}
    assert len(shown["urls"]) == MAX_ADDRESSES == 20


def test_clean_rows_read_their_details_exactly_as_the_careful_path(monkeypatch):
    import random

    from kontakt.services.importers import tables
    from kontakt.services.importers.rows import is_clean

    header = NEW_HEADER.rstrip("\r\n").split(",")
    pieces = ["", "", "Home", "* Work", "Other", "Büro", "Mobile ::: Work", "x ::: y ::: z",
              "Hauptstr. 1", "München", "Mu\u0308nchen", "a@b.example", "c@d.example ::: e@f.example",
              "+49 170 1", "+49 170 2 ::: +49 170 3", "tab\there", "two\nlines", "esc\x1b[1m",
              "  padded  ", "[bold]x", "a;b", "https://x.example"]
    rnd = random.Random(3)
    plain = [p for p in pieces if is_clean([p])]
    rows = [[rnd.choice(plain if n % 2 else pieces) for _ in header] for n in range(1500)]
    for row in rows:
        row[header.index("First Name")] = "Anna"

    def read_all(fast: bool):
        monkeypatch.setattr(tables, "is_clean", is_clean if fast else (lambda cells: False))
        read = tables._row_reader("google", header, {}, TODAY)  # a fresh reader: empty caches
        out = [read(list(row)) for row in rows]
        monkeypatch.undo()
        return out

    fast, careful = read_all(True), read_all(False)
    assert fast == careful
    assert sum(is_clean(row) for row in rows) > 100  # the fast path really ran
    with_details = [c for c, _ in fast if c.details.addresses and c.details.labels and c.details.urls]
    assert len(with_details) > 500
