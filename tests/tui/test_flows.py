"""Drive the app with keys and check both the screen and the book."""

from __future__ import annotations

from datetime import date, timedelta

from textual.widgets import Input

from kontakt.config import Config, load_config
from kontakt.tui.screens.dialogs import ConfirmScreen, HelpScreen
from kontakt.tui.screens.forms import ContactForm, FavourForm, FollowUpForm, IntroForm, LogForm
from kontakt.tui.screens.main import MainScreen
from kontakt.tui.screens.today import TodayScreen
from kontakt.tui.widgets.contact_list import ContactList
from kontakt.tui.widgets.fields import FormField, PeoplePicker

from tui_helpers import TODAY, help_rows, highlight, list_text, make_app, screen_text, type_into


async def test_adding_a_contact_saves_it_and_highlights_it(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        assert isinstance(app.screen, ContactForm)
        await type_into(pilot, "name", "Paula Pérez")
        await type_into(pilot, "circles", "breakfast runners")
        await type_into(pilot, "cadence", "every 2 weeks")
        await type_into(pilot, "birthday", "--04-15")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        contact = book.find("Paula Pérez")
        assert contact.tags == ("breakfast", "runners")
        assert str(contact.cadence) == "every 2 weeks"
        assert contact.birthday.iso() == "--04-15"
        assert app.screen.query_one(ContactList).highlighted.id == contact.id
        assert "Paula Pérez" in screen_text(app)


async def test_a_bad_date_or_cadence_shows_under_the_field_and_keeps_what_was_typed(book):
    app = make_app(book)
    before = book.count_contacts()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("a")
        await type_into(pilot, "name", "Paula")
        await type_into(pilot, "cadence", "every blue moon")
        await pilot.press("enter")
        await pilot.pause()
        field = app.screen.query_one("#field-cadence", FormField)
        assert field.has_class("-invalid")
        assert "unknown cadence" in field.query_one(".field-error").visual.plain
        assert app.screen.value("name") == "Paula"
        assert app.screen.value("cadence") == "every blue moon"

        await type_into(pilot, "cadence", "monthly")
        await type_into(pilot, "birthday", "31.02.1980")
        await pilot.press("enter")
        await pilot.pause()
        assert not app.screen.query_one("#field-cadence", FormField).has_class("-invalid")
        assert "not a real date" in app.screen.query_one("#field-birthday .field-error").visual.plain
        assert isinstance(app.screen, ContactForm)
    assert book.count_contacts() == before


async def test_escape_after_typing_asks_before_discarding(book):
    app = make_app(book)
    before = book.count_contacts()
    async with app.run_test() as pilot:
        await pilot.press("a")
        await pilot.press("escape")  # nothing typed: closes at once
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("a")
        await type_into(pilot, "name", "Half")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen.value("name") == "Half"
        await pilot.press("escape", "y")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    assert book.count_contacts() == before


async def test_editing_changes_the_contact_and_the_detail(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        highlight(app, "Zoë Zürcher")
        await pilot.press("e")
        assert app.screen.value("name") == "Zoë Zürcher"
        await type_into(pilot, "org", "EPFL")
        await pilot.press("enter")
        await pilot.pause()
        assert book.get_contact(book.ids["zoe"]).org == "EPFL"
        assert "EPFL" in screen_text(app)


async def test_search_as_you_type_is_prefix_and_accent_insensitive(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"mull")
        await pilot.pause(0.3)
        contacts = app.screen.query_one(ContactList)
        assert contacts.count == 1
        assert contacts.highlighted.name == "Anna Müller"
        await pilot.press("escape")
        await pilot.pause()
        assert contacts.count == book.count_contacts()
        await pilot.press("slash", *"#alumni")
        await pilot.pause(0.3)
        assert {contacts.row(i)[0].name for i in range(contacts.count)} == {"Eva Weber", "Zoë Zürcher"}


async def test_escape_clears_the_search_and_keeps_the_person_it_found(book):
    """The highlight jumped back to the top of the list: the next `l` logged with whoever
    sorts first instead of the person just found."""
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"zoe")
        await pilot.pause(0.3)
        contacts = app.screen.query_one(ContactList)
        assert contacts.highlighted.name == "Zoë Zürcher"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.search_box.value == "" and contacts.count == book.count_contacts()
        assert contacts.highlighted.name == "Zoë Zürcher"
        assert contacts.cursor > 0  # not the first row: the list scrolled to her


async def test_search_runs_once_for_a_burst_of_keys(book, monkeypatch):
    app = make_app(book)
    calls = []
    original = book.count_contacts_upto  # what the list asks at every search
    monkeypatch.setattr(book, "count_contacts_upto",
                        lambda cap, **kw: calls.append(kw) or original(cap, **kw))
    # However slowly the Pilot presses on a loaded machine, the keys stay one burst: the
    # debounce is long here, and Enter runs the pending search at once.
    from kontakt.tui.screens import main as main_screen

    monkeypatch.setattr(main_screen, "SEARCH_DEBOUNCE", 60.0)
    async with app.run_test() as pilot:
        calls.clear()
        await pilot.press("slash", *"novak")
        assert calls == []  # no search per key
        await pilot.press("enter")
        assert [c["query"] for c in calls] == ["novak"]
        assert app.screen.query_one(ContactList).highlighted.name == "Jan Novák"
        # Left alone, the pending search runs by itself once the debounce is over.
        monkeypatch.setattr(main_screen, "SEARCH_DEBOUNCE", 0.05)
        await pilot.press("slash", "end", "backspace")
        for _ in range(100):
            await pilot.pause(0.05)
            if len(calls) == 2:
                break
        assert [c["query"] for c in calls] == ["novak", "nova"]


async def test_logging_a_group_meeting_with_a_whole_circle(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        highlight(app, "Zoë Zürcher")
        await pilot.press("l")
        assert isinstance(app.screen, LogForm)
        await type_into(pilot, "people", "#break")
        await pilot.press("enter")  # takes the suggestion: every breakfast member
        await pilot.pause()
        picker = app.screen.query_one(PeoplePicker)
        assert set(picker.selected) == {book.ids[k] for k in ("zoe", "anna", "jan", "eva")}
        await type_into(pilot, "note", "breakfast")
        await type_into(pilot, "date", "yesterday")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    for key in ("zoe", "anna", "jan", "eva"):
        assert book.get_contact(book.ids[key]).last_contact == TODAY - timedelta(days=1)
    [meeting] = book.interactions_for(book.ids["eva"])
    assert len(meeting.contact_ids) == 4 and meeting.note == "breakfast"


async def test_unticking_someone_leaves_them_out_of_the_meeting(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("l")
        await type_into(pilot, "people", "jan")
        await pilot.press("enter")
        await pilot.pause()
        people = app.screen.query_one("#picker-people")
        people.focus()
        await pilot.press("space")  # unticks Eva, the first in the list
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert book.get_contact(book.ids["jan"]).last_contact == TODAY
    assert book.get_contact(book.ids["eva"]).last_contact is None


async def test_recording_a_favour_received_changes_the_balance(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        highlight(app, "Jan Novák")
        await pilot.press("f")
        assert isinstance(app.screen, FavourForm)
        app.screen.query_one("#field-direction", FormField).widget.focus()
        await pilot.press("right")  # I received
        await type_into(pilot, "description", "lent me his van")
        app.screen.query_one("#field-weight", FormField).widget.focus()
        await pilot.press("right", "right")  # large
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert "gave 0 · received 3" in screen_text(app)
    [favour] = book.favours_for(book.ids["jan"])
    assert (favour.direction, favour.weight, favour.description) == ("received", 3, "lent me his van")


async def test_introducing_someone_links_both(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("i")
        assert isinstance(app.screen, IntroForm)
        await pilot.press("enter")  # nobody picked yet: an error, not a save
        await pilot.pause()
        assert app.screen.query_one("#field-people", FormField).has_class("-invalid")
        await type_into(pilot, "people", "zoe")
        await pilot.press("enter")
        await type_into(pilot, "note", "both into climbing")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    [intro] = book.introductions_for(book.ids["zoe"])
    assert {intro.contact_a, intro.contact_b} == {book.ids["eva"], book.ids["zoe"]}


async def test_adding_a_follow_up_with_words(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("u")
        assert isinstance(app.screen, FollowUpForm)
        await type_into(pilot, "due", "next friday")
        await type_into(pilot, "recurrence", "quarterly")
        await pilot.press("enter")
        await pilot.pause()
    [follow_up] = book.follow_ups_for(book.ids["eva"])
    assert follow_up.due == date(2026, 11, 27)
    assert str(follow_up.recurrence) == "every 3 months"


async def test_archiving_hides_the_contact_and_v_shows_the_archived(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("x")
        await pilot.pause()
        assert book.get_contact(book.ids["eva"]).archived
        assert "Eva Weber" not in list_text(app)
        await pilot.press("v")
        await pilot.pause()
        assert "Eva Weber" in list_text(app)
        await pilot.press("x")  # brings her back
        await pilot.pause()
    assert not book.get_contact(book.ids["eva"]).archived


async def test_delete_asks_first_then_moves_to_the_trash(book):
    app = make_app(book)
    async with app.run_test() as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert book.get_contact(book.ids["eva"])
        await pilot.press("d", "y")
        await pilot.pause()
    assert [c.name for c, _ in book.trashed()] == ["Eva Weber"]


async def test_q_quits(book):
    app = make_app(book)
    async with app.run_test() as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_typing_q_in_the_search_box_searches_instead_of_quitting(book):
    app = make_app(book)
    async with app.run_test() as pilot:
        await pilot.press("slash", "q")
        await pilot.pause()
        assert app.is_running
        assert app.screen.query_one("#search", Input).value == "q"


async def test_t_opens_today_and_escape_comes_back(book):
    app = make_app(book)
    async with app.run_test() as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_help_lists_keys_as_remapped_in_the_config(book):
    app = make_app(book, Config(keymap={"app.add": "n"}))
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("a")  # no longer add
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ContactForm)
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "add a contact" in text and "log an interaction" in text
        assert ("n", "app.add", "add a contact") in help_rows(app.screen)


async def test_theme_picked_in_the_app_is_remembered(book, config):
    app = make_app(book, config)
    async with app.run_test() as pilot:
        assert app.theme == "kontakt"
        app.theme = "nord"
        await pilot.pause()
    assert load_config(config.path).theme == "nord"


async def test_palette_jumps_to_a_contact(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"zurch")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, MainScreen)
        assert app.screen.query_one(ContactList).highlighted.name == "Zoë Zürcher"
