"""The contact list: a virtualised table that asks the book only for the rows on screen."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import date, timedelta

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...domain import Balance, Contact, fold
from ...domain.dates import relative
from ...store import Book
from .shown import visible

# Rows are fetched from the book in pages this big; a handful of pages stay cached.
PAGE_SIZE = 100
CACHED_PAGES = 6
# A keystroke counts a search's matches up to this many; the exact count follows once
# typing pauses for EXACT_COUNT_AFTER seconds (or at once when the end of the list is asked for).
COUNT_AT_KEYSTROKE = 1_000
EXACT_COUNT_AFTER = 0.3
# Someone due within this many days gets the quiet "soon" marker.
SOON_DAYS = 7


@dataclass(frozen=True)
class ListFilter:
    """What the list shows: a search text, a circle, and active or archived people."""

    query: str = ""
    circle: str | None = None
    archived: bool = False

    @classmethod
    def from_search(cls, text: str, *, archived: bool = False, circle: str | None = None) -> ListFilter:
        """Split search-box text: `#word` picks a circle, the rest is full-text search."""
        words = []
        for word in text.split():
            if word.startswith("#") and len(word) > 1:
                circle = word[1:]
            else:
                words.append(word)
        return cls(query=" ".join(words), circle=circle, archived=archived)

    def store_args(self) -> dict:
        return {"query": self.query or None, "tag": self.circle, "archived": self.archived}


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int
    right: bool = False


def layout(width: int) -> list[Column]:
    """Columns for a list `width` cells wide: organisation and circles only when they fit.

    Every column is followed by a two-cell gap except the last.
    """
    # Due marker, name, [organisation], [circles], last contact, balance sign.
    fixed = 1 + 9 + 1 + 3 * 2
    rest = max(width - fixed, 8)
    columns = [Column("due", "", 1)]
    if rest >= 22 + 2 + 12 + 2 + 12:
        name = max(22, min(32, rest * 2 // 5))
        remaining = rest - name - 4
        org = remaining * 3 // 5
        columns += [Column("name", "name", name), Column("org", "organisation", org),
                    Column("circles", "circles", remaining - org)]
    elif rest >= 22 + 2 + 12:
        name = max(22, rest * 3 // 5)
        columns += [Column("name", "name", name), Column("org", "organisation", rest - name - 2)]
    else:
        columns += [Column("name", "name", rest)]
    columns += [Column("last", "last", 9), Column("balance", "±", 1, right=True)]
    return columns


def fit(text: str, width: int, right: bool = False) -> str:
    """Pad or cut `text` to exactly `width` cells, marking a cut with an ellipsis."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    padding = " " * (width - cell_len(text))
    return padding + text if right else text + padding


