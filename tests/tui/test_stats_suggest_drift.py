"""The stats screen's suggestions and let-drift lists: a accepts a suggested cadence for someone
who had none, b brings someone let drift back; the footer offers a key only when it acts; the
month axis says Dec, not De."""

from __future__ import annotations

from datetime import date, timedelta

from textual.widgets import OptionList

from kontakt.domain import Cadence
from kontakt.services.review import drifted, let_drift
from kontakt.tui.screens.stats import StatsScreen, rhythm_content

from test_stats_screen import open_stats, options
from tui_helpers import TODAY, make_app, screen_text


def footer_keys(app) -> set[str]:
    return {binding.key for (_, binding, enabled, _) in app.screen.active_bindings.values()
            if binding.show and enabled}


async def test_a_accepts_a_cadence_for_someone_who_had_none(book):
    ada = book.add_contact("Ada Lovelace", today=TODAY)
    for days_ago in (2, 16, 30, 44):
        book.log_interaction([ada], on=TODAY - timedelta(days=days_ago), today=TODAY)
    app = make_app(book)
    async with app.run_test(size=(120, 50), notifications=True) as pilot:
        await open_stats(pilot)
        assert options(app, "#stats-suggest")[0].startswith("Ada Lovelace")
        assert "every 2 weeks" in options(app, "#stats-suggest")[0]
        assert "a makes it every 2 weeks" in screen_text(app)
        assert "a" in footer_keys(app) and "b" not in footer_keys(app)  # nobody let drift
        app.screen.query_one("#stats-suggest", OptionList).focus()
        await pilot.press("a")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert book.get_contact(ada).cadence == Cadence(2, "week")
        assert book.get_contact(ada).next_due == TODAY + timedelta(days=12)
        assert not any(row.startswith("Ada") for row in options(app, "#stats-suggest"))
        assert any("Ada Lovelace is now every 2 weeks" in n.message for n in app._notifications)
        # Nothing left to accept: the footer stops offering a.
        assert "a" not in footer_keys(app)


async def test_b_brings_back_someone_let_drift(book):
    book.set_circle_cadence("breakfast", Cadence.parse("weekly"), today=TODAY)
    jan = book.ids["jan"]
    let_drift(book, jan, as_of=TODAY)
    assert book.get_contact(jan).next_due is None
    app = make_app(book)
    async with app.run_test(size=(120, 50), notifications=True) as pilot:
        await open_stats(pilot)
        rows = options(app, "#stats-letdrift")
        assert len(rows) == 1 and rows[0].startswith("Jan Novák") and "was every week (circle)" in rows[0]
        assert "b" in footer_keys(app)
        await pilot.press("b")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert drifted(book) == []
        assert book.get_contact(jan).next_due == date(2026, 10, 8)  # weekly from 1 Oct: due
        assert options(app, "#stats-letdrift")[0].startswith("Nobody")
        assert any("Brought Jan Novák back" in n.message for n in app._notifications)
        assert "b" not in footer_keys(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, StatsScreen)


async def test_a_is_not_offered_before_the_figures_are_in(book):
    app = make_app(book)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = StatsScreen(book, TODAY)
        app.push_screen(screen)
        await pilot.pause()
        if screen.stats is None:  # still computing: nothing to accept yet
            assert "a" not in footer_keys(app)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.stats is not None
        assert "a" not in footer_keys(app)  # this book has no suggestion at all


def test_the_month_axis_says_dec_not_de(book):
    from kontakt.services.stats import network_stats

    stats = network_stats(book, date(2026, 12, 15))  # December still running
    axis = rhythm_content(stats).plain.splitlines()
    labels = next(line for line in axis if "Jan" in line and "Nov" in line).split()
    assert labels[-1] == "Dec*" and labels[0] == "Jan" and all(len(m) == 3 for m in labels[:-1])
    finished = rhythm_content(network_stats(book, date(2026, 12, 31))).plain
    assert " Dec" in finished and "De*" not in finished
