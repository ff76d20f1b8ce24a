"""Form building blocks: a labelled field with its error line, a one-line choice, a people picker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection
from rich.segment import Segment
from rich.style import Style

from ...domain import Contact
from ...store import Book
from .shown import shown

LABEL_WIDTH = 15


class FormField(Vertical):
    """A label, an input widget beside it, and an error line under it (hidden when fine)."""

    DEFAULT_CSS = """
    FormField { height: auto; margin-bottom: 0; }
    FormField > Horizontal { height: auto; }
    FormField .field-label { width: 15; color: $text-muted; padding-top: 0; }
    FormField .field-error { color: $error; margin-left: 15; display: none; }
    FormField .field-hint { color: $text-muted; margin-left: 15; }
    FormField.-invalid .field-error { display: block; }
    FormField.-invalid .field-label { color: $error; }
    """

    def __init__(self, label: str, widget: Widget, *, name: str, hint: str = "") -> None:
        super().__init__(id=f"field-{name}")
        self.label = label
        self.widget = widget
        self.field_name = name
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(Content(self.label), classes="field-label")
            yield self.widget
        if self.hint:
            yield Static(Content(self.hint), classes="field-hint")
        yield Static(classes="field-error")

    # The label lights up while the field has focus (a class, not :focus-within, which kept
    # the first field lit after Tab had moved on).
    def on_descendant_focus(self) -> None:
        self.add_class("-focused")

    def on_descendant_blur(self) -> None:
        self.remove_class("-focused")

    def set_error(self, message: str | None) -> None:
        self.set_class(bool(message), "-invalid")
        self.query_one(".field-error", Static).update(shown(message or ""))  # may quote data


class Choice(Widget, can_focus=True):
    """Pick one of a few words with ← → (or space); Enter is left to the form (save)."""

    DEFAULT_CSS = """
    Choice { height: 1; width: 1fr; }
    Choice:focus { background: $boost; }
    """

    BINDINGS = [
        Binding("left", "move(-1)", "Previous", show=False),
        Binding("right,space", "move(1)", "Next", show=False),
    ]

    index: reactive[int] = reactive(0)

    def __init__(self, options: Sequence[tuple[str, str]], value: str | None = None, *, id: str | None = None) -> None:
        """`options` are (value, label) pairs."""
        super().__init__(id=id)
        self.options = list(options)
        values = [v for v, _ in self.options]
        self.index = values.index(value) if value in values else 0

    @property
    def value(self) -> str:
        return self.options[self.index][0]

    @value.setter
    def value(self, value: str) -> None:
        self.index = [v for v, _ in self.options].index(value)

    def action_move(self, delta: int) -> None:
        self.index = (self.index + delta) % len(self.options)

    def on_click(self, event: events.Click) -> None:
        position = 0
        for index, (_, label) in enumerate(self.options):
            width = len(label) + 3
            if position <= event.x < position + width:
                self.index = index
                return
            position += width

    def render(self) -> Content:
        parts: list[Content | str | tuple[str, str]] = []
        for index, (_, label) in enumerate(self.options):
            if index == self.index:
                parts.append((f"‹{label}›", "bold reverse $accent" if self.has_focus else "bold $accent"))
            else:
                parts.append((f" {label} ", "$text-muted"))
            parts.append(" ")  # one space: six interaction kinds fit an 80-column form
        return Content.assemble(*parts)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


class Checklist(SelectionList[int]):
    """A SelectionList whose ticked and unticked rows differ in shape, not only in colour:
    `[x]` and `[ ]` read the same in every theme (the stock button draws `X` for both)."""

    TICKED, UNTICKED = "[x]", "[ ]"
    # Space ticks and unticks; Enter saves the form, as in every other field (the stock
    # list toggled the row on Enter too: re-ticking someone just unticked).
    BINDINGS = [Binding("enter", "screen.save", "Save", show=False)]

    def render_line(self, y: int) -> Strip:
        line = OptionList.render_line(self, y)  # the prompt alone, without the stock button
        index = round(self.scroll_offset.y) + y
        if not 0 <= index < self.option_count:
            return line
        value = self.get_option_at_index(index).value
        base = next(iter(line)).style or self.rich_style
        ticked = value in self._selected
        mark_style = self.get_component_rich_style("checklist--ticked" if ticked else "checklist--unticked")
        meta = Style(meta={"option": index})  # a click on the box toggles, as on the stock one
        return Strip([
            Segment(self.TICKED if ticked else self.UNTICKED, base + mark_style + meta),
            Segment(" ", base),
            *line,
        ])

    COMPONENT_CLASSES = SelectionList.COMPONENT_CLASSES | {"checklist--ticked", "checklist--unticked"}
    DEFAULT_CSS = """
    Checklist > .checklist--ticked { color: $accent; text-style: bold; }
    Checklist > .checklist--unticked { color: $text-muted; }
    """


class PickerInput(Input):
    """The picker's text box: ↑ ↓ move through the suggestions below it."""

    BINDINGS = [
        Binding("down", "suggestion(1)", show=False),
        Binding("up", "suggestion(-1)", show=False),
    ]

    def action_suggestion(self, delta: int) -> None:
        picker = next(a for a in self.ancestors if isinstance(a, PeoplePicker))
        picker.move_suggestion(delta)


