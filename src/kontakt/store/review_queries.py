"""The SQL behind the daily review: one indexed query per item kind, and the review's own state.

Every query here is bounded by an index (see m001/m002): the review must stay fast on a book
of 100k contacts and 1M interactions, so nothing loops over all contacts in Python. Each kind
has a `*_due` function returning at most `limit` rows in rank order and a count of all of them.
"""

from __future__ import annotations

import json

from .driver import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from ..domain.dates import parse_iso
from .book import Book
from .migrations import DUE_SPAN

# Contacts in no circle sort after every circle on ties.
FAR = 1_000_000_000

# Lower circle position is closer; a contact's closeness is its closest circle.
_CLOSENESS = f"""coalesce((SELECT min(ci.position) FROM memberships m
                             JOIN circles ci ON ci.name = m.circle
                            WHERE m.contact_id = c.id), {FAR})"""

_ACTIVE = "c.archived = 0 AND c.deleted_at IS NULL"


def _quiet(kind: str, ref: str) -> str:
    """SQL that is true when the item was snoozed past :as_of or skipped on :as_of."""
    return f"""NOT EXISTS (SELECT 1 FROM review_state s
                           WHERE s.kind = '{kind}' AND s.ref_id = {ref}
                             AND (s.snoozed_until > :as_of OR s.skipped_on = :as_of))"""


def _quiet_set(kind: str, ref: str) -> str:
    """`_quiet` for a query that asks it of many rows: the day's quiet items are looked up
    once (a small list) instead of one review_state search per row."""
    return f"""{ref} NOT IN (SELECT s.ref_id FROM review_state s
                         WHERE s.kind = '{kind}' AND (s.snoozed_until > :as_of OR s.skipped_on = :as_of))"""


def _indexed(index: str, contact_id: int | None) -> str:
    """Walk `index` for the whole review; for one contact let the planner use its id."""
    return f"INDEXED BY {index}" if contact_id is None else ""


def _contact_filter(column: str, contact_id: int | None) -> str:
    return f" AND {column} = :contact_id" if contact_id is not None else ""


# The rows the queries return are NamedTuples: `today --brief` imports this module in every
# new shell, and a frozen dataclass costs ~0.6 ms to define, a NamedTuple ~0.15.
class KeepInTouchRow(NamedTuple):
    contact_id: int
    name: str
    closeness: int
    next_due: date
    last_contact: date | None
    score: float  # days overdue divided by the cadence's length in days
    cadence: str | None  # the contact's own cadence text; None when inherited
    tags: str  # JSON list, to find an inherited cadence


class FollowUpRow(NamedTuple):
    follow_up_id: int
    uid: str
    contact_id: int
    name: str
    closeness: int
    due: date
    snoozed_until: date | None
    note: str
    recurrence: str | None


class BirthdayRow(NamedTuple):
    contact_id: int
    name: str
    closeness: int
    birthday: str  # 'YYYY-MM-DD' or '--MM-DD'


class ThankRow(NamedTuple):
    favour_id: int
    contact_id: int
    name: str
    closeness: int
    date: date
    description: str
    weight: int


class IntroRow(NamedTuple):
    introduction_id: int
    contact_id: int
    name: str
    other_id: int
    other_name: str
    closeness: int
    date: date
    note: str


@dataclass(frozen=True)
class ReviewState:
    """One row of review_state; None fields are unset."""

    kind: str
    ref_id: int
    contact_id: int
    snoozed_until: date | None = None
    skipped_on: date | None = None
    offered_on: date | None = None


def _limit(limit: int | None) -> str:
    return " LIMIT :limit" if limit is not None else ""


def _count(book: Book, body: str, params: dict) -> int:
    return _run(book, f"SELECT count(*) {body}", params)[0][0]


# With `explain` set, queries record their plans instead of returning rows (see query_plans).
_explain: list[str] | None = None


def _run(book: Book, sql: str, params) -> list[sqlite3.Row]:
    if _explain is not None:
        plan = book.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
        _explain.append("\n".join(row["detail"] for row in plan))
    return book.conn.execute(sql, params).fetchall()


def _ranked(
    book: Book, *, columns: str, body: str, params: dict, key: str, descending: bool,
    tie_breaks: str, limit: int | None, id_column: str, hint: str = "",
) -> list[sqlite3.Row]:
    """The first `limit` rows of `body` ordered by `key`, then by `tie_breaks` (closeness).

    Closeness is a subquery per row; computing it for every due row would cost more than
    the rest of the review. So first rank by `key` alone along the index (`hint`), keeping
    a few rows spare to see where the ties at the limit end; then compute closeness only for
    those rows, looked up by id. If the ties run on past the spare rows, walk again with
    the limit's key as a bound instead.
    """
    direction = "DESC" if descending else ""
    order = f"ORDER BY {key} {direction}, {tie_breaks}"
    if limit is None:
        return _run(book, f"SELECT {columns} {body} {order}", params)
    wanted = limit + _SPARE
    ranked = _run(
        book, f"SELECT {id_column}, {key} {body} ORDER BY {key} {direction} LIMIT :wanted",
        {**params, "wanted": wanted},
    )
    if len(ranked) >= limit:
        edge = ranked[limit - 1][1]
        if len(ranked) == wanted and ranked[-1][1] == edge:
            bound = ">=" if descending else "<="
            return _run(
                book, f"SELECT {columns} {body} AND {key} {bound} :edge {order} LIMIT :limit",
                {**params, "edge": edge, "limit": limit},
            )
        ranked = [row for row in ranked if (row[1] >= edge if descending else row[1] <= edge)]
    ids = {f"id{i}": row[0] for i, row in enumerate(ranked)}
    if not ids:
        return []
    marks = ", ".join(f":{name}" for name in ids)
    # These rows passed the filters already; only their tables are needed, looked up by id
    # (with the filters and the index hint, the planner would walk an index again).
    tables = body.split(" WHERE ", 1)[0].replace(hint, "")
    return _run(
        book, f"SELECT {columns} {tables} WHERE {id_column} IN ({marks}) {order} LIMIT :limit",
        {**params, **ids, "limit": limit},
    )


