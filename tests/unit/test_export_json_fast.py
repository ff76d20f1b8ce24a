"""The JSON export of a whole plain book lets SQLite write every interaction record whole
(participants included), sorted in temporary files, and writes those bytes to the file
as they are (issue 19: 100k people under 5 s in 80 MiB). The file must stay byte for byte
what it was: checked here against `json.dumps` of rows read with plain SQL (the oracle
shares no code with the export), and against the general path, which an encrypted book,
a connection with TEMP objects and an export of chosen contacts still take."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date, datetime, timezone

import pytest

from kontakt.domain.text import escape_json
from kontakt.services.exporters import atomic_output
from kontakt.services.exporters import json as json_export
from kontakt.store import Book, bulk
from kontakt.store import db as store_db
from kontakt.store.db import lenient_text

TODAY = date(2026, 11, 23)
NOW = "2026-11-23T10:00:00+00:00"
MOMENT = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
TEXTS = ['quote " and \\ backslash', "tab\tnew\nline\r\x00nul\x1b[31mred\x7f", "D'Angelo",
         "100% %s {} [] ,", "Zoë Þóra Łukasz 日本語 🎉 \u2028\u2029", "\x00", "", " ",
         "🧑‍🤝‍🧑 family 👨‍👩‍👧", "\u200b\ufeff\u202e rtl", "a" * 300]
# A group big enough that SQLite's ordering of the participants is really exercised.
CROWD = 45


@pytest.fixture(scope="module")
def book_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("fast") / "book.db"
    with pytest.MonkeyPatch.context() as patch, Book.open(path, create=True) as book:
        patch.setenv("KONTAKT_NOW", "2026-11-23T10:00:00+00:00")
        people = [book.add_contact(f"{text or 'x'} {n}", today=TODAY, notes=text, created_at=NOW)
                  for n, text in enumerate(TEXTS)]
        same = [book.add_contact("Same Name", today=TODAY, created_at=NOW) for _ in range(4)]
        crowd = [book.add_contact(f"Person {n:02d}", today=TODAY, created_at=NOW)
                 for n in range(CROWD)]
        for n, text in enumerate(TEXTS):
            book.log_interaction([people[n], crowd[n], same[n % 4]], on=date(2026, 1 + n, 1),
                                 kind="meeting", note=text)
            book.log_interaction([crowd[n + 1]], on=date(2026, 1 + n, 1), kind="call", note="")
        book.log_interaction(crowd[::-1], on=date(2025, 6, 6), kind="event", note="crowd")
        book.log_interaction(same, on=date(2025, 6, 6), kind="event", note="sames",
                             reached_out="them", thanks=True)
        for n, text in enumerate(TEXTS):
            book.add_favour(people[n], direction=("given", "received")[n % 2],
                            description=f"{text} favour", on=date(2026, 2, 1 + n % 3),
                            weight=1 + n % 3)
            book.add_introduction(people[n], crowd[n + 2], on=date(2026, 3, 1 + n % 3),
                                  note=text, asked_first=bool(n % 2))
            book.add_follow_up(people[n], due=date(2026, 12, 1 + n % 3), note=text)
        book.archive(crowd[0])
        book.trash_contact(crowd[1])
    # From outside, as another tool writes: bytes that are not UTF-8 (a lone surrogate, a
    # cut sequence, an overlong one), a link to nobody, an interaction with no one.
    script = f"""
from kontakt.store.driver import sqlite3
conn = sqlite3.connect({str(path)!r})
x = conn.execute
x("UPDATE contacts SET name = 'lone ' || CAST(X'eda080' AS TEXT) || 'x' WHERE name = 'Person 05'")
x("UPDATE contacts SET name = CAST(X'4d61c3' AS TEXT) WHERE name = 'Person 06'")
x("UPDATE interactions SET note = CAST(X'ff6e6fc0af' AS TEXT) WHERE note = 'crowd'")
x("UPDATE favours SET description = CAST(X'eda080' AS TEXT) WHERE id = 2")
x("UPDATE follow_ups SET note = 'x' || char(0, 8233) || CAST(X'c3' AS TEXT) WHERE id = 3")
x("UPDATE interactions SET note = 'x' || CAST(X'f4908080' AS TEXT) WHERE note = 'sames'")
x("INSERT INTO interactions (uid, date, kind, note, created_at, reached_out, thanks) "
  "VALUES ('lonely', '2026-05-05', 'other', 'alone', '{NOW}', 'them', 1)")
x("INSERT INTO interaction_contacts (interaction_id, contact_id) "
  "SELECT id, 99999 FROM interactions WHERE uid = 'lonely'")
x("INSERT INTO interactions (uid, date, kind, note, created_at) "
  "VALUES ('nobody', '2026-05-05', 'other', 'a' || char(0, 8232, 31) || '\\\"b', '{NOW}')")
