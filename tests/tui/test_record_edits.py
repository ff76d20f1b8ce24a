"""In the app: pick a timeline entry (tab, ↑/↓), e edits it in its pre-filled form, d moves
it to the trash and z brings it back; circles rename and trash from the sidebar."""

from __future__ import annotations

from datetime import date

import pytest
from tui_helpers import TODAY, highlight, make_app, screen_text, static_text

from kontakt.store import Book
from kontakt.store import records as r
from kontakt.tui.screens.dialogs import ConfirmScreen
from kontakt.tui.screens.forms import FormScreen
from kontakt.tui.screens.record_forms import (
    CircleForm,
    EditFavourForm,
    EditFollowUpForm,
    EditIntroForm,
    EditLogForm,
)
from kontakt.tui.widgets.circle_list import CircleList
from kontakt.tui.widgets.detail import ContactDetail
from kontakt.tui.widgets.fields import FormField

# The timeline is newest first: the follow-up (due later), the call, the favour, the intro.
ORDER = ["follow-up", "interaction", "favour", "introduction"]


@pytest.fixture
def book(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    book = Book.open(tmp_path / "book.db")
    ada = book.add_contact("Ada Lovelace", today=TODAY, tags=["breakfast"])
    grace = book.add_contact("Grace Hopper", today=TODAY, tags=["breakfast"])
    book.ids = {
        "ada": ada, "grace": grace,
        "follow-up": book.add_follow_up(ada, due=date(2026, 12, 10), note="ask about the engine"),
        "interaction": book.log_interaction([ada], on=date(2026, 11, 20), kind="call", note="engines", today=TODAY),
        "favour": book.add_favour(ada, direction="received", description="reviewed my deck", on=date(2026, 11, 10)),
        "introduction": book.add_introduction(ada, grace, on=date(2026, 11, 1), note="compilers"),
    }
    yield book
    book.close()


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def timeline_text(app) -> str:
    """The timeline as one line (entries wrap at the pane's width)."""
    return " ".join(static_text(app.screen.query_one("#detail-timeline")).split())


async def pick(app, pilot, kind: str) -> ContactDetail:
    """Highlight Ada, tab into her timeline and move down to the entry of `kind`."""
    highlight(app, "Ada Lovelace")
    await pilot.pause()
    detail = app.screen.query_one(ContactDetail)
    await pilot.press("tab")
    await pilot.pause()
    assert app.focused is detail
    for _ in range(ORDER.index(kind)):
        await pilot.press("down")
    await pilot.pause()
    assert detail.selected.kind == kind
    return detail


async def set_field(app, pilot, name: str, text: str) -> None:
    """Focus the field and type `text` over what it held, as a user does."""
    widget = app.screen.query_one(f"#field-{name}", FormField).widget
    widget.focus()
    widget.value = ""
    await pilot.press(*text)


EDITS = [
    # kind, form, field, typed, what the book must hold afterwards, what the timeline shows
    ("interaction", EditLogForm, "note", "babbage",
     lambda b: r.get_interaction(b, b.ids["interaction"]).note, "call: babbage"),
    ("favour", EditFavourForm, "description", "a draft",
     lambda b: r.get_favour(b, b.ids["favour"]).description, "received help: a draft"),
    ("follow-up", EditFollowUpForm, "note", "notes",
     lambda b: b.get_follow_up(b.ids["follow-up"]).note, "follow-up due: notes"),
    ("introduction", EditIntroForm, "outcome", "they met",
     lambda b: r.get_introduction(b, b.ids["introduction"]).outcome, "introduced to Grace Hopper: compilers → they met"),
]


@pytest.mark.parametrize("kind, form_class, field, typed, stored, shown", EDITS, ids=[e[0] for e in EDITS])
async def test_e_edits_the_picked_entry_d_trashes_it_and_z_brings_it_back(
    book, kind, form_class, field, typed, stored, shown
):
    record_id = book.ids[kind]
    live = {"follow-up": book.follow_ups_for, "interaction": book.interactions_for,
            "favour": book.favours_for, "introduction": book.introductions_for}[kind]
    app = make_app(book)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        detail = await pick(app, pilot, kind)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, form_class)
        assert not form.dirty  # pre-filled before it was drawn: nothing typed yet
        await set_field(app, pilot, field, typed)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        assert stored(book) == typed
        assert shown in timeline_text(app)
        assert f"Saved the {kind}" in notes(app)
        assert app.focused is detail and detail.selected.kind == kind  # still picked

        edited = timeline_text(app)
        await pilot.press("d")
        await pilot.pause()
        assert f"Moved the {kind} to the trash · z undoes" in notes(app)
        assert shown not in timeline_text(app)
        assert [e.kind for e in detail._entries] == [k for k in ORDER if k != kind]
        assert [t.ref for t in r.trashed_records(book)] == [f"{r.REF_PREFIX[kind]}:{record_id}"]
        assert live(book.ids["ada"]) == []

        await pilot.press("z")
        await pilot.pause()
        assert any(n.startswith("Undid: delete") for n in notes(app))
        assert [e.id for e in live(book.ids["ada"])] == [record_id]
        assert timeline_text(app) == edited
    assert r.trashed_records(book) == []
    assert stored(book) == typed  # back as edited