# Rows ranked beyond the limit to see where ties at the limit end.
_SPARE = 32
# SQLite joins at most 500 SELECTs with UNION ALL: the cadence lengths and circles are asked
# about in groups of these.
_SPANS_PER_QUERY = 100
_CIRCLES_PER_QUERY = 200


# ---------------------------------------------------------------------- keep-in-touch

# How late relative to the cadence: the cadence's length is next_due minus the day it
# counts from (last contact, else the day the contact was added), exactly as materialised.
_OVERDUE_RATIO = """(:as_of_day - julianday(c.next_due))
    / max(1.0, julianday(c.next_due)
               - julianday(coalesce(c.last_contact, substr(c.created_at, 1, 10))))"""


def _julian_day(day: date) -> float:
    """What SQLite's julianday() gives for `day`, computed once instead of once per row."""
    return day.toordinal() + 1721424.5


def has_cadence_circles(book: Book) -> bool:
    """True when the book stores each person's applying circle and has the indexes over it
    (m019); a book opened read-only before its upgrade has not."""
    return book.conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
        "AND name IN ('contacts_by_cadence_circle', 'contacts_by_due_span')"
    ).fetchone()[0] == 2


def _best_index(book: Book, covering: str, plain: str) -> str:
    """The covering index m002 adds, or the plain one in a book made by an early build of
    m002 that lacked it (same rows, only slower)."""
    found = book.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (covering,)
    ).fetchone()
    return covering if found else plain


def keep_in_touch_due(
    book: Book, as_of: date, *, limit: int | None, contact_id: int | None = None, count: bool = True,
    leave_out: Sequence[str] = (),
) -> tuple[list[KeepInTouchRow], int]:
    """Contacts whose next_due is on or before `as_of`, most overdue (relative to their
    cadence) first, closer circles first on ties; and how many there are in all.

    With `leave_out` (circle names; only in a book with m019, see has_cadence_circles) and a
    limit, the rows leave out the people those circles' prompts stand for: due, not quiet,
    that circle's cadence theirs (`cadence_circle`). The total counts them in all the same.

    Walks the due range of the partial index contacts_by_overdue only; with a limit in a book
    with m019, a few rows per cadence length of contacts_by_due_span.
    """
    # INDEXED BY: without statistics the planner prefers contacts_by_name (archived = 0),
    # which walks every active contact. contacts_by_overdue (m002) is contacts_by_next_due
    # plus what the ratio needs, so ranking the due range never reads the table.
    hint = _indexed(_best_index(book, "contacts_by_overdue", "contacts_by_next_due"), contact_id)
    body = f"""FROM contacts c {hint}
               WHERE c.next_due IS NOT NULL AND {_ACTIVE} AND c.next_due <= :as_of
                 AND {_quiet_set('keep-in-touch', 'c.id')}{_contact_filter('c.id', contact_id)}"""
    params = {"as_of": as_of.isoformat(), "as_of_day": _julian_day(as_of),
              "contact_id": contact_id}
    columns = f"""c.id, c.name, c.next_due, c.last_contact, c.cadence, c.tags,
                  {_OVERDUE_RATIO} AS score, {_CLOSENESS} AS closeness"""
    if leave_out and not has_cadence_circles(book):
        raise ValueError("leave_out needs m019's cadence_circle (has_cadence_circles)")
    if limit is not None and contact_id is None and has_cadence_circles(book):
        rows = _keep_in_touch_by_span(book, columns, params, limit, leave_out)
    else:
        rows = _ranked(
            book, columns=columns, body=body, params=params, key=_OVERDUE_RATIO, descending=True,
            tie_breaks="closeness, c.sort_key, c.id", limit=limit, id_column="c.id", hint=hint,
        )
    result = [
        KeepInTouchRow(
            contact_id=row["id"], name=row["name"], closeness=row["closeness"],
            next_due=date.fromisoformat(row["next_due"]),
            last_contact=parse_iso(row["last_contact"]), score=row["score"],
            cadence=row["cadence"], tags=row["tags"],
        )
        for row in rows
    ]
    total = len(result) if limit is None or not count else _count(book, body, params)
    return result, total


# What the overdue ratio divides by (see _OVERDUE_RATIO): m019's contacts_by_due_span is on
# this expression, written as the index has it so that SQLite reads it from the index.
_DUE_SPAN = DUE_SPAN.replace("next_due", "c.next_due").replace(
    "last_contact", "c.last_contact").replace("created_at", "c.created_at")
_DUE = f"c.next_due IS NOT NULL AND {_ACTIVE}"
# Cadence lengths are few (16 at 100k people); each step of this walk is one index seek.
_SPANS = f"""WITH RECURSIVE spans(span) AS (
        SELECT min({_DUE_SPAN}) FROM contacts c INDEXED BY contacts_by_due_span WHERE {_DUE}
        UNION ALL
        SELECT (SELECT min({_DUE_SPAN}) FROM contacts c INDEXED BY contacts_by_due_span
                 WHERE {_DUE} AND {_DUE_SPAN} > spans.span)
          FROM spans WHERE span IS NOT NULL)
    SELECT span FROM spans WHERE span IS NOT NULL"""


