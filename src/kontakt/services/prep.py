"""The prep card: what to know in the minute before meeting someone."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..domain import Balance, Contact, Favour, FollowUp, Interaction, Introduction
from ..domain.dates import human, relative
from ..store import Book

# A birthday this close is worth mentioning before a meeting.
BIRTHDAY_NEAR_DAYS = 30


@dataclass(frozen=True)
class PrepCard:
    contact: Contact
    last_interactions: list[Interaction]
    open_given: list[Favour]
    open_received: list[Favour]
    balance: Balance
    introductions: list[Introduction]
    open_follow_ups: list[FollowUp]
    next_birthday: date | None
    today: date


def prep_card(book: Book, contact_id: int, today: date) -> PrepCard:
    """Gather the card for one contact; raises NotFound if there is no such contact."""
    contact = book.get_contact(contact_id)
    favours = [f for f in book.favours_for(contact_id) if f.status == "open"]
    birthday = None
    if contact.birthday:
        upcoming = contact.birthday.next_on_or_after(today)
        if (upcoming - today).days <= BIRTHDAY_NEAR_DAYS:
            birthday = upcoming
    return PrepCard(
        contact=contact,
        last_interactions=book.interactions_for(contact_id, limit=3),
        open_given=[f for f in favours if f.direction == "given"],
        open_received=[f for f in favours if f.direction == "received"],
        balance=book.balance(contact_id),
        introductions=book.introductions_for(contact_id),
        open_follow_ups=book.follow_ups_for(contact_id, include_done=False),
        next_birthday=birthday,
        today=today,
    )


def render_text(card: PrepCard, width: int = 80) -> list[str]:
    """The card as plain lines that fit `width` columns."""
    c = card.contact
    lines: list[str] = []

    def wrap(text: str, indent: str = "  ", first: str | None = None) -> None:
        first = indent if first is None else first
        for paragraph in text.splitlines() or [""]:
            lines.extend(
                textwrap.wrap(paragraph, width, initial_indent=first, subsequent_indent=indent + "  ")
                or [first.rstrip()]
            )
            first = indent

    title = c.display_name
    if c.role or c.org:
        title += " — " + ", ".join(x for x in (c.role, c.org) if x)
    wrap(title, indent="", first="")
    facts = []
    if c.tags:
        facts.append("circles: " + ", ".join(c.tags))
    facts.append(f"last talked {relative(c.last_contact, card.today)}")
    if card.next_birthday:
        age = c.birthday.age_on(card.next_birthday) if c.birthday else None
        turning = f", turns {age}" if age else ""
        facts.append(f"birthday {human(card.next_birthday)}{turning}")
    wrap(" · ".join(facts))
    if c.met:
        wrap(c.met, first="  met: ", indent="  ")

    lines.append("")
    lines.append("Last talked")
    if not card.last_interactions:
        lines.append("  not yet — a good moment to start")
    for item in card.last_interactions:
        others = [n for i, n in zip(item.contact_ids, item.names) if i != c.id]
        group = f" (with {', '.join(others[:3])}{'…' if len(others) > 3 else ''})" if others else ""
        head = f"  {human(item.date)}  {item.kind}{group}"
        wrap(f"{head}: {item.note}" if item.note else head, indent="    ", first="")

    lines.append("")
    lines.append(f"Give and take — {card.balance}")
    for favour in card.open_received:
        wrap(f"they helped you: {favour.description} ({human(favour.date)})", indent="    ", first="  ")
    for favour in card.open_given:
        wrap(f"you helped them: {favour.description} ({human(favour.date)})", indent="    ", first="  ")
    if not (card.open_received or card.open_given):
        lines.append("  nothing open either way")
    if card.introductions:
        lines.append("")
        lines.append("Introductions")
        for intro in card.introductions:
            _, other = intro.other(c.id)
            outcome = intro.outcome or "no outcome noted"
            wrap(f"  {human(intro.date)}  with {other} — {outcome}", indent="    ", first="")
    if card.open_follow_ups:
        lines.append("")
        lines.append("Open follow-ups")
        for follow_up in card.open_follow_ups:
            when = human(follow_up.effective_due)
            wrap(f"  {when}  {follow_up.note or 'get back in touch'}", indent="    ", first="")
    return lines


def to_json(card: PrepCard) -> dict[str, Any]:
    c = card.contact
    return {
        "id": c.id,
        "name": c.name,
        "nickname": c.nickname,
        "org": c.org,
        "role": c.role,
        "tags": list(c.tags),
        "met": c.met,
        "last_contact": c.last_contact.isoformat() if c.last_contact else None,
        "next_birthday": card.next_birthday.isoformat() if card.next_birthday else None,
        "balance": card.balance.net,
        "gave": card.balance.gave,
        "received": card.balance.received,
        "last_interactions": [
            {"date": i.date.isoformat(), "kind": i.kind, "note": i.note,
             "with": [n for cid, n in zip(i.contact_ids, i.names) if cid != c.id]}
            for i in card.last_interactions
        ],
        "open_favours_given": [
            {"id": f.id, "date": f.date.isoformat(), "description": f.description, "kind": f.kind}
            for f in card.open_given
        ],
        "open_favours_received": [
            {"id": f.id, "date": f.date.isoformat(), "description": f.description, "kind": f.kind}
            for f in card.open_received
        ],
        "introductions": [
            {"date": i.date.isoformat(), "with": i.other(c.id)[1], "note": i.note,
             "outcome": i.outcome}
            for i in card.introductions
        ],
        "open_follow_ups": [
            {"id": f.id, "due": f.effective_due.isoformat(), "note": f.note}
            for f in card.open_follow_ups
        ],
    }
