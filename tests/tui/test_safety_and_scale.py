"""Contact data is data: every widget showing it renders it literally. And big books stay cheap."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import OptionList, SelectionList

from kontakt.tui.screens.forms import ContactForm, LogForm
from kontakt.tui.screens.main import MainScreen
from kontakt.tui.widgets import contact_list
from kontakt.tui.widgets.contact_list import ContactList
from tui_helpers import HOSTILE, TODAY, highlight, list_text, make_app, screen_text


async def test_hostile_names_show_literally_in_list_detail_header_and_notifications(book):
    app = make_app(book)
    async with app.run_test(size=(200, 45), notifications=True) as pilot:
        await pilot.pause()
        shown = list_text(app)
        for name in HOSTILE:  # long ones are cut with an ellipsis, never interpreted
            assert name[:20] in shown, name
        assert HOSTILE[2] in shown
        assert "[red]Org[/red]" in shown and "#[x]" in shown  # organisation and circles columns
        for index, name in enumerate(HOSTILE):
            highlight(app, name)
            await pilot.pause()
            detail = screen_text(app)
            assert name in detail and "[i]nick" in detail and "[red]Org[/red]" in detail
        highlight(app, HOSTILE[2])
        await pilot.pause()
        assert "gave help: [@click=app.quit]help" in screen_text(app)
        highlight(app, HOSTILE[3])
        await pilot.pause()
        assert "follow-up due: [link=x]call[/link]" in screen_text(app)
        highlight(app, HOSTILE[0])
        await pilot.pause()
        assert f"introduced to {HOSTILE[1]}" in screen_text(app)
        # The sidebar of circles shows the circle named "[x]".
        circles = app.screen.query_one("#circles", OptionList)
        assert any("#[x]" in circles.get_option_at_index(i).prompt.plain for i in range(circles.option_count))
        # Archiving notifies with the name, literally; clicking anywhere does not quit.
        highlight(app, HOSTILE[2])
        await pilot.press("x")
        await pilot.pause()
        assert any(HOSTILE[2] in n.message and not n.markup for n in app._notifications)
        await pilot.click(ContactList, offset=(10, 2))
        assert app.is_running


async def test_hostile_names_show_literally_in_forms_pickers_and_palette(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        highlight(app, HOSTILE[2])
        await pilot.press("e")
        assert isinstance(app.screen, ContactForm)
        assert app.screen.value("name") == HOSTILE[2]
        assert HOSTILE[2] in screen_text(app)  # the form's title
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("l")
        assert isinstance(app.screen, LogForm)
        picked = app.screen.query_one(SelectionList)
        assert picked.get_option_at_index(0).prompt.plain == HOSTILE[2]
        picker_input = app.screen.query_one("#picker-input")
        picker_input.value = "bank"
        await pilot.pause()
        suggestions = app.screen.query_one("#picker-suggestions", OptionList)
        assert suggestions.get_option_at_index(0).prompt.plain.startswith(HOSTILE[3])
        await pilot.press("escape", "y")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)

        await pilot.press("ctrl+p")
        await pilot.press(*"bob")
        await pilot.pause(0.5)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        options = palette.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(HOSTILE[2] in p for p in prompts), prompts
        await pilot.press("escape")
        assert app.is_running


async def test_a_big_book_is_read_one_page_at_a_time(tmp_path, monkeypatch):
    from kontakt.store import Book

    book = Book.open(tmp_path / "big.db")
    with book.write():
        for number in range(1500):
            book.add_contact(f"Person {number:05d}", today=TODAY)
    limits = []
    original = book.list_contacts
    monkeypatch.setattr(book, "list_contacts", lambda **kw: limits.append(kw["limit"]) or original(**kw))
    app = make_app(book)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        contacts = app.screen.query_one(ContactList)
        assert contacts.count == 1500
        await pilot.press("end")
        await pilot.pause()
        assert contacts.highlighted.name == "Person 01499"
        assert "Person 01499" in list_text(app)
        await pilot.press("pageup", "home")
        await pilot.pause()
        assert contacts.highlighted.name == "Person 00000"
    # Only whole pages, never the whole book, and only a few pages were ever read.
    assert limits and set(limits) == {contact_list.PAGE_SIZE}
    assert len(limits) <= 6
    book.close()
