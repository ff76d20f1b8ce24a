"""The less-used screens as a keyboard-only power user meets them: the palette, the help and
the keymap, keys typed in one read, from an exploratory run (2026-12-05)."""

from __future__ import annotations

from textual import events
from tui_helpers import highlight, make_app

from kontakt.config import Config


def one_read(app, keys: list[str]) -> None:
    """Keys as a terminal delivers a burst: all queued before the app handles the first.
    (`type_ahead` yields to the loop between keys, so a deferred focus change still lands
    in time there; a real read of "/eva" from a terminal gives it no such chance.)"""
    for key in keys:
        character = {"space": " ", "slash": "/", "escape": None, "tab": None}.get(
            key, key if len(key) == 1 else None)
        event = events.Key(key, character)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_a_search_typed_in_one_read_goes_into_the_search_box(book):
    """"/eva" arriving in one read from a real terminal: the slash's binding asked for focus
    later, so "eva" went to the list and was lost (nothing searched)."""
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        main = app.screen
        one_read(app, ["slash", *"eva"])
        await pilot.pause(0.2)
        assert app.screen is main
        assert main.search_box.value == "eva"
        # Esc leaves the search box at once too: the v behind it shows the archived, not "v".
        one_read(app, ["escape", "v"])
        await pilot.pause(0.1)
        assert main.focused is main.contacts and main.search_box.value == ""
        assert main._archived


async def palette_offers(app) -> dict[str, str]:
    """Title -> help line of every action the palette offers on the active screen (what ctrl+p
    lists before anything is typed), read from our provider as the palette builds it."""
    from kontakt.tui.commands import KontaktCommands

    provider = KontaktCommands(app.screen)
    return {hit.text: str(hit.help or "") async for hit in provider.discover()}


async def test_the_palette_names_the_keys_the_keymap_gives(book):
    """With "app.add" = "n" the palette said "a" for Add — and a now edits."""
    config = Config(keymap={"app.add": "n", "app.edit": "a", "app.stats": "ctrl+g"})
    app = make_app(book, config)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        offers = await palette_offers(app)
        assert offers["Add a contact"] == "n"
        assert offers["Edit the highlighted contact"] == "a"
        assert offers["How the network is doing (stats)"] == "^g: rhythm, drift, balance, circles"
        assert offers["Log an interaction"] == "l: one person or a group meeting"  # not remapped
        assert offers["Keys (help)"] == "?"
        # And those keys really do it: n opens the add form.
        await pilot.press("n")
        await pilot.pause()
        from kontakt.tui.screens.forms import ContactForm

        assert isinstance(app.screen, ContactForm) and app.screen.contact is None


async def test_off_the_main_screen_the_palette_offers_only_what_works_there(book):
    """On Today, "Edit the highlighted contact" edited the main list's hidden highlight (not
    the person on screen), "Search contacts" focused a hidden box, "Today review" stacked a
    second Today; over a form, "Add a contact" opened a second form on top of it."""
    from kontakt.tui.screens.today import TodayScreen

    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        on_main = await palette_offers(app)
        assert len(on_main) == 26 and "Edit the highlighted contact" in on_main
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        on_today = set(await palette_offers(app))
        for title in ("Edit the highlighted contact", "Search contacts", "Log an interaction",
                      "Move the highlighted contact to the trash", "Prep card for the highlighted contact",
                      "Show circles", "Today review"):
            assert title not in on_today
        assert {"Add a contact", "How the network is doing (stats)", "Find duplicates",
                "Undo the last change (edit, log, review, delete, merge …)", "Keys (help)"} <= on_today
        # A jump would select them in the hidden main list: not offered off the main screen.
        from kontakt.tui.commands import KontaktCommands

        hits = [hit async for hit in KontaktCommands(app.screen).search("anna")]
        assert not [hit for hit in hits if str(hit.text).startswith("Jump to")]
        await pilot.press("escape", "a")
        await pilot.pause()
        assert await palette_offers(app) == {}  # over the add form


