"""kontakt's own JSON: a whole book restored so that export → import into an empty book
gives the same book back.

Format versions (the "kontakt" key; a file without it is version 1):
  1  contacts, circles, interactions, favours, introductions, follow-ups.
  2  adds every row's id, the trash and materialised dates of contacts, follow-up anchors,
     review state, dismissed duplicate pairs, merge records and the user's settings, and
     "whole_book": true on an export of everything.
A newer version than this kontakt knows is refused whole (nothing imported).

Matching is by uid only: this is a restore, and two contacts who share an email in the
book they came from stay two contacts here. A whole-book export imported into an empty
book keeps every id (merge records and review state point at rows by id, so undoing a
merge still works); into a book with data it merges by uid as always, and merge records,
whose ids mean nothing there, are left out with a warning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ...domain import Address, Birthday, Cadence, Details, CadenceError, DateError, check_interaction_kind
from ...domain.activity import check_channel, check_reached_out
from ...domain.ledger import (
    DIRECTIONS, LedgerError, check_favour_kind, check_result, check_status, check_weight,
)
from ...domain.activity import FOLLOW_UP_STATUSES, ActivityError
from ...domain.dates import born_by, in_range
from ...store import relations, snapshot
from ...domain.relations import check_relation_kind
from ...domain.text import clean
from ...store.bulk import BulkWriter, NewContact, existing_uids
from .merge import BATCH, Merger
from .rows import Parsed, line, real_birthday, text
from .textfile import Encoding, ImportRefused, open_text

FORMAT_VERSION = 2


@dataclass
class HistoryCounts:
    """Non-contact records restored (or that would be), and those skipped as already there."""

    circles: int = 0
    added: dict[str, int] = field(default_factory=dict)
    known: dict[str, int] = field(default_factory=dict)


class EntryError(ValueError):
    """One entry of the JSON file cannot be restored."""


def load(path: Path, encoding: Encoding) -> dict[str, Any]:
    """The parsed file as {'contacts': [...], ...}; raises ImportRefused if it is not ours."""
    try:
        with open_text(path, encoding) as handle:
            data = json.load(handle)
    except json.JSONDecodeError as error:
        raise ImportRefused(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
            "nothing imported"
        ) from None
    if isinstance(data, list):
        data = {"contacts": data}  # the output of `kontakt list --json`
    if not isinstance(data, dict) or not isinstance(data.get("contacts"), list):
        raise ImportRefused(f"{path}: JSON without a 'contacts' list is not a kontakt export")
    kind = data.get("format")
    if "kontakt" not in data and isinstance(kind, str) and kind:
        # The demo network shipped in data/ has contacts too, but refers to them by slugs and
        # counts days from today: imported as an export, its people came in and all 1,200
        # of their interactions, favours and follow-ups were rejected one by one.
        hint = " (it is what `kontakt demo` opens)" if kind.startswith("kontakt-demo-network") else ""
        raise ImportRefused(f"{path}: a {kind!r} file{hint}, not a kontakt export; nothing imported")
    version = data.get("kontakt", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ImportRefused(f"{path}: 'kontakt' must be a format number, not {version!r}; "
                            "nothing imported")
    if version > FORMAT_VERSION:
        raise ImportRefused(
            f"{path}: written by a newer kontakt (format {version}; this one reads formats "
            f"1 to {FORMAT_VERSION}); upgrade kontakt to import it; nothing imported"
        )
    return data


def _str(entry: dict, key: str, *, required: bool = False) -> str:
    value = entry.get(key)
    if value is None:
        if required:
            raise EntryError(f"no {key}")
        return ""
    if not isinstance(value, str):
        raise EntryError(f"{key} must be text, not {type(value).__name__}")
    return value


def _list(entry: dict, key: str) -> list[str]:
    value = entry.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise EntryError(f"{key} must be a list of text")
    return value


def _day(entry: dict, key: str, *, required: bool = True) -> str | None:
    value = _str(entry, key, required=required)
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise EntryError(f"{key} {value!r} is not an ISO date") from None
    return in_range(day).isoformat()  # year 9999 would overflow every "a day later" sum


def _stamp(entry: dict, key: str) -> str | None:
    value = _str(entry, key)
    if not value:
        return None
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise EntryError(f"{key} {value!r} is not an ISO timestamp") from None
    return value


def _cadence(value: str | None) -> Cadence | None:
    return Cadence.parse(value) if value else None


def _birthday(value: str, today: date, warnings: list[str]) -> Birthday | None:
    """The entry's birthday ('1980-04-15', year-less '--04-15'); one that is no real date,
    out of range or in the future is left out with a warning, as the CSV and vCard
    importers do: the person still comes in."""
    if not value:
        return None
    try:
        if m := _YEARLESS.fullmatch(value):
            return real_birthday(value, int(m[1]), int(m[2]), None)
        try:
            day = date.fromisoformat(value)
        except ValueError:
            shape = "a real" if _ISO_SHAPED.fullmatch(value) else "an ISO"
            raise DateError(f"{value!r} is not {shape} date") from None
        return born_by(real_birthday(value, day.month, day.day, day.year), today, value)
    except DateError as error:
        warnings.append(f"birthday: {error}; imported without it")
        return None


_YEARLESS = re.compile(r"--(\d{2})-(\d{2})")
_ISO_SHAPED = re.compile(r"\d{4}-\d{2}-\d{2}")


def contact_from(entry: Any, today: date, warnings: list[str]) -> NewContact:
    """A contact entry as a NewContact; raises EntryError (or a domain error) if broken.
    What is left out of it (an unreadable birthday) is said in `warnings`."""
    if not isinstance(entry, dict):
        raise EntryError("not an object")
    name = line(_str(entry, "name"))
    if not name:
        raise EntryError("no name")
    birthday = _birthday(_str(entry, "birthday"), today, warnings)
    archived = entry.get("archived", False)
    if not isinstance(archived, bool):
        raise EntryError("archived must be true or false")
    return NewContact(
        name=name,
        nickname=line(_str(entry, "nickname")),
        emails=[line(e) for e in _list(entry, "emails")],
        phones=[line(p) for p in _list(entry, "phones")],
        org=line(_str(entry, "org")),
        role=line(_str(entry, "role")),
        location=line(_str(entry, "location")),
        met=text(_str(entry, "met")),
        birthday=birthday,
        tags=[line(t) for t in _list(entry, "tags")],
        notes=text(_str(entry, "notes")),
        cadence=_cadence(_str(entry, "cadence")),
        archived=archived,
        uid=line(_str(entry, "uid")) or None,
        created_at=_stamp(entry, "created_at"),
        updated_at=_stamp(entry, "updated_at"),
        deleted_at=_stamp(entry, "deleted_at"),
        details=_details(entry),
    )


def _details(entry: dict[str, Any]) -> Details:
    """Addresses, URLs and labels (format 2 since sync; absent in older files)."""
    addresses = entry.get("addresses") or []
    labels = entry.get("labels") or {}
    if not isinstance(addresses, list) or not all(isinstance(a, dict) for a in addresses):
        raise EntryError("addresses must be a list of objects")
    if not isinstance(labels, dict):
        raise EntryError("labels must be an object")
    return Details(
        addresses=tuple(Address.from_json(a) for a in addresses),
        urls=tuple(line(u) for u in _list(entry, "urls")),
        labels=tuple((line(str(k)), line(str(v))) for k, v in labels.items()),
    )


ENTRY_ERRORS = (EntryError, ValueError, DateError, CadenceError, LedgerError, ActivityError,
                TypeError, KeyError, IndexError)


def contact_rows(data: dict[str, Any], today: date) -> Iterator[Parsed]:
    for number, entry in enumerate(data["contacts"], start=1):
        where = f"contact {number}"
        warnings: list[str] = []
        try:
            yield Parsed(where, contact=contact_from(entry, today, warnings), warnings=warnings)
        except ENTRY_ERRORS as error:
            yield Parsed(where, error=str(error))


def restore_circles(data: dict[str, Any], writer: BulkWriter | None, reject: Callable[[str, str], None]) -> int:
    count = 0
    for number, entry in enumerate(data.get("circles") or [], start=1):
        try:
            if not isinstance(entry, dict):
                raise EntryError("not an object")
            name = line(_str(entry, "name", required=True))
            cadence = _cadence(_str(entry, "cadence"))
            position = entry.get("position")
            if position is not None and not isinstance(position, int):
                raise EntryError("position must be a number")
        except ENTRY_ERRORS as error:
            reject(f"circle {number}", str(error))
            continue
        if writer is not None:
            writer.upsert_circle(
                name, cadence=cadence, description=_str(entry, "description"),
                position=position, created_at=_stamp(entry, "created_at"),
            )
        count += 1
    return count


def _id(entry: dict, exact: bool) -> int | None:
    """The entry's own id in an exact restore (checked by `exact_restore`), else None."""
    return entry["id"] if exact else None


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


