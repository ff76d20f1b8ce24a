"""The undo history: every write made through kontakt, one step per transaction, undoable
newest first (SQLite's undo/redo pattern, https://www.sqlite.org/undoredo.html).

How it works:
- At open, `install` creates TEMP triggers on every kontakt table of this connection (built
  from the live schema, so columns a later migration adds are covered without touching this
  module). After each INSERT/UPDATE/DELETE they write the *inverse* statement into
  `undo_log`, tagged with the step that `Book.write()` opened (`begin`), but only while a step
  is open: the one-row `temp.undo_current` is the switch (WHEN clause).
- One outermost `Book.write()` is one step; nested writes join it. `Book.write(label=...)`
  (or `book.step(label)`) names it; unnamed steps are described from what they changed
  ("edit Ada Lovelace"). A transaction that changed nothing leaves no step.
- `undo` replays a step's statements last-first in one transaction with the switch off and
  foreign keys deferred to the commit (so a parent and its cascaded children come back in
  any order); the contacts search index follows through its own triggers.
- Only the newest step can be undone (steps of every kontakt process, in commit order), so
  an undo never reverses a change that a later one built on.

What is not recorded, on purpose:
- writes from other tools (the sqlite3 shell): their connection has no TEMP triggers;
- `settings` (backup bookkeeping, the demo flag) and writes made with `record=False`
  (the review remembering what it showed): bookkeeping that undo must not rewind;
- emptying the trash forgets the whole history: the history holds old text, and a purge
  promises that text is gone from the file (and older steps could not be replayed anyway).

Bounded: the newest `KEEP_STEPS` steps, none older than `KEEP_DAYS` days. Undo is for a
mistake noticed soon; 200 steps are several long sessions (a Today review of 30 items is 30
steps), and 30 days keeps edited-away text from lingering in the file for long.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from .. import clock
from ..domain.text import counted
from .driver import sqlite3

if TYPE_CHECKING:
    from .book import Book

KEEP_STEPS = 200
KEEP_DAYS = 30

# Bookkeeping tables undo must leave alone, and tables that are the history itself.
UNRECORDED = frozenset({"settings", "undo_steps", "undo_log"})


class HistoryError(LookupError):
    """Nothing to undo, or the step asked for is not the newest; the message says which."""


@dataclass(frozen=True)
class Step:
    """One undoable step: what it did (`label`), who made it, when, and whether it is undone."""

    id: int
    label: str
    source: str
    made_at: str
    undone_at: str | None
    changes: int
    contact_id: int | None = None

    def to_json(self) -> dict:
        return {
            "id": self.id, "label": self.label, "source": self.source, "made_at": self.made_at,
            "undone_at": self.undone_at, "changes": self.changes, "contact_id": self.contact_id,
        }


# ------------------------------------------------------------------ triggers


def _literal(ref: str) -> str:
    """SQL that renders the value `ref` (old.x / new.x) as a literal for the inverse statement.

    Text goes as hex bytes: exact for text that is not UTF-8 or holds NUL (quote() stops at
    a NUL, and Python would read invalid bytes back as U+FFFD).
    """
    return (
        f"CASE typeof({ref}) WHEN 'text' THEN 'CAST(X''' || hex({ref}) || ''' AS TEXT)' "
        f"ELSE quote({ref}) END"
    )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _where(keys: list[str], row: str) -> str:
    parts = [f"'{_quoted(k)}=' || {_literal(f'{row}.{_quoted(k)}')}" for k in keys]
    return " || ' AND ' || ".join(parts)


def _contact_ref(columns: list[str], table: str, row: str) -> str:
    """The contact a row belongs to, kept with its log entry to describe the step."""
    if table == "contacts":
        return f"{row}.id"
    for column in ("contact_id", "contact_a", "kept_id", "contact_low"):
        if column in columns:
            return f"{row}.{column}"
    return "NULL"


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name, sql FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
    return [
        name for name, _ in rows
        if name not in UNRECORDED and name not in virtual
        and not any(name.startswith(f"{v}_") for v in virtual)  # FTS shadow tables
    ]


_NO_FLOOR = 9223372036854775807


def _floor(table: str) -> str:
    return f"coalesce((SELECT top FROM undo_floor WHERE tbl = '{table.replace(chr(39), chr(39) * 2)}'), {_NO_FLOOR})"


def _is_old_row(conn: sqlite3.Connection, table: str, row: str) -> str:
    """SQL true unless, during a bulk write (`bulk`), the row is one the bulk step added: its
    rowid is above the table's floor, or it hangs (ON DELETE CASCADE) off a parent that is.
    Those rows go with one range delete per table instead of one log row each."""
    without_rowid = conn.execute(
        "SELECT 1 FROM main.sqlite_master WHERE name = ? AND sql LIKE '%WITHOUT ROWID%'", (table,)
    ).fetchone()
    tests = [] if without_rowid else [f"{row}.rowid <= {_floor(table)}"]
    for fk in conn.execute(f"PRAGMA main.foreign_key_list({_quoted(table)})").fetchall():
        parent, column, on_delete = fk[2], fk[3], fk[6]
        if on_delete.upper() == "CASCADE" and fk[4] in (None, "id"):
            tests.append(f"{row}.{_quoted(column)} <= {_floor(parent)}")
    return " AND ".join(tests) or "1"


def _trigger_sql(conn: sqlite3.Connection, table: str) -> list[str]:
    info = conn.execute(f"PRAGMA main.table_info({_quoted(table)})").fetchall()
    columns = [row[1] for row in info]
    keys = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5] > 0] or ["rowid"]
    name = "".join(ch if ch.isalnum() else "_" for ch in table)
    q = _quoted(table)
    on = "(SELECT step FROM undo_current) IS NOT NULL"
    on_new = f"{on} AND {_is_old_row(conn, table, 'new')}"
    on_old = f"{on} AND {_is_old_row(conn, table, 'old')}"
    log = "INSERT INTO undo_log (step, tbl, op, contact_id, sql) SELECT step, '{t}', '{op}', {c}, {s} FROM undo_current"
    insert_cols = columns + (["rowid"] if keys == ["rowid"] else [])
    delete_sql = (
        f"'INSERT INTO {q.replace(chr(39), chr(39) * 2)} ("
        + ",".join(_quoted(c) for c in insert_cols).replace("'", "''")
        + ") VALUES (' || "
        + " || ',' || ".join(_literal(f"old.{_quoted(c)}") for c in insert_cols)
        + " || ')'"
    )
    changed = " OR ".join(f"old.{_quoted(c)} IS NOT new.{_quoted(c)} COLLATE BINARY" for c in columns)
    sets = " || ".join(
        f"CASE WHEN old.{_quoted(c)} IS NOT new.{_quoted(c)} COLLATE BINARY "
        f"THEN ',{_quoted(c)}=' || {_literal(f'old.{_quoted(c)}')} ELSE '' END"
        for c in columns
    )
    t = table.replace("'", "''")
    qe = q.replace("'", "''")
    return [
        f"""CREATE TEMP TRIGGER undo_{name}_insert AFTER INSERT ON main.{q} WHEN {on_new} BEGIN
              {log.format(t=t, op='I', c=_contact_ref(columns, table, 'new'),
                          s=f"'DELETE FROM {qe} WHERE ' || {_where(keys, 'new')}")};
            END""",
        f"""CREATE TEMP TRIGGER undo_{name}_update AFTER UPDATE ON main.{q}
              WHEN {on_old} AND ({changed}) BEGIN
              {log.format(t=t, op='U', c=_contact_ref(columns, table, 'new'),
                          s=f"'UPDATE {qe} SET ' || substr({sets}, 2) || ' WHERE ' || {_where(keys, 'new')}")};
            END""",
        f"""CREATE TEMP TRIGGER undo_{name}_delete AFTER DELETE ON main.{q} WHEN {on} BEGIN
              {log.format(t=t, op='D', c=_contact_ref(columns, table, 'old'), s=delete_sql)};
            END""",
    ]


def install(conn: sqlite3.Connection) -> bool:
    """Give this connection its recording triggers; False on a book without a history table
    (opened read-only before the upgrade, or a newer/older schema seen by `doctor`)."""
    has_log = conn.execute(
        "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = 'undo_log'"
    ).fetchone()
    if not has_log:
        return False
    # REPLACE deletes the row it replaces; only with recursive triggers does that fire the
    # delete trigger (and get recorded). Our triggers only write undo_log, which has none.
    conn.execute("PRAGMA recursive_triggers = ON")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS undo_current (step INTEGER, label TEXT)")
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS undo_floor (tbl TEXT PRIMARY KEY, top INTEGER, seq INTEGER)"
    )
    for old in conn.execute(
        "SELECT name FROM temp.sqlite_master WHERE type = 'trigger' AND name LIKE 'undo\\_%' ESCAPE '\\'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER temp.{_quoted(old[0])}")
    for table in _tables(conn):
        for sql in _trigger_sql(conn, table):
            conn.execute(sql)
    return True


# ------------------------------------------------------------------ steps


def begin(conn: sqlite3.Connection, label: str | None) -> None:
    """Open a step for the transaction just begun (called by `Book.write`)."""
    newest = conn.execute("SELECT coalesce(max(id), 0) FROM undo_steps").fetchone()[0]
    conn.execute("DELETE FROM temp.undo_current")
    conn.execute("DELETE FROM temp.undo_floor")
    conn.execute("INSERT INTO temp.undo_current (step, label) VALUES (?, ?)", (newest + 1, label))


def pause(conn: sqlite3.Connection) -> None:
    """Record nothing in this transaction (bookkeeping writes, the undo itself)."""
    conn.execute("DELETE FROM temp.undo_current")
    conn.execute("DELETE FROM temp.undo_floor")


def bulk(conn: sqlite3.Connection) -> None:
    """Record the rest of this step cheaply: an import of 100k people must not write 100k log
    rows. New rows of every table (ids above today's highest) go with one range delete per
    table; changes to rows that were there before are recorded one by one as usual.

    Safe because undo goes newest first: when this step is undone, every row above the
    floors was added by it (or cascades from one that was).
    """
    if conn.execute("SELECT step FROM temp.undo_current").fetchone() is None:
        return
    for table in _tables(conn):
        if conn.execute(
            "SELECT 1 FROM main.sqlite_master WHERE name = ? AND sql LIKE '%WITHOUT ROWID%'", (table,)
        ).fetchone():
            continue  # their new rows hang off new parents and go with them (ON DELETE CASCADE)
        if conn.execute("SELECT 1 FROM temp.undo_floor WHERE tbl = ?", (table,)).fetchone():
            continue
        top = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM main.{_quoted(table)}").fetchone()[0]
        cursor = conn.execute(
            "INSERT INTO undo_log (step, tbl, op, contact_id, sql) "
            "SELECT step, ?, 'I', NULL, ? FROM temp.undo_current",
            (table, f"DELETE FROM {_quoted(table)} WHERE rowid > {int(top)}"),
        )
        conn.execute(
            "INSERT INTO temp.undo_floor (tbl, top, seq) VALUES (?, ?, ?)", (table, top, cursor.lastrowid)
        )


def _drop_unused_ranges(conn: sqlite3.Connection) -> None:
    """A bulk step's range deletes for tables it added nothing to: not worth keeping."""
    for table, top, seq in conn.execute("SELECT tbl, top, seq FROM temp.undo_floor").fetchall():
        newest = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM main.{_quoted(table)}").fetchone()[0]
        if newest <= top:
            conn.execute("DELETE FROM undo_log WHERE seq = ?", (seq,))
    conn.execute("DELETE FROM temp.undo_floor")


def name(conn: sqlite3.Connection, label: str) -> None:
    """Name the open step, unless an outer write named it already."""
    conn.execute("UPDATE temp.undo_current SET label = ? WHERE label IS NULL", (label,))


def end(conn: sqlite3.Connection, source: str) -> int | None:
    """Close the step before the commit: keep it if anything was recorded; the step's id."""
    row = conn.execute("SELECT step, label FROM temp.undo_current").fetchone()
    conn.execute("DELETE FROM temp.undo_current")
    _drop_unused_ranges(conn)
    if row is None:
        return None
    step, label = row[0], row[1]
    if not conn.execute("SELECT 1 FROM undo_log WHERE step = ? LIMIT 1", (step,)).fetchone():
        return None
    now = clock.now()
    conn.execute(
        "INSERT INTO undo_steps (id, label, source, made_at) VALUES (?, ?, ?, ?)",
        (step, label, source, now.isoformat(timespec="seconds")),
    )
    _prune(conn, step, now)
    return step


def _prune(conn: sqlite3.Connection, newest: int, now) -> None:
    cutoff = (now - timedelta(days=KEEP_DAYS)).isoformat(timespec="seconds")
    conn.execute(
        "DELETE FROM undo_steps WHERE id <= ? OR made_at < ?", (newest - KEEP_STEPS, cutoff)
    )
    oldest = conn.execute("SELECT min(id) FROM undo_steps").fetchone()[0]
    conn.execute("DELETE FROM undo_log WHERE step < ?", (oldest if oldest is not None else newest + 1,))


def forget(conn: sqlite3.Connection) -> None:
    """Drop the whole history (inside the caller's transaction): after emptying the trash."""
    conn.execute("DELETE FROM undo_log")
    conn.execute("DELETE FROM undo_steps")


def label(book: Book, step_id: int, text: str) -> None:
    """Name a step after the fact (the app names what a screen just did), unless named."""
    with book.write(record=False) as conn:
        conn.execute("UPDATE undo_steps SET label = ? WHERE id = ? AND label IS NULL", (text, step_id))


# ------------------------------------------------------------------ reading


def steps(book: Book, *, limit: int | None = 20, include_undone: bool = False) -> list[Step]:
    """Recent steps, newest first (undone ones too with `include_undone`)."""
    sql = """SELECT s.id, s.label, s.source, s.made_at, s.undone_at,
                    (SELECT count(*) FROM undo_log l WHERE l.step = s.id) AS changes
               FROM undo_steps s"""
    if not include_undone:
        sql += " WHERE s.undone_at IS NULL"
    sql += " ORDER BY s.id DESC"
    params: tuple = ()
    if limit is not None:
        sql += " LIMIT ?"
        params = (limit,)
    found = []
    for row in book.conn.execute(sql, params).fetchall():
        label, contact_id = _describe(book, row[0]) if row[4] is None else (None, None)
        found.append(Step(row[0], row[1] or label or "a change", row[2], row[3], row[4], row[5],
                          contact_id))
    return found


def newest(book: Book) -> Step | None:
    """The step `undo` would take back, or None."""
    found = steps(book, limit=1)
    return found[0] if found else None


def newest_id(book: Book) -> int:
    """The id of the newest step, undone or not (0 for none): a mark to compare against."""
    if not _has_history(book):
        return 0
    return book.conn.execute("SELECT coalesce(max(id), 0) FROM undo_steps").fetchone()[0]


def _has_history(book: Book) -> bool:
    return bool(book.conn.execute(
        "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = 'undo_steps'"
    ).fetchone())


# ------------------------------------------------------------------ undoing


def undo(book: Book, step_id: int | None = None, *, after: int = 0) -> Step:
    """Take back the newest step (which must be `step_id` if given, and newer than `after`).

    One transaction. Returns the step as it was described before the undo. Raises
    HistoryError when there is nothing to undo, or when `step_id` is no longer the newest.
    """
    with book.write(record=False) as conn:
        step = newest(book)
        if step is None or step.id <= after:
            raise HistoryError("nothing to undo")
        if step_id is not None and step.id != step_id:
            raise HistoryError(
                f"a newer change ({step.label}) must be undone first"
                if step.id > step_id else "that change was undone already"
            )
        # Children may come back before their parent: foreign keys are checked at the commit.
        conn.execute("PRAGMA defer_foreign_keys = ON")
        statements = conn.execute(
            "SELECT sql FROM undo_log WHERE step = ? ORDER BY seq DESC", (step.id,)
        ).fetchall()
        people = [row[0] for row in conn.execute(
            "SELECT DISTINCT contact_id FROM undo_log WHERE step = ? AND contact_id IS NOT NULL",
            (step.id,))]
        for (sql,) in statements:
            conn.execute(sql)
        # A step recorded before m019 does not put the applying circle back with the circles,
        # nor one recorded before m020 the name's key as fold() makes it now.
        from . import cadence_circles
        from .migrations import refresh_sort_keys

        cadence_circles.refresh(conn, people)
        refresh_sort_keys(conn, people)
        conn.execute(
            "UPDATE undo_steps SET undone_at = ?, label = ? WHERE id = ?",
            (clock.now().isoformat(timespec="seconds"), step.label, step.id),
        )
        conn.execute("DELETE FROM undo_log WHERE step = ?", (step.id,))
    return step


# ------------------------------------------------------------------ describing

# The row that says what a step was, by table and change; the first found names the step.
_VERBS = [
    ("merges", "I", "merge into {names}"),
    ("dismissed_pairs", "I", "note {names} as two people"),
    ("contacts", "I", "add {names}"),
    ("interactions", "I", "log {kind} with {names}"),
    ("favours", "I", "record a favour with {names}"),
    ("introductions", "I", "record an introduction of {names}"),
    ("follow_ups", "I", "add a follow-up with {names}"),
    ("contacts", "D", "delete {names}"),
    ("interactions", "D", "delete an interaction with {names}"),
    ("favours", "D", "delete a favour with {names}"),
    ("introductions", "D", "delete an introduction of {names}"),
    ("follow_ups", "D", "delete a follow-up with {names}"),
    ("contacts", "U", "edit {names}"),
    ("interactions", "U", "edit an interaction with {names}"),
    ("favours", "U", "change a favour with {names}"),
    ("introductions", "U", "note how the introduction of {names} went"),
    ("follow_ups", "U", "change a follow-up with {names}"),
    ("interaction_contacts", None, "change who was at an interaction: {names}"),
    ("review_state", None, "review action for {names}"),
    ("memberships", None, "change the circles of {names}"),
    ("circles", None, "change circles"),
]


def _describe(book: Book, step_id: int) -> tuple[str | None, int | None]:
    """A phrase for an unnamed step from what it changed ("edit Ada Lovelace"), and the
    contact it was mostly about."""
    rows = book.conn.execute(
        "SELECT tbl, op, contact_id, sql FROM undo_log WHERE step = ? ORDER BY seq", (step_id,)
    ).fetchall()
    if not rows:
        return None, None
    contact_ids = list(dict.fromkeys(r[2] for r in rows if r[2] is not None))
    for row in rows:  # a bulk step (an import): say how many people it added
        if row[0] == "contacts" and " WHERE rowid > " in row[3]:
            top = int(row[3].rsplit(" ", 1)[1])
            # Its people are those above its floor and below the first one a later step added.
            later = [int(sql.rsplit(" ", 1)[1]) + 1 if " WHERE rowid > " in sql else _key_of(sql)
                     for (sql,) in book.conn.execute(
                         "SELECT sql FROM undo_log WHERE step > ? AND tbl = 'contacts' AND op = 'I'",
                         (step_id,))]
            below = min((i for i in later if i is not None), default=2**63 - 1)
            added = book.conn.execute("SELECT count(*) FROM contacts WHERE id > ? AND id < ?",
                                      (top, below)).fetchone()[0]
            merged = len(contact_ids)
            return (f"add {counted(added, 'contact')}"
                    + (f" and update {merged}" if merged else "")), None
    trash = _trash_step(book, rows, contact_ids)
    if trash is not None:
        return trash
    circle = _circle_edit(rows)
    if circle is not None:  # before "edit {names}": a rename rewrites every member's row
        return circle, None
    for table, op, template in _VERBS:
        hit = next((r for r in rows if r[0] == table and (op is None or r[1] == op)), None)
        if hit is None:
            continue
        ids = contact_ids
        if table == "contacts" and op == "U":
            return _contact_update(book, hit), hit[2]
        if table == "interactions":
            ids = _participants(rows) or ids
        if table == "interaction_contacts":
            # Who came or went: an edit rewrites the participants, the ones kept included.
            went = [r[2] for r in rows if r[0] == table and r[1] == "D"]
            came = [r[2] for r in rows if r[0] == table and r[1] == "I"]
            ids = [i for i in dict.fromkeys(went + came) if (i in went) != (i in came)] or ids
        if table == "introductions":  # both people, not just the first
            pair = book.conn.execute(
                "SELECT contact_a, contact_b FROM introductions WHERE id = ?", (_key_of(hit[3]),)
            ).fetchone()
            ids = list(pair) if pair else ids
        kind = _interaction_kind(book, hit[3]) if table == "interactions" and op == "I" else "an interaction"
        return template.format(names=_names(book, ids), kind=kind), (ids[0] if ids else None)
    return f"change {', '.join(sorted({r[0] for r in rows}))}", (contact_ids[0] if contact_ids else None)


_RECORD_NOUNS = {"interactions": "an interaction", "favours": "a favour",
                 "introductions": "an introduction", "follow_ups": "a follow-up", "circles": "a circle"}


def _trash_step(book: Book, rows, contact_ids: list[int]) -> tuple[str, int | None] | None:
    """A record (a log, a favour, …) moved to the trash or brought back by the step: its
    label and person, or None. Brought back, it is inserted again: not a new log."""
    for trash_op, record_op, template in (("D", "I", "bring {noun} with {names} back from the trash"),
                                          ("I", "D", "move {noun} with {names} to the trash")):
        if not any(r[0] == "trashed_records" and r[1] == trash_op for r in rows):
            continue
        record = next((r for r in rows if r[0] in _RECORD_NOUNS and r[1] == record_op), None)
        if record is None:
            continue
        ids = contact_ids
        if record[0] == "interactions":
            ids = _participants(rows) or ids
        noun = (_interaction_kind(book, record[3]) if record[0] == "interactions" and record_op == "I"
                else _RECORD_NOUNS[record[0]])
        return template.format(noun=noun, names=_names(book, ids)), (ids[0] if ids else None)
    return None


def _participants(rows) -> list[int]:
    """The people of the interaction a step logged or removed (its participant rows)."""
    return [r[2] for r in rows if r[0] == "interaction_contacts" and r[2] is not None]


def _interaction_kind(book: Book, undo_sql: str) -> str:
    """'a call', 'a meeting' … for the interaction an undo statement deletes."""
    found = book.conn.execute("SELECT kind FROM interactions WHERE id = ?", (_key_of(undo_sql),)).fetchone()
    return f"a {found[0]}" if found and found[0] != "other" else "an interaction"


def _contact_update(book: Book, row) -> str:
    """What a change of one person did, read from the undo statement (it holds the values from
    before the step): the person's state now may have moved on since (trashed, then restored)."""
    name = _names(book, [row[2]])
    changed = _set_columns(row[3])
    if "deleted_at" in changed:
        return (f"move {name} to the trash" if '"deleted_at"=NULL' in row[3]
                else f"bring {name} back from the trash")
    if changed == {"archived", "updated_at"} or changed == {"archived"}:
        return (f"archive {name}" if re.search(r'[ ,]"archived"=0\b', row[3])
                else f"bring {name} back from the archive")
    return f"edit {name}"


def _set_columns(sql: str) -> set[str]:
    head = sql.split(" WHERE ", 1)[0]
    return set(re.findall(r'[ ,]"([^"]+)"=', head))


_CIRCLE_NAME = re.compile(r'"name"=CAST\(X\'([0-9A-Fa-f]*)\' AS TEXT\)')


def _circle_edit(rows) -> str | None:
    """"rename circle #Old to #New" / "change the cadence of #Name" for a step that changed a
    circle (and, through it, its members' rows), else None. The undo SQL of a circle's row
    sets the old values back WHERE "name" is the new name (both hex-quoted)."""
    if any(r[0] == "interactions" for r in rows):
        return None  # a group meeting with a #circle: a log, described as one
    hit = next((r for r in rows if r[0] == "circles" and r[1] == "U"), None)
    if hit is None:
        return None
    names = [bytes.fromhex(h).decode("utf-8", "replace") for h in _CIRCLE_NAME.findall(hit[3])]
    if len(names) == 2 and names[0] != names[1]:  # SET "name"=old ... WHERE "name"=new
        return f"rename circle #{names[0]} to #{names[1]}"
    return f"change the cadence of #{names[-1]}" if names else "change a circle"


def _key_of(sql: str) -> int | None:
    found = re.search(r'WHERE "id"=(\d+)', sql)
    return int(found.group(1)) if found else None


def _names(book: Book, ids: list[int], most: int = 3) -> str:
    if not ids:
        return "someone"
    marks = ",".join("?" * len(ids[:most]))
    found = dict(book.conn.execute(f"SELECT id, name FROM contacts WHERE id IN ({marks})", ids[:most]).fetchall())
    names = [found.get(i, f"#{i}") for i in ids[:most]]
    more = len(ids) - most
    text = " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]
    return text + (f" and {more} more" if more > 0 else "")


def to_json(found: list[Step]) -> str:
    return json.dumps([s.to_json() for s in found], ensure_ascii=False)


__all__ = [
    "HistoryError", "KEEP_DAYS", "KEEP_STEPS", "Step", "begin", "bulk", "end", "forget", "install",
    "label", "name", "newest", "newest_id", "pause", "steps", "undo",
]
