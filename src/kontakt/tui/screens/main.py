"""The main screen: search, circles, the contact list and the highlighted person's detail."""

from __future__ import annotations

import asyncio
from datetime import date

from rich.cells import cell_len
from textual import events, on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...config import Config
from ...domain import Contact
from ...domain.dates import human
from ...domain.text import counted
from ...store import Book, NotFound
from ..background import kept_duplicate_count
from ..commands import first_key, key_display, undoes
from ..live import BookChanged
from ..widgets.circle_list import CircleList
from ..widgets.contact_list import ContactList, ListFilter, fit
from ..widgets.detail import ContactDetail
from ..widgets.footer import Footer
from ..widgets.shown import visible
from .dialogs import ConfirmScreen, HelpScreen, ImportScreen, today_help

# The other screens (forms, Today, stats, duplicates, prep) are imported when first opened:
# importing them all at start cost ~3 MiB of the app's memory and time before the first frame.


def count_duplicates(path):
    """The duplicates screen's worker-side count (imported on first use, in the worker)."""
    from .dupes import count_duplicates as count

    return count(path)

# The least width at which the list (40 columns at least) and the card (34) sit side by side.
TINY_WIDTH = 74

# Wait this long after the last keystroke before searching: a burst of keys (key repeat, a
# fast typist's rollover, ~20-30 ms apart) runs one search, and the results of the last key
# are on screen within 100 ms even at 100k people (the search and repaint take 20-50 ms there;
# 120 ms of debounce made it ~150 ms).
SEARCH_DEBOUNCE = 0.04

# (binding id, key, action, footer label, shown in footer, help text, help group)
KEYS = [
    ("app.search", "slash", "search", "Search", True, "search as you type; #circle filters", "Find"),
    ("app.circles", "c", "circles", "Circles", False, "pick a circle to show", "Find"),
    ("app.archived", "v", "toggle_archived", "Archived", False, "show archived / active contacts", "Find"),
    ("app.add", "a", "add", "Add", True, "add a contact", "Change"),
    ("app.edit", "e", "edit", "Edit", True, "edit the highlighted contact", "Change"),
    ("app.log", "l", "log", "Log", True, "log an interaction (several people, #circle)", "Record"),
    ("app.favour", "f", "favour", "Favour", True, "record a favour given or received", "Record"),
    ("app.intro", "i", "intro", "Intro", False, "introduce them to someone", "Record"),
    ("app.follow_up", "u", "follow_up", "Follow-up", False, "add a follow-up reminder", "Record"),
    ("app.archive", "x", "archive", "Archive", False, "archive (or bring back) the contact", "Change"),
    ("app.dupes", "D", "dupes", "Duplicates", False, "find people who are in the book twice; merge them", "Change"),
    ("app.delete", "d", "delete", "Delete", False, "move the contact to the trash", "Change"),
    ("app.import", "I", "import_file", "Import", False, "import a file: see what would change, then import", "Change"),
    ("app.inbox", "b", "inbox", "Inbox", False, "proposals from your calendar and mail (kontakt capture)", "Record"),
    ("app.undo", "z", "app.undo", "Undo", False, "undo the last change: edit, log, review, delete …", "Change"),
    ("app.today", "t", "today", "Today", True, "the Today review", "Go"),
    ("app.stats", "g", "stats", "Stats", False, "how the network is doing: rhythm, drift, balance", "Go"),
    ("app.prep", "p", "prep", "Prep", False, "prep card: what to know before you meet them", "Go"),
    ("app.help", "question_mark", "help", "Help", True, "this help", "Go"),
    ("app.quit", "q", "app.quit", "Quit", True, "quit (ctrl+q works everywhere)", "Go"),
]


