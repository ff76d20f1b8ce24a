"""The detail pane: who the highlighted person is, and everything that happened, newest first."""

from __future__ import annotations

from datetime import date

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from ...domain import Balance, Contact
from ...domain.dates import human, relative
from ...domain.timeline import TimelineEntry, timeline
from ...store import Book

LABEL_WIDTH = 10
KIND_MARKS = {
    "interaction": ("●", "$primary"),
    "favour": ("◆", "$success"),
    "introduction": ("⇄", "$secondary"),
    "follow-up": ("◷", "$warning"),
}


def _field(label: str, value: str | Content) -> Content:
    return Content.assemble((label.ljust(LABEL_WIDTH), "$text-muted"), value, "\n")


def when(day: date | None, today: date) -> str:
    """'2 Nov 2026 · 3 wk ago'."""
    if day is None:
        return "never"
    return f"{human(day)} · {relative(day, today)}"


def contact_card(contact: Contact, balance: Balance, today: date) -> Content:
    """The fields of one contact as Content (user text is never read as markup)."""
    parts: list[Content] = [Content.styled(contact.name, "bold $accent")]
    if contact.nickname:
        parts.append(Content.styled(f"  “{contact.nickname}”", "$text-muted"))
    parts.append(Content("\n"))
    subtitle = " · ".join(p for p in (contact.role, contact.org) if p)
    if contact.archived:
        subtitle = f"{subtitle} · archived" if subtitle else "archived"
    if subtitle:
        parts.append(Content.styled(subtitle + "\n", "$text-muted"))
    parts.append(Content("\n"))
    parts.append(_field("last", when(contact.last_contact, today)))
    cadence = contact.effective_cadence
    if cadence is not None:
        source = "" if contact.cadence else " (circle)"
        due = ""
        if contact.next_due and not contact.archived:
            style = "bold $warning" if contact.next_due <= today else ""
            label = "due now" if contact.next_due <= today else f"next {relative(contact.next_due, today)}"
            if contact.next_due < today:
                label = f"due since {human(contact.next_due)}"
            due = Content.assemble(" · ", (label, style))
        parts.append(_field("cadence", Content.assemble(f"{cadence}{source}", due)))
    if balance.gave or balance.received:
        sign = {"+": " (you gave more)", "−": " (you received more)"}.get(balance.sign, " (even)")
        parts.append(_field("balance", Content.assemble(str(balance), (sign, "$text-muted"))))
    if contact.tags:
        parts.append(_field("circles", "  ".join(f"#{t}" for t in contact.tags)))
    for label, values in (("email", contact.emails), ("phone", contact.phones)):
        for index, value in enumerate(values):
            parts.append(_field(label if index == 0 else "", value))
    if contact.location:
        parts.append(_field("lives", contact.location))
    if contact.birthday:
        birthday = str(contact.birthday)
        age = contact.birthday.age_on(contact.birthday.next_on_or_after(today))
        upcoming = contact.birthday.next_on_or_after(today)
        turning = f", turns {age}" if age is not None else ""
        parts.append(_field("birthday", f"{birthday} · {relative(upcoming, today)}{turning}"))
    if contact.met:
        parts.append(_field("met", contact.met))
    return Content.assemble(*parts).rstrip()


def timeline_content(entries: list[TimelineEntry], today: date) -> Content:
    if not entries:
        return Content.styled("Nothing yet. l logs a conversation, f a favour.", "$text-muted")
    lines: list[Content] = []
    for entry in entries:
        mark, style = KIND_MARKS.get(entry.kind, ("·", "$text-muted"))
        day_style = "$text-muted" if entry.date <= today else "bold $warning"
        lines.append(
            Content.assemble(
                (human(entry.date).rjust(11), day_style), "  ", (mark, style), " ", entry.text, "\n"
            )
        )
    return Content.assemble(*lines).rstrip()


class ContactDetail(VerticalScroll, can_focus=True):
    """Fields, circles, cadence, balance, notes and the one timeline of a contact."""

    def compose(self):
        yield Static(id="detail-card")
        yield Static(id="detail-notes")
        yield Static("Timeline", id="detail-timeline-title", classes="section-title")
        yield Static(id="detail-timeline")

    def show(self, book: Book, contact: Contact | None, today: date) -> None:
        card = self.query_one("#detail-card", Static)
        notes = self.query_one("#detail-notes", Static)
        history = self.query_one("#detail-timeline", Static)
        title = self.query_one("#detail-timeline-title", Static)
        if contact is None:
            card.update(Content.styled("No one selected.", "$text-muted"))
            notes.display = history.display = title.display = False
            return
        balance = book.balance(contact.id)
        card.update(contact_card(contact, balance, today))
        notes.display = bool(contact.notes)
        notes.update(Content(contact.notes))
        entries = timeline(
            contact.id,
            book.interactions_for(contact.id),
            book.favours_for(contact.id),
            book.follow_ups_for(contact.id),
            book.introductions_for(contact.id),
        )
        title.display = history.display = True
        title.update(Content.assemble(("Timeline", "bold"), (f"  {len(entries)}", "$text-muted")))
        history.update(timeline_content(entries, today))
        self.scroll_home(animate=False)
