"""The SQL behind the network statistics: aggregates grouped in SQLite, never a loop per contact.

Every figure is bounded by a date range on an index (interactions_by_date) or grouped by
circle through memberships_by_circle, so the statistics stay quick on a book of 10k contacts.
Contacts in the trash never count; archived contacts count for what happened (rhythm) but not
for who is shown (balance leaders, drift, circle members). Dates are ISO text throughout,
so comparing them as strings orders them as days.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from ..domain.ledger import INTRODUCTION_WEIGHT
from .book import Book, NotFound

_ACTIVE = "c.archived = 0 AND c.deleted_at IS NULL"
# Checked against the (small) set of trashed ids, built once per query: twice as fast as
# looking up every participant's row when a query walks a year of interactions.
_NOT_TRASHED = "{} NOT IN (SELECT id FROM contacts WHERE deleted_at IS NOT NULL)"


# Interactions whose people are all in the trash, driven from the (small) trash: the CROSS
# JOINs keep SQLite from starting at the interactions instead.
_TRASH_ONLY = """SELECT i.date, count(DISTINCT i.id)
                   FROM contacts t
                  CROSS JOIN interaction_contacts ic ON ic.contact_id = t.id
                  CROSS JOIN interactions i ON i.id = ic.interaction_id
                  WHERE t.deleted_at IS NOT NULL AND i.date BETWEEN :start AND :end
                    AND NOT EXISTS (SELECT 1 FROM interaction_contacts v
                                      JOIN contacts vc ON vc.id = v.contact_id
                                     WHERE v.interaction_id = i.id AND vc.deleted_at IS NULL)
                  GROUP BY i.date"""


def _in_circle(column: str, circle: str | None) -> str:
    if circle is None:
        return ""
    return f" AND {column} IN (SELECT contact_id FROM memberships WHERE circle = :circle)"


@contextmanager
def snapshot(book: Book) -> Iterator[None]:
    """One read transaction around all the queries, so the figures add up even when another
    process logs a call meanwhile (WAL: readers never block the writer). Inside a transaction
    already, that one is the snapshot."""
    if book.conn.in_transaction:
        yield
        return
    book.conn.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        if book.conn.in_transaction:
            book.conn.execute("ROLLBACK")  # nothing was written: just end the read


@dataclass(frozen=True)
class HistoryRow:
    """Someone no cadence applies to (none of their own or a circle's, not let drift)."""

    contact_id: int
    name: str
    days: tuple[date, ...]  # their latest distinct interaction days, newest first


def uncadenced_histories(
    book: Book, as_of: date, per_contact: int, at_least: int, circle: str | None = None
) -> list[HistoryRow]:
    """Active contacts with no cadence at all and at least `at_least` distinct interaction
    days on or before `as_of`: their latest `per_contact` days, newest first (one query)."""
    rows = book.conn.execute(
        f"""SELECT contact_id, name, group_concat(date, ',') FROM (
                SELECT ic.contact_id, c.name, i.date,
                       row_number() OVER (PARTITION BY ic.contact_id ORDER BY i.date DESC) AS n,
                       count(*) OVER (PARTITION BY ic.contact_id) AS total
                  FROM contacts c
                  JOIN interaction_contacts ic ON ic.contact_id = c.id
                  JOIN interactions i ON i.id = ic.interaction_id
                 WHERE c.next_due IS NULL AND {_ACTIVE} AND i.date <= :as_of
                   AND NOT EXISTS (SELECT 1 FROM review_state s
                                    WHERE s.kind = 'let-drift' AND s.ref_id = c.id)
                       {_in_circle('c.id', circle)}
                 GROUP BY ic.contact_id, i.date
                 ORDER BY ic.contact_id, i.date DESC)
             WHERE n <= :per_contact AND total >= :at_least
             GROUP BY contact_id ORDER BY contact_id""",
        {"as_of": as_of.isoformat(), "per_contact": per_contact, "at_least": at_least,
         "circle": circle},
    )
    return [
        HistoryRow(row[0], row[1], tuple(sorted((date.fromisoformat(d) for d in row[2].split(",")),
                                                reverse=True)))
        for row in rows
    ]


def circle_member_ids(book: Book, circle: str) -> set[int]:
    """Ids of the circle's members (memberships_by_circle)."""
    rows = book.conn.execute("SELECT contact_id FROM memberships WHERE circle = ?", (circle,))
    return {row[0] for row in rows}


# ---------------------------------------------------------------------- circles


@dataclass(frozen=True)
class CircleRow:
    name: str
    cadence: str | None


def circles(book: Book, circle: str | None = None) -> list[CircleRow]:
    """Every circle (or just `circle`), closest first; raises NotFound for an unknown circle."""
    rows = book.conn.execute(
        "SELECT name, cadence FROM circles ORDER BY position, name"
    ).fetchall()
    found = [CircleRow(row["name"], row["cadence"]) for row in rows]
    if circle is None:
        return found
    wanted = circle.strip().lstrip("#").casefold()
    chosen = [c for c in found if c.name.casefold() == wanted]
    if not chosen:
        known = ", ".join(c.name for c in found) or "none yet"
        raise NotFound(f"no circle named {circle.strip()!r} (circles: {known})")
    return chosen


# ---------------------------------------------------------------------- rhythm


def interactions_per_day(book: Book, start: date, end: date) -> dict[date, int]:
    """Interactions on each day from `start` to `end` (inclusive); a group meeting counts once,
    and one with only people in the trash not at all."""
    params = {"start": start.isoformat(), "end": end.isoformat()}
    # Counting on the covering date index and subtracting the trash-only ones is ~20x faster
    # than checking every interaction for a visible participant.
    counts = {
        day: count for day, count in book.conn.execute(
            "SELECT date, count(*) FROM interactions WHERE date BETWEEN :start AND :end GROUP BY date",
            params,
        )
    }
    for day, hidden in book.conn.execute(_TRASH_ONLY, params):
        counts[day] -= hidden
    return {date.fromisoformat(day): count for day, count in counts.items() if count}


def circle_interactions_per_day(
    book: Book, start: date, end: date, circle: str | None = None
) -> dict[str, dict[date, int]]:
    """Per circle, interactions with at least one of its members on each day; an interaction
    with three members of a circle counts once for that circle."""
    where = " AND m.circle = :circle" if circle is not None else ""
    rows = book.conn.execute(
        f"""SELECT m.circle, i.date, count(DISTINCT i.id)
              FROM interactions i
              JOIN interaction_contacts ic ON ic.interaction_id = i.id
              JOIN memberships m ON m.contact_id = ic.contact_id
             WHERE i.date BETWEEN :start AND :end AND {_NOT_TRASHED.format('ic.contact_id')}{where}
             GROUP BY m.circle, i.date""",
        {"start": start.isoformat(), "end": end.isoformat(), "circle": circle},
    )
    result: dict[str, dict[date, int]] = {}
    for name, day, count in rows:
        result.setdefault(name.casefold(), {})[date.fromisoformat(day)] = count
    return result


# ---------------------------------------------------------------------- balance

# Introductions between two people not in the trash (one with a trashed person is hidden
# with them, here as in the introduction counts).
_VISIBLE_INTRODUCTIONS = """
    SELECT i.* FROM introductions i
      JOIN contacts ia ON ia.id = i.contact_a JOIN contacts ib ON ib.id = i.contact_b
     WHERE i.date BETWEEN :start AND :end AND ia.deleted_at IS NULL AND ib.deleted_at IS NULL
"""

# The ledger as rows of (contact, date, given weight, received weight, open?): favours, and
# introductions as a small favour given to each of the two people (as Book.balances counts).
_LEDGER = f"""
    SELECT contact_id, date,
           CASE direction WHEN 'given' THEN weight ELSE 0 END AS given,
           CASE direction WHEN 'received' THEN weight ELSE 0 END AS received,
           status = 'open' AS still_open
      FROM favours WHERE date BETWEEN :start AND :end
    UNION ALL
    SELECT contact_a, date, {INTRODUCTION_WEIGHT}, 0, 1 FROM ({_VISIBLE_INTRODUCTIONS})
    UNION ALL
    SELECT contact_b, date, {INTRODUCTION_WEIGHT}, 0, 1 FROM ({_VISIBLE_INTRODUCTIONS})
"""


def favour_weight_per_month(
    book: Book, start: date, end: date, circle: str | None = None
) -> dict[str, tuple[int, int]]:
    """'YYYY-MM' → (weight given, weight received), every status, introductions included."""
    rows = book.conn.execute(
        f"""SELECT substr(l.date, 1, 7) AS month, sum(l.given), sum(l.received)
              FROM ({_LEDGER}) l JOIN contacts c ON c.id = l.contact_id
             WHERE c.deleted_at IS NULL{_in_circle('l.contact_id', circle)}
             GROUP BY month""",
        {"start": start.isoformat(), "end": end.isoformat(), "circle": circle},
    )
    return {month: (given, received) for month, given, received in rows}


def favour_weight_per_circle(
    book: Book, start: date, end: date, circle: str | None = None
) -> dict[str, tuple[int, int]]:
    """Circle (case-folded) → (weight given, weight received) with its members."""
    where = " AND m.circle = :circle" if circle is not None else ""
    rows = book.conn.execute(
        f"""SELECT m.circle, sum(l.given), sum(l.received)
              FROM ({_LEDGER}) l
              JOIN contacts c ON c.id = l.contact_id
              JOIN memberships m ON m.contact_id = l.contact_id
             WHERE c.deleted_at IS NULL{where}
             GROUP BY m.circle""",
        {"start": start.isoformat(), "end": end.isoformat(), "circle": circle},
    )
    return {name.casefold(): (given, received) for name, given, received in rows}


@dataclass(frozen=True)
class LeaderRow:
    contact_id: int
    name: str
    nickname: str
    given: int
    received: int


def open_balance_leaders(
    book: Book, start: date, end: date, *, gave_more: bool, limit: int, circle: str | None = None
) -> list[LeaderRow]:
    """Active contacts with the largest open imbalance: `gave_more` ranks those you gave most
    to without return, otherwise those you received most from without giving back.

    Only open favours count (returned or let-go ones are settled); introductions count as given.
    """
    net = "sum(l.given) - sum(l.received)"
    having, order = (f"{net} > 0", f"{net} DESC") if gave_more else (f"{net} < 0", f"{net} ASC")
    rows = book.conn.execute(
        f"""SELECT c.id, c.name, c.nickname, sum(l.given) AS given, sum(l.received) AS received
              FROM ({_LEDGER}) l JOIN contacts c ON c.id = l.contact_id
             WHERE l.still_open AND {_ACTIVE}{_in_circle('c.id', circle)}
             GROUP BY c.id HAVING {having}
             ORDER BY {order}, c.sort_key, c.id LIMIT :limit""",
        {"start": start.isoformat(), "end": end.isoformat(), "circle": circle, "limit": limit},
    )
    return [LeaderRow(row[0], row[1], row[2], row[3], row[4]) for row in rows]


# ---------------------------------------------------------------------- drift


@dataclass(frozen=True)
class CadenceRow:
    """An active contact with an effective cadence (own or inherited from a circle)."""

    contact_id: int
    name: str
    cadence: str | None  # the contact's own cadence text; None when inherited
    tags: str  # JSON list of circles, to find the inherited cadence
    created_at: str
    last_contact: date | None  # as stored: the latest interaction, whatever `as_of` is


def contacts_with_cadence(
    book: Book, circle: str | None = None, *, seen_after: date | None = None
) -> list[CadenceRow]:
    """Active contacts that have a cadence: exactly those with a materialised next_due
    (contacts_by_next_due is a partial index over them); with `seen_after`, only those whose
    last contact is later than that day."""
    later = " AND c.last_contact > :seen_after" if seen_after is not None else ""
    rows = book.conn.execute(
        f"""SELECT c.id, c.name, c.cadence, c.tags, c.created_at, c.last_contact
              FROM contacts c
             WHERE c.next_due IS NOT NULL AND {_ACTIVE}{_in_circle('c.id', circle)}{later}
             ORDER BY c.id""",
        {"circle": circle, "seen_after": seen_after.isoformat() if seen_after else None},
    )
    return [
        CadenceRow(
            row[0], row[1], row[2], row[3], row[4], date.fromisoformat(row[5]) if row[5] else None
        )
        for row in rows
    ]


def recent_interaction_days(
    book: Book, as_of: date, per_contact: int, circle: str | None = None
) -> dict[int, list[date]]:
    """For every active contact with a cadence, their latest `per_contact` distinct days with
    an interaction on or before `as_of`, newest first — one query, ranked by a window function."""
    # Window functions run after GROUP BY, so one level both dedupes the days and ranks them.
    rows = book.conn.execute(
        f"""SELECT contact_id, date FROM (
                SELECT ic.contact_id, i.date,
                       row_number() OVER (PARTITION BY ic.contact_id ORDER BY i.date DESC) AS n
                  FROM contacts c
                  JOIN interaction_contacts ic ON ic.contact_id = c.id
                  JOIN interactions i ON i.id = ic.interaction_id
                 WHERE c.next_due IS NOT NULL AND {_ACTIVE} AND i.date <= :as_of
                       {_in_circle('c.id', circle)}
                 GROUP BY ic.contact_id, i.date)
             WHERE n <= :per_contact
             ORDER BY contact_id, date DESC""",
        {"as_of": as_of.isoformat(), "per_contact": per_contact, "circle": circle},
    )
    result: dict[int, list[date]] = {}
    for contact_id, day in rows:
        result.setdefault(contact_id, []).append(date.fromisoformat(day))
    return result


# ---------------------------------------------------------------------- circles


@dataclass(frozen=True)
class CircleCounts:
    members: int  # active members
    with_cadence: int  # of them, how many have an effective cadence
    # Of those, how many are not due by `as_of`, judged from the materialised next_due;
    # only for members whose last contact is on or before `as_of` (the caller judges the rest).
    in_touch: int


def circle_member_counts(book: Book, as_of: date, circle: str | None = None) -> dict[str, CircleCounts]:
    """Circle (case-folded) → active members, members with a cadence, and members in touch."""
    where = " AND m.circle = :circle" if circle is not None else ""
    rows = book.conn.execute(
        f"""SELECT m.circle, count(*),
                   sum(c.next_due IS NOT NULL),
                   sum(c.next_due > :as_of AND (c.last_contact IS NULL OR c.last_contact <= :as_of))
              FROM memberships m JOIN contacts c ON c.id = m.contact_id
             WHERE {_ACTIVE}{where}
             GROUP BY m.circle""",
        {"as_of": as_of.isoformat(), "circle": circle},
    )
    return {
        name.casefold(): CircleCounts(members, with_cadence or 0, in_touch or 0)
        for name, members, with_cadence, in_touch in rows
    }


def last_group_meetings(
    book: Book, as_of: date, circle: str | None = None
) -> dict[str, tuple[date, int]]:
    """Circle (case-folded) → (day, how many members took part) of its latest interaction on or
    before `as_of` with at least two of its members present."""
    where = " AND m.circle = :circle" if circle is not None else ""
    # SQLite's bare columns: with max(), `present` comes from the row holding the maximum.
    # Starting from the interactions with two or more people (a scan of the covering primary
    # key) skips the one-to-one calls that make up most of a book: ~40% faster on 10k contacts.
    rows = book.conn.execute(
        f"""SELECT circle, max(day), present FROM (
                SELECT m.circle AS circle, i.date AS day, count(*) AS present
                  FROM (SELECT interaction_id FROM interaction_contacts
                         GROUP BY interaction_id HAVING count(*) >= 2) g
                 CROSS JOIN interactions i ON i.id = g.interaction_id
                  JOIN interaction_contacts ic ON ic.interaction_id = i.id
                  JOIN memberships m ON m.contact_id = ic.contact_id
                 WHERE i.date <= :as_of AND {_NOT_TRASHED.format('ic.contact_id')}{where}
                 GROUP BY m.circle, i.id HAVING count(*) >= 2
            ) GROUP BY circle""",
        {"as_of": as_of.isoformat(), "circle": circle},
    )
    return {name.casefold(): (date.fromisoformat(day), present) for name, day, present in rows}


# ---------------------------------------------------------------------- introductions


@dataclass(frozen=True)
class IntroductionCounts:
    made: int
    with_outcome: int  # answered (worked, fizzled or unknown) by `as_of`
    made_since: int  # made on or after the window's start
    worked: int = 0  # answered "worked": the only success
    fizzled: int = 0


@dataclass(frozen=True)
class OutcomeRow:
    introduction_id: int
    date: date
    contact_a: int
    name_a: str
    contact_b: int
    name_b: str
    outcome: str
    result: str | None = None


def _intro_filter(circle: str | None) -> str:
    if circle is None:
        return ""
    return (" AND (i.contact_a IN (SELECT contact_id FROM memberships WHERE circle = :circle)"
            " OR i.contact_b IN (SELECT contact_id FROM memberships WHERE circle = :circle))")


# An answer counts from the day it was given; one given without a day counts always.
_ANSWERED_BY = "(i.outcome_on IS NULL OR i.outcome_on <= :as_of)"
_HAS_OUTCOME = f"i.result IS NOT NULL AND {_ANSWERED_BY}"


def introduction_counts(
    book: Book, start: date, as_of: date, circle: str | None = None
) -> IntroductionCounts:
    """Introductions made up to `as_of` between people not in the trash, how many have an
    outcome noted by then, and how many were made since `start`."""
    row = book.conn.execute(
        f"""SELECT count(*), coalesce(sum({_HAS_OUTCOME}), 0), coalesce(sum(i.date >= :start), 0),
                   coalesce(sum(i.result = 'worked' AND {_ANSWERED_BY}), 0),
                   coalesce(sum(i.result = 'fizzled' AND {_ANSWERED_BY}), 0)
              FROM introductions i
              JOIN contacts a ON a.id = i.contact_a JOIN contacts b ON b.id = i.contact_b
             WHERE i.date <= :as_of AND a.deleted_at IS NULL AND b.deleted_at IS NULL
                   {_intro_filter(circle)}""",
        {"start": start.isoformat(), "as_of": as_of.isoformat(), "circle": circle},
    ).fetchone()
    return IntroductionCounts(row[0], row[1], row[2], row[3], row[4])


def recent_outcomes(
    book: Book, as_of: date, *, limit: int, circle: str | None = None
) -> list[OutcomeRow]:
    """The latest introductions with an outcome noted by `as_of`, newest first."""
    rows = book.conn.execute(
        f"""SELECT i.id, i.date, i.contact_a, a.name, i.contact_b, b.name, i.outcome, i.result
              FROM introductions i
              JOIN contacts a ON a.id = i.contact_a JOIN contacts b ON b.id = i.contact_b
             WHERE i.date <= :as_of AND {_HAS_OUTCOME}
                   AND a.deleted_at IS NULL AND b.deleted_at IS NULL{_intro_filter(circle)}
             ORDER BY i.date DESC, i.id DESC LIMIT :limit""",
        {"as_of": as_of.isoformat(), "circle": circle, "limit": limit},
    )
    return [
        OutcomeRow(row[0], date.fromisoformat(row[1]), row[2], row[3], row[4], row[5], row[6],
                   row[7])
        for row in rows
    ]


# ---------------------------------------------------------------------- who reaches out


@dataclass(frozen=True)
class ReachRow:
    contact_id: int
    name: str
    nickname: str
    me: int  # interactions in the window where you reached out
    them: int  # ... where they did
    mutual: int


def reach_out_counts(
    book: Book, start: date, as_of: date, at_least: int, circle: str | None = None
) -> list[ReachRow]:
    """Active contacts with at least `at_least` interactions between `start` and `as_of`
    whose first move was recorded (me, them, mutual), with how many went each way."""
    rows = book.conn.execute(
        f"""SELECT c.id, c.name, c.nickname, sum(i.reached_out = 'me'), sum(i.reached_out = 'them'),
                   sum(i.reached_out = 'mutual')
              FROM interactions i JOIN interaction_contacts ic ON ic.interaction_id = i.id
              JOIN contacts c ON c.id = ic.contact_id
             WHERE i.reached_out IS NOT NULL AND i.date BETWEEN :start AND :as_of
               AND {_ACTIVE}{_in_circle('c.id', circle)}
             GROUP BY c.id HAVING count(*) >= :at_least
             ORDER BY count(*) DESC, c.sort_key, c.id""",
        {"start": start.isoformat(), "as_of": as_of.isoformat(), "at_least": at_least,
         "circle": circle},
    )
    return [ReachRow(*row) for row in rows]