def _keep_in_touch_by_span(
    book: Book, columns: str, params: dict, limit: int, leave_out: Sequence[str],
) -> list[sqlite3.Row]:
    """The first `limit` rows of the keep-in-touch ranking, read per cadence length.

    Among people whose cadence has the same length in days, the earliest due is the most
    overdue, and those due the same day are equally overdue. So the `limit` most overdue of
    all are among the first `limit` + spare of each length in due order (contacts_by_due_span);
    only where a length's rows run out at exactly the limit's ratio can more tie there, and
    those share that row's due day: they are read too. Closeness (a subquery per row) is
    then computed only for the rows that can still make the page, as `_ranked` does.
    """
    spans = [row[0] for row in _run(book, _SPANS, {})]
    names = {f"leave{i}": name for i, name in enumerate(leave_out)}
    members = (f" AND (c.cadence_circle IS NULL OR c.cadence_circle NOT IN "
               f"({', '.join(':' + key for key in names)}))" if names else "")
    where = (f"{_DUE_SPAN} = :span{{i}} AND {_DUE} AND c.next_due <= :as_of"
             f" AND {_quiet_set('keep-in-touch', 'c.id')}{members}")
    wanted = limit + _SPARE
    base = {**params, **names, "wanted": wanted}
    found: list[tuple[float, int, int]] = []  # (score, id, span's index): numbers only
    for start in range(0, len(spans), _SPANS_PER_QUERY):
        chunk = spans[start:start + _SPANS_PER_QUERY]
        sql = " UNION ALL ".join(
            f"""SELECT * FROM (SELECT {_OVERDUE_RATIO}, c.id, {start + i}
                                 FROM contacts c INDEXED BY contacts_by_due_span
                                WHERE {where.format(i=i)} ORDER BY c.next_due LIMIT :wanted)"""
            for i in range(len(chunk)))
        found += _run(book, sql, {**base, **{f"span{i}": span for i, span in enumerate(chunk)}})
    if len(found) >= limit:
        edge = sorted((row[0] for row in found), reverse=True)[limit - 1]
        seen = {row[1] for row in found}
        per_span: dict[int, list] = {}
        for row in found:
            per_span.setdefault(row[2], []).append(row)
        for index, rows in per_span.items():
            last = rows[-1]
            if len(rows) == wanted and last[0] == edge:  # more may tie on that day
                more = _run(
                    book,
                    f"""SELECT {_OVERDUE_RATIO}, c.id, {index}
                          FROM contacts c INDEXED BY contacts_by_due_span
                         WHERE {where.format(i=0)}
                           AND c.next_due = (SELECT next_due FROM contacts WHERE id = :last)""",
                    {**base, "span0": spans[index], "last": last[1]},
                )
                found += [row for row in more if row[1] not in seen]
        found = [row for row in found if row[0] >= edge]
    if not found:
        return []
    return _run(
        book,
        f"""SELECT {columns} FROM contacts c
             WHERE c.id IN (SELECT value FROM json_each(:ids))
             ORDER BY score DESC, closeness, c.sort_key, c.id LIMIT :limit""",
        {**params, "ids": json.dumps([row[1] for row in found]), "limit": limit},
    )


def query_plans(book: Book, run) -> str:
    """EXPLAIN QUERY PLAN of every query that `run()` makes, so a test can check the indexes."""
    global _explain
    _explain = []
    try:
        run()
        return "\n".join(_explain)
    finally:
        _explain = None


def recent_interaction_dates(book: Book, contact_id: int, count: int) -> list[date]:
    """The latest `count` distinct days with an interaction, newest first (indexed per contact)."""
    rows = book.conn.execute(
        """SELECT DISTINCT i.date FROM interaction_contacts ic
             JOIN interactions i ON i.id = ic.interaction_id
            WHERE ic.contact_id = ? ORDER BY i.date DESC LIMIT ?""",
        (contact_id, count),
    ).fetchall()
    return [date.fromisoformat(row[0]) for row in rows]


def circle_cadences(book: Book) -> dict[str, str]:
    """Circle name (case-folded) → cadence text, for circles that have one."""
    rows = book.conn.execute("SELECT name, cadence FROM circles WHERE cadence IS NOT NULL")
    return {row["name"].casefold(): row["cadence"] for row in rows}


# ---------------------------------------------------------------------- follow-ups

def follow_ups_due(
    book: Book, as_of: date, *, limit: int | None, contact_id: int | None = None, count: bool = True,
) -> tuple[list[FollowUpRow], int]:
    """Open follow-ups due on or before `as_of` and not snoozed past it, oldest first
    (follow_ups_open_by_due)."""
    index = _best_index(book, "follow_ups_open_by_due_contact", "follow_ups_open_by_due")
    hint = _indexed(index, contact_id)
    body = f"""FROM follow_ups f {hint}
                 JOIN contacts c ON c.id = f.contact_id
               WHERE f.status = 'open' AND f.due <= :as_of AND {_ACTIVE}
                 AND (f.snoozed_until IS NULL OR f.snoozed_until <= :as_of)
                 AND {_quiet('follow-up', 'f.id')}{_contact_filter('f.contact_id', contact_id)}"""
    params = {"as_of": as_of.isoformat(), "contact_id": contact_id}
    # By the original due date: a follow-up back from a snooze has waited that long.
    rows = _ranked(
        book,
        columns=f"""f.id, f.uid, f.contact_id, c.name, f.due, f.snoozed_until, f.note,
                    f.recurrence, {_CLOSENESS} AS closeness""",
        body=body, params=params, key="f.due", descending=False,
        tie_breaks="closeness, c.sort_key, f.id", limit=limit, id_column="f.id", hint=hint,
    )
    result = [
        FollowUpRow(
            follow_up_id=row["id"], uid=row["uid"], contact_id=row["contact_id"],
            name=row["name"], closeness=row["closeness"], due=date.fromisoformat(row["due"]),
            snoozed_until=parse_iso(row["snoozed_until"]), note=row["note"],
            recurrence=row["recurrence"],
        )
        for row in rows
    ]
    total = len(result) if limit is None or not count else _count(book, body, params)
    return result, total


# ---------------------------------------------------------------------- birthdays