ID_SECTIONS = ("contacts", "interactions", "favours", "introductions", "follow_ups", "merges")


def exact_restore(book, data: dict[str, Any]) -> tuple[bool, str | None]:
    """Whether this file can be restored with its ids: a whole-book export (format 2 or
    later) into an empty book, every id a distinct positive number, every contact uid
    distinct. Returns (yes or no, why not when the user should hear it)."""
    if data.get("kontakt", 1) < 2 or data.get("whole_book") is not True:
        return False, None
    if not snapshot.is_empty(book):
        return False, None  # the ordinary merge by uid; not worth a word
    for key in ID_SECTIONS:
        entries = data.get(key) or []
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            return False, f"ids not kept: '{key}' is not a list of objects"
        ids = [e.get("id") for e in entries]
        if not all(_is_id(i) for i in ids) or len(set(ids)) != len(ids):
            return False, f"ids not kept: an entry of '{key}' has no id of its own"
    uids = [e.get("uid") for e in data["contacts"]]
    if not all(isinstance(u, str) and u for u in uids) or len(set(uids)) != len(uids):
        return False, "ids not kept: a contact has no uid of its own"
    return True, None


def restore(
    data: dict[str, Any], merger: Merger, writer: BulkWriter | None,
    reject: Callable[[str, str], None], warn: Callable[[str, str], None],
) -> tuple[int, dict[str, int]]:
    """Restore a loaded file into `merger.book` (count only, with `writer=None`); returns
    (circles, restored record counts by section). Runs inside the import's transaction."""
    exact, why_not = exact_restore(merger.book, data)
    if why_not:
        warn("file", why_not)
    circles = restore_circles(data, writer, reject)
    materialised = []
    for parsed, entry in zip(contact_rows(data, merger.today), data["contacts"]):
        for warning in parsed.warnings:  # a file without line numbers: the name says who
            warn(f"{parsed.where} ({parsed.contact.name})" if parsed.contact else parsed.where, warning)
        if parsed.contact is None:
            reject(parsed.where, parsed.error or "cannot be read")
        elif exact:
            materialised.append(_add_exactly(merger, parsed, entry))
        else:
            merger.add(parsed.where, parsed.contact)
    merger.flush()
    if writer is not None:
        _restore_channels(merger, data["contacts"])
    counts = restore_history(data, merger, writer, reject, warn, exact=exact)
    if writer is not None and exact:
        # The stored dates of a snapshot, not today's recomputation of them.
        snapshot.set_materialised(merger.book, [m for m in materialised if m is not None])
    counts.added.update(restore_review_and_dupes(data, merger, writer, reject, warn, exact=exact))
    return circles, counts.added


