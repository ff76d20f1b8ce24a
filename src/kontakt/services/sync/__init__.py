"""Two-way sync of the book with a vdir of vCards (the folder vdirsyncer keeps in step with
a CardDAV server, and khard reads).

A three-way merge per card and per field: kontakt remembers how each card and each contact
looked after the last sync (store/sync_cards.py), so a field changed only in the folder is
taken into the book, one changed only in the book is written to the card, and one changed
on both sides to different values is a conflict, left as it is on both sides and reported
until the user settles it (`take`). A card deleted from the folder moves the contact to the
trash; a contact deleted in kontakt deletes its card. Cards are rewritten line by line
(vdir.render, lines.py), so what kontakt does not model stays in them.

A person merged into another in kontakt is no card deleted: their card goes with them. The
kept person takes it over when they have none; otherwise its lines kontakt does not model
are carried onto the kept person's card, and the card is kept aside in the book (its
sync_cards row) to be written again if the merge is undone.

Order of writes: the cards first (each atomically), then every change to the book and the
new merge bases in one transaction. A crash between the two leaves cards that already say
what the book says, which the next sync sees as agreement, not as a change. The whole sync
is one write transaction of the book (another kontakt's save waits for it), and a card the
folder changed since it was read stops it before anything is written.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from ... import clock
from ...domain import Contact, fold
from ...domain.text import counted
from ...store import Book
from ...store.bulk import iter_contacts
from ...store.sync_cards import SyncedCard, forget, merged_people, remember, synced_cards
from . import fields as F
from .identity import identify, with_uid
from .lines import RawLine, card_text, carry, raw_lines
from .vdir import (
    CardFile, GroupCard, UnreadableCard, card_files, digest, file_name, read_card, render, write_atomically,
)

__all__ = ["Conflict", "SyncError", "SyncReport", "sync_vdir"]

TAKE = ("book", "folder")


class SyncError(ValueError):
    """The folder cannot be synced (missing, not a folder); nothing was changed."""


@dataclass(frozen=True)
class Conflict:
    """A field changed on both sides to different values since the last sync."""

    uid: str
    name: str
    field: str
    book: Any
    folder: Any

    @property
    def book_text(self) -> str:
        return F.shown(self.field, self.book)

    @property
    def folder_text(self) -> str:
        return F.shown(self.field, self.folder)


@dataclass
class SyncReport:
    folder: Path
    dry_run: bool = False
    added: list[str] = field(default_factory=list)                       # names, from new cards
    updated: list[tuple[str, list[str]]] = field(default_factory=list)   # (name, fields) from cards
    trashed: list[str] = field(default_factory=list)                     # cards deleted in the folder
    restored: list[str] = field(default_factory=list)                    # trashed, card edited since
    written: list[tuple[str, list[str]]] = field(default_factory=list)   # (file, fields); ["new"]
    deleted: list[str] = field(default_factory=list)                     # files of deleted contacts
    merged: list[tuple[str, str]] = field(default_factory=list)          # (file, into file): merged
    conflicts: list[Conflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    calendar: Any = None                                                 # the calendar sync's report

    @property
    def changes(self) -> int:
        return (len(self.added) + len(self.updated) + len(self.trashed) + len(self.restored)
                + len(self.written) + len(self.deleted) + len(self.merged))


@dataclass
class _Plan:
    """What to do for one uid."""

    uid: str
    name: str
    contact: Contact | None = None
    card: CardFile | None = None
    base: SyncedCard | None = None
    merged: F.Fields | None = None
    take: set[str] = field(default_factory=set)      # fields the book takes from the card
    write: set[str] = field(default_factory=set)     # fields written to the card
    new_file: str | None = None                      # a card to create
    add: bool = False                                # a contact to create from the card
    restore_id: int | None = None                    # a trashed contact to bring back
    trash: bool = False
    delete_file: str | None = None
    forget: bool = False
    held: dict[str, Any] = field(default_factory=dict)  # conflicting field → base values kept
    carried: list[RawLine] = field(default_factory=list)  # lines of cards merged into this one
    into: str | None = None                          # merged into this file's card: kept aside
    recreate: bool = False                           # a card kept aside, written again
    brought: tuple[str, list[str]] | None = None     # (into uid, lines) of a card kept aside
    dropped: set[str] = field(default_factory=set)   # lines carried here, going back
    keep_aside: bool = False                         # a card deleted with its person, kept


def sync_vdir(book: Book, folder: Path | str, *, today: date, dry_run: bool = False,
              take: dict[str | tuple[str, str], str] | None = None) -> SyncReport:
    """Sync the book with a vdir of .vcf files both ways; returns what changed (or, with
    `dry_run`, what would). `take` settles conflicts, a card's at once or one field's:
    {uid: "book" | "folder", (uid, field): …}. Raises SyncError when the folder is not there."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise SyncError(f"{folder}: no such folder (create it, or run vdirsyncer first)")
    take = take or {}
    for uid, side in take.items():
        if side not in TAKE:
            raise SyncError(f"take {side!r} for {uid}: say book or folder")
    if dry_run:
        return _sync(book, folder, today, True, take, [])
    # Read, planned and applied inside one write transaction: another kontakt saving an
    # edit (or syncing the same folder) waits for this sync instead of slipping between its
    # reading of the book and its new merge bases, which would take the edit as synced.
    merged_away: list[tuple[Path, bytes]] = []
    with book.write(label=f"sync with {folder.name}"):
        report = _sync(book, folder, today, False, take, merged_away)
    # A card merged into another goes once the book keeps it aside: a crash before this
    # leaves it in the folder, merged again (its lines once) by the next sync. One the phone
    # edited since stays, and is merged again with its edit.
    for path, data in merged_away:
        if _as_read(path, data):
            path.unlink(missing_ok=True)
    return report


