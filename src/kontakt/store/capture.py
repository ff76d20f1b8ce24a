"""Capture's tables: proposed interactions waiting in the inbox, the files a scan already read,
and the ignore rules (kept in `settings`, so they travel with a JSON export).

Proposals are written with `record=False` (bookkeeping of a scan, not a change the user made);
accepting and ignoring are undo steps, so `z` / `kontakt undo` brings a proposal back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from .values import NotFound, _now

if TYPE_CHECKING:
    from .book import Book

DIRECTIONS = ("me", "them", "mutual")
RULES_SETTING = "capture.rules"
RULE_KINDS = ("sender", "title")


@dataclass(frozen=True)
class NewProposal:
    """What a scan found: one interaction it would log, and the key that makes it unique."""

    key: str
    source: str  # 'calendar' or 'mail'
    date: date
    kind: str
    contact_ids: tuple[int, ...]
    direction: str | None = None
    title: str = ""
    sender: str = ""


@dataclass(frozen=True)
class Proposal:
    """A proposal as stored, with the names of its people (those not in the trash)."""

    id: int
    key: str
    source: str
    date: date
    kind: str
    direction: str | None
    contact_ids: tuple[int, ...]
    names: tuple[str, ...]
    title: str
    sender: str
    status: str
    interaction_id: int | None

    def to_json(self) -> dict:
        return {
            "id": self.id, "source": self.source, "date": self.date.isoformat(), "kind": self.kind,
            "direction": self.direction, "contact_ids": list(self.contact_ids),
            "names": list(self.names), "title": self.title, "sender": self.sender,
            "status": self.status, "interaction_id": self.interaction_id,
        }


def _merge_direction(old: str | None, new: str | None) -> str | None:
    if old is None or old == new:
        return new if old is None else old
    if new is None:
        return old
    return "mutual"


def add_proposals(book: Book, found: Iterable[NewProposal]) -> tuple[int, int]:
    """Store what a scan found; returns (new, updated).

    A key seen before is never proposed again (accepted, ignored or pending alike); a pending
    mail proposal that learns the other side also wrote that day becomes 'mutual'.
    """
    found = list(found)
    now = _now()
    with book.write(record=False):
        conn = book.conn
        # Which keys the book has, in one query (a first scan proposes thousands).
        known = {row[0]: (row[1], row[2], row[3]) for row in conn.execute(
            """SELECT p.key, p.id, p.direction, p.status FROM json_each(?) j
                 JOIN capture_proposals p ON p.key = j.value""",
            (json.dumps([item.key for item in found]),))}
        fresh = {}
        changed = []
        for item in found:
            if item.key in known:
                proposal_id, direction, status = known[item.key]
                merged = _merge_direction(direction, item.direction)
                if status == "pending" and merged != direction:
                    changed.append((merged, proposal_id))
                    known[item.key] = (proposal_id, merged, status)
            elif item.key not in fresh:
                fresh[item.key] = item
        conn.executemany(
            """INSERT INTO capture_proposals (key, source, date, kind, direction, contact_ids,
                   title, sender, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [(i.key, i.source, i.date.isoformat(), i.kind, i.direction,
              json.dumps(list(i.contact_ids)), i.title, i.sender, now) for i in fresh.values()])
        conn.executemany("UPDATE capture_proposals SET direction = ? WHERE id = ?", changed)
    new, updated = len(fresh), len(changed)
    return new, updated


def _event_uid(key: str) -> str:
    """The event UID in a calendar proposal's key ('cal:UID@occurrence'; a UID may hold '@')."""
    return key[4:].rsplit("@", 1)[0]


