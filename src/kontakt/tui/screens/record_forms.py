"""Edit forms for what was recorded: the log, favour, introduction and follow-up forms
pre-filled with a record and saving back to it, and a small form for a circle.

Each reuses its add form's fields and checks (`forms.py`), fills them in before the form
is first drawn (so an untouched form is not "dirty"), and saves with `store.records`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input

from ...domain import (
    CadenceError,
    Circle,
    Contact,
    Favour,
    FollowUp,
    Interaction,
    Introduction,
)
from ...domain.cadence import parse_duration
from ...domain.ledger import FAVOUR_STATUSES
from ...domain.timeline import TimelineEntry
from ...store import Book, records
from ..widgets.fields import Choice, FormField, PeoplePicker
from ..widgets.shown import visible
from .forms import (
    FavourForm,
    FollowUpForm,
    FormError,
    FormScreen,
    IntroForm,
    LogForm,
    _input,
)


def _fill(field: FormField, value: str) -> None:
    """Put `value` into a field's widget before it is mounted."""
    widget = field.widget
    if isinstance(widget, (Input, Choice)):
        widget.value = value


class EditLogForm(LogForm):
    """A logged interaction, to change: who, kind, when, note."""

    def __init__(self, book: Book, today: date, interaction: Interaction) -> None:
        super().__init__(book, today, book.get_contacts(interaction.contact_ids))
        self.interaction = interaction
        self.title_text = Content("Edit the interaction")

    def fields(self) -> Iterable[Widget]:
        values = {"kind": self.interaction.kind, "date": self.interaction.date.isoformat(),
                  "note": self.interaction.note, "reached_out": self.interaction.reached_out or ""}
        for field in super().fields():
            if field.field_name in values:
                _fill(field, values[field.field_name])
            yield field

    def save_to_book(self) -> int:
        people = self.query_one(PeoplePicker).selected
        if not people:
            raise FormError("people", "pick at least one person (type a name, Enter adds)")
        on = self.read_date("date")
        if on > self.today:
            raise FormError("date", "that is in the future; a follow-up (u) is for later")
        return records.edit_interaction(
            self.book, self.interaction.id, today=self.today, on=on, kind=self.value("kind"),
            note=self.value("note"), people=people, reached_out=self.value("reached_out") or None,
        ).id


class EditFavourForm(FavourForm):
    """A favour, to change: direction, what, kind, weight, when, and whether it is settled."""

    def __init__(self, book: Book, today: date, contact: Contact, favour: Favour) -> None:
        super().__init__(book, today, contact)
        self.favour = favour
        self.title_text = Content.assemble("Edit the favour with ", (visible(contact.name), "bold"))

    def fields(self) -> Iterable[Widget]:
        f = self.favour
        values = {"direction": f.direction, "description": f.description, "kind": f.kind,
                  "weight": str(f.weight), "date": f.date.isoformat()}
        for field in super().fields():
            if field.field_name in values:
                _fill(field, values[field.field_name])
            yield field
        yield FormField("status", Choice([(s, s) for s in FAVOUR_STATUSES], f.status), name="status")

    def save_to_book(self) -> int:
        description = self.value("description").strip()
        if not description:
            raise FormError("description", "say what the favour was")
        return records.edit_favour(
            self.book, self.favour.id, description=description, direction=self.value("direction"),
            kind=self.value("kind"), weight=int(self.value("weight")), on=self.read_date("date"),
            status=self.value("status"),
        ).id


# "" not answered: the review keeps asking.
RESULT_CHOICES = [("", "not answered"), ("worked", "worked"), ("fizzled", "fizzled"),
                  ("unknown", "don't know")]