def _restore_channels(merger: Merger, entries: list[Any]) -> None:
    """Preferred channels (format 2 files from before they existed have none): set on the
    contacts the import added or matched by uid, never over a channel the book has."""
    rows = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("channel"), str):
            continue
        try:
            channel = check_channel(entry["channel"])
        except ActivityError:
            continue  # an unknown channel is left out, the contact still comes in
        uid = entry.get("uid")
        found = merger.ids_by_uid.get(uid, merger.index.uids.get(uid)) if isinstance(uid, str) else None
        if found is not None:
            rows.append((channel, found))
    merger.book.conn.executemany(
        "UPDATE contacts SET channel = ? WHERE id = ? AND channel IS NULL", rows
    )


def _reached_out(entry: dict) -> str | None:
    value = entry.get("reached_out")
    if value is None:
        return None
    if not isinstance(value, str):
        raise EntryError("reached_out must be me, them or mutual")
    return check_reached_out(value)


def _result(entry: dict) -> str | None:
    """An introduction's result; a file from before results answers a noted outcome as
    'unknown' (as the m010 migration did)."""
    if "result" not in entry:
        return "unknown" if _str(entry, "outcome") else None
    value = entry["result"]
    if value is None:
        return None
    if not isinstance(value, str):
        raise EntryError("result must be worked, fizzled or unknown")
    return check_result(value)