def _sync(book: Book, folder: Path, today: date, dry_run: bool,
          take: dict[str | tuple[str, str], str], merged_away: list[tuple[Path, bytes]]) -> SyncReport:
    key = str(folder.resolve())
    report = SyncReport(folder, dry_run)
    bases = synced_cards(book, key)

    read: list[CardFile] = []
    unreadable: set[str] = set()
    by_file = {base.file: base for base in bases.values()}
    for path in card_files(folder):
        try:
            data = path.read_bytes()
            known = by_file.get(path.name)
            if known is not None and known.hash == digest(data):
                card = CardFile(path, data, known.uid)  # as synced last time: not parsed again
            else:
                card = read_card(path, data)
        except (UnreadableCard, OSError) as error:
            if not isinstance(error, GroupCard):
                report.warnings.append(f"skipped {error}")
            unreadable.add(path.name)
            continue
        read.append(card)
    # Cards merged into another and kept aside (no file) are no card to find again.
    synced = {uid: b for uid, b in bases.items() if "card" not in b.fields}
    cards, copies = identify(read, synced, report.warnings)
    unreadable |= copies
    if synced and not unreadable and not any(uid in cards for uid in synced):
        # Not one card synced before is there: a wiped, replaced or unmounted folder, not
        # every person deleted on the phone. Written anew rather than the book trashed.
        report.warnings.append(
            f"none of the {counted(len(bases), 'card')} synced before are in {folder}: written anew, "
            "nothing taken as deleted")
        bases = {}
    contacts = {c.uid: c for c, _ in iter_contacts(book)}
    in_trash = {c.uid: c for c, _ in book.trashed()}
    owners = _owners(book, cards, bases, contacts, in_trash)
    # A person back from the trash with someone merged into them since: their own card,
    # kept aside when they were deleted, is theirs again and takes the merged card's lines
    # (taking over the merged card instead would forget it, photo and all).
    back: set[str] = set()
    for person in {p for uid, p in owners.items() if uid in cards} & set(contacts) - set(cards):
        base = bases.get(person)
        if base and "card" in base.fields and "carried" not in base.fields and "person" not in base.fields:
            cards[person] = _card_kept_aside(folder, base)
            back.add(person)
    takeover, folded = _merged_cards(owners, cards, contacts)
    carried: dict[str, list[RawLine]] = {}
    carried_from: dict[str, list[str]] = {}
    owned = {p for props in F.PROPERTIES.values() for p in props}
    for uid, into in folded.items():
        lines = carry(raw_lines(card_text(cards[uid].data)),
                      raw_lines(card_text(cards[into].data)) + carried.get(into, []), owned)
        carried.setdefault(into, []).extend(lines)
        carried_from[uid] = [line.text for line in lines]
    # A merge undone: the lines a kept-aside card brought to the kept card go back with it.
    handed_back: dict[str, set[str]] = {}
    for uid, base in bases.items():
        brought = base.fields.get("carried")
        if brought and uid in contacts and uid not in cards and brought["into"] in cards:
            handed_back.setdefault(brought["into"], set()).update(brought["lines"])

    # People whose card is a merged-away person's card synced before (taken over): that
    # card's plan is theirs, even with the card gone (deleted on the phone: to the trash).
    # A card merged into theirs and kept aside for an undo is no card of theirs.
    with_taken_card = {person for uid, person in owners.items()
                       if uid in bases and "carried" not in bases[uid].fields}

    plans = []
    for uid in sorted(set(cards) | set(contacts) | set(bases)):
        base = bases.get(uid)
        if base and base.file in unreadable and uid not in cards:
            continue  # its card is there but unreadable: never take that as a deletion
        person = owners.get(uid, uid)
        card = cards.get(uid)
        if uid in takeover:
            # Merged with someone whose card this person now has: their own card is gone
            # from the folder or never was; only the record of it goes.
            if base:
                plans.append(_Plan(uid, contacts[uid].name, forget=True))
            continue
        if uid in folded:
            plans.append(_Plan(uid, card.card.name, card=card, base=base, into=cards[folded[uid]].file,
                               delete_file=card.file, brought=(folded[uid], carried_from[uid])))
            continue
        if base and "card" in base.fields and "carried" not in base.fields and card is not None \
                and uid not in back:
            # The card of a person deleted here, put back in the folder: their card again,
            # met as a first sync meets it (no edit that restores them from the trash).
            base = None
        if base and "card" in base.fields and card is None:
            # A card merged into another or deleted with its person, kept aside: written
            # again when its person is back (the merge undone, restored from the trash),
            # forgotten when they are gone for good. A deleted card taken over in a merge
            # is its owner's; a merged one is its own person's.
            owner = uid if "carried" in base.fields else person
            if owner in contacts:
                card = _card_kept_aside(folder, base)
            elif owner in in_trash:
                continue
            else:
                plans.append(_Plan(uid, uid, forget=True))
                continue
        if card is None and person != uid and person in cards:
            # A merged-away person's card gone while the person it went to has their own
            # (merged into it, and the sync that did so undone): no one was deleted.
            plans.append(_Plan(uid, uid, forget=True))
            continue
        if card is None and base is None and uid in with_taken_card:
            continue  # their card is the one they took over: planned under its uid
        plan = _plan(uid, contacts.get(person), card, base, in_trash.get(person), take, report)
        if (uid in carried or uid in handed_back) and contacts.get(person) is not None and card is not None:
            if plan is None:
                plan = _Plan(uid, contacts[person].name, contacts[person], card, base,
                             merged=F.of_contact(contacts[person]))
            plan.carried = carried.get(uid, [])
            plan.dropped = handed_back.get(uid, set())
        if plan is not None and card is not None and (card is not cards.get(uid) or uid in back):
            plan.recreate = True
        if plan is not None:
            plans.append(plan)
    used = {c.file for uid, c in cards.items() if uid not in back} | unreadable
    for plan in plans:
        if plan.new_file is not None:
            plan.new_file = _free_name(file_name(plan.uid), used)
            used.add(plan.new_file)
        elif plan.recreate:
            name = _free_name(plan.card.file, used)
            plan.card = CardFile(folder / name, plan.card.data)
            used.add(name)
    _describe(plans, report)
    if dry_run:
        return report

    # Every card's new text first, each read back as the next sync will read it: a rewrite
    # that would not be a readable card is never put in the folder (nothing is).
    texts: dict[str, tuple[Path, str]] = {}
    for plan in plans:
        writes = plan.card is not None and (plan.write or plan.carried or plan.dropped or plan.recreate)
        name = plan.new_file or (plan.card.file if writes else None)
        if name is None:
            continue
        contact = F.as_contact(plan.merged, plan.uid, plan.contact)
        contact = replace(contact, updated_at=clock.now())
        held = {p for f in plan.held for p in F.PROPERTIES[f]}
        text = render(contact, None if plan.new_file else plan.card, plan.write, plan.carried,
                      plan.dropped, held)
        if not plan.new_file:
            text = with_uid(text, contact, plan.card)
        try:
            read_card(folder / name, text.encode("utf-8"))
        except UnreadableCard as error:
            raise SyncError(f"{name}: kontakt's rewrite of it would not be a readable card "
                            f"({error}); nothing was changed") from None
        texts[plan.uid] = folder / name, text
    # A card saved in the folder since it was read (vdirsyncer bringing the phone's edit)
    # is never overwritten or deleted with what was planned from the old one: nothing is.
    for plan in plans:
        if plan.new_file is not None or plan.recreate:
            path, data = folder / (plan.new_file or plan.card.file), None
        elif (plan.delete_file and plan.into is None) or plan.uid in texts:
            path, data = plan.card.path, plan.card.data
        else:
            continue
        if not _as_read(path, data):
            raise SyncError(f"{path.name} changed while kontakt synced (vdirsyncer?); "
                            "nothing was changed: sync again")

    # The cards first, each whole or not at all; then the book, in the caller's transaction.
    after: dict[str, CardFile] = {}
    for plan in plans:
        if plan.delete_file and plan.into is None:
            (folder / plan.delete_file).unlink(missing_ok=True)
        if plan.uid in texts:
            path, text = texts[plan.uid]
            after[plan.uid] = read_card(path, write_atomically(path, text))
    for plan in plans:
        _apply(book, key, plan, after.get(plan.uid), today)
        if plan.into is not None:
            merged_away.append((folder / plan.delete_file, plan.card.data))
    return report


