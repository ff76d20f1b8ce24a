"""What the Today screen says r does: the help row and the notice on a circle item match what
r does now (out of every cadence, a circle's too, until brought back)."""

from __future__ import annotations

from kontakt.tui.app import KontaktApp
from kontakt.tui.screens.dialogs import ConfirmScreen

from test_today_circle_drift import CONFIG, breakfast, open_today  # noqa: F401 (fixture)
from tui_helpers import TODAY, help_rows


async def test_the_help_row_for_r_says_every_cadence_and_a_circle_item_says_why_not(breakfast):  # noqa: F811
    app = KontaktApp(breakfast, today=TODAY, config=CONFIG)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await open_today(pilot)
        await pilot.press("r")  # on the #breakfast circle item
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        notices = [str(n.message) for n in app._notifications]
        assert notices == ["r lets one person drift out of their cadences, not a whole circle; "
                           "s snoozes and k skips."]
        await pilot.press("question_mark")
        await pilot.pause()
        rows = {binding: what for _, binding, what in help_rows(app.screen)}
        assert rows["today.drift"] == ("let them drift: out of every cadence, a circle's too, "
                                       "until brought back (b in stats; asks first)")
