"""The Today review screen.

PLACEHOLDER: the review issue replaces this with the real daily review (who is due,
birthdays, favours to return, introductions to check). Keep the constructor signature:
`TodayScreen(book, today, config)` — the main screen pushes it on `t`.
"""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...config import Config
from ...domain.dates import human
from ...store import Book


class TodayScreen(Screen[None]):
    """A calm placeholder until the review lands."""

    BINDINGS = [Binding("escape,t", "app.pop_screen", "Back to contacts", id="today.back")]

    def __init__(self, book: Book, today: date, config: Config) -> None:
        super().__init__()
        self.book = book
        self.today = today
        self.config = config

    def compose(self) -> ComposeResult:
        with Center(id="today"):
            with Vertical(classes="today-card"):
                yield Static(Content.styled(f"Today · {self.today:%A} {human(self.today)}", "bold $accent"))
                yield Static(
                    Content(
                        "The daily review is coming: who is due, birthdays, favours to return.\n"
                        "Until then, the ● in the contact list marks who is due."
                    ),
                    classes="today-message",
                )
        yield Footer()