def _kept_aside(data: bytes) -> str:
    """A card's bytes as its sync record keeps them (folds, line ends and all)."""
    return base64.b64encode(data).decode("ascii")


def _card_kept_aside(folder: Path, base: SyncedCard) -> CardFile:
    """The card a sync record kept aside, as it was in the folder."""
    return CardFile(folder / base.file, base64.b64decode(base.fields["card"]))


def _as_read(path: Path, data: bytes | None) -> bool:
    """Whether the file holds `data` still (None: is still not there)."""
    try:
        return path.read_bytes() == data
    except FileNotFoundError:
        return data is None


def _owners(book: Book, cards: dict[str, CardFile], bases: dict[str, SyncedCard],
            contacts: dict[str, Contact], in_trash: dict[str, Contact]) -> dict[str, str]:
    """{card uid: person uid} for the cards whose own person was merged into another in
    kontakt: the card is that person's now (remembered with the card, so emptying the
    trash, which drops the merge record, changes nothing)."""
    merged = merged_people(book)
    owners = {}
    for uid in set(cards) | set(bases):
        if uid in contacts:
            continue  # the person is there (never merged, or the merge undone)
        person = merged.get(uid)
        if person is None and uid not in in_trash and uid in bases:
            person = bases[uid].fields.get("person")
            person = merged.get(person, person)  # and merged again since
        if person and person != uid and (person in contacts or person in in_trash):
            owners[uid] = person
    return owners