class EditIntroForm(IntroForm):
    """An introduction, to change: to whom, why, when, and how it turned out."""

    def __init__(self, book: Book, today: date, contact: Contact, introduction: Introduction) -> None:
        super().__init__(book, today, contact)
        self.introduction = introduction
        self.title_text = Content.assemble("Edit: ", (visible(contact.name), "bold"), " introduced to …")

    def fields(self) -> Iterable[Widget]:
        other = self.book.get_contact(self.introduction.other(self.contact.id)[0])
        values = {"note": self.introduction.note, "date": self.introduction.date.isoformat(),
                  "asked_first": "yes" if self.introduction.asked_first else "no"}
        for field in super().fields():
            if isinstance(field.widget, PeoplePicker):  # the same picker, with the other person in it
                field = FormField(field.label, PeoplePicker(
                    self.book, people=[other], single=True, exclude=[self.contact.id],
                    placeholder=field.widget.placeholder,
                ), name=field.field_name, hint=field.hint)
            elif field.field_name in values:
                _fill(field, values[field.field_name])
            yield field
        yield FormField("did it work", Choice(RESULT_CHOICES, self.introduction.result or ""),
                        name="result")
        yield FormField("outcome", _input(self.introduction.outcome, "did they meet? what came of it"),
                        name="outcome")

    def save_to_book(self) -> int:
        chosen = self.query_one(PeoplePicker).selected
        if not chosen:
            raise FormError("people", "pick the person to introduce them to (type a name, Enter picks)")
        on = self.read_date("date")
        if self.contact.id == self.introduction.contact_a:
            people = {"contact_a": self.contact.id, "contact_b": chosen[0]}
        else:
            people = {"contact_a": chosen[0], "contact_b": self.contact.id}
        return records.edit_introduction(
            self.book, self.introduction.id, today=self.today, on=on, note=self.value("note"),
            outcome=self.value("outcome"), result=self.value("result") or None,
            asked_first=self.value("asked_first") == "yes", **people,
        ).id


class EditFollowUpForm(FollowUpForm):
    """A follow-up, to change: its day, repetition and note."""

    def __init__(self, book: Book, today: date, contact: Contact, follow_up: FollowUp) -> None:
        super().__init__(book, today, contact)
        self.follow_up = follow_up
        self.title_text = Content.assemble("Edit the follow-up with ", (visible(contact.name), "bold"))

    def fields(self) -> Iterable[Widget]:
        f = self.follow_up
        # The day it is due on now, a snooze included (as its card and Today show it).
        values = {"due": f.effective_due.isoformat(), "recurrence": str(f.recurrence) if f.recurrence else "",
                  "note": f.note}
        for field in super().fields():
            if field.field_name in values:
                _fill(field, values[field.field_name])
            yield field

    def save_to_book(self) -> int:
        text = self.value("due").strip()
        changed = self.changed_fields()
        if "due" not in changed:  # its day as it was, a snooze or an overdue day included
            due = None
        else:
            try:
                due = self.read_date("due")
            except FormError:
                try:  # "2 weeks" means "in 2 weeks", as in the add form
                    due = parse_duration(text).after(self.today)
                except CadenceError:
                    raise FormError("due", f"cannot read {text!r}; try in 2 weeks, next friday, 3.4.2026") from None
            if due < self.today:
                raise FormError("due", "that is in the past; a follow-up is for later")
        recurrence = self.read_cadence("recurrence")
        return records.edit_follow_up(
            self.book, self.follow_up.id, due=due, note=self.value("note"),
            recurrence=recurrence if "recurrence" in changed else records.KEEP,
        ).id


def edit_form_for(book: Book, today: date, contact: Contact, entry: TimelineEntry) -> FormScreen | None:
    """The edit form for a timeline entry of `contact`; raises NotFound if it is gone."""
    if entry.kind == "interaction":
        return EditLogForm(book, today, records.get_interaction(book, entry.id))
    if entry.kind == "favour":
        return EditFavourForm(book, today, contact, records.get_favour(book, entry.id))
    if entry.kind == "introduction":
        return EditIntroForm(book, today, contact, records.get_introduction(book, entry.id))
    if entry.kind == "follow-up":
        return EditFollowUpForm(book, today, contact, book.get_follow_up(entry.id))
    if entry.kind == "note":
        from ...store import relations
        from .relation_forms import EditNoteForm

        return EditNoteForm(book, today, contact, relations.get_note(book, entry.id))
    return None


class CircleForm(FormScreen[str | None]):
    """Rename a circle or change its cadence; dismisses with its (new) name."""

    def __init__(self, book: Book, today: date, circle: Circle) -> None:
        super().__init__(book, today)
        self.circle = circle
        self.title_text = Content.assemble("Circle ", (visible(f"#{circle.name}"), "bold"))

    def fields(self) -> Iterable[Widget]:
        yield FormField("name", _input(self.circle.name, "breakfast"), name="name")
        yield FormField(
            "keep in touch", _input(str(self.circle.cadence) if self.circle.cadence else "",
                                    "empty for none, or weekly, every 2 weeks …"),
            name="cadence", hint="members without their own cadence inherit it",
        )

    def save_to_book(self) -> str:
        name = self.value("name").strip().lstrip("#")
        if not name:
            raise FormError("name", "a circle needs a name")
        cadence = self.read_cadence("cadence")
        with self.book.write():  # the rename and the cadence, or neither
            if name != self.circle.name:
                records.rename_circle(self.book, self.circle.name, name)
            circle = records.set_circle_cadence(self.book, name, cadence, today=self.today)
        return circle.name