async def test_the_log_form_comes_prefilled_and_arrows_stop_at_the_ends(book):
    app = make_app(book)
    async with app.run_test(size=(100, 30)) as pilot:
        detail = await pick(app, pilot, "follow-up")
        assert detail.selected_index == 0
        await pilot.press("up", "down", "down", "down", "down", "down")
        assert detail.selected.kind == "introduction"
        await pilot.press("up", "up")
        assert detail.selected.kind == "interaction"
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert (form.value("kind"), form.value("date"), form.value("note")) == ("call", "2026-11-20", "engines")
        form.query_one("#field-date", FormField).widget.value = "2026-11-22"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("shift+tab")
        await pilot.pause()
        assert app.focused is not detail
        assert detail.selected_index is None  # not focused: no reversed line
    assert book.get_contact(book.ids["ada"]).last_contact == date(2026, 11, 22)


async def test_a_circle_renames_and_its_cadence_changes_from_the_sidebar(book):
    app = make_app(book)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("c")
        await pilot.pause()
        circles = app.screen.query_one(CircleList)
        assert app.focused is circles
        await pilot.press("down", "down")  # "All contacts", then #breakfast
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, CircleForm)
        await set_field(app, pilot, "name", "brunch")
        await set_field(app, pilot, "cadence", "1w")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Saved circle #brunch" in notes(app)
        assert "#brunch" in screen_text(app)
    assert [(c.name, str(c.cadence), c.members) for c in book.circles()] == [("brunch", "every week", 2)]
    assert book.get_contact(book.ids["ada"]).tags == ("brunch",)


async def test_a_circle_goes_to_the_trash_from_the_sidebar_and_z_brings_it_back(book):
    app = make_app(book)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("c", "down", "down", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert book.circles() == []
        assert book.get_contact(book.ids["grace"]).tags == ()
        assert "#breakfast" not in screen_text(app)
        assert [t.ref for t in r.trashed_records(book)] == ["circle:breakfast"]
        await pilot.press("z")
        await pilot.pause()
        assert "#breakfast" in screen_text(app)
    assert [(c.name, c.members) for c in book.circles()] == [("breakfast", 2)]


async def test_the_palette_trashes_the_circle_being_shown(book):
    app = make_app(book)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("c", "down", "down", "enter")  # show #breakfast
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"a circle to")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert "Moved #breakfast to the trash · z undoes" in notes(app)
        assert app.screen.query_one("#list-status").visual.plain.startswith("2 contacts")  # filter gone
    assert book.circles() == []


async def test_an_edit_form_refuses_bad_input_and_a_record_deleted_meanwhile(book):
    app = make_app(book)
    async with app.run_test(size=(100, 30)) as pilot:
        await pick(app, pilot, "favour")
        await pilot.press("e")
        await pilot.pause()
        await set_field(app, pilot, "description", " ")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, EditFavourForm)
        assert "say what the favour was" in screen_text(app)
        assert r.get_favour(book, book.ids["favour"]).description == "reviewed my deck"
        r.trash_favour(book, book.ids["favour"])  # as another shell would, while the form is open
        await set_field(app, pilot, "description", "x")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, EditFavourForm)  # kept open, with what was typed
        assert "no favour" in static_text(app.screen.query_one(".form-error"))
    assert book.favours_for(book.ids["ada"]) == []


