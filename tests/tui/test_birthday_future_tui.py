"""Birthdays in a later year in the app: the contact form refuses them on the birthday
field (as the CLI does, through the same domain rule), and the contact card and the
review's context card show one a book already holds without a negative age."""

from __future__ import annotations

from kontakt.domain import Balance, Birthday
from kontakt.services.prep import prep_card
from kontakt.tui.screens.forms import ContactForm
from kontakt.tui.screens.main import MainScreen
from kontakt.tui.widgets.detail import contact_card
from kontakt.tui.widgets.fields import FormField
from kontakt.tui.widgets.review_card import context_card

from tui_helpers import TODAY, highlight, make_app, type_into


def birthday_error(screen) -> str | None:
    field = screen.query_one("#field-birthday", FormField)
    return field.query_one(".field-error").visual.plain if field.has_class("-invalid") else None


async def test_the_edit_form_refuses_a_future_birthday_on_the_field_and_saves_nothing(book):
    eva = book.find("Eva Weber")
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ContactForm)
        await type_into(pilot, "birthday", "10.12.2030")
        await pilot.press("tab")  # leaving the field shows the problem there
        await pilot.pause()
        assert birthday_error(form) == "'10.12.2030' is in the future"
        await pilot.press("ctrl+s")  # and saving does not get past it
        await pilot.pause()
        assert app.screen is form
        assert birthday_error(form) == "'10.12.2030' is in the future"
        assert book.get_contact(eva.id) == eva
        await type_into(pilot, "birthday", "10.12.")  # year-less is fine
        await pilot.pause()
        assert birthday_error(form) is None
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    assert book.get_contact(eva.id).birthday == Birthday(12, 10)


async def test_the_add_form_refuses_a_future_birthday_and_adds_no_one(book):
    before = book.count_contacts()
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        await type_into(pilot, "name", "Kid")
        await type_into(pilot, "birthday", "2031-01-01")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ContactForm)
        assert birthday_error(app.screen) == "'2031-01-01' is in the future"
    assert book.count_contacts() == before


def test_the_cards_show_a_future_birthday_already_in_the_book_without_an_age(book):
    # Written by another program: the store takes what it is given.
    kid = book.update_contact(book.find("Eva Weber").id, today=TODAY, birthday=Birthday(11, 25, 2030))
    card = contact_card(kid, Balance(), TODAY, width=80).plain
    assert "25 Nov 2030 · in 2 d" in card
    assert "turns" not in card
    review = context_card(prep_card(book, kid.id, TODAY), TODAY, width=80).plain
    assert "birthday" in review and "in 2 d" in review
    assert "turns" not in review
    # A past year keeps its age on both cards.
    born = book.update_contact(kid.id, today=TODAY, birthday=Birthday(11, 25, 1990))
    assert "turns 36" in contact_card(born, Balance(), TODAY, width=80).plain
    assert "turns 36" in context_card(prep_card(book, born.id, TODAY), TODAY, width=80).plain


async def test_a_future_birthday_the_book_holds_does_not_stop_an_edit_of_another_field(book):
    eva = book.update_contact(book.find("Eva Weber").id, today=TODAY, birthday=Birthday(12, 10, 2030))
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("e")
        await pilot.pause()
        assert app.screen.value("birthday") == "2030-12-10"
        await type_into(pilot, "org", "Weber GmbH")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    saved = book.get_contact(eva.id)
    assert (saved.org, saved.birthday) == ("Weber GmbH", Birthday(12, 10, 2030))