def birthdays_on(
    book: Book, as_of: date, month_days: dict[str, int], *, limit: int | None,
    contact_id: int | None = None, count: bool = True,
) -> tuple[list[BirthdayRow], int]:
    """Active contacts whose birthday falls on one of these 'MM-DD' days (contacts_by_birthday),
    ordered by the number each day maps to (days until it), closer circles first on ties;
    and how many there are in all. Birthdays snoozed past or skipped on `as_of` are left out.
    """
    if not month_days:
        return [], 0
    days = sorted(month_days)
    marks = ", ".join(f":d{i}" for i in range(len(days)))
    params: dict[str, object] = {f"d{i}": d for i, d in enumerate(days)}
    params.update({f"o{i}": month_days[d] for i, d in enumerate(days)})
    params.update(as_of=as_of.isoformat(), contact_id=contact_id)
    order = "CASE substr(c.birthday, -5) " + " ".join(
        f"WHEN :d{i} THEN :o{i}" for i in range(len(days))
    ) + " END"
    # The active people's index (m018) ranks without reading wide rows; the older one else.
    hint = "INDEXED BY " + _best_index(book, "contacts_by_birthday_active", "contacts_by_birthday")
    body = f"""FROM contacts c {hint}
               WHERE c.birthday IS NOT NULL AND c.deleted_at IS NULL
                 AND substr(c.birthday, -5) IN ({marks}) AND c.archived = 0
                 AND {_quiet('birthday', 'c.id')}{_contact_filter('c.id', contact_id)}"""
    rows = _ranked(
        book, columns=f"c.id, c.name, c.birthday, {_CLOSENESS} AS closeness", body=body,
        params=params, key=order, descending=False, tie_breaks="closeness, c.sort_key, c.id",
        limit=limit, id_column="c.id", hint=hint,
    )
    result = [
        BirthdayRow(contact_id=row["id"], name=row["name"], closeness=row["closeness"],
                    birthday=row["birthday"])
        for row in rows
    ]
    total = len(result) if limit is None or not count else _count(book, body, params)
    return result, total


# ---------------------------------------------------------------------- thank / return

def thanks_due(
    book: Book, as_of: date, received_before: date, *, limit: int | None,
    contact_id: int | None = None, count: bool = True,
) -> tuple[list[ThankRow], int]:
    """Open favours received on or before `received_before` and not thanked yet, oldest
    first (favours_to_thank). Only an explicit thank-you sets `thanked_on`: a later meeting
    about something else does not answer a favour."""
    hint = _indexed(_best_index(book, "favours_to_thank", "favours_open_received"), contact_id)
    body = f"""FROM favours f {hint}
                 JOIN contacts c ON c.id = f.contact_id
               WHERE f.direction = 'received' AND f.status = 'open' AND f.date <= :before
                 AND f.thanked_on IS NULL
                 AND {_ACTIVE} AND {_quiet('thank', 'f.id')}{_contact_filter('f.contact_id', contact_id)}"""
    params = {
        "as_of": as_of.isoformat(), "before": received_before.isoformat(),
        "contact_id": contact_id,
    }
    rows = _ranked(
        book,
        columns=f"""f.id, f.contact_id, c.name, f.date, f.description, f.weight,
                    {_CLOSENESS} AS closeness""",
        body=body, params=params, key="f.date", descending=False,
        tie_breaks="closeness, c.sort_key, f.id", limit=limit, id_column="f.id", hint=hint,
    )
    result = [
        ThankRow(
            favour_id=row["id"], contact_id=row["contact_id"], name=row["name"],
            closeness=row["closeness"], date=date.fromisoformat(row["date"]),
            description=row["description"], weight=row["weight"],
        )
        for row in rows
    ]
    total = len(result) if limit is None or not count else _count(book, body, params)
    return result, total


class GiveBackRow(NamedTuple):
    contact_id: int
    name: str
    closeness: int
    gave: int  # open weight you gave them (introductions included) in the window
    received: int  # open weight they gave you in the window


def give_back_due(
    book: Book, as_of: date, since: date, at_least: int, *, limit: int | None,
    contact_id: int | None = None,
) -> list[GiveBackRow]:
    """Active contacts who gave you at least `at_least` more open weight than you gave them
    (favours and introductions since `since`, as the ledger's rule nets them: returned and
    let-go favours do not move the net), most lopsided first. Not snoozed or skipped."""
    one = contact_id is not None  # one contact: each part looked up by its id
    mine, as_a, as_b = ((" AND contact_id = :contact_id", " AND contact_a = :contact_id",
                         " AND contact_b = :contact_id") if one else ("", "", ""))
    params = {"as_of": as_of.isoformat(), "since": since.isoformat(), "at_least": at_least,
              "contact_id": contact_id, "limit": limit}
    # Netted per person first (the favours and introductions indexes alone), then only
    # the few who gave a lot more are looked up: not one wide contacts row per favour.
    rows = _run(
        book,
        f"""SELECT c.id, c.name, l.gave, l.received, {_CLOSENESS} AS closeness
              FROM (SELECT contact_id, sum(gave) AS gave, sum(received) AS received
                      FROM (SELECT contact_id,
                                   CASE direction WHEN 'given' THEN weight ELSE 0 END AS gave,
                                   CASE direction WHEN 'received' THEN weight ELSE 0 END AS received
                              FROM favours WHERE status = 'open' AND date BETWEEN :since AND :as_of{mine}
                            UNION ALL
                            SELECT contact_a, 1, 0 FROM introductions
                             WHERE date BETWEEN :since AND :as_of{as_a}
                            UNION ALL
                            SELECT contact_b, 1, 0 FROM introductions
                             WHERE date BETWEEN :since AND :as_of{as_b})
                     GROUP BY contact_id HAVING sum(received) - sum(gave) >= :at_least) l
              JOIN contacts c ON c.id = l.contact_id
             WHERE {_ACTIVE} AND {_quiet('give-back', 'c.id')}
             ORDER BY l.received - l.gave DESC, closeness, c.sort_key, c.id
             {_limit(limit)}""",
        params,
    )
    return [GiveBackRow(row["id"], row["name"], row["closeness"], row["gave"], row["received"])
            for row in rows]


