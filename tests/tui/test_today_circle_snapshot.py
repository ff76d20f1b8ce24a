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
    items = [entry.item for entry in pilot.app.screen.entries]
    circles = [i for i, item in enumerate(items) if item.kind == "circle"]
    assert len(circles) == 1  # one item for the circle, not one per member
    circle = items[circles[0]]
    assert (circle.name, len(circle.members)) == ("#breakfast", 11)
    assert not any(item.contact_id in circle.members and item.kind == "keep-in-touch" for item in items)
    for _ in range(circles[0]):  # highlight it, so the card beside shows the circle
        await pilot.press("down")
    await pilot.pause()
    pilot.app.checked = True


def test_today_with_a_circle_item_matches_snapshot(snap_compare, tmp_path):
    app = demo_app(tmp_path)
    try:
        assert snap_compare(app, terminal_size=(120, 36), run_before=settled(_breakfast_missed))
        assert getattr(app, "checked", False)  # the scene really ran to the circle item
    finally:
        app.book.close()
