"""The Duplicates screen (D): likely pairs side by side, chosen field by field, then merged.

Detection, the merge plan and the merge itself are services.dupes; this screen shows a pair,
lets ←/→ pick a side per field (re-planned with `plan_fields`, nothing written), and sends
m (merge), n (not the same person) or s (skip) back.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from datetime import date
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker, WorkerState, get_current_worker

from ...domain import Birthday, Contact, DateError
from ...domain.text import counted
from ...services.dupes import (
    CHOOSABLE, Candidate, FieldChoice, MergeError, dismiss, find_duplicates, merge, plan_fields,
    undismiss, undo_merge,
)
from ...store import Book, NotFound
from ..background import count_duplicates_cached, duplicates_at, in_background
from ..commands import first_key
from ..live import BookChanged
from ..widgets.contact_list import fit
from ..widgets.footer import Footer
from ..widgets.shown import shown, visible

MUTED = "$text-muted"
LABELS = {"tags": "circles", "met": "met", "org": "org", "location": "lives", "urls": "web",
          "channel": "reach by"}
LABEL_WIDTH = 10


def count_duplicates(path: Path) -> int:
    """How many likely pairs the book at `path` holds; call it from a worker thread (it reads
    through connections of its own, and a big book is searched in a separate process, stopped
    when the worker is cancelled — quitting the app must not wait for a count). The count of
    an unchanged book is kept (`count_duplicates_cached`)."""
    worker = get_current_worker()
    return count_duplicates_cached(path, cancelled=lambda: worker.is_cancelled)


def _label(field: str) -> str:
    return LABELS.get(field, field)


def _one_line(text: str) -> str:
    first, *rest = text.splitlines() or [""]
    return first + (" …" if rest else "")


class MergeFields(Widget, can_focus=True):
    """The two records as rows of fields, kept on the left and the other on the right; the
    cursor row is the field ←/→ choose for. Every value is data, drawn as plain Content with its
    control characters shown (`visible`)."""

    COMPONENT_CLASSES = {"merge-fields--cursor"}
    DEFAULT_CSS = """
    MergeFields { height: auto; }
    MergeFields > .merge-fields--cursor { background: $primary 25%; }
    """

    cursor = reactive(0)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fields: tuple[FieldChoice, ...] = ()
        self.heads: tuple[str, str] = ("", "")

    def show(self, fields: tuple[FieldChoice, ...], heads: tuple[str, str], *, keep_cursor: bool) -> None:
        # Fields empty on both sides say nothing: left out.
        self.fields = tuple(f for f in fields if f.kept or f.other)
        self.heads = heads
        if not keep_cursor:
            self.cursor = 0
        self.cursor = min(self.cursor, max(0, len(self.fields) - 1))
        self.refresh(layout=True)

    @property
    def current(self) -> FieldChoice | None:
        return self.fields[self.cursor] if self.fields else None

    def watch_cursor(self) -> None:
        self.refresh()

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.fields) + 1

    def render(self) -> Content:
        width = self.size.width or 80
        column = max(12, (width - LABEL_WIDTH - 2) // 2)
        lines = [Content.assemble(
            " " * LABEL_WIDTH, (fit(visible(self.heads[0]), column), "bold"), "  ",
            (fit(visible(self.heads[1]), column), "bold"),
        )]
        for index, f in enumerate(self.fields):
            lines.append(self._row(f, column, index == self.cursor and self.has_focus))
        return Content("\n").join(lines)

    def _row(self, f: FieldChoice, column: int, at_cursor: bool) -> Content:
        differs = f.kept != f.other and bool(f.kept) and bool(f.other)
        label_style = "bold $warning" if differs else MUTED
        combined = f.field not in CHOOSABLE and f.field not in ("cadence", "channel")  # one value wins

        def side(value: str, name: str) -> Content:
            if not value:
                return Content.styled(fit("  —", column), MUTED)
            text = fit(visible(_one_line(value)), column - 2)
            if f.source == "same":
                return Content.assemble(("  ", ""), (text, MUTED))
            if combined:
                return Content.assemble(("+ ", "$success"), text)
            if f.source == name:
                return Content.assemble(("● ", "bold $accent"), (text, "bold"))
            return Content.assemble(("○ ", MUTED), (text, MUTED))

        row = Content.assemble(
            (fit(_label(f.field), LABEL_WIDTH), label_style), side(f.kept, "kept"), "  ", side(f.other, "other"),
        )
        if at_cursor:
            cursor = self.get_visual_style("merge-fields--cursor")
            row = Content.assemble(row, " " * max(0, self.size.width - row.cell_length))
            row = row.stylize_before(cursor)
        return row

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


def field_detail(f: FieldChoice | None) -> Content:
    """The highlighted field in full (the rows cut long values), and what the merge keeps."""
    if f is None:
        return Content("")
    lines = [Content.assemble((_label(f.field), "bold"), (_how(f), MUTED))]
    for caption, value in (("left ", f.kept), ("right", f.other), ("→    ", f.result)):
        if value or caption.startswith("→"):
            lines.append(Content.assemble((f"  {caption}  ", MUTED),
                                          shown(value, multiline=True) if value else "(empty)"))
    return Content("\n").join(lines)


def _as_shown(f: FieldChoice, today: date) -> FieldChoice:
    """A birthday as the card says it ("28 Jan", "28 Jan 1990"), not as stored ("--01-28")."""
    if f.field != "birthday":
        return f

    def said(text: str) -> str:
        try:
            return str(Birthday.parse(text, today)) if text else text
        except DateError:
            return text

    return replace(f, kept=said(f.kept), other=said(f.other), result=said(f.result))


def _how(f: FieldChoice) -> str:
    if f.field in CHOOSABLE:
        if f.differs:
            return "  ← keeps the left value, → takes the right one"
        return "  the one that is filled in is kept"
    if f.field == "cadence":
        return "  the shorter cadence is kept"
    if f.field == "notes":
        return "  both notes are kept, one after the other"
    return "  both lists are united"


class DupesScreen(Screen[bool]):
    """Likely duplicate pairs, one at a time; dismissed with True when the book changed."""

    BINDINGS = [
        Binding("m", "merge", "Merge", id="dupes.merge"),
        Binding("n", "not_same", "Not the same", id="dupes.dismiss"),
        Binding("s", "skip", "Skip", id="dupes.skip"),
        Binding("left", "choose('kept')", "Left", show=False, id="dupes.left"),
        Binding("right", "choose('other')", "Right", show=False, id="dupes.right"),
        Binding("up,k", "move(-1)", show=False),
        Binding("down,j", "move(1)", show=False),
        Binding("x", "swap", "Swap sides", id="dupes.swap"),
        Binding("escape,q", "close", "Back", id="dupes.close"),
    ]

    def __init__(self, book: Book, today: date) -> None:
        super().__init__()
        self.book = book
        self.today = today
        self.pairs: list[Candidate] = []
        self.index = 0
        self.swapped = False
        self.kept: Contact | None = None
        self.other: Contact | None = None
        self.choices: dict[str, str] = {}
        self.changed = False
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="app-header"):
            yield Static(Content.styled("Duplicates", "bold $accent"), id="header-left")
            yield Static(id="header-right")
        with VerticalScroll(id="dupes-body"):
            yield Static(id="dupes-reasons")
            yield MergeFields(id="dupes-fields")
            yield Static(id="dupes-detail")
            yield Static(id="dupes-moves")
        yield Footer()

    @property
    def fields_widget(self) -> MergeFields:
        return self.query_one(MergeFields)

    def on_mount(self) -> None:
        self.query_one("#dupes-body").loading = True
        if self.book.path.exists():
            self._find()
        else:  # an in-memory book: no second connection to read through
            self.show_pairs(find_duplicates(self.book))

    @work(thread=True, exclusive=True, group="dupes", exit_on_error=False)
    def _find(self) -> list[Candidate]:
        # Detection takes seconds on a big book: a worker, reading through its own connection
        # because the Book's sqlite connection belongs to the main thread (see background.py).
        # The pairs go back as the worker's result (see _worker_done), never through a
        # blocking call_from_thread that could wait forever on an app shutting down.
        worker = get_current_worker()
        return in_background(duplicates_at, self.book.path, cancelled=lambda: worker.is_cancelled)

    @on(Worker.StateChanged)
    def _worker_done(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "dupes":
            return
        if event.state == WorkerState.SUCCESS:
            self.show_pairs(event.worker.result)
        elif event.state == WorkerState.ERROR:
            self.notify(f"Could not look for duplicates: {event.worker.error}", severity="error",
                        markup=False)
            self.show_pairs([])

    def show_pairs(self, pairs: list[Candidate]) -> None:
        if not self.is_mounted:  # closed while the pairs were being found
            return
        # After a re-read, stay on the pair that was shown if it is still a candidate.
        current = self.candidate.pair if self.candidate is not None else None
        self.pairs = list(pairs)
        self.index = next((i for i, c in enumerate(self.pairs) if c.pair == current), 0)
        self.loaded = True
        self.query_one("#dupes-body").loading = False
        self.show_pair()
        # Focus without scrolling, so the reasons above the fields stay in view.
        self.fields_widget.focus(scroll_visible=False)

    @on(BookChanged)
    def _book_changed(self) -> None:
        # Another process wrote, or z undid a merge here: look for the pairs again.
        if self.loaded and self.book.path.exists():
            self._find()

    # ---------------------------------------------------------------- one pair

    @property
    def candidate(self) -> Candidate | None:
        return self.pairs[self.index] if self.pairs else None

    # What acts on a pair: offered only while there is one (the footer said "m Merge n Not
    # the same" under "No likely duplicates").
    _PAIR_ACTIONS = ("merge", "not_same", "skip", "swap", "choose", "move")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return bool(self.pairs) if action in self._PAIR_ACTIONS else True

    def show_pair(self, *, keep_cursor: bool = False) -> None:
        """Show the pair at `index` (or the calm message when none are left)."""
        self.refresh_bindings()
        self.choices = {} if not keep_cursor else self.choices
        while self.pairs:
            self.index %= len(self.pairs)
            c = self.pairs[self.index]
            kept_id, other_id = (c.b, c.a) if self.swapped else (c.a, c.b)
            try:
                self.kept, self.other = self.book.get_contact(kept_id), self.book.get_contact(other_id)
            except NotFound:  # merged or deleted since the pairs were found
                del self.pairs[self.index]
                continue
            break
        if not self.pairs:
            self._show_none()
            return
        self.fields_widget.display = self.query_one("#dupes-detail").display = True
        c = self.candidate
        self.query_one("#header-right", Static).update(
            Content.styled(f"pair {self.index + 1} of {len(self.pairs)}", MUTED)
        )
        self.query_one("#dupes-reasons", Static).update(Content.assemble(
            ("Could be one person", "bold"), (f"  score {c.score}  ", MUTED), shown(c.reason_text()),
        ))
        self._replan(keep_cursor=keep_cursor)
        try:
            preview = merge(self.book, self.kept.id, self.other.id, dry_run=True,
                            choices=self.choices, today=self.today)
        except (NotFound, MergeError) as error:
            self.query_one("#dupes-moves", Static).update(shown(str(error)))
            return
        moved = preview.moved
        moves = ", ".join(
            counted(moved.get(key, 0), word)
            for key, word in (("interactions", "interaction"), ("favours", "favour"),
                              ("introductions", "introduction"), ("follow_ups", "follow-up"))
            if moved.get(key, 0)
        ) or "nothing"
        key = partial(first_key, self.app)
        self.query_one("#dupes-moves", Static).update(Content.assemble(
            (key("dupes.merge", "m"), "bold $accent"), f" merge: {moves} to the left record, the right one to the trash",
            (f"  {key('dupes.dismiss', 'n')}", "bold $accent"), " two people",
            (f"  {key('dupes.skip', 's')}", "bold $accent"), " skip",
            (f"  {key('dupes.swap', 'x')}", "bold $accent"), " swap",
        ))

    def _replan(self, *, keep_cursor: bool) -> None:
        _, fields = plan_fields(self.kept, self.other, choices=self.choices, day=self.today)
        fields = [_as_shown(f, self.today) for f in fields]
        heads = (f"#{self.kept.id} {self.kept.name}", f"#{self.other.id} {self.other.name}")
        self.fields_widget.show(fields, heads, keep_cursor=keep_cursor)
        self._show_detail()

    def _show_detail(self) -> None:
        self.query_one("#dupes-detail", Static).update(field_detail(self.fields_widget.current))

    def _show_none(self) -> None:
        self.kept = self.other = None
        self.query_one("#header-right", Static).update(Content(""))
        self.fields_widget.display = self.query_one("#dupes-detail").display = False
        self.query_one("#dupes-reasons", Static).update(Content.assemble(
            ("No likely duplicates.", "bold"), "\nEveryone seems to be in the book once. ",
            ("Esc", "bold $accent"), " goes back.",
        ))
        self.query_one("#dupes-detail", Static).update(Content(""))
        self.query_one("#dupes-moves", Static).update(Content(""))

    # ---------------------------------------------------------------- keys

    def action_move(self, step: int) -> None:
        widget = self.fields_widget
        if widget.fields:
            widget.cursor = max(0, min(len(widget.fields) - 1, widget.cursor + step))
            self._show_detail()

    def action_choose(self, side: str) -> None:
        f = self.fields_widget.current
        if f is None or self.kept is None:
            return
        if f.field not in CHOOSABLE or not f.differs:
            self.notify(f"{_label(f.field)}: nothing to choose —{_how(f)}", markup=False)
            return
        self.choices[f.field] = side
        self._replan(keep_cursor=True)

    def action_swap(self) -> None:
        if self.candidate is not None:
            self.swapped = not self.swapped
            self.show_pair()

    def action_skip(self) -> None:
        if self.candidate is not None:
            self.index += 1
            self.swapped = False
            self.show_pair()

    def action_not_same(self) -> None:
        c = self.candidate
        if c is None:
            return
        dismiss(self.book, c.a, c.b)
        self.changed = True
        book = self.book
        undo = self._undoable(f"note {c.name_a} and {c.name_b} as two people",
                              lambda: undismiss(book, c.a, c.b), c.a)
        self.notify(f"Noted: {c.name_a} and {c.name_b} are two people{undo}", markup=False)
        del self.pairs[self.index]
        self.swapped = False
        self.show_pair()

    def action_merge(self) -> None:
        if self.kept is None or self.other is None:
            return
        kept, other = self.kept, self.other
        try:
            result = merge(self.book, kept.id, other.id, choices=self.choices, today=self.today)
        except (NotFound, MergeError) as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.changed = True
        book, merge_id, today = self.book, result.merge_id, self.today
        undo = self._undoable(f"merge {other.name} into {kept.name}",
                              lambda: undo_merge(book, merge_id, today=today), kept.id)
        self.notify(f"Merged {other.name} into {kept.name}{undo or f' · undo: kontakt unmerge {other.id}'}",
                    markup=False)
        # Pairs with the merged-away record are gone; the next pair takes this place.
        self.pairs = [p for p in self.pairs if other.id not in p.pair]
        self.swapped = False
        self.show_pair()

    def _undoable(self, label: str, undo, contact_id: int) -> str:
        """Offer `undo` to the app's z, where the app has one; the hint to add to a message."""
        push_undo = getattr(self.app, "push_undo", None)
        if push_undo is None:
            return ""
        push_undo(label, undo, contact_id=contact_id)
        return " · z undoes"

    def action_close(self) -> None:
        self.dismiss(self.changed)

    @property
    def remaining(self) -> int | None:
        """Pairs still to look at, once they are found."""
        return len(self.pairs) if self.loaded else None

