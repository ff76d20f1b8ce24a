"""Helpers for the TUI tests: build the app, read what the screen shows."""

from __future__ import annotations

from datetime import date

from textual.geometry import Region
from textual.widgets import Input, Static

from kontakt.config import Config
from kontakt.store import Book
from kontakt.tui.app import KontaktApp
from kontakt.tui.widgets.contact_list import ContactList
from kontakt.tui.widgets.fields import FormField, PeoplePicker

TODAY = date(2026, 11, 23)

# Names that are markup to Rich/Textual: each must show literally and do nothing.
HOSTILE = ["[/]", "[bold]x", "[@click=app.quit]Bob[/]", '[link="https://example.com"]Bank[/link]']


def make_app(book: Book, config: Config | None = None) -> KontaktApp:
    return KontaktApp(book, today=TODAY, config=config or Config())


def list_text(app: KontaktApp) -> str:
    """What the contact list shows, line by line."""
    contacts = app.screen.query_one(ContactList)
    strips = contacts.render_lines(Region(0, 0, contacts.size.width, contacts.size.height))
    return "\n".join(strip.text for strip in strips)


def static_text(widget: Static) -> str:
    return widget.visual.plain


def screen_text(app: KontaktApp) -> str:
    """Every Static on the active screen plus the contact list, as plain text."""
    parts = [static_text(w) for w in app.screen.query(Static) if hasattr(w.visual, "plain")]
    if app.screen.query(ContactList):
        parts.append(list_text(app))
    return "\n".join(parts)


def highlight(app: KontaktApp, name: str) -> None:
    """Move the list cursor to the contact called `name`."""
    contacts = app.screen.query_one(ContactList)
    for index in range(contacts.count):
        if contacts.row(index)[0].name == name:
            contacts.cursor = index
            return
    raise AssertionError(f"{name} is not in the list")


def help_rows(screen) -> list[tuple[str, str, str]]:
    """The (keys, binding id, what) rows the help overlay shows, read from its cells."""
    rows = []
    for grid in screen.query(".help-grid").exclude(".help-legend"):
        cells = [static_text(cell) for cell in grid.query(Static)]
        rows += [tuple(cells[i:i + 3]) for i in range(0, len(cells), 3)]
    return rows


async def type_into(pilot, field_id: str, text: str) -> None:
    """Fill a form field as typing would (Input.Changed fires); pressing every key is slow."""
    widget = pilot.app.screen.query_one(f"#field-{field_id}", FormField).widget
    widget = widget.query_one(Input) if isinstance(widget, PeoplePicker) else widget
    widget.focus()
    widget.value = text
    await pilot.pause()


async def settled(pilot, condition, seconds: float = 5.0) -> bool:
    """Let the app run until `condition()` holds (True), or `seconds` pass (False): for what
    the app does after its next refresh (moving into the card), which a loaded machine can
    put past one `pilot.pause()`. A bound, not a speed claim."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            return False
        await pilot.pause(0.02)
    return True