async def test_undo_from_the_palette_on_today_is_what_z_does_there(book):
    """The palette's undo on Today ran the app's undo: the book went back, but Today's own
    list still showed the item as done."""
    from kontakt.tui.screens.today import TodayScreen

    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        today = app.screen
        assert isinstance(today, TodayScreen) and today.entries
        await pilot.press("s")  # snooze the first item
        await pilot.pause()
        assert today.entries[0].outcome is not None
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"undo the last")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.screen is today
        assert today.entries[0].outcome is None and today.current == 0
        assert today.history == []


async def test_a_keymap_key_another_binding_had_is_named_not_silently_taken(book):
    """"app.add" = "e": e added, Edit had no key left and nothing said so."""
    app = make_app(book, Config(keymap={"app.add": "e"}))
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("e")  # the remap is what the key does now...
        await pilot.pause()
        from kontakt.tui.screens.forms import ContactForm

        assert isinstance(app.screen, ContactForm) and app.screen.contact is None
        warnings = [n.message for n in app._notifications if "[keymap]" in n.message]
        # ...and the loser is named, once.
        assert warnings == [("[keymap] gives e to app.add, so on the main screen e no longer does "
                             "app.edit: give app.edit a key of its own (\"app.edit\" = \"...\") or pick "
                             "another key.")]


async def test_a_keymap_that_swaps_two_keys_warns_about_nothing(book):
    app = make_app(book, Config(keymap={"app.add": "e", "app.edit": "a"}))
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await pilot.pause()
        highlight(app, "Eva Weber")
        await pilot.press("a")
        await pilot.pause()
        assert app.screen.contact.name == "Eva Weber"  # a edits now
        assert not [n for n in app._notifications if "[keymap]" in n.message]


def test_keymap_clashes_are_found_on_every_screen_and_only_there():
    from kontakt.tui.app import keymap_clashes

    assert keymap_clashes({}) == []
    assert keymap_clashes({"today.done": "s", "dupes.merge": "M", "app.undo": "u"}) == [
        ("main screen", "u", "app.undo", "app.follow_up"),
        ("Today screen", "s", "today.done", "today.snooze"),
    ]
    # Keys that only meet on different screens do not clash (m merges, m shows more).
    assert keymap_clashes({"dupes.merge": "m", "today.more": "m"}) == []


async def test_every_key_of_every_screen_with_a_binding_id_is_in_the_help(book):
    """The help left out b on the stats screen (bring someone back), the sync conflicts
    screen's b and f, and how to leave the duplicates, inbox, prep and sync screens."""
    from tui_helpers import help_rows

    from kontakt.tui.app import binding_groups
    from kontakt.tui.screens.dialogs import HelpScreen
    from kontakt.tui.screens.prep import PrepScreen

    bindings = [b for group in binding_groups().values() for b in group] + list(PrepScreen.BINDINGS)
    ids = {b.id for b in bindings if b.id}
    app = make_app(book)
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = help_rows(app.screen)
        in_help = {binding_id for _, row_ids, _ in rows for binding_id in row_ids.split()}
        assert len(ids) >= 60
        assert ids - in_help == set()
        assert ("b", "stats.bring_back",
                "bring the highlighted person of “Let drift” back to their cadence (z undoes)") in rows


def book_rows(book) -> dict[str, list[tuple]]:
    """Every row of every table the user's data lives in (not the undo history, not the search
    index's internals), to compare a book before a change and after its undo."""
    tables = [name for (name,) in book.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'undo_%' "
        "AND name NOT LIKE 'contacts_fts%' AND name NOT LIKE 'contacts_ref%' AND name NOT LIKE 'sqlite_%'")]
    return {name: sorted(map(tuple, book.conn.execute(f'SELECT * FROM "{name}"')), key=repr) for name in tables}