@dataclass(frozen=True)
class Person:
    id: int
    name: str


class PeoplePicker(Vertical):
    """Type to find people, Enter adds the highlighted one; `#circle` adds all its members.

    Picked people show as a checklist; space unticks someone who was not there.
    """

    DEFAULT_CSS = """
    PeoplePicker { height: auto; width: 1fr; }
    PeoplePicker > #picker-suggestions { height: auto; max-height: 7; display: none; border: none; padding: 0; background: $panel; }
    PeoplePicker > #picker-suggestions.-open { display: block; }
    PeoplePicker > #picker-people { height: auto; max-height: 6; border: none; padding: 0; background: transparent; }
    """

    @dataclass
    class Changed(Message):
        picker: PeoplePicker

    def __init__(self, book: Book, *, people: Sequence[Contact] = (), single: bool = False,
                 exclude: Sequence[int] = (), placeholder: str = "type a name…", id: str | None = None) -> None:
        super().__init__(id=id)
        self.book = book
        self.single = single
        self.exclude = set(exclude)
        self.placeholder = placeholder
        self._initial = [Person(c.id, c.name) for c in people]
        self._suggestions: list[tuple[str, object]] = []

    def compose(self) -> ComposeResult:
        yield PickerInput(placeholder=self.placeholder, compact=True, id="picker-input")
        yield OptionList(id="picker-suggestions")
        people = Checklist(*[Selection(shown(p.name), p.id, True) for p in self._initial], id="picker-people")
        # One person (an introduction's "to"): typing another name replaces them, and the
        # list of one has nothing to untick; as a Tab stop it swallowed what was typed next.
        people.can_focus = not self.single
        yield people

    @property
    def selected(self) -> list[int]:
        """Ids of the ticked people, in the order they were added."""
        chosen = set(self.query_one(SelectionList).selected)
        people = self.query_one(SelectionList)
        return [people.get_option_at_index(i).value for i in range(people.option_count)
                if people.get_option_at_index(i).value in chosen]

    @property
    def typed(self) -> str:
        return self.query_one(PickerInput).value

    def add(self, people: Sequence[Contact | Person]) -> None:
        checklist = self.query_one(SelectionList)
        if self.single:
            checklist.clear_options()
        present = {checklist.get_option_at_index(i).value for i in range(checklist.option_count)}
        for person in people:
            if person.id in self.exclude:
                continue
            if person.id in present:
                checklist.select(person.id)
                continue
            checklist.add_option(Selection(shown(person.name), person.id, True))
            present.add(person.id)
        self.post_message(self.Changed(self))

    @on(Input.Changed, "#picker-input")
    def _search(self, event: Input.Changed) -> None:
        event.stop()
        text = event.value.strip()
        suggestions = self.query_one(OptionList)
        suggestions.clear_options()
        self._suggestions = []
        if text.startswith("#") and not self.single:
            prefix = text[1:].casefold()
            for circle in self.book.circles():
                if circle.name.casefold().startswith(prefix) and circle.members:
                    label = Content.assemble(shown(f"#{circle.name}"), (f"  all {circle.members} members", "$text-muted"))
                    self._suggestions.append(("circle", circle.name))
                    suggestions.add_option(Option(label))
        elif text:
            for contact in self.book.search(text, limit=6, archived=False):
                if contact.id in self.exclude:
                    continue
                label = Content.assemble(shown(contact.name), shown(f"  {contact.org}" if contact.org else "", "$text-muted"))
                self._suggestions.append(("person", contact))
                suggestions.add_option(Option(label))
        suggestions.set_class(bool(self._suggestions), "-open")
        if self._suggestions:
            suggestions.highlighted = 0

    def move_suggestion(self, delta: int) -> None:
        suggestions = self.query_one(OptionList)
        if self._suggestions:
            current = suggestions.highlighted or 0
            suggestions.highlighted = (current + delta) % len(self._suggestions)

    @on(Input.Submitted, "#picker-input")
    def _take_suggestion(self, event: Input.Submitted) -> None:
        if not self._suggestions or not event.value.strip():
            return  # let the form have Enter (save)
        event.stop()
        index = self.query_one(OptionList).highlighted or 0
        self._pick(index)

    @on(OptionList.OptionSelected, "#picker-suggestions")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(event.option_index)

    def _pick(self, index: int) -> None:
        kind, value = self._suggestions[index]
        if kind == "circle":
            self.add(self.book.circle_members(value))
        else:
            self.add([value])
        field = self.query_one(PickerInput)
        field.value = ""
        field.focus()
