"""Interactions (a call, a coffee, a group meeting) and follow-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .cadence import Cadence

INTERACTION_KINDS = ("call", "meeting", "message", "email", "event", "other")
FOLLOW_UP_STATUSES = ("open", "done")


class ActivityError(ValueError):
    """An interaction or follow-up that cannot be recorded as given."""


def check_interaction_kind(kind: str) -> str:
    kind = kind.strip().lower()
    if kind not in INTERACTION_KINDS:
        raise ActivityError(
            f"unknown interaction kind {kind!r}; use one of {', '.join(INTERACTION_KINDS)}"
        )
    return kind


@dataclass(frozen=True)
class Interaction:
    """One touchpoint; a group meeting has several contacts."""

    id: int
    date: date
    kind: str
    note: str
    contact_ids: tuple[int, ...]
    names: tuple[str, ...] = ()


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
