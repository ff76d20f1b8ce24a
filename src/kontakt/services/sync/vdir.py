"""A vdir of vCards (one card per .vcf file, as vdirsyncer and khard keep them): read a
card with the lines it holds, and write a card back changing only the properties of the
fields that changed, so PHOTO, X-*, groups and TYPE parameters kontakt does not model stay."""

from __future__ import annotations

import hashlib
import re
from functools import cached_property
from pathlib import Path

from ...domain import Contact
from ...store.bulk import NewContact
from ..exporters import atomic_output
from ..exporters.vcard import card as fresh_card, file_name, fold
from ..importers.textfile import Encoding
from ..importers.vcard import _logical_lines, iter_cards, utf8_once_unfolded
from .fields import PROPERTIES
from .lines import LISTS, RawLine, _ends, _whole, card_text, raw_lines, rewrite

__all__ = ["CardFile", "UnreadableCard", "read_card", "render", "write_atomically", "file_name"]


class UnreadableCard(ValueError):
    """A .vcf file that is not one readable card; it is never rewritten or deleted."""


class GroupCard(UnreadableCard):
    """A contact group's card (KIND:group): not a person; left alone without a word."""


class CardFile:
    """One .vcf file of the folder, parsed only when its content is needed (a card whose
    hash is the one synced last time is known already: `known_uid`)."""

    def __init__(self, path: Path, data: bytes, known_uid: str | None = None) -> None:
        self.path = path
        self.data = data
        self.file = path.name
        self.hash = digest(data)
        self.known_uid = known_uid

    @cached_property
    def _parsed(self) -> tuple[NewContact, str]:
        return _parse(self.path, self.data)

    @property
    def card(self) -> NewContact:
        return self._parsed[0]

    @property
    def version(self) -> str:
        return self._parsed[1]

    @property
    def uid(self) -> str:
        return self.known_uid or self.card.uid or Path(self.file).stem


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _name(text: str) -> str:
    head = re.split(r"[;:]", text, maxsplit=1)[0]
    return head.rsplit(".", 1)[-1].strip().upper()  # item1.EMAIL is an EMAIL


def read_card(path: Path, data: bytes | None = None) -> CardFile:
    """The one card in a .vcf file, parsed; raises UnreadableCard for anything else."""
    card = CardFile(path, path.read_bytes() if data is None else data)
    card.card  # noqa: B018 (parse now: an unreadable file is reported, never rewritten)
    return card


def _parse(path: Path, data: bytes) -> tuple[NewContact, str]:
    """The card's contact and its vCard version ("3.0" when it says none)."""
    encoding = Encoding("utf-8")
    if not utf8_once_unfolded(path, data):  # phones fold inside a character: unfold bytes first
        raise UnreadableCard(f"{path.name}: not UTF-8")
    parsed = list(iter_cards(path, encoding, f"{path.name}:", data))
    if len(parsed) != 1:
        raise UnreadableCard(f"{path.name}: {len(parsed)} cards in one file (a vdir has one)")
    if parsed[0].group is not None:
        raise GroupCard(f"{path.name}: a group card")
    if parsed[0].error or parsed[0].contact is None:
        raise UnreadableCard(f"{path.name}: {parsed[0].error}")
    # (A card's lines are rewritten from its bytes, services/sync/lines.py: only the
    # version is read here.)
    for _, logical in _logical_lines(path, encoding, data):
        text = logical.decode("utf-8")
        if _name(text) == "VERSION":
            return parsed[0].contact, text.split(":", 1)[1].strip()
    return parsed[0].contact, "3.0"


def _unfolded(text: str) -> list[str]:
    return [line for line in text.replace("\r\n ", "").split("\r\n") if line]


def render(contact: Contact, original: CardFile | None, changed: set[str],
           carried: list[RawLine] = (), dropped: set[str] = frozenset(),
           held: set[str] = frozenset()) -> str:
    """The card text for `contact`: a new card, or `original` with the lines of the
    `changed` fields made to say the contact's values (and REV renewed), each kept line as
    it was in the file, its group and parameters too (services/sync/lines.py); `carried`
    are lines of another card merged into this one, put before its END (`held` the
    properties of fields in conflict, never rewritten for them); `dropped` lines (unfolded)
    that go back to that card."""
    version = original.version if original and original.version in ("3.0", "4.0") else "4.0"
    fresh = _unfolded(fresh_card(contact, version))
    if original is None:
        return "".join(fold(line) for line in fresh)
    text = card_text(original.data)
    newline = "\r\n" if "\r\n" in text or "\n" not in text else "\n"
    owned = {p for f in changed for p in PROPERTIES[f]}
    lines = raw_lines(text)
    if carried:
        # Before END, in this file's line ends; their phones and addresses are matched with
        # the book's like the card's own (one line per value, a label kept with its group).
        end = max((i for i, line in enumerate(lines) if line.text.strip().upper() == "END:VCARD"),
                  default=len(lines))
        lines[end:end] = [RawLine(_ends(line.raw, newline) if _whole(line.raw) else _fold(line.text, newline),
                                  line.text) for line in carried]
    if carried or dropped:
        # The lines handed back to another card go from this one only where the book no
        # longer has their value (an undone merge may leave it with both people).
        owned |= {p for p in LISTS if p not in held}
    return rewrite(lines, fresh, owned, newline, _fold, dropped)


def _fold(line: str, newline: str) -> str:
    folded = fold(line)
    return folded if newline == "\r\n" else folded.replace("\r\n", newline)


def write_atomically(path: Path, text: str) -> bytes:
    """Write a card whole or not at all (a temporary file renamed over it); returns its bytes."""
    with atomic_output(path) as handle:
        handle.write(text)
    return path.read_bytes()


def card_files(folder: Path) -> list[Path]:
    """The .vcf files of a vdir (hidden and temporary files are not cards)."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() == ".vcf" and not p.name.startswith("."))
