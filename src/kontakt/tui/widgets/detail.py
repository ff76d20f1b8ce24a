"""The detail pane: who the highlighted person is, and everything that happened, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Region
from textual.message import Message
from textual.widgets import Static

from ...domain import Balance, Contact, FollowUp
from ...domain.dates import human, relative
from ...domain.relations import Relationship
from ...domain.timeline import TimelineEntry, timeline
from ...store import Book
from ...store import relations
from .shown import shown, visible

LABEL_WIDTH = 9
KIND_MARKS = {
    "interaction": ("●", "$primary"),
    "favour": ("◆", "$success"),
    "introduction": ("⇄", "$secondary"),
    "follow-up": ("◷", "$warning"),
    "note": ("✎", "$accent"),
}


def _labelled(value: str, label: str) -> Content:
    """'+44 20 7946 0000 (mobile)': one plain text, so a long address wraps as one (a styled
    label at the end of a wrapped line is drawn apart from the text before it)."""
    return shown(f"{value} ({label})" if label else value)


def hang(prefix: Content, value: Content, width: int) -> Content:
    """`prefix` then `value` wrapped to `width`, continuation lines indented under the value."""
    indent = prefix.cell_length
    lines = value.wrap(max(width - indent, 12)) if value.plain else [Content("")]
    out = [Content.assemble(prefix, lines[0].rstrip())]
    out += [Content.assemble(" " * indent, line.rstrip()) for line in lines[1:]]
    return Content("\n").join(out)


def when(day: date | None, today: date) -> str:
    """'12 d ago · 11 Nov 2026'."""
    if day is None:
        return "never"
    return f"{relative(day, today)} · {human(day)}"


def next_step(contact: Contact, follow_ups: Sequence[FollowUp]) -> tuple[date, str] | None:
    """The earliest of the keep-in-touch date and the open follow-ups: (day, what), or None."""
    steps: list[tuple[date, str]] = []
    if contact.next_due and not contact.archived and contact.effective_cadence is not None:
        steps.append((contact.next_due, "keep in touch"))
    for follow_up in follow_ups:
        if follow_up.status == "open":
            note = follow_up.note.strip().splitlines()[0] if follow_up.note.strip() else ""
            steps.append((follow_up.effective_due, f"follow-up: {note}" if note else "follow-up"))
    return min(steps, key=lambda step: step[0]) if steps else None


def contact_card(contact: Contact, balance: Balance, today: date, width: int = 60,
                 follow_ups: Sequence[FollowUp] = (),
                 relationships: Sequence[Relationship] = ()) -> Content:
    """The fields of one contact as Content (user text is never read as markup, and its
    control characters are shown, not sent)."""
    lines: list[Content] = []

    def field(label: str, value: str | Content) -> None:
        value = value if isinstance(value, Content) else shown(value)
        lines.append(hang(Content.styled(label.ljust(LABEL_WIDTH), "$text-muted"), value, width))

    title = shown(contact.name, "bold $accent")
    if contact.nickname:
        title = Content.assemble(title, ("  “", "$text-muted"), shown(contact.nickname, "$text-muted"), ("”", "$text-muted"))
    lines.append(hang(Content(""), title, width))
    subtitle = visible(" · ".join(p for p in (contact.role, contact.org) if p))
    if contact.archived:
        subtitle = f"{subtitle} · archived" if subtitle else "archived"
    if subtitle:
        lines.append(hang(Content(""), Content.styled(subtitle, "$text-muted"), width))
    lines.append(Content(""))
    field("last", when(contact.last_contact, today))
    cadence = contact.effective_cadence
    if cadence is not None:
        field("cadence", f"{cadence}" + ("" if contact.cadence else " (circle)"))
    elif contact.drift_cadence is not None:  # as `kontakt show` says it; b in stats brings back
        field("cadence", f"let drift (was {contact.drift_cadence}" + ("" if contact.cadence else ", circle") + ")")
    if contact.channel:
        field("channel", contact.channel)
    step = None if contact.archived else next_step(contact, follow_ups)
    if step is not None:
        # Whichever comes first: the keep-in-touch date or an earlier follow-up.
        day, what = step
        what = "" if what == "keep in touch" else f" · {what}"
        if day <= today:
            late = "due today" if day == today else f"due since {relative(day, today).replace(' ago', '')}"
            field("next", Content.assemble((late, "bold $warning"), shown(what, "$text-muted")))
        else:
            field("next", Content.assemble(when(day, today), shown(what, "$text-muted")))
    if balance.gave or balance.received:
        field("balance", str(balance))
    if contact.tags:
        field("circles", "  ".join(f"#{t}" for t in contact.tags))
    for index, link in enumerate(relationships):
        field("people" if index == 0 else "", f"{link.kind}: {link.with_name}")
    for label, values in (("email", contact.emails), ("phone", contact.phones)):
        for index, value in enumerate(values):
            field(label if index == 0 else "", _labelled(value, contact.label_of(value)))
    for index, address in enumerate(contact.addresses):
        field("address" if index == 0 else "", _labelled(address.one_line(), address.label))
    for index, url in enumerate(contact.urls):
        field("web" if index == 0 else "", url)
    if contact.location:
        field("lives", contact.location)
    if contact.birthday:
        upcoming = contact.birthday.next_on_or_after(today)
        age = contact.birthday.age_on(upcoming)
        turning = f", turns {age}" if age else ""  # as prep and today: no "turns 0"
        field("birthday", f"{contact.birthday} · {relative(upcoming, today)}{turning}")
    if contact.met:
        field("met", contact.met)
    return Content("\n").join(lines)


# Entries drawn at first; the next ones as the picked entry moves past the last drawn. Each
# costs ~0.1 ms to lay out and Textual as much again to draw: a partner logged daily for
# years (5,000 entries) took ~1 s to show whenever the list passed over them.
TIMELINE_PAGE = 100


def timeline_content(
    entries: list[TimelineEntry], today: date, width: int = 60, selected: int | None = None,
    *, more: int = 0,
) -> Content:
    """The entries; `more` counts the earlier ones not drawn (yet)."""
    if not entries:
        return Content.styled("Nothing yet. l logs a conversation, f a favour.", "$text-muted")
    lines = timeline_entries(entries, today, width, selected)
    if more:
        lines.append(Content.styled(
            f"and {more:,} earlier (pick the last one above and go down for more)", "$text-muted"))
    return Content("\n").join(lines)


def timeline_entries(
    entries: list[TimelineEntry], today: date, width: int = 60, selected: int | None = None
) -> list[Content]:
    """One Content per entry (several lines when it wraps); `selected` is drawn reversed."""
    lines: list[Content] = []
    for index, entry in enumerate(entries):
        mark, style = KIND_MARKS.get(entry.kind, ("·", "$text-muted"))
        day_style = "$text-muted" if entry.date <= today else "bold $warning"
        prefix = Content.assemble((human(entry.date).rjust(11), day_style), "  ", (mark, style), " ")
        line = hang(prefix, shown(entry.text), width)
        if index == selected:
            line = line.stylize("reverse")
        lines.append(line)
    return lines


class ContactDetail(VerticalScroll, can_focus=True):
    """Fields, circles, cadence, balance, notes and the one timeline of a contact.

    Focused (tab), ↑/↓ pick a timeline entry; e asks to edit it and d to delete it
    (posted as `EditEntry` / `DeleteEntry`: the screen does the writing).
    """

    BINDINGS = [
        Binding("up", "select_entry(-1)", "Previous entry", show=False, id="detail.up"),
        Binding("down", "select_entry(1)", "Next entry", show=False, id="detail.down"),
        Binding("e", "edit_entry", "Edit entry", id="detail.edit"),
        Binding("d", "delete_entry", "Delete entry", id="detail.delete"),
        Binding("s", "settle_entry", "Settle", id="detail.settle"),
    ]

    class EditEntry(Message):
        """The user asked to edit `entry` in `contact`'s timeline."""

        def __init__(self, contact: Contact, entry: TimelineEntry) -> None:
            super().__init__()
            self.contact = contact
            self.entry = entry

    class DeleteEntry(EditEntry):
        """The user asked to move `entry` in `contact`'s timeline to the trash."""

    class SettleEntry(EditEntry):
        """The user asked to settle a favour or answer an introduction in the timeline."""

    _entries: list[TimelineEntry] = []
    _cursor: int = 0
    _width: int = 60
    _drawn: int = TIMELINE_PAGE  # how many of the entries are drawn (the newest first)

    def compose(self):
        yield Static(id="detail-card")
        yield Static(id="detail-notes")
        yield Static("Timeline", id="detail-timeline-title", classes="section-title")
        yield Static(id="detail-timeline")

    _shown: tuple[Book, Contact | None, date] | None = None
    _shown_state: tuple | None = None

    def on_resize(self) -> None:
        self.fit_width()

    def fit_width(self) -> None:
        """Redraw if the pane's width is no longer the one it was drawn for (and only then:
        the first layout resizes the pane to what it was drawn for). Also called when the
        pane comes back from being hidden, which sends it no Resize."""
        if self._shown is not None and self._state(*self._shown) != self._shown_state:
            self.show(*self._shown, keep_scroll=True)

    def show_highlighted(self, book: Book, contact: Contact | None, today: date) -> None:
        """`show` for a list's new highlight: nothing to do when it is the person already
        shown, unchanged, and nothing was written since (typing a search re-highlights the
        same top match at almost every key; redrawing the card and timeline cost ~15 ms)."""
        if self._shown is not None and self._state(book, contact, today) == self._shown_state:
            return
        self.show(book, contact, today)

    def _state(self, book: Book, contact: Contact | None, today: date) -> tuple:
        """What a drawing depends on: the person, the day, the book's version, the width."""
        return (book, contact, today, book.version_key(), self.scrollable_content_region.width)

    def show(self, book: Book, contact: Contact | None, today: date, *, keep_scroll: bool = False) -> None:
        self._shown_state = self._state(book, contact, today)
        same = self._shown is not None and contact is not None and self._shown[1] is not None \
            and self._shown[1].id == contact.id
        self._shown = (book, contact, today)
        if not same:
            self._cursor = 0
        self._entries = []
        width = self.scrollable_content_region.width or 60
        card = self.query_one("#detail-card", Static)
        notes = self.query_one("#detail-notes", Static)
        history = self.query_one("#detail-timeline", Static)
        title = self.query_one("#detail-timeline-title", Static)
        if contact is None:
            card.update(Content.styled("No one selected.", "$text-muted"))
            notes.display = history.display = title.display = False
            return
        balance = book.balance(contact.id)
        follow_ups = book.follow_ups_for(contact.id)
        links = relations.relationships_for(book, contact.id)
        card.update(contact_card(contact, balance, today, width, follow_ups, links))
        notes.display = bool(contact.notes)
        notes.update(shown(contact.notes, multiline=True))
        entries = timeline(
            contact.id,
            book.interactions_for(contact.id),
            book.favours_for(contact.id),
            follow_ups,
            book.introductions_for(contact.id),
            relations.journal_for(book, contact.id),
        )
        title.display = history.display = True
        title.update(Content.assemble(("Timeline", "bold"), (f"  {len(entries)}", "$text-muted")))
        self._entries, self._width = entries, width
        self._cursor = max(0, min(self._cursor, len(entries) - 1))
        self._drawn = max(TIMELINE_PAGE, self._cursor + 1) if same else TIMELINE_PAGE
        history.update(self._timeline())
        if self.has_focus:
            self.refresh_bindings()
        if not keep_scroll and not (same and self.has_focus):
            self.scroll_home(animate=False)

    # ---------------------------------------------------------------- picking an entry

    # Settling answers a favour or an introduction (ledger_dialogs.settle_entry).
    _SETTLED_KINDS = ("favour", "introduction")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The entry keys only with an entry to act on (the footer showed e, d and s under an
        empty timeline), and s only on a favour or an introduction."""
        if action in ("edit_entry", "delete_entry"):
            return bool(self._entries)
        if action == "settle_entry":
            entry = self.selected
            return entry is not None and entry.kind in self._SETTLED_KINDS
        return True

    @property
    def selected_index(self) -> int | None:
        """The picked entry's index, shown only while the pane has focus."""
        return self._cursor if self.has_focus and self._entries else None

    @property
    def selected(self) -> TimelineEntry | None:
        return self._entries[self._cursor] if self._entries else None

    def _timeline(self) -> Content:
        drawn = self._entries[: self._drawn]
        return timeline_content(drawn, self._shown[2], self._width, self.selected_index,
                                more=len(self._entries) - len(drawn))

    def _draw_timeline(self) -> None:
        if self.has_focus:  # the entry keys follow what is picked (shown only while focused)
            self.refresh_bindings()
        if self._shown is None or self._shown[1] is None:
            return
        self.query_one("#detail-timeline", Static).update(self._timeline())

    _from_top = False

    def focus_card(self, *, from_top: bool = False) -> None:
        """Focus the card, scrolled to its top (`from_top`) or to the picked entry."""
        self._from_top = from_top
        if from_top:
            self.scroll_home(animate=False)
        self.focus()

    def on_focus(self) -> None:
        self._draw_timeline()
        if self._from_top:
            self._from_top = False
            return
        # Into the card (Enter, Tab): the picked entry in view, below a long card too.
        self.call_after_refresh(self._scroll_to_selected)

    def on_blur(self) -> None:
        self._draw_timeline()

    def action_select_entry(self, delta: int) -> None:
        if not self._entries:
            self.scroll_relative(y=delta, animate=False)
            return
        self._cursor = max(0, min(self._cursor + delta, len(self._entries) - 1))
        if self._cursor >= self._drawn:  # down past the last drawn entry: the next page
            self._drawn = self._cursor + TIMELINE_PAGE
        self._draw_timeline()
        self.call_after_refresh(self._scroll_to_selected)

    def _scroll_to_selected(self) -> None:
        """Keep the picked entry in view (its lines, counted as drawn)."""
        if not self._entries or self._shown is None:
            return
        drawn = timeline_entries(self._entries[: self._cursor + 1], self._shown[2], self._width)
        top = sum(len(c.plain.split("\n")) for c in drawn[: self._cursor])
        height = len(drawn[self._cursor].plain.split("\n"))
        history = self.query_one("#detail-timeline", Static)
        y = history.virtual_region.y + top
        if self._cursor == 0 and y + height <= self.scrollable_content_region.height:
            y, height = 0, y + height  # the first entry brings the card into view with it
        self.scroll_to_region(Region(0, y, 1, height), animate=False)

    def _ask(self, message_class: type[EditEntry]) -> None:
        entry = self.selected
        contact = self._shown[1] if self._shown else None
        if entry is None or contact is None or entry.id is None:
            self.notify("Nothing in the timeline to pick.", severity="warning", markup=False)
            return
        self.post_message(message_class(contact, entry))

    def action_edit_entry(self) -> None:
        self._ask(self.EditEntry)

    def action_delete_entry(self) -> None:
        self._ask(self.DeleteEntry)

    def action_settle_entry(self) -> None:
        self._ask(self.SettleEntry)