# ---------------------------------------------------------------------- introductions

def introductions_to_check(
    book: Book, as_of: date, earliest: date | None, latest: date, *, limit: int | None,
    contact_id: int | None = None, count: bool = True,
) -> tuple[list[IntroRow], int]:
    """Introductions made up to `latest` (and from `earliest`, if given) that have no result
    yet, oldest first (introductions_unanswered): the question stays until it is answered.
    Both people must still be active."""
    who = " AND (i.contact_a = :contact_id OR i.contact_b = :contact_id)" if contact_id else ""
    hint = "INDEXED BY introductions_unanswered"
    body = f"""FROM introductions i {hint}
                 JOIN contacts c ON c.id = i.contact_a
                 JOIN contacts b ON b.id = i.contact_b
               WHERE i.result IS NULL AND i.date BETWEEN :earliest AND :latest
                 AND {_ACTIVE} AND b.archived = 0 AND b.deleted_at IS NULL
                 AND {_quiet('intro-check', 'i.id')}{who}"""
    params = {
        "as_of": as_of.isoformat(), "earliest": (earliest or date.min).isoformat(),
        "latest": latest.isoformat(), "contact_id": contact_id,
    }
    rows = _ranked(
        book,
        columns=f"""i.id, i.contact_a, c.name AS name_a, i.contact_b, b.name AS name_b,
                    i.date, i.note, {_CLOSENESS} AS closeness""",
        body=body, params=params, key="i.date", descending=False,
        tie_breaks="closeness, c.sort_key, i.id", limit=limit, id_column="i.id", hint=hint,
    )
    result = [
        IntroRow(
            introduction_id=row["id"], contact_id=row["contact_a"], name=row["name_a"],
            other_id=row["contact_b"], other_name=row["name_b"], closeness=row["closeness"],
            date=date.fromisoformat(row["date"]), note=row["note"],
        )
        for row in rows
    ]
    total = len(result) if limit is None or not count else _count(book, body, params)
    return result, total


def clear_introduction_outcome(
    book: Book, introduction_id: int, previous_note: str = ""
) -> None:
    """Undo a noted outcome: the introduction is open again (its note as it was)."""
    with book.write():
        book.conn.execute(
            "UPDATE introductions SET outcome = ?, outcome_on = NULL, result = NULL WHERE id = ?",
            (previous_note, introduction_id),
        )


def unthanked_received(book: Book, contact_id: int, as_of: date) -> list[int]:
    """Ids of the contact's favours received up to `as_of` not thanked yet."""
    return [row[0] for row in book.conn.execute(
        "SELECT id FROM favours WHERE contact_id = ? AND direction = 'received' "
        "AND thanked_on IS NULL AND date <= ? ORDER BY id",
        (contact_id, as_of.isoformat()),
    )]


def channels(book: Book, contact_ids: Iterable[int]) -> dict[int, str]:
    """contact id → preferred channel, for those of `contact_ids` that have one."""
    ids = list(contact_ids)
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(book.conn.execute(
            f"SELECT id, channel FROM contacts WHERE channel IS NOT NULL "
            f"AND id IN ({','.join('?' * len(chunk))})", chunk,
        ).fetchall())
    return found


# ---------------------------------------------------------------------- review state

def get_state(book: Book, kind: str, ref_id: int) -> ReviewState | None:
    row = book.conn.execute(
        "SELECT * FROM review_state WHERE kind = ? AND ref_id = ?", (kind, ref_id)
    ).fetchone()
    if row is None:
        return None
    return ReviewState(
        kind=row["kind"], ref_id=row["ref_id"], contact_id=row["contact_id"],
        snoozed_until=parse_iso(row["snoozed_until"]), skipped_on=parse_iso(row["skipped_on"]),
        offered_on=parse_iso(row["offered_on"]),
    )


def states(book: Book, kind: str, ref_ids: Iterable[int]) -> dict[int, ReviewState]:
    """The review_state rows of these items of one kind, by ref_id."""
    found: dict[int, ReviewState] = {}
    for ref_id in ref_ids:
        state = get_state(book, kind, ref_id)
        if state is not None:
            found[ref_id] = state
    return found


def put_state(book: Book, state: ReviewState) -> None:
    """Write (insert or replace) one review_state row."""
    with book.write():
        book.conn.execute(
            """INSERT INTO review_state (kind, ref_id, contact_id, snoozed_until, skipped_on,
                   offered_on) VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (kind, ref_id) DO UPDATE SET contact_id = excluded.contact_id,
                   snoozed_until = excluded.snoozed_until, skipped_on = excluded.skipped_on,
                   offered_on = excluded.offered_on""",
            (
                state.kind, state.ref_id, state.contact_id, _iso(state.snoozed_until),
                _iso(state.skipped_on), _iso(state.offered_on),
            ),
        )


def restore_state(book: Book, kind: str, ref_id: int, previous: ReviewState | None) -> None:
    """Put a review_state row back as it was (None: there was none)."""
    with book.write():
        if previous is None:
            book.conn.execute(
                "DELETE FROM review_state WHERE kind = ? AND ref_id = ?", (kind, ref_id)
            )
        else:
            put_state(book, previous)


# ---------------------------------------------------------------------- circles

class CircleGroup(NamedTuple):
    """A circle with a cadence, as its members stand on a day: who it applies to, and the
    members overdue on it (not snoozed or skipped), summed up."""

    circle_id: int  # the circle's rowid: what its review item hangs on
    circle: str
    position: int
    cadence: str
    applies: int  # active members with no own cadence, not let drift, whose cadence this is
    overdue: tuple[int, ...]  # of them, those due by the day, by id
    first_due: date | None
    last_seen: date | None  # the latest last contact among the overdue
    score: float  # the highest overdue ratio among them
    late: int  # how many are overdue (the last four are only summed up for a wanted group)