def _merged_cards(owners: dict[str, str], cards: dict[str, CardFile],
                  contacts: dict[str, Contact]) -> tuple[set[str], dict[str, str]]:
    """(people whose card is now a merged-away person's card, {card uid: uid of the card it
    is merged into}): one card per person. A person with a card of their own keeps it and the
    merged-away cards are merged into it; one without takes over the first merged-away card."""
    claimed: dict[str, list[str]] = {}
    for uid, person in owners.items():
        if uid in cards and person in contacts:
            claimed.setdefault(person, []).append(uid)
    takeover, folded = set(), {}
    for person, uids in claimed.items():
        uids.sort()
        if person in cards:
            into = person
        else:
            into = uids.pop(0)
            takeover.add(person)
        for uid in uids:
            folded[uid] = into
    return takeover, folded


def _plan(uid: str, contact: Contact | None, card: CardFile | None, base: SyncedCard | None,
          gone: Contact | None, take: dict, report: SyncReport) -> _Plan | None:
    """What to do for one uid: `contact` in the book, `card` in the folder, `base` as they
    were at the last sync, `gone` the person when they are in kontakt's trash."""
    name = contact.name if contact else card.card.name if card else uid
    plan = _Plan(uid, name, contact, card, base)
    if base is None:
        if contact and not card:
            plan.merged, plan.new_file = F.of_contact(contact), ""
        elif card and not contact:
            if gone is not None:
                report.warnings.append(f"{card.file}: {name} is in kontakt's trash; restore them "
                                       "(kontakt trash) or delete the card")
                return None
            plan.merged, plan.add = F.of_card(card.card), True
        else:
            _merge(plan, F.of_contact(contact), F.of_card(card.card), None, None, take, report)
        return plan
    if not card and not contact:
        plan.forget = True
    elif not card:
        plan.trash, plan.forget = True, True
    elif not contact:
        if card.hash == base.hash:
            plan.delete_file, plan.forget = card.file, True
            # Kept in the book while they are in the trash: restored, they get it back.
            plan.keep_aside = gone is not None
        else:
            # Edited on the phone after it was deleted here: the edit wins over the delete.
            plan.merged = F.of_card(card.card)
            if gone is not None:
                # Merged as for anyone else: what was changed here before the delete stays
                # (and goes to the card), only what the phone changed is taken.
                plan.restore_id = gone.id
                _merge(plan, F.of_contact(gone), F.of_card(card.card), base.fields["book"],
                       base.fields["folder"], take, report)
            else:
                plan.add = True
    else:
        unchanged = card.hash == base.hash
        folder_now = base.fields["folder"] if unchanged else F.of_card(card.card)
        book_now = F.of_contact(contact)
        _merge(plan, book_now, folder_now, base.fields["book"], base.fields["folder"], take, report)
        if unchanged and book_now == base.fields["book"] and not (plan.take or plan.write or plan.held):
            return None  # in step since the last sync: nothing to write, not even the base
    return plan


