"""Deciding, row by row, whether an imported contact is new or someone the book knows.

A row is the same person as a contact when it shares its uid, an email (any case), a
phone (same digits), or its NFC name plus organisation (or its name alone when one of the
two names no organisation and nobody else has that name) — unless both have emails (or,
for a name, both phones) and none of them match: two "John Smith" with different emails
are two people, and so are a couple on one landline with an e-mail address each (a phone
with other e-mails matches only under the same name). A match is merged: empty fields are filled, lists gain what they lack, nothing
is overwritten. So importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import dataclasses

import re
from dataclasses import dataclass, field
from datetime import date

from ...domain.text import nfc
from ...store import Book
from ...store.bulk import BulkWriter, NewContact, contact_keys, current_fields

BATCH = 2000
SCALARS = ("nickname", "org", "role", "location", "met", "notes")


def email_key(email: str) -> str:
    return email.strip().casefold()


_NON_DIGITS = re.compile(r"\D")


def phone_key(phone: str) -> str | None:
    digits = _NON_DIGITS.sub("", phone)
    if digits.startswith("00"):
        digits = digits[2:]  # 0049… is +49…
    # Too few digits to tell people apart ("0", "112"): not a key.
    return digits if len(digits) >= 5 else None


def name_key(name: str, org: str) -> tuple[str, str]:
    return _spaced(name), _spaced(org)


def _spaced(value: str) -> str:
    # ASCII is NFC already: skip the normaliser for most names.
    return " ".join((value if value.isascii() else nfc(value)).casefold().split())


@dataclass
class Keys:
    """A contact's lookup keys, worked out once for both `Index.match` and `Index.add`."""

    emails: list[str]
    phones: list[str]  # only phones long enough to be a key
    name: tuple[str, str]

    @classmethod
    def of(cls, contact: NewContact) -> Keys:
        return cls([email_key(e) for e in contact.emails],
                   [k for p in contact.phones if (k := phone_key(p))],
                   name_key(contact.name, contact.org))


@dataclass
class Merged:
    where: str
    name: str
    into_id: int
    into_name: str
    fields: list[str]


@dataclass
class NotTaken:
    """A row for someone the book (or an earlier row) already holds, whose different values
    for `fields` the merge left out: an import fills empty fields, never overwrites."""

    where: str
    name: str
    into_id: int
    fields: list[str]

    def line(self) -> str:
        whose = f"#{self.into_id}'s" if self.into_id > 0 else "the earlier row's"
        return f"{self.name}: {', '.join(self.fields)} not taken, {whose} kept"


