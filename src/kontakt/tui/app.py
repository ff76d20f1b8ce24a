"""The kontakt app: one book, one main screen, forms on top, themes and keymap from the config."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.theme import Theme

from .. import clock
from ..config import Config, save_setting
from ..store import Book, BookError
from ..store.db import damaged_message, full_message, is_disk_full
from ..store import history
from ..store.driver import sqlite3
from .commands import KontaktCommands
from .live import LIVE_REFRESH_SECONDS, BackupWarnings, BookChanged, backup_message
from .screens.main import MainScreen
from .themes import THEMES
from .undo import GONE, RETRY, UndoStack, UndoStep
from .widgets.shown import ControlFilter, visible

# KiB of book pages the app's connection keeps (see on_load).
APP_PAGE_CACHE_KIB = 500
# Middle-generation collections between full ones while the app runs (Python's default: 10).
FULL_COLLECTION_EVERY = 100


class KontaktApp(App[None]):
    """Browse, search, edit and log a whole network from the keyboard.

    `today` is injectable so tests and screenshots render a fixed date.
    """

    CSS_PATH = "kontakt.tcss"
    TITLE = "kontakt"
    COMMANDS = App.COMMANDS | {KontaktCommands}
    NOTIFICATION_TIMEOUT = 4
    # On the app so `z` also works on screens other than the main one (duplicates, Today).
    BINDINGS = [Binding("z", "undo", "Undo", show=False, id="app.undo")]

    def __init__(self, book: Book, *, today: date | None = None, config: Config | None = None) -> None:
        super().__init__()
        self.book = book
        self.today = today or clock.today()
        # The clock's day when the app started: midnight moves `today` on by as many days
        # (an injected today, in tests and screenshots, stays where it was put until then).
        self._clock_day = self._read_clock_day() or self.today
        self.config = config or Config()
        self.undo_stack = UndoStack()
        # z reaches back to the first change made after the app opened; older: `kontakt undo`.
        self.book.history_source = "app"
        self.history_floor = history.newest_id(book) if getattr(book, "_recording", False) else 0
        # Labels and contacts the screens gave to history steps (push_undo), by step id.
        self._step_names: dict[int, tuple[str, int | None]] = {}
        self._data_version: int | None = None
        # Set when the book turned out unreadable: the one line the CLI prints after exit.
        self.book_problem: str | None = None
        # The step of another process that a first z named; a second z undoes it.
        self._confirmed_foreign: int | None = None
        self._backup_warnings: BackupWarnings | None = None
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = self._known_theme(self.config.theme)
        self.set_keymap(self.config.keymap)

    def _handle_exception(self, error: Exception) -> None:
        # A damaged page or a full disk is about the book, not a bug in the app: leave the
        # screen and say what the CLI says (with the restore hint), not a Textual traceback.
        if is_disk_full(error):
            self.book_problem = full_message()
        elif isinstance(error, sqlite3.DatabaseError) and not isinstance(error, sqlite3.OperationalError):
            self.book_problem = damaged_message(self.book.path, error)
        else:
            super()._handle_exception(error)
            return
        # As Textual does for any unhandled error: wake whoever waits for the app (the
        # Pilot's start-up wait), but with no exception to re-raise and no traceback.
        self._exception_event.set()
        self.exit(return_code=1)

    def warn_keymap_clashes(self) -> None:
        """A [keymap] key that another binding of the same screen already has: Textual gives it
        to the remapped binding and the other one silently loses it (with "app.add" = "e", e
        added and nothing edited any more). Say so, naming both ids. (Textual's own clash hook
        never fires for a binding the keymap leaves alone.)"""

        def warn(message: str) -> None:
            self.notify(message, title="config.toml", severity="warning", timeout=12, markup=False)

        unknown = unknown_binding_ids(self.config.keymap)
        if unknown:
            warn(f"[keymap] names no binding: {', '.join(unknown)} (a typo?); these keys are left as "
                 "they were. The help (?) shows each key's binding id.")
        for binding_id, key in untypable_keys(self.config.keymap):
            warn(f"[keymap] gives {binding_id} the key {key!r}, which no keyboard sends: keys are "
                 "written like \"n\", \"N\", \"ctrl+n\", \"f5\", \"space\" or \"question_mark\".")
        for screen, key, binding_id, widget in keymap_shadowed(self.config.keymap):
            warn(f"[keymap] gives {key} to {binding_id}, but on the {screen} the {widget} takes {key} "
                 f"first: {binding_id} has no working key there; pick another key.")
        for screen, key, taker, lost in keymap_clashes(self.config.keymap):
            warn(f"[keymap] gives {key} to {taker}, so on the {screen} {key} no longer does {lost}: "
                 f"give {lost} a key of its own (\"{lost}\" = \"...\") or pick another key.")

    def get_system_commands(self, screen: Screen):
        """Textual's commands for the palette, without its "Keys" panel: the palette's "Keys
        (help)" is the help that lists every key as the [keymap] sets it, and two "Keys" in a
        row left the user to guess which was which."""
        for command in super().get_system_commands(screen):
            if command.title != "Keys":
                yield command

    def _known_theme(self, name: str) -> str:
        # A theme name from an older version or a typo must not stop the app from opening.
        return name if name in self.available_themes else "kontakt"

    # ---------------------------------------------------------------- output guard

    def get_line_filters(self):
        """Textual's filters plus the last net against control characters (`ControlFilter`)."""
        return [*super().get_line_filters(), self._control_filter]

    _control_filter = ControlFilter()

    def notify(self, message: str, *, title: str = "", **options) -> None:
        """Every notification names data (a contact, an error quoting a file): shown, not obeyed."""
        super().notify(visible(message, multiline=True), title=visible(title), **options)

    async def action_quit(self) -> None:
        """ctrl+q (and q): a form with something typed in it asks first, as Esc does."""
        confirm_quit = getattr(self.screen, "confirm_quit", None)
        if confirm_quit is not None and not confirm_quit():
            return
        await super().action_quit()

    def get_default_screen(self) -> Screen:
        return MainScreen(self.book, self.today, self.config)

    def on_load(self) -> None:
        # Everything alive now (the modules, Textual's classes and stylesheet, the book) lives
        # as long as the app: frozen out of the cyclic collector's full passes before the
        # first paint. Unfrozen, the first frame of a 100k book set off a full pass over all
        # of them (70-120 ms of a ~300 ms first frame); the paint's own objects are frozen
        # after it (_freeze_what_lives_long).
        gc.freeze()
        # A sixteenth of SQLite's own default (the bundled build keeps 8 MiB): at 100k people
        # the page cache was most of what the open app held above an empty book. 1 MiB rather
        # than 2 took the benchmark's peak from 59.6-60.0 to 58.3-58.5 MiB, and 0.5 rather
        # than 1 from 60.2 to 59.7 (with the searches a 40 ms debounce runs while "anna" is
        # typed); a search's query costs the same (p95 14.5-15.6 ms either way), as do the
        # Today review (~100 ms) and the stats (~8.5 s, in a worker): pages read again come
        # from the OS's cache.
        self.book.limit_page_cache(APP_PAGE_CACHE_KIB)

    def on_key(self, event: events.Key) -> None:
        """A printable key no widget took, while a form is open: typed ahead of the form
        (a burst, or typing while the app was busy after `a`), it went to the screen below
        before the form came up. A key typed in a form's field never gets here (the field
        takes it): the form types these into its first field, in order."""
        from .screens.forms import FormScreen

        if isinstance(self.screen, FormScreen) and event.is_printable and event.character:
            self.screen.type_ahead(event.character)

    def on_mount(self) -> None:
        from ..store import db as store_db

        self._said_before_waiting = store_db.on_wait
        store_db.on_wait = self._say_waiting
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        if self.config.keymap:
            self.warn_keymap_clashes()
        self._backup_warnings = BackupWarnings(self._warn_backup).install()
        problem = getattr(self.book, "backup_problem", None)
        if problem:  # the day's backup failed before the app opened (`kontakt demo` writes first)
            self._warn_backup(backup_message(problem))
        self._data_version = self.book.data_version()
        self.call_after_refresh(self._freeze_what_lives_long)
        self.set_interval(LIVE_REFRESH_SECONDS, self.check_for_changes, name="live-refresh")
        # review.open_today_first: start on the day's review, but only when something is in it.
        if self.config.open_today_first:
            from .screens.today import TodayScreen, something_due

            if something_due(self.book, self.today, self.config):
                self.push_screen(TodayScreen(self.book, self.today, self.config))


    def _freeze_what_lives_long(self) -> None:
        """Keep the objects of the opened app (Textual's DOM, styles, the modules) out of the
        cyclic garbage collector's full passes: at 100k people each pass walked all of them
        and landed on a keystroke, 25-35 ms at a time (keystroke p95 75 -> ~50 ms). They are
        still freed by reference counting; cycles among them wait until the app ends.
        (Turning the collector off until the first frame saved ~6 % of it and cost ~4 MiB
        of peak memory: not done.)

        What is made after it (pages of the list, drawings) still went through a full pass
        every tenth young collection: 6-11 ms, on 7 of 43 keys typed at 100k. Every 100th
        instead (keystroke p95 ~47 -> ~43 ms; +0.6 MiB peak)."""
        gc.freeze()
        if self._gc_threshold is None:
            self._gc_threshold = gc.get_threshold()
            young, middle, _ = self._gc_threshold
            gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)

    _gc_threshold: tuple[int, int, int] | None = None

    def on_unmount(self) -> None:
        from ..store import db as store_db

        if store_db.on_wait == self._say_waiting:
            store_db.on_wait = self._said_before_waiting
        # The app's own cycles can be collected once it is gone (a test process opens many).
        gc.unfreeze()
        if self._gc_threshold is not None:
            gc.set_threshold(*self._gc_threshold)
            self._gc_threshold = None
        if self._backup_warnings is not None:
            self._backup_warnings.remove()

    # ---------------------------------------------------------------- another writer

    WAITING_NOTICE = ("Waiting for another kontakt to finish writing (an import?): "
                      "this is saved as soon as it is done.")
    waits_said = 0
    _said_before_waiting: Callable[[str], None] | None = None

    def _say_waiting(self, message: str) -> None:
        """A write of the app's waits for another process's: a big import in a shell holds the
        book's write lock for seconds, and the app, blocked until it can write, looked frozen
        with the form still up. The app cannot draw while it waits, so the bottom line says
        why straight to the terminal (the driver writes from its own thread), and the screen
        is drawn whole again once the write is through. Writes in workers block no one."""
        if threading.current_thread() is not threading.main_thread():
            return
        self.waits_said += 1
        driver = self._driver
        if driver is None:
            return
        width, height = self.size
        notice = f" {self.WAITING_NOTICE} "[:width].ljust(width)
        # Save the cursor, bottom line, reverse video, the notice, restore the cursor.
        driver.write(f"\x1b7\x1b[{height};1H\x1b[7m{notice}\x1b[0m\x1b8")
        driver.flush()
        self.call_later(self.refresh)

    def _warn_backup(self, message: str) -> None:
        self.notify(message, title="Backup", severity="warning", timeout=12, markup=False)

    # ---------------------------------------------------------------- live refresh

    def check_for_changes(self) -> bool:
        """Tell the screens if another process wrote since the last look; True if it did.

        One `PRAGMA data_version` per call: cheap enough to run every second all day.
        The same tick notices midnight (`roll_over`).
        """
        self.roll_over()
        try:
            version = self.book.data_version()
        except sqlite3.Error:  # the book is briefly unreadable (a restore swapping it): next tick
            return False
        if version == self._data_version:
            return False
        self._data_version = version
        self._tell_screens()
        return True

    def roll_over(self) -> bool:
        """If the date moved on (the app stayed open past midnight), every screen's today
        becomes the new day and re-reads; True if it did."""
        clock_day = self._read_clock_day()
        if clock_day is None or clock_day == self._clock_day:
            return False
        day = self.today + (clock_day - self._clock_day)
        self._clock_day = clock_day
        self.today = day
        for screen in self.screen_stack:
            if hasattr(screen, "today"):
                screen.today = day
            contacts = getattr(screen, "contacts", None)
            if hasattr(contacts, "today"):
                contacts.today = day
            new_day = getattr(screen, "new_day", None)
            if callable(new_day):
                new_day()
        self._tell_screens()  # each screen re-reads what it shows, now for the new day
        return True

    @staticmethod
    def _read_clock_day() -> date | None:
        try:
            return clock.today()
        except clock.ClockError:  # a bad KONTAKT_TODAY: the CLI says so before the app opens
            return None

    def _tell_screens(self) -> None:
        for screen in self.screen_stack:
            screen.post_message(BookChanged())

    # ---------------------------------------------------------------- undo

    def push_undo(
        self, label: str, undo: Callable[[], object] | None = None, *, contact_id: int | None = None
    ) -> int | UndoStep | None:
        """Name the step just made for `z`'s toast; see `kontakt.tui.undo` for the contract.

        Returns the history step's id, or the UndoStep pushed when the action left no step.
        """
        step = getattr(self.book, "last_step", None)
        if step is not None and step > self.history_floor and step not in self._step_names:
            self._step_names[step] = (label, contact_id)
            try:  # kept in the book too, so `kontakt undo --list` says the same
                history.label(self.book, step, label)
            except sqlite3.Error:
                pass  # only a name: the toast still has it
            return step
        if undo is None:
            return None
        pushed = UndoStep(label, undo, contact_id, after=history.newest_id(self.book))
        self.undo_stack.push(pushed)
        return pushed

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Not under a form or dialog: undoing there would change the book behind what is typed.
        if action == "undo" and isinstance(self.screen, ModalScreen):
            return False
        return True

    def _newest_step(self) -> history.Step | None:
        if not getattr(self.book, "_recording", False):
            return None
        step = history.newest(self.book)
        return step if step is not None and step.id > self.history_floor else None

    def action_undo(self) -> None:
        """Take back the newest change (the history's, or an older-style step) and say what."""
        try:
            newest = self._newest_step()
        except sqlite3.Error as error:
            self.notify(f"Could not undo: {error}", severity="error", markup=False)
            return
        legacy = self.undo_stack.peek()
        if legacy is not None and (newest is None or legacy.after >= newest.id):
            self._undo_legacy()
            return
        if newest is None:
            self.notify("Nothing to undo.", markup=False)
            return
        if newest.source and newest.source != "app" and self._confirmed_foreign != newest.id:
            # Another process (a shell, cron) made the newest change: the user pressing z
            # most likely means their own. Say whose it is and undo only on a second z.
            self._confirmed_foreign = newest.id
            self.notify(
                f"The newest change came from {newest.source}: {newest.label or 'a change'}. "
                "Press z again to undo it (kontakt undo --list shows the history).",
                severity="warning", timeout=8, markup=False,
            )
            return
        self._confirmed_foreign = None
        try:
            label, contact_id = self.undo_history_step(newest.id)
        except history.HistoryError as error:
            self.notify(f"Cannot undo: {error}", severity="warning", markup=False)
            return
        except RETRY as error:
            self.notify(f"Could not undo “{newest.label}”: {error}", severity="error", markup=False)
            return
        self.notify(f"Undid: {label}", markup=False)
        self._after_undo(contact_id)

    def undo_history_step(self, step_id: int) -> tuple[str, int | None]:
        """Undo history step `step_id` if it is the newest; (what it was, whom to show).

        Raises HistoryError (a LookupError) when it is not the newest or already undone.
        """
        step = history.undo(self.book, step_id, after=self.history_floor)
        label, contact_id = self._step_names.pop(step.id, (step.label, step.contact_id))
        if step.source and step.source != "app":
            label += f" (made by {step.source})"
        return label, contact_id

    def _undo_legacy(self) -> None:
        step = self.undo_stack.pop()
        assert step is not None
        try:
            step.undo()
        except GONE as error:
            self.notify(f"Cannot undo “{step.label}” any more: {error}", severity="warning", markup=False)
        except RETRY as error:
            self.undo_stack.push(step)  # the book was busy or unwritable: z can try again
            self.notify(f"Could not undo “{step.label}”: {error}", severity="error", markup=False)
            return
        else:
            self.notify(f"Undid: {step.label}", markup=False)
        self._after_undo(step.contact_id)

    def _after_undo(self, contact_id: int | None) -> None:
        main = self.main_screen
        select = None
        if contact_id is not None:
            try:
                select = self.book.get_contact(contact_id)
            except LookupError:
                select = None
        main.after_change(select=select)  # which tells the other open screens too

    def action_pause_review(self) -> None:
        from .screens.today import pause_review

        pause_review(self)

    def action_resume_review(self) -> None:
        from .screens.today import resume_review

        resume_review(self)

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


