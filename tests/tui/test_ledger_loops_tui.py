"""Closing the ledger's loops in the app: the Today screen thanks (Enter), settles a favour
(x), answers an introduction (Enter: worked / fizzled / don't know, with a note) and logs a
person's preferred channel; the card settles a favour and answers an introduction (s)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tui_helpers import TODAY, highlight, make_app, screen_text, static_text

from kontakt.config import Config
from kontakt.domain import Cadence
from kontakt.store import Book
from kontakt.store import records as r
from kontakt.tui.screens.ledger_dialogs import ChoiceScreen
from kontakt.tui.screens.today import TodayScreen
from kontakt.tui.widgets.detail import ContactDetail

CONFIG = Config(daily_cap=5)


@pytest.fixture
def book(tmp_path, monkeypatch):
    """Jürgen helped five days ago (a thank is due), Ada and Grace were introduced seven
    weeks ago (unanswered), Olga is overdue and likes a call."""
    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    book = Book.open(tmp_path / "book.db")
    ids = {}
    ids["jurgen"] = book.add_contact("Jürgen Müller", today=TODAY)
    ids["favour"] = book.add_favour(ids["jurgen"], direction="received", description="reviewed my deck",
                                    on=TODAY - timedelta(days=5), weight=2)
    ids["ada"] = book.add_contact("Ada Lovelace", today=TODAY)
    ids["grace"] = book.add_contact("Grace Hopper", today=TODAY)
    ids["intro"] = book.add_introduction(ids["ada"], ids["grace"], on=TODAY - timedelta(weeks=7))
    ids["olga"] = book.add_contact("Olga Ivanova", today=TODAY, cadence=Cadence.parse("monthly"),
                                   channel="call")
    book.log_interaction([ids["olga"]], on=TODAY - timedelta(days=60), kind="message", today=TODAY)
    book.ids = ids
    yield book
    book.close()


async def today_on(pilot, name: str, kind: str) -> TodayScreen:
    """Open Today and move the highlight to `name`'s item of `kind`."""
    await pilot.press("t")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, TodayScreen)
    keys = [(e.item.name, e.item.kind) for e in screen.entries]
    assert (name, kind) in keys, keys
    while (screen.current_entry.item.name, screen.current_entry.item.kind) != (name, kind):
        await pilot.press("down")
        await pilot.pause()
    return screen


async def test_enter_on_a_thank_item_logs_the_thank_you_and_marks_the_favour_thanked(book):
    app = make_app(book, CONFIG)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await today_on(pilot, "Jürgen Müller", "thank")
        assert "log the thank-you as ‹message›" in static_text(screen.query_one("#today-keys"))
        await pilot.press("enter")
        await pilot.pause()
        entry = next(e for e in screen.entries if e.item.kind == "thank")
        assert entry.outcome == "thanked, logged a message"
    (interaction,) = book.interactions_for(book.ids["jurgen"])
    assert (interaction.kind, interaction.thanks) == ("message", True)
    assert r.get_favour(book, book.ids["favour"]).thanked_on == TODAY


async def test_x_on_a_thank_item_settles_the_favour_and_z_takes_it_back(book):
    app = make_app(book, CONFIG)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await today_on(pilot, "Jürgen Müller", "thank")
        await pilot.press("x")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ChoiceScreen)
        assert "How did it end? reviewed my deck" in screen_text(app)
        await pilot.press("down", "enter")  # returned → let go
        await pilot.pause()
        assert app.screen is screen
        assert next(e for e in screen.entries if e.item.kind == "thank").outcome == "let go"
        assert r.get_favour(book, book.ids["favour"]).status == "let go"
        assert (book.balance(book.ids["jurgen"]).gave, book.balance(book.ids["jurgen"]).received) == (0, 0)
        await pilot.press("z")
        await pilot.pause()
        assert r.get_favour(book, book.ids["favour"]).status == "open"


async def test_enter_on_an_introduction_asks_did_it_work_and_stores_the_answer_with_a_note(book):
    app = make_app(book, CONFIG)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await today_on(pilot, "Ada Lovelace", "intro-check")
        await pilot.press("enter", "escape")  # Esc answers nothing
        await pilot.pause()
        assert app.screen is screen and screen.current_entry.outcome is None
        assert r.get_introduction(book, book.ids["intro"]).result is None
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        assert "Did it work? Ada Lovelace ↔ Grace Hopper" in screen_text(app)
        await pilot.press("down")  # worked → fizzled
        await pilot.press(*"no spark")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert next(e for e in screen.entries if e.item.kind == "intro-check").outcome == "fizzled"
        intro = r.get_introduction(book, book.ids["intro"])
        assert (intro.result, intro.outcome) == ("fizzled", "no spark")
        await pilot.press("z")
        await pilot.pause()
        assert r.get_introduction(book, book.ids["intro"]).result is None


