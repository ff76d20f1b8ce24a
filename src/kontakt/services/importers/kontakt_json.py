"""kontakt's own JSON: a whole book (contacts, circles, interactions, favours, introductions,
follow-ups) restored so that export → import into an empty book gives the same data.

Matching is by uid only: this is a restore, and two contacts who share an email in the
book they came from stay two contacts here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ...domain import Birthday, Cadence, CadenceError, DateError, check_interaction_kind
from ...domain.ledger import DIRECTIONS, LedgerError, check_favour_kind, check_status, check_weight
from ...domain.activity import FOLLOW_UP_STATUSES, ActivityError
from ...domain.dates import in_range
from ...store.bulk import BulkWriter, NewContact, existing_uids
from .merge import Merger
from .rows import Parsed, line, text
from .textfile import Encoding, ImportRefused, open_text

FORMAT_VERSION = 1


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
    version = data.get("kontakt", FORMAT_VERSION)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ImportRefused(
            f"{path}: written by a newer kontakt (format {version}); upgrade to import it"
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


def contact_from(entry: Any) -> NewContact:
    """A contact entry as a NewContact; raises EntryError (or a domain error) if broken."""
    if not isinstance(entry, dict):
        raise EntryError("not an object")
    name = line(_str(entry, "name"))
    if not name:
        raise EntryError("no name")
    birthday_text = _str(entry, "birthday")
    birthday = None
    if birthday_text:
        if birthday_text.startswith("--"):
            birthday = Birthday(int(birthday_text[2:4]), int(birthday_text[5:7]))
        else:
            birthday = Birthday.from_date(in_range(date.fromisoformat(birthday_text)))
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
    )


ENTRY_ERRORS = (EntryError, ValueError, DateError, CadenceError, LedgerError, ActivityError,
                TypeError, KeyError, IndexError)


def contact_rows(data: dict[str, Any]) -> Iterator[Parsed]:
    for number, entry in enumerate(data["contacts"], start=1):
        where = f"contact {number}"
        try:
            yield Parsed(where, contact=contact_from(entry))
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


def restore_history(
    data: dict[str, Any], merger: Merger, writer: BulkWriter | None,
    reject: Callable[[str, str], None], warn: Callable[[str, str], None],
) -> HistoryCounts:
    """Interactions, favours, introductions and follow-ups; the contacts must be in already."""
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
                _str(entry, "uid") or _new_uid(), _day(entry, "date"),
                check_interaction_kind(_str(entry, "kind") or "other"), text(_str(entry, "note")),
                _stamp(entry, "created_at"), ids,
            ))
            touched.update(ids)
        except ENTRY_ERRORS as error:
            reject(where, str(error))
    counts.added["interactions"] = len(interactions)

    favours = []
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
                _str(entry, "uid") or _new_uid(), contact_id(entry.get("contact")), direction,
                description, check_favour_kind(_str(entry, "kind") or "help"), check_weight(weight),
                _day(entry, "date"), check_status(_str(entry, "status") or "open"),
                _stamp(entry, "created_at"), _stamp(entry, "updated_at"),
            ))
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
                _str(entry, "uid") or _new_uid(), a, b, _day(entry, "date"),
                text(_str(entry, "note")), text(_str(entry, "outcome")),
                _day(entry, "outcome_on", required=False), _stamp(entry, "created_at"),
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
                _str(entry, "uid") or _new_uid(), contact_id(entry.get("contact")),
                _day(entry, "due"), text(_str(entry, "note")),
                str(recurrence) if recurrence else None, status,
                _day(entry, "snoozed_until", required=False),
                _day(entry, "done_on", required=False), _stamp(entry, "created_at"),
            ))
        except ENTRY_ERRORS as error:
            reject(where, str(error))
    counts.added["follow_ups"] = len(follow_ups)

    if writer is not None:
        writer.insert_interactions(interactions)
        writer.insert_favours(favours)
        writer.insert_introductions(introductions)
        writer.insert_follow_ups(follow_ups)
        writer.refresh_due(touched)
    return counts


def _new_uid() -> str:
    import uuid

    return str(uuid.uuid4())
