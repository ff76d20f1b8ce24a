"""Forms as a new user meets them: the first field has focus, typed-ahead keys land,
problems show when leaving a field and go when fixed, ctrl+q asks, ticks read at a glance."""

from __future__ import annotations

import asyncio

import pytest
from textual import events
from textual.geometry import Region
from textual.widgets import Input

from kontakt.tui.screens.dialogs import ConfirmScreen
from kontakt.tui.screens.forms import ContactForm, FavourForm, FollowUpForm, IntroForm, LogForm
from kontakt.tui.screens.main import MainScreen
from kontakt.tui.widgets.fields import Checklist, FormField, PeoplePicker

from tui_helpers import highlight, make_app

# key → (form, the field that must have focus on open)
FORMS = {
    "a": (ContactForm, "name"),
    "l": (LogForm, "people"),
    "f": (FavourForm, "description"),
    "i": (IntroForm, "people"),
    "u": (FollowUpForm, "due"),
}


def field_input(screen, name: str) -> Input:
    widget = screen.query_one(f"#field-{name}", FormField).widget
    return widget.query_one(Input) if isinstance(widget, PeoplePicker) else widget


def error_of(screen, name: str) -> str | None:
    field = screen.query_one(f"#field-{name}", FormField)
    return field.query_one(".field-error").visual.plain if field.has_class("-invalid") else None


async def type_ahead(app, keys: list[str], gap: float) -> None:
    """Keys through the driver with `gap` seconds between them and no waiting for the app to
    settle: as a person types, not as `pilot.press` does (it waits for idle after each key)."""
    for key in keys:
        character = {"space": " ", "slash": "/"}.get(key, key if len(key) == 1 else None)
        event = events.Key(key, character)
        event.set_sender(app)
        app._driver.send_message(event)
        await asyncio.sleep(gap)


@pytest.mark.parametrize("key", list(FORMS))
async def test_each_form_opens_with_its_first_text_field_focused(book, key):
    form_class, first = FORMS[key]
    app = make_app(book)
    async with app.run_test(size=(80, 24)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, form_class)
        assert app.screen.focused is field_input(app.screen, first)
        # The first field is the first one on the form, and the scroll area never takes focus.
        assert app.screen.query(FormField).first().field_name == first
        assert not app.screen.query_one(".form-body").can_focus


@pytest.mark.parametrize("gap", [0.03, 0], ids=["30ms", "burst"])
@pytest.mark.parametrize("key", list(FORMS))
async def test_typing_straight_after_the_key_keeps_every_character(book, key, gap):
    """At 30 ms a key, and in one burst (typing ahead of a busy app): the keys after the
    form's key reached the main screen's widgets before the form was up, and were lost."""
    form_class, first = FORMS[key]
    app = make_app(book)
    async with app.run_test(size=(80, 24)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.pause()
        await type_ahead(app, [key, *"lena", "space", *"k"], gap=gap)
        await pilot.pause(0.1)
        assert isinstance(app.screen, form_class)
        assert field_input(app.screen, first).value == "lena k"


@pytest.mark.parametrize("gap", [0.03, 0], ids=["30ms", "burst"])
async def test_keys_typed_past_tab_land_in_the_next_field(book, gap):
    """A burst over a slow ssh link (or a busy app) delivers "Jessica Smith<Tab>Jess" in one
    read. Tab moved focus only after the text behind it had been handed to the old field, so
    the nickname and everything after it ended up in the name."""
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        await type_ahead(app, [*"Ann", "tab", *"Nan", "tab", *"Acme", "shift+tab"], gap=gap)
        await pilot.pause(0.1)
        assert field_input(form, "name").value == "Ann"
        assert field_input(form, "nickname").value == "Nan"
        assert field_input(form, "org").value == "Acme"
        assert form.focused is field_input(form, "nickname")


async def test_a_search_typed_in_one_burst_goes_into_the_search_box(book):
    """"/eva" in one read: the "e" after the slash reached the list before the search box
    had focus, opened the edit form, and "va" replaced the person's name there."""
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        main = app.screen
        names_before = {c.name for c in book.list_contacts()}
        await type_ahead(app, ["slash", *"eva", "slash", *"w"], gap=0)
        await pilot.pause(0.2)
        assert app.screen is main  # no form opened
        assert main.search_box.value == "eva/w"  # a slash inside the search is text
        await type_ahead(app, ["escape", "slash", *"x"], gap=0)
        await pilot.pause(0.2)
        assert main.search_box.value == "x" and main.focused is main.search_box
    assert {c.name for c in book.list_contacts()} == names_before


async def test_a_bad_cadence_is_explained_on_leaving_the_field_and_the_message_goes_when_fixed(book):
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        field_input(form, "cadence").focus()
        await pilot.press(*"every blue moon")
        assert error_of(form, "cadence") is None  # not while typing a first time
        await pilot.press("tab")
        await pilot.pause()
        assert "unknown cadence" in error_of(form, "cadence")
        field_input(form, "cadence").focus()
        await pilot.pause()  # focusing selects the text: what is typed replaces it
        await pilot.press(*"monthly")  # no save in between
        await pilot.pause()
        assert error_of(form, "cadence") is None
        assert isinstance(app.screen, ContactForm)
    assert book.count_contacts() == 8


async def test_tabbing_past_an_empty_field_does_not_scold(book):
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("tab", "tab")
        await pilot.pause()
        assert error_of(app.screen, "name") is None


async def test_a_bad_date_in_the_log_form_shows_on_blur_and_clears_as_it_is_fixed(book):
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("l")
        await pilot.pause()
        form = app.screen
        field_input(form, "date").focus()
        await pilot.pause()
        await pilot.press(*"31.02.2026", "tab")
        await pilot.pause()
        assert "not a real date" in error_of(form, "date")
        field_input(form, "date").focus()
        await pilot.pause()
        await pilot.press(*"in 3 days", "tab")
        await pilot.pause()
        assert "future" in error_of(form, "date")
        field_input(form, "date").focus()
        await pilot.pause()
        await pilot.press(*"yesterday")
        await pilot.pause()
        assert error_of(form, "date") is None


async def test_the_favour_form_says_what_is_missing_and_forgets_it_once_typed(book):
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FavourForm)
        assert error_of(form, "description") == "say what the favour was"
        await pilot.press(*"lent me a van")
        await pilot.pause()
        assert error_of(form, "description") is None
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    [favour] = book.favours_for(book.ids["eva"])
    assert favour.description == "lent me a van"