def binding_groups() -> dict[str, list[Binding]]:
    """The bindings that are active together, by where: a key given twice within one clashes."""
    from .screens.dupes import DupesScreen
    from .screens.inbox import InboxScreen
    from .screens.stats import StatsScreen
    from .screens.sync_conflicts import SyncConflictsScreen
    from .screens.today import TodayScreen
    from .widgets.circle_list import CircleList
    from .widgets.detail import ContactDetail

    return {
        "main screen": [*KontaktApp.BINDINGS, *MainScreen.BINDINGS],
        "main screen's circles": [*CircleList.BINDINGS],
        "main screen's timeline": [*ContactDetail.BINDINGS],
        "Today screen": [*TodayScreen.BINDINGS],
        "stats screen": [*StatsScreen.BINDINGS],
        "duplicates screen": [*DupesScreen.BINDINGS],
        "inbox": [*InboxScreen.BINDINGS],
        "sync conflicts screen": [*SyncConflictsScreen.BINDINGS],
    }


def keymap_clashes(keymap: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(where, key, the id the keymap gives it to, the id that had it and loses it)."""
    clashes = []
    for where, bindings in binding_groups().items():
        owners: dict[str, list[tuple[str, bool]]] = {}
        for binding in bindings:
            name = binding.id or binding.action
            keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
            for key in keys.split(","):
                if (name, binding.id in keymap) not in owners.setdefault(key.strip(), []):
                    owners[key.strip()].append((name, binding.id in keymap))
        for key, names in owners.items():
            remapped = [name for name, by_keymap in names if by_keymap]
            others = [name for name, by_keymap in names if not by_keymap] + remapped[1:]
            clashes += [(where, key, remapped[0], other) for other in others if remapped]
    return clashes


def unknown_binding_ids(keymap: dict[str, str]) -> list[str]:
    """The ids under [keymap] that no binding has ("app.ad" for "app.add"): Textual ignores
    them without a word, and the key the user meant to change stays as it was."""
    from .screens.prep import PrepScreen

    known = {binding.id for group in binding_groups().values() for binding in group if binding.id}
    known |= {binding.id for binding in PrepScreen.BINDINGS if binding.id}
    return sorted(binding_id for binding_id in keymap if binding_id not in known)


_MODIFIERS = {"ctrl", "shift", "alt", "meta", "super", "hyper"}
_NAMED_KEYS = {"enter", "tab", "space", "backspace", "escape", "delete", "insert", "home", "end",
               "pageup", "pagedown", "up", "down", "left", "right"}


def _typable(key: str) -> bool:
    """Whether Textual can ever report `key` as pressed: "Ctrl+N", "C-n" and "<f5>" are
    compared with what it reports ("ctrl+n", "f5") as they are, and never match."""
    if len(key) == 1:
        return True
    *modifiers, base = key.split("+")
    if not base or any(m not in _MODIFIERS for m in modifiers):
        return False
    if len(base) == 1 or base in _NAMED_KEYS:
        return True
    from textual.keys import Keys, _character_to_key, key_to_character

    if base in {k.value.rpartition("+")[2] for k in Keys} or key_to_character(base) is not None:
        return True
    if base in {_character_to_key(chr(code)) for code in range(32, 127)}:  # "slash", "full_stop"
        return True
    return base[0] == "f" and base[1:].isdigit() and 1 <= int(base[1:]) <= 24


def untypable_keys(keymap: dict[str, str]) -> list[tuple[str, str]]:
    """(binding id, key) for each key under [keymap] no keyboard can send: the binding then
    had no key at all, and nothing said why."""
    return [(binding_id, key.strip()) for binding_id, keys in keymap.items()
            for key in keys.split(",") if key.strip() and not _typable(key.strip())]


def keymap_shadowed(keymap: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(where, key, the id the keymap gives it to, the focused widget that takes it first): the
    main screen's list moves on j, k and the arrows before the screen sees them, so "app.add" =
    "j" left Add with no key at all."""
    from .widgets.contact_list import ContactList

    list_keys = {key.strip() for binding in ContactList.BINDINGS for key in binding.key.split(",")}
    main_ids = {binding.id for binding in MainScreen.BINDINGS if binding.id and not binding.priority}
    return [("main screen", key.strip(), binding_id, "contact list")
            for binding_id, keys in keymap.items() if binding_id in main_ids
            for key in keys.split(",") if key.strip() in list_keys]


def run_app(book: Book, *, today: date, config: Config) -> None:
    """Run the app until the user quits; BookError if the book turned out unreadable."""
    app = KontaktApp(book, today=today, config=config)
    app.run()
    if app.book_problem:
        raise BookError(app.book_problem)
