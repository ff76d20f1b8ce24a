"""SVG snapshots of key screens on the demo book at a fixed date (same scenes as screenshots/)."""

from __future__ import annotations

import pytest

from kontakt.screenshots import SCENES, demo_app

SNAPSHOT_SCENES = {scene.name: scene for scene in SCENES}


@pytest.mark.parametrize("name", ["main-80x24", "main-60x20", "card-60x20", "add-form", "stats", "dupes", "timeline-pick", "edit-entry"])
def test_screen_matches_snapshot(name, snap_compare, tmp_path):
    scene = SNAPSHOT_SCENES[name]
    app = demo_app(tmp_path)
    try:
        assert snap_compare(app, terminal_size=scene.size, run_before=scene.run_before)
    finally:
        app.book.close()


@pytest.mark.parametrize("name", ["today", "today-empty"])
def test_today_screen_matches_snapshot(name, snap_compare, tmp_path):
    scene = SNAPSHOT_SCENES[name]
    app = demo_app(tmp_path)
    try:
        assert snap_compare(app, terminal_size=scene.size, run_before=scene.run_before)
    finally:
        app.book.close()
