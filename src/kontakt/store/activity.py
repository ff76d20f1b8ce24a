"""Interactions and follow-ups in the book: what happened with whom, and what is due next."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from ..domain import Cadence, FollowUp, Interaction, check_interaction_kind, check_reached_out
from ..domain.dates import parse_iso
from .driver import sqlite3
from .values import NotFound, _now, _text, _uid


class ActivityMixin:
    """The interaction and follow-up methods of `Book`."""

    # Provided by Book (store/book.py); `_require` and `_refresh_due` by ContactsMixin.
    conn: sqlite3.Connection
    if TYPE_CHECKING:
        def write(self, label: str | None = None, *, record: bool = True
                  ) -> contextlib.AbstractContextManager[sqlite3.Connection]: ...
        def mark_thanked(self, contact_id: int, *, on: date,
                         favour_id: int | None = None) -> list[int]: ...

    # ------------------------------------------------------------------ interactions

    def log_interaction(
        self,
        contact_ids: Sequence[int],
        *,
        on: date,
        kind: str = "other",
        note: str = "",
        today: date | None = None,
        reached_out: str | None = None,
        thanks: bool = False,
    ) -> int:
        """Record one interaction with one or many contacts (a group meeting); returns its id.

        Updates each contact's last contact and next due date in the same transaction.
        `reached_out`: who made the first move (me, them, mutual; None: not recorded).
        `thanks`: this was the thank-you, so each contact's favours received up to `on` count
        as thanked (the only thing that clears the review's thank prompt besides `done`).
        """
        kind = check_interaction_kind(kind)
        if reached_out is not None:
            reached_out = check_reached_out(reached_out)
        ids = list(dict.fromkeys(contact_ids))
        if not ids:
            raise ValueError("an interaction needs at least one contact")
        with self.write():
            for contact_id in ids:
                self._require(contact_id)
            cursor = self.conn.execute(
                "INSERT INTO interactions (uid, date, kind, note, created_at, reached_out, thanks) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (_uid(), on.isoformat(), kind, _text(note), _now(), reached_out, int(thanks)),
            )
            interaction_id = cursor.lastrowid
            self.conn.executemany(
                "INSERT INTO interaction_contacts (interaction_id, contact_id) VALUES (?, ?)",
                [(interaction_id, contact_id) for contact_id in ids],
            )
            self._refresh_due(ids, today or on)
            if thanks:
                for contact_id in ids:
                    self.mark_thanked(contact_id, on=on)
        return interaction_id

    def interactions_for(self, contact_id: int, *, limit: int | None = None) -> list[Interaction]:
        """The contact's interactions, newest first, each with everyone who took part."""
        sql = """SELECT i.*, (SELECT json_group_array(json_array(p.id, p.name)) FROM (
                                SELECT c.id, c.name FROM interaction_contacts x
                                  JOIN contacts c ON c.id = x.contact_id
                                 WHERE x.interaction_id = i.id AND c.deleted_at IS NULL
                                 ORDER BY c.sort_key, c.id) AS p) AS people
                   FROM interaction_contacts ic JOIN interactions i ON i.id = ic.interaction_id
                  WHERE ic.contact_id = ? ORDER BY i.date DESC, i.id DESC"""
        params: list[object] = [contact_id]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        result = []
        for row in self.conn.execute(sql, params):
            people = json.loads(row["people"])
            result.append(
                Interaction(
                    id=row["id"],
                    date=date.fromisoformat(row["date"]),
                    kind=row["kind"],
                    note=row["note"],
                    contact_ids=tuple(p[0] for p in people),
                    names=tuple(p[1] for p in people),
                    reached_out=row["reached_out"],
                    thanks=bool(row["thanks"]),
                )
            )
        return result

    # ------------------------------------------------------------------ follow-ups

    def add_follow_up(
        self,
        contact_id: int,
        *,
        due: date,
        note: str = "",
        recurrence: Cadence | None = None,
        anchor: date | None = None,
    ) -> int:
        """A reminder to get back to someone on `due`, optionally recurring; returns its id.

        `anchor` is the first due date of a recurring series, so a monthly follow-up on the
        31st comes back on the 31st whenever the month has one.
        """
        with self.write():
            self._require(contact_id)
            cursor = self.conn.execute(
                """INSERT INTO follow_ups (uid, contact_id, due, note, recurrence, anchor,
                       created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (_uid(), contact_id, due.isoformat(), _text(note),
                 str(recurrence) if recurrence else None,
                 anchor.isoformat() if anchor and recurrence else None, _now()),
            )
        return cursor.lastrowid

    def get_follow_up(self, follow_up_id: int) -> FollowUp:
        row = self.conn.execute(
            "SELECT * FROM follow_ups WHERE id = ? "
            "AND contact_id IN (SELECT id FROM contacts WHERE deleted_at IS NULL)",
            (follow_up_id,),
        ).fetchone()
        if row is None:
            raise NotFound(f"no follow-up #{follow_up_id}")
        return _follow_up(row)

    def follow_ups_for(self, contact_id: int, *, include_done: bool = True) -> list[FollowUp]:
        sql = "SELECT * FROM follow_ups WHERE contact_id = ?"
        if not include_done:
            sql += " AND status = 'open'"
        sql += " ORDER BY status = 'done', due, id"
        return [_follow_up(row) for row in self.conn.execute(sql, (contact_id,))]

    def first_follow_up_days(self, contact_ids: Iterable[int]) -> dict[int, date]:
        """The day each of these people's earliest open follow-up shows up (its due date, or
        later when snoozed: FollowUp.effective_due); people without one are left out."""
        ids = list(contact_ids)
        days: dict[int, date] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for contact_id, day in self.conn.execute(
                f"""SELECT contact_id, min(max(due, coalesce(snoozed_until, due))) FROM follow_ups
                     WHERE status = 'open' AND contact_id IN ({",".join("?" * len(chunk))})
                     GROUP BY contact_id""",
                chunk,
            ):
                with contextlib.suppress(TypeError, ValueError):  # a date another tool mangled
                    days[contact_id] = date.fromisoformat(day)
        return days

    def complete_follow_up(self, follow_up_id: int, *, on: date) -> int | None:
        """Mark a follow-up done; a recurring one gets its next occurrence, whose id is returned."""
        with self.write():
            follow_up = self.get_follow_up(follow_up_id)
            if follow_up.status != "open":
                raise NotFound(f"follow-up #{follow_up_id} is already done")
            self.conn.execute(
                "UPDATE follow_ups SET status = 'done', done_on = ? WHERE id = ?",
                (on.isoformat(), follow_up_id),
            )
            following = follow_up.next_occurrence(on)
            if following is None:
                return None
            return self.add_follow_up(
                follow_up.contact_id, due=following, note=follow_up.note,
                recurrence=follow_up.recurrence, anchor=follow_up.anchor or follow_up.due,
            )

    def snooze_follow_up(self, follow_up_id: int, *, until: date) -> None:
        with self.write():
            cursor = self.conn.execute(
                "UPDATE follow_ups SET snoozed_until = ? WHERE id = ? AND status = 'open' "
                "AND contact_id IN (SELECT id FROM contacts WHERE deleted_at IS NULL)",
                (until.isoformat(), follow_up_id),
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no open follow-up #{follow_up_id}")


def _follow_up(row: sqlite3.Row) -> FollowUp:
    return FollowUp(
        id=row["id"],
        contact_id=row["contact_id"],
        due=date.fromisoformat(row["due"]),
        note=row["note"],
        recurrence=Cadence.parse(row["recurrence"]) if row["recurrence"] else None,
        status=row["status"],
        snoozed_until=parse_iso(row["snoozed_until"]),
        done_on=parse_iso(row["done_on"]),
        anchor=parse_iso(row["anchor"]),
    )
