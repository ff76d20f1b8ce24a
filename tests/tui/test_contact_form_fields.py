"""The contact form's preferred channel, labels, addresses and web addresses: what is typed
lands in the book as the CLI's --channel/--email "work: …"/--address/--url would put it, and
editing keeps what the form cannot show."""

from __future__ import annotations

from textual.widgets import TextArea

from kontakt.domain import Address
from kontakt.tui.screens.forms import ContactForm
from kontakt.tui.screens.main import MainScreen
from kontakt.tui.widgets.fields import FormField

from test_flows import type_into
from tui_helpers import TODAY, highlight, make_app, screen_text


async def _type_area(pilot, field_id: str, text: str) -> None:
    area = pilot.app.screen.query_one(f"#field-{field_id}", FormField).widget
    assert isinstance(area, TextArea)
    area.focus()
    area.text = text
    await pilot.pause()


async def test_adding_with_channel_labels_address_and_url_saves_them_all(book):
    app = make_app(book)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await type_into(pilot, "name", "Olga Petrova")
        await type_into(pilot, "emails", "work: olga@firm.example, olga@home.example")
        await type_into(pilot, "phones", "mobile: +44 7700 900123; +44 20 7946 0000")
        await type_into(pilot, "channel", "Coffee")
        await _type_area(pilot, "addresses", "home: 1 High St; London; ; N1 1AA; UK\nPier 4; Brighton")
        await type_into(pilot, "urls", "https://olga.example, https://x.example/olga")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    olga = book.find("Olga Petrova")
    assert olga.emails == ("olga@firm.example", "olga@home.example")
    assert olga.phones == ("+44 7700 900123", "+44 20 7946 0000")
    assert dict(olga.labels) == {"olga@firm.example": "work", "+44 7700 900123": "mobile"}
    assert olga.channel == "coffee"
    assert olga.addresses == (
        Address(label="home", street="1 High St", locality="London", postcode="N1 1AA", country="UK"),
        Address(street="Pier 4", locality="Brighton"),
    )
    assert olga.urls == ("https://olga.example", "https://x.example/olga")


async def test_a_wrong_channel_or_address_shows_under_its_field_and_saves_nothing(book):
    app = make_app(book)
    before = book.count_contacts()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await type_into(pilot, "name", "Olga")
        await type_into(pilot, "channel", "pigeon")
        await _type_area(pilot, "addresses", "a; b; c; d; e; f")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ContactForm)
        channel = app.screen.query_one("#field-channel", FormField)
        assert channel.has_class("-invalid")
        assert "unknown channel 'pigeon'" in channel.query_one(".field-error").visual.plain
        addresses = app.screen.query_one("#field-addresses", FormField)
        assert "line 1: an address has at most 5 parts" in addresses.query_one(".field-error").visual.plain
        assert "unknown channel" in screen_text(app)  # scrolled to the first problem
    assert book.count_contacts() == before


async def test_editing_shows_labels_and_addresses_and_keeps_what_it_cannot_show(book):
    hidden = Address(label="po", pobox="PO Box 7")  # nothing the form's short form shows
    with_pobox = Address(label="work", pobox="Box 12", street="Bahnhofstr. 1", locality="Zürich")
    book.update_contact(
        book.ids["zoe"], today=TODAY, emails=["zoe@eth.example"], phones=["+41 44 123"],
        labels={"zoe@eth.example": "work", "+41 44 123": "2nd"},  # "2nd: …" is no label on input
        addresses=[hidden, with_pobox], urls=["https://zoe.example"], channel="video",
    )
    app = make_app(book)
    async with app.run_test(size=(80, 24)) as pilot:
        highlight(app, "Zoë Zürcher")
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, ContactForm)
        assert form.value("emails") == "work: zoe@eth.example"
        assert form.value("phones") == "2nd: +41 44 123"
        assert form.value("channel") == "video"
        assert form.value("addresses") == "work: Bahnhofstr. 1; Zürich"
        assert form.value("urls") == "https://zoe.example"
        assert not form.dirty
        await type_into(pilot, "org", "EPFL")  # change something else only
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    zoe = book.get_contact(book.ids["zoe"])
    assert zoe.org == "EPFL"
    assert dict(zoe.labels) == {"zoe@eth.example": "work", "+41 44 123": "2nd"}
    assert zoe.addresses == (hidden, with_pobox)
    assert zoe.urls == ("https://zoe.example",) and zoe.channel == "video"


async def test_editing_can_relabel_drop_an_address_and_clear_the_channel(book):
    book.update_contact(
        book.ids["zoe"], today=TODAY, phones=["+41 44 123"], labels={"+41 44 123": "work"},
        addresses=[Address(street="Old 1", locality="Bern"), Address(street="Keep 2", locality="Basel")],
        channel="call",
    )
    app = make_app(book)
    async with app.run_test(size=(80, 24)) as pilot:
        highlight(app, "Zoë Zürcher")
        await pilot.press("e")
        await type_into(pilot, "phones", "home: +41 44 123")
        await type_into(pilot, "channel", "")
        await _type_area(pilot, "addresses", "Keep 2; Basel")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    zoe = book.get_contact(book.ids["zoe"])
    assert dict(zoe.labels) == {"+41 44 123": "home"}
    assert zoe.addresses == (Address(street="Keep 2", locality="Basel"),)
    assert zoe.channel is None
