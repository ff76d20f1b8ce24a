"""Links between two people and a person's dated journal (pure: no SQL, no UI)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .text import clean_line

# The kinds the forms and the CLI suggest; any other short text is fine too.
RELATION_KINDS = ("partner", "family", "friend", "colleague", "introduced me to")
# A link read from the other end, where it is not the same both ways.
_INVERSE = {"introduced me to": "met through"}
MAX_KIND = 60


class RelationError(ValueError):
    """A link that cannot be made (no kind, someone linked to themselves, …)."""


def check_relation_kind(kind: str | None) -> str:
    """The kind as stored: one line, trimmed, lower case for the known ones."""
    text = " ".join(clean_line(kind or "").split())
    if not text:
        raise RelationError("a link needs a kind: partner, family, friend, colleague, … or your own words")
    if len(text) > MAX_KIND:
        raise RelationError(f"a link's kind is at most {MAX_KIND} characters")
    return text.casefold() if text.casefold() in RELATION_KINDS else text


def seen_from_b(kind: str) -> str:
    """How the other person's card names a link made from A's side."""
    return _INVERSE.get(kind, kind)


@dataclass(frozen=True)
class Relationship:
    """A link as one person's card shows it: `kind` already read from their side."""

    id: int
    contact_id: int
    with_id: int
    with_name: str
    kind: str


@dataclass(frozen=True)
class JournalEntry:
    """One dated note about a person."""

    id: int
    contact_id: int
    date: date
    text: str