async def test_undoing_a_circle_rename_says_so_and_shows_the_book_as_it_was(book):
    """z after renaming #breakfast in the sidebar said "Undid: edit Anna Müller" (the first
    member whose row the rename rewrote) and jumped the list to her; `kontakt undo --list`
    said the same."""
    from kontakt.store import history
    from kontakt.tui.screens.record_forms import CircleForm
    from kontakt.tui.widgets.circle_list import CircleList
    from kontakt.tui.widgets.fields import FormField

    before = book_rows(book)
    app = make_app(book)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        main = app.screen
        highlight(app, "Zoë Zürcher")
        await pilot.press("c")
        await pilot.pause()
        circles = main.query_one(CircleList)
        circles.highlighted = next(i for i in range(circles.option_count)
                                   if circles.get_option_at_index(i).id == "#breakfast")
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, CircleForm)
        app.screen.query_one("#field-name", FormField).widget.value = "brunch"
        await pilot.press("enter")
        await pilot.pause()
        assert [c.name for c in book.circles() if c.name in ("breakfast", "brunch")] == ["brunch"]
        assert history.newest(book).label == "rename circle #breakfast to #brunch"
        main.contacts.focus()
        await pilot.press("z")
        await pilot.pause()
        assert "Undid: rename circle #breakfast to #brunch" in [n.message for n in app._notifications]
        assert main.contacts.highlighted.name == "Zoë Zürcher"  # the list stays where it was
        assert any(circles.get_option_at_index(i).id == "#breakfast" for i in range(circles.option_count))
    assert book_rows(book) == before


def test_a_circles_cadence_change_is_named_after_the_circle_in_the_history(book):
    from tui_helpers import TODAY

    from kontakt.domain import Cadence
    from kontakt.store import history, records

    book.history_source = "test"
    with book.write():
        records.set_circle_cadence(book, "breakfast", Cadence.parse("weekly"), today=TODAY)
    assert history.newest(book).label == "change the cadence of #breakfast"
    assert history.newest(book).contact_id is None  # not one member's edit


async def test_z_after_taking_a_folders_value_shows_the_conflict_again(tmp_path, isolated_environment,
                                                                      monkeypatch):
    """f on a conflict, then z: the book went back (the conflict is real again, as
    `kontakt sync --dry-run` says) but the screen kept showing it settled."""
    from test_sync_conflicts_screen import conflicted_book

    from kontakt.tui.screens.sync_conflicts import ConflictRows, SyncConflictsScreen

    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
    book, _, ids = conflicted_book(tmp_path, isolated_environment)
    before = book_rows(book)
    app = make_app(book)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await app.screen.run_action("sync_conflicts")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SyncConflictsScreen)
        rows = screen.query_one(ConflictRows)
        assert [c.field for c in rows.conflicts] == ["notes", "role"]
        await pilot.press("down", "f")
        await pilot.pause()
        assert [c.field for c in rows.conflicts] == ["notes"]
        assert book.get_contact(ids["ada"]).role == "Mathematician"
        await pilot.press("z")
        await pilot.pause()
        assert book.get_contact(ids["ada"]).role == "Poet"
        assert [c.field for c in rows.conflicts] == ["notes", "role"]
    assert book_rows(book) == before
    book.close()


async def test_the_duplicates_and_inbox_hints_name_the_remapped_keys(book):
    """With dupes.merge = "M" and inbox.ignore = "delete" the duplicates screen still said
    "m merge" (m did nothing) and the inbox's header "x ignore"."""
    from datetime import date as day

    from textual.widgets import Static
    from tui_helpers import TODAY

    from kontakt.store import capture
    from kontakt.store.capture import NewProposal
    from kontakt.tui.screens.dupes import DupesScreen
    from kontakt.tui.screens.inbox import InboxScreen

    book.add_contact("Eva Weber", today=TODAY, emails=["eva@example.com"])  # a second Eva
    capture.add_proposals(book, [NewProposal("mail:x@1", "mail", day(2026, 11, 20), "message",
                                             (book.ids["anna"],), "them")])
    keymap = {"dupes.merge": "M", "dupes.dismiss": "N", "inbox.ignore": "delete", "inbox.accept_all": "ctrl+a"}
    app = make_app(book, Config(keymap=keymap))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("D")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DupesScreen)
        hint = app.screen.query_one("#dupes-moves", Static).visual.plain
        assert hint.startswith("M merge:") and "  N two people  s skip  x swap" in hint
        await pilot.press("escape", "b")
        await pilot.pause()
        assert isinstance(app.screen, InboxScreen)
        header = app.screen.query_one("#header-right", Static).visual.plain
        assert header == "1 proposal · ⏎ accept · del ignore · ^a all"


