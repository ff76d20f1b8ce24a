"""Bytes that reach the book by another door never act on the terminal from the app: every
screen shows them as placeholders, and nothing raw is in what the app would write."""

from __future__ import annotations

import re
import subprocess
from datetime import date

import pytest
from rich.segment import Segment
from textual.color import Color
from textual.command import CommandPalette
from textual.content import Content
from textual.widgets import Input, OptionList, Static

from kontakt.domain import Cadence
from kontakt.store import Book
from kontakt.tui.screens.dupes import DupesScreen
from kontakt.tui.screens.forms import ContactForm
from kontakt.tui.screens.main import MainScreen
from kontakt.tui.screens.prep import PrepScreen
from kontakt.tui.screens.stats import StatsScreen
from kontakt.tui.screens.today import TodayScreen
from kontakt.tui.widgets.contact_list import ContactList
from kontakt.tui.widgets.shown import ControlFilter
from tui_helpers import TODAY, highlight, make_app
from tui_helpers import screen_text as helper_text

HOSTILE = (
    "\x1b[2J\x1b]0;pwned\x07\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\"
    "\x9b31m\x90q\x07\x08\r\u202egpj.exe\u2066[bold]x[@click=app.quit]x"
)
ADA = "Ada" + HOSTILE + " Lovelace"
# What must never reach the terminal: C0 but newline, DEL, C1, bidi embeddings and isolates.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _sql_text(text: str) -> str:
    return "char(" + ",".join(str(ord(c)) for c in text) + ")"


@pytest.fixture
def book(tmp_path):
    """A book made by kontakt, then poisoned from outside with the sqlite3 tool."""
    path = tmp_path / "hostile.db"
    with Book.open(path) as made:
        ada = made.add_contact("Ada", today=TODAY, tags=["math"], emails=["ada@example.com"],
                               cadence=Cadence.parse("monthly"))
        bob = made.add_contact("Bob", today=TODAY, tags=["math"])
        made.add_contact("Ada", today=TODAY, emails=["ada@example.com"])  # a likely duplicate
        made.log_interaction([ada, bob], on=date(2026, 10, 1), kind="meeting", note="x", today=TODAY)
        made.add_favour(ada, direction="given", description="x", on=date(2026, 11, 1))
        made.add_follow_up(ada, due=date(2026, 11, 20), note="x")
        intro = made.add_introduction(ada, bob, on=date(2026, 6, 1), note="x")
        made.set_introduction_outcome(intro, "x", on=date(2026, 7, 1))
    h = _sql_text(HOSTILE)
    sql = f"""
    PRAGMA foreign_keys = ON;
    UPDATE contacts SET name = {_sql_text(ADA)}, nickname = {h}, org = {h}, role = {h},
        location = {h}, met = {h}, notes = 'note ' || {h} || char(10) || 'line two',
        emails = json_array('ada@example.com', 'ada' || {h} || '@example.com'),
        phones = json_array({h}) WHERE id = {ada};
    UPDATE contacts SET name = 'Bob ' || {h} WHERE id = {bob};
    UPDATE circles SET name = 'math' || {h} WHERE name = 'math';
    UPDATE contacts SET tags = json_array('math' || {h}) WHERE id IN ({ada}, {bob});
    UPDATE interactions SET note = 'met ' || {h};
    UPDATE favours SET description = 'favour ' || {h};
    UPDATE follow_ups SET note = 'ask ' || {h};
    UPDATE introductions SET note = 'intro ' || {h}, outcome = 'outcome ' || {h};
    """
    subprocess.run(["sqlite3", str(path)], input=sql, text=True, check=True, capture_output=True)
    opened = Book.open(path)
    assert opened.get_contact(ada).name == ADA  # the oracle: the raw bytes are in the book
    yield opened
    opened.close()