def _flag(entry: dict, key: str) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise EntryError(f"{key} must be true or false")
    return value


def _add_exactly(merger: Merger, parsed: Parsed, entry: dict[str, Any]):
    """Queue a contact under its own id; returns its (id, last_contact, next_due) as stored,
    or None when those dates are unreadable (then they are recomputed)."""
    contact = parsed.contact
    contact.id = entry["id"]
    merger.pending[contact.id] = contact
    merger.ids_by_uid[contact.uid] = contact.id
    merger.outcome.added.append((parsed.where, contact.name))
    if merger.writer is not None and len(merger.pending) >= BATCH:
        merger.flush()
    try:
        return (contact.id, _day(entry, "last_contact", required=False),
                _day(entry, "next_due", required=False))
    except ENTRY_ERRORS as error:
        merger.outcome.warnings.append((parsed.where, f"{error}; recomputed"))
        return None


def restore_history(
    data: dict[str, Any], merger: Merger, writer: BulkWriter | None,
    reject: Callable[[str, str], None], warn: Callable[[str, str], None], *, exact: bool = False,
) -> HistoryCounts:
    """Interactions, favours, introductions and follow-ups; the contacts must be in already.
    With `exact`, each row keeps the id it has in the file."""
    counts = HistoryCounts()
    book = merger.book

    def contact_id(uid: Any) -> int:
        if not isinstance(uid, str) or not uid:
            raise EntryError("a contact reference must be a uid")
        found = merger.ids_by_uid.get(uid, merger.index.uids.get(uid))
        if found is None:
            raise EntryError(f"no contact with uid {uid}")
        return found

    def entries(key: str, label: str) -> Iterator[tuple[str, dict]]:
        known = existing_uids(book, key)
        counts.added[key] = counts.known[key] = 0
        for number, entry in enumerate(data.get(key) or [], start=1):
            where = f"{label} {number}"
            if not isinstance(entry, dict):
                reject(where, "not an object")
                continue
            uid = entry.get("uid")
            if isinstance(uid, str) and uid in known:
                counts.known[key] += 1
                continue
            if isinstance(uid, str) and uid:
                known.add(uid)
            yield where, entry

    interactions, touched = [], set()
    for where, entry in entries("interactions", "interaction"):
        try:
            people = entry.get("participants", entry.get("contacts"))
            if not isinstance(people, list) or not people:
                raise EntryError("no participants")
            ids, missing = [], []
            for person in people:
                try:
                    ids.append(contact_id(person.get("uid") if isinstance(person, dict) else person))
                except EntryError as error:
                    missing.append(str(error))
            if not ids:
                raise EntryError(missing[0] if missing else "no participants")
            if missing:
                # A one-contact export names the others too; keep the people this book knows.
                warn(where, f"{len(missing)} participant(s) not in the book left out")
            interactions.append((
                _id(entry, exact), _str(entry, "uid") or _new_uid(), _day(entry, "date"),
                check_interaction_kind(_str(entry, "kind") or "other"), text(_str(entry, "note")),
                _stamp(entry, "created_at"), ids, _reached_out(entry), _flag(entry, "thanks"),
            ))
            touched.update(ids)
        except ENTRY_ERRORS as error:
            reject(where, str(error))
    counts.added["interactions"] = len(interactions)

    favours, legacy = [], []
    for where, entry in entries("favours", "favour"):
        try:
            direction = _str(entry, "direction", required=True)
            if direction not in DIRECTIONS:
                raise EntryError(f"direction must be given or received, not {direction!r}")
            description = text(_str(entry, "description", required=True))
            if not description:
                raise EntryError("no description")
            weight = entry.get("weight", 1)
            if not isinstance(weight, int) or isinstance(weight, bool):
                raise EntryError("weight must be 1, 2 or 3")
            favours.append((
                _id(entry, exact), _str(entry, "uid") or _new_uid(),
                contact_id(entry.get("contact")), direction,
                description, check_favour_kind(_str(entry, "kind") or "help"), check_weight(weight),
                _day(entry, "date"), check_status(_str(entry, "status") or "open"),
                _stamp(entry, "created_at"), _stamp(entry, "updated_at"),
                _day(entry, "thanked_on", required=False),
            ))
            if "thanked_on" not in entry and direction == "received":
                legacy.append(favours[-1][1])
        except ENTRY_ERRORS as error:
            reject(where, str(error))
    counts.added["favours"] = len(favours)

    introductions = []
    for where, entry in entries("introductions", "introduction"):
        try:
            a, b = contact_id(entry.get("a")), contact_id(entry.get("b"))
            if a == b:
                raise EntryError("cannot introduce someone to themselves")
            introductions.append((
                _id(entry, exact), _str(entry, "uid") or _new_uid(), a, b, _day(entry, "date"),
                text(_str(entry, "note")), text(_str(entry, "outcome")),
                _day(entry, "outcome_on", required=False), _stamp(entry, "created_at"),
                _result(entry), _flag(entry, "asked_first"),
            ))
        except ENTRY_ERRORS as error:
            reject(where, str(error))
    counts.added["introductions"] = len(introductions)

    follow_ups = []
    for where, entry in entries("follow_ups", "follow-up"):
        try:
            status = _str(entry, "status") or "open"
            if status not in FOLLOW_UP_STATUSES:
                raise EntryError(f"status must be open or done, not {status!r}")
            recurrence = _cadence(_str(entry, "recurrence"))
            follow_ups.append((
                _id(entry, exact), _str(entry, "uid") or _new_uid(),
                contact_id(entry.get("contact")), _day(entry, "due"), text(_str(entry, "note")),
                str(recurrence) if recurrence else None,
                _day(entry, "anchor", required=False), status,
                _day(entry, "snoozed_until", required=False),
                _day(entry, "done_on", required=False), _stamp(entry, "created_at"),
            ))
        except ENTRY_ERRORS as error:
            reject(where, str(error))
    counts.added["follow_ups"] = len(follow_ups)

    if writer is not None:
        snapshot.insert_interactions(book, interactions)
        snapshot.insert_favours(book, favours)
        snapshot.insert_introductions(book, introductions)
        snapshot.insert_follow_ups(book, follow_ups)
        writer.refresh_due(touched)
        # Favours from a file written before thank-yous were recorded: as the m010 migration
        # did, a later interaction counts as the thanks (no stale prompts).
        book.thank_by_later_contact(legacy)
    return counts


