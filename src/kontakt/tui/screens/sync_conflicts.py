"""The Sync conflicts screen: fields changed both in kontakt and in the vCard folder since
the last sync, kontakt's value beside the folder's (as the Duplicates screen shows a pair);
b keeps kontakt's, f takes the folder's, and the sync runs with that choice.

What conflicts there are, and settling them, is services.sync; this screen only shows them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from ...services.sync import Conflict, SyncError, sync_vdir
from ...store import Book
from ..commands import first_key
from ..live import BookChanged
from ..widgets.contact_list import fit
from ..widgets.footer import Footer
from ..widgets.shown import shown, visible

MUTED = "$text-muted"
NAME_WIDTH = 26
FIELD_WIDTH = 10


class ConflictRows(Widget, can_focus=True):
    """One row per conflicting field: whose and which, kontakt's value, the folder's value."""

    COMPONENT_CLASSES = {"conflict-rows--cursor"}
    DEFAULT_CSS = """
    ConflictRows { height: auto; }
    ConflictRows > .conflict-rows--cursor { background: $primary 25%; }
    """

    cursor = reactive(0)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.conflicts: list[Conflict] = []

    def show(self, conflicts: list[Conflict]) -> None:
        self.conflicts = list(conflicts)
        self.cursor = min(self.cursor, max(0, len(self.conflicts) - 1))
        self.refresh(layout=True)

    @property
    def current(self) -> Conflict | None:
        return self.conflicts[self.cursor] if self.conflicts else None

    def watch_cursor(self) -> None:
        self.refresh()

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.conflicts) + 1

    def render(self) -> Content:
        width = self.size.width or 80
        # Under 86 columns the name gives way first (down to 10), so both values keep 12 each:
        # at 60 the rows were wider than the screen, the folder's value wrapped out of sight.
        name_width = max(10, min(NAME_WIDTH, width - FIELD_WIDTH - 2 - 2 * 12))
        column = max(12, (width - name_width - FIELD_WIDTH - 2) // 2)
        lines = [Content.assemble(" " * (name_width + FIELD_WIDTH), (fit("in kontakt", column), "bold"), "  ",
                                  (fit("in the folder (phone)", column), "bold"))]
        for index, conflict in enumerate(self.conflicts):
            row = Content.assemble(
                (fit(visible(conflict.name), name_width - 1) + " ", "bold $warning"),
                (fit(conflict.field, FIELD_WIDTH - 1) + " ", MUTED),
                fit(visible(conflict.book_text.splitlines()[0] if conflict.book_text else ""), column),
                "  ",
                fit(visible(conflict.folder_text.splitlines()[0] if conflict.folder_text else ""), column),
            )
            if index == self.cursor and self.has_focus:
                row = Content.assemble(row, " " * max(0, width - row.cell_length))
                row = row.stylize_before(self.get_visual_style("conflict-rows--cursor"))
            lines.append(row)
        return Content("\n").join(lines)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


class SyncConflictsScreen(Screen[bool]):
    """Conflicts of the vCard folder; dismissed with True when the book changed."""

    DEFAULT_CSS = """
    #sync-body { padding: 1 1; }
    #sync-detail { margin-top: 1; }
    """

    BINDINGS = [
        Binding("b", "take('book')", "Keep kontakt's", id="sync.take_book"),
        Binding("f", "take('folder')", "Take the folder's", id="sync.take_folder"),
        Binding("up,k", "move(-1)", show=False),
        Binding("down,j", "move(1)", show=False),
        Binding("escape,q", "close", "Back", id="sync.close"),
    ]

    def __init__(self, book: Book, today: date, folder: Path) -> None:
        super().__init__()
        self.book = book
        self.today = today
        self.folder = folder
        self.changed = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="app-header"):
            yield Static(Content.styled("Sync conflicts", "bold $accent"), id="header-left")
            yield Static(shown(self.folder.name, MUTED), id="header-right")
        with VerticalScroll(id="sync-body"):
            yield ConflictRows(id="sync-conflicts")
            yield Static(id="sync-detail")
        yield Footer()

    @property
    def rows(self) -> ConflictRows:
        return self.query_one(ConflictRows)

    def on_mount(self) -> None:
        self.reload()
        self.rows.focus()

    def reload(self) -> None:
        """Ask the sync (dry run: nothing written) which conflicts there are now."""
        try:
            report = sync_vdir(self.book, self.folder, today=self.today, dry_run=True)
        except (SyncError, OSError) as error:
            self.notify(str(error), severity="error", markup=False)
            self.rows.show([])
        else:
            self.rows.show(report.conflicts)
        self.show_detail()

    def show_detail(self) -> None:
        conflict = self.rows.current
        detail = self.query_one("#sync-detail", Static)
        if conflict is None:
            detail.update(Content.styled("No conflicts: kontakt and the folder agree on every field "
                                         "both changed. Esc goes back.", MUTED))
            return
        lines = [Content.assemble(shown(conflict.name, "bold"), (f"  {conflict.field}", MUTED)),
                 Content.assemble(("  kontakt  ", MUTED), shown(conflict.book_text, multiline=True)),
                 Content.assemble(("  folder   ", MUTED), shown(conflict.folder_text, multiline=True)),
                 Content.styled(f"  {first_key(self.app, 'sync.take_book', 'b')} keeps kontakt's value, "
                                f"{first_key(self.app, 'sync.take_folder', 'f')} takes the folder's; "
                                "then the sync runs.", MUTED)]
        detail.update(Content("\n").join(lines))

    @on(BookChanged)
    def _book_changed(self) -> None:
        # z (the app's undo of a b or f) or another process wrote: a settled conflict can be
        # back, an open one gone. The dry run reads the folder again and writes nothing.
        self.reload()

    def action_move(self, step: int) -> None:
        if self.rows.conflicts:
            self.rows.cursor = (self.rows.cursor + step) % len(self.rows.conflicts)
            self.show_detail()

    def action_take(self, side: str) -> None:
        conflict = self.rows.current
        if conflict is None:
            return
        try:
            report = sync_vdir(self.book, self.folder, today=self.today,
                               take={(conflict.uid, conflict.field): side})
        except (SyncError, OSError) as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.changed = True
        kept = "kontakt's" if side == "book" else "the folder's"
        self.notify(f"{conflict.name}: {conflict.field} now {kept} value; synced "
                    f"({report.changes} change{'' if report.changes == 1 else 's'})", markup=False)
        self.reload()

    def action_close(self) -> None:
        self.dismiss(self.changed)
