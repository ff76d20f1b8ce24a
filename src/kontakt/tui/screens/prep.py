"""The prep card (p): what to know in the minute before meeting someone, in a modal."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ...services.prep import prep_card, render_text
from ...store import Book
from ..widgets.shown import shown

CARD_WIDTH = 80


def card_content(lines: list[str]) -> Content:
    """The card's plain lines as Content: the name and section headings (the unindented
    lines) in bold; every line is data, never markup, its control characters shown."""
    out = []
    for index, line in enumerate(lines):
        if index == 0:
            out.append(shown(line, "bold $accent"))
        elif line and not line.startswith(" "):
            out.append(shown(line, "bold"))
        else:
            out.append(shown(line))
    return Content("\n").join(out)


class PrepScreen(ModalScreen[None]):
    """The same card as `kontakt prep`; Esc closes. Also usable from the Today screen."""

    BINDINGS = [Binding("escape,q,p", "dismiss", "Close", id="prep.close")]

    def __init__(self, book: Book, contact_id: int, today: date) -> None:
        super().__init__()
        self.book = book
        self.contact_id = contact_id
        self.today = today

    def compose(self) -> ComposeResult:
        # 80 columns like the CLI's card, fewer when the terminal is narrower than the dialog.
        width = max(30, min(CARD_WIDTH, self.app.size.width - 10))
        lines = render_text(prep_card(self.book, self.contact_id, self.today), width=width)
        with Vertical(classes="dialog prep"):
            with VerticalScroll(id="prep-body"):
                yield Static(card_content(lines), id="prep-card")
            yield Static(
                Content.assemble(("Esc", "bold $accent"), " close   ", ("↑ ↓", "bold $accent"), " scroll"),
                classes="dialog-keys",
            )

    def on_mount(self) -> None:
        self.query_one("#prep-body").focus()