async def test_at_60_columns_each_conflict_is_one_row_with_both_values(tmp_path, isolated_environment,
                                                                      monkeypatch):
    """At 60x20 a conflict's row was 62 columns: the folder's value wrapped onto a line of
    its own, out of the row, and the header "in the folder" broke in two."""
    from test_sync_conflicts_screen import conflicted_book

    from kontakt.tui.screens.sync_conflicts import ConflictRows, SyncConflictsScreen

    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
    book, _, _ = conflicted_book(tmp_path, isolated_environment)
    app = make_app(book)
    async with app.run_test(size=(60, 20)) as pilot:
        await app.screen.run_action("sync_conflicts")
        await pilot.pause()
        assert isinstance(app.screen, SyncConflictsScreen)
        rows = app.screen.query_one(ConflictRows)
        lines = rows.render().plain.split("\n")
        assert len(lines) == 3 and rows.size.height == 3
        assert all(len(line.rstrip()) <= rows.size.width for line in lines)
        assert "in kontakt" in lines[0] and "in the fold" in lines[0]
        assert "Poet" in lines[2] and "Mathematic" in lines[2]  # both values, on the row
    book.close()


async def test_a_keymap_key_the_contact_list_takes_first_is_named(book):
    """"app.add" = "j": the list moved down on j (its own binding comes first), Add had no
    key and vanished from the footer, and nothing said why."""
    from kontakt.tui.app import keymap_shadowed

    assert keymap_shadowed({"app.add": "n", "app.stats": "ctrl+g"}) == []
    assert keymap_shadowed({"app.add": "j", "app.edit": "E,down"}) == [
        ("main screen", "j", "app.add", "contact list"), ("main screen", "down", "app.edit", "contact list")]
    app = make_app(book, Config(keymap={"app.add": "j"}))
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await pilot.pause()
        assert [n.message for n in app._notifications if "[keymap]" in n.message] == [
            ("[keymap] gives j to app.add, but on the main screen the contact list takes j first: "
             "app.add has no working key there; pick another key.")]


async def test_the_helps_section_titles_and_the_stats_text_name_remapped_keys(book):
    """With "app.stats" = "ctrl+g" the help said "On the stats screen (g)" (g did nothing), and
    the stats screen "brought back (b)" with stats.bring_back on B."""
    from textual.widgets import Static

    from kontakt.tui.screens.stats import StatsScreen

    keymap = {"app.stats": "ctrl+g", "app.inbox": "B", "stats.bring_back": "B", "today.drift": "R"}
    app = make_app(book, Config(keymap=keymap))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        titles = [title for title, _ in app.screen.help_groups()]
        assert "On the stats screen (^g)" in titles and "In the inbox (B)" in titles
        assert "On the Today screen (t)" in titles  # not remapped: as it was
        assert not [t for t in titles if t.endswith(("(g)", "(b)"))]
        await pilot.press("ctrl+g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        text = "\n".join(str(w.visual.plain) for w in app.screen.query(Static) if hasattr(w.visual, "plain"))
        assert "no cadence until brought back (B)" in text
        assert "(b)" not in text


async def test_tab_on_the_stats_screen_goes_from_list_to_list_and_shows_each(book):
    """Tab on the stats screen did nothing (its binding named a screen action that does not
    exist) and focus sat on the scroll area: the suggestions and let-drift lists could not be
    reached, so a and b only ever acted on their first row."""
    from textual.widgets import OptionList

    from kontakt.tui.screens.stats import StatsScreen

    app = make_app(book)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        assert screen.focused is screen.query_one("#stats-circles", OptionList)
        body = screen.query_one("#stats-body")
        seen = []
        for _ in range(3):
            await pilot.press("tab")
            await pilot.pause(0.2)
            seen.append(screen.focused.id)
            # The list focused is on screen (scrolled into view at 80x24).
            assert screen.focused.region.y < body.region.bottom and screen.focused.region.height > 0
        assert seen == ["stats-drift", "stats-suggest", "stats-letdrift"]
        assert body.scroll_y > 0


def test_every_binding_names_an_action_that_exists():
    """The stats screen's Tab named "focus_next", which a Screen does not have: Textual runs
    nothing and says nothing. Every binding of every screen and widget must resolve."""
    import importlib
    import inspect
    import pkgutil

    from textual.binding import Binding

    from kontakt.tui import screens, widgets
    from kontakt.tui.app import KontaktApp

    checked = 0
    classes = {KontaktApp}
    for package in (screens, widgets):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            classes |= {cls for _, cls in inspect.getmembers(module, inspect.isclass)
                        if cls.__module__ == module.__name__ and getattr(cls, "BINDINGS", None)}
    for cls in classes:
        for binding in cls.BINDINGS:
            binding = binding if isinstance(binding, Binding) else Binding(*binding)
            namespace, _, action = binding.action.split("(")[0].rpartition(".")
            if namespace == "screen":
                continue  # the screen a widget sits on: checked where it is used
            owner = KontaktApp if namespace == "app" else cls
            assert hasattr(owner, f"action_{action}"), (cls.__name__, binding.key, binding.action)
            checked += 1
    assert checked >= 80


async def test_a_merge_made_from_the_palette_over_the_stats_shows_in_the_stats(book):
    """On the stats screen, ctrl+p "Find duplicates", m, Esc: the stats still counted the
    merged-away person in #breakfast (main re-read itself only)."""
    from textual.widgets import OptionList
    from tui_helpers import TODAY

    from kontakt.tui.screens.dupes import DupesScreen
    from kontakt.tui.screens.stats import StatsScreen

    book.add_contact("Eva Weber", today=TODAY, tags=["breakfast"], emails=["eva@example.com"])

    def breakfast_row(screen) -> str:
        circles = screen.query_one("#stats-circles", OptionList)
        rows = [circles.get_option_at_index(i).prompt.plain for i in range(circles.option_count)]
        return next(row for row in rows if row.startswith("#breakfast")).split()[1]

    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        stats = app.screen
        assert isinstance(stats, StatsScreen) and breakfast_row(stats) == "4"
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"find duplicates")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DupesScreen)
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is stats
        assert breakfast_row(stats) == "3"


