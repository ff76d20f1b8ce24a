"""Favours given and received, introductions, and the balance between two people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# In a module of their own (not named `balance`, the package's function), so that reading
# contacts with their balances (store/reading.py, kontakt.quick) builds no other class here.
from .balances import INTRODUCTION_WEIGHT, Balance  # noqa: F401 (re-exported)

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