def restore_review_and_dupes(
    data: dict[str, Any], merger: Merger, writer: BulkWriter | None,
    reject: Callable[[str, str], None], warn: Callable[[str, str], None], *, exact: bool,
) -> dict[str, int]:
    """Review state, dismissed pairs, merge records and settings (format 2); the contacts
    and their history must be in already. An import fills and never overwrites: a snooze
    or setting the book already has stays. Returns counts for the sections the file has."""
    book = merger.book
    counts: dict[str, int] = {}

    def contact_id(uid: Any) -> int:
        if not isinstance(uid, str) or not uid:
            raise EntryError("a contact reference must be a uid")
        found = merger.ids_by_uid.get(uid, merger.index.uids.get(uid))
        if found is None:
            raise EntryError(f"no contact with uid {uid}")
        return found

    def listed(key: str, label: str) -> Iterator[tuple[str, dict]]:
        items = data.get(key) or []
        if not isinstance(items, list):
            reject(key, "must be a list")
            return
        for number, entry in enumerate(items, start=1):
            if isinstance(entry, dict):
                yield f"{label} {number}", entry
            else:
                reject(f"{label} {number}", "not an object")

    # Favours, introductions and follow-ups by uid, as the book holds them now (in a dry
    # run the file's new ones are not in the book: they count as found).
    refs: dict[str, dict[str, int]] = {}

    def ref_id(kind: str, entry: dict) -> int | None:
        table = snapshot.REVIEW_REF_TABLES[kind]
        if exact:
            if not _is_id(entry.get("ref_id")):
                raise EntryError("ref_id must be a positive number")
            return entry["ref_id"]
        uid = entry.get("ref")
        if uid is None:
            return None  # state of a row deleted in the book it came from: nothing to keep
        if table == "contacts":
            return contact_id(uid)
        if table not in refs:
            refs[table] = snapshot.uid_ids(book, table)
            if writer is None:
                refs[table].update({e.get("uid"): 0 for e in data.get(table) or []
                                    if isinstance(e, dict) and isinstance(e.get("uid"), str)})
        if not isinstance(uid, str) or uid not in refs[table]:
            raise EntryError(f"no {table.rstrip('s').replace('_', '-')} with uid {uid}")
        return refs[table][uid]

    if "review_state" in data:
        states = []
        for where, entry in listed("review_state", "review state"):
            try:
                kind = _str(entry, "kind", required=True)
                if kind not in snapshot.REVIEW_REF_TABLES:
                    raise EntryError(f"unknown review kind {kind!r}")
                ref = ref_id(kind, entry)
                if ref is None:
                    continue
                states.append((
                    kind, ref, contact_id(entry.get("contact")),
                    _state_day(entry, "snoozed_until"), _state_day(entry, "skipped_on"),
                    _state_day(entry, "offered_on"),
                ))
            except ENTRY_ERRORS as error:
                reject(where, str(error))
        added = snapshot.insert_review_state(book, states) if writer is not None else len(states)
        if states:
            counts["review_state"] = added

    if "dismissed_pairs" in data:
        pairs = []
        for where, entry in listed("dismissed_pairs", "dismissed pair"):
            try:
                a, b = contact_id(entry.get("a")), contact_id(entry.get("b"))
                if a == b:
                    raise EntryError("a contact is always the same person as itself")
                pairs.append((a, b, _stamp(entry, "dismissed_at") or _now_stamp()))
            except ENTRY_ERRORS as error:
                reject(where, str(error))
        added = snapshot.insert_dismissed_pairs(book, pairs) if writer is not None else len(pairs)
        if pairs:
            counts["dismissed_pairs"] = added

    merges = data.get("merges") or []
    if merges and not exact:
        warn("merges", f"{len(merges)} merge record(s) not restored: they point at rows by id, "
                       "which only an import into an empty book keeps (nothing to undo here)")
    elif merges:
        records = []
        for where, entry in listed("merges", "merge"):
            try:
                merged_at = _stamp(entry, "merged_at")
                if merged_at is None:
                    raise EntryError("no merged_at")
                parts = [entry.get(k) for k in ("kept_before", "kept_after", "moved")]
                if not all(isinstance(p, dict) for p in parts):
                    raise EntryError("kept_before, kept_after and moved must be objects")
                records.append((entry["id"], contact_id(entry.get("kept")),
                                contact_id(entry.get("other")), merged_at, *parts))
            except ENTRY_ERRORS as error:
                reject(where, str(error))
        counts["merges"] = snapshot.insert_merges(book, records) if writer is not None else len(records)

    trashed = data.get("trashed_records") or []
    if trashed and not exact:
        warn("trashed_records", f"{len(trashed)} trashed record(s) not restored: they point at rows by "
                                "id, which only an import into an empty book keeps")
    elif trashed:
        kept = []
        for where, entry in listed("trashed_records", "trashed record"):
            try:
                if not isinstance(entry.get("id"), int) or isinstance(entry.get("id"), bool):
                    raise EntryError("id must be a number")
                if entry.get("kind") not in ("interaction", "favour", "follow-up", "introduction", "circle"):
                    raise EntryError(f"unknown kind {entry.get('kind')!r}")
                deleted_at = _stamp(entry, "deleted_at")
                if deleted_at is None:
                    raise EntryError("no deleted_at")
                people, rows = entry.get("contact_ids"), entry.get("data")
                if not isinstance(people, list) or not all(isinstance(i, int) for i in people):
                    raise EntryError("contact_ids must be a list of ids")
                if not isinstance(rows, dict) or not isinstance(rows.get("row"), dict):
                    raise EntryError("data must be an object with the record's row")
                kept.append((entry["id"], entry["kind"], str(entry.get("ref", "")), str(entry.get("label", "")),
                             people, rows, deleted_at))
            except ENTRY_ERRORS as error:
                reject(where, str(error))
        counts["trashed_records"] = (
            snapshot.insert_trashed_records(book, kept) if writer is not None else len(kept))

    if "relationships" in data:
        links = []
        for where, entry in listed("relationships", "relationship"):
            try:
                kind = check_relation_kind(_str(entry, "kind", required=True))
                a, b = contact_id(entry.get("a")), contact_id(entry.get("b"))
                if a == b:
                    raise EntryError("someone cannot be linked to themselves")
                links.append((_exact_id(entry, exact), a, b, kind,
                              _stamp(entry, "created_at") or _now_stamp()))
            except ENTRY_ERRORS as error:
                reject(where, str(error))
        if links:
            counts["relationships"] = (
                relations.insert_relationships(book, links) if writer is not None else len(links))

    if "journal" in data:
        notes = []
        for where, entry in listed("journal", "journal note"):
            try:
                # Cleaned as a note typed in kontakt is: a file may hold ESC, C1 or bidi bytes.
                text_value = clean(_str(entry, "text", required=True)).strip()
                if not text_value:
                    raise EntryError("a journal note needs some text")
                stamp = _stamp(entry, "created_at") or _now_stamp()
                notes.append((_exact_id(entry, exact), contact_id(entry.get("contact")),
                              _day(entry, "date"), text_value, stamp,
                              _stamp(entry, "updated_at") or stamp))
            except ENTRY_ERRORS as error:
                reject(where, str(error))
        if notes:
            counts["journal"] = relations.insert_journal(book, notes) if writer is not None else len(notes)

    if "settings" in data:
        values = data["settings"]
        if not isinstance(values, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in values.items()
        ):
            reject("settings", "must be an object of text values")
        elif values:
            counts["settings"] = (
                snapshot.fill_settings(book, values) if writer is not None
                else len(values.keys() - snapshot.PER_MACHINE_SETTINGS))
    return counts


def _exact_id(entry: dict, exact: bool) -> int | None:
    """The entry's own id in an exact restore when it has a usable one, else None (a new id)."""
    value = entry.get("id")
    return value if exact and _is_id(value) else None


def _state_day(entry: dict, key: str) -> str | None:
    """A review-state day: any ISO date. Letting someone drift snoozes them until
    9999-12-31 (review.FOREVER), a marker no typed date may be, so no year range here."""
    value = _str(entry, key)
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise EntryError(f"{key} {value!r} is not an ISO date") from None


def _now_stamp() -> str:
    from ... import clock

    return clock.now().isoformat(timespec="seconds")


def _new_uid() -> str:
    import uuid

    return str(uuid.uuid4())