async def test_a_long_dry_run_at_60x20_keeps_its_summary_and_keys_on_screen(book, tmp_path):
    """At 60x20 the dry run of a long file filled the dialog: the summary ("would be N
    added …") and "Enter import   Esc change the path" were cut off below its edge."""
    from kontakt.tui.screens.dialogs import ImportScreen

    csv = tmp_path / "many.csv"
    csv.write_text("Name,E-mail 1 - Value\n" + "".join(f"Person {i},p{i}@example.com\n" for i in range(40)),
                   encoding="utf-8")
    for size in ((60, 20), (80, 24), (120, 45)):
        app = make_app(book)
        async with app.run_test(size=size) as pilot:
            await pilot.press("I")
            await pilot.pause()
            assert isinstance(app.screen, ImportScreen)
            await pilot.press(*str(csv), "enter")
            await pilot.pause(0.2)
            dialog = app.screen.query_one(".dialog.import")
            for part in ("#import-summary", "#import-keys"):
                region = app.screen.query_one(part).region
                assert region.height and region.bottom <= dialog.content_region.bottom, (size, part)
            assert "would be 40 added" in str(app.screen.query_one("#import-summary").visual.plain)


async def test_a_keymap_id_no_binding_has_is_named(book):
    """"app.ad" = "n" (a typo) was ignored without a word: a still added, n did nothing."""
    from kontakt.tui.app import unknown_binding_ids

    assert unknown_binding_ids({"app.add": "n", "today.done": "space", "prep.close": "x"}) == []
    app = make_app(book, Config(keymap={"app.ad": "n", "today.donee": "space", "app.edit": "E"}))
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await pilot.pause()
        assert [n.message for n in app._notifications if "[keymap]" in n.message] == [
            ("[keymap] names no binding: app.ad, today.donee (a typo?); these keys are left as they "
             "were. The help (?) shows each key's binding id.")]


async def test_the_palette_has_one_keys_entry_ours(book):
    """Textual's own "Keys" panel stood next to "Keys (help)" in the palette."""
    app = make_app(book)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Keys" not in titles and "Quit" in titles
        from kontakt.tui.commands import ACTIONS

        assert [entry[0] for entry in ACTIONS if entry[0].startswith("Keys")] == ["Keys (help)"]
