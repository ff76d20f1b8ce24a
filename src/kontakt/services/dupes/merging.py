"""Merging two contacts: the plan of which values win (`plan_fields`), the merge itself, and its undo."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from ... import clock
from ...domain import Birthday, Cadence, Contact, fold
from ...domain.cards import clean_addresses, clean_urls
from ...store import merge as store
from ...store.merge import MergeError, MergeRecord, Undone
from .rules import normal_email, phone_key

if TYPE_CHECKING:
    from ...store import Book


# --------------------------------------------------------------------------- merge

# Single-value fields the user can choose per field; the rest are combined.
CHOOSABLE = ("name", "nickname", "org", "role", "location", "met", "birthday")
NOTES_SEPARATOR = "── merged from {name} (#{id}) on {day} ──"


@dataclass(frozen=True)
class FieldChoice:
    """One field of a merge: both values, the result, and where it came from.

    `source` is "kept", "other", "both" (combined) or "same" (no difference).
    """

    field: str
    kept: str
    other: str
    result: str
    source: str

    @property
    def differs(self) -> bool:
        return bool(self.kept) and bool(self.other) and self.kept != self.other


@dataclass(frozen=True)
class MergeResult:
    """What a merge did (or, for a dry run, would do)."""

    merge_id: int | None
    kept_id: int
    other_id: int
    kept_name: str
    other_name: str
    fields: tuple[FieldChoice, ...]
    moved: dict[str, int]
    shared_interactions: int
    dropped_introductions: int
    dry_run: bool

    @property
    def changed(self) -> tuple[FieldChoice, ...]:
        return tuple(f for f in self.fields if f.result != f.kept)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Birthday):
        return value.iso()
    return str(value)


def _union(first: Iterable[str], second: Iterable[str], key) -> list[str]:
    seen: set = set()
    out: list[str] = []
    for value in [*first, *second]:
        k = key(value)
        if value and k not in seen:
            seen.add(k)
            out.append(value)
    return out


def _phone_identity(phone: str):
    key = phone_key(phone)
    return key[1] if key else re.sub(r"\D", "", phone) or phone


def _birthday_choice(kept: Birthday | None, other: Birthday | None, prefer_other: bool):
    if kept is None or other is None:
        return (other, "other") if kept is None and other is not None else (kept, "kept")
    if (kept.month, kept.day) == (other.month, other.day):
        # The same day: the one that knows the year knows more.
        if kept.year is None and other.year is not None:
            return other, "other"
        return kept, "kept"
    return (other, "other") if prefer_other else (kept, "kept")


def plan_fields(
    kept: Contact,
    other: Contact,
    *,
    prefer_other: bool = False,
    choices: Mapping[str, str] | None = None,
    day: date,
    between_intros: Iterable[Mapping[str, Any]] = (),
) -> tuple[dict[str, Any], tuple[FieldChoice, ...]]:
    """The merged values: `update_contact` changes for the kept contact, and every field's
    choice for display. Pure: no book needed, so a screen can preview each toggle.

    Empty fields are filled from the other; where both have a value the kept one wins
    (the other with `prefer_other`, or per field via `choices` = {"org": "other", …}).
    Lists are united, notes concatenated under a separator line, the shorter cadence wins.
    """
    choices = dict(choices or {})
    unknown = set(choices) - set(CHOOSABLE)
    if unknown:
        raise MergeError(f"cannot choose {', '.join(sorted(unknown))}; choose one of {', '.join(CHOOSABLE)}")
    changes: dict[str, Any] = {}
    shown: list[FieldChoice] = []

    for name in CHOOSABLE:
        mine, theirs = getattr(kept, name), getattr(other, name)
        wish = choices.get(name)
        if wish not in (None, "kept", "other"):
            raise MergeError(f"choose 'kept' or 'other' for {name}, not {wish!r}")
        if wish == "other" or (wish is None and name == "name" and prefer_other):
            value, source = theirs, "other"
        elif wish == "kept":
            value, source = mine, "kept"
        elif name == "birthday":
            value, source = _birthday_choice(mine, theirs, prefer_other)
        elif not mine:
            value, source = theirs, "other"
        elif theirs and prefer_other:
            value, source = theirs, "other"
        else:
            value, source = mine, "kept"
        if name == "name" and not value:
            value, source = mine, "kept"
        if _text(mine) == _text(theirs):
            source = "same"
        if value != mine:
            changes[name] = value
        shown.append(FieldChoice(name, _text(mine), _text(theirs), _text(value), source))

    def lists(name: str, key) -> None:
        mine, theirs = list(getattr(kept, name)), list(getattr(other, name))
        first, second = (theirs, mine) if prefer_other else (mine, theirs)
        united = _union(first, second, key)
        if united != mine:
            changes[name] = united
        source = "same" if _union(mine, [], key) == _union(theirs, [], key) else "both"
        shown.append(FieldChoice(name, _text(mine), _text(theirs), _text(united), source))

    lists("emails", normal_email)
    lists("phones", _phone_identity)
    lists("tags", fold)

    notes = kept.notes
    extra = [other.notes.strip()] if other.notes.strip() else []
    for row in between_intros:
        # The introduction between the two disappears (it would introduce someone to
        # themselves); what it said is kept in the notes.
        said = " — ".join(part for part in (row.get("note"), row.get("outcome")) if part)
        extra.append(f"Introduction between the two records on {row.get('date')}"
                     + (f": {said}" if said else ""))
    if extra:
        body = "\n".join(extra)
        if notes.strip():
            separator = NOTES_SEPARATOR.format(name=other.name, id=other.id, day=day.isoformat())
            notes = f"{notes.rstrip()}\n\n{separator}\n{body}"
        else:
            notes = body
        changes["notes"] = notes
    shown.append(FieldChoice(
        "notes", kept.notes, other.notes, notes,
        "same" if kept.notes == other.notes else ("both" if kept.notes and other.notes else
                                                  ("other" if other.notes else "kept")),
    ))

    cadences = [c for c in (kept.cadence, other.cadence) if c is not None]
    cadence: Cadence | None = min(cadences, key=lambda c: c.approx_days) if cadences else None
    if cadence != kept.cadence:
        changes["cadence"] = cadence
    shown.append(FieldChoice(
        "cadence", _text(kept.cadence), _text(other.cadence), _text(cadence),
        "same" if kept.cadence == other.cadence else ("kept" if cadence == kept.cadence else "other"),
    ))

    # A preferred channel fills a gap; where both have one, the kept one wins (the other's
    # with `prefer_other`), as for the single-value fields.
    channel = (other.channel or kept.channel) if prefer_other else (kept.channel or other.channel)
    if channel != kept.channel:
        changes["channel"] = channel
    if kept.channel or other.channel:
        shown.append(FieldChoice(
            "channel", _text(kept.channel), _text(other.channel), _text(channel),
            "same" if kept.channel == other.channel else ("kept" if channel == kept.channel else "other"),
        ))

    _details(kept, other, changes, shown, prefer_other=prefer_other)

    # Archived only if both were: an active duplicate must not vanish into the archive.
    archived = kept.archived and other.archived
    if archived != kept.archived:
        changes["archived"] = archived
    return changes, tuple(shown)


def _details(kept: Contact, other: Contact, changes: dict[str, Any], shown: list[FieldChoice], *,
             prefer_other: bool) -> None:
    """Addresses and web addresses united (each once), and the labels of the merged phones and
    e-mails: the kept contact's label wins (the other's with `prefer_other`), a label fills a gap."""
    first, second = (other, kept) if prefer_other else (kept, other)
    addresses = list(clean_addresses([*first.addresses, *second.addresses]))
    urls = list(clean_urls([*first.urls, *second.urls]))
    for name, mine, united in (("addresses", list(kept.addresses), addresses), ("urls", list(kept.urls), urls)):
        theirs = list(getattr(other, name))
        if united != mine:
            changes[name] = united
        if mine or theirs:
            text = (lambda values: "; ".join(a.one_line() for a in values)) if name == "addresses" else _text
            shown.append(FieldChoice(name, text(mine), text(theirs), text(united),
                                     "same" if set(mine) == set(theirs) else "both"))
    # Labels are keyed by value; the merged list may keep one spelling of the same e-mail or
    # phone, so a label is found through the same identity the lists are united by.
    emails, phones = changes.get("emails", kept.emails), changes.get("phones", kept.phones)
    labels: dict[str, str] = {}
    for values, key in ((emails, normal_email), (phones, _phone_identity)):
        for value in values:
            for person in (first, second):
                label = next((lab for v, lab in person.labels if key(v) == key(value)), "")
                if label:
                    labels[value] = label
                    break
    if labels != dict(kept.labels):
        changes["labels"] = labels


def merge(
    book: Book,
    keep_id: int,
    other_id: int,
    *,
    prefer_other: bool = False,
    dry_run: bool = False,
    choices: Mapping[str, str] | None = None,
    today: date | None = None,
) -> MergeResult:
    """Merge contact `other_id` into `keep_id`, or with `dry_run` only say what would happen.

    Every interaction, favour, introduction and follow-up of the other moves to the kept
    contact (a group interaction that had both keeps one participant). The other goes to
    the trash with a merge record pointing at it; `undo_merge` puts everything back. One
    transaction. Raises NotFound for a missing or trashed contact, MergeError for a
    contact merged with itself or an unknown field choice. A dry run writes nothing.
    """
    if keep_id == other_id:
        raise MergeError("cannot merge a contact with itself")
    today = today or clock.today()
    if dry_run:
        return _plan(book, keep_id, other_id, prefer_other, choices, today, dry_run=True)
    with book.write():
        result = _plan(book, keep_id, other_id, prefer_other, choices, today, dry_run=False)
    return result


def _plan(book, keep_id, other_id, prefer_other, choices, today, *, dry_run: bool) -> MergeResult:
    kept, other = book.get_contact(keep_id), book.get_contact(other_id)
    moving = store.attached(book, keep_id, other_id)
    changes, shown = plan_fields(
        kept, other, prefer_other=prefer_other, choices=choices, day=today,
        between_intros=moving.introductions_between,
    )
    merge_id = None
    if not dry_run:
        merge_id = store.apply_merge(
            book, keep_id, other_id, changes, today=today, created_at=_earlier(kept, other)
        )
    return MergeResult(
        merge_id=merge_id,
        kept_id=keep_id,
        other_id=other_id,
        kept_name=kept.name,
        other_name=other.name,
        fields=shown,
        moved=moving.counts(),
        shared_interactions=len(moving.shared_interactions),
        dropped_introductions=len(moving.introductions_between),
        dry_run=dry_run,
    )


def _earlier(kept: Contact, other: Contact) -> str | None:
    """The other's "in the book since" when it is earlier: the merged person was known then."""
    if kept.created_at is None or other.created_at is None:
        return None
    try:
        earlier = other.created_at < kept.created_at
    except TypeError:  # one written with a time zone, one without: leave it be
        return None
    return other.created_at.isoformat() if earlier else None


