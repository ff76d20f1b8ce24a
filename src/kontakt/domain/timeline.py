"""One history per contact: interactions, favours, introductions and follow-ups, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .activity import FollowUp, Interaction
from .ledger import Favour, Introduction
from .relations import JournalEntry


@dataclass(frozen=True)
class TimelineEntry:
    date: date
    kind: str  # interaction, favour, introduction, follow-up, note
    text: str
    # The record's id in its table (with `kind`, what an edit or delete needs).
    id: int | None = None


# Who made the first move, as the timeline says it.
_REACHED = {"me": " · you reached out", "them": " · they reached out", "mutual": " · mutual"}


def timeline(
    contact_id: int,
    interactions: list[Interaction],
    favours: list[Favour],
    follow_ups: list[FollowUp],
    introductions: list[Introduction],
    journal: Sequence[JournalEntry] = (),
) -> list[TimelineEntry]:
    """Everything that happened with someone as (date, one line), newest first; journal
    notes (kind "note") among them."""
    events: list[tuple[date, int, str, str, int]] = []
    for item in interactions:
        others = [n for i, n in zip(item.contact_ids, item.names) if i != contact_id]
        with_others = f" with {', '.join(others)}" if others else ""
        note = f": {item.note.splitlines()[0]}" if item.note else ""
        marks = "".join((" (thank-you)" if item.thanks else "",
                         _REACHED.get(item.reached_out or "", "")))
        events.append((item.date, 0, "interaction", f"{item.kind}{with_others}{marks}{note}", item.id))
    for favour in favours:
        arrow = "gave" if favour.direction == "given" else "received"
        status = "" if favour.status == "open" else f" [{favour.status}]"
        if favour.direction == "received" and favour.status == "open" and favour.thanked_on:
            status = " [thanked]"
        events.append((favour.date, 1, "favour", f"{arrow} {favour.kind}: {favour.description}{status}", favour.id))
    for intro in introductions:
        _, other = intro.other(contact_id)
        verdict = intro.result if intro.result in ("worked", "fizzled") else ""  # unknown: none
        said = [part for part in (verdict, intro.outcome) if part]
        outcome = f" → {': '.join(said)}" if said else ""
        note = f": {intro.note.splitlines()[0]}" if intro.note.strip() else ""
        events.append((intro.date, 2, "introduction", f"introduced to {other}{note}{outcome}", intro.id))
    for follow_up in follow_ups:
        state = "done" if follow_up.status == "done" else "due"
        note = f": {follow_up.note}" if follow_up.note else ""
        every = f" ({follow_up.recurrence})" if follow_up.recurrence else ""
        day = follow_up.done_on if follow_up.status == "done" and follow_up.done_on else follow_up.effective_due
        events.append((day, 3, "follow-up", f"follow-up {state}{every}{note}", follow_up.id))
    for entry in journal:
        lines = entry.text.splitlines()
        more = " …" if len(lines) > 1 else ""
        events.append((entry.date, 4, "note", f"note: {lines[0] if lines else ''}{more}", entry.id))
    events.sort(key=lambda e: (e[0], -e[1]), reverse=True)
    return [TimelineEntry(day, kind, text, record_id) for day, _, kind, text, record_id in events]