async def test_the_follow_up_form_checks_its_date_when_leaving_it(book):
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("u")
        await pilot.pause()
        form = app.screen
        await pilot.press(*"someday", "tab")
        await pilot.pause()
        assert "cannot read 'someday'" in error_of(form, "due")
        field_input(form, "due").focus()
        await pilot.pause()
        await pilot.press(*"2 weeks")
        await pilot.pause()
        assert error_of(form, "due") is None


async def test_picking_someone_clears_the_nobody_picked_message(book):
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("i")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        form = app.screen
        assert "pick the person" in error_of(form, "people")
        await pilot.press(*"zoe")
        await pilot.pause()
        await pilot.press("enter")  # takes the suggestion
        await pilot.pause()
        assert form.query_one(PeoplePicker).selected == [book.ids["zoe"]]
        assert error_of(form, "people") is None


async def test_ctrl_q_on_a_form_with_something_typed_asks_before_quitting(book):
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("a", *"Half")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "discard" in app.screen.question.plain.lower()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ContactForm)
        assert app.screen.value("name") == "Half"
        assert app.return_code is None  # still running
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code is None
        await pilot.press("y")
        await pilot.pause()
        assert app.return_code == 0
    assert book.count_contacts() == 8  # nothing was saved on the way out


async def test_ctrl_q_on_an_untouched_form_quits_at_once(book):
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code == 0  # exited without a question


async def test_ticked_and_unticked_people_have_different_marks(book):
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("l", *"jan")
        await pilot.pause()
        await pilot.press("enter")  # Jan joins Eva
        await pilot.pause()
        checklist = app.screen.query_one(Checklist)
        checklist.focus()
        await pilot.press("space")  # unticks Eva, the first
        await pilot.pause()
        lines = [strip.text for strip in checklist.render_lines(Region(0, 0, checklist.size.width, 2))]
        assert lines[0].startswith("[ ] Eva Weber")
        assert lines[1].startswith("[x] Jan Novák")
        assert app.screen.query_one(PeoplePicker).selected == [book.ids["jan"]]
        # Enter on the list saves, as in every field: the stock list toggled the row on
        # Enter too, re-ticking Eva instead of saving.
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    logged = book.conn.execute(
        "SELECT contact_id FROM interaction_contacts WHERE interaction_id = (SELECT max(id) FROM interactions)"
    ).fetchall()
    assert [row[0] for row in logged] == [book.ids["jan"]]


async def test_after_picking_the_one_person_of_an_introduction_tab_goes_to_the_note(book):
    """The picked person's list of one was a Tab stop that swallowed typing and Enter."""
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("i", *"zoe")
        await pilot.pause()
        await pilot.press("enter")  # takes the suggestion
        await pilot.pause()
        await pilot.press("tab", *"both in Wien", "enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    intro = book.introductions_for(book.ids["eva"])[0]
    assert (intro.note, {intro.contact_a, intro.contact_b}) == ("both in Wien", {book.ids["eva"], book.ids["zoe"]})
