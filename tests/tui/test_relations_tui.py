"""The palette links the highlighted contact to someone (both cards show it) and adds a
journal note (the timeline shows it); e edits a note, d deletes it and z brings it back."""

from __future__ import annotations

from kontakt.store import relations
from kontakt.tui.screens.main import MainScreen
from kontakt.tui.screens.relation_forms import EditNoteForm, JournalForm, LinkForm
from kontakt.tui.widgets.detail import ContactDetail
from kontakt.tui.widgets.fields import FormField

from tui_helpers import highlight, make_app, type_into


def card(app) -> str:
    """The detail card, its wrapped lines joined again."""
    return " ".join(app.screen.query_one("#detail-card").visual.plain.split())


def history(app) -> str:
    """The timeline, its wrapped lines joined again."""
    return " ".join(app.screen.query_one("#detail-timeline").visual.plain.split())


async def palette(pilot, words: str) -> None:
    await pilot.press("ctrl+p", *words)
    await pilot.pause(0.5)
    await pilot.press("enter")
    await pilot.pause(0.2)


async def test_palette_links_two_people_and_both_cards_show_it(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.pause()
        assert "people" not in card(app)
        await palette(pilot, "link to someone")
        assert isinstance(app.screen, LinkForm)
        await pilot.press("enter")  # nobody picked: an error, not a save
        await pilot.pause()
        assert app.screen.query_one("#field-people", FormField).has_class("-invalid")
        await type_into(pilot, "people", "zoe")
        await pilot.press("enter")
        await type_into(pilot, "kind", "introduced me to")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert "people" in card(app) and "introduced me to: Zoë Zürcher" in card(app)
        highlight(app, "Zoë Zürcher")
        await pilot.pause()
        assert "met through: Eva Weber" in card(app)
    [link] = relations.relationships_for(book, book.ids["zoe"])
    assert (link.with_id, link.kind) == (book.ids["eva"], "met through")


async def test_palette_adds_a_journal_note_to_the_timeline_and_d_then_z(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        highlight(app, "Eva Weber")
        await palette(pilot, "add a journal note")
        assert isinstance(app.screen, JournalForm)
        await pilot.press("enter")  # no text: an error under the field
        await pilot.pause()
        assert app.screen.query_one("#field-text", FormField).has_class("-invalid")
        await type_into(pilot, "text", "started at the observatory")
        await type_into(pilot, "date", "2026-11-20")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert "note: started at the observatory" in history(app)
        [note] = relations.journal_for(book, book.ids["eva"])
        assert note.date.isoformat() == "2026-11-20"
        # Pick it in the timeline (the newest entry): e edits it, d deletes, z undoes.
        detail = app.screen.query_one(ContactDetail)
        detail.focus()
        await pilot.pause()
        assert detail.selected.kind == "note" and detail.selected.id == note.id
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditNoteForm)
        await type_into(pilot, "text", "runs the observatory")
        await pilot.press("enter")
        await pilot.pause()
        assert "note: runs the observatory" in history(app)
        app.screen.query_one(ContactDetail).focus()
        await pilot.press("d")
        await pilot.pause()
        assert relations.journal_for(book, book.ids["eva"]) == []
        assert "observatory" not in history(app)
        await pilot.press("z")
        await pilot.pause(0.3)
        assert [n.text for n in relations.journal_for(book, book.ids["eva"])] == ["runs the observatory"]


def test_card_with_people_and_journal_matches_snapshot(snap_compare, tmp_path):
    """The detail pane of the demo's first person, linked to two people, with two notes."""
    from datetime import date

    from kontakt.screenshots import demo_app, settled
    from kontakt.tui.widgets.contact_list import ContactList

    app = demo_app(tmp_path)

    @settled
    async def run_before(pilot) -> None:
        screen = pilot.app.main_screen
        contacts = screen.query_one(ContactList)
        me, partner, colleague = (contacts.row(i)[0] for i in range(3))
        relations.link(app.book, me.id, partner.id, "partner")
        relations.link(app.book, colleague.id, me.id, "introduced me to")
        relations.add_note(app.book, me.id, "new job at the observatory, starts in May", on=date(2026, 11, 21))
        relations.add_note(app.book, me.id, "moved to Zürich", on=date(2026, 3, 2))
        screen.after_change()
        await pilot.pause()

    try:
        assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
    finally:
        app.book.close()
