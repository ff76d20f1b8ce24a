"""Favours given and received, introductions, and the balance between two people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

FAVOUR_KINDS = ("advice", "introduction", "help", "referral", "gift", "other")
FAVOUR_STATUSES = ("open", "returned", "let go")
DIRECTIONS = ("given", "received")
WEIGHTS = {1: "small", 2: "medium", 3: "large"}
# How an introduction turned out; None (no result yet) keeps the review asking.
INTRO_RESULTS = ("worked", "fizzled", "unknown")


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


def check_result(result: str) -> str:
    result = result.strip().lower()
    if result not in INTRO_RESULTS:
        raise LedgerError(f"unknown outcome {result!r}; use worked, fizzled or unknown")
    return result


@dataclass(frozen=True)
class Favour:
    """A favour given to or received from one person, weighed 1-3."""

    id: int
    contact_id: int
    direction: str  # "given" or "received"
    description: str
    kind: str
    weight: int
    date: date
    status: str = "open"
    thanked_on: date | None = None  # received favours: the day of the explicit thank-you


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
    result: str | None = None  # worked, fizzled, unknown; None: not answered yet
    asked_first: bool = False  # both were asked before being introduced

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
    """Balance of one contact by the ledger's rule (README, "The ledger's rule"):

    - an open favour counts on its own side: given adds to `gave`, received to `received`;
    - a returned favour was answered in kind: its weight counts on both sides (a balanced
      exchange: the totals grow, the net does not move);
    - a let-go favour drops out of the balance altogether;
    - an introduction you made counts as a small favour given (INTRODUCTION_WEIGHT).
    """
    gave = received = 0
    for f in favours:
        if f.status == "let go":
            continue
        if f.status == "returned" or f.direction == "given":
            gave += f.weight
        if f.status == "returned" or f.direction == "received":
            received += f.weight
    return Balance(gave + introductions_made * INTRODUCTION_WEIGHT, received)
