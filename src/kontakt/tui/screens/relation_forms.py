"""Small forms for links between people and journal notes (palette: "Link to someone…",
"Add a journal note…"; e on a note in the timeline edits it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from textual.content import Content
from textual.widget import Widget

from ...domain import Contact
from ...domain.relations import RELATION_KINDS, JournalEntry, RelationError, check_relation_kind
from ...store import Book
from ...store import relations
from ..widgets.fields import FormField, PeoplePicker
from ..widgets.shown import visible
from .forms import Checker, FormError, FormScreen, _input


class LinkForm(FormScreen[int | None]):
    """Link the contact to someone else: partner, family, friend, colleague, … or own words."""

    def __init__(self, book: Book, today: date, contact: Contact) -> None:
        super().__init__(book, today)
        self.contact = contact
        self.title_text = Content.assemble("Link ", (visible(contact.name), "bold"), " to …")

    def fields(self) -> Iterable[Widget]:
        yield FormField(
            "to", PeoplePicker(self.book, single=True, exclude=[self.contact.id], placeholder="type a name"),
            name="people",
        )
        yield FormField("as", _input("friend", ", ".join(RELATION_KINDS)), name="kind",
                        hint="partner, family, friend, colleague, introduced me to — or your own words")

    def _read_other(self) -> int:
        chosen = self.query_one(PeoplePicker).selected
        if not chosen:
            raise FormError("people", "pick the person to link them to (type a name, Enter picks)")
        return chosen[0]

    def _read_kind(self) -> str:
        try:
            return check_relation_kind(self.value("kind"))
        except RelationError as error:
            raise FormError("kind", str(error)) from None

    def checks(self) -> dict[str, Callable[[], object]]:
        return {"people": self._read_other, "kind": self._read_kind}

    def save_to_book(self) -> int:
        checker = Checker()
        other = checker.check(self._read_other)
        kind = checker.check(self._read_kind)
        checker.done()
        link, _ = relations.link(self.book, self.contact.id, other, kind)
        return link.id


def _read_text(form: FormScreen) -> str:
    text = form.value("text").strip()
    if not text:
        raise FormError("text", "write what happened or what you learned")
    return text


class JournalForm(FormScreen[int | None]):
    """A dated note in the contact's journal."""

    def __init__(self, book: Book, today: date, contact: Contact) -> None:
        super().__init__(book, today)
        self.contact = contact
        self.title_text = Content.assemble("Journal note about ", (visible(contact.name), "bold"))

    def fields(self) -> Iterable[Widget]:
        yield FormField("note", _input("", "new job at the observatory …"), name="text")
        yield FormField("when", _input("today"), name="date")

    def checks(self) -> dict[str, Callable[[], object]]:
        return {"text": lambda: _read_text(self), "date": lambda: self.read_date("date")}

    def save_to_book(self) -> int:
        checker = Checker()
        text = checker.check(lambda: _read_text(self))
        on = checker.check(lambda: self.read_date("date"))
        checker.done()
        return relations.add_note(self.book, self.contact.id, text, on=on).id


class EditNoteForm(JournalForm):
    """Change a journal note's text or day."""

    def __init__(self, book: Book, today: date, contact: Contact, entry: JournalEntry) -> None:
        super().__init__(book, today, contact)
        self.entry = entry
        self.title_text = Content.assemble("Journal note about ", (visible(contact.name), "bold"),
                                           f" · note:{entry.id}")

    def fields(self) -> Iterable[Widget]:
        yield FormField("note", _input(self.entry.text, "new job at the observatory …"), name="text")
        yield FormField("when", _input(self.entry.date.isoformat()), name="date")

    def save_to_book(self) -> int:
        checker = Checker()
        text = checker.check(lambda: _read_text(self))
        on = checker.check(lambda: self.read_date("date"))
        checker.done()
        return relations.edit_note(self.book, self.entry.id, text=text, on=on).id
