"""Small dialogs: a yes/no question and the help overlay."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

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
    ([("●", "bold $warning"), ("○", "$text-muted")], "due now / within a week (the list's first column)"),
    ([("+", "$success"), ("−", "$warning"), ("=", "$text-muted")],
     "± column: you gave more / received more / even; empty: no favours yet"),
    ([("●", "$primary"), ("◆", "$success"), ("⇄", "$secondary"), ("◷", "$warning")],
     "timeline: interaction, favour, introduction, follow-up"),
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
