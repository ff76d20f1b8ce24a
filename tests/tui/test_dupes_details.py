"""The duplicates screen shows the addresses, web addresses and channel a merge keeps, and
merging there keeps both records' addresses."""

from __future__ import annotations

from kontakt.domain import Address

from test_dupes_screen import fields_text, open_dupes
from tui_helpers import TODAY, make_app


async def test_the_merge_rows_show_addresses_web_and_channel_and_m_keeps_both_addresses(book):
    home = Address(label="home", street="Hauptstr. 1", locality="Berlin")
    work = Address(label="work", street="Dock 4", locality="Hamburg")
    kept = book.add_contact("Jürgen Müller", today=TODAY, phones=["+49 170 1234567"], addresses=[home],
                            channel="coffee")
    other = book.add_contact("Juergen Mueller", today=TODAY, phones=["0170 1234567"], addresses=[work],
                             urls=["https://juergen.example"], channel="call")
    app = make_app(book)
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_dupes(pilot)
        assert screen.candidate.pair == (kept, other)
        text = fields_text(app)
        assert "+ Hauptstr. 1, Berlin" in text and "+ Dock 4, Hamburg" in text
        assert "web" in text and "+ https://juergen.example" in text
        assert "● coffee" in text and "○ call" in text  # one channel wins: the kept one
        await pilot.press("m")
        await pilot.pause()
    merged = book.get_contact(kept)
    assert merged.addresses == (home, work) and merged.urls == ("https://juergen.example",)
    assert merged.channel == "coffee"