def screen_text(app) -> str:
    """Every cell the active screen would draw, toasts included, as text."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def terminal_bytes(app) -> str:
    """Exactly what the app would write to the terminal for a full repaint."""
    return app.screen._compositor.render_full_update().render_segments(app.console)


def assert_safe(app, *placeholders: str) -> str:
    """Nothing raw on screen nor in the bytes for the terminal; each of `placeholders` drawn
    (looked up with line breaks and spaces taken out: long values wrap)."""
    text = screen_text(app)
    raw = sorted({f"U+{ord(c):04X}" for c in RAW.findall(text)})
    assert raw == [], f"raw control characters on screen: {raw}"
    written = terminal_bytes(app)
    # The app's own output is CSI only (colours, cursor moves): no OSC, no erase, no C1.
    assert "\x1b]" not in written and "\x1b[2J" not in written and "\x9b" not in written
    assert "\u202e" not in written and "\u2066" not in written
    assert "␛" in text, f"no placeholder on screen at all:\n{text}"
    # Each widget's text (a wrapped value in one piece), and the screen (toasts are there).
    shown = re.sub(r"\s+", "", helper_text(app)) + "\n" + re.sub(r"\s+", "", text)
    for placeholder in placeholders:
        assert re.sub(r"\s+", "", placeholder) in shown, f"{placeholder!r} is not shown:\n{text}"
    return text


async def test_list_and_detail_show_placeholders_and_markup_literally(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        highlight(app, ADA)
        await pilot.pause()
        text = assert_safe(app, "Ada␛[2J␛]0;pwned␇", "␈␍<U+202E>gpj.exe<U+2066>", "<U+009B>31m")
        assert "Bob ␛[2J" in text and "#math␛[2J" in text  # list rows, sidebar of circles
        assert "[bold]x[@clic" in text  # markup is text (cut by the wrap here)
        # Below the fold of the detail pane (wrapped: compared without the line breaks).
        below = helper_text(app)
        assert "\nline two" in below  # the notes keep their own line break
        joined = re.sub(r"\s+", "", below)
        for what in ("note", "met", "favour", "ask", "outcome"):  # notes and the whole timeline
            assert f"{what}␛[2J␛]0;pwned␇" in joined, what
        # Clicking the literal "[@click=app.quit]" text does nothing.
        detail = app.screen.query_one("#detail-card", Static)
        await pilot.click(detail, offset=(5, 0))
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, MainScreen)


async def test_search_shows_the_matching_rows_safely(book):
    app = make_app(book)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("slash")
        app.screen.query_one("#search", Input).value = "bob"
        await pilot.pause(0.4)
        contacts = app.screen.query_one(ContactList)
        assert contacts.count == 1
        text = assert_safe(app, "Bob ␛[2J␛]0;pwned␇")
        assert "matching bob" in text


async def test_today_screen_shows_names_reasons_and_context_safely(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        # The row's name and reason, and the context card's last note and open favours.
        assert_safe(app, "Ada␛[2J␛]0;pwned␇", "follow up: ask ␛[2J", "met ␛[2J", "favour ␛[2J")


async def test_stats_dupes_and_prep_screens_are_safe(book):
    app = make_app(book)
    async with app.run_test(size=(130, 45)) as pilot:
        await pilot.press("g")
        await pilot.pause(0.5)
        assert isinstance(app.screen, StatsScreen)
        assert_safe(app, "#math␛[2J", "outcome ␛[2J")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("D")
        await pilot.pause(0.5)
        assert isinstance(app.screen, DupesScreen)
        assert_safe(app, "Ada␛[2J")
        await pilot.press("escape")
        await pilot.pause()
        highlight(app, ADA)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PrepScreen)
        assert_safe(app, "Ada␛[2J", "met ␛[2J")


async def test_palette_notifications_and_forms_are_safe(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"bob")
        await pilot.pause(0.5)
        assert isinstance(app.screen, CommandPalette)
        options = app.screen.query_one(OptionList)
        prompts = [options.get_option_at_index(i).prompt for i in range(options.option_count)]
        assert any("Bob ␛[2J" in str(p) for p in prompts), prompts
        assert "Jump to Bob" in assert_safe(app)
        await pilot.press("escape")
        await pilot.pause()
        highlight(app, ADA)
        await pilot.press("x")  # archive: the notification names her
        for _ in range(40):  # the toast is drawn a moment later
            await pilot.pause(0.05)
            if "Archived" in screen_text(app):
                break
        assert any("Archived Ada␛[2J" in n.message for n in app._notifications)
        text = assert_safe(app)  # the toast: its lines sit between other widgets' columns
        assert re.search(r"▌ Archived\s.*▌ Ada␛\[2J␛\]0;pwned␇", text, re.S), text
        await pilot.press("z")
        await pilot.pause()
        highlight(app, ADA)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ContactForm)
        # The form edits the stored value as it is (saving must not write placeholders);
        # the title shows it, and the last net keeps the raw bytes in the input off the wire.
        assert app.screen.value("name") == ADA
        assert_safe(app, "Edit Ada␛[2J")
        assert app.is_running


async def test_the_last_net_drops_raw_controls_in_any_widget(book):
    """A widget that shows data without `shown` still sends nothing raw to the terminal."""
    app = make_app(book)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.screen.mount(Static(Content("raw\x1b]0;pwned\x07 \x9b2J \u202eok"), id="careless"))
        await pilot.pause()
        text = assert_safe(app)
        assert "raw]0;pwned 2J ok" in text


def test_the_filter_keeps_every_cell_and_clean_lines_untouched():
    segments = [Segment("ab\x1b[2Jc"), Segment("\u202ed", None), Segment("plain")]
    out = ControlFilter().apply(segments, Color(0, 0, 0))
    assert [s.text for s in out] == ["ab[2Jc", "d", "plain"]
    clean = [Segment("nothing odd"), Segment(" here")]
    assert ControlFilter().apply(clean, Color(0, 0, 0)) is clean
