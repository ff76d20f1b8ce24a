"""The Inbox screen (b): interactions proposed by `kontakt capture`, by day, the card beside.

Enter accepts the highlighted proposal (an ordinary interaction, one undo step), x ignores it
(never proposed again), A accepts every proposal shown; z undoes either. Proposals come from
store/capture.py; nothing here decides what to propose.
"""

from __future__ import annotations

from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...domain.dates import human
from ...domain.text import counted
from ...store import Book
from ...store import capture as store
from ..commands import first_key
from ..live import BookChanged
from ..widgets.detail import ContactDetail
from ..widgets.footer import Footer
from ..widgets.shown import shown

MUTED = "$text-muted"
DIRECTION_WORDS = {"me": "I reached out", "them": "they reached out", "mutual": "both wrote"}
KIND_WIDTH = 8


def proposal_line(p: store.Proposal) -> Content:
    """One proposal as a row: kind, people, who reached out or the event title, its source."""
    # Spaces stay outside styled spans: a styled span's leading spaces are lost in SVGs.
    parts: list[Content | tuple[str, str] | str] = [
        (p.kind, "italic"), " " * max(1, KIND_WIDTH - len(p.kind)), shown(", ".join(p.names), "bold"),
    ]
    if p.direction and p.source == "mail":
        parts += ["  ", (DIRECTION_WORDS[p.direction], MUTED)]
    if p.title:
        parts += ["  ", shown(f"“{p.title}”")]
    parts += ["  ", (p.source, MUTED)]
    return Content.assemble(*parts)


def day_heading(day: date, today: date) -> Content:
    ago = (today - day).days
    when = "today" if ago == 0 else "yesterday" if ago == 1 else f"{ago} days ago"
    return Content.assemble((human(day), "bold $accent"), "  ", (f"{day.strftime('%A')} · {when}", MUTED))


class InboxScreen(Screen[bool]):
    """Proposed interactions, oldest day first; dismissed with True when the book changed."""

    BINDINGS = [
        Binding("enter", "accept", "Accept", id="inbox.accept"),
        Binding("x", "ignore", "Ignore", id="inbox.ignore"),
        Binding("A", "accept_all", "Accept all shown", id="inbox.accept_all"),
        Binding("escape,q,b", "close", "Back", id="inbox.close"),
    ]

    def __init__(self, book: Book, today: date) -> None:
        super().__init__()
        self.book = book
        self.today = today
        self.proposals: list[store.Proposal] = []
        self.changed = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="app-header"):
            yield Static(Content.styled("Inbox", "bold $accent"), id="header-left")
            yield Static(id="header-right")
        with Horizontal(id="inbox-body"):
            yield OptionList(id="inbox-list", markup=False)
            yield ContactDetail(id="detail")
        yield Footer()

    @property
    def options(self) -> OptionList:
        return self.query_one("#inbox-list", OptionList)

    def on_mount(self) -> None:
        self.query_one(ContactDetail).can_focus = False  # keys stay with the list
        self.reload()
        self.options.focus()

    # ---------------------------------------------------------------- what is shown

    def reload(self, *, keep: int | None = None) -> None:
        """Read the pending proposals again; highlight `keep`'s position (or the first)."""
        options = self.options
        position = options.highlighted or 0 if keep is None else keep
        self.proposals = store.pending(self.book)
        options.clear_options()
        rows: list[Option] = []
        day = None
        for p in self.proposals:
            if p.date != day:
                day = p.date
                rows.append(Option(day_heading(day, self.today), disabled=True))
            rows.append(Option(proposal_line(p), id=f"p{p.id}"))
        if not rows:
            rows.append(Option(Content.assemble(
                ("Nothing waiting.", "bold"), "\n",
                ("kontakt capture calendar PATH and kontakt capture mail PATH propose what "
                 "happened; [capture] in the config lets a bare `kontakt capture` do both.", MUTED),
            ), disabled=True))
        options.add_options(rows)
        count = len(self.proposals)
        # The keys only while there is something to accept or ignore (at 0 they did nothing).
        keys = (f" · {first_key(self.app, 'inbox.accept', 'enter')} accept · "
                f"{first_key(self.app, 'inbox.ignore', 'x')} ignore · "
                f"{first_key(self.app, 'inbox.accept_all', 'A')} all") if count else ""
        self.query_one("#header-right", Static).update(
            Content.styled(counted(count, "proposal") + keys, MUTED))
        self.refresh_bindings()
        enabled = [i for i, o in enumerate(options.options) if not o.disabled]
        if enabled:
            options.highlighted = min((i for i in enabled if i >= position), default=enabled[-1])
        self._show_card()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return bool(self.proposals) if action in ("accept", "ignore", "accept_all") else True

    @property
    def current(self) -> store.Proposal | None:
        options = self.options
        if options.highlighted is None:
            return None
        option = options.get_option_at_index(options.highlighted)
        if option.disabled or option.id is None:
            return None
        wanted = int(option.id[1:])
        return next((p for p in self.proposals if p.id == wanted), None)

    def _show_card(self) -> None:
        p = self.current
        contact = None
        if p is not None:
            try:
                contact = self.book.get_contact(p.contact_ids[0])
            except LookupError:
                contact = None
        self.query_one(ContactDetail).show(self.book, contact, self.today)

    @on(OptionList.OptionHighlighted, "#inbox-list")
    def _highlighted(self) -> None:
        self._show_card()

    @on(OptionList.OptionSelected, "#inbox-list")
    def _selected(self) -> None:
        self.action_accept()

    @on(BookChanged)
    def _book_changed(self) -> None:
        # z undid an accept, or a `kontakt capture` in a shell found more.
        self.reload()

    # ---------------------------------------------------------------- keys

    def _named(self, label: str, contact_id: int | None) -> None:
        push_undo = getattr(self.app, "push_undo", None)
        if push_undo is not None:
            push_undo(label, contact_id=contact_id)

    def action_accept(self) -> None:
        p = self.current
        if p is None:
            return
        try:
            store.accept(self.book, [p.id], today=self.today)
        except (LookupError, ValueError) as error:
            self.notify(str(error), severity="error", markup=False)
            self.reload()
            return
        names = ", ".join(p.names)
        self._named(f"accept {p.kind} with {names} from capture", p.contact_ids[0])
        self.changed = True
        self.notify(f"Logged {p.kind} with {names} on {p.date.isoformat()} · z undoes", markup=False)
        self.reload(keep=self.options.highlighted)

    def action_ignore(self) -> None:
        p = self.current
        if p is None:
            return
        try:
            store.ignore(self.book, [p.id])
        except (LookupError, ValueError) as error:
            self.notify(str(error), severity="error", markup=False)
            self.reload()
            return
        self._named(f"ignore {p.kind} with {', '.join(p.names)}", p.contact_ids[0])
        self.changed = True
        self.notify(f"Ignored: {', '.join(p.names)} on {p.date.isoformat()} · z undoes", markup=False)
        self.reload(keep=self.options.highlighted)

    def action_accept_all(self) -> None:
        ids = [p.id for p in self.proposals]
        if not ids:
            return
        try:
            store.accept(self.book, ids, today=self.today)
        except (LookupError, ValueError) as error:
            self.notify(str(error), severity="error", markup=False)
            self.reload()
            return
        self._named(f"accept {len(ids)} captured interactions", None)
        self.changed = True
        self.notify(f"Logged {len(ids)} interaction{'s' if len(ids) != 1 else ''} · z undoes", markup=False)
        self.reload()

    def action_close(self) -> None:
        self.dismiss(self.changed)
