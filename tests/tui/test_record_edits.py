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
    ("interaction", EditLogForm, "note", "about babbage",
     lambda b: r.get_interaction(b, b.ids["interaction"]).note, "call: about babbage"),
    ("favour", EditFavourForm, "description", "read the draft",
     lambda b: r.get_favour(b, b.ids["favour"]).description, "received help: read the draft"),
    ("follow-up", EditFollowUpForm, "note", "bring the notes",
     lambda b: b.get_follow_up(b.ids["follow-up"]).note, "follow-up due: bring the notes"),
    ("introduction", EditIntroForm, "outcome", "they met",
     lambda b: r.get_introduction(b, b.ids["introduction"]).outcome, "introduced to Grace Hopper → they met"),
]


@pytest.mark.parametrize("kind, form_class, field, typed, stored, shown", EDITS, ids=[e[0] for e in EDITS])
async def test_e_edits_the_picked_entry_in_its_prefilled_form(book, kind, form_class, field, typed, stored, shown):
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pick(app, pilot, kind)
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


async def test_the_log_form_comes_prefilled_and_a_date_change_moves_the_last_contact(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pick(app, pilot, "interaction")
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert (form.value("kind"), form.value("date"), form.value("note")) == ("call", "2026-11-20", "engines")
        await set_field(app, pilot, "date", "2026-11-22")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert book.get_contact(book.ids["ada"]).last_contact == date(2026, 11, 22)


@pytest.mark.parametrize("kind", ORDER)
async def test_d_trashes_the_picked_entry_and_z_brings_it_back(book, kind):
    record_id = book.ids[kind]
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        detail = await pick(app, pilot, kind)
        before = timeline_text(app)
        await pilot.press("d")
        await pilot.pause()
        assert f"Moved the {kind} to the trash · z undoes" in notes(app)
        assert len(detail._entries) == 3
        assert kind not in [e.kind for e in detail._entries]
        assert [t.ref for t in r.trashed_records(book)] == [f"{r.REF_PREFIX[kind]}:{record_id}"]
        live = {"follow-up": book.follow_ups_for, "interaction": book.interactions_for,
                "favour": book.favours_for, "introduction": book.introductions_for}[kind]
        assert live(book.ids["ada"]) == []
        await pilot.press("z")
        await pilot.pause()
        assert any(n.startswith("Undid: delete") for n in notes(app))
        assert [e.id for e in live(book.ids["ada"])] == [record_id]
        assert timeline_text(app) == before
        assert len(detail._entries) == 4
    assert r.trashed_records(book) == []


async def test_arrows_stop_at_the_ends_and_only_the_focused_timeline_shows_a_pick(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await pick(app, pilot, "follow-up")
        assert detail.selected_index == 0
        await pilot.press("up", "down", "down", "down", "down", "down")
        assert detail.selected.kind == "introduction"
        await pilot.press("shift+tab")
        await pilot.pause()
        assert detail.selected_index is None  # not focused: no reversed line


async def test_a_circle_renames_and_its_cadence_changes_from_the_sidebar(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("c")
        await pilot.pause()
        circles = app.screen.query_one(CircleList)
        assert app.focused is circles
        await pilot.press("down", "down")  # "All contacts", then #breakfast
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, CircleForm)
        await set_field(app, pilot, "name", "brunch")
        await set_field(app, pilot, "cadence", "weekly")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Saved circle #brunch" in notes(app)
        assert "#brunch" in screen_text(app)
    assert [(c.name, str(c.cadence), c.members) for c in book.circles()] == [("brunch", "every week", 2)]
    assert book.get_contact(book.ids["ada"]).tags == ("brunch",)


async def test_a_circle_goes_to_the_trash_from_the_sidebar_and_z_brings_it_back(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
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
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("c", "down", "down", "enter")  # show #breakfast
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"move a circle to the trash")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert "Moved #breakfast to the trash · z undoes" in notes(app)
        assert app.screen.query_one("#list-status").visual.plain.startswith("2 contacts")  # filter gone
    assert book.circles() == []


async def test_an_edit_form_refuses_what_the_add_form_refuses_and_keeps_the_record(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pick(app, pilot, "favour")
        await pilot.press("e")
        await pilot.pause()
        await set_field(app, pilot, "description", "   ")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, EditFavourForm)
        assert "say what the favour was" in screen_text(app)
    assert r.get_favour(book, book.ids["favour"]).description == "reviewed my deck"


async def test_saving_an_entry_deleted_meanwhile_says_so_on_the_form(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pick(app, pilot, "interaction")
        await pilot.press("e")
        await pilot.pause()
        r.trash_interaction(book, book.ids["interaction"], today=TODAY)  # as another shell would
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, EditLogForm)
        assert "no interaction" in static_text(app.screen.query_one(".form-error"))
