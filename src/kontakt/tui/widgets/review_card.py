"""What the Today screen shows: one review item as a row, and the context card beside it.

Plain functions returning Content, so names, notes and reasons (user data) are never read
as markup nor sent to the terminal raw (`shown`), and the tests can call them directly.
"""

from __future__ import annotations

from datetime import date

from textual.content import Content

from ...domain.dates import human, relative
from ...services.prep import PrepCard
from ...services.review import ReviewItem
from .detail import hang
from .shown import shown, visible

MUTED = "$text-muted"
LABEL_WIDTH = 9

# (mark, colour, what the kind is called in a row)
KIND_LOOKS = {
    "follow-up": ("◷", "$warning", "follow-up"),
    "keep-in-touch": ("●", "$primary", "keep in touch"),
    "birthday": ("✦", "$accent", "birthday"),
    "thank": ("◆", "$success", "say thanks"),
    "intro-check": ("⇄", "$secondary", "introduction"),
    "drifting": ("≈", MUTED, "drifting"),
    "circle": ("◎", "$primary", "circle"),
    "cadence": ("↻", "$secondary", "cadence"),
}


def item_title(item: ReviewItem, today: date, outcome: str | None = None) -> Content:
    """The row's first line: the kind's mark and the name (the reason below says the rest);
    once acted on, a tick and what was done instead."""
    mark, colour, _ = KIND_LOOKS.get(item.kind, ("·", MUTED, item.kind))
    if outcome is not None:
        return Content.assemble(("✓ ", "$success"), (visible(item.name), MUTED), (f"  {outcome}", MUTED))
    parts: list = [(f"{mark} ", colour), (visible(item.name), "bold")]
    if item.kind == "follow-up":  # the only reason that does not say when
        parts.append((f"  due {relative(item.due, today)}", MUTED))
    return Content.assemble(*parts)


def item_reason(item: ReviewItem) -> Content:
    return shown(item.reason)


def context_card(card: PrepCard, today: date, width: int = 40) -> Content:
    """Who this is and what to know before writing to them: last interaction and its note,
    open favours both ways, the next dates, how you met."""
    contact = card.contact
    lines: list[Content] = []

    def field(label: str, value: str | Content) -> None:
        value = value if isinstance(value, Content) else shown(value)
        lines.append(hang(Content.styled(label.ljust(LABEL_WIDTH), MUTED), value, width))

    lines.append(hang(Content(""), shown(contact.name, "bold $accent"), width))
    subtitle = " · ".join(p for p in (contact.role, contact.org) if p)
    if subtitle:
        lines.append(hang(Content(""), shown(subtitle, MUTED), width))
    if contact.tags:
        lines.append(hang(Content(""), shown("  ".join(f"#{t}" for t in contact.tags), MUTED), width))
    lines.append(Content(""))

    if card.last_interactions:
        last = card.last_interactions[0]
        others = [name for cid, name in zip(last.contact_ids, last.names) if cid != contact.id]
        head = f"{last.kind} · {relative(last.date, today)} · {human(last.date)}"
        if others:
            head += f" (with {', '.join(others[:2])}{'…' if len(others) > 2 else ''})"
        field("last", head)
        if last.note:
            field("", shown(" ".join(last.note.split()), "italic"))
    else:
        field("last", Content.styled("nothing logged yet", MUTED))

    favours = [("they helped you: ", f) for f in card.open_received]
    favours += [("you helped them: ", f) for f in card.open_given]
    for index, (direction, favour) in enumerate(favours):
        field("favours" if index == 0 else "",
              f"{direction}{' '.join(favour.description.split())} ({human(favour.date)})")
    if not favours:
        field("favours", Content.styled("nothing open either way", MUTED))

    upcoming: list[str | Content] = []
    cadence = contact.effective_cadence
    if cadence is not None and contact.next_due is not None:
        if contact.next_due <= today:
            since = "due today" if contact.next_due == today else f"due since {human(contact.next_due)}"
            upcoming.append(f"keep in touch {cadence}: {since}")
        else:
            upcoming.append(f"keep in touch {cadence}: {human(contact.next_due)}")
    for follow_up in card.open_follow_ups[:3]:
        note = " ".join(follow_up.note.split()) or "get back in touch"
        upcoming.append(f"follow-up {human(follow_up.effective_due)}: {note}")
    if contact.birthday:
        day = contact.birthday.next_on_or_after(today)
        age = contact.birthday.age_on(day)
        upcoming.append(f"birthday {human(day)} ({relative(day, today)})" + (f", turns {age}" if age else ""))
    for index, text in enumerate(upcoming):
        field("next" if index == 0 else "", text)

    if contact.met:
        field("met", " ".join(contact.met.split()))
    return Content("\n").join(lines)
