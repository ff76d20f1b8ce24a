"""Change or delete what was recorded: interactions, favours, follow-ups, introductions, circles.

A deleted record goes to the trash (`trashed_records`): its rows leave their tables, kept
as JSON, so every read of those tables (lists, timelines, review, stats, exports) hides
it with no change to their queries. `restore_record` puts the rows back, under the same
id when it is still free; `purge_records` (via `trash.empty_trash`) deletes them for good.
Every public write here is one transaction through `Book.write()`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .. import clock
from ..domain import (
    Cadence,
    Circle,
    Favour,
    FollowUp,
    Interaction,
    Introduction,
    check_interaction_kind,
    check_reached_out,
    fold,
)
from ..domain.ledger import (
    DIRECTIONS,
    LedgerError,
    check_favour_kind,
    check_result,
    check_status,
    check_weight,
)
from . import cadence_circles
from .book import NotFound, _favour, _introduction, _line, _now, _text, _uid

if TYPE_CHECKING:
    from .book import Book

RECORD_KINDS = ("interaction", "favour", "follow-up", "introduction", "circle")

# How a trashed record is addressed on the command line: `kontakt restore log:12`.
REF_PREFIX = {
    "interaction": "log", "favour": "favour", "follow-up": "follow-up",
    "introduction": "intro", "circle": "circle",
}
# What a user may type before the colon.
_PREFIX_KIND = {
    "log": "interaction", "interaction": "interaction", "favour": "favour", "favor": "favour",
    "follow-up": "follow-up", "followup": "follow-up", "intro": "introduction",
    "introduction": "introduction", "circle": "circle",
}
_RECORD_REF = re.compile(r"^\s*([a-z-]+):(.*)$", re.IGNORECASE | re.DOTALL)

# review_state kinds that point at a record's id (snoozes and skips of its review item).
_REVIEW_KIND = {"favour": "thank", "follow-up": "follow-up", "introduction": "intro-check"}


class _Keep:
    """Marks an argument as "leave this field as it is" where None means "remove it"."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


@dataclass(frozen=True)
class TrashedRecord:
    """One record in the trash: `ref` is how to name it (`log:12`), `label` one line about it."""

    id: int
    kind: str
    key: str  # the record's id, or the circle's name
    label: str
    contact_ids: tuple[int, ...]
    deleted_at: datetime

    @property
    def ref(self) -> str:
        return f"{REF_PREFIX[self.kind]}:{self.key}"


@dataclass(frozen=True)
class Restored:
    """A record back from the trash; `ref` names it now (a new id if its old one was taken)."""

    kind: str
    ref: str
    label: str
    moved: bool  # True when it came back under a new id


# ---------------------------------------------------------------------- reading


def parse_record_ref(text: str) -> tuple[str, str] | None:
    """('interaction', '12') for 'log:12'; None when `text` is not a record address.

    Raises LookupError for a known prefix with a bad id ('log:x', 'favour:99999999999999999999').
    """
    match = _RECORD_REF.match(text)
    if match is None or match.group(1).lower() not in _PREFIX_KIND:
        return None
    kind = _PREFIX_KIND[match.group(1).lower()]
    key = match.group(2).strip()
    if kind != "circle":
        key = key.lstrip("#")
        if not (key.isascii() and key.isdigit()) or int(key) >= 2**63:
            raise NotFound(f"{text.strip()!r}: {match.group(1)}: needs a record id, e.g. {match.group(1)}:12")
        key = str(int(key))
    elif not key:
        raise NotFound(f"{text.strip()!r}: circle: needs a name, e.g. circle:breakfast")
    return kind, key


def _people(book: Book, interaction_id: int) -> list[tuple[int, str]]:
    return [
        (row[0], row[1]) for row in book.conn.execute(
            """SELECT c.id, c.name FROM interaction_contacts x JOIN contacts c ON c.id = x.contact_id
                WHERE x.interaction_id = ? AND c.deleted_at IS NULL ORDER BY c.sort_key, c.id""",
            (interaction_id,),
        )
    ]


