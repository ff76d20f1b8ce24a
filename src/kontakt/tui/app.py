"""The kontakt app: one book, one main screen, forms on top, themes and keymap from the config."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from textual.app import App
from textual.screen import Screen
from textual.theme import Theme

from ..config import Config, save_setting
from ..store import Book
from .commands import KontaktCommands
from .screens.main import MainScreen
from .themes import THEMES


class KontaktApp(App[None]):
    """Browse, search, edit and log a whole network from the keyboard.

    `today` is injectable so tests and screenshots render a fixed date.
    """

    CSS_PATH = "kontakt.tcss"
    TITLE = "kontakt"
    COMMANDS = App.COMMANDS | {KontaktCommands}
    NOTIFICATION_TIMEOUT = 4

    def __init__(self, book: Book, *, today: date | None = None, config: Config | None = None) -> None:
        super().__init__()
        self.book = book
        self.today = today or date.today()
        self.config = config or Config()
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = self._known_theme(self.config.theme)
        self.set_keymap(self.config.keymap)

    def _known_theme(self, name: str) -> str:
        # A theme name from an older version or a typo must not stop the app from opening.
        return name if name in self.available_themes else "kontakt"

    def get_default_screen(self) -> Screen:
        return MainScreen(self.book, self.today, self.config)

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._remember_theme)

    def _remember_theme(self, theme: Theme) -> None:
        """Keep a theme picked in the palette for next time (only with a real config file)."""
        if self.config.path is None or theme.name == self.config.theme:
            return
        try:
            save_setting("theme", theme.name, self.config.path)
        except OSError as error:
            self.notify(f"Could not remember the theme: {error}", severity="warning", markup=False)
        else:
            self.config = replace(self.config, theme=theme.name)

    @property
    def main_screen(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))


def run_app(book: Book, *, today: date, config: Config) -> None:
    """Run the app until the user quits."""
    KontaktApp(book, today=today, config=config).run()