class MainScreen(Screen[None]):
    """Browse, search and act on the book."""

    # The keys that move focus are priority bindings: the app runs them as it reads the key,
    # before it hands the keys behind it to the focused widget. "/jess" arriving in one read
    # (a slow ssh link, a busy app) otherwise gave "j" and "e" to the list (next person,
    # edit) and typed "ss" over the name in the edit form.
    BINDINGS = [
        Binding(key, action, label, show=show, id=binding_id, priority=binding_id == "app.search")
        for binding_id, key, action, label, show, _, _ in KEYS
    ] + [
        Binding("escape", "clear", "Clear", show=False, id="app.clear", priority=True),
        Binding("enter", "open_card", "Card", show=False, id="app.card"),
        # "app.": a Screen has no focus_next action, so a bare "focus_next" did nothing.
        Binding("tab", "app.focus_next", show=False, priority=True),
    ]

    # Under TINY_WIDTH columns the list and the card do not fit side by side (their least
    # widths, 40 and 34): the card is hidden, and Enter opens it over the whole width.
    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (TINY_WIDTH, "-narrow"), (110, "-wide")]

    def __init__(self, book: Book, today: date, config: Config) -> None:
        super().__init__()
        self.book = book
        self.today = today
        self.config = config
        self._search_timer: Timer | None = None
        self._circle: str | None = None
        self._archived = False
        self._header_counts = None
        # Another process wrote while a form or another screen was on top: re-read on return.
        self._stale = False

    # ---------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="app-header"):
            yield Static(id="header-left")
            yield Static(id="header-right")
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield Static("Circles", classes="section-title")
                yield CircleList(id="circles")
            with Vertical(id="list-column"):
                yield Input(
                    placeholder="/ search   #circle filters",
                    compact=True, id="search",
                )
                yield Static(id="list-status")
                yield ContactList(self.book, self.today, id="contacts")
            yield ContactDetail(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        # One layout pass for the three updates instead of one each (first paint).
        with self.app.batch_update():
            self.refresh_header()
            self.refresh_circles()
            self.refresh_status()
        self.contacts.focus()
        # The hint's worker opens the book and reads its version with the GIL held at times:
        # started once the first frame is on screen, not while it is being drawn.
        self.call_after_refresh(self.check_duplicates)

    @property
    def contacts(self) -> ContactList:
        return self.query_one(ContactList)

    @property
    def detail(self) -> ContactDetail:
        return self.query_one(ContactDetail)

    @property
    def search_box(self) -> Input:
        return self.query_one("#search", Input)

    def refresh_header(self) -> None:
        self._header_counts = self.book.counts()
        self._draw_header()

    def on_resize(self, event: events.Resize) -> None:
        if self._header_counts is not None:
            self._draw_header()

    def _draw_header(self) -> None:
        counts = self._header_counts
        dot = (" · ", "$text-muted")
        day = f"{self.today:%a} {human(self.today)}"
        extra = ([f"{counts.archived} archived"] if counts.archived else []) + [counted(counts.circles, "circle")]
        # What does not fit goes whole, from the end (a narrow terminal cut "· 5 archived" to
        # "· 5"); the book's name and the count stay, cut if they must be.
        room = self.size.width - 2 - (cell_len(day) + 2)
        parts: list = [("kontakt", "bold $accent"), dot, visible(self.book.path.stem), dot,
                       counted(counts.contacts, "contact")]
        used = Content.assemble(*parts).cell_length
        for text in extra:
            if self.size.width and used + 3 + cell_len(text) > room:
                break
            parts += [dot, text]
            used += 3 + cell_len(text)
        self.query_one("#header-left", Static).update(Content.assemble(*parts))
        self.query_one("#header-right", Static).update(Content.styled(day, "$text-muted"))

    def refresh_circles(self) -> None:
        circles = self.query_one("#circles", OptionList)
        circles.clear_options()
        counts = self.book.counts()
        circles.add_option(
            Option(Content.assemble(fit("All contacts", 19), (f"{counts.contacts:>4}", "$text-muted")), id="*")
        )
        for circle in self.book.circles():
            cadence = circle.cadence.short if circle.cadence else ""
            label = Content.assemble(
                fit(visible(f"#{circle.name}"), 19), (f"{circle.members:>4}{cadence:>4}", "$text-muted")
            )
            circles.add_option(Option(label, id=f"#{circle.name}"))

    def refresh_status(self) -> None:
        contacts = self.contacts
        bits: list = []
        noun = "contact" if contacts.count == 1 else "contacts"
        what = f"archived {noun}" if self._archived else noun
        flt = contacts.filter
        if contacts.count_is_exact:
            bits.append(f"{contacts.count} {what}")
        else:  # counted up to COUNT_AT_KEYSTROKE while typing; the exact number follows
            bits.append(f"more than {contacts.count - 1} {what}")
        if flt.circle:
            bits += ["  in ", (visible(f"#{flt.circle}"), "bold")]
        if flt.query:
            bits += ["  matching ", (visible(flt.query), "bold")]
        if flt.query or flt.circle or self._archived:
            bits.append(("   Esc clears", "$text-muted"))
        elif self._dupes_hint and self._dupes_hint[1]:
            pairs = self._dupes_hint[1]
            bits.append((f"   {pairs} possible duplicate{'s' if pairs > 1 else ''} · D", "$text-muted"))
        self.query_one("#list-status", Static).update(Content.assemble(*bits))

    # ---------------------------------------------------------------- list and detail

    def apply_filter(self) -> None:
        text = self.search_box.value
        new = ListFilter.from_search(text, archived=self._archived, circle=self._circle)
        if new != self.contacts.filter:
            self.contacts.load(new)
        self.refresh_status()

    @on(ContactList.Counted)
    def _counted(self) -> None:
        self.refresh_status()

    @on(ContactList.Highlighted)
    def _show_highlighted(self, event: ContactList.Highlighted) -> None:
        self.detail.show_highlighted(self.book, event.contact, self.today)

    def after_change(self, select: Contact | None = None) -> None:
        """Re-read what a write may have changed: list, detail, header, circles; and tell the
        screens open above this one (a merge made from the palette over the stats left its
        figures as they were until the next write from a shell)."""
        with self.book.reading():  # one state of the book for every count on the screen
            self.contacts.reload(select=select)
            self.detail.show(self.book, self.contacts.highlighted, self.today)
            self.refresh_header()
            self.refresh_circles()
            self.refresh_status()
        for screen in self.app.screen_stack:
            if screen is not self:
                screen.post_message(BookChanged())

    @on(BookChanged)
    def _book_changed(self) -> None:
        # Never under an open form or dialog: wait until this screen is on top again.
        if self.is_active:
            self.refresh_live()
        else:
            self._stale = True

    @on(events.ScreenResume)
    def _catch_up(self) -> None:
        if self._stale:
            self.refresh_live()

    def refresh_live(self) -> None:
        """Re-read after another process wrote, keeping the user's place: same filter and
        search, same highlighted contact (by id), same scroll in the list and the detail."""
        self._stale = False
        # One read transaction: a shell committing halfway through would otherwise leave the
        # header counting a person the list does not show until the next refresh. (Rows off
        # the cursor's page are read when drawn, after it; the next tick brings them level.)
        with self.book.reading():
            self.contacts.refresh_rows()
            self.detail.show(self.book, self.contacts.highlighted, self.today, keep_scroll=True)
            self.refresh_header()
            circles = self.query_one("#circles", OptionList)
            highlighted = circles.highlighted
            self.refresh_circles()
            if highlighted is not None and highlighted < circles.option_count:
                circles.highlighted = highlighted
            self.refresh_status()
        self.check_duplicates()  # another process may have imported someone twice

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        # Debounce: a new keystroke cancels the pending search, so only the last one runs.
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE, self.apply_filter)

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self.apply_filter()
        self.contacts.focus()

    def on_key(self, event) -> None:
        # ↑ ↓ in the search box move through the results without leaving it.
        if self.focused is self.search_box and event.key in ("up", "down", "pageup", "pagedown"):
            event.stop()
            self.contacts.run_action({"up": "cursor(-1)", "down": "cursor(1)",
                                      "pageup": "page(-1)", "pagedown": "page(1)"}[event.key])

    @on(OptionList.OptionSelected, "#circles")
    def _circle_picked(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or "*"
        self.show_circle(None if option_id == "*" else option_id[1:])
        if not self.has_class("-wide"):  # the sidebar stood in for the card: give it back
            self.remove_class("-show-circles")
        self.contacts.focus()

    def show_circle(self, circle: str | None) -> None:
        self._circle = circle
        # A #circle typed in the search box would fight the sidebar; the sidebar wins.
        words = [w for w in self.search_box.value.split() if not w.startswith("#")]
        if words != self.search_box.value.split():
            with self.search_box.prevent(Input.Changed):
                self.search_box.value = " ".join(words)
        self.apply_filter()

    def open_contact(self, contact: Contact) -> None:
        """Show `contact` (Today's `o`): highlighted in the list with their card beside it,
        or, with no card beside the list, their card in its place."""
        self.jump_to(contact)
        self.detail.show(self.book, contact, self.today)
        if self.has_class("-tiny"):
            self.call_after_refresh(self.action_open_card)  # once this screen has its focus back

    def jump_to(self, contact: Contact) -> None:
        """Show `contact` in the list, clearing filters that hide it."""
        if not self.contacts.select(contact):
            self._circle = None
            self._archived = contact.archived
            with self.search_box.prevent(Input.Changed):
                self.search_box.value = ""
            self.apply_filter()
            self.contacts.select(contact)
        self.contacts.focus()

    # ---------------------------------------------------------------- actions

    def _current(self) -> Contact | None:
        contact = self.contacts.highlighted
        if contact is None:
            self.notify("No one is highlighted.", severity="warning", markup=False)
        return contact

    def action_search(self) -> None:
        if self.focused is self.search_box:
            raise SkipAction()  # a "/" typed into the search is text (a priority binding sees it first)
        self.focus_now(self.search_box)

    def focus_now(self, widget) -> None:
        """Focus `widget` before the app handles the next key. `widget.focus()` only asks for it
        (a message behind every key already read): "/eva" from a terminal in one read went
        to the list, and Esc then e typed the e into the search box."""
        self.set_focus(widget)

    def action_open_card(self) -> None:
        """Enter: into the highlighted person's card (their timeline: e edits an entry); in a
        tiny terminal the card takes the list's place until focus leaves it (Esc, Tab)."""
        focused = self.focused
        if focused is not None and self.detail in (focused, *focused.ancestors):
            return  # already in it (an entry of the timeline may be picked)
        if self._current() is None:
            return
        if not self.has_class("-wide"):
            # The sidebar stands in for the card under 110 columns: give the card back.
            self.remove_class("-show-circles")
        self.add_class("-show-card")
        self.call_after_refresh(self._into_card)

    def _into_card(self) -> None:
        if not self.detail.region.width:
            # Still hidden: focus there would let e and d act on entries no one can see.
            self.remove_class("-show-card")
            return
        self.detail.fit_width()  # drawn while hidden, for no width
        # Opened in the list's place, the card reads from its top (the name), not from the
        # picked entry that focus scrolls to: ↓ goes on to the entries.
        self.detail.focus_card(from_top=self.has_class("-tiny"))

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # The card is shown in a tiny terminal while it, or an entry of its timeline, has focus;
        # so are the circles, in the list's place.
        self.set_class(self.detail in (event.widget, *event.widget.ancestors), "-show-card")
        sidebar = self.query_one("#sidebar")
        if self.has_class("-tiny") and sidebar not in (event.widget, *event.widget.ancestors):
            self.remove_class("-show-circles")

    def action_clear(self) -> None:
        """Esc: leave the search box, then clear search, circle and archived view, one by one."""
        if self.has_class("-tiny") and self.has_class("-show-card"):
            self.focus_now(self.contacts)  # first out of the card, back to the list
            return
        if self.search_box.value or self._circle or self._archived:
            shown = self.contacts.highlighted  # found by the search: stays the one shown
            with self.search_box.prevent(Input.Changed):
                self.search_box.value = ""
            self._circle = None
            self._archived = False
            self.query_one("#circles", OptionList).highlighted = 0
            self.apply_filter()
            if shown is not None:
                self.contacts.select(shown)
        self.focus_now(self.contacts)

    def action_circles(self) -> None:
        # c opens the circles and goes into them; c again, there, closes them.
        show = not self.has_class("-show-circles") or self.focused is not self.query_one("#circles")
        self.set_class(show, "-show-circles")
        if show:
            self.query_one("#circles", OptionList).focus()
        else:
            self.contacts.focus()

    def action_toggle_archived(self) -> None:
        self._archived = not self._archived
        self.apply_filter()

    def action_add(self) -> None:
        def added(contact_id: int | None) -> None:
            if contact_id is None:
                return
            contact = self.book.get_contact(contact_id)
            self.notify(f"Added {contact.name} · {undoes(self.app)}", markup=False)
            self.after_change()
            self.jump_to(contact)

        from .forms import ContactForm

        self.app.push_screen(ContactForm(self.book, self.today), added)

    def action_edit(self) -> None:
        contact = self._current()
        if contact is None:
            return

        def saved(contact_id: int | None) -> None:
            if contact_id is not None:
                updated = self.book.get_contact(contact_id)
                self.notify(f"Saved {updated.name} · {undoes(self.app)}", markup=False)
                self.after_change(select=updated)

        from .forms import ContactForm

        self.app.push_screen(ContactForm(self.book, self.today, contact), saved)

    def action_log(self) -> None:
        contact = self.contacts.highlighted
        people = [contact] if contact else []

        def logged(interaction_id: int | None) -> None:
            if interaction_id is None:
                return
            self.notify(f"Interaction logged · {undoes(self.app)}", markup=False)
            self.after_change()

        from .forms import LogForm

        self.app.push_screen(LogForm(self.book, self.today, people), logged)

    def _with_current(self, form_class, message: str) -> None:
        contact = self._current()
        if contact is None:
            return

        def done(result: int | None) -> None:
            if result is not None:
                self.notify(f"{message} — {contact.name} · {undoes(self.app)}", markup=False)
                self.after_change()

        self.app.push_screen(form_class(self.book, self.today, contact), done)

    def action_favour(self) -> None:
        from .forms import FavourForm

        self._with_current(FavourForm, "Favour recorded")

    def action_intro(self) -> None:
        from .forms import IntroForm

        self._with_current(IntroForm, "Introduction recorded")

    def action_follow_up(self) -> None:
        from .forms import FollowUpForm

        self._with_current(FollowUpForm, "Follow-up added")

    def action_link(self) -> None:
        from .relation_forms import LinkForm

        self._with_current(LinkForm, "Linked")

    def action_journal_note(self) -> None:
        from .relation_forms import JournalForm

        self._with_current(JournalForm, "Journal note added")

    def action_archive(self) -> None:
        contact = self._current()
        if contact is None:
            return
        self.book.archive(contact.id, not contact.archived)
        book, contact_id, was_archived = self.book, contact.id, contact.archived
        if was_archived:
            self.notify(f"{contact.name} is back among active contacts · {undoes(self.app)}", markup=False)
            label = f"bring {contact.name} back from the archive"
        else:
            self.notify(f"Archived {contact.name} · {first_key(self.app, 'app.archived', 'v')} shows archived · {undoes(self.app)}", markup=False)
            label = f"archive {contact.name}"
        self.app.push_undo(label, lambda: book.archive(contact_id, was_archived), contact_id=contact_id)
        self.after_change()

    def action_delete(self) -> None:
        contact = self._current()
        if contact is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            book, contact_id = self.book, contact.id
            try:
                book.trash_contact(contact_id)
            except NotFound:  # another shell removed them meanwhile
                self.notify(f"{contact.name} was already gone from the book", markup=False)
            else:
                self.notify(f"Moved {contact.name} to the trash · {undoes(self.app)}", markup=False)
                self.app.push_undo(
                    f"move {contact.name} to the trash",
                    lambda: book.restore_contact(contact_id), contact_id=contact_id,
                )
            self.after_change()

        question = Content.assemble("Move ", (visible(contact.name), "bold"), " to the trash?")
        detail = f"Their history goes with them. {undoes(self.app)}; kontakt restore brings them back later."
        self.app.push_screen(ConfirmScreen(question, detail, yes="move to trash"), answered)

    # ---------------------------------------------------------------- timeline entries, circles

    @on(ContactDetail.EditEntry)
    def _edit_entry(self, event: ContactDetail.EditEntry) -> None:
        if isinstance(event, (ContactDetail.DeleteEntry, ContactDetail.SettleEntry)):
            return
        from .record_forms import edit_form_for

        try:
            form = edit_form_for(self.book, self.today, event.contact, event.entry)
        except NotFound:  # another shell deleted it meanwhile
            self.notify("That entry is gone from the book.", severity="warning", markup=False)
            self.after_change()
            return

        def saved(result: int | None) -> None:
            if result is not None:
                self.notify(f"Saved the {event.entry.kind}", markup=False)
                self.after_change()

        if form is not None:
            self.app.push_screen(form, saved)

    @on(ContactDetail.SettleEntry)
    def _settle_entry(self, event: ContactDetail.SettleEntry) -> None:
        from .ledger_dialogs import settle_entry

        settle_entry(self, event.contact, event.entry)

    @on(ContactDetail.DeleteEntry)
    def _delete_entry(self, event: ContactDetail.DeleteEntry) -> None:
        from ...store import records

        book, today, kind, record_id = self.book, self.today, event.entry.kind, event.entry.id
        if kind == "note":  # journal notes are not in the record trash: a delete, z undoes it
            from ...store import relations

            try:
                relations.delete_note(book, record_id)
            except NotFound:
                self.notify("That entry was already gone from the book.", markup=False)
            else:
                self.notify(f"Deleted the journal note · {undoes(self.app)}", markup=False)
            self.after_change()
            return
        try:
            trashed = records.trash_record(book, kind, record_id, today=today)
        except NotFound:
            self.notify("That entry was already gone from the book.", markup=False)
        else:
            self.notify(f"Moved the {kind} to the trash · {undoes(self.app)}", markup=False)
            self.app.push_undo(
                f"delete {trashed.label}",
                lambda: records.restore_record(book, trashed.kind, trashed.key, today=today),
                contact_id=event.contact.id,
            )
        self.after_change()

    def _picked_circle(self) -> str | None:
        """The circle highlighted in the sidebar when it has focus, else the one shown."""
        circles = self.query_one("#circles", OptionList)
        if (self.focused is circles or self._circle is None) and circles.highlighted is not None:
            option_id = circles.get_option_at_index(circles.highlighted).id or "*"
            if option_id != "*":
                return option_id[1:]
        if self._circle is None:
            self.notify("Pick a circle first (c shows the circles).", severity="warning", markup=False)
        return self._circle

    def action_edit_circle(self) -> None:
        from ...store import records
        from .record_forms import CircleForm

        name = self._picked_circle()
        if name is None:
            return
        try:
            circle = records.get_circle(self.book, name)
        except NotFound:
            self.refresh_circles()
            return

        def saved(new_name: str | None) -> None:
            if new_name is None:
                return
            self.notify(f"Saved circle #{new_name}", markup=False)
            if self._circle is not None and self._circle == circle.name:
                self._circle = new_name
                self.apply_filter()
            self.after_change()
            self._highlight_circle(new_name)

        self.app.push_screen(CircleForm(self.book, self.today, circle), saved)

    def _highlight_circle(self, name: str) -> None:
        circles = self.query_one("#circles", OptionList)
        for index in range(circles.option_count):
            if circles.get_option_at_index(index).id == f"#{name}":
                circles.highlighted = index

    def action_delete_circle(self) -> None:
        from ...store import records

        name = self._picked_circle()
        if name is None:
            return
        book, today = self.book, self.today

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                trashed = records.trash_circle(book, name, today=today)
            except NotFound:
                self.notify(f"#{name} was already gone from the book", markup=False)
            else:
                self.notify(f"Moved #{name} to the trash · {undoes(self.app)}", markup=False)
                self.app.push_undo(
                    f"delete {trashed.label}",
                    lambda: records.restore_record(book, "circle", trashed.key, today=today),
                )
            if self._circle == name:
                self._circle = None
                self.apply_filter()
            self.after_change()

        question = Content.assemble("Move ", (visible(f"#{name}"), "bold"), " to the trash?")
        detail = f"Its members leave it (and its cadence); the people stay. {undoes(self.app)}."
        self.app.push_screen(ConfirmScreen(question, detail, yes="move to trash"), answered)

    def action_import_file(self) -> None:
        """Import a file (palette: "Import a file…"): dry run first, then for real."""

        def imported(summary: str | None) -> None:
            if summary:
                self.notify(f"Imported: {summary} · {undoes(self.app)}", timeout=8, markup=False)
                self.after_change()
                self.check_duplicates()  # an import is where duplicates come from

        self.app.push_screen(ImportScreen(self.book, self.today), imported)

    def action_today(self) -> None:
        from .today import TodayScreen

        self.app.push_screen(TodayScreen(self.book, self.today, self.config))

    def action_stats(self) -> None:
        def closed(changed: bool | None) -> None:
            if changed:  # a suggested cadence was accepted: due dates moved
                self.after_change()

        from .stats import StatsScreen

        self.app.push_screen(StatsScreen(self.book, self.today), closed)

    def action_prep(self) -> None:
        contact = self._current()
        if contact is not None:
            from .prep import PrepScreen

            self.app.push_screen(PrepScreen(self.book, contact.id, self.today))

    # (data_version, likely duplicate pairs): the quiet hint on the status line.
    _dupes_hint: tuple[int, int] | None = None

    def check_duplicates(self) -> None:
        """Count likely duplicates in a worker, unless no other process wrote since the last count
        or the count kept for the book's version still holds.

        Detection takes seconds on a big book and must never hold up the first paint; the
        worker reads through its own connection (the Book's belongs to the main thread).
        """
        if not self.book.path.exists():
            return
        version = self.book.data_version()
        if self._dupes_hint is not None and self._dupes_hint[0] == version:
            return
        try:  # an unchanged book's kept count: read here, no worker, no second connection
            _, kept = kept_duplicate_count(self.book)
        except Exception:  # noqa: BLE001 — only a hint: the worker will try again
            kept = None
        if kept is not None:
            self._set_dupes_hint(version, kept)
            return
        path = self.book.path
        loop = asyncio.get_running_loop()

        def count() -> None:
            try:
                pairs = count_duplicates(path)
            except Exception:  # noqa: BLE001 — only a hint: no hint rather than a crash
                return
            # Not call_from_thread: it blocks until the app answers, which an app that is
            # closing never does.
            loop.call_soon_threadsafe(self._set_dupes_hint, version, pairs)

        self.run_worker(count, thread=True, exclusive=True, group="dupes-hint", exit_on_error=False)

    def _set_dupes_hint(self, version: int, pairs: int) -> None:
        if not self.is_mounted:
            return
        self._dupes_hint = (version, pairs)
        self.refresh_status()

    def action_dupes(self) -> None:
        def closed(changed: bool | None) -> None:
            if screen.remaining is not None:
                self._set_dupes_hint(self.book.data_version(), screen.remaining)
            if changed:  # merged or dismissed: the list, counts and detail may differ
                self.after_change()

        from .dupes import DupesScreen

        screen = DupesScreen(self.book, self.today)
        self.app.push_screen(screen, closed)

    def action_inbox(self) -> None:
        from .inbox import InboxScreen

        def closed(changed: bool | None) -> None:
            if changed:  # accepted proposals are interactions: last contact and due dates moved
                self.after_change()

        self.app.push_screen(InboxScreen(self.book, self.today), closed)

    def action_sync_conflicts(self) -> None:
        """The vCard folder's conflicts ([sync] vcard_dir in config.toml), side by side."""
        from ...services.sync.settings import SettingsError, sync_folders
        from .sync_conflicts import SyncConflictsScreen

        try:
            folder = sync_folders().get("vcard_dir")
        except SettingsError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        if folder is None:
            self.notify("No vCard folder: set vcard_dir under [sync] in config.toml", markup=False)
            return

        def closed(changed: bool | None) -> None:
            if changed:
                self.after_change()

        self.app.push_screen(SyncConflictsScreen(self.book, self.today, folder), closed)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.help_groups()))

    def help_groups(self) -> list[tuple[str, list[tuple[str, str, str]]]]:
        """(group, [(keys as currently mapped, binding id, what they do)]): the config's
        [keymap] applied, so the help shows the keys that work and the ids that remap them."""
        keymap = self.config.keymap

        def keys_of(binding_id: str, key: str) -> str:
            return key_display(self.app, keymap.get(binding_id, key))

        undone = undoes(self.app)
        groups: dict[str, list[tuple[str, str, str]]] = {}
        groups["Move"] = [("↑ ↓ j k", "", "move in the list"), ("PgUp PgDn", "", "page"),
                          ("Home End", "", "first / last"), ("Tab", "", "next pane"),
                          (keys_of("app.card", "enter"), "app.card",
                           "into the card; in a narrow terminal it takes the list's place"),
                          (keys_of("app.clear", "escape"), "app.clear", "clear search and filters")]
        for binding_id, key, _, _, _, description, group in KEYS:
            groups.setdefault(group, []).append((keys_of(binding_id, key), binding_id, description))
        groups.setdefault("Go", []).append(("ctrl+p", "", "command palette: every action, jump to contact, import"))
        groups["In a form"] = [("Enter", "", "save (ctrl+s in the notes box)"), ("Tab", "", "next field"),
                               ("← → space", "", "change a choice"), ("space", "", "tick / untick a person"),
                               ("Esc", "", "cancel (asks if something was typed)")]
        # The keys of the screens g and D open (their footers show them too).
        groups["In the timeline (Tab into it)"] = [
            (f"{keys_of('detail.up', 'up')} {keys_of('detail.down', 'down')}", "detail.up detail.down",
             "pick an entry"),
            (keys_of("detail.edit", "e"), "detail.edit", "edit the entry in its form"),
            (keys_of("detail.delete", "d"), "detail.delete", f"move the entry to the trash ({undone})"),
            (keys_of("detail.settle", "s"), "detail.settle",
             "settle a favour (returned, let go) or answer an introduction"),
        ]
        groups[f"In the circles ({keys_of('app.circles', 'c')})"] = [
            (keys_of("circles.edit", "e"), "circles.edit", "rename the circle or change its cadence"),
            (keys_of("circles.delete", "d"), "circles.delete",
             f"move the circle to the trash: its people stay ({undone})"),
        ]
        groups[f"On the stats screen ({keys_of('app.stats', 'g')})"] = [
            (keys_of("stats.next", "tab"), "stats.next", "next list: circles, drift"),
            (f"{keys_of('stats.accept', 'a')}, Enter", "stats.accept", "accept the highlighted drift's suggested cadence"),
            (keys_of("stats.bring_back", "b"), "stats.bring_back",
             f"bring the highlighted person of “Let drift” back to their cadence ({undone})"),
            (keys_of("stats.close", "escape,q,g"), "stats.close", "back"),
        ]
        groups[f"On the duplicates screen ({keys_of('app.dupes', 'D')})"] = [
            ("↑ ↓", "", "move between the fields"),
            (f"{keys_of('dupes.left', 'left')} {keys_of('dupes.right', 'right')}", "dupes.left dupes.right",
             "keep the left value / take the right one"),
            (keys_of("dupes.merge", "m"), "dupes.merge", f"merge the pair ({undone})"),
            (keys_of("dupes.dismiss", "n"), "dupes.dismiss", "not the same person: the pair never comes back"),
            (keys_of("dupes.skip", "s"), "dupes.skip", "skip to the next pair"),
            (keys_of("dupes.swap", "x"), "dupes.swap", "swap which record is kept"),
            (keys_of("dupes.close", "escape,q"), "dupes.close", "back"),
        ]
        groups[f"On the Today screen ({keys_of('app.today', 't')})"] = today_help(self.app, keymap)
        groups[f"In the inbox ({keys_of('app.inbox', 'b')})"] = [
            (f"{keys_of('inbox.accept', 'enter')}", "inbox.accept", f"log the proposal as an interaction ({undone})"),
            (keys_of("inbox.ignore", "x"), "inbox.ignore", "ignore it: never proposed again"),
            (keys_of("inbox.accept_all", "A"), "inbox.accept_all", "accept every proposal shown"),
            (keys_of("inbox.close", "escape,q,b"), "inbox.close", "back"),
        ]
        groups[f"On the prep card ({keys_of('app.prep', 'p')})"] = [
            (keys_of("prep.close", "escape,q,p"), "prep.close", "close"),
        ]
        groups["On the sync conflicts screen (ctrl+p)"] = [
            ("↑ ↓", "", "move between the conflicts"),
            (keys_of("sync.take_book", "b"), "sync.take_book", "keep kontakt's value, then sync"),
            (keys_of("sync.take_folder", "f"), "sync.take_folder", "take the folder's value, then sync"),
            (keys_of("sync.close", "escape,q"), "sync.close", "back"),
        ]
        return list(groups.items())