conn.commit()
"""
    subprocess.run([sys.executable, "-c", script], check=True)
    return path


def oracle_interactions(book: Book) -> list[str]:
    """Each interaction as json.dumps of its row and its people, read with plain SQL."""
    conn = book.conn
    conn.text_factory = lenient_text
    people: dict[int, list] = {}
    for interaction_id, uid, name in conn.execute(
            "SELECT x.interaction_id, c.uid, c.name FROM interaction_contacts x "
            "JOIN contacts c ON c.id = x.contact_id ORDER BY c.sort_key, c.uid"):
        people.setdefault(interaction_id, []).append({"uid": uid, "name": name})
    rows = conn.execute("SELECT id, uid, date, kind, note, created_at, reached_out, thanks "
                        "FROM interactions ORDER BY date, id").fetchall()
    keys = ("id", "uid", "date", "kind", "note", "created_at", "reached_out", "thanks")
    return [escape_json(json.dumps({**dict(zip(keys, row)), "thanks": bool(row[7]),
                                    "participants": people.get(row[0], [])}, ensure_ascii=False))
            for row in rows]


# The rows of the other sections as the general readers define them, in plain SQL.
ORACLE_SQL = {
    "favours": """SELECT f.id, f.uid, c.uid AS contact, c.name AS contact_name, f.direction,
                         f.description, f.kind, f.weight, f.date, f.status, f.created_at,
                         f.updated_at, f.thanked_on
                    FROM favours f JOIN contacts c ON c.id = f.contact_id ORDER BY f.date, f.id""",
    "introductions": """SELECT i.id, i.uid, a.uid AS a, a.name AS a_name, b.uid AS b,
                               b.name AS b_name, i.date, i.note, i.outcome, i.outcome_on,
                               i.created_at, i.result, i.asked_first
                          FROM introductions i JOIN contacts a ON a.id = i.contact_a
                          JOIN contacts b ON b.id = i.contact_b ORDER BY i.date, i.id""",
    "follow_ups": """SELECT f.id, f.uid, c.uid AS contact, c.name AS contact_name, f.due, f.note,
                            f.recurrence, f.anchor, f.status, f.snoozed_until, f.done_on,
                            f.created_at
                       FROM follow_ups f JOIN contacts c ON c.id = f.contact_id
                      ORDER BY f.due, f.id""",
}


def oracle_records(book: Book, key: str) -> list[str]:
    book.conn.text_factory = lenient_text
    cursor = book.conn.execute(ORACLE_SQL[key])
    names = [d[0] for d in cursor.description]
    out = []
    for row in cursor:
        item = dict(zip(names, row))
        if "asked_first" in item:
            item["asked_first"] = bool(item["asked_first"])
        out.append(escape_json(json.dumps(item, ensure_ascii=False)))
    return out


def section(text: str, key: str) -> list[str]:
    opening = f'\n  "{key}": [\n'
    start = text.index(opening) + len(opening)
    return [line.removesuffix(",")[4:] for line in text[start:text.index("\n  ]", start)].split("\n")]


def export_to_file(book: Book, path) -> bytes:
    with atomic_output(path) as out:  # the file `kontakt export json -o` writes
        json_export.write_book(book, out, now=MOMENT)
    return path.read_bytes()


@pytest.fixture
def fast_path_runs(monkeypatch):
    """Counts the records the SQLite-written path gives, and what went out as bytes."""
    seen = {"lines": 0, "bytes_writes": 0}
    lines, stream = bulk.interaction_lines, json_export._byte_stream

    def counted(*args, **kwargs):
        for batch in lines(*args, **kwargs):
            seen["lines"] += len(batch)
            yield batch

    def spied(out):
        found = stream(out)
        seen["bytes_writes"] += found is not None
        return found

    monkeypatch.setattr(bulk, "interaction_lines", counted)
    monkeypatch.setattr(json_export, "_byte_stream", spied)
    return seen


def test_every_interaction_is_what_json_dumps_of_its_row_gives(book_path, tmp_path, fast_path_runs):
    with Book.open(book_path) as book:
        expected = oracle_interactions(book)
        written = export_to_file(book, tmp_path / "out.json")
        text = io.StringIO()
        json_export.write_book(book, text, now=MOMENT)
    # Interactions, favours, introductions and follow-ups went out as bytes to the file.
    assert fast_path_runs == {"lines": 2 * len(expected), "bytes_writes": 4}
    assert section(written.decode("utf-8"), "interactions") == expected
    assert text.getvalue().encode("utf-8") == written  # the text-only stream: same bytes
    # The interesting rows were there: escapes, U+FFFD for every kind of bad byte, the
    # crowd in name order, nobody, a link to a contact that is gone.
    assert len(expected) == 2 * len(TEXTS) + 4
    assert max(line.count('{"uid"') for line in expected) == CROWD
    assert sum(line.count("\ufffd") for line in expected) >= 4
    assert sum('"participants": []' in line for line in expected) == 2
    assert '"note": "a\\u0000\\u2028\\u001f\\"b"' in written.decode()  # terminal-safe
    json.loads(written)


@pytest.mark.parametrize("key", sorted(ORACLE_SQL))
def test_favours_introductions_and_follow_ups_are_what_json_dumps_of_their_rows_gives(
        book_path, tmp_path, key):
    with Book.open(book_path) as book:
        expected = oracle_records(book, key)
        written = export_to_file(book, tmp_path / "out.json").decode("utf-8")
    assert section(written, key) == expected and len(expected) == len(TEXTS)
    assert "\ufffd" in "".join(expected) or key == "introductions"
    if key == "introductions":
        assert '"asked_first": true' in written and '"asked_first": false' in written


def test_a_weight_that_is_not_an_integer_is_written_as_python_writes_it(book_path, tmp_path):
    """SQLite's json_quote writes a REAL with 15 digits; such a weight (another tool's)
    sends the favours through Python's encoder."""
    copy = tmp_path / "weights.db"
    with Book.open(book_path) as book:
        store_db.backup_into(book.conn, copy)
    script = f"""
from kontakt.store.driver import sqlite3
conn = sqlite3.connect({str(copy)!r})
conn.execute("UPDATE favours SET weight = 1.0000000000000002 WHERE id = 1")
conn.execute("UPDATE favours SET weight = 2.5 WHERE id = 2")
conn.commit()
"""
    subprocess.run([sys.executable, "-c", script], check=True)
    with Book.open(copy) as book:
        assert bulk.favour_lines(book) is None
        expected = oracle_records(book, "favours")
        written = export_to_file(book, tmp_path / "out.json").decode("utf-8")
    assert section(written, "favours") == expected
    assert '"weight": 1.0000000000000002' in written and '"weight": 2.5' in written


