"""The app stays live all day: other processes' writes show up, backup trouble is said on screen.

- The app polls `Book.data_version()` (one PRAGMA, no table read) every
  `LIVE_REFRESH_SECONDS`; it changes only when another connection committed (`kontakt log`
  in another shell, a cron import), never for the app's own writes, which refresh the
  screen themselves. On a change the app posts `BookChanged` to every screen in its stack:
  a screen that shows book data handles `on_book_changed` and re-reads (the main screen
  waits until it is on top again, so an open form is never disturbed).
- The store logs a failed daily backup to the `kontakt.backup` logger. Without a handler,
  Python prints it to stderr, underneath the full-screen app; `BackupWarnings` turns it
  into a notification instead while the app runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from textual.message import Message

# Another shell's `kontakt log` shows up within this long (plus one refresh).
LIVE_REFRESH_SECONDS = 1.0

BACKUP_LOGGER = "kontakt.backup"


class BookChanged(Message):
    """Another process (or an undo) changed the book: re-read what this screen shows."""


def backup_message(text: str) -> str:
    """The store's stderr line ("kontakt: warning: …") as a sentence for a notification."""
    for prefix in ("kontakt: ", "warning: "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    text = text[:1].upper() + text[1:]
    return f"{text}. kontakt backup makes one by hand; kontakt doctor checks the book."


class BackupWarnings(logging.Handler):
    """Sends `kontakt.backup` warnings to `notify` instead of stderr while installed."""

    def __init__(self, notify: Callable[[str], None]) -> None:
        super().__init__(level=logging.WARNING)
        self._notify = notify
        self._logger = logging.getLogger(BACKUP_LOGGER)
        self._propagate = self._logger.propagate

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._notify(backup_message(record.getMessage()))
        except Exception:  # noqa: BLE001 — a warning must never break the write that logged it
            self.handleError(record)

    def install(self) -> BackupWarnings:
        self._logger.addHandler(self)
        # A handler of our own also keeps Python's last-resort stderr printer away; not
        # propagating keeps any root handler (a user's logging config) off the screen too.
        self._logger.propagate = False
        return self

    def remove(self) -> None:
        self._logger.removeHandler(self)
        self._logger.propagate = self._propagate


__all__ = ["BACKUP_LOGGER", "LIVE_REFRESH_SECONDS", "BackupWarnings", "BookChanged", "backup_message"]
