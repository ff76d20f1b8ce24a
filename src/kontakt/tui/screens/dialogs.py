"""Small dialogs: a yes/no question and the help overlay."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
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


class HelpScreen(ModalScreen[None]):
    """Every key of the main screen, as currently mapped, grouped by what it does."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close")]

    def __init__(self, groups: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Static(Content.styled("Keys", "bold $accent"), classes="dialog-question")
            with VerticalScroll():
                for title, rows in self.groups:
                    lines = [Content.styled(title, "bold $text-muted")]
                    for keys, description in rows:
                        lines.append(Content.assemble((keys.ljust(10), "bold $accent"), "  ", description))
                    yield Static(Content("\n").join(lines), classes="help-group")
            yield Static(
                Content.assemble(("Esc", "bold $accent"), " close  ·  keys are remappable in config.toml [keymap]"),
                classes="dialog-keys",
            )