def test_the_general_path_writes_the_same_bytes(book_path, tmp_path, fast_path_runs, monkeypatch):
    """With TEMP objects on the connection (the undo triggers of a book that has written)
    the export cannot switch SQLite's temporary storage: it reads by date ranges instead,
    and leaves the triggers in place."""
    with Book.open(book_path) as book:
        fast = export_to_file(book, tmp_path / "fast.json")
        assert fast_path_runs["lines"] > 0
        fast_path_runs["lines"] = 0
        with book.write(label="nothing"):
            pass
        triggers = book.conn.execute(
            "SELECT count(*) FROM temp.sqlite_master WHERE type = 'trigger'").fetchone()[0]
        monkeypatch.setattr(bulk, "DATE_RANGE_ROWS", 3)  # several ranges
        general = export_to_file(book, tmp_path / "general.json")
        assert book.conn.execute(
            "SELECT count(*) FROM temp.sqlite_master WHERE type = 'trigger'").fetchone()[0] == triggers
    assert triggers > 0 and fast_path_runs["lines"] == 0
    assert general == fast


def test_the_connection_is_left_as_it_was_even_when_writing_fails(book_path, fast_path_runs,
                                                                  monkeypatch):
    class Full(io.StringIO):
        def write(self, text):
            if self.tell() > 2000:
                raise OSError("No space left on device")
            return super().write(text)

    monkeypatch.setattr(bulk, "_BATCH", 1)  # the query is mid-way when the write fails
    with Book.open(book_path) as book:
        conn = book.conn
        before = [conn.execute(f"PRAGMA {p}").fetchone()[0]
                  for p in ("temp_store", "main.cache_size", "temp.cache_size")]
        with pytest.raises(OSError, match="No space"):
            json_export.write_book(book, Full(), what="interactions")
        after = [conn.execute(f"PRAGMA {p}").fetchone()[0]
                 for p in ("temp_store", "main.cache_size", "temp.cache_size")]
        assert conn.execute("SELECT count(*) FROM temp.sqlite_master").fetchone()[0] == 0
        assert book.write  # and the book still writes: a step that is undone again
        with book.write(label="still works"):
            pass
    assert fast_path_runs["lines"] > 0  # it failed inside the fast path
    assert after == before


