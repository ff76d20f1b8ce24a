"""SVG snapshot of the Today screen once the day's budget is used: reopened, it says so."""

from __future__ import annotations

from kontakt.screenshots import demo_app, settled


async def _budget_used(pilot) -> None:
    await pilot.press("t")
    await pilot.pause()
    for _ in range(5):
        await pilot.press("enter")
        await pilot.pause()
    await pilot.press("escape")
    await pilot.pause()
    await pilot.press("t")  # reopened: "5 of 5 done", not "0 of 5"
    await pilot.pause()
    progress = pilot.app.screen.query_one("#today-progress").visual.plain
    assert progress == "5 of 5 done — that's it for today"
    pilot.app.checked = True


def test_today_with_the_budget_used_matches_snapshot(snap_compare, tmp_path):
    app = demo_app(tmp_path)
    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=settled(_budget_used))
        assert getattr(app, "checked", False)  # the scene really ran to the reopened screen
    finally:
        app.book.close()
