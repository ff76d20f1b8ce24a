"""SVG snapshots of the forms, the help overlay and the import dialog on the demo book at
80×24 (the smallest terminal we promise) and bigger. (The follow-up and intro forms have the
same parts; their focus and checks are in test_forms_feel.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from kontakt.screenshots import DETAIL_CONTACT, demo_app, settled

GOOGLE = Path(__file__).parents[1] / "fixtures" / "transfer" / "google.csv"


async def _on_detail_contact(pilot) -> None:
    main = pilot.app.main_screen
    main.jump_to(main.book.find(DETAIL_CONTACT))
    await pilot.pause()


async def _log_form_with_a_circle(pilot) -> None:
    await _on_detail_contact(pilot)
    await pilot.press("l", *"#peer")
    await pilot.pause()
    await pilot.press("enter")  # all eight of the peer group
    await pilot.press("tab", *"hot seat on pricing")  # the note, under the people
    await pilot.pause()


async def _favour_form_checked(pilot) -> None:
    await _on_detail_contact(pilot)
    await pilot.press("f", "tab", "tab", "tab", "tab")  # past "what" … to "when"
    await pilot.press(*"31.02.2026", "shift+tab")  # focusing selected "today"; leaving shows the problem
    await pilot.pause()


async def _add_form_typed(pilot) -> None:
    await pilot.press("a", *"Jürgen Müller", "tab", "tab", *"Müller & Söhne")
    await pilot.pause()


async def _help(pilot) -> None:
    await pilot.press("question_mark")
    await pilot.pause()


async def _import_dry_run(pilot) -> None:
    await pilot.press("I", *"google.csv", "enter")  # relative to the test's own folder
    await pilot.pause()


SCENES = {
    "log-form-80x24": ((80, 24), _log_form_with_a_circle),
    "favour-form-80x24": ((80, 24), _favour_form_checked),
    "add-form-80x24": ((80, 24), _add_form_typed),
    "help-80x24": ((80, 24), _help),
    "help-160x45": ((160, 45), _help),
    "import-dry-run-100x36": ((100, 36), _import_dry_run),
}


@pytest.mark.parametrize("name", list(SCENES))
def test_form_matches_snapshot(name, snap_compare, tmp_path, monkeypatch):
    (tmp_path / "google.csv").write_bytes(GOOGLE.read_bytes())
    monkeypatch.chdir(tmp_path)  # the import dialog shows the path: the same on every machine
    size, scene = SCENES[name]
    app = demo_app(tmp_path)
    try:
        assert snap_compare(app, terminal_size=size, run_before=settled(scene))
    finally:
        app.book.close()