def undo_merge(book: Book, merge_id: int, *, today: date | None = None) -> Undone:
    """Undo a merge completely: the other contact back from the trash with every row that
    moved, the kept contact's fields as before (fields edited since the merge keep their
    newer value and are named in `kept_changes`). Raises NotFound, or MergeError when a
    later merge must be undone first."""
    return store.undo_merge(book, merge_id, today=today or clock.today())


def merge_of(book: Book, contact_id: int) -> MergeRecord | None:
    """The merge that put `contact_id` in the trash, or None if it was not merged away."""
    return store.merge_of(book, contact_id)


def restore_merged(book: Book, contact_id: int, *, today: date | None = None) -> Undone | None:
    """For `kontakt restore`: if `contact_id` was merged away, undo that merge and return
    what was undone; None if it is an ordinary trashed contact (restore it as usual)."""
    record = store.merge_of(book, contact_id)
    if record is None:
        return None
    return undo_merge(book, record.id, today=today)


def find_merges(book: Book, ref: str) -> list[MergeRecord]:
    """Merges whose merged-away contact matches `ref` (its id, or a name/email fragment)."""
    return store.find_merges(book, ref)


def merges(book: Book) -> list[MergeRecord]:
    """Every merge that can still be undone, newest first."""
    return store.merges(book)