def test_an_encrypted_book_keeps_its_sorts_in_memory(book_path, tmp_path, monkeypatch):
    """SQLCipher writes temporary files in plain text: an encrypted book never takes the
    path that sorts in files; its export is still the same bytes."""
    from kontakt.store import crypto

    copy = tmp_path / "secret.db"
    with Book.open(book_path) as book:
        plain = export_to_file(book, tmp_path / "plain.json")
        store_db.backup_into(book.conn, copy)
    crypto.encrypt(copy, "tea at five")
    monkeypatch.setenv(store_db.PASSPHRASE_ENV, "tea at five")
    try:
        with Book.open(copy) as book:
            with bulk.sorting_on_disk(book) as on_disk:
                store = book.conn.execute("PRAGMA temp_store").fetchone()[0]
            secret = export_to_file(book, tmp_path / "secret.json")
    finally:
        store_db._passphrases.clear()
    assert on_disk is False and store == 0
    assert secret == plain


def test_temporary_objects_made_while_sorting_on_disk_survive_leaving_it(book_path):
    """Setting temp_store back would drop the undo triggers a first write installs inside."""
    from kontakt.store import history

    with Book.open(book_path) as book:
        with bulk.sorting_on_disk(book) as on_disk:
            assert book._recording  # installs the triggers (TEMP objects)
        assert on_disk is True
        triggers = book.conn.execute(
            "SELECT count(*) FROM temp.sqlite_master WHERE type = 'trigger'").fetchone()[0]
        assert triggers > 0
        someone = book.add_contact("Recorded After", today=date(2026, 11, 23))
        history.undo(book)
        assert someone not in [c.id for c in book.list_contacts(archived=None)]
    with Book.open(book_path) as book:
        with bulk.sorting_on_disk(book):
            pass
        assert book.conn.execute("PRAGMA temp_store").fetchone()[0] == 0  # nothing made: as before


def test_when_the_sort_cannot_start_the_general_path_writes_the_same_bytes(
        book_path, tmp_path, monkeypatch):
    """SQLite sorts in temporary files: no room or no writable folder fails the first
    fetch. Nothing of the section is written yet; the general readers take over."""
    from kontakt.store.driver import sqlite3

    with Book.open(book_path) as book:
        fast = export_to_file(book, tmp_path / "fast.json")
    failed = []

    def full(real):
        def failing(*args, **kwargs):  # a generator: it fails on the first line read
            failed.append(real.__name__)
            raise sqlite3.OperationalError("database or disk is full")
            yield []
        return failing

    monkeypatch.setattr(bulk, "interaction_lines", full(bulk.interaction_lines))
    for name in ("favour_lines", "introduction_lines", "follow_up_lines"):
        monkeypatch.setattr(json_export, name, full(getattr(json_export, name)))
    with Book.open(book_path) as book:
        general = export_to_file(book, tmp_path / "general.json")
        assert book.conn.execute("PRAGMA temp_store").fetchone()[0] == 0
    assert failed == ["interaction_lines", "favour_lines", "introduction_lines", "follow_up_lines"]
    assert general == fast


def test_an_export_that_fails_before_the_interactions_stops_their_read_ahead(book_path, monkeypatch):
    """The interactions of a whole book are read on a second connection in a thread while
    the contacts are written; when writing the contacts fails, that read is interrupted,
    its thread ends and its connection is closed."""
    import threading

    from kontakt.store import db as store_db_module

    opened = []
    real = store_db_module.reader_connection

    def tracked(path):
        conn = real(path)
        opened.append(conn)
        return conn

    monkeypatch.setattr(bulk, "reader_connection", tracked)

    class Full(io.StringIO):
        def write(self, text):
            if '"contacts"' in self.getvalue():
                raise OSError("No space left on device")
            return super().write(text)

    with Book.open(book_path) as book:
        with pytest.raises(OSError, match="No space"):
            json_export.write_book(book, Full(), now=MOMENT)
        assert book.conn.execute("PRAGMA temp_store").fetchone()[0] == 0
    assert len(opened) == 1
    with pytest.raises(Exception, match="closed"):
        opened[0].execute("SELECT 1")
    assert not [t for t in threading.enumerate() if t.name == "kontakt-export-interactions"]


def test_closing_the_read_ahead_unused_stops_a_sort_that_started_late(book_path, monkeypatch):
    """An export that fails before the interactions closes the read-ahead: its sort must
    stop, even one whose statement starts after the first interrupt (it ran ~2 s at 100k)."""
    import threading
    import time

    started = threading.Event()

    def endless(book, keys, *, bools=(), conn=None):
        time.sleep(0.2)  # close() has interrupted once by now, with nothing running
        started.set()
        rows = conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n")
        yield [bytes(str(rows.fetchone()[0]), "ascii")]  # only an interrupt ends the count

    monkeypatch.setattr(bulk, "interaction_lines", endless)
    with Book.open(book_path) as book:
        ahead = bulk.InteractionsAhead(book, ["id"])
        closer = threading.Thread(target=ahead.close, daemon=True)
        closer.start()
        closer.join(20)
        assert started.is_set()
        assert not closer.is_alive(), "close() waited on a sort nobody needed"
        assert not ahead._thread.is_alive()
