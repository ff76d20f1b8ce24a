"""The Inbox screen (b, or the palette): proposals by day with the card beside; Enter accepts,
x ignores, A accepts all shown, z undoes; what it shows of the data is shown, never obeyed."""

from __future__ import annotations

from datetime import date

from textual.widgets import OptionList, Static

from kontakt.config import Config
from kontakt.store import capture as store
from kontakt.store.capture import NewProposal
from kontakt.tui.app import KontaktApp
from kontakt.tui.screens.inbox import InboxScreen
from kontakt.tui.screens.main import MainScreen

from capture_helpers import TODAY, make_book

HOSTILE_TITLE = "[@click=app.quit]Tea[/] \x1b[31m"


def fill(book, ids) -> None:
    store.add_proposals(book, [
        NewProposal("cal:a@1", "calendar", date(2026, 11, 2), "meeting", (ids["anna"], ids["bob"]),
                    "me", "Planning"),
        NewProposal("mail:b@1", "mail", date(2026, 11, 2), "message", (ids["bob"],), "them"),
        NewProposal("cal:c@1", "calendar", date(2026, 11, 20), "call", (ids["eva"],), None, HOSTILE_TITLE),
        NewProposal("mail:d@1", "mail", date(2026, 11, 21), "message", (ids["jurgen"],), "mutual"),
    ])


def rows(app) -> list[str]:
    options = app.screen.query_one("#inbox-list", OptionList)
    return [options.get_option_at_index(i).prompt.plain for i in range(options.option_count)]


def card(app) -> str:
    return app.screen.query_one("#detail-card", Static).visual.plain


async def open_inbox(tmp_path, pilot_size=(110, 30)):
    book, ids = make_book(tmp_path / "book.db")
    fill(book, ids)
    app = KontaktApp(book, today=TODAY, config=Config())
    return app, book, ids


async def test_b_opens_the_inbox_by_day_with_the_first_persons_card(tmp_path):
    app, book, ids = await open_inbox(tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, InboxScreen)
        shown = rows(app)
        assert shown[0].startswith("2 Nov 2026  Monday · 21 days ago")
        assert shown[1].startswith("meeting ") and "Anna Müller, Bob Stone" in shown[1] and "“Planning”" in shown[1]
        assert "Bob Stone  they reached out" in shown[2]
        assert shown[3].startswith("20 Nov 2026")
        assert HOSTILE_TITLE.split(" ")[0] in shown[4]  # markup shown literally
        assert "both wrote" in shown[6] and len(shown) == 7
        assert card(app).startswith("Anna Müller")
        await pilot.press("down")
        await pilot.pause()
        assert card(app).startswith("Bob Stone")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    book.close()


async def test_enter_accepts_x_ignores_and_z_undoes(tmp_path):
    app, book, ids = await open_inbox(tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        planning = book.interactions_for(ids["anna"])
        assert [(i.kind, i.note, i.date) for i in planning] == [("meeting", "Planning", date(2026, 11, 2))]
        assert set(planning[0].contact_ids) == {ids["anna"], ids["bob"]}
        assert len(rows(app)) == 6 and card(app).startswith("Bob Stone")  # the next one is highlighted
        await pilot.press("x")
        await pilot.pause()
        assert store.counts(book) == {"pending": 2, "accepted": 1, "ignored": 1}
        assert [r for r in rows(app) if r.startswith("2 Nov")] == []
        await pilot.press("z")
        await pilot.pause()
        assert store.counts(book) == {"pending": 3, "accepted": 1, "ignored": 0}
        assert any("they reached out" in r for r in rows(app))
        await pilot.press("z")
        await pilot.pause()
        assert store.counts(book)["pending"] == 4 and book.interactions_for(ids["anna"]) == []
        assert len(rows(app)) == 7
    book.close()


async def test_shift_a_accepts_everything_shown_in_one_undo_step(tmp_path):
    app, book, ids = await open_inbox(tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("A")
        await pilot.pause()
        assert store.counts(book) == {"pending": 0, "accepted": 4, "ignored": 0}
        assert book.conn.execute("SELECT count(*) FROM interactions").fetchone()[0] == 4
        assert rows(app)[0].startswith("Nothing waiting.")
        # Nothing left to accept or ignore: neither the header nor the footer offers it.
        assert app.screen.query_one("#header-right", Static).visual.plain == "0 proposals"
        offered = {b.binding.action for b in app.active_bindings.values() if b.enabled}
        assert not offered & {"accept", "ignore", "accept_all"} and "close" in offered
        await pilot.press("escape")
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        assert book.get_contact(ids["jurgen"]).last_contact == date(2026, 11, 21)
        await pilot.press("z")
        await pilot.pause()
        assert store.counts(book)["pending"] == 4
        assert book.conn.execute("SELECT count(*) FROM interactions").fetchone()[0] == 0
    book.close()


async def test_the_palette_opens_the_inbox(tmp_path):
    app, book, ids = await open_inbox(tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"inbox")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, InboxScreen)
        assert len(rows(app)) == 7
    book.close()


def test_inbox_matches_snapshot(snap_compare, tmp_path):
    from kontakt.screenshots import demo_app, settled

    app = demo_app(tmp_path)
    book = app.book
    people = [c.id for c in book.list_contacts(limit=5)]
    store.add_proposals(book, [
        NewProposal("cal:s1", "calendar", date(2026, 11, 16), "meeting", (people[0], people[1]), "me", "Breakfast at Café Luitpold"),
        NewProposal("mail:s2", "mail", date(2026, 11, 16), "message", (people[2],), "them"),
        NewProposal("cal:s3", "calendar", date(2026, 11, 19), "call", (people[3],), None, "Catch-up (video)"),
        NewProposal("mail:s4", "mail", date(2026, 11, 22), "message", (people[4],), "mutual"),
        NewProposal("mail:s5", "mail", date(2026, 11, 22), "message", (people[0],), "me"),
    ])

    @settled
    async def run_before(pilot) -> None:
        await pilot.press("b")
        await pilot.pause()

    try:
        assert snap_compare(app, terminal_size=(120, 30), run_before=run_before)
    finally:
        book.close()


async def test_a_scan_in_another_process_shows_up_in_the_open_inbox(tmp_path):
    from kontakt.store import Book

    app, book, ids = await open_inbox(tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("b")
        await pilot.pause()
        assert len(rows(app)) == 7
        with Book.open(book.path) as other:  # as `kontakt capture` from cron would
            store.add_proposals(other, [NewProposal("mail:new@1", "mail", date(2026, 11, 22), "message",
                                                    (ids["olga"],), "them")])
        assert app.check_for_changes()
        await pilot.pause()
        assert len(rows(app)) == 9 and "Olga Petrova  they reached out" in rows(app)[-1]
    book.close()
