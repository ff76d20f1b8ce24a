"""Which person each card of a vdir is, when the UID alone does not say it.

A card without a UID (Google and older clients write them) is known by its file name, the
href vdirsyncer keeps — and vdirsyncer names such a card by a hash of its content, so an
edit on the phone renames the file. Two files may also carry the same UID (a backup copy
left in the folder). Both cases are settled here, before the three-way merge, so that a
renamed card is the same person with their history, and a stray copy never overwrites what
kontakt synced last.
"""

from __future__ import annotations

import re

from ...domain import Contact, fold
from ...store.sync_cards import SyncedCard
from ..exporters.vcard import card as fresh_card
from ..exporters.vcard import fold as fold_line
from . import fields as F
from .vdir import CardFile

__all__ = ["identify", "with_uid"]


def _own_uid(card: CardFile) -> bool:
    """Whether the card carries a UID (a card known by its hash was read before: as then)."""
    return card.known_uid is not None or bool(card.card.uid)


def identify(files: list[CardFile], bases: dict[str, SyncedCard],
             warnings: list[str]) -> tuple[dict[str, CardFile], set[str]]:
    """The cards by the uid kontakt knows each by, and the files left out (a second card
    with a UID already taken). Appends a warning naming every file left out."""
    by_file = {base.file: base for base in bases.values()}
    for card in files:
        base = by_file.get(card.file)
        if base is not None and not _own_uid(card):
            card.known_uid = base.uid  # the href is its identity, as vdirsyncer keeps it
    cards: dict[str, CardFile] = {}
    left_out: set[str] = set()
    for card in sorted(files, key=lambda c: (_not_the_synced_file(c, bases), c.file)):
        first = cards.get(card.uid)
        if first is None:
            cards[card.uid] = card
            continue
        synced = "" if _not_the_synced_file(first, bases) else ", which kontakt syncs"
        warnings.append(f"skipped {card.file}: the same UID as {first.file}{synced} "
                        "(delete the copy, or give it a UID of its own)")
        left_out.add(card.file)
    _follow_renamed(cards, bases)
    return cards, left_out


def _not_the_synced_file(card: CardFile, bases: dict[str, SyncedCard]) -> bool:
    base = bases.get(card.uid)
    return base is None or base.file != card.file


def _follow_renamed(cards: dict[str, CardFile], bases: dict[str, SyncedCard]) -> None:
    """Give a new card without a UID the uid of a vanished card it is: the same bytes under
    another name, or (edited, so renamed by its new hash) the one vanished card it shares
    the most with — its name or an e-mail or phone at least, and no other card closer."""
    vanished = [b for uid, b in bases.items() if uid not in cards]
    new = [c for uid, c in cards.items() if uid not in bases and not _own_uid(c)]
    if not vanished or not new:
        return
    pairs: dict[str, SyncedCard] = {}
    for card in new:
        same_bytes = [b for b in vanished if b.hash and b.hash == card.hash]
        if len(same_bytes) == 1:
            pairs[card.file] = same_bytes[0]
    taken = {b.uid for b in pairs.values()}
    scores = {
        (card.file, base.uid): _likeness(F.of_card(card.card), base.fields["folder"])
        for card in new if card.file not in pairs
        for base in vanished if base.uid not in taken
    }
    for (file, uid), score in scores.items():
        if score == 0:
            continue
        # Each the other's one closest: never a guess between two equally likely people.
        rivals = [s for (f, u), s in scores.items() if (f == file) != (u == uid)]
        if all(s < score for s in rivals):
            pairs[file] = bases[uid]
    for card in [c for c in new if c.file in pairs]:
        del cards[card.uid]
        card.known_uid = pairs[card.file].uid
        cards[card.uid] = card


def _likeness(card: F.Fields, base: F.Fields) -> int:
    """How many synced fields agree (0 unless the name, an e-mail or a phone does)."""
    def values(fields: F.Fields, name: str) -> set[str]:
        return {v.casefold() for v, _ in fields.get(name) or []}

    same_name = fold(card["name"] or "") == fold(base.get("name") or "")
    shared = values(card, "emails") & values(base, "emails") or values(card, "phones") & values(base, "phones")
    if not (same_name or shared):
        return 0
    return sum(1 for name in F.SYNCED
               if not F.empty(card[name]) and F.same(name, card[name], base.get(name)))


def with_uid(text: str, contact: Contact, original: CardFile) -> str:
    """A card being rewritten, with the UID kontakt knows it by when `original` had none.

    RFC 6350 says a card SHOULD have a UID, and `vdirsyncer repair` adds one to each card
    without: vdirsyncer then knows the card by its UID instead of by a hash of its content,
    so the next edit is an edit, not a delete and a new card. kontakt's rewrite changes the
    hash anyway; the UID makes it the last time. Cards kontakt does not rewrite are left as
    they are (no rewrite of a whole folder just to add UIDs)."""
    if original.card.uid:
        return text
    version = original.version if original.version in ("3.0", "4.0") else "4.0"
    fresh = fresh_card(contact, version).replace("\r\n ", "").split("\r\n")
    uid = next(line for line in fresh if line.upper().startswith("UID:"))
    head = re.match(r"BEGIN:VCARD\r\n(?:VERSION:[^\r\n]*\r\n)?", text, re.IGNORECASE)
    at = head.end() if head else 0
    return text[:at] + fold_line(uid) + text[at:]