def circles_with_cadence(book: Book) -> list[tuple[int, str, int, str]]:
    """(rowid, name, position, cadence) of every circle with a cadence, closest first."""
    rows = book.conn.execute(
        "SELECT rowid, name, position, cadence FROM circles WHERE cadence IS NOT NULL "
        "ORDER BY position, name")
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def circle_groups(book: Book, as_of: date, ranked: list[tuple[int, str, int, str]],
                  wanted: Callable[[int, int], bool] | None = None,
                  members: bool = True) -> list[CircleGroup]:
    """The groups of the circles in `ranked` (rowid, name, position, cadence) on `as_of`,
    in that order. `ranked` is the order in which circles' cadences apply (tighter first,
    then closer): a member counts for the first of their circles in it, and only there.
    With `wanted(applies, late)`, only the groups it wants are summed up (overdue, first
    due, last seen, score); the others have their counts only. With `members=False` (only
    honoured in a book with m019) a wanted group has its first due and score but no overdue
    members and no last seen: `circle_members` gives those for the prompts shown.

    In a book with m019 each person's circle is stored (cadence_circle): two counts per
    circle from contacts_by_cadence_circle, and a pass over the overdue of each wanted one
    (without members: the first overdue row of each cadence length in it).
    Else (a book opened read-only before its upgrade) the general pass below.
    """
    if not ranked:
        return []
    if has_cadence_circles(book):
        return _stored_circle_groups(book, as_of, ranked, wanted, members)
    groups = _circle_groups(book, as_of, ranked)
    if wanted is None:
        return groups
    return [group if wanted(group.applies, group.late)
            else group._replace(overdue=(), first_due=None, last_seen=None, score=0.0)
            for group in groups]


def _stored_circle_groups(book: Book, as_of: date, ranked: list[tuple[int, str, int, str]],
                          wanted: Callable[[int, int], bool] | None,
                          members: bool) -> list[CircleGroup]:
    """`circle_groups` from the stored `cadence_circle` (m019)."""
    params = {"as_of": as_of.isoformat(), "as_of_day": _julian_day(as_of),
              **{f"r{i}": circle[1] for i, circle in enumerate(ranked)}}
    circle = "FROM contacts c INDEXED BY contacts_by_cadence_circle WHERE c.cadence_circle = :r{i} AND " + _DUE
    overdue = f"c.next_due <= :as_of AND {_quiet_set('keep-in-touch', 'c.id')}"
    # The overdue counted by due date alone, less the few snoozed or skipped among them
    # (looked up from review_state): cheaper than asking about every row whether it is quiet.
    quiet = f"""(SELECT count(*) FROM review_state s JOIN contacts c ON c.id = s.ref_id
                  WHERE s.kind = 'keep-in-touch' AND (s.snoozed_until > :as_of OR s.skipped_on = :as_of)
                    AND c.cadence_circle = :r{{i}} AND {_DUE} AND c.next_due <= :as_of)"""
    counts: dict[int, tuple[int, int]] = {}
    for start in range(0, len(ranked), _CIRCLES_PER_QUERY):
        sql = " UNION ALL ".join(
            f"""SELECT {i}, count(*), count(*) FILTER (WHERE c.next_due <= :as_of) - {quiet.format(i=i)}
                  {circle.format(i=i)}"""
            for i in range(start, min(start + _CIRCLES_PER_QUERY, len(ranked))))
        counts.update((row[0], (row[1], row[2])) for row in _run(book, sql, params))
    summed = [i for i in range(len(ranked)) if wanted is None or wanted(*counts[i])]
    found = {}
    for start in range(0, len(summed), _CIRCLES_PER_QUERY):
        chunk = summed[start:start + _CIRCLES_PER_QUERY]
        if members:
            sql = " UNION ALL ".join(
                f"""SELECT {i}, min(c.next_due), max({_OVERDUE_RATIO}), json_group_array(c.id),
                           max(c.last_contact) {circle.format(i=i)} AND {overdue}"""
                for i in chunk)
        else:
            sql = _most_overdue_sql(chunk, circle, overdue)
        found.update((row[0], row) for row in _run(book, sql, params))
    groups = []
    for i, (rowid, name, position, cadence) in enumerate(ranked):
        applies, late = counts[i]
        row = found.get(i)
        if row is None:
            groups.append(CircleGroup(rowid, name, position, cadence, applies, (), None, None, 0.0,
                                      late=late))
            continue
        # Sorted here (in due order from the index), not by an aggregate ORDER BY.
        ids = tuple(sorted(json.loads(row[3]))) if members else ()
        groups.append(CircleGroup(rowid, name, position, cadence, applies, ids, parse_iso(row[1]),
                                  parse_iso(row[4]) if members else None, row[2] or 0.0, late=late))
    return groups


def _most_overdue_sql(chunk: list[int], circle: str, overdue: str) -> str:
    """(i, first due, highest ratio) of the circles `chunk` (indexes of :r{i}), from the first
    overdue row of each cadence length in the circle (contacts_by_cadence_circle is by length,
    then due date): a few index seeks instead of a pass over every overdue member."""
    pick = "CASE pairs.i " + " ".join(f"WHEN {i} THEN :r{i}" for i in chunk) + " END"
    lengths = circle.replace(":r{i}", pick)
    seeds = " UNION ALL ".join(
        f"SELECT {i}, (SELECT min({_DUE_SPAN}) {circle.format(i=i)})" for i in chunk)
    first = (f"{lengths} AND {_DUE_SPAN} = pairs.span AND {overdue} "
             "ORDER BY c.next_due LIMIT 1")
    return f"""WITH RECURSIVE pairs(i, span) AS (
                   {seeds}
                   UNION ALL
                   SELECT i, (SELECT min({_DUE_SPAN}) {lengths} AND {_DUE_SPAN} > pairs.span)
                     FROM pairs WHERE span IS NOT NULL)
               SELECT i, min(due), max(score) FROM (
                   SELECT i, (SELECT c.next_due {first}) AS due,
                             (SELECT {_OVERDUE_RATIO} {first}) AS score
                     FROM pairs WHERE span IS NOT NULL)
                GROUP BY i"""


