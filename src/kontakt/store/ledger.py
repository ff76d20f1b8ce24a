"""Favours and introductions in the book, and the balance they add up to per contact."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from ..domain import Balance, Favour, Introduction
from ..domain.ledger import (
    DIRECTIONS,
    LedgerError,
    check_favour_kind,
    check_result,
    check_status,
    check_weight,
)
from .driver import sqlite3
from .reading import balances
from .values import NotFound, _now, _text, _uid


class LedgerMixin:
    """The favour, balance and introduction methods of `Book`."""

    # Provided by Book (store/book.py); `_require` by ContactsMixin.
    conn: sqlite3.Connection
    if TYPE_CHECKING:
        def write(self, label: str | None = None, *, record: bool = True
                  ) -> contextlib.AbstractContextManager[sqlite3.Connection]: ...

    # ------------------------------------------------------------------ favours

    def add_favour(
        self,
        contact_id: int,
        *,
        direction: str,
        description: str,
        on: date,
        kind: str = "help",
        weight: int = 1,
        status: str = "open",
    ) -> int:
        """Record a favour given to or received from a contact; returns its id."""
        if direction not in DIRECTIONS:
            raise LedgerError(f"direction must be given or received, not {direction!r}")
        description = _text(description)
        if not description:
            raise LedgerError("a favour needs a description")
        kind, weight, status = check_favour_kind(kind), check_weight(weight), check_status(status)
        now = _now()
        with self.write():
            self._require(contact_id)
            cursor = self.conn.execute(
                """INSERT INTO favours (uid, contact_id, direction, description, kind, weight,
                       date, status, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (_uid(), contact_id, direction, description, kind, weight, on.isoformat(),
                 status, now, now),
            )
        return cursor.lastrowid

    def set_favour_status(self, favour_id: int, status: str) -> None:
        status = check_status(status)
        with self.write():
            cursor = self.conn.execute(
                "UPDATE favours SET status = ?, updated_at = ? WHERE id = ? "
                "AND contact_id IN (SELECT id FROM contacts WHERE deleted_at IS NULL)",
                (status, _now(), favour_id),
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no favour #{favour_id}")

    def mark_thanked(self, contact_id: int, *, on: date, favour_id: int | None = None) -> list[int]:
        """Say thanks: the contact's open received favours not yet thanked (from on or before
        `on`), or just `favour_id`, count as thanked on `on`. Returns the ids it marked."""
        with self.write():
            sql = ("SELECT id FROM favours WHERE contact_id = ? AND direction = 'received' "
                   "AND thanked_on IS NULL AND date <= ?")
            params: list[object] = [contact_id, on.isoformat()]
            if favour_id is not None:
                sql += " AND id = ?"
                params.append(favour_id)
            ids = [row[0] for row in self.conn.execute(sql, params)]
            self.conn.executemany(
                "UPDATE favours SET thanked_on = ?, updated_at = ? WHERE id = ?",
                [(on.isoformat(), _now(), i) for i in ids],
            )
        return ids

    def thank_by_later_contact(self, favour_uids: Iterable[str] | None = None) -> None:
        """History from before thank-yous were recorded (an old file, the demo): a favour
        received that a later interaction followed counts as thanked on that interaction's
        day — the rule the review used then (and the m010 migration applied). Only favours not
        thanked yet; `favour_uids` limits it to those."""
        sql = """UPDATE favours SET thanked_on = (
                     SELECT min(i.date) FROM interaction_contacts ic
                       JOIN interactions i ON i.id = ic.interaction_id
                      WHERE ic.contact_id = favours.contact_id AND i.date > favours.date)
                  WHERE direction = 'received' AND thanked_on IS NULL"""
        with self.write():
            if favour_uids is None:
                self.conn.execute(sql)
                return
            uids = list(favour_uids)
            for start in range(0, len(uids), 500):
                chunk = uids[start : start + 500]
                self.conn.execute(f"{sql} AND uid IN ({','.join('?' * len(chunk))})", chunk)

    def unmark_thanked(self, favour_ids: Iterable[int]) -> None:
        """Take back `mark_thanked` (the review's undo)."""
        with self.write():
            self.conn.executemany(
                "UPDATE favours SET thanked_on = NULL WHERE id = ?", [(i,) for i in favour_ids]
            )

    def favours_for(self, contact_id: int) -> list[Favour]:
        """The contact's favours both ways, newest first."""
        rows = self.conn.execute(
            "SELECT * FROM favours WHERE contact_id = ? ORDER BY date DESC, id DESC", (contact_id,)
        )
        return [_favour(row) for row in rows]

    def balance(self, contact_id: int) -> Balance:
        return self.balances([contact_id]).get(contact_id, Balance())

    def balances(self, contact_ids: Iterable[int]) -> dict[int, Balance]:
        """Balance per contact by the ledger's rule (domain.ledger.balance): open favours on
        their side, returned ones on both sides, let-go ones not at all; introductions count
        as given."""
        return balances(self.conn, contact_ids)

    # ------------------------------------------------------------------ introductions

    def add_introduction(
        self, contact_a: int, contact_b: int, *, on: date, note: str = "", asked_first: bool = False
    ) -> int:
        """I introduced A to B: stored once, linked to both; returns its id. `asked_first`:
        both said yes before the introduction."""
        if contact_a == contact_b:
            raise LedgerError("cannot introduce someone to themselves")
        with self.write():
            self._require(contact_a)
            self._require(contact_b)
            cursor = self.conn.execute(
                """INSERT INTO introductions (uid, contact_a, contact_b, date, note, created_at,
                       asked_first) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (_uid(), contact_a, contact_b, on.isoformat(), _text(note), _now(),
                 int(asked_first)),
            )
        return cursor.lastrowid

    def set_introduction_outcome(self, introduction_id: int, outcome: str, *, on: date) -> None:
        """Note how an introduction turned out ("they work together now"); an unanswered one
        counts as answered, result 'unknown' (set_introduction_result says worked or not)."""
        with self.write():
            cursor = self.conn.execute(
                "UPDATE introductions SET outcome = ?, outcome_on = ?, "
                "result = coalesce(result, 'unknown') WHERE id = ? "
                "AND contact_a IN (SELECT id FROM contacts WHERE deleted_at IS NULL) "
                "AND contact_b IN (SELECT id FROM contacts WHERE deleted_at IS NULL)",
                (_text(outcome), on.isoformat(), introduction_id),
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no introduction #{introduction_id}")

    def set_introduction_result(
        self, introduction_id: int, result: str | None, *, on: date, note: str | None = None
    ) -> None:
        """Answer "did it work?": `result` worked, fizzled or unknown (None: not answered, the
        review asks again), with an optional note (None keeps the note there is)."""
        result = check_result(result) if result is not None else None
        columns = "result = ?, outcome_on = ?"
        params: list[object] = [result, on.isoformat() if result else None]
        if note is not None:
            columns += ", outcome = ?"
            params.append(_text(note))
        with self.write():
            cursor = self.conn.execute(
                f"UPDATE introductions SET {columns} WHERE id = ? "
                "AND contact_a IN (SELECT id FROM contacts WHERE deleted_at IS NULL) "
                "AND contact_b IN (SELECT id FROM contacts WHERE deleted_at IS NULL)",
                (*params, introduction_id),
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no introduction #{introduction_id}")

    def introductions_for(self, contact_id: int) -> list[Introduction]:
        rows = self.conn.execute(
            """SELECT i.*, a.name AS name_a, b.name AS name_b FROM introductions i
                 JOIN contacts a ON a.id = i.contact_a JOIN contacts b ON b.id = i.contact_b
                WHERE (i.contact_a = ? OR i.contact_b = ?)
                  AND a.deleted_at IS NULL AND b.deleted_at IS NULL
                ORDER BY i.date DESC, i.id DESC""",
            (contact_id, contact_id),
        )
        return [_introduction(row) for row in rows]


def _favour(row: sqlite3.Row) -> Favour:
    return Favour(
        id=row["id"],
        contact_id=row["contact_id"],
        direction=row["direction"],
        description=row["description"],
        kind=row["kind"],
        weight=row["weight"],
        date=date.fromisoformat(row["date"]),
        status=row["status"],
        thanked_on=date.fromisoformat(row["thanked_on"]) if row["thanked_on"] else None,
    )


def _introduction(row: sqlite3.Row) -> Introduction:
    return Introduction(
        id=row["id"],
        contact_a=row["contact_a"],
        contact_b=row["contact_b"],
        date=date.fromisoformat(row["date"]),
        note=row["note"],
        outcome=row["outcome"],
        name_a=row["name_a"],
        name_b=row["name_b"],
        result=row["result"],
        asked_first=bool(row["asked_first"]),
    )