def get_interaction(book: Book, interaction_id: int) -> Interaction:
    """The interaction with this id; NotFound if none (or everyone in it is in the trash)."""
    row = book.conn.execute("SELECT * FROM interactions WHERE id = ?", (interaction_id,)).fetchone()
    people = _people(book, interaction_id) if row is not None else []
    if not people:
        raise NotFound(f"no interaction #{interaction_id}")
    return Interaction(
        id=row["id"], date=date.fromisoformat(row["date"]), kind=row["kind"], note=row["note"],
        contact_ids=tuple(p[0] for p in people), names=tuple(p[1] for p in people),
        reached_out=row["reached_out"], thanks=bool(row["thanks"]),
    )


def get_favour(book: Book, favour_id: int) -> Favour:
    """The favour with this id; NotFound if none (or its person is in the trash)."""
    row = book.conn.execute(
        "SELECT * FROM favours WHERE id = ? "
        "AND contact_id IN (SELECT id FROM contacts WHERE deleted_at IS NULL)",
        (favour_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no favour #{favour_id}")
    return _favour(row)


def get_introduction(book: Book, introduction_id: int) -> Introduction:
    """The introduction with this id; NotFound if none (or either person is in the trash)."""
    row = book.conn.execute(
        """SELECT i.*, a.name AS name_a, b.name AS name_b FROM introductions i
             JOIN contacts a ON a.id = i.contact_a JOIN contacts b ON b.id = i.contact_b
            WHERE i.id = ? AND a.deleted_at IS NULL AND b.deleted_at IS NULL""",
        (introduction_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no introduction #{introduction_id}")
    return _introduction(row)


def get_circle(book: Book, name: str) -> Circle:
    """The circle called `name` (case and accents aside); NotFound if there is none."""
    row = book._circle_row(_line(name).lstrip("#"))
    if row is None:
        raise NotFound(f"no circle {name!r}")
    return next(c for c in book.circles() if c.name == row["name"])


# ---------------------------------------------------------------------- editing


def edit_interaction(
    book: Book,
    interaction_id: int,
    *,
    today: date,
    on: date | None = None,
    kind: str | None = None,
    note: str | None = None,
    people: Sequence[int] | None = None,
    add: Iterable[int] = (),
    remove: Iterable[int] = (),
    reached_out: str | None = KEEP,
) -> Interaction:
    """Change an interaction; `people` replaces who took part, `add`/`remove` adjust it.

    Raises NotFound for a missing interaction or person, ValueError when nobody would be left.
    Everyone's last contact and next due date follow, in the same transaction.
    """
    if kind is not None:
        kind = check_interaction_kind(kind)
    with book.write():
        current = get_interaction(book, interaction_id)
        before = [r[0] for r in book.conn.execute(
            "SELECT contact_id FROM interaction_contacts WHERE interaction_id = ?", (interaction_id,)
        )]
        if people is not None or add or remove:
            hidden = [c for c in before if c not in current.contact_ids]  # in the trash: kept
            chosen = list(people) if people is not None else list(current.contact_ids)
            chosen += list(add)
            gone = set(remove)
            chosen = [c for c in dict.fromkeys(chosen) if c not in gone]
            for contact_id in chosen:
                book._require(contact_id)
            if not chosen:
                raise ValueError("an interaction needs at least one contact")
            book.conn.execute("DELETE FROM interaction_contacts WHERE interaction_id = ?", (interaction_id,))
            book.conn.executemany(
                "INSERT INTO interaction_contacts (interaction_id, contact_id) VALUES (?, ?)",
                [(interaction_id, c) for c in dict.fromkeys(chosen + hidden)],
            )
        columns: dict[str, object] = {}
        if on is not None:
            columns["date"] = on.isoformat()
        if kind is not None:
            columns["kind"] = kind
        if note is not None:
            columns["note"] = _text(note)
        if reached_out is not KEEP:
            columns["reached_out"] = check_reached_out(reached_out) if reached_out else None
        _update(book, "interactions", interaction_id, columns)
        after = [r[0] for r in book.conn.execute(
            "SELECT contact_id FROM interaction_contacts WHERE interaction_id = ?", (interaction_id,)
        )]
        book._refresh_due(dict.fromkeys(before + after), today)
        return get_interaction(book, interaction_id)


def edit_favour(
    book: Book,
    favour_id: int,
    *,
    description: str | None = None,
    direction: str | None = None,
    kind: str | None = None,
    weight: int | None = None,
    on: date | None = None,
    status: str | None = None,
) -> Favour:
    """Change a favour's fields (None leaves one as it is); raises NotFound or LedgerError."""
    columns: dict[str, object] = {}
    if description is not None:
        columns["description"] = _text(description)
        if not columns["description"]:
            raise LedgerError("a favour needs a description")
    if direction is not None:
        if direction not in DIRECTIONS:
            raise LedgerError(f"direction must be given or received, not {direction!r}")
        columns["direction"] = direction
    if kind is not None:
        columns["kind"] = check_favour_kind(kind)
    if weight is not None:
        columns["weight"] = check_weight(weight)
    if on is not None:
        columns["date"] = on.isoformat()
    if status is not None:
        columns["status"] = check_status(status)
    with book.write():
        get_favour(book, favour_id)
        if columns:
            columns["updated_at"] = _now()
        _update(book, "favours", favour_id, columns)
        return get_favour(book, favour_id)


def edit_follow_up(
    book: Book,
    follow_up_id: int,
    *,
    due: date | None = None,
    note: str | None = None,
    recurrence: Cadence | None = KEEP,
) -> FollowUp:
    """Change a follow-up's day, note or repetition (`recurrence=None` makes it one-off).

    A new day clears a snooze and starts a repeating series from there. Raises NotFound.
    """
    with book.write():
        current = book.get_follow_up(follow_up_id)
        columns: dict[str, object] = {}
        if due is not None:
            columns["due"] = due.isoformat()
            columns["snoozed_until"] = None
        if note is not None:
            columns["note"] = _text(note)
        repeat = current.recurrence if recurrence is KEEP else recurrence
        if recurrence is not KEEP:
            columns["recurrence"] = str(recurrence) if recurrence else None
        if due is not None or recurrence is not KEEP:
            anchor = (current.anchor if due is None and current.anchor else due or current.due)
            columns["anchor"] = anchor.isoformat() if repeat else None
        _update(book, "follow_ups", follow_up_id, columns)
        return book.get_follow_up(follow_up_id)


def edit_introduction(
    book: Book,
    introduction_id: int,
    *,
    today: date,
    contact_a: int | None = None,
    contact_b: int | None = None,
    on: date | None = None,
    note: str | None = None,
    outcome: str | None = None,
    result: str | None = KEEP,
    asked_first: bool | None = None,
) -> Introduction:
    """Change who was introduced to whom, when, why and how it went (`result`: worked,
    fizzled, unknown, or None: not answered); raises NotFound or LedgerError. A note on the
    outcome of an unanswered introduction answers it as 'unknown' (as before results)."""
    if result is not KEEP and result is not None:
        result = check_result(result)
    with book.write():
        current = get_introduction(book, introduction_id)
        a = current.contact_a if contact_a is None else contact_a
        b = current.contact_b if contact_b is None else contact_b
        if a == b:
            raise LedgerError("cannot introduce someone to themselves")
        book._require(a)
        book._require(b)
        columns: dict[str, object] = {}
        if (a, b) != (current.contact_a, current.contact_b):
            columns.update(contact_a=a, contact_b=b)
        if on is not None:
            columns["date"] = on.isoformat()
        if note is not None:
            columns["note"] = _text(note)
        if outcome is not None and _text(outcome) != current.outcome:
            columns["outcome"] = _text(outcome)
            columns["outcome_on"] = today.isoformat() if columns["outcome"] else None
            if columns["outcome"] and current.result is None and result is KEEP:
                result = "unknown"
        if asked_first is not None and asked_first != current.asked_first:
            columns["asked_first"] = int(asked_first)
        if result is not KEEP and result != current.result:
            columns["result"] = result
            columns["outcome_on"] = today.isoformat() if result else None
        _update(book, "introductions", introduction_id, columns)
        return get_introduction(book, introduction_id)


def rename_circle(book: Book, old: str, new: str) -> Circle:
    """Rename a circle; its members stay in it. Raises NotFound, or ValueError when the new
    name is empty or another circle has it already."""
    name = _line(new).lstrip("#")
    if not name:
        raise ValueError("a circle needs a name")
    with book.write():
        row = book._circle_row(_line(old).lstrip("#"))
        if row is None:
            raise NotFound(f"no circle {old!r}")
        current = row["name"]
        other = book._circle_row(name)
        if other is not None and other["name"] != current:
            raise ValueError(f"there is a circle called {other['name']!r} already")
        members = _members(book, current)
        # memberships follow by ON UPDATE CASCADE; the JSON copy in contacts.tags by hand.
        book.conn.execute("UPDATE circles SET name = ? WHERE name = ?", (name, current))
        key = fold(current)
        for contact_id in members:
            tags = _tags(book, contact_id)
            _write_tags(book, contact_id, [name if fold(t) == key else t for t in tags])
        # Its members' applying circle goes by the new name (and a name breaks ties).
        cadence_circles.refresh(book.conn, members)
        return get_circle(book, name)


def set_circle_cadence(book: Book, name: str, cadence: Cadence | None, *, today: date) -> Circle:
    """Like `Book.set_circle_cadence`, but for an existing circle only (raises NotFound)."""
    get_circle(book, name)
    return book.set_circle_cadence(name, cadence, today=today)


def _update(book: Book, table: str, record_id: int, columns: dict[str, object]) -> None:
    if columns:
        assignments = ", ".join(f"{column} = ?" for column in columns)
        book.conn.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*columns.values(), record_id))


def _members(book: Book, circle: str) -> list[int]:
    return [r[0] for r in book.conn.execute(
        "SELECT contact_id FROM memberships WHERE circle = ? ORDER BY contact_id", (circle,)
    )]


def _tags(book: Book, contact_id: int) -> list[str]:
    row = book.conn.execute("SELECT tags FROM contacts WHERE id = ?", (contact_id,)).fetchone()
    return json.loads(row[0]) if row else []


def _write_tags(book: Book, contact_id: int, tags: list[str]) -> None:
    book.conn.execute(
        "UPDATE contacts SET tags = ? WHERE id = ?", (json.dumps(tags, ensure_ascii=False), contact_id)
    )


# ---------------------------------------------------------------------- trashing


def _rows(book: Book, sql: str, params: tuple) -> list[dict[str, Any]]:
    return [dict(row) for row in book.conn.execute(sql, params)]


def _review_rows(book: Book, kind: str, record_id: int) -> list[dict[str, Any]]:
    review_kind = _REVIEW_KIND.get(kind)
    if review_kind is None:
        return []
    rows = _rows(book, "SELECT * FROM review_state WHERE kind = ? AND ref_id = ?", (review_kind, record_id))
    book.conn.execute("DELETE FROM review_state WHERE kind = ? AND ref_id = ?", (review_kind, record_id))
    return rows


def _put_in_trash(book: Book, kind: str, key: str, label: str, contact_ids: Iterable[int],
                  data: dict[str, Any]) -> TrashedRecord:
    now = _now()
    ids = tuple(dict.fromkeys(contact_ids))
    cursor = book.conn.execute(
        "INSERT INTO trashed_records (kind, ref, label, contact_ids, data, deleted_at) VALUES (?, ?, ?, ?, ?, ?)",
        (kind, key, label, json.dumps(list(ids)), json.dumps(data, ensure_ascii=False), now),
    )
    return TrashedRecord(cursor.lastrowid, kind, key, label, ids, datetime.fromisoformat(now))


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def trash_interaction(book: Book, interaction_id: int, *, today: date) -> TrashedRecord:
    """Move an interaction to the trash; everyone's last contact and next due follow."""
    with book.write():
        current = get_interaction(book, interaction_id)
        row = _rows(book, "SELECT * FROM interactions WHERE id = ?", (interaction_id,))[0]
        links = [r[0] for r in book.conn.execute(
            "SELECT contact_id FROM interaction_contacts WHERE interaction_id = ?", (interaction_id,)
        )]
        note = _first_line(current.note)
        label = (f"{current.kind} with {', '.join(current.names)} on {current.date.isoformat()}"
                 + (f": {note}" if note else ""))
        trashed = _put_in_trash(book, "interaction", str(interaction_id), label, links,
                                {"row": row, "contacts": links})
        book.conn.execute("DELETE FROM interactions WHERE id = ?", (interaction_id,))
        book._refresh_due(links, today)
        return trashed


def trash_favour(book: Book, favour_id: int) -> TrashedRecord:
    """Move a favour to the trash (the balance no longer counts it)."""
    with book.write():
        favour = get_favour(book, favour_id)
        name = book.get_contact(favour.contact_id).name
        row = _rows(book, "SELECT * FROM favours WHERE id = ?", (favour_id,))[0]
        way = "gave" if favour.direction == "given" else "received"
        label = f"{way} {favour.kind} — {name}: {_first_line(favour.description)} ({favour.date.isoformat()})"
        trashed = _put_in_trash(book, "favour", str(favour_id), label, [favour.contact_id],
                                {"row": row, "review": _review_rows(book, "favour", favour_id)})
        book.conn.execute("DELETE FROM favours WHERE id = ?", (favour_id,))
        return trashed


def trash_follow_up(book: Book, follow_up_id: int) -> TrashedRecord:
    """Move a follow-up to the trash: the review no longer asks about it."""
    with book.write():
        follow_up = book.get_follow_up(follow_up_id)
        name = book.get_contact(follow_up.contact_id).name
        row = _rows(book, "SELECT * FROM follow_ups WHERE id = ?", (follow_up_id,))[0]
        note = _first_line(follow_up.note)
        label = f"follow-up with {name} due {follow_up.due.isoformat()}" + (f": {note}" if note else "")
        trashed = _put_in_trash(book, "follow-up", str(follow_up_id), label, [follow_up.contact_id],
                                {"row": row, "review": _review_rows(book, "follow-up", follow_up_id)})
        book.conn.execute("DELETE FROM follow_ups WHERE id = ?", (follow_up_id,))
        return trashed


def trash_introduction(book: Book, introduction_id: int) -> TrashedRecord:
    """Move an introduction to the trash (no longer a favour given to either)."""
    with book.write():
        intro = get_introduction(book, introduction_id)
        row = _rows(book, "SELECT * FROM introductions WHERE id = ?", (introduction_id,))[0]
        label = f"introduced {intro.name_a} to {intro.name_b} on {intro.date.isoformat()}"
        trashed = _put_in_trash(
            book, "introduction", str(introduction_id), label, [intro.contact_a, intro.contact_b],
            {"row": row, "review": _review_rows(book, "introduction", introduction_id)},
        )
        book.conn.execute("DELETE FROM introductions WHERE id = ?", (introduction_id,))
        return trashed


def trash_circle(book: Book, name: str, *, today: date) -> TrashedRecord:
    """Move a circle to the trash: its members leave it (and its cadence), the people stay."""
    with book.write():
        circle = get_circle(book, name)
        row = _rows(book, "SELECT * FROM circles WHERE name = ?", (circle.name,))[0]
        members = _members(book, circle.name)
        label = f"circle {circle.name} ({circle.members} member{'s' * (circle.members != 1)})"
        trashed = _put_in_trash(book, "circle", circle.name, label, [],
                                {"row": row, "members": members})
        key = fold(circle.name)
        for contact_id in members:
            _write_tags(book, contact_id, [t for t in _tags(book, contact_id) if fold(t) != key])
        book.conn.execute("DELETE FROM circles WHERE name = ?", (circle.name,))
        book._refresh_due(members, today)
        return trashed


def trash_record(book: Book, kind: str, key: str | int, *, today: date) -> TrashedRecord:
    """Trash any record by kind ('interaction', …, 'circle') and id (or circle name)."""
    if kind == "interaction":
        return trash_interaction(book, int(key), today=today)
    if kind == "favour":
        return trash_favour(book, int(key))
    if kind == "follow-up":
        return trash_follow_up(book, int(key))
    if kind == "introduction":
        return trash_introduction(book, int(key))
    if kind == "circle":
        return trash_circle(book, str(key), today=today)
    raise ValueError(f"no such record kind: {kind!r}")


# ---------------------------------------------------------------------- the trash


def _trashed(row: Any) -> TrashedRecord:
    return TrashedRecord(
        id=row["id"], kind=row["kind"], key=row["ref"], label=row["label"],
        contact_ids=tuple(json.loads(row["contact_ids"])),
        deleted_at=datetime.fromisoformat(row["deleted_at"]),
    )


def trashed_records(book: Book) -> list[TrashedRecord]:
    """Records in the trash, most recently deleted first."""
    return [_trashed(row) for row in book.conn.execute(
        "SELECT * FROM trashed_records ORDER BY deleted_at DESC, id DESC"
    )]


def find_trashed_record(book: Book, kind: str, key: str) -> TrashedRecord:
    """The latest trashed record of this kind and id (circles: name, any case); NotFound if none."""
    if kind == "circle":
        rows = [r for r in book.conn.execute(
            "SELECT * FROM trashed_records WHERE kind = 'circle' ORDER BY deleted_at DESC, id DESC"
        ) if fold(r["ref"]) == fold(key.lstrip("#"))]
    else:
        rows = book.conn.execute(
            "SELECT * FROM trashed_records WHERE kind = ? AND ref = ? ORDER BY deleted_at DESC, id DESC",
            (kind, key),
        ).fetchall()
    if not rows:
        raise NotFound(f"no {REF_PREFIX[kind]}:{key} in the trash (kontakt trash lists it)")
    return _trashed(rows[0])


def _alive(book: Book, contact_id: int) -> bool:
    return book.conn.execute(
        "SELECT 1 FROM contacts WHERE id = ? AND deleted_at IS NULL", (contact_id,)
    ).fetchone() is not None


def _exists(book: Book, contact_id: int) -> bool:
    return book.conn.execute("SELECT 1 FROM contacts WHERE id = ?", (contact_id,)).fetchone() is not None


def _insert(book: Book, table: str, row: dict[str, Any]) -> tuple[int, bool]:
    """Put `row` back; under a new id (and uid) when its old one was taken meanwhile."""
    row = dict(row)
    taken = book.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row["id"],)).fetchone()
    if taken or book.conn.execute(f"SELECT 1 FROM {table} WHERE uid = ?", (row["uid"],)).fetchone():
        del row["id"]
        row["uid"] = _uid()
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    cursor = book.conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(row.values()))
    return cursor.lastrowid, bool(taken)


