"""Forms as modal screens: contact, interaction, favour, introduction, follow-up.

Each form checks every field with the same domain code the CLI uses, shows problems under
the field, keeps what was typed, and writes to the book in one call (one transaction).
Enter saves, Esc cancels (asking first if something was typed).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea

from ...domain import (
    CHANNELS, FAVOUR_KINDS, INTERACTION_KINDS, Address, Birthday, Cadence, CadenceError, Contact,
    DateError, parse_date,
)
from ...domain.activity import ActivityError, check_channel
from ...domain.cards import split_label
from ...domain.cadence import parse_duration
from ...domain.ledger import WEIGHTS
from ...store import Book, NotFound
from ..widgets.fields import Choice, FormField, PeoplePicker
from ..widgets.shown import shown, visible
from .dialogs import ConfirmScreen

T = TypeVar("T")


class FormError(Exception):
    """One field is wrong; the form shows `message` under it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.problems = [(field, message)]


class FormErrors(FormError):
    """Several fields are wrong at once: each gets its message."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        Exception.__init__(self, problems[0][1])
        self.problems = problems


class Checker:
    """Collects problems field by field so the user sees all of them at once."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def check(self, read: Callable[[], Any]) -> Any:
        try:
            return read()
        except FormError as error:
            self.problems += error.problems
            return None

    def done(self) -> None:
        if self.problems:
            raise FormErrors(self.problems)


class FormBody(VerticalScroll, can_focus=False):
    """The fields' scroll area. Not focusable: a focused scroll container is what "no field
    focused" looks like, and keys typed into it go nowhere."""