def _merge(plan: _Plan, book: F.Fields, folder: F.Fields, book_base: F.Fields | None,
           folder_base: F.Fields | None, takes: dict, report: SyncReport) -> None:
    merged = dict(book)
    for name in F.SYNCED:
        if F.same(name, book[name], folder[name]):
            continue
        if book_base is None or folder_base is None:
            # The first sync of a card the book has too: the side with nothing fills the other.
            book_changed, folder_changed = not F.empty(book[name]), not F.empty(folder[name])
        else:
            book_changed = not F.same(name, book[name], book_base.get(name))
            folder_changed = not F.same(name, folder[name], folder_base.get(name))
        if not (book_changed or folder_changed):
            continue  # the two differ as they did after the last sync (the card cannot say it)
        if book_changed and folder_changed:
            take = takes.get((plan.uid, name)) or takes.get(plan.uid)
            if take is None:
                report.conflicts.append(Conflict(plan.uid, plan.name, name, book[name], folder[name]))
                plan.held[name] = (book_base or {}).get(name), (folder_base or {}).get(name)
                continue
            book_changed = take == "book"
            folder_changed = not book_changed
        if folder_changed:
            merged[name] = folder[name]
            plan.take.add(name)
        else:
            plan.write.add(name)
    # A field to write that shares lines with one held in conflict (location and addresses
    # both live in ADR) would put the book's side of the conflict on the card: it waits, its
    # base kept, and goes out with the next sync after the conflict is settled.
    held_lines = {line for name in plan.held for line in F.PROPERTIES[name]}
    for name in [n for n in plan.write if held_lines & set(F.PROPERTIES[n])]:
        plan.write.discard(name)
        plan.held[name] = (book_base or {}).get(name), (folder_base or {}).get(name)
    plan.merged = merged


