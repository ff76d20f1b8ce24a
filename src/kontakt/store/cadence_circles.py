"""Whose circle's cadence applies to whom: `contacts.cadence_circle` (m019).

Someone without a cadence of their own keeps in touch at the tightest cadence of their
circles, and the daily review's circle prompt counts each such person for exactly one circle:
the first of theirs in the order (cadence length, position, name). `cadence_circle` holds that
circle's name (NULL for someone with their own cadence or in no circle with one), so the
review reads each circle's people from an index instead of joining ~40k people's memberships
with the circles on every `today` (store/review_queries.py circle_groups).

It depends on nothing but the person's own cadence, their memberships and the cadences,
positions and names of their circles: every write that changes one of those recomputes it for
the people concerned (Book._refresh_due, which each of them already calls for next_due; the
bulk writer; rename_circle); undo puts it back with the rest of the row; `kontakt doctor`
checks the whole book against `applying` below and --fix recomputes it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from .driver import sqlite3

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def nocase(name: str) -> str:
    """A circle name as SQLite's COLLATE NOCASE compares it: ASCII letters folded only."""
    return name.translate(_ASCII_LOWER)


def circle_order(conn: sqlite3.Connection) -> dict[str, tuple[int, str]]:
    """Every circle with a cadence, by its NOCASE name: (rank, name as stored), rank 0 first:
    shorter cadence first, then lower position, then name (the review's own order)."""
    from ..domain import CadenceError
    from .values import _cadence  # the domain's parser, cached

    days = []
    for name, text, stored in conn.execute(
            "SELECT name, cadence, CAST(name AS BLOB) FROM circles WHERE cadence IS NOT NULL "
            "ORDER BY position, name"):
        try:
            # A name that is not UTF-8 (written by another tool) reads as U+FFFD, which no
            # membership's bytes equal: the review's general path finds no member in it either.
            bytes(stored).decode("utf-8")
            days.append((_cadence(text).approx_days, name))
        except (CadenceError, UnicodeDecodeError):  # a cadence edited into nonsense, too
            continue
    ranked = sorted(days, key=lambda row: row[0])  # stable: ties keep SQL's order
    return {nocase(name): (rank, name) for rank, (_, name) in enumerate(ranked)}


def applying(order: Mapping[str, tuple[int, str]], own_cadence: str | None,
             circles: Iterable[str]) -> str | None:
    """The circle (its stored name) whose cadence is this person's: None when they have a
    cadence of their own or none of `circles` (their memberships) has one."""
    if own_cadence is not None:
        return None
    found = [order[key] for key in map(nocase, circles) if key in order]
    return min(found)[1] if found else None


def _computed(conn: sqlite3.Connection, ids: list[int] | None,
              order: Mapping[str, tuple[int, str]]) -> list[tuple[int, str | None, str | None]]:
    """(id, stored, computed) for these contacts (None: every contact)."""
    rows: list[tuple[int, str | None, str | None]] = []
    chunks = [None] if ids is None else [ids[i:i + 500] for i in range(0, len(ids), 500)]
    for chunk in chunks:
        where = "" if chunk is None else f" WHERE contact_id IN ({','.join('?' * len(chunk))})"
        member_of: dict[int, list[str]] = defaultdict(list)
        for contact_id, circle in conn.execute(
                f"SELECT contact_id, circle FROM memberships{where}", chunk or ()):
            member_of[contact_id].append(circle)
        where = "" if chunk is None else f" WHERE id IN ({','.join('?' * len(chunk))})"
        for contact_id, cadence, stored in conn.execute(
                f"SELECT id, cadence, cadence_circle FROM contacts{where}", chunk or ()):
            rows.append((contact_id, stored, applying(order, cadence, member_of.get(contact_id, ()))))
    return rows


def refresh(conn: sqlite3.Connection, contact_ids: Iterable[int] | None = None) -> int:
    """Recompute `cadence_circle` of these contacts (None: of everyone); returns how many
    changed. Rows already right are not written (no undo entry, no index change)."""
    ids = None if contact_ids is None else sorted(set(contact_ids))
    if ids == []:
        return 0
    changes = [(computed, contact_id)
               for contact_id, stored, computed in _computed(conn, ids, circle_order(conn))
               if stored != computed]
    conn.executemany("UPDATE contacts SET cadence_circle = ? WHERE id = ?", changes)
    return len(changes)


def stale(conn: sqlite3.Connection) -> list[tuple[int, str | None, str | None]]:
    """(id, stored, computed) of every contact whose stored `cadence_circle` is not what the
    rule gives: what `kontakt doctor` reports."""
    return [row for row in _computed(conn, None, circle_order(conn)) if row[1] != row[2]]
