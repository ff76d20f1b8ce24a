"""The command palette (ctrl+p): every action of the main screen, and "jump to contact"."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.screen import ModalScreen

from ..domain import Contact
from .widgets.shown import shown, visible

if TYPE_CHECKING:
    from .screens.main import MainScreen

# (title, action on the main screen, binding id whose key the help names, help, where):
# where is "main" for what acts on the main screen's list or its highlighted contact (from
# another screen it would act on someone not shown, or on nothing visible), "any" for what
# opens a screen of its own or acts on the whole book.
ACTIONS = [
    ("Search contacts", "search", "app.search", "search as you type; #circle filters", "main"),
    ("Add a contact", "add", "app.add", "", "any"),
    ("Edit the highlighted contact", "edit", "app.edit", "", "main"),
    ("Log an interaction", "log", "app.log", "one person or a group meeting", "main"),
    ("Record a favour", "favour", "app.favour", "given or received", "main"),
    ("Introduce the highlighted contact to someone", "intro", "app.intro", "", "main"),
    ("Add a follow-up", "follow_up", "app.follow_up", "", "main"),
    ("Link to someone…", "link", None, "partner, family, friend, colleague, introduced me to …", "main"),
    ("Add a journal note…", "journal_note", None, "a dated note in the highlighted contact's timeline", "main"),
    ("Archive or bring back the highlighted contact", "archive", "app.archive", "", "main"),
    ("Move the highlighted contact to the trash", "delete", "app.delete", "asks first", "main"),
    ("Undo the last change (edit, log, review, delete, merge …)", "app.undo", "app.undo", "", "any"),
    ("Show archived contacts (toggle)", "toggle_archived", "app.archived", "", "main"),
    ("Show circles", "circles", "app.circles", "", "main"),
    ("Rename a circle or set its cadence", "edit_circle", "circles.edit", "in the circles sidebar", "main"),
    ("Move a circle to the trash", "delete_circle", "circles.delete", "in the circles sidebar: its people stay", "main"),
    ("Today review", "today", "app.today", "", "any"),
    ("Pause the daily review (a holiday)", "app.pause_review", None, "until a day you pick; no wall of overdue on return", "any"),
    ("Resume the daily review", "app.resume_review", None, "end a pause today", "any"),
    ("How the network is doing (stats)", "stats", "app.stats", "rhythm, drift, balance, circles", "any"),
    ("Prep card for the highlighted contact", "prep", "app.prep", "before you meet them", "main"),
    ("Find duplicates", "dupes", "app.dupes", "people in the book twice; merge them", "any"),
    ("Inbox: interactions proposed from calendar and mail", "inbox", "app.inbox", "accept or ignore each", "any"),
    ("Sync conflicts (vCard folder)", "sync_conflicts", None, "kontakt's value beside the phone's; keep one", "any"),
    ("Import a file…", "import_file", "app.import", "CSV, vCard or kontakt JSON; see what would change first", "any"),
    ("Keys (help)", "help", "app.help", "", "any"),
]

# The screen an "any" action opens: not offered again on that screen itself.
OPENS = {"today": "TodayScreen", "stats": "StatsScreen", "dupes": "DupesScreen",
         "inbox": "InboxScreen", "sync_conflicts": "SyncConflictsScreen"}


def default_keys() -> dict[str, str]:
    """Binding id -> its keys before the config's [keymap] (the main screen's and the circles')."""
    from .screens.main import KEYS
    from .widgets.circle_list import CircleList

    keys = {binding_id: key for binding_id, key, *_ in KEYS}
    keys.update((b.id, b.key) for b in CircleList.BINDINGS if b.id)
    return keys


def key_display(app, keys: str) -> str:
    """Keys as a binding lists them ("question_mark,f1") as the footer writes them ("?, F1")."""
    return ", ".join(app.get_key_display(Binding(k.strip(), "")) for k in keys.split(",") if k.strip())


def first_key(app, binding_id: str, default: str) -> str:
    """The first key of a binding as the config's [keymap] has it, as the footer writes it:
    for hints in a screen's own text ("m merge", "x ignore"), which must not name an old key."""
    config = getattr(app, "config", None)
    keys = (config.keymap.get(binding_id) if config is not None else None) or default
    return key_display(app, keys.split(",")[0])


def undoes(app, binding_id: str = "app.undo") -> str:
    """'z undoes', with the undo key the [keymap] gives: the toasts and confirmations say it."""
    return f"{first_key(app, binding_id, 'z')} undoes"


def key_help(app, binding_id: str | None, help_text: str) -> str:
    """The palette's help line: the key as the [keymap] has it now, then what it does."""
    if binding_id is None:
        return help_text
    config = getattr(app, "config", None)
    keymap = config.keymap if config is not None else {}
    shown_keys = key_display(app, keymap.get(binding_id) or default_keys().get(binding_id, ""))
    return f"{shown_keys}: {help_text}" if help_text else shown_keys


def highlight(text: str, query: str, matcher) -> Content:
    """Like Matcher.highlight, but never reads `text` as markup (names are data)."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(query, text)
    if score:
        for offset in offsets:
            if not text[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class KontaktCommands(Provider):
    """Actions and contacts for the palette."""

    def _main(self) -> MainScreen | None:
        from .screens.main import MainScreen

        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, MainScreen):
                return screen
        return None

    def _run(self, action: str) -> None:
        main = self._main()
        if main is None:
            return
        if action == "app.undo" and self.screen is not main and hasattr(self.screen, "action_undo"):
            # What z does here: Today takes back its own last action and shows the item again.
            self.app.call_later(self.screen.run_action, "undo")
            return
        self.app.call_later(main.run_action, action)

    def _offered(self) -> list[tuple[str, str, str]]:
        """(title, action, help) of the actions that make sense on the screen the palette was
        opened over: all on the main screen; on another, those that do not act on the main
        screen's hidden list; none over a form or dialog (it would act behind what is typed)."""
        main = self._main()
        screen = self.screen
        if main is None or isinstance(screen, ModalScreen):
            return []
        return [(title, action, key_help(self.app, binding_id, help_text))
                for title, action, binding_id, help_text, where in ACTIONS
                if screen is main or (where == "any" and OPENS.get(action) != type(screen).__name__)]

    def _jump(self, contact: Contact) -> None:
        main = self._main()
        if main is not None:
            main.jump_to(contact)

    async def discover(self) -> Hits:
        for title, action, help_text in self._offered():
            yield DiscoveryHit(Content(title), partial(self._run, action), text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in self._offered():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, highlight(title, query, matcher), partial(self._run, action),
                          text=title, help=help_text)
        main = self._main()
        if main is None or self.screen is not main or not query.strip():
            return  # a jump shows them in the main list: only where that list is on screen
        for rank, contact in enumerate(main.book.search(query, limit=12)):
            label = Content.assemble(("Jump to ", "$text-muted"), shown(contact.name))
            details = visible(" · ".join(p for p in (contact.org, " ".join(f"#{t}" for t in contact.tags)) if p))
            if contact.archived:
                details = f"{details} · archived" if details else "archived"
            # Full-text hits rank just below a perfect action match, best match first.
            yield Hit(0.9 - rank * 0.01, label, partial(self._jump, contact),
                      text=f"Jump to {visible(contact.name)}", help=Content(details) if details else None)