async def test_a_keep_in_touch_item_names_the_channel_and_done_logs_its_kind(book):
    app = make_app(book, CONFIG)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await today_on(pilot, "Olga Ivanova", "keep-in-touch")
        assert "call Olga: log as ‹call›" in static_text(screen.query_one("#today-keys"))
        assert "call Olga — last in touch" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
    latest = book.interactions_for(book.ids["olga"])[0]
    assert (latest.kind, latest.date) == ("call", TODAY)


async def test_arrows_on_a_channel_item_change_only_that_item(book):
    app = make_app(book, CONFIG)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await today_on(pilot, "Olga Ivanova", "keep-in-touch")
        await pilot.press("right")  # call → meeting
        await pilot.pause()
        assert "‹meeting›" in static_text(screen.query_one("#today-keys"))
        assert screen.interaction_kind == "message"  # the list's kind stays
        await pilot.press("enter")
        await pilot.pause()
    assert book.interactions_for(book.ids["olga"])[0].kind == "meeting"


async def pick_entry(app, pilot, name: str, kind: str) -> ContactDetail:
    highlight(app, name)
    await pilot.pause()
    detail = app.screen.query_one(ContactDetail)
    await pilot.press("tab")
    await pilot.pause()
    for _ in range(10):
        if detail.selected is not None and detail.selected.kind == kind:
            return detail
        await pilot.press("down")
        await pilot.pause()
    raise AssertionError(f"no {kind} in {name}'s timeline")


async def test_s_on_the_card_settles_a_favour_as_returned(book):
    app = make_app(book, CONFIG)
    async with app.run_test(size=(140, 45)) as pilot:
        await pick_entry(app, pilot, "Jürgen Müller", "favour")
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")  # returned is the first choice
        await pilot.pause()
        assert r.get_favour(book, book.ids["favour"]).status == "returned"
        assert "[returned]" in " ".join(static_text(app.screen.query_one("#detail-timeline")).split())
        # The ledger's rule: a returned favour counts on both sides.
        balance = book.balance(book.ids["jurgen"])
        assert (balance.gave, balance.received) == (2, 2)
        await pilot.press("z")
        await pilot.pause()
    assert r.get_favour(book, book.ids["favour"]).status == "open"


async def test_s_on_the_card_answers_an_introduction(book):
    app = make_app(book, CONFIG)
    async with app.run_test(size=(140, 45)) as pilot:
        await pick_entry(app, pilot, "Grace Hopper", "introduction")
        await pilot.press("s")
        await pilot.pause()
        await pilot.press(*"they cowork")
        await pilot.press("enter")  # worked
        await pilot.pause()
        assert "worked: they cowork" in " ".join(static_text(app.screen.query_one("#detail-timeline")).split())
    intro = r.get_introduction(book, book.ids["intro"])
    assert (intro.result, intro.outcome, intro.date) == ("worked", "they cowork", TODAY - timedelta(weeks=7))


async def test_the_card_shows_the_preferred_channel(book):
    app = make_app(book, CONFIG)
    async with app.run_test(size=(140, 45)) as pilot:
        highlight(app, "Olga Ivanova")
        await pilot.pause()
        assert any(line.split() == ["channel", "call"] for line in screen_text(app).splitlines())


async def test_the_log_form_records_who_made_the_first_move(book):
    from kontakt.tui.screens.forms import FormField, LogForm

    app = make_app(book, CONFIG)
    async with app.run_test(size=(100, 36)) as pilot:
        highlight(app, "Olga Ivanova")
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LogForm)
        app.screen.query_one("#field-reached_out", FormField).widget.focus()
        await pilot.press("right", "right")  # not noted → I did → they did
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, LogForm)
    latest = book.interactions_for(book.ids["olga"])[0]
    assert (latest.date, latest.reached_out) == (TODAY, "them")


def test_the_stats_screen_counts_worked_introductions_and_lists_who_reaches_out(book):
    from kontakt.services.stats import network_stats
    from kontakt.tui.screens.stats import introductions_content

    book.set_introduction_result(book.ids["intro"], "worked", on=TODAY, note="they cowork")
    for days in (10, 20, 30):
        book.log_interaction([book.ids["olga"]], on=TODAY - timedelta(days=days), reached_out="them",
                             today=TODAY)
    text = introductions_content(network_stats(book, TODAY)).plain
    assert "1 made (1 in 12 months) · 1 worked · 0 fizzled · 0 waiting" in text
    assert "Ada Lovelace ↔ Grace Hopper  worked" in text
    assert "Who reaches out" in text and "Olga reached out the last 3 times — your turn next?" in text


async def test_the_intro_forms_record_asked_both_and_the_answer(book):
    from kontakt.tui.screens.forms import FormField, IntroForm

    app = make_app(book, CONFIG)
    async with app.run_test(size=(140, 45)) as pilot:
        await pick_entry(app, pilot, "Ada Lovelace", "introduction")
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, IntroForm)
        form.query_one("#field-result", FormField).widget.focus()
        await pilot.press("right")  # not answered → worked
        form.query_one("#field-asked_first", FormField).widget.focus()
        await pilot.press("right")  # no → yes
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, IntroForm)
    intro = r.get_introduction(book, book.ids["intro"])
    assert (intro.result, intro.asked_first) == ("worked", True)
