"""Small dialogs: a yes/no question, the help overlay, and importing a file."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..widgets.shown import shown


class ConfirmScreen(ModalScreen[bool]):
    """Ask one question; y or Enter answers yes, n or Esc answers no."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str | Content, detail: str | Content = "", yes: str = "yes") -> None:
        super().__init__()
        self.question = question if isinstance(question, Content) else shown(question)
        self.detail = detail if isinstance(detail, Content) else shown(detail, multiline=True)
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-question")
            if self.detail:
                yield Static(self.detail, classes="dialog-detail")
            yield Static(
                Content.assemble(("y", "bold $accent"), f" {self.yes}    ", ("n", "bold $accent"), " / ",
                                 ("Esc", "bold $accent"), " no"),
                classes="dialog-keys",
            )

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


# (marks with their styles, what they mean): the marks of the list and the timeline.
LEGEND = [
    ([("●", "bold $warning"), ("○", "$text-muted")], "list: due now / within a week (to keep in touch, or a follow-up)"),
    ([("+", "$success"), ("−", "$warning"), ("=", "$text-muted")],
     "± column: you gave more / received more / even; empty: no favours yet"),
    ([("●", "$primary"), ("◆", "$success"), ("⇄", "$secondary"), ("◷", "$warning"), ("✎", "$accent")],
     "timeline: interaction, favour, introduction, follow-up, note"),
]


# One help row: keys as mapped, the binding id to remap them by ("" if none), what they do.
HelpRow = tuple[str, str, str]


def today_help(app, keymap: dict[str, str]) -> list[HelpRow]:
    """The Today screen's keys as help rows with their binding ids (two for a paired row)."""
    from .today import KEYS, PAIRED, help_rows  # Today imports this module: not at the top

    ids = [f"{binding_id} {PAIRED[binding_id]}" if binding_id in PAIRED else binding_id
           for binding_id, *_ in KEYS if binding_id not in PAIRED.values()]
    return [(keys, binding_id, description)
            for (keys, description), binding_id in zip(help_rows(app, keymap), ids, strict=True)]