class ContactList(ScrollView, can_focus=True):
    """Contacts in name order; only the visible window is ever read from the book."""

    COMPONENT_CLASSES = {
        "contact-list--header",
        "contact-list--cursor",
        "contact-list--cursor-blurred",
        "contact-list--muted",
        "contact-list--due",
        "contact-list--soon",
        "contact-list--gave",
        "contact-list--received",
        "contact-list--archived",
    }

    DEFAULT_CSS = """
    ContactList { background: $surface; }
    ContactList > .contact-list--header { color: $text-muted; text-style: bold; }
    ContactList > .contact-list--cursor { background: $primary 40%; text-style: bold; }
    ContactList > .contact-list--cursor-blurred { background: $primary 18%; }
    ContactList > .contact-list--muted { color: $text-muted; }
    ContactList > .contact-list--due { color: $warning; text-style: bold; }
    ContactList > .contact-list--soon { color: $text-muted; }
    ContactList > .contact-list--gave { color: $success; }
    ContactList > .contact-list--received { color: $warning; }
    ContactList > .contact-list--archived { color: $text-muted; text-style: italic; }
    """

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True)

    @dataclass
    class Highlighted(Message):
        """The highlighted contact changed (None when the list is empty)."""

        contact: Contact | None

    class Counted(Message):
        """The exact count of a long search result arrived (the status line shows it)."""

    def __init__(self, book: Book, today: date, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.book = book
        self.today = today
        self.filter = ListFilter()
        self.count = 0
        # False while `count` is COUNT_AT_KEYSTROKE + 1 standing for "more than that".
        self.count_is_exact = True
        self._exact_timer = None
        self._pages: OrderedDict[int, list[tuple[Contact, Balance]]] = OrderedDict()
        # The day each person's earliest open follow-up shows up, for the rows read in pages.
        self._follow_up_days: dict[int, date] = {}
        self._last_highlighted: int | None = -1

    # ---------------------------------------------------------------- data

    def on_mount(self) -> None:
        self.load(self.filter)

    def load(self, new_filter: ListFilter, *, keep_cursor: bool = False) -> None:
        """Show the contacts matching `new_filter`; asks the book for the count only."""
        self.filter = new_filter
        self._pages.clear()
        self._follow_up_days.clear()
        self.count, self.count_is_exact = self.book.count_contacts_upto(
            COUNT_AT_KEYSTROKE, **new_filter.store_args())
        if self._exact_timer is not None:
            self._exact_timer.stop()
            self._exact_timer = None
        if not self.count_is_exact:
            self._exact_timer = self.set_timer(EXACT_COUNT_AFTER, self.count_exactly)
        self.virtual_size = Size(0, self.count + 1)
        cursor = min(self.cursor, self.count - 1) if keep_cursor else 0
        self._last_highlighted = -1
        if not keep_cursor:
            self.scroll_to(y=0, animate=False)
        self.cursor = max(cursor, 0)
        self.refresh()

    def count_exactly(self) -> None:
        """Replace a "more than" count by the exact one (a no-op once it is exact)."""
        self._exact_timer = None
        if self.count_is_exact:
            return
        self.count = self.book.count_contacts(**self.filter.store_args())
        self.count_is_exact = True
        self.virtual_size = Size(0, self.count + 1)
        self.refresh()
        self.post_message(self.Counted())

    def reload(self, select: Contact | None = None) -> None:
        """Re-read after a change; keep the cursor where it was, or move it to `select`."""
        self.load(self.filter, keep_cursor=True)
        if select is not None:
            self.select(select)

    def refresh_rows(self) -> None:
        """Re-read after another process wrote, keeping the user's place: same filter, same
        highlighted contact (by id) on the same screen line, so a contact added above scrolls
        the window with it instead of shifting every row. Posts Highlighted only if the
        highlighted contact is gone (trashed, or no longer matching the filter)."""
        kept, old_cursor, old_top = self.highlighted, self.cursor, round(self.scroll_offset.y)
        self._pages.clear()
        self._follow_up_days.clear()
        self.count = self.book.count_contacts(**self.filter.store_args())
        self.count_is_exact = True
        self.virtual_size = Size(0, self.count + 1)
        position = None
        if kept is not None:
            # Usually still on the same page (a call logged, one person added): look there
            # first; a binary search over a 100k book costs ~17 page reads.
            position = self._near(kept.id, old_cursor)
            if position is None:
                # Fresh from the book: a rename elsewhere moves them in the name order.
                fresh = self.book.get_contacts([kept.id])
                position = self.position_of(fresh[0]) if fresh else None
        if position is not None and position != old_cursor:
            self.scroll_to(y=max(old_top + position - old_cursor, 0), animate=False)
        self.cursor = old_cursor if position is None else position
        self.refresh()

    def _near(self, contact_id: int, index: int, reach: int = PAGE_SIZE // 2) -> int | None:
        """Where `contact_id` is within `reach` rows of `index`, nearest first; None if not."""
        for distance in range(reach + 1):
            for candidate in {index - distance, index + distance}:
                found = self.row(candidate)
                if found is not None and found[0].id == contact_id:
                    return candidate
        return None

    def row(self, index: int) -> tuple[Contact, Balance] | None:
        """The contact at `index` in the current order, read a page at a time."""
        if index >= self.count and not self.count_is_exact:
            self.count_exactly()  # scrolled past "more than …": how many more, now
        if not 0 <= index < self.count:
            return None
        page_number = index // PAGE_SIZE
        page = self._pages.get(page_number)
        if page is None:
            contacts = self.book.list_contacts(
                limit=PAGE_SIZE, offset=page_number * PAGE_SIZE, **self.filter.store_args()
            )
            balances = self.book.balances(c.id for c in contacts)
            for contact in contacts:
                self._follow_up_days.pop(contact.id, None)
            self._follow_up_days.update(self.book.first_follow_up_days(c.id for c in contacts))
            page = [(c, balances[c.id]) for c in contacts]
            self._pages[page_number] = page
            while len(self._pages) > CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_number)
        offset = index - page_number * PAGE_SIZE
        return page[offset] if offset < len(page) else None

    @property
    def highlighted(self) -> Contact | None:
        found = self.row(self.cursor)
        return found[0] if found else None

    def visible_contacts(self) -> list[Contact]:
        """The contacts currently on screen (for tests and group logging)."""
        first = round(self.scroll_offset.y)
        rows = [self.row(i) for i in range(first, first + max(self.size.height - 1, 0))]
        return [r[0] for r in rows if r]

    def position_of(self, contact: Contact) -> int | None:
        """Where `contact` sits in the current order, by binary search over (name, id) pages."""
        key = (fold(contact.name), contact.id)
        self.count_exactly()
        low, high = 0, self.count
        while low < high:
            middle = (low + high) // 2
            found = self.row(middle)
            if found is None:
                return None
            if (fold(found[0].name), found[0].id) < key:
                low = middle + 1
            else:
                high = middle
        found = self.row(low)
        return low if found and found[0].id == contact.id else None

    def select(self, contact: Contact) -> bool:
        """Move the cursor to `contact` if the current filter shows it."""
        position = self.position_of(contact)
        if position is None:
            return False
        self.cursor = position
        return True

    # ---------------------------------------------------------------- cursor

    def validate_cursor(self, value: int) -> int:
        if value >= self.count - 1 and not self.count_is_exact:
            self.count_exactly()
        return max(0, min(value, self.count - 1)) if self.count else 0

    def watch_cursor(self, value: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        contact = self.highlighted
        contact_id = contact.id if contact else None
        if contact_id != self._last_highlighted:
            self._last_highlighted = contact_id
            self.post_message(self.Highlighted(contact))

    def _scroll_cursor_into_view(self) -> None:
        rows = max(self.size.height - 1, 1)
        top = round(self.scroll_offset.y)
        # force: right after a new filter the scrollbar still has the old list's state (a
        # short search result: none), and an unforced scroll would be dropped for it.
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, force=True)
        elif self.cursor >= top + rows:
            self.scroll_to(y=self.cursor - rows + 1, animate=False, force=True)

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        self.cursor += direction * max(self.size.height - 2, 1)

    def action_jump(self, where: int) -> None:
        if where != 0:
            self.count_exactly()
        self.cursor = 0 if where == 0 else self.count - 1

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(0, self.count + 1)
        self._scroll_cursor_into_view()

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.cursor = round(self.scroll_offset.y) + event.y - 1

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # ---------------------------------------------------------------- rendering

    def _style(self, name: str) -> Style:
        """A component's colour and weight only, so it can sit on the cursor row too."""
        style = self.get_component_rich_style(f"contact-list--{name}")
        if name.startswith("cursor"):
            return style
        return Style(color=style.color, bold=style.bold, italic=style.italic)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        columns = layout(width)
        if y == 0:
            header = self._style("header")
            segments = [Segment(fit(c.title, c.width, c.right) + "  ", base + header) for c in columns]
            segments[-1] = Segment(segments[-1].text.rstrip(), segments[-1].style)
            return Strip(segments).adjust_cell_length(width, base)
        index = round(self.scroll_offset.y) + y - 1
        if self.count == 0:
            return self._empty_line(y, width, base)
        found = self.row(index)
        if found is None:
            return Strip.blank(width, base)
        contact, balance = found
        row_style = base
        if index == self.cursor:
            row_style = base + self._style("cursor" if self.has_focus else "cursor-blurred")
        segments = []
        for column in columns:
            text, style = self._cell(column.key, contact, balance, column.width)
            segments.append(Segment(fit(text, column.width, column.right), row_style + style))
            segments.append(Segment("  ", row_style))
        segments.pop()
        return Strip(segments).adjust_cell_length(width, row_style)

    def _empty_line(self, y: int, width: int, base: Style) -> Strip:
        if self.filter.query or self.filter.circle:
            messages = ["  Nobody matches. Esc clears the search."]
        elif self.filter.archived:
            messages = ["  No archived contacts."]
        else:
            messages = ["  No contacts yet. a adds someone;",
                        "  I imports a file: Google, Outlook,",
                        "  LinkedIn, vCard, JSON (or ctrl+p).",]
        if not 2 <= y < 2 + len(messages):
            return Strip.blank(width, base)
        return Strip([Segment(fit(messages[y - 2], width), base + self._style("muted"))])

    def _cell(self, key: str, contact: Contact, balance: Balance, width: int) -> tuple[str, Style]:
        muted = self._style("muted")
        if key == "due":
            # The card's "next": the keep-in-touch day or an earlier open follow-up.
            days = [day for day in (contact.next_due, self._follow_up_days.get(contact.id)) if day]
            if contact.archived or not days:
                return "", Style()
            if min(days) <= self.today:
                return "●", self._style("due")
            if min(days) <= self.today + timedelta(days=SOON_DAYS):
                return "○", self._style("soon")
            return "", Style()
        # Raw segments reach the terminal as they are: user data only through `visible`.
        if key == "name":
            # The nickname only when there is room: a cut-off name helps no one.
            name = visible(contact.display_name)
            name = name if cell_len(name) <= width else visible(contact.name)
            return name, self._style("archived") if contact.archived else Style()
        if key == "org":
            return visible(contact.org), muted
        if key == "circles":
            return visible(" ".join(f"#{t}" for t in contact.tags)), muted
        if key == "last":
            return relative(contact.last_contact, self.today), muted
        if key == "balance":
            style = {"+": "gave", "−": "received"}.get(balance.mark)
            return balance.mark, self._style(style) if style else muted
        return "", Style()


def filter_with(current: ListFilter, **changes) -> ListFilter:
    return replace(current, **changes)