async def test_editing_a_snoozed_follow_ups_note_keeps_its_snooze(book):
    """The form showed the day before the snooze ("that is in the past") and saving it
    cleared the snooze: the follow-up fell due again at once."""
    follow_up_id = book.ids["follow-up"]
    book.snooze_follow_up(follow_up_id, until=date(2026, 12, 20))
    app = make_app(book)
    async with app.run_test(size=(100, 30)) as pilot:
        await pick(app, pilot, "follow-up")
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EditFollowUpForm)
        assert form.value("due") == "2026-12-20"  # the day it is due on now
        await set_field(app, pilot, "note", "ask about the engine and the loom")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen), screen_text(app)
    follow_up = book.get_follow_up(follow_up_id)
    assert follow_up.note == "ask about the engine and the loom"
    assert (follow_up.due, follow_up.effective_due) == (date(2026, 12, 10), date(2026, 12, 20))


async def test_a_long_timeline_is_drawn_a_page_at_a_time_and_every_entry_stays_reachable(tmp_path, monkeypatch):
    """A partner logged daily for years: 5,000 entries took ~1 s to draw whenever the list
    passed over them. The newest page is drawn with a count of the rest; going down past
    the last drawn entry draws the next page, and e there edits that very entry."""
    from datetime import timedelta

    from kontakt.tui.widgets.detail import TIMELINE_PAGE

    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    total = TIMELINE_PAGE + 30
    with Book.open(tmp_path / "book.db") as book:
        ada = book.add_contact("Ada Lovelace", today=TODAY)
        with book.write("calls"):
            logged = [book.log_interaction([ada], on=TODAY - timedelta(days=n), kind="call",
                                           note=f"call {n}", today=TODAY) for n in range(total)]
        app = make_app(book)
        async with app.run_test(size=(110, 40)) as pilot:
            highlight(app, "Ada Lovelace")
            await pilot.pause()
            text = timeline_text(app)
            assert f"call {TIMELINE_PAGE - 1} " in text + " " and f"call {TIMELINE_PAGE} " not in text + " "
            assert "and 30 earlier" in text
            assert f"Timeline {total}" in " ".join(static_text(app.screen.query_one("#detail-timeline-title")).split())
            detail = app.screen.query_one(ContactDetail)
            await pilot.press("tab")
            for _ in range(TIMELINE_PAGE):  # from the newest, one past the last drawn
                await pilot.press("down")
            await pilot.pause()
            assert detail.selected.id == logged[TIMELINE_PAGE]
            text = timeline_text(app)
            assert f"call {total - 1}" in text and "earlier" not in text
            await pilot.press("e")
            await pilot.pause()
            assert isinstance(app.screen, EditLogForm)
            assert app.screen.query_one("#field-note", FormField).widget.value == f"call {TIMELINE_PAGE}"


async def test_the_entry_keys_show_only_when_there_is_an_entry_they_act_on(book):
    """e, d and s stood in the footer under an empty timeline, and s under a call."""
    book.add_contact("Nobody Yet", today=TODAY)

    def entry_keys(app) -> set[str]:
        return {b.binding.action for b in app.active_bindings.values() if b.enabled} & {
            "edit_entry", "delete_entry", "settle_entry"}

    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await pick(app, pilot, "interaction")  # Ada's call
        assert entry_keys(app) == {"edit_entry", "delete_entry"}
        await pilot.press("down")  # her favour: s settles it
        await pilot.pause()
        assert detail.selected.kind == "favour"
        assert entry_keys(app) == {"edit_entry", "delete_entry", "settle_entry"}
        await pilot.press("shift+tab")
        highlight(app, "Nobody Yet")
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is detail and not detail._entries
        assert entry_keys(app) == set()
