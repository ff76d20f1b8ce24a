"""SVG snapshot of the Today screen with a circle's item: the demo's weekly breakfast with its
last two meetings taken away, so eleven members are overdue together (one item, not eleven)."""

from __future__ import annotations

from kontakt.screenshots import FIXED_TODAY, demo_app, settled
from kontakt.store import review_queries


async def _breakfast_missed(pilot) -> None:
    book = pilot.app.book
    meetings = book.conn.execute(
        """SELECT i.id FROM interactions i JOIN interaction_contacts ic ON ic.interaction_id = i.id
             JOIN memberships m ON m.contact_id = ic.contact_id AND m.circle = 'breakfast'
            GROUP BY i.id HAVING count(*) >= 3 ORDER BY i.date DESC LIMIT 2""").fetchall()
    with book.write():
        for (meeting,) in meetings:
            review_queries.delete_interaction(book, meeting, today=FIXED_TODAY)
    await pilot.press("t")
    await pilot.pause()
    first = pilot.app.screen.entries[0].item
    assert (first.kind, first.name, len(first.members)) == ("circle", "#breakfast", 11)
    pilot.app.checked = True


def test_today_with_a_circle_item_matches_snapshot(snap_compare, tmp_path):
    app = demo_app(tmp_path)
    try:
        assert snap_compare(app, terminal_size=(120, 36), run_before=settled(_breakfast_missed))
        assert getattr(app, "checked", False)  # the scene really ran to the circle item
    finally:
        app.book.close()