class HelpScreen(ModalScreen[None]):
    """Every key of the main screen, as currently mapped, grouped by what it does, with the
    binding id that remaps it in config.toml; and what the marks on screen mean."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close")]

    def __init__(self, groups: list[tuple[str, list[HelpRow] | list[tuple[str, str]]]]) -> None:
        super().__init__()
        # A (keys, what) row has no binding id to show.
        self.groups = [(title, [row if len(row) == 3 else (row[0], "", row[1]) for row in rows])
                       for title, rows in groups]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Static(
                Content.assemble(("Keys", "bold $accent"), "   ",
                                 ("binding ids (middle column) remap keys in config.toml [keymap]", "$text-muted")),
                classes="dialog-question",
            )
            with VerticalScroll():  # focused on open: ↑ ↓ PgUp PgDn scroll
                yield Static(Content.styled("What the marks mean", "bold $text-muted"), classes="help-group")
                with Grid(classes="help-grid help-legend"):
                    for marks, meaning in LEGEND:
                        yield Static(Content(" ").join(Content.styled(mark, style) for mark, style in marks))
                        yield Static(Content(meaning), classes="help-description")
                for title, rows in self.groups:
                    yield Static(Content.styled(title, "bold $text-muted"), classes="help-group")
                    with Grid(classes="help-grid"):
                        for keys, binding_id, description in rows:
                            yield Static(Content.styled(keys, "bold $accent"), classes="help-keys")
                            yield Static(Content.styled(binding_id, "$text-muted"), classes="help-id")
                            yield Static(Content(description), classes="help-description")
            yield Static(
                Content.assemble(("Esc", "bold $accent"), " close  ·  e.g. ", ('"app.add" = "n"', "bold"),
                                 " under [keymap]"),
                classes="dialog-keys",
            )


# The dry run lists at most this many rows, then says how many more (the summary counts all).
IMPORT_PREVIEW_ROWS = 200


def dry_run_lines(report) -> list[str]:
    """What `kontakt import --dry-run` prints above its summary, its warnings after."""
    return report.dry_run_lines() + [f"{where}: {message}" for where, message in report.outcome.warnings]


class ImportScreen(ModalScreen[str | None]):
    """Import a file from inside the app: ask for a path, show the dry run (the same service
    and the same lines as `kontakt import --dry-run`), import on Enter. Dismisses with the
    import's summary, or None when nothing was imported."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("enter", "import_now", "Import", show=False),
    ]
    AUTO_FOCUS = "#import-path"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]  # see .dialog.import in kontakt.tcss

    def __init__(self, book, today) -> None:
        super().__init__()
        self.book = book
        self.today = today
        self.path: Path | None = None  # set once a dry run worked: Enter then imports it

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog import"):
            yield Static(Content.styled("Import a file", "bold $accent"), classes="dialog-question")
            yield Static(
                Content("CSV (Google, Outlook, LinkedIn, any), vCard or a folder of them, kontakt JSON. "
                        "Nothing is written until you confirm."),
                classes="dialog-detail",
            )
            yield Input(placeholder="path, e.g. ~/Downloads/contacts.csv", compact=True, id="import-path")
            yield Static(id="import-error")
            with VerticalScroll(id="import-preview"):
                yield Static(id="import-lines")
            yield Static(id="import-summary")
            yield Static(self._keys(), id="import-keys", classes="dialog-keys")

    def _keys(self) -> Content:
        if self.path is None:
            return Content.assemble(("Enter", "bold $accent"), " show what would change   ",
                                    ("Esc", "bold $accent"), " cancel")
        return Content.assemble(("Enter", "bold $accent"), " import   ", ("Esc", "bold $accent"),
                                " change the path")

    def _show(self, *, error: str = "", lines: list[str] | None = None, summary: str = "") -> None:
        self.query_one("#import-error", Static).update(shown(error, "$error"))
        self.query_one("#import-error").display = bool(error)
        preview = self.query_one("#import-preview")
        preview.display = bool(lines)
        self.query_one(".dialog.import").set_class(bool(lines), "-previewing")
        lines = lines or []
        more = len(lines) - IMPORT_PREVIEW_ROWS
        text = "\n".join(lines[:IMPORT_PREVIEW_ROWS]) + (f"\n… and {more} more" if more > 0 else "")
        self.query_one("#import-lines", Static).update(shown(text, multiline=True))
        self.query_one("#import-summary", Static).update(shown(summary, "bold"))
        self.query_one("#import-summary").display = bool(summary)
        self.query_one("#import-keys", Static).update(self._keys())

    def on_mount(self) -> None:
        self._show()

    @on(Input.Changed, "#import-path")
    def _path_changed(self) -> None:
        if self.path is not None or self.query_one("#import-error").display:
            self.path = None  # a new path needs its own dry run first
            self._show()

    @on(Input.Submitted, "#import-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_import_now()

    def _run(self, path: Path, *, dry_run: bool):
        import shlex

        from ...services.importers import ImportRefused, run_import
        from ...services.importers.textfile import NoNameColumn

        notes: list[str] = []
        try:
            report = run_import(self.book, path, today=self.today, dry_run=dry_run, announce=notes.append)
        except NoNameColumn as error:  # --map is the CLI's: say where it goes
            self._show(error=f"{error.found}; import it from a shell, naming one: "
                             f"kontakt import {shlex.quote(str(error.path))} --map COLUMN=name")
            return None
        except (ImportRefused, ValueError, OSError) as error:
            self._show(error=str(error))
            return None
        return report, notes

    def action_import_now(self) -> None:
        text = self.query_one("#import-path", Input).value.strip()
        if not text:
            self._show(error="type the path of a file or a folder of .vcf files")
            return
        path = Path(text).expanduser()
        if self.path != path:  # first Enter: the dry run
            ran = self._run(path, dry_run=True)
            if ran is not None:
                report, notes = ran
                self.path = path
                self._show(lines=notes + dry_run_lines(report), summary=report.summary())
            return
        ran = self._run(path, dry_run=False)  # second Enter: for real, one transaction
        if ran is not None:
            report, _ = ran
            self.dismiss(report.summary())

    def action_back(self) -> None:
        if self.path is not None:
            self.path = None
            self._show()
            self.query_one("#import-path", Input).focus()
            return
        self.dismiss(None)