def circle_members(book: Book, as_of: date, circles: Sequence[str],
                   ) -> dict[str, tuple[tuple[int, ...], date | None]]:
    """Circle name (as given) → (its members overdue on `as_of` by id, the latest last contact
    among them), for a book with m019: what `circle_groups(..., members=False)` leaves out,
    asked for only the prompts that are shown."""
    params = {"as_of": as_of.isoformat(), **{f"r{i}": name for i, name in enumerate(circles)}}
    found: dict[str, tuple[tuple[int, ...], date | None]] = {}
    for start in range(0, len(circles), _CIRCLES_PER_QUERY):
        sql = " UNION ALL ".join(
            f"""SELECT {i}, json_group_array(c.id), max(c.last_contact)
                  FROM contacts c INDEXED BY contacts_by_cadence_circle
                 WHERE c.cadence_circle = :r{i} AND {_DUE} AND c.next_due <= :as_of
                   AND {_quiet_set('keep-in-touch', 'c.id')}"""
            for i in range(start, min(start + _CIRCLES_PER_QUERY, len(circles))))
        for row in _run(book, sql, params):
            found[circles[row[0]]] = (tuple(sorted(json.loads(row[1]))), parse_iso(row[2]))
    return found


def _circle_groups(book: Book, as_of: date,
                   ranked: list[tuple[int, str, int, str]]) -> list[CircleGroup]:
    """`circle_groups` computed from the memberships (no stored `cadence_circle`).

    One pass over contacts_by_circle_due (m018) in id order gives each person the first of
    their circles, kept in a temporary table; each circle sums its own rows up from there.
    SQLite does the per-member work once per person, not once per membership and circle,
    and never reads the wide table; Python gets one row per circle.
    """
    rank = "CASE m.circle " + " ".join(f"WHEN :r{i} THEN {i}" for i in range(len(ranked))) + " END"
    hint = _best_index(book, "contacts_by_circle_due", "")
    ratio = """(:as_of_day - julianday(next_due))
        / max(1.0, julianday(next_due) - julianday(coalesce(last_contact, substr(created_at, 1, 10))))"""
    # One aggregate per circle over its own rows: cheaper than sorting everyone by circle.
    sums = " UNION ALL ".join(
        f"""SELECT {i}, count(*), json_group_array(id) FILTER (WHERE due),
                   min(next_due) FILTER (WHERE due), max(last_contact) FILTER (WHERE due),
                   max({ratio}) FILTER (WHERE due)
              FROM firsts WHERE rank = {i}"""
        for i in range(len(ranked))
    )
    rows = _run(
        book,
        f"""WITH firsts AS MATERIALIZED (
                SELECT c.id, c.next_due, c.last_contact, c.created_at, min({rank}) AS rank,
                       (c.next_due <= :as_of AND {_quiet_set('keep-in-touch', 'c.id')}) AS due
                  FROM contacts c {f"INDEXED BY {hint}" if hint else ""}
                  JOIN memberships m ON m.contact_id = c.id
                 WHERE c.cadence IS NULL AND c.next_due IS NOT NULL AND {_ACTIVE}
                 GROUP BY c.id)
            {sums}""",
        {"as_of": as_of.isoformat(), "as_of_day": _julian_day(as_of),
         **{f"r{i}": circle[1] for i, circle in enumerate(ranked)}},
    )
    found = {row[0]: row for row in rows}
    groups = []
    for i, circle in enumerate(ranked):
        row = found[i]
        # Sorted here (already in order: a linear pass), not by an aggregate ORDER BY.
        overdue = tuple(sorted(json.loads(row[2]))) if row[2] else ()
        groups.append(CircleGroup(circle[0], circle[1], circle[2], circle[3], row[1], overdue,
                                  parse_iso(row[3]), parse_iso(row[4]), row[5] or 0.0,
                                  late=len(overdue)))
    return groups


def uncadenced_recent(book: Book, as_of: date, limit: int) -> list[int]:
    """Ids of the `limit` active contacts seen most recently (by `as_of`) whom no cadence
    applies to and who were not let drift: where the review looks for a cadence to offer."""
    rows = book.conn.execute(
        f"""SELECT c.id FROM contacts c
             WHERE c.next_due IS NULL AND c.last_contact IS NOT NULL AND c.last_contact <= ?
               AND {_ACTIVE} AND NOT EXISTS (SELECT 1 FROM review_state s
                                              WHERE s.kind = 'let-drift' AND s.ref_id = c.id)
             ORDER BY c.last_contact DESC, c.id LIMIT ?""",
        (as_of.isoformat(), limit),
    ).fetchall()
    return [row[0] for row in rows]


# ---------------------------------------------------------------------- let drift

class LetDriftRow(NamedTuple):
    contact_id: int
    name: str
    since: date | None
    cadence: str | None  # the contact's own cadence text, kept while they drift
    tags: str  # JSON list, to find the circle cadence they left
    last_contact: date | None


def let_drift_rows(book: Book) -> list[LetDriftRow]:
    """Active contacts let drift (review_state kind 'let-drift'), in name order."""
    rows = book.conn.execute(
        f"""SELECT c.id, c.name, s.offered_on, c.cadence, c.tags, c.last_contact
              FROM review_state s JOIN contacts c ON c.id = s.ref_id
             WHERE s.kind = 'let-drift' AND {_ACTIVE} ORDER BY c.sort_key, c.id"""
    ).fetchall()
    return [
        LetDriftRow(row["id"], row["name"], parse_iso(row["offered_on"]), row["cadence"],
                    row["tags"], parse_iso(row["last_contact"]))
        for row in rows
    ]


