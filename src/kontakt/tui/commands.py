"""The command palette (ctrl+p): every action of the main screen, and "jump to contact"."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from ..domain import Contact
from .widgets.shown import shown, visible

if TYPE_CHECKING:
    from .screens.main import MainScreen

# (title, action on the main screen, help)
ACTIONS = [
    ("Search contacts", "search", "search as you type; #circle filters"),
    ("Add a contact", "add", "a"),
    ("Edit the highlighted contact", "edit", "e"),
    ("Log an interaction", "log", "l: one person or a group meeting"),
    ("Record a favour", "favour", "f: given or received"),
    ("Introduce the highlighted contact to someone", "intro", "i"),
    ("Add a follow-up", "follow_up", "u"),
    ("Link to someone…", "link", "partner, family, friend, colleague, introduced me to …"),
    ("Add a journal note…", "journal_note", "a dated note in the highlighted contact's timeline"),
    ("Archive or bring back the highlighted contact", "archive", "x"),
    ("Move the highlighted contact to the trash", "delete", "d: asks first"),
    ("Undo the last change (edit, log, review, delete, merge …)", "app.undo", "z"),
    ("Show archived contacts (toggle)", "toggle_archived", "v"),
    ("Show circles", "circles", "c"),
    ("Rename a circle or set its cadence", "edit_circle", "e in the circles sidebar"),
    ("Move a circle to the trash", "delete_circle", "d in the circles sidebar: its people stay"),
    ("Today review", "today", "t"),
    ("Pause the daily review (a holiday)", "app.pause_review", "until a day you pick; no wall of overdue on return"),
    ("Resume the daily review", "app.resume_review", "end a pause today"),
    ("How the network is doing (stats)", "stats", "g: rhythm, drift, balance, circles"),
    ("Prep card for the highlighted contact", "prep", "p: before you meet them"),
    ("Find duplicates", "dupes", "D: people in the book twice; merge them"),
    ("Inbox: interactions proposed from calendar and mail", "inbox", "b: accept with Enter, x ignores"),
    ("Sync conflicts (vCard folder)", "sync_conflicts", "kontakt's value beside the phone's; keep one"),
    ("Import a file…", "import_file", "I: CSV, vCard or kontakt JSON; see what would change first"),
    ("Keys (help)", "help", "?"),
]


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
        if main is not None:
            self.app.call_later(main.run_action, action)

    def _jump(self, contact: Contact) -> None:
        main = self._main()
        if main is not None:
            main.jump_to(contact)

    async def discover(self) -> Hits:
        for title, action, help_text in ACTIONS:
            yield DiscoveryHit(Content(title), partial(self._run, action), text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in ACTIONS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, highlight(title, query, matcher), partial(self._run, action),
                          text=title, help=help_text)
        main = self._main()
        if main is None or not query.strip():
            return
        for rank, contact in enumerate(main.book.search(query, limit=12)):
            label = Content.assemble(("Jump to ", "$text-muted"), shown(contact.name))
            details = visible(" · ".join(p for p in (contact.org, " ".join(f"#{t}" for t in contact.tags)) if p))
            if contact.archived:
                details = f"{details} · archived" if details else "archived"
            # Full-text hits rank just below a perfect action match, best match first.
            yield Hit(0.9 - rank * 0.01, label, partial(self._jump, contact),
                      text=f"Jump to {visible(contact.name)}", help=Content(details) if details else None)