def _free_name(name: str, used: set[str]) -> str:
    stem, number = name[:-4], 1
    while name in used:
        number += 1
        name = f"{stem}-{number}.vcf"
    return name


def _describe(plans: list[_Plan], report: SyncReport) -> None:
    # People in name order, fields in card order: a stable list to read and to settle.
    report.conflicts.sort(key=lambda c: (fold(c.name), F.SYNCED.index(c.field), c.uid))
    for plan in plans:
        ordered = [f for f in F.SYNCED]
        if plan.add:
            report.added.append(plan.name)
        elif plan.restore_id is not None:
            report.restored.append(plan.name)
        elif plan.take:
            report.updated.append((plan.name, [f for f in ordered if f in plan.take]))
        if plan.trash:
            report.trashed.append(plan.name)
        if plan.into is not None:
            report.merged.append((plan.card.file, plan.into))
        elif plan.delete_file:
            report.deleted.append(plan.delete_file)
        if plan.new_file is not None:
            report.written.append((plan.new_file, ["new"]))
        elif plan.recreate:
            report.written.append((plan.card.file, ["new"]))
        elif plan.write or plan.carried or plan.dropped:
            report.written.append((plan.card.file, [f for f in ordered if f in plan.write]
                                   + (["merged card"] if plan.carried else [])
                                   + (["merge undone"] if plan.dropped else [])))


def _apply(book: Book, key: str, plan: _Plan, written: CardFile | None, today: date) -> None:
    if plan.into is not None:
        # Kept aside with its last merge base, to be written again if the merge is undone.
        card, base = plan.card, plan.base
        fields = dict(base.fields) if base else {"book": F.of_card(card.card), "folder": F.of_card(card.card)}
        fields.pop("person", None)
        fields["card"] = _kept_aside(card.data)
        fields["carried"] = {"into": plan.brought[0], "lines": plan.brought[1]}
        remember(book, key, SyncedCard(plan.uid, card.file, "", fields))
        return
    if plan.keep_aside:
        # Deleted with its person: kept as the phone wrote it (PHOTO, X-… lines kontakt does
        # not model), written again if they are brought back from the trash, forgotten when
        # the trash is emptied.
        fields = dict(plan.base.fields)
        fields["card"] = _kept_aside(plan.card.data)
        remember(book, key, SyncedCard(plan.uid, plan.card.file, "", fields))
        return
    if plan.forget:
        forget(book, key, plan.uid)
        if plan.trash and plan.contact is not None:
            book.trash_contact(plan.contact.id)
        return
    merged = plan.merged
    if plan.add:
        changes = F.to_changes(merged, F.SYNCED)
        contact_id = book.add_contact(changes.pop("name"), today=today, uid=plan.uid, **changes)
    elif plan.restore_id is not None:
        book.restore_contact(plan.restore_id)
        contact_id = plan.restore_id
        book.update_contact(contact_id, today=today, **F.to_changes(merged, F.SYNCED))
    else:
        contact_id = plan.contact.id
        if plan.take:
            book.update_contact(contact_id, today=today, **F.to_changes(merged, plan.take))
    card = written or plan.card
    person = book.get_contact(contact_id)
    book_now = F.of_contact(person)
    folder_now = F.of_card(card.card)
    for name, (book_base, folder_base) in plan.held.items():
        # A conflict stays one: both sides keep their old base, so the next sync sees it again.
        book_now[name], folder_now[name] = book_base, folder_base
    # With a conflict held, the card is read again next time instead of trusting its hash.
    fields = {"book": book_now, "folder": folder_now}
    if person.uid != plan.uid:
        fields["person"] = person.uid  # a merged-away person's card, this person's now
    remember(book, key, SyncedCard(plan.uid, card.file, "" if plan.held else card.hash, fields))