def add_calendar_proposals(book: Book, found: Iterable[NewProposal], *, seen_uids: set[str],
                           single_uids: set[str], gone_uids: set[str], past_keys: set[str],
                           dropped_keys: set[str], declined_ids: dict[str, set[int]],
                           since: date) -> tuple[int, int, int, int]:
    """Store what a calendar scan found and bring the waiting proposals in step with the
    events as they are now; returns (new, updated, moved, withdrawn).

    Only pending proposals change; accepted and ignored ones are never touched.
    - a single event moved to another day: its waiting proposal moves with it (same id); one
      already accepted or ignored is not proposed again on the new day;
    - a moved occurrence of a series (same key): the waiting proposal takes the new day;
      a contact in it who declined since (`declined_ids`) leaves it;
    - an event seen in this scan whose occurrence is cancelled, declined (by me, or by every
      contact in it: `dropped_keys`) or no longer there among the past occurrences
      (`past_keys`: moved into the future, left out of the series), within the scanned days
      (on or after `since`): withdrawn, deleted — a later scan proposes it again should it
      come back. One that only matches no contact any more (an address dropped in a merge)
      is left waiting;
    - an event in `gone_uids` (its file deleted, or the event taken out of its file) and not
      seen elsewhere: withdrawn.
    """
    found = list(found)
    conn = book.conn
    with book.write(record=False):
        rows = conn.execute(
            "SELECT id, key, date, contact_ids, status FROM capture_proposals WHERE source = 'calendar'"
        ).fetchall()
        by_key = {row["key"]: row for row in rows}
        by_uid: dict[str, list] = {}
        for row in rows:
            by_uid.setdefault(_event_uid(row["key"]), []).append(row)
        keys = {item.key for item in found}
        fresh: list[NewProposal] = []
        moved = 0
        for item in found:
            uid = _event_uid(item.key)
            before = [r for r in by_uid.get(uid, ()) if r["key"] not in keys]
            if item.key in by_key or uid not in single_uids or not before:
                fresh.append(item)
                continue
            waiting = [r for r in before if r["status"] == "pending"]
            if waiting:  # the event moved: its proposal goes with it
                conn.execute(
                    """UPDATE capture_proposals SET key = ?, date = ?, kind = ?, direction = ?,
                           contact_ids = ?, title = ?, sender = ? WHERE id = ?""",
                    (item.key, item.date.isoformat(), item.kind, item.direction,
                     json.dumps(list(item.contact_ids)), item.title, item.sender, waiting[0]["id"]))
                moved += 1
                by_uid[uid] = [r for r in by_uid[uid] if r["id"] != waiting[0]["id"]]
            # else: decided on its old day; the same meeting is not proposed again
        new, updated = add_proposals(book, fresh)
        for item in fresh:
            row = by_key.get(item.key)
            if row is None or row["status"] != "pending":
                continue
            if row["date"] != item.date.isoformat():
                conn.execute("UPDATE capture_proposals SET date = ? WHERE id = ?",
                             (item.date.isoformat(), row["id"]))
                moved += 1
            said_no = declined_ids.get(item.key, set())
            people = json.loads(row["contact_ids"])
            if said_no & set(people):
                conn.execute("UPDATE capture_proposals SET contact_ids = ? WHERE id = ?",
                             (json.dumps([c for c in people if c not in said_no]), row["id"]))
        withdrawn = []
        for uid, uid_rows in by_uid.items():
            for row in uid_rows:
                if row["status"] != "pending" or row["key"] in keys:
                    continue
                gone_here = row["key"] in dropped_keys or row["key"] not in past_keys
                if (uid in seen_uids and gone_here and row["date"] >= since.isoformat()) or (
                        uid in gone_uids and uid not in seen_uids):
                    withdrawn.append((row["id"],))
        conn.executemany("DELETE FROM capture_proposals WHERE id = ?", withdrawn)
    return new, updated, moved, len(withdrawn)


def _names(book: Book, ids: Sequence[int]) -> tuple[tuple[int, ...], tuple[str, ...]]:
    if not ids:
        return (), ()
    marks = ",".join("?" * len(ids))
    rows = {r[0]: r[1] for r in book.conn.execute(
        f"SELECT id, name FROM contacts WHERE id IN ({marks}) AND deleted_at IS NULL", list(ids))}
    kept = tuple(i for i in ids if i in rows)
    return kept, tuple(rows[i] for i in kept)


def _proposal(book: Book, row) -> Proposal:
    ids, names = _names(book, json.loads(row["contact_ids"]))
    return Proposal(
        id=row["id"], key=row["key"], source=row["source"], date=date.fromisoformat(row["date"]),
        kind=row["kind"], direction=row["direction"], contact_ids=ids, names=names,
        title=row["title"], sender=row["sender"], status=row["status"],
        interaction_id=row["interaction_id"],
    )


def pending(book: Book, *, limit: int | None = None) -> list[Proposal]:
    """Pending proposals, oldest day first (the order the inbox shows them in); proposals
    whose people are all in the trash are left out."""
    sql = "SELECT * FROM capture_proposals WHERE status = 'pending' ORDER BY date, id"
    params: list[object] = []
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    found = [_proposal(book, row) for row in book.conn.execute(sql, params)]
    return [p for p in found if p.contact_ids]


def count_pending(book: Book) -> int:
    return book.conn.execute(
        "SELECT count(*) FROM capture_proposals WHERE status = 'pending'").fetchone()[0]


def get(book: Book, proposal_id: int) -> Proposal:
    """The proposal with this id; raises NotFound."""
    row = book.conn.execute("SELECT * FROM capture_proposals WHERE id = ?", (proposal_id,)).fetchone()
    if row is None:
        raise NotFound(f"no proposal #{proposal_id}")
    return _proposal(book, row)


def counts(book: Book) -> dict[str, int]:
    """How many proposals are pending, accepted and ignored."""
    found = dict.fromkeys(("pending", "accepted", "ignored"), 0)
    for status, n in book.conn.execute(
        "SELECT status, count(*) FROM capture_proposals GROUP BY status"
    ):
        found[status] = n
    return found


def has_reached_out(book: Book) -> bool:
    """Whether interactions have a `reached_out` column (the ledger's "who reached out")."""
    return any(row[1] == "reached_out" for row in book.conn.execute("PRAGMA table_info(interactions)"))


