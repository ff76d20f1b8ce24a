"""Contacts and circles, and the rule for when someone is next due."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .cadence import Cadence
from .cards import Address
from .dates import Birthday


@dataclass(frozen=True)
class Contact:
    """One person in the book. `last_contact` and `next_due` are kept up to date by the store."""

    id: int
    name: str
    uid: str = ""
    nickname: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    org: str = ""
    role: str = ""
    location: str = ""
    met: str = ""
    birthday: Birthday | None = None
    tags: tuple[str, ...] = ()
    notes: str = ""
    cadence: Cadence | None = None
    archived: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    last_contact: date | None = None
    next_due: date | None = None
    # The cadence that applies: the contact's own, else the tightest of its circles'.
    effective_cadence: Cadence | None = None
    # Let drift: out of every cadence (effective_cadence is None) until brought back; the
    # cadence they would have again is `drift_cadence`.
    drift_cadence: Cadence | None = None
    channel: str | None = None  # preferred channel: message, call, coffee, … (domain CHANNELS)
    # Structured fields kept for sync (domain/cards.py): postal addresses, web addresses,
    # and labels (work, home, mobile…) of phones and e-mails as (value, label) pairs.
    addresses: tuple[Address, ...] = ()
    urls: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()

    def label_of(self, value: str) -> str:
        """The label of one of this contact's phones or e-mails, or ''."""
        return next((label for v, label in self.labels if v == value), "")

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.nickname})" if self.nickname else self.name


@dataclass(frozen=True)
class Circle:
    """A tag that groups people; it may carry a cadence its members inherit."""

    name: str
    cadence: Cadence | None = None
    members: int = 0
    description: str = ""
    extra: dict = field(default_factory=dict, compare=False)


def effective_cadence(own: Cadence | None, circle_cadences: list[Cadence]) -> Cadence | None:
    """The contact's own cadence, else the tightest cadence among its circles, else None."""
    if own is not None:
        return own
    if not circle_cadences:
        return None
    return min(circle_cadences, key=lambda c: c.approx_days)


def next_due(cadence: Cadence | None, last_contact: date | None, added_on: date) -> date | None:
    """When to get in touch next: one cadence after the last contact.

    Someone never contacted is due one cadence after they were added, so a fresh import
    does not turn into a wall of overdue people on day one.
    """
    if cadence is None:
        return None
    return cadence.after(last_contact or added_on)
