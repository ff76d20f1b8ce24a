"""The passphrase dialog for an encrypted book: shown before anything else, three tries."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..store.db import try_passphrase
from .widgets.shown import shown

TRIES = 3


class PassphraseScreen(ModalScreen[str | None]):
    """Ask for the book's passphrase (never shown); dismissed with the one that opens the
    book, or None after `TRIES` wrong ones or Esc."""

    AUTO_FOCUS = "#passphrase"
    BINDINGS = [Binding("escape", "give_up", "Quit")]

    def __init__(self, path: Path, check: Callable[[str], bool]) -> None:
        super().__init__()
        self.path = path
        self.check = check
        self.wrong = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content.assemble(("The book ", ""), shown(str(self.path)),
                                          (" is encrypted.", "")), classes="dialog-question")
            yield Input(password=True, placeholder="passphrase", id="passphrase")
            yield Static("", id="passphrase-problem", classes="dialog-detail")
            yield Static(Content.assemble(("Enter", "bold $accent"), " open    ",
                                          ("Esc", "bold $accent"), " quit"), classes="dialog-keys")

    @on(Input.Submitted, "#passphrase")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.check(event.value):
            self.dismiss(event.value)
            return
        self.wrong += 1
        event.input.value = ""
        if self.wrong >= TRIES:
            self.dismiss(None)
            return
        left = TRIES - self.wrong
        self.query_one("#passphrase-problem", Static).update(Content.assemble(
            (f"wrong passphrase — {left} {'try' if left == 1 else 'tries'} left", "bold $error")
        ))

    def action_give_up(self) -> None:
        self.dismiss(None)


class UnlockApp(App[str | None]):
    """A tiny app that only asks for the passphrase; the real app opens after it."""

    CSS_PATH = "kontakt.tcss"
    TITLE = "kontakt"

    def __init__(self, path: Path, check: Callable[[str], bool] | None = None) -> None:
        super().__init__()
        self.path = path
        self.check = check or (lambda passphrase: try_passphrase(path, passphrase))
        self.wrong = 0

    def on_mount(self) -> None:
        self.dialog = PassphraseScreen(self.path, self.check)
        self.push_screen(self.dialog, self._done)

    def _done(self, passphrase: str | None) -> None:
        self.wrong = self.dialog.wrong
        self.exit(passphrase, return_code=0 if passphrase is not None else 1)


def ask_passphrase(path: Path) -> tuple[str | None, int]:
    """(the passphrase typed for the book at `path`, remembered for this process, or None;
    how many wrong ones were typed)."""
    app = UnlockApp(path)
    passphrase = app.run()
    return passphrase, app.wrong
