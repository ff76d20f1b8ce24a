"""Who an address or an event title names: contacts by e-mail, by name, circles by #name."""

from __future__ import annotations

import fnmatch
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ...domain import fold

if TYPE_CHECKING:
    from ...store import Book

_WORD = re.compile(r"#[\w-]+|\w+", re.UNICODE)
# Longest name (in words) tried against a title.
_MAX_WORDS = 4
# A first name alone names someone only from this many letters ("Al" in a title is too weak).
_MIN_FIRST_NAME = 3


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _pattern(pattern: str) -> str:
    """A rule as typed: a glob when it has * ? or [, else 'contains'."""
    pattern = fold(pattern.strip())
    return pattern if any(c in pattern for c in "*?[") else f"*{pattern}*"


def matches_rule(text: str, patterns: Sequence[str]) -> bool:
    """True when `text` matches any ignore pattern (case- and accent-insensitive)."""
    if not text or not patterns:
        return False
    key = fold(text)
    return any(fnmatch.fnmatchcase(key, _pattern(p)) for p in patterns)


def sender_rule_matches(address: str, patterns: Sequence[str]) -> bool:
    """An --ignore-sender rule: the whole address, or a glob like *@example.com."""
    key = address.casefold()
    for pattern in patterns:
        p = pattern.strip().casefold()
        if key == p or (any(c in p for c in "*?[") and fnmatch.fnmatchcase(key, p)):
            return True
    return False


class ContactIndex:
    """The active contacts of a book by address, name and circle, read once per scan."""

    def __init__(self, book: Book, *, me: Iterable[str] = (), ignored_senders: Sequence[str] = ()):
        self.me = {a.strip().casefold() for a in me if a.strip()}
        self.ignored_senders = list(ignored_senders)
        by_address: dict[str, set[int]] = defaultdict(set)
        by_phrase: dict[tuple[str, ...], set[int]] = defaultdict(set)
        self.names: dict[int, str] = {}
        for contact_id, name, nickname, emails in book.conn.execute(
            "SELECT id, name, nickname, emails FROM contacts WHERE deleted_at IS NULL AND archived = 0"
        ):
            self.names[contact_id] = name
            for address in json.loads(emails or "[]"):
                by_address[address.strip().casefold()].add(contact_id)
            words = tuple(_words(name))
            if words:
                by_phrase[words].add(contact_id)
                if len(words) > 1 and len(words[0]) >= _MIN_FIRST_NAME:
                    by_phrase[words[:1]].add(contact_id)
            nick = tuple(_words(nickname or ""))
            if nick:
                by_phrase[nick].add(contact_id)
        self.by_address = dict(by_address)
        self.by_phrase = dict(by_phrase)
        self.circles: dict[str, list[int]] = defaultdict(list)
        for circle, contact_id in book.conn.execute(
            """SELECT m.circle, m.contact_id FROM memberships m JOIN contacts c ON c.id = m.contact_id
                WHERE c.deleted_at IS NULL AND c.archived = 0"""
        ):
            self.circles[fold(circle)].append(contact_id)

    def is_me(self, address: str) -> bool:
        return address.strip().casefold() in self.me

    def ignored(self, address: str) -> bool:
        return sender_rule_matches(address, self.ignored_senders)

    def by_email(self, address: str) -> int | None:
        """The one active contact with this address; None for no one, several, me or a rule."""
        key = address.strip().casefold()
        if not key or key in self.me or self.ignored(key):
            return None
        found = self.by_address.get(key)
        return next(iter(found)) if found and len(found) == 1 else None

    def in_title(self, title: str) -> tuple[int, ...]:
        """The people a title names unambiguously ("Coffee with Olga", "#breakfast"); () when it
        names no one or anyone ambiguously (two Olgas, an unknown #circle)."""
        originals = _WORD.findall(title)
        words = [fold(w) for w in originals]
        found: list[int] = []
        index = 0
        while index < len(words):
            word = words[index]
            if word.startswith("#"):
                members = self.circles.get(word[1:])
                if members is None:
                    return ()
                found += members
                index += 1
                continue
            for size in range(min(_MAX_WORDS, len(words) - index), 0, -1):
                ids = self.by_phrase.get(tuple(words[index:index + size]))
                # One word names someone only capitalised: "Coffee with Will", not "who will come".
                if ids is None or (size == 1 and not originals[index][:1].isupper()):
                    continue
                if len(ids) > 1:
                    return ()  # "Olga" and two Olgas in the book: say nothing
                found += ids
                index += size
                break
            else:
                index += 1
        return tuple(dict.fromkeys(found))
