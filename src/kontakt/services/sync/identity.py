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
from collections import defaultdict

from ...domain import Contact, fold
from ...store.sync_cards import SyncedCard
from ..exporters.vcard import card as fresh_card
from ..exporters.vcard import fold as fold_line
from ..vdir_copies import one_per_uid
from . import fields as F
from .vdir import CardFile

__all__ = ["identify", "with_uid"]


def _own_uid(card: CardFile) -> bool:
    """Whether the card is known by a UID already: its own, or the one it was synced under
    (a card with the bytes of the last sync is not parsed again, and needs no other)."""
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
    cards, copies = one_per_uid(
        files, uid=lambda c: c.uid, file=lambda c: c.file,
        synced_file=lambda uid: bases[uid].file if uid in bases else None)
    left_out: set[str] = set()
    for copy in copies:
        warnings.append(f"skipped {copy.skipped.file}: {copy.why(lambda c: c.file)}")
        left_out.add(copy.skipped.file)
    _follow_renamed(cards, bases)
    return cards, left_out


def _follow_renamed(cards: dict[str, CardFile], bases: dict[str, SyncedCard]) -> None:
    """Give a new card without a UID the uid of a vanished card it is: the same bytes under
    another name, or (edited, so renamed by its new hash) the vanished card it shares the
    most with — its name or an e-mail at least (a phone alone may be a household's) — when
    each is the other's one closest (never a guess between two equally likely people)."""
    vanished = {uid: b for uid, b in bases.items() if uid not in cards}
    new = [c for uid, c in cards.items() if uid not in bases and not _own_uid(c)]
    if not vanished or not new:
        return
    pairs: dict[str, str] = {}  # card file → the uid it is
    by_hash: dict[str, list[str]] = defaultdict(list)
    for base in vanished.values():
        if base.hash:
            by_hash[base.hash].append(base.uid)
    same_bytes: dict[str, list[CardFile]] = defaultdict(list)
    for card in new:
        if len(by_hash.get(card.hash, ())) == 1:
            same_bytes[by_hash[card.hash][0]].append(card)
    pairs.update({found[0].file: uid for uid, found in same_bytes.items() if len(found) == 1})

    # Only cards and vanished ones sharing a name, e-mail or phone are compared: a folder
    # re-hashed whole stays linear.
    left = {uid: vanished[uid].fields["folder"] for uid in vanished.keys() - set(pairs.values())}
    index: dict[tuple[str, str], set[str]] = defaultdict(set)
    for uid, fields in left.items():
        for key in _keys(fields):
            index[key].add(uid)
    scores: dict[tuple[str, str], int] = {}
    for card in new:
        if card.file in pairs:
            continue
        fields = F.of_card(card.card)
        keys = _keys(fields)
        for uid in set().union(*(index.get(k, ()) for k in keys)):
            shared = keys & _keys(left[uid])
            if not any(kind in ("name", "email") for kind, _ in shared):
                continue  # a phone alone is a household's or an office's: someone else
            scores[card.file, uid] = len(shared) + _agreeing(fields, left[uid])
    best: dict[tuple[str, str], tuple[int, int]] = {}  # a card or base → (top score, how many)
    for (file, uid), score in scores.items():
        for side in (("card", file), ("base", uid)):
            top, count = best.get(side, (0, 0))
            best[side] = (score, 1) if score > top else (top, count + (score == top))
    pairs.update({file: uid for (file, uid), score in scores.items()
                  if best["card", file] == best["base", uid] == (score, 1)})
    for card in [c for c in new if c.file in pairs]:
        del cards[card.uid]
        card.known_uid = pairs[card.file]
        cards[card.uid] = card


def _keys(fields: F.Fields) -> set[tuple[str, str]]:
    """What names a person on a card: the name, each e-mail, each phone."""
    keys = {("email", v.casefold()) for v, _ in fields.get("emails") or []}
    keys |= {("phone", v) for v, _ in fields.get("phones") or []}
    if fields.get("name"):
        keys.add(("name", fold(fields["name"])))
    return keys


def _agreeing(card: F.Fields, base: F.Fields) -> int:
    """How many synced fields hold the same, not empty, value."""
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
    # After BEGIN:VCARD wherever it is (a byte order mark or a blank line may come first).
    head = re.search(r"^\ufeff?[ \t]*BEGIN:VCARD[ \t]*\r?\n(?:VERSION:[^\r\n]*\r?\n)?", text,
                     re.IGNORECASE | re.MULTILINE)
    at = head.end() if head else 0
    line = fold_line(uid)
    if "\r\n" not in text:  # a card with bare line feeds keeps them (sync/lines.py)
        line = line.replace("\r\n", "\n")
    return text[:at] + line + text[at:]
