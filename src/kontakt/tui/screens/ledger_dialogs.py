"""Small dialogs that close a loop of the ledger: how a favour ended (returned, let go, still
open) and whether an introduction worked (worked, fizzled, don't know, with a note).

Both are a short list of choices (↑ ↓, Enter) — the introduction's with a note box that has
the focus, so a note is typed straight away and Enter takes the highlighted answer with it.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ..commands import undoes
from ..widgets.shown import visible

MUTED = "$text-muted"
KEY = "bold $accent"

# (status, label, what it does to the balance): the ledger's rule, as the README states it.
SETTLE_CHOICES = (
    ("returned", "returned", "a balanced exchange: it counts on both sides"),
    ("let go", "let go", "it drops out of the balance"),
    ("open", "still open", "it counts on its own side"),
)
OUTCOME_CHOICES = (
    ("worked", "worked", "they got something out of it"),
    ("fizzled", "fizzled", "it didn't click"),
    ("unknown", "don't know", "no verdict; the review stops asking"),
)


class ChoiceScreen(ModalScreen[tuple[str, str] | None]):
    """A question with a few choices, optionally with a note; dismissed with (choice, note)
    or None (Esc)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("down", "move(1)", "Next", show=False),
        Binding("enter", "choose", "Choose", show=False),
    ]

    def __init__(self, question: Content, choices, *, current: str | None = None,
                 note: str | None = None) -> None:
        super().__init__()
        self.question = question
        self.choices = choices
        self.current = current
        self.note = note  # None: no note box

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog snooze ledger-choice"):
            yield Static(self.question, classes="dialog-question")
            yield OptionList(
                *(Option(Content.assemble(label, (f"  {hint}", MUTED)), id=value)
                  for value, label, hint in self.choices),
                id="choice-list", compact=True, markup=False,
            )
            if self.note is not None:
                yield Input(self.note, placeholder="a note: how it went (optional)", id="choice-note",
                            compact=True)
            yield Static(
                Content.assemble(("Enter", KEY), " choose   ", ("↑ ↓", KEY), " move   ", ("Esc", KEY), " cancel"),
                classes="dialog-keys",
            )

    def on_mount(self) -> None:
        options = self.query_one("#choice-list", OptionList)
        values = [value for value, _, _ in self.choices]
        options.highlighted = values.index(self.current) if self.current in values else 0
        if self.note is not None:
            self.query_one("#choice-note", Input).focus()
        else:
            options.focus()

    def action_move(self, delta: int) -> None:
        options = self.query_one("#choice-list", OptionList)
        options.highlighted = ((options.highlighted or 0) + delta) % options.option_count

    def _note(self) -> str:
        return self.query_one("#choice-note", Input).value.strip() if self.note is not None else ""

    def action_choose(self) -> None:
        options = self.query_one("#choice-list", OptionList)
        option = options.get_option_at_index(options.highlighted or 0)
        self.dismiss((option.id or self.choices[0][0], self._note()))

    @on(Input.Submitted, "#choice-note")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_choose()

    @on(OptionList.OptionSelected, "#choice-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss((event.option.id or self.choices[0][0], self._note()))

    def action_cancel(self) -> None:
        self.dismiss(None)


def settle_screen(description: str, current: str = "open") -> ChoiceScreen:
    """How did the favour end? returned / let go / still open."""
    question = Content.assemble("How did it end? ", (visible(description.splitlines()[0] if description else ""), "bold"))
    # An open favour is asked about to be settled: start on "returned", not on "still open".
    return ChoiceScreen(question, SETTLE_CHOICES, current=None if current == "open" else current)


def outcome_screen(name_a: str, name_b: str, note: str = "") -> ChoiceScreen:
    """Did the introduction work? worked / fizzled / don't know, and a note."""
    question = Content.assemble("Did it work? ", (visible(name_a), "bold"), " ↔ ", (visible(name_b), "bold"))
    return ChoiceScreen(question, OUTCOME_CHOICES, note=note)


def settle_entry(screen, contact, entry) -> None:
    """The card's `s` on a timeline entry: settle a favour, or answer an introduction; one
    write (one undo step), then the screen shows the book again."""
    from ...store import NotFound, records
    from ...store.driver import sqlite3

    book, today = screen.book, screen.today
    try:
        if entry.kind == "favour":
            favour = records.get_favour(book, entry.id)
        elif entry.kind == "introduction":
            intro = records.get_introduction(book, entry.id)
        else:
            screen.notify("s settles a favour or answers an introduction; pick one of those.",
                          markup=False)
            return
    except NotFound:
        screen.notify("That entry is gone from the book.", severity="warning", markup=False)
        screen.after_change()
        return

    def write(label: str, change) -> None:
        try:
            change()
        except NotFound:
            screen.notify("That entry is gone from the book.", severity="warning", markup=False)
        except sqlite3.Error as error:
            screen.notify(f"Could not save: {error}. Try again.", severity="error", markup=False)
            return
        else:
            screen.app.push_undo(label, contact_id=contact.id)
            screen.notify(f"{label[:1].upper()}{label[1:]} · {undoes(screen.app)}", markup=False)
        screen.after_change()

    if entry.kind == "favour":
        def settled(choice: tuple[str, str] | None) -> None:
            if choice is not None:
                write(f"favour {choice[0]}: {visible(favour.description.splitlines()[0])}",
                      lambda: records.edit_favour(book, favour.id, status=choice[0]))

        screen.app.push_screen(settle_screen(favour.description, favour.status), settled)
        return

    def answered(choice: tuple[str, str] | None) -> None:
        if choice is not None:
            result, note = choice
            write(f"introduction {result}: {visible(intro.name_a)} ↔ {visible(intro.name_b)}",
                  lambda: records.edit_introduction(book, intro.id, today=today, result=result,
                                                    outcome=note))

    screen.app.push_screen(outcome_screen(intro.name_a, intro.name_b, intro.outcome), answered)


__all__ = ["ChoiceScreen", "settle_entry", "OUTCOME_CHOICES", "SETTLE_CHOICES", "outcome_screen", "settle_screen"]