def _put_back_review(book: Book, kind: str, new_id: int, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        book.conn.execute(
            """INSERT OR REPLACE INTO review_state (kind, ref_id, contact_id, snoozed_until, skipped_on,
                   offered_on) VALUES (?, ?, ?, ?, ?, ?)""",
            (row["kind"], new_id, row["contact_id"], row["snoozed_until"], row["skipped_on"], row["offered_on"]),
        )


def restore_record(book: Book, kind: str, key: str, *, today: date) -> Restored:
    """Bring a record back from the trash, whole. Raises NotFound when it is not in the trash,
    or when the people it belongs to are in the trash (restore them first) or gone for good."""
    with book.write():
        entry = find_trashed_record(book, kind, key)
        data = json.loads(book.conn.execute(
            "SELECT data FROM trashed_records WHERE id = ?", (entry.id,)
        ).fetchone()[0])
        row = data["row"]
        moved = False
        if kind == "interaction":
            people = [c for c in data["contacts"] if _exists(book, c)]
            if not any(_alive(book, c) for c in people):
                raise NotFound(f"{entry.ref}: everyone in it is in the trash or gone; restore them first")
            new_id, moved = _insert(book, "interactions", row)
            book.conn.executemany(
                "INSERT INTO interaction_contacts (interaction_id, contact_id) VALUES (?, ?)",
                [(new_id, c) for c in people],
            )
            book._refresh_due(people, today)
            ref_key = str(new_id)
        elif kind == "circle":
            existing = book._circle_row(row["name"])
            name = existing["name"] if existing else row["name"]
            if existing is None:
                book.conn.execute(
                    "INSERT INTO circles (name, cadence, position, description, created_at) VALUES (?, ?, ?, ?, ?)",
                    (row["name"], row["cadence"], row["position"], row["description"], row["created_at"]),
                )
            elif existing["cadence"] is None and row["cadence"]:
                book.conn.execute("UPDATE circles SET cadence = ? WHERE name = ?", (row["cadence"], name))
            members = [c for c in data["members"] if _exists(book, c)]
            for contact_id in members:
                tags = _tags(book, contact_id)
                if fold(name) not in {fold(t) for t in tags}:
                    _write_tags(book, contact_id, [*tags, name])
                book.conn.execute(
                    "INSERT OR IGNORE INTO memberships (contact_id, circle) VALUES (?, ?)", (contact_id, name)
                )
            book._refresh_due(members, today)
            ref_key = name
        else:
            table = {"favour": "favours", "follow-up": "follow_ups", "introduction": "introductions"}[kind]
            people = [row["contact_a"], row["contact_b"]] if kind == "introduction" else [row["contact_id"]]
            for contact_id in people:
                if not _alive(book, contact_id):
                    where = "in the trash" if _exists(book, contact_id) else "gone for good"
                    hint = f"; kontakt restore {contact_id} first" if _exists(book, contact_id) else ""
                    raise NotFound(f"{entry.ref}: contact #{contact_id} is {where}{hint}")
            new_id, moved = _insert(book, table, row)
            _put_back_review(book, _REVIEW_KIND[kind], new_id, data.get("review", []))
            ref_key = str(new_id)
        book.conn.execute("DELETE FROM trashed_records WHERE id = ?", (entry.id,))
        return Restored(kind, f"{REF_PREFIX[kind]}:{ref_key}", entry.label, moved)


def record_candidates(
    book: Book, older_than: timedelta | None = None, *, now: datetime | None = None
) -> list[int]:
    """Trash entry ids of records deleted at least `older_than` ago (all of them for None)."""
    now = now or clock.now()
    chosen = []
    for entry_id, deleted_at in book.conn.execute("SELECT id, deleted_at FROM trashed_records ORDER BY id"):
        if older_than is not None:
            when = datetime.fromisoformat(deleted_at)
            if when.tzinfo is None:
                when = when.astimezone()
            if now - when < older_than:
                continue
        chosen.append(entry_id)
    return chosen


def purge_records(book: Book, entry_ids: Sequence[int]) -> int:
    """Delete these trash entries for good, and those whose people are gone for good
    (a favour of someone whose trash was emptied). Call inside `book.write()`."""
    gone = 0
    for start in range(0, len(entry_ids), 500):
        chunk = list(entry_ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        gone += book.conn.execute(f"DELETE FROM trashed_records WHERE id IN ({marks})", chunk).rowcount
    orphans = []
    for row in book.conn.execute("SELECT id, kind, contact_ids FROM trashed_records WHERE kind <> 'circle'"):
        people = json.loads(row["contact_ids"])
        present = [_exists(book, c) for c in people]
        if (row["kind"] == "interaction" and not any(present)) or (row["kind"] != "interaction" and not all(present)):
            orphans.append(row["id"])
    for entry_id in orphans:
        gone += book.conn.execute("DELETE FROM trashed_records WHERE id = ?", (entry_id,)).rowcount
    return gone


__all__ = [
    "KEEP", "RECORD_KINDS", "REF_PREFIX", "Restored", "TrashedRecord", "edit_favour",
    "edit_follow_up", "edit_interaction", "edit_introduction", "find_trashed_record", "get_circle",
    "get_favour", "get_interaction", "get_introduction", "parse_record_ref", "purge_records",
    "record_candidates", "rename_circle", "restore_record", "set_circle_cadence", "trash_circle",
    "trash_favour", "trash_follow_up", "trash_interaction", "trash_introduction", "trash_record",
    "trashed_records",
]
