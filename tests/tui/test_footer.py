"""The key footer: always the keys of the place in focus, rebuilt only when they change."""

from __future__ import annotations

import pytest

from textual.widgets._footer import FooterKey

from kontakt.tui.widgets.footer import Footer

from tui_helpers import make_app


def _footer_keys(app) -> list[tuple[str, str]]:
    """(key, description) of each key the footer shows, the palette key left out."""
    return [(key.key, key.description) for key in app.screen.query_one(Footer).query(FooterKey)
            if not key.has_class("-command-palette")]


def _bound_keys(app) -> list[tuple[str, str]]:
    """What Textual says the focused place's footer should show (its `show` bindings)."""
    return [(binding.key, binding.description)
            for _node, binding, _enabled, _tooltip in app.screen.active_bindings.values()
            if binding.show]


@pytest.fixture
def rebuilds(monkeypatch):
    """Counts the footer's rebuilds."""
    count = {"n": 0}
    recompose = Footer.recompose

    async def counted(self):
        count["n"] += 1
        return await recompose(self)

    monkeypatch.setattr(Footer, "recompose", counted)
    return count


async def test_opening_the_app_builds_the_footer_once_with_the_lists_keys(book, rebuilds):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert _footer_keys(app) == _bound_keys(app)
        assert ("a", "Add") in _footer_keys(app)
        # Textual sent five bindings signals on the way in, each a rebuild (~12 ms apiece).
        assert rebuilds["n"] == 1


async def test_moving_focus_shows_the_new_places_keys_after_one_rebuild(book, rebuilds):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        on_the_list = _footer_keys(app)
        rebuilds["n"] = 0
        await pilot.press("slash")
        await pilot.pause()
        assert app.focused is app.screen.search_box
        assert _footer_keys(app) == _bound_keys(app) != on_the_list
        assert rebuilds["n"] == 1  # a focus change sends two signals
        await pilot.press("escape")
        await pilot.pause()
        assert _footer_keys(app) == on_the_list
        assert rebuilds["n"] == 2


async def test_a_signal_with_the_same_keys_rebuilds_nothing(book, rebuilds):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        rebuilds["n"] = 0
        app.screen.refresh_bindings()
        await pilot.pause()
        assert rebuilds["n"] == 0


async def test_a_new_keymap_shows_its_key_at_once(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        add = next(binding for _node, binding, _e, _t in app.screen.active_bindings.values()
                   if binding.action == "add")
        assert add.id, "the add binding has an id the keymap can name"
        app.update_keymap({add.id: "ctrl+n"})
        await pilot.pause()
        assert ("ctrl+n", "Add") in _footer_keys(app)
        assert ("a", "Add") not in _footer_keys(app)
