"""Contacts read from a connection without the rest of the store: the one row-to-Contact
decoding, balances, and search results streamed in rank order.

`Book` reads contacts through these, and so does `kontakt search --json`'s quick path
(kontakt.quick), which cannot afford the imports of the whole store. The connection must
return `sqlite3.Row`s (Book sets its row factory; so does the quick path).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from functools import lru_cache

from ..domain.cadence import Cadence
from ..domain.cards import Details
from ..domain.contacts import Contact, effective_cadence
from ..domain.dates import Birthday, parse_iso
from ..domain.balances import INTRODUCTION_WEIGHT, Balance
from ..domain.text import fold
from ..jsontext import loads_stored
from .driver import sqlite3
from .migrations import CONTACT_COLUMNS, contact_columns
from .search import SearchTerms, search_sql, search_terms

# True for a contact let drift: an explicit opt-out from every cadence, own or a circle's,
# kept as a review_state row of kind 'let-drift' (see services/review.py let_drift).
LET_DRIFT_SQL = """EXISTS (SELECT 1 FROM review_state s
                            WHERE s.kind = 'let-drift' AND s.ref_id = c.id)"""


@lru_cache(maxsize=256)
def _cadence(text: str) -> Cadence:
    """Cadence.parse, remembered: a book holds a handful of distinct cadence texts, and
    lists and exports parse one per row (Cadence is frozen, so sharing is safe)."""
    return Cadence.parse(text)


def _json_list(text: str) -> tuple[str, ...]:
    """A stored JSON list as a tuple; most people have no phone or circle, so the empty
    list skips the decoder (three decodes per contact were a fifth of an export's time).
    Not strict: the sqlite3 tool or another program may store a raw tab or newline inside
    a value, which SQLite's JSON accepts and a strict decoder refuses (every read failed)."""
    return () if text == "[]" else tuple(loads_stored(text))


@lru_cache(maxsize=1024)
def _fold_tag(tag: str) -> str:
    """fold() of a circle name, remembered: a book has few circles and many members."""
    return fold(tag)


def circle_cadences(conn: sqlite3.Connection) -> dict[str, Cadence]:
    """The cadence of each circle that has one, by folded circle name."""
    rows = conn.execute("SELECT name, cadence FROM circles WHERE cadence IS NOT NULL")
    return {fold(row["name"]): _cadence(row["cadence"]) for row in rows}


def let_drift(conn: sqlite3.Connection, contact_id: int) -> bool:
    """True when the contact was let drift: no cadence applies to them."""
    return conn.execute(
        f"SELECT {LET_DRIFT_SQL} FROM contacts c WHERE c.id = ?", (contact_id,)
    ).fetchone()[0] == 1


def contact_from_row(conn: sqlite3.Connection, row: sqlite3.Row,
                     circles: dict[str, Cadence] | None = None) -> Contact:
    """The Contact of a row of CONTACT_COLUMNS; `circles` is `circle_cadences(conn)`, read
    here when not given."""
    try:
        channel = row["channel"]
    except IndexError:  # a row read by a query that predates the column
        channel = None
    own = _cadence(row["cadence"]) if row["cadence"] else None
    tags = _json_list(row["tags"])
    if circles is None:
        circles = circle_cadences(conn)
    inherited = [circles[key] for key in map(_fold_tag, tags) if key in circles]
    cadence = drift_cadence = effective_cadence(own, inherited)
    # A cadence with no due date is one the person was let drift from (services/review.py
    # let_drift); asked only then, so reading a page of contacts costs no extra query.
    if cadence is not None and row["next_due"] is None and let_drift(conn, row["id"]):
        cadence = None
    else:
        drift_cadence = None
    birthday = None
    if row["birthday"]:
        text = row["birthday"]
        if text.startswith("--"):
            birthday = Birthday(int(text[2:4]), int(text[5:7]))
        else:
            birthday = Birthday.from_date(date.fromisoformat(text))
    details = Details.loads(row["details"])
    return Contact(
        addresses=details.addresses,
        urls=details.urls,
        labels=details.labels,
        id=row["id"],
        uid=row["uid"],
        name=row["name"],
        nickname=row["nickname"],
        emails=_json_list(row["emails"]),
        phones=_json_list(row["phones"]),
        org=row["org"],
        role=row["role"],
        location=row["location"],
        met=row["met"],
        birthday=birthday,
        tags=tags,
        notes=row["notes"],
        cadence=own,
        archived=bool(row["archived"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        last_contact=parse_iso(row["last_contact"]),
        next_due=parse_iso(row["next_due"]),
        effective_cadence=cadence,
        drift_cadence=drift_cadence,
        channel=channel,
    )


def get_contacts(conn: sqlite3.Connection, ids: Iterable[int]) -> list[Contact]:
    """Contacts in the order of `ids`, skipping ids that do not exist (or are in the trash)."""
    ids = list(ids)
    if not ids:
        return []
    circles = circle_cadences(conn)
    found: dict[int, Contact] = {}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id IN ({marks}) AND deleted_at IS NULL", chunk
        ):
            found[row["id"]] = contact_from_row(conn, row, circles)
    return [found[i] for i in ids if i in found]


def balances(conn: sqlite3.Connection, contact_ids: Iterable[int]) -> dict[int, Balance]:
    """Balance per contact by the ledger's rule (domain.ledger.balance): open favours on
    their side, returned ones on both sides, let-go ones not at all; introductions count
    as given."""
    ids = list(contact_ids)
    result: dict[int, Balance] = {i: Balance() for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"""SELECT id,
                  (SELECT coalesce(sum(weight), 0) FROM favours
                    WHERE contact_id = c.id AND status <> 'let go'
                      AND (direction = 'given' OR status = 'returned'))
                  + {INTRODUCTION_WEIGHT} * (SELECT count(*) FROM introductions i
                    JOIN contacts o ON o.id = CASE WHEN i.contact_a = c.id
                                                   THEN i.contact_b ELSE i.contact_a END
                    WHERE (i.contact_a = c.id OR i.contact_b = c.id)
                      AND o.deleted_at IS NULL) AS gave,
                  (SELECT coalesce(sum(weight), 0) FROM favours
                    WHERE contact_id = c.id AND status <> 'let go'
                      AND (direction = 'received' OR status = 'returned')) AS received
                FROM contacts c WHERE id IN ({marks})""",
            chunk,
        )
        for row in rows:
            result[row["id"]] = Balance(row["gave"], row["received"])
    return result


def with_balances(conn: sqlite3.Connection, contacts: Iterable[Contact]
                  ) -> Iterator[tuple[Contact, Balance]]:
    """Each contact with its balance, the balances asked for 500 contacts at a time (the
    first 20 at once: the first line is out before 500 contacts are read)."""
    chunk: list[Contact] = []
    size = 20
    for contact in contacts:
        chunk.append(contact)
        if len(chunk) == size:
            yield from _balanced(conn, chunk)
            chunk, size = [], 500
    if chunk:
        yield from _balanced(conn, chunk)


def _balanced(conn: sqlite3.Connection, chunk: list[Contact]) -> Iterator[tuple[Contact, Balance]]:
    found = balances(conn, (c.id for c in chunk))
    for contact in chunk:
        yield contact, found[contact.id]


def stream_search(conn: sqlite3.Connection, text: str, *, limit: int | None = None,
                  archived: bool | None = None) -> Iterator[Contact]:
    """The contacts `text` finds, in `search_sql`'s order (best match, then name, then id),
    one at a time: the first arrive early and memory stays flat at any number of matches."""
    terms = search_terms(text)
    if terms is None:
        return
    circles = circle_cadences(conn)
    for rows in _ranked_rows(conn, terms, limit=limit, archived=archived):
        for row in rows:
            yield contact_from_row(conn, row, circles)


# Rows of a search read per query after the first few (the first batch is small: a reader
# of `search a --all | head` sees the first lines before 500 people are read).
FIRST_BATCH, BATCH = 20, 500


def _ranked_rows(conn: sqlite3.Connection, terms: SearchTerms, *, limit: int | None,
                 archived: bool | None) -> Iterator[list[sqlite3.Row]]:
    """Batches of CONTACT_COLUMNS rows of the people `terms` find, in `search_sql`'s order.

    A search the index alone answers asks the index for its matches and their ranks
    (rowid and rank only) in rank order (`_hits_in_rank_order`) and reads the people
    a batch at a time, each batch ending where a rank does, sorted by (rank, name, id) in
    SQLite: the same order as `search_sql`, whose join reads and sorts every match's row
    before the first is known. For the 80k people "a" finds at 100k, the first 20 came
    after ~107 ms of CPU that way, ~45 ms this way (ranking them is ~35 ms of it).
    Searches with substring parts (unspaced scripts) run `search_sql`.
    """
    if terms.match is None or terms.contains:
        sql, params = search_sql(terms, contact_columns("c"), limit=limit, archived=archived)
        cursor = conn.execute(sql, params)
        try:
            size = FIRST_BATCH
            while rows := cursor.fetchmany(size):
                yield rows
                size = BATCH
        finally:
            cursor.close()
        return
    if limit is not None and limit < 0:
        limit = None  # as SQLite reads LIMIT -1
    if limit == 0:
        return
    # Trashed and (when asked) archived people are dropped from each batch; a rank the
    # index gives is bm25's float, compared here exactly as SQLite compares it.
    where = "c.deleted_at IS NULL"
    extra: list[object] = []
    if archived is not None:
        where += " AND c.archived = ?"
        extra.append(int(archived))
    batch_sql = f"""SELECT {contact_columns("c")} FROM json_each(?) j
                    JOIN contacts c ON c.id = j.value ->> 0
                    WHERE {where} ORDER BY j.value ->> 1, c.sort_key, c.id"""
    left = limit
    for batch in _rank_batches(_hits_in_rank_order(conn, terms.match)):
        people = conn.execute(batch_sql, (json.dumps(batch), *extra))
        try:
            # Read a batch in pieces too: people who all share one rank are one batch.
            while rows := people.fetchmany(BATCH if left is None else min(BATCH, left)):
                yield rows
                if left is not None:
                    left -= len(rows)
                    if left == 0:
                        return
        finally:
            people.close()


# The best this many matches are ranked and sorted first, by a query that keeps only them.
HEAD = 200
# In rank order, sorted by SQLite (+rank: not the index's own ORDER BY rank, which costs
# twice as much: ~75 against ~65 ms for the 80k people "a" finds at 100k).
_HITS_SQL = "SELECT rowid, +rank AS r FROM contacts_fts WHERE contacts_fts MATCH ? ORDER BY r"


def _hits_in_rank_order(conn: sqlite3.Connection, match: str) -> Iterator[tuple[int, float]]:
    """(rowid, rank) of the index's matches for `match`, best rank first.

    A first query keeps only the best HEAD (SQLite's sorter holds HEAD rows, not every
    match: ~40 ms for the 80k "a" finds at 100k, against ~65 to sort them all); every match
    ranked better than its last is among them, which is the first batch unless one rank is
    shared from the FIRST_BATCH-th to the HEAD-th. The rest come from the whole sorted
    query, run only if they are read (`search --all` past its first lines, a long
    `--limit`), ranked again there. Ties come in no particular order, as from the index's
    own ORDER BY rank (each batch sorts its ties by name and id).
    """
    head = _fetch(conn, _HITS_SQL + " LIMIT ?", (match, max(HEAD, FIRST_BATCH)))
    if len(head) < max(HEAD, FIRST_BATCH):
        yield from head  # every match
        return
    # Every match ranked better than the head's last is in the head (that last rank may be
    # shared past it): those come at once, and with them the end of the first batch.
    first = [hit for hit in head if hit[1] != head[-1][1]]
    done = {rowid for rowid, _ in first}
    yield from first
    cursor = conn.execute(_HITS_SQL, (match,))
    cursor.row_factory = None
    try:
        # By rowid, not rank: a write by another kontakt between the two queries may move
        # ranks, and no one is listed twice.
        for hit in cursor:
            if hit[0] not in done:
                yield hit
    finally:
        cursor.close()


def _fetch(conn: sqlite3.Connection, sql: str, params: tuple) -> list[tuple]:
    cursor = conn.execute(sql, params)
    cursor.row_factory = None  # plain tuples
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def _rank_batches(hits: Iterable[tuple[int, float]]) -> Iterator[list[tuple[int, int]]]:
    """(rowid, number of its rank in this batch) of hits in rank order, in batches of at
    least FIRST_BATCH (then BATCH) hits that end where a rank does."""
    batch: list[tuple[int, int]] = []
    size = FIRST_BATCH
    group, last = -1, None
    for rowid, rank in hits:
        if rank != last or group < 0:
            if len(batch) >= size:
                yield batch
                batch, size, group = [], BATCH, -1
            group += 1
            last = rank
        batch.append((rowid, group))
    if batch:
        yield batch