def refresh_due(book: Book, contact_id: int, today: date) -> None:
    """Recompute one contact's materialised due date (after an opt-out changed)."""
    with book.write():
        # Book's refresh is the one rule for the materialised dates; reuse, don't restate.
        book._refresh_due([contact_id], today)


# ---------------------------------------------------------------------- the daily budget

def mark_handled(book: Book, day: date, kind: str, ref_id: int, contact_id: int, action: str) -> bool:
    """Count one item as handled on `day`; False if it already was (nothing written)."""
    with book.write():
        cursor = book.conn.execute(
            """INSERT INTO review_handled (day, kind, ref_id, contact_id, action)
               VALUES (?, ?, ?, ?, ?) ON CONFLICT (day, kind, ref_id) DO NOTHING""",
            (day.isoformat(), kind, ref_id, contact_id, action),
        )
        return cursor.rowcount > 0


def unmark_handled(book: Book, day: date, kind: str, ref_id: int) -> None:
    """Undo `mark_handled`: the item no longer counts against `day`'s budget."""
    with book.write():
        book.conn.execute(
            "DELETE FROM review_handled WHERE day = ? AND kind = ? AND ref_id = ?",
            (day.isoformat(), kind, ref_id),
        )


def handled_kind_on(book: Book, day: date, kind: str) -> bool:
    """True when an item of `kind` was handled on `day` (the primary key's range)."""
    return book.conn.execute(
        "SELECT 1 FROM review_handled WHERE day = ? AND kind = ? LIMIT 1", (day.isoformat(), kind)
    ).fetchone() is not None


def handled_count(book: Book, day: date) -> int:
    """How many review items were handled on `day` (by the primary key: one range read)."""
    return book.conn.execute(
        "SELECT count(*) FROM review_handled WHERE day = ?", (day.isoformat(),)
    ).fetchone()[0]


# The pause lives in the settings table: one pause at a time, the last one remembered so the
# review can shift what fell due inside it to the day it ended.
_PAUSE_FROM = "review.pause_from"
_PAUSE_UNTIL = "review.pause_until"


def get_pause(book: Book) -> tuple[date, date] | None:
    """(first paused day, the day the review starts again), or None if never paused."""
    start, end = book.get_setting(_PAUSE_FROM), book.get_setting(_PAUSE_UNTIL)
    if not start or not end:
        return None
    try:
        return date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:  # edited by hand into nonsense: as if never paused
        return None


def set_pause(book: Book, start: date, until: date) -> None:
    with book.write():
        book.set_setting(_PAUSE_FROM, start.isoformat())
        book.set_setting(_PAUSE_UNTIL, until.isoformat())


def clear_pause(book: Book) -> None:
    with book.write():
        book.conn.execute("DELETE FROM settings WHERE key IN (?, ?)", (_PAUSE_FROM, _PAUSE_UNTIL))


# ---------------------------------------------------------------------- undoing writes

def delete_interaction(book: Book, interaction_id: int, *, today: date) -> None:
    """Remove an interaction the review just logged, and recompute its contacts' last contact
    and next due in the same transaction."""
    with book.write():
        ids = [
            row[0] for row in book.conn.execute(
                "SELECT contact_id FROM interaction_contacts WHERE interaction_id = ?",
                (interaction_id,),
            )
        ]
        book.conn.execute("DELETE FROM interactions WHERE id = ?", (interaction_id,))
        # Book has no public delete for interactions yet; its refresh is the one rule for
        # the materialised dates, so reuse it rather than restate it here.
        book._refresh_due(ids, today)


def reopen_follow_up(book: Book, follow_up_id: int, next_id: int | None) -> None:
    """Undo completing a follow-up: open it again and drop the occurrence it spawned."""
    with book.write():
        book.conn.execute(
            "UPDATE follow_ups SET status = 'open', done_on = NULL WHERE id = ?", (follow_up_id,)
        )
        if next_id is not None:
            book.conn.execute("DELETE FROM follow_ups WHERE id = ?", (next_id,))


def set_follow_up_snooze(book: Book, follow_up_id: int, until: date | None) -> None:
    """Set (or clear, with None) a follow-up's snooze; used to undo a snooze."""
    with book.write():
        book.conn.execute(
            "UPDATE follow_ups SET snoozed_until = ? WHERE id = ?", (_iso(until), follow_up_id)
        )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def calendar_rows(book: Book) -> tuple[list[sqlite3.Row], list[sqlite3.Row], list[sqlite3.Row]]:
    """What the iCalendar export needs: open follow-ups, keep-in-touch due dates and
    birthdays of active contacts (each list in a stable order)."""
    follow_ups = book.conn.execute(
        f"""SELECT f.uid, f.due, f.snoozed_until, f.note, f.recurrence, c.name, c.uid AS contact_uid
              FROM follow_ups f JOIN contacts c ON c.id = f.contact_id
             WHERE f.status = 'open' AND {_ACTIVE} ORDER BY f.due, f.id"""
    ).fetchall()
    due = book.conn.execute(
        f"""SELECT c.uid, c.name, c.next_due, c.last_contact FROM contacts c
             WHERE c.next_due IS NOT NULL AND {_ACTIVE} ORDER BY c.next_due, c.id"""
    ).fetchall()
    birthdays = book.conn.execute(
        f"""SELECT c.uid, c.name, c.birthday FROM contacts c
             WHERE c.birthday IS NOT NULL AND {_ACTIVE} ORDER BY substr(c.birthday, -5), c.id"""
    ).fetchall()
    return follow_ups, due, birthdays