def _pending_rows(book: Book, ids: Sequence[int]) -> list[Proposal]:
    found = []
    for proposal_id in dict.fromkeys(ids):
        proposal = get(book, proposal_id)
        if proposal.status != "pending":
            raise ValueError(f"proposal #{proposal_id} is already {proposal.status}")
        found.append(proposal)
    return found


def accept(book: Book, ids: Sequence[int], *, today: date, label: str | None = None) -> list[int]:
    """Log each pending proposal as an ordinary interaction, all in one undo step; returns the
    new interaction ids. Raises NotFound / ValueError (already decided, everyone in the trash)
    before writing anything."""
    proposals = _pending_rows(book, ids)
    if not proposals:
        return []
    for p in proposals:
        if not p.contact_ids:
            raise ValueError(f"proposal #{p.id}: everyone in it is in the trash")
    reached_out = has_reached_out(book)
    made = []
    if label is None:
        label = (f"accept {proposals[0].kind} with {', '.join(proposals[0].names)} from capture"
                 if len(proposals) == 1 else f"accept {len(proposals)} captured interactions")
    now = _now()
    with book.write(label=label):
        for p in proposals:
            interaction_id = book.log_interaction(
                list(p.contact_ids), on=p.date, kind=p.kind, note=p.title, today=today)
            if reached_out and p.direction:
                book.conn.execute("UPDATE interactions SET reached_out = ? WHERE id = ?",
                                  (p.direction, interaction_id))
            book.conn.execute(
                "UPDATE capture_proposals SET status = 'accepted', interaction_id = ?, "
                "decided_at = ? WHERE id = ?", (interaction_id, now, p.id))
            made.append(interaction_id)
    return made


def ignore(book: Book, ids: Sequence[int], *, label: str | None = None) -> int:
    """Mark pending proposals ignored (never proposed again); one undo step; returns how many."""
    proposals = _pending_rows(book, ids)
    if not proposals:
        return 0
    with book.write(label=label or (f"ignore proposal #{proposals[0].id}" if len(proposals) == 1
                                    else f"ignore {len(proposals)} proposals")):
        book.conn.executemany(
            "UPDATE capture_proposals SET status = 'ignored', decided_at = ? WHERE id = ?",
            [(_now(), p.id) for p in proposals])
    return len(proposals)


# ---------------------------------------------------------------------- rules


def rules(book: Book) -> dict[str, list[str]]:
    """The ignore rules: {'sender': [...], 'title': [...]}."""
    raw = book.get_setting(RULES_SETTING)
    found: dict[str, list[str]] = {kind: [] for kind in RULE_KINDS}
    if raw:
        try:
            data = json.loads(raw)
        except ValueError:
            data = {}
        if isinstance(data, dict):
            for kind in RULE_KINDS:
                values = data.get(kind, [])
                if isinstance(values, list):
                    found[kind] = [v for v in values if isinstance(v, str)]
    return found


def add_rule(book: Book, kind: str, pattern: str) -> bool:
    """Remember an ignore rule; False if it was there already."""
    if kind not in RULE_KINDS:
        raise ValueError(f"unknown rule kind {kind!r}")
    current = rules(book)
    if pattern in current[kind]:
        return False
    current[kind].append(pattern)
    book.set_setting(RULES_SETTING, json.dumps(current, ensure_ascii=False, sort_keys=True))
    return True


def ignore_where(book: Book, matches, *, label: str) -> int:
    """Ignore every pending proposal for which `matches(proposal)` is true; one undo step."""
    ids = [p.id for p in pending(book) if matches(p)]
    return ignore(book, ids, label=label) if ids else 0


def forget_gone_people(conn) -> int:
    """Delete the proposals none of whose people exist any more (called when the trash is
    emptied: an event title about a purged person must not outlive them); how many."""
    return conn.execute(
        """DELETE FROM capture_proposals WHERE NOT EXISTS (
               SELECT 1 FROM json_each(capture_proposals.contact_ids) j
                 JOIN contacts c ON c.id = j.value)"""
    ).rowcount


# ---------------------------------------------------------------------- files read


def known_files(book: Book, prefix: str) -> dict[str, tuple[int, int]]:
    """path → (mtime_ns, size) of the files under `prefix` a scan read before."""
    rows = book.conn.execute(
        "SELECT path, mtime_ns, size FROM capture_files WHERE path >= ? AND path < ?",
        (prefix, prefix + "\U0010ffff"))
    return {r[0]: (r[1], r[2]) for r in rows}


def remember_files(book: Book, files: Iterable[tuple[str, int, int]], *, forget: Iterable[str] = ()) -> None:
    """Note files as read (path, mtime_ns, size), and drop ones that are gone."""
    with book.write(record=False):
        book.conn.executemany("DELETE FROM capture_files WHERE path = ?", [(p,) for p in forget])
        book.conn.executemany(
            "INSERT INTO capture_files (path, mtime_ns, size) VALUES (?, ?, ?) "
            "ON CONFLICT (path) DO UPDATE SET mtime_ns = excluded.mtime_ns, size = excluded.size",
            list(files))