@dataclass
class Outcome:
    """What the import did (or, in a dry run, would do)."""

    added: list[tuple[str, str]] = field(default_factory=list)
    merged: list[Merged] = field(default_factory=list)
    unchanged: list[tuple[str, str, int]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    not_taken: list[NotTaken] = field(default_factory=list)


class Index:
    """The lookup maps: uid, email, phone and name+org to contact id."""

    def __init__(self) -> None:
        self.uids: dict[str, int] = {}
        self.emails: dict[str, int] = {}
        self.phones: dict[str, int] = {}
        self.names: dict[tuple[str, str], list[int]] = {}
        self.has_emails: set[int] = set()
        self.has_phones: set[int] = set()
        self.trashed: set[int] = set()
        # contact id → (name, organisation) as name_key spells them (the tuple the names map
        # is keyed by, not a copy); name alone → the one contact id with it, or 0 for several.
        # (Lists and two dicts here took 100k rows' import from 172 to 199 MB.)
        self.name_and_org: dict[int, tuple[str, str]] = {}
        self.one_by_name: dict[str, int] = {}

    @classmethod
    def of_book(cls, book: Book) -> Index:
        index = cls()
        trashed = {
            row[0] for row in book.conn.execute("SELECT id FROM contacts WHERE deleted_at IS NOT NULL")
        }
        for contact_id, uid, name, org, emails, phones in contact_keys(book):
            index.uids[uid] = contact_id
            if contact_id in trashed:
                index.trashed.add(contact_id)
                continue  # only a uid finds a contact in the trash
            index.add(contact_id, name, org, emails, phones)
        return index

    def add(self, contact_id: int, name: str, org: str, emails, phones, uid: str | None = None,
            *, keys: Keys | None = None) -> None:
        """Index a contact; `keys` (of these same values) saves working them out again."""
        if uid:
            self.uids.setdefault(uid, contact_id)
        if keys is None:
            keys = Keys([email_key(e) for e in emails], [k for p in phones if (k := phone_key(p))],
                        name_key(name, org))
        for key in keys.emails:
            self.emails.setdefault(key, contact_id)
        if keys.emails:
            self.has_emails.add(contact_id)
        for key in keys.phones:
            self.phones.setdefault(key, contact_id)
        if keys.phones:
            self.has_phones.add(contact_id)
        self.name_and_org.setdefault(contact_id, keys.name)
        if self.one_by_name.setdefault(keys.name[0], contact_id) != contact_id:
            self.one_by_name[keys.name[0]] = 0  # a second person of that name
        ids = self.names.setdefault(keys.name, [])
        if contact_id not in ids:
            ids.append(contact_id)

    def match(self, contact: NewContact, keys: Keys | None = None) -> int | None:
        if contact.uid and contact.uid in self.uids:
            return self.uids[contact.uid]
        if keys is None:
            keys = Keys.of(contact)
        for key in keys.emails:
            if (found := self.emails.get(key)) is not None:
                return found
        for key in keys.phones:
            if (found := self.phones.get(key)) is not None:
                # A shared landline or an office's switchboard number: two people with other
                # names whose e-mails all differ are two people (the emails above found no
                # match). The same name is the same person with a work and a home address.
                if (contact.emails and found in self.has_emails
                        and self.name_and_org.get(found, ("",))[0] != keys.name[0]):
                    continue
                return found
        for candidate in self.names.get(keys.name, []):
            if contact.emails and candidate in self.has_emails:
                continue
            if keys.phones and candidate in self.has_phones:
                continue
            return candidate
        # LinkedIn gives a name and a company, Google the same name with an e-mail and no
        # company: the one person of that name, when one side names no organisation.
        candidate = self.one_by_name.get(keys.name[0], 0)
        if candidate:
            if ((not keys.name[1] or not self.name_and_org.get(candidate, ("", ""))[1])
                    and not (contact.emails and candidate in self.has_emails)
                    and not (keys.phones and candidate in self.has_phones)):
                return candidate
        return None


def _adds_the_year(current: NewContact, row: NewContact) -> bool:
    """True when the row gives the year of a birthday the book has without one (the same
    day and month): a gap filled, as an empty field is."""
    have, new = current.birthday, row.birthday
    return (have is not None and new is not None and have.year is None and new.year is not None
            and (have.month, have.day) == (new.month, new.day))


def _kept(current: NewContact, row: NewContact) -> list[str]:
    """The fields `row` has a different value for than `current` already holds: the merge
    leaves them as they are, and the user should hear that it did."""
    kept = [name for name in SCALARS
            if (have := getattr(current, name)) and (new := getattr(row, name))
            and " ".join(have.split()).casefold() != " ".join(new.split()).casefold()]
    if (current.birthday is not None and row.birthday is not None and current.birthday != row.birthday
            and not _adds_the_year(current, row)):
        kept.append("birthday")
    return kept


def _fill(current: NewContact, row: NewContact) -> dict[str, object]:
    """The changes that merge `row` into `current`: empty fields filled, lists extended."""
    changes: dict[str, object] = {}
    for name in SCALARS:
        if not getattr(current, name) and getattr(row, name):
            changes[name] = getattr(row, name)
    if (current.birthday is None and row.birthday is not None) or _adds_the_year(current, row):
        changes["birthday"] = row.birthday
    if current.cadence is None and row.cadence is not None:
        changes["cadence"] = row.cadence
    known_emails = {email_key(e) for e in current.emails}
    emails = [e for e in row.emails if email_key(e) not in known_emails]
    if emails:
        changes["add_emails"] = list(dict.fromkeys(emails))
    known_phones = {phone_key(p) or p for p in current.phones}
    phones = [p for p in row.phones if (phone_key(p) or p) not in known_phones]
    if phones:
        changes["add_phones"] = list(dict.fromkeys(phones))
    known_tags = {t.casefold() for t in current.tags}
    tags = [t for t in row.tags if t.casefold() not in known_tags]
    if tags:
        changes["add_tags"] = list(dict.fromkeys(tags))
    # Structured fields (domain/cards.py): new addresses and URLs added, labels filled in.
    have, new = current.details, row.details
    if added := [a for a in new.addresses if a not in have.addresses]:
        changes["addresses"] = [*have.addresses, *added]
    if added_urls := [u for u in new.urls if u not in have.urls]:
        changes["urls"] = [*have.urls, *added_urls]
    labels = dict(have.labels)
    for value, label in new.labels:
        labels.setdefault(value, label)
    if labels != dict(have.labels):
        changes["labels"] = labels
    return changes


_FIELD_NAMES = {"add_emails": "emails", "add_phones": "phones", "add_tags": "tags"}


class Merger:
    """Feeds parsed contacts into the book (or, with `writer=None`, only counts them)."""

    def __init__(self, book: Book, writer: BulkWriter | None, today: date, *, uid_only: bool = False,
                 hold_new: bool = False):
        self.book = book
        # New contacts are written BATCH at a time; `hold_new` keeps them until the end, so
        # a later duplicate of one is merged in memory, not through the one-row update.
        self.hold_new = hold_new
        self.writer = writer
        self.today = today
        self.uid_only = uid_only  # kontakt JSON is a restore: only a uid says "same person"
        self.index = Index.of_book(book)
        self.pending: dict[int, NewContact] = {}
        self.flushed: list[int] = []
        self.outcome = Outcome()
        self._dry_id = -1
        self.channels: dict[int, str] = {}  # contact id → a preferred channel from the file
        self.ids_by_uid: dict[str, int] = {}
        self.dry_run_filled: dict[int, NewContact] = {}  # book contacts as a dry run left them

    def _new_id(self) -> int:
        if self.writer is not None:
            return self.writer.reserve_id()
        self._dry_id -= 1
        return self._dry_id

    def add(self, where: str, contact: NewContact) -> int | None:
        """Import one contact; returns the id it went to (None when it was in the trash)."""
        keys = None
        if self.uid_only:
            found = self.index.uids.get(contact.uid) if contact.uid else None
        else:
            keys = Keys.of(contact)
            found = self.index.match(contact, keys)
        if found is None:
            contact.id = self._new_id()
            self.pending[contact.id] = contact
            if contact.channel:
                self.channels[contact.id] = contact.channel
            self.index.add(contact.id, contact.name, contact.org, contact.emails, contact.phones,
                           contact.uid, keys=keys)
            self.outcome.added.append((where, contact.name))
            if contact.uid:
                self.ids_by_uid[contact.uid] = contact.id
            if self.writer is not None and not self.hold_new and len(self.pending) >= BATCH:
                self.flush()
            return contact.id
        if contact.uid:
            self.ids_by_uid.setdefault(contact.uid, found)
        if found in self.index.trashed:
            self.outcome.warnings.append((where, f"{contact.name} is in the trash (#{found}); not merged"))
            self.outcome.unchanged.append((where, contact.name, found))
            return found
        if contact.channel:
            self.channels.setdefault(found, contact.channel)
        target = self.pending.get(found)
        if target is None and self.writer is None:
            # A dry run writes nothing: what it has filled in so far is kept here, so a
            # later row for the same person is judged as the real import will judge it.
            target = self.dry_run_filled.get(found)
            if target is None:
                target = self.dry_run_filled[found] = current_fields(self.book, found)
        current = target if target is not None else current_fields(self.book, found)
        changes = _fill(current, contact)
        if kept := _kept(current, contact):
            self.outcome.not_taken.append(NotTaken(where, contact.name, found, kept))
        if not changes:
            self.outcome.unchanged.append((where, contact.name, found))
            return found
        self.outcome.merged.append(Merged(
            where, contact.name, found, current.name,
            [_FIELD_NAMES.get(k, k) for k in changes],
        ))
        if target is not None:
            for key, value in changes.items():
                if key in _FIELD_NAMES:
                    getattr(target, _FIELD_NAMES[key]).extend(value)
                elif key in ("addresses", "urls", "labels"):
                    value = tuple(value.items()) if key == "labels" else tuple(value)
                    target.details = dataclasses.replace(target.details, **{key: value})
                else:
                    setattr(target, key, value)
        else:
            self.writer.fill_contact(found, self.today, **changes)
        self.index.add(found, current.name, current.org, contact.emails, contact.phones)
        return found

    def flush(self) -> None:
        if self.writer is None:
            return
        if self.pending:
            self.writer.insert_contacts(list(self.pending.values()))
            self.flushed.extend(self.pending)
            self.pending.clear()
        if self.channels:
            # A preferred channel from the file fills a gap, never overwrites (as the JSON
            # restore does); by now every contact it names is in the table.
            self.book.conn.executemany("UPDATE contacts SET channel = ? WHERE id = ? AND channel IS NULL",
                                       [(channel, id) for id, channel in self.channels.items()])
            self.channels.clear()
