"""Interactions (a call, a coffee, a group meeting) and follow-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .cadence import Cadence

INTERACTION_KINDS = ("call", "meeting", "message", "email", "event", "other")
FOLLOW_UP_STATUSES = ("open", "done")
# Who made the first move for an interaction; None: not recorded (older entries).
REACHED_OUT = ("me", "them", "mutual")
# A person's preferred channel → the interaction kind a quick touch over it is logged as.
CHANNELS = {
    "message": "message", "call": "call", "video": "call", "coffee": "meeting",
    "meeting": "meeting", "email": "email", "letter": "other",
}


class ActivityError(ValueError):
    """An interaction or follow-up that cannot be recorded as given."""


def check_interaction_kind(kind: str) -> str:
    kind = kind.strip().lower()
    if kind not in INTERACTION_KINDS:
        raise ActivityError(
            f"unknown interaction kind {kind!r}; use one of {', '.join(INTERACTION_KINDS)}"
        )
    return kind


def check_reached_out(who: str) -> str:
    who = who.strip().lower()
    if who not in REACHED_OUT:
        raise ActivityError(f"unknown reached-out {who!r}; use me, them or mutual")
    return who


def check_channel(channel: str) -> str:
    channel = channel.strip().lower()
    if channel not in CHANNELS:
        raise ActivityError(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    return channel


def channel_prompt(channel: str | None, first_name: str) -> str:
    """The smallest viable touch, in words: 'send Olga a message', 'call Olga'."""
    return {
        "message": f"send {first_name} a message", "call": f"call {first_name}",
        "video": f"video-call {first_name}", "coffee": f"have a coffee with {first_name}",
        "meeting": f"meet {first_name}", "email": f"email {first_name}",
        "letter": f"write {first_name} a letter",
    }.get(channel or "", f"get in touch with {first_name}")


@dataclass(frozen=True)
class Interaction:
    """One touchpoint; a group meeting has several contacts."""

    id: int
    date: date
    kind: str
    note: str
    contact_ids: tuple[int, ...]
    names: tuple[str, ...] = ()
    reached_out: str | None = None  # me, them, mutual; None: not recorded
    thanks: bool = False  # this was the thank-you for a favour received


@dataclass(frozen=True)
class FollowUp:
    id: int
    contact_id: int
    due: date
    note: str = ""
    recurrence: Cadence | None = None
    status: str = "open"
    snoozed_until: date | None = None
    done_on: date | None = None
    # First due date of a recurring series: occurrences count from it, so the 31st survives
    # February instead of drifting to the 28th for good.
    anchor: date | None = None

    @property
    def effective_due(self) -> date:
        """The day it shows up: the due date, or later when snoozed."""
        if self.snoozed_until and self.snoozed_until > self.due:
            return self.snoozed_until
        return self.due

    def next_occurrence(self, done_on: date) -> date | None:
        """For a recurring follow-up, the next due date after it was done; None otherwise.

        The next one counts from the due date (keeps a monthly call on its day), but never
        lands on or before the day it was done.
        """
        if self.recurrence is None:
            return None
        # Count whole steps from the due date: chaining after() would drift, 31 Jan →
        # 28 Feb → 28 Mar, where stepping from the due date gives 31 Mar.
        base = self.anchor or self.due
        steps = 1
        following = base + self.recurrence.delta * steps
        while following <= done_on or following <= self.due:
            steps += 1
            following = base + self.recurrence.delta * steps
        return following