class FormScreen(ModalScreen[T]):
    """A modal form. Subclasses give `title`, `fields()`, `save_to_book()` and, for checks
    while typing, `checks()`."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
        Binding("enter", "save", "Save", show=False),
        # Priority: the app runs them as it reads the key, before it hands the keys behind
        # to the focused field. Otherwise "name<Tab>nickname" arriving in one read (a slow
        # ssh link, a busy app) typed the nickname into the name: a plain binding moves
        # focus only after the keys queued behind it have gone to the old field.
        Binding("tab", "app.focus_next", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", show=False, priority=True),
    ]
    # Applied while the screen composes, before it handles queued keys: what is typed right
    # after `a`/`l`/`f` lands in the first field (focus() in on_mount would lose those keys).
    # Every form puts a text field first.
    AUTO_FOCUS = ".form-body Input"

    title_text: str | Content = ""
    form_classes = "form"

    def __init__(self, book: Book, today: date) -> None:
        super().__init__()
        self.book = book
        self.today = today
        self._initial: tuple = ()
        self._early_keys: list[str] = []
        self._text_at_open: dict[Input, str] = {}

    def fields(self) -> Iterable[Widget]:
        raise NotImplementedError

    def save_to_book(self) -> T:
        """Check the fields and write; raise FormError for the first bad field."""
        raise NotImplementedError

    def checks(self) -> dict[str, Callable[[], object]]:
        """Field name → the same reader `save_to_book` uses (raises FormError when wrong).

        Run when the user leaves a field, and while they type in a field marked wrong, so a
        fixed field loses its message at once."""
        return {}

    def compose(self) -> ComposeResult:
        with Vertical(classes=self.form_classes):
            title = self.title_text if isinstance(self.title_text, Content) else Content(self.title_text)
            yield Static(title, classes="form-title")
            with FormBody(classes="form-body"):
                yield from self.fields()
            yield Static(classes="form-error")
            yield Static(
                Content.assemble(("Enter", "bold $accent"), " save   ", ("Esc", "bold $accent"),
                                 " cancel   ", ("Tab", "bold $accent"), " next field"),
                classes="form-keys",
            )

    def type_ahead(self, character: str) -> None:
        """A key typed before this form had its focus (see KontaktApp.on_key): into the
        focused field, in order, once there is one. With a choice or a list focused, a
        letter means nothing, as before."""
        if self.focused is not None and not isinstance(self.focused, Input):
            return
        self._early_keys.append(character)
        if len(self._early_keys) == 1:
            self.call_after_refresh(self._type_early_keys)

    def _type_early_keys(self, retries: int = 20) -> None:
        # Retried after each refresh until a field has the focus: a form whose first field
        # is composed of widgets (the people picker) can take a few refreshes on a busy
        # machine, and three were not always enough: the typed-ahead keys were dropped.
        focused = self.focused
        if not isinstance(focused, Input):
            if retries and self.is_attached:  # not composed and focused yet
                self.call_after_refresh(self._type_early_keys, retries - 1)
            else:
                self._early_keys.clear()
            return
        typed = "".join(self._early_keys)
        self._early_keys.clear()
        # Keys typed after these may have reached the field itself already (once it had the
        # focus): these came first, so they go before them. A field whose text was selected
        # on focus ("in 2 weeks") is replaced by what was typed, as one key would replace it.
        start, value = self._text_at_open.get(focused, ""), focused.value
        selected = bool(start) and focused.select_on_focus
        if not value.startswith(start) or (selected and value != start):
            value = typed + value  # the later keys replaced the selected text: these first
        elif selected and abs(focused.selection.end - focused.selection.start) == len(start):
            value = typed  # still selected: what was typed replaces it
        else:
            value = start + typed + value[len(start):]
        focused.value = value
        focused.cursor_position = len(value)

    def on_mount(self) -> None:
        self._text_at_open = {field: field.value for field in self.query(Input)}
        self._initial = self.snapshot()

    def changed_fields(self) -> set[str]:
        """The names of the fields that hold something else than when the form opened."""
        names = [(field.id or "").removeprefix("field-") for field in self.query(FormField)]
        return {name for name, now, then in zip(names, self.snapshot(), self._initial) if now != then}

    def value(self, name: str) -> str:
        widget = self.query_one(f"#field-{name}", FormField).widget
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, (Input, Choice)):
            return widget.value
        raise TypeError(name)

    def snapshot(self) -> tuple:
        values: list[Any] = []
        for field in self.query(FormField):
            widget = field.widget
            if isinstance(widget, PeoplePicker):
                values.append((widget.typed, tuple(widget.selected)))
            elif isinstance(widget, TextArea):
                values.append(widget.text)
            else:
                values.append(getattr(widget, "value", None))
        return tuple(values)

    @property
    def dirty(self) -> bool:
        return self.snapshot() != self._initial

    # ---------------------------------------------------------------- checks as you go

    def _field_of(self, widget: Widget) -> FormField | None:
        for node in widget.ancestors_with_self:
            if isinstance(node, FormField):
                return node
        return None

    def check_field(self, field: FormField, *, show: bool) -> bool:
        """Run the field's check; show its message only if `show`, always clear it when fine.
        True when the field is fine (or has no check)."""
        check = self.checks().get(field.field_name)
        if check is None:
            return True
        try:
            check()
        except FormError as error:
            if show:
                messages = [message for name, message in error.problems if name == field.field_name]
                field.set_error(messages[0] if messages else None)
            return False
        field.set_error(None)
        return True

    @on(Input.Blurred)
    def _check_on_leaving(self, event: Input.Blurred) -> None:
        field = self._field_of(event.input)
        if field is None or not self.is_attached or self.app.screen is not self:
            return  # the form is closing, or a dialog came on top: not a moment to judge
        if event.value.strip() or field.has_class("-invalid"):
            self.check_field(field, show=True)  # an empty field is judged on save, not on Tab

    @on(Input.Changed)
    def _clear_when_fixed(self, event: Input.Changed) -> None:
        field = self._field_of(event.input)
        if field is not None and field.has_class("-invalid"):
            self.check_field(field, show=False)
            self._clear_summary()

    @on(PeoplePicker.Changed)
    def _picked(self, event: PeoplePicker.Changed) -> None:
        field = self._field_of(event.picker)
        if field is not None and field.has_class("-invalid"):
            self.check_field(field, show=False)

    def _clear_summary(self) -> None:
        if not any(f.has_class("-invalid") for f in self.query(FormField)):
            self._say("")

    def _say(self, message: str) -> None:
        """The line under the fields for what the store refused; takes no room when empty."""
        error_line = self.query_one(".form-error", Static)
        error_line.update(shown(message, "$error"))  # the store's message may quote data
        error_line.display = bool(message)

    @on(Input.Submitted)
    def _enter_saves(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        for field in self.query(FormField):
            field.set_error(None)
        self._say("")
        try:
            result = self.save_to_book()
        except FormError as error:
            for index, (name, message) in enumerate(error.problems):
                field = self.query_one(f"#field-{name}", FormField)
                field.set_error(message)
                if index == 0:
                    widget = field.widget
                    focus = widget.query_one(Input) if isinstance(widget, PeoplePicker) else widget
                    focus.focus()
                    field.scroll_visible()
            return
        except ValueError as error:  # the store refused: say so, keep everything typed
            self._say(str(error))
            return
        except NotFound as error:
            # Another program trashed the person, the entry or the circle while the form
            # was open: nothing is written; what was typed stays, to copy, and Esc closes.
            self._say(f"{error}: another program changed the book while this form was open; "
                      "nothing was saved")
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        if not self.dirty:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Discard what you typed?", yes="discard"), answered)

    def confirm_quit(self) -> bool:
        """ctrl+q on this form: True if the app may quit now; otherwise ask first, as Esc
        does, and quit on yes."""
        if not self.dirty:
            return True

        def answered(discard: bool | None) -> None:
            if discard:
                self.app.exit()

        self.app.push_screen(ConfirmScreen("Quit and discard what you typed?", yes="discard and quit"), answered)
        return False

    # ---------------------------------------------------------------- parsing helpers

    def read_date(self, name: str, *, required: bool = True) -> date | None:
        text = self.value(name).strip()
        if not text:
            if required:
                raise FormError(name, "a date is needed, e.g. today, 3.4.2026, 2 days ago")
            return None
        try:
            return parse_date(text, self.today)
        except DateError as error:
            raise FormError(name, str(error)) from None

    def read_cadence(self, name: str) -> Cadence | None:
        text = self.value(name).strip()
        if not text:
            return None
        try:
            return Cadence.parse(text)
        except CadenceError as error:
            raise FormError(name, str(error)) from None


def _split(text: str, pattern: str = r"[,;\s]+") -> list[str]:
    return [part.strip() for part in re.split(pattern, text) if part.strip()]


def _input(value: str = "", placeholder: str = "", **kwargs) -> Input:
    return Input(value, placeholder=placeholder, compact=True, **kwargs)


def _labelled_text(contact: Contact, value: str) -> str:
    label = contact.label_of(value)
    return f"{label}: {value}" if label else value


def _with_labels(contact: Contact, values: Iterable[str]) -> str:
    return ", ".join(_labelled_text(contact, v) for v in values)


def _address_line(address: Address) -> str:
    """An address as `--address` takes it: '[label: ]street; city; region; postcode; country'."""
    parts = "; ".join((address.street, address.locality, address.region, address.postcode,
                       address.country)).rstrip("; ")
    if not parts:
        return ""
    return f"{address.label}: {parts}" if address.label else parts


class ContactForm(FormScreen[int | None]):
    """Add a contact, or edit one; dismisses with the contact's id."""

    form_classes = "form -dense"  # fifteen fields, one line each: the form scrolls at 80×24

    def __init__(self, book: Book, today: date, contact: Contact | None = None) -> None:
        super().__init__(book, today)
        self.contact = contact
        self.title_text = (
            Content.assemble("Edit ", (visible(contact.name), "bold")) if contact else Content("Add a contact")
        )

    def fields(self) -> Iterable[Widget]:
        c = self.contact
        yield FormField("name", _input(c.name if c else "", "full name"), name="name")
        yield FormField("nickname", _input(c.nickname if c else ""), name="nickname")
        yield FormField("organisation", _input(c.org if c else ""), name="org")
        yield FormField("role", _input(c.role if c else ""), name="role")
        yield FormField("email", _input(_with_labels(c, c.emails) if c else "", "work: a@x.com, b@y.org"),
                        name="emails")
        yield FormField("phone", _input(_with_labels(c, c.phones) if c else "", "mobile: +44 7700 900123, …"),
                        name="phones")
        # A text field, not a Choice: seven channels do not fit one line at 80 columns.
        yield FormField("reach by", _input((c.channel or "") if c else "", ", ".join(CHANNELS)), name="channel")
        yield FormField("circles", _input(" ".join(c.tags) if c else "", "breakfast alumni …"), name="circles")
        yield FormField(
            "keep in touch", _input(str(c.cadence) if c and c.cadence else "", "2 weeks, monthly, quarterly …"),
            name="cadence",
        )
        yield FormField(
            "birthday", _input(c.birthday.iso() if c and c.birthday else "", "3.4.1980, 1980-04-03 or --04-03"),
            name="birthday",
        )
        yield FormField("lives in", _input(c.location if c else ""), name="location")
        yield FormField("how we met", _input(c.met if c else ""), name="met")
        addresses = TextArea("\n".join(_address_line(a) for a in c.addresses if _address_line(a)) if c else "",
                             soft_wrap=True, compact=True, id="addresses")
        yield FormField("addresses", addresses, name="addresses",
                        hint="one a line: [home:] street; city; region; postcode; country")
        yield FormField("web", _input(", ".join(c.urls) if c else "", "https://…, several: separate with commas"),
                        name="urls")
        notes = TextArea(c.notes if c else "", soft_wrap=True, compact=True, id="notes")
        yield FormField("notes", notes, name="notes", hint="Enter adds a line here; ctrl+s saves")

    def checks(self) -> dict[str, Callable[[], object]]:
        return {"name": self._read_name, "emails": self._read_emails,
                "cadence": lambda: self.read_cadence("cadence"), "birthday": self._read_birthday,
                "addresses": self._read_addresses, "channel": self._read_channel}

    def _read_channel(self) -> str | None:
        """The preferred channel (the CLI's --channel), None when empty."""
        text = self.value("channel").strip().lower()
        if not text:
            return None
        try:
            return check_channel(text)
        except ActivityError as error:
            raise FormError("channel", str(error)) from None

    def _read_name(self) -> str:
        name = self.value("name").strip()
        if not name:
            raise FormError("name", "a contact needs a name")
        return name

    def _read_labelled(self, name: str, values: tuple[str, ...]) -> list[tuple[str, str]]:
        """(value, label) pairs of a phones/e-mails field, "work: a@x.com" labelled as on the
        CLI. A piece shown unchanged keeps its stored value and label exactly, even a label the
        short form cannot spell."""
        shown_as = {_labelled_text(self.contact, v): (v, self.contact.label_of(v))
                    for v in values} if self.contact else {}
        pairs = []
        for piece in _split(self.value(name), r"[,;]+"):
            if piece in shown_as:
                pairs.append(shown_as[piece])
                continue
            label, value = split_label(piece)
            if name == "emails":  # e-mails may also be separated by spaces, as before
                pairs += [(v, label) for v in value.split()]
            else:
                pairs.append((value, label))
        return pairs

    def _read_emails(self) -> list[tuple[str, str]]:
        pairs = self._read_labelled("emails", self.contact.emails if self.contact else ())
        for email, _ in pairs:
            if "@" not in email:
                raise FormError("emails", f"{email!r} does not look like an email address")
        return pairs

    def _read_addresses(self) -> list[Address]:
        """One address a line; a line shown unchanged keeps the stored address (with its PO box
        and extended parts the form does not show), and addresses with nothing to show stay."""
        old = list(self.contact.addresses) if self.contact else []
        shown_as = {_address_line(a): a for a in old}
        found = [a for a in old if not _address_line(a)]
        for number, line in enumerate(self.value("addresses").splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            if line in shown_as:
                found.append(shown_as[line])
                continue
            try:
                found.append(Address.parse(line))
            except ValueError as error:
                raise FormError("addresses", f"line {number}: {error}") from None
        return found

    def _read_birthday(self) -> Birthday | None:
        text = self.value("birthday").strip()
        held = self.contact.birthday if self.contact else None
        if held is not None and text == held.iso():
            # Shown as the book holds it: one kontakt would refuse when typed (a future year
            # another program wrote) must not stop the rest of the contact from being saved.
            return held
        try:
            return Birthday.parse(text, self.today) if text else None
        except DateError as error:
            raise FormError("birthday", str(error)) from None

    def save_to_book(self) -> int:
        checker = Checker()
        name = checker.check(self._read_name)
        emails = checker.check(self._read_emails)
        cadence = checker.check(lambda: self.read_cadence("cadence"))
        birthday = checker.check(self._read_birthday)
        addresses = checker.check(self._read_addresses)
        channel = checker.check(self._read_channel)
        checker.done()
        phones = self._read_labelled("phones", self.contact.phones if self.contact else ())
        # Labels of what the form shows come from the fields; the store drops a label whose
        # phone or e-mail is gone.
        labels = {v: label for v, label in [*emails, *phones] if label}
        fields = dict(
            nickname=self.value("nickname"), org=self.value("org"), role=self.value("role"),
            emails=[v for v, _ in emails], phones=[v for v, _ in phones],
            tags=[t.lstrip("#") for t in _split(self.value("circles"))],
            cadence=cadence, birthday=birthday, location=self.value("location"),
            met=self.value("met"), notes=self.value("notes"),
            channel=channel, addresses=addresses,
            urls=_split(self.value("urls"), r"[,\s]+"), labels=labels,
        )
        if self.contact is None:
            return self.book.add_contact(name, today=self.today, **fields)
        # Only what was changed here is written: another program (a shell's `kontakt edit`,
        # a sync) may have changed the other fields since the form opened, and writing back
        # what the form showed would undo that without a word.
        fields["name"] = name
        changed = self.changed_fields()
        touched = {key: value for key, value in fields.items()
                   if changed.intersection(_FIELDS_OF.get(key, (key,)))}
        if not touched:
            return self.contact.id
        return self.book.update_contact(self.contact.id, today=self.today, **touched).id


# The form's fields each of update_contact's arguments is read from (by default its own name).
_FIELDS_OF = {"tags": ("circles",), "labels": ("emails", "phones")}


class LogForm(FormScreen[int | None]):
    """Log an interaction with one or several people (a group meeting)."""

    title_text = "Log an interaction"

    def __init__(self, book: Book, today: date, people: list[Contact]) -> None:
        super().__init__(book, today)
        self.people = people

    def fields(self) -> Iterable[Widget]:
        yield FormField(
            "with", PeoplePicker(self.book, people=self.people, placeholder="add someone, or #circle for all its members"),
            name="people", hint="space unticks someone who was not there",
        )
        # The note right under the people: with a whole circle ticked it still shows at 80×24.
        yield FormField("note", _input("", "what you talked about"), name="note")
        yield FormField("kind", Choice([(k, k) for k in INTERACTION_KINDS], "meeting"), name="kind",
                        hint="← → or space to change")
        yield FormField("when", _input("today", "today, yesterday, 3.4.2026, 2 days ago"), name="date")
        yield FormField("first move", Choice(REACHED_OUT_CHOICES, ""), name="reached_out")

    def _read_people(self) -> list[int]:
        people = self.query_one(PeoplePicker).selected
        if not people:
            raise FormError("people", "pick at least one person (type a name, Enter adds)")
        return people

    def _read_date(self) -> date:
        on = self.read_date("date")
        assert on is not None
        if on > self.today:
            raise FormError("date", "that is in the future; a follow-up (u) is for later")
        return on

    def checks(self) -> dict[str, Callable[[], object]]:
        return {"people": self._read_people, "date": self._read_date}

    def save_to_book(self) -> int:
        checker = Checker()
        people = checker.check(self._read_people)
        on = checker.check(self._read_date)
        checker.done()
        return self.book.log_interaction(
            people, on=on, kind=self.value("kind"), note=self.value("note"), today=self.today,
            reached_out=self.value("reached_out") or None,
        )


# Who made the first move ("" not noted): the one-sided relationships in stats come from it.
REACHED_OUT_CHOICES = [("", "not noted"), ("me", "I did"), ("them", "they did"), ("mutual", "both")]


class FavourForm(FormScreen[int | None]):
    """Record a favour given to or received from the contact."""

    def __init__(self, book: Book, today: date, contact: Contact) -> None:
        super().__init__(book, today)
        self.contact = contact
        self.title_text = Content.assemble("Favour with ", (visible(contact.name), "bold"))

    def fields(self) -> Iterable[Widget]:
        # What it was comes first: the field people type into straight after `f`.
        yield FormField("what", _input("", "reviewed my pitch deck"), name="description")
        yield FormField("direction", Choice([("given", "I gave"), ("received", "I received")]), name="direction",
                        hint="← → or space to change")
        yield FormField("kind", Choice([(k, k) for k in FAVOUR_KINDS], "help"), name="kind")
        yield FormField("weight", Choice([(str(w), label) for w, label in WEIGHTS.items()]), name="weight")
        yield FormField("when", _input("today"), name="date")

    def _read_description(self) -> str:
        description = self.value("description").strip()
        if not description:
            raise FormError("description", "say what the favour was")
        return description

    def checks(self) -> dict[str, Callable[[], object]]:
        return {"description": self._read_description, "date": lambda: self.read_date("date")}

    def save_to_book(self) -> int:
        checker = Checker()
        description = checker.check(self._read_description)
        on = checker.check(lambda: self.read_date("date"))
        checker.done()
        return self.book.add_favour(
            self.contact.id, direction=self.value("direction"), description=description,
            kind=self.value("kind"), weight=int(self.value("weight")), on=on,
        )


class IntroForm(FormScreen[int | None]):
    """Introduce the contact to someone else."""

    def __init__(self, book: Book, today: date, contact: Contact) -> None:
        super().__init__(book, today)
        self.contact = contact
        self.title_text = Content.assemble("Introduce ", (visible(contact.name), "bold"), " to …")

    def fields(self) -> Iterable[Widget]:
        yield FormField(
            "to", PeoplePicker(self.book, single=True, exclude=[self.contact.id], placeholder="type a name"),
            name="people",
        )
        yield FormField("note", _input("", "why they should meet"), name="note")
        yield FormField("when", _input("today"), name="date")
        yield FormField("asked both", Choice([("no", "no"), ("yes", "yes, both wanted it")]),
                        name="asked_first")

    def _read_other(self) -> int:
        chosen = self.query_one(PeoplePicker).selected
        if not chosen:
            raise FormError("people", "pick the person to introduce them to (type a name, Enter picks)")
        return chosen[0]

    def checks(self) -> dict[str, Callable[[], object]]:
        return {"people": self._read_other, "date": lambda: self.read_date("date")}

    def save_to_book(self) -> int:
        checker = Checker()
        other = checker.check(self._read_other)
        on = checker.check(lambda: self.read_date("date"))
        checker.done()
        return self.book.add_introduction(self.contact.id, other, on=on, note=self.value("note"),
                                          asked_first=self.value("asked_first") == "yes")


class FollowUpForm(FormScreen[int | None]):
    """A reminder to get back to the contact, optionally recurring."""

    def __init__(self, book: Book, today: date, contact: Contact) -> None:
        super().__init__(book, today)
        self.contact = contact
        self.title_text = Content.assemble("Follow up with ", (visible(contact.name), "bold"))

    def fields(self) -> Iterable[Widget]:
        yield FormField("when", _input("in 2 weeks", "in 2 weeks, next friday, 3.4.2026"), name="due")
        yield FormField("repeat", _input("", "empty for once, or monthly, every 3 months"), name="recurrence")
        yield FormField("note", _input("", "send the article about …"), name="note")

    def _read_due(self) -> date:
        text = self.value("due").strip()
        if not text:
            raise FormError("due", "say when, e.g. in 2 weeks, next friday, 3.4.2026")
        try:
            due = self.read_date("due")
        except FormError:
            try:  # "2 weeks" means the same as "in 2 weeks", as with the CLI's --in
                due = parse_duration(text).after(self.today)
            except CadenceError:
                raise FormError("due", f"cannot read {text!r}; try in 2 weeks, next friday, 3.4.2026") from None
        assert due is not None
        if due < self.today:
            raise FormError("due", "that is in the past; a follow-up is for later")
        return due

    def checks(self) -> dict[str, Callable[[], object]]:
        return {"due": self._read_due, "recurrence": lambda: self.read_cadence("recurrence")}

    def save_to_book(self) -> int:
        checker = Checker()
        due = checker.check(self._read_due)
        recurrence = checker.check(lambda: self.read_cadence("recurrence"))
        checker.done()
        return self.book.add_follow_up(self.contact.id, due=due, note=self.value("note"), recurrence=recurrence)
