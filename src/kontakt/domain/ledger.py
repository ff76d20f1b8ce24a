"""Favours given and received, introductions, and the balance between two people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

FAVOUR_KINDS = ("advice", "introduction", "help", "referral", "gift", "other")
FAVOUR_STATUSES = ("open", "returned", "let go")
DIRECTIONS = ("given", "received")
WEIGHTS = {1: "small", 2: "medium", 3: "large"}


class LedgerError(ValueError):
    """A favour or introduction that breaks the ledger's rules."""


def check_favour_kind(kind: str) -> str:
    kind = kind.strip().lower()
    if kind not in FAVOUR_KINDS:
        raise LedgerError(f"unknown favour kind {kind!r}; use one of {', '.join(FAVOUR_KINDS)}")
    return kind


def check_weight(weight: int) -> int:
    if weight not in WEIGHTS:
        raise LedgerError(f"weight must be 1, 2 or 3 (small, medium, large), not {weight}")
    return weight


def check_status(status: str) -> str:
    status = status.strip().lower().replace("-", " ").replace("_", " ")
    if status not in FAVOUR_STATUSES:
        raise LedgerError(f"unknown status {status!r}; use open, returned or let go")
    return status


@dataclass(frozen=True)
class Favour:
    id: int
    contact_id: int
    direction: str  # "given" or "received"
    description: str
    kind: str
    weight: int
    date: date
    status: str = "open"


@dataclass(frozen=True)
class Introduction:
    """I introduced `a` to `b`: stored once, counts as a favour given to each."""

    id: int
    contact_a: int
    contact_b: int
    date: date
    note: str = ""
    outcome: str = ""
    name_a: str = ""
    name_b: str = ""

    def other(self, contact_id: int) -> tuple[int, str]:
        """The person on the other side of the introduction from `contact_id`."""
        if contact_id == self.contact_a:
            return self.contact_b, self.name_b
        return self.contact_a, self.name_a


# An introduction weighs like a small favour given.
INTRODUCTION_WEIGHT = 1


@dataclass(frozen=True)
class Balance:
    """Weights given and received; `net` > 0 means you have given more."""

    gave: int = 0
    received: int = 0

    @property
    def net(self) -> int:
        return self.gave - self.received

    @property
    def sign(self) -> str:
        """A quiet one-character mark: '+' given more, '−' received more, '=' even."""
        if self.net > 0:
            return "+"
        if self.net < 0:
            return "−"
        return "="

    @property
    def mark(self) -> str:
        """The `±` column of the app's and the CLI's lists: `sign`, or nothing at all when no
        favour went either way (an empty cell, not '=', which means "even")."""
        return self.sign if self.gave or self.received else ""

    def __str__(self) -> str:
        return f"gave {self.gave} · received {self.received}"


def balance(favours: list[Favour], introductions_made: int = 0) -> Balance:
    """Balance of one contact: weight given (introductions included) against weight received."""
    gave = sum(f.weight for f in favours if f.direction == "given")
    received = sum(f.weight for f in favours if f.direction == "received")
    return Balance(gave + introductions_made * INTRODUCTION_WEIGHT, received)
