"""The CSV import's fast paths give exactly what the general paths give.

A clean row (no control character, NFC) has its cells only stripped, a clean contact its
values; a batch of new people with one range of ids gets its memberships from the tags
column; JSON lists are joined by hand. Each is checked here against the per-value path it
stands in for, on awkward text: NFD accents, accents split across two cells, D'Angelo,
controls, bidi overrides, non-NFC spaces, formulas, Google's ' ::: ' and mailto: values.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import date
from pathlib import Path

import pytest

from kontakt.services.importers import merge, run_import, tables
from kontakt.services.importers.rows import email_address, is_clean, line, split_emails
from kontakt.store import Book, bulk

FIXTURES = Path(__file__).parent.parent / "fixtures" / "transfer"
TODAY = date(2026, 11, 23)
GOOGLE_HEADER = (FIXTURES / "google.csv").read_text(encoding="utf-8").splitlines()[0].split(",")

# Cell values that each break some shortcut: NFD and NFC accents, a combining mark that
# would compose with the end of the cell before it, Hangul jamo split across cells, C0/C1
# controls and escapes, bidi overrides, U+2028, U+2000 (not NFC), NBSP, tabs and newlines.
AWKWARD = [
    "Anna", "Müller", "Mu\u0308ller", "\u0301", "e", "D'Angelo", "O\u2019Brien", "Chloé", "Chloe\u0301",
    "\u1100", "\u1161\u11a8", "\ud55c", "Zoë Ålesund", "Þórr", "Łukasz Żółć", "😀", "𝔘𝔫𝔦",
    "Esc\x1b[31mape", "bell\x07", "C1 \x85\x9b", "evil\u202egpj.exe", "line\u2028sep",
    "quad\u2000space", "nb\u00a0sp", "tab\there", "two\nlines", "cr\r\nlf", "  padded  ",
    "=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3", "a\"quote", "back\\slash",
    "", " ", "Kunden", "* myContacts ::: Kunden ::: * starred", "x ::: y", "a;b,c",
    "anna@example.com", "Anna@Example.COM ::: p0@example.org", "mailto:m@example.com",
    '"Müller, Anna" <anna@example.com>, bob@example.com', "/o=ExchangeLabs/cn=abc",
    "a@x ::::b@y", "1980-04-15", "--04-15", "0000-02-29", "1990-02-30", "31/12/1999",
    "+49 170 1234567", "0049 (170) 123-4567", "112",
]


# The values a clean row may hold: its cells still compose across their borders.
CLEAN = [v for v in AWKWARD if is_clean([v])]


def _cell(rnd: random.Random, values: list[str]) -> str:
    return "".join(rnd.choice(values) for _ in range(rnd.randint(0, 2)))


def _rows(count: int, seed: int) -> list[list[str]]:
    rnd = random.Random(seed)
    # Half the rows from clean values only (the fast path), half from all of them.
    return [[_cell(rnd, CLEAN if n % 2 else AWKWARD) for _ in GOOGLE_HEADER] for n in range(count)]


@pytest.fixture(scope="module")
def awkward_rows() -> list[list[str]]:
    rows = _rows(3000, seed=19)
    # and rows that are clean, so the fast path surely runs: plain and accented
    rows += [[f"{c}{n}" if c and GOOGLE_HEADER[i] != "Birthday" else c for i, c in enumerate(
        ["Anna", "", "Müller", "", "", "", "", "", "", "", "Firma", "CEO", "", "1980-04-15", "Row",
         "", "* myContacts ::: Kunden", "* Other", "a@example.com", "", "b@x.org ::: c@x.net",
         "Mobile", "+49 170 1", "", "", "München", "", "", ""])] for n in range(200)]
    return rows


def _read_all(rows, monkeypatch, *, fast: bool):
    calls = {"clean": 0}
    real = is_clean

    def counted(cells):
        result = real(cells) if fast else False
        calls["clean"] += result
        return result

    monkeypatch.setattr(tables, "is_clean", counted)
    read = tables._row_reader("google", GOOGLE_HEADER, {}, TODAY)
    out = []
    for row in rows:
        try:
            out.append(read(list(row)))
        except Exception as error:  # the same rows must fail the same way
            out.append((type(error).__name__, str(error)))
    monkeypatch.undo()
    return out, calls["clean"]


def test_a_clean_row_is_read_exactly_as_cell_by_cell(awkward_rows, monkeypatch):
    fast, clean_rows = _read_all(awkward_rows, monkeypatch, fast=True)
    slow, none = _read_all(awkward_rows, monkeypatch, fast=False)
    assert none == 0
    assert clean_rows >= 1500  # the fast path really ran (the 200 clean rows and random ones)
    assert clean_rows < len(awkward_rows) - 1000  # and the awkward rows really took the other
    assert fast == slow


def test_is_clean_is_true_exactly_when_every_cell_is_its_own_line(awkward_rows):
    checked = 0
    for row in awkward_rows:
        each = all(line(c) == c.strip() and "\n" not in c and "\t" not in c and "\r" not in c
                   for c in row)
        if is_clean(row):
            assert each, row
            checked += 1
    assert checked >= 1500
    # a mark that composes only with the previous cell's end: each cell alone is clean
    assert is_clean(["e", "\u0301x"]) and is_clean(["\u1100", "\u1161"])
    assert not is_clean(["Mu\u0308ller"]) and not is_clean(["quad\u2000"]) and not is_clean(["a\x85"])


def test_plain_addresses_with_google_separators_split_as_the_careful_path_does():
    import re

    values = [a + sep + b for a in AWKWARD for b in AWKWARD[:20] for sep in (" ::: ", ":::", ",")]
    careful = 0
    for value in values:
        expected = [e for e in (email_address(v) for v in re.split(r"\s*:::\s*|[;,]", value)) if e]
        if "<" in value or '"' in value:
            continue  # display names: parsed by getaddresses, not split
        careful += 1
        assert split_emails(value) == expected, value
    assert careful > 1000


def test_json_lists_are_written_as_the_encoder_writes_them():
    rnd = random.Random(5)
    lists = [[rnd.choice(AWKWARD) for _ in range(rnd.randint(0, 4))] for _ in range(3000)]
    lists += [['", "'], ['a", "b'], ["\\"], ['"'], ["x", '"']]
    encode = json.JSONEncoder(ensure_ascii=False).encode
    for values in lists:
        assert bulk._json_list(values) == encode(values), values


def test_uids_are_random_version_4_uuids_as_uuid4_writes_them():
    uids = bulk._uids(3000)
    assert len(set(uids)) == 3000
    for text in uids:
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122 and str(parsed) == text


def test_email_and_phone_lists_keep_the_first_of_each_as_unique_does():
    from kontakt.store.values import _unique

    rnd = random.Random(3)
    pool = ["a@x.org", "A@X.org", " a@x.org ", "", " ", "b@y", "+49 170 1", "0049-170-1", "+49170 1",
            "112", "ü@x", "Ü@X", "u\u0308@x", "x\x07y"]
    twins = 0
    for _ in range(3000):
        values = [rnd.choice(pool) for _ in range(rnd.randint(0, 5))]
        emails = _unique((bulk._fast_line(v) for v in values), key=str.casefold)
        phones = _unique((bulk._fast_line(v) for v in values),
                         key=lambda p: __import__("re").sub(r"\D", "", p) or p)
        twins += len(emails) < len([v for v in values if v.strip()])
        assert bulk._clean_emails(values) == emails, values
        assert bulk._clean_phones(values) == phones, values
    assert twins > 500


def _book_rows(book: Book) -> list[tuple]:
    columns = [r[1] for r in book.conn.execute("PRAGMA table_xinfo(contacts)")]
    contacts = [tuple(r) for r in book.conn.execute(
        f"SELECT {', '.join(columns)} FROM contacts ORDER BY id")]
    # the people added before the import have random uids; the import's come from a counter
    contacts = [(r[0], r[1] if r[1].startswith("uid-") else "?", *r[2:]) for r in contacts]
    members = [tuple(r) for r in book.conn.execute(
        "SELECT contact_id, circle FROM memberships ORDER BY contact_id, circle")]
    circles = [tuple(r) for r in book.conn.execute("SELECT name, position FROM circles ORDER BY name")]
    search = [book.conn.execute("SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH ?",
                                (word,)).fetchone()[0] for word in ("anna", "kunden", "example", "müller")]
    return contacts + members + circles + [tuple(search)]


def _csv(rows: list[list[str]]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(GOOGLE_HEADER)
    writer.writerows([[c.replace("\x00", "") for c in row] for row in rows])
    return out.getvalue()


@pytest.fixture(scope="module")
def awkward_csv(tmp_path_factory, awkward_rows) -> Path:
    path = tmp_path_factory.mktemp("csv") / "awkward.csv"
    # ~600 rows: some duplicates of earlier ones (by email, phone, name) to merge across batches
    rows = awkward_rows[:400] + awkward_rows[-200:] + awkward_rows[100:130]
    path.write_text(_csv(rows), encoding="utf-8", newline="")
    return path


def _import(tmp_path: Path, csv_path: Path, *, fast: bool, existing: bool, monkeypatch) -> list[tuple]:
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T10:00:00+00:00")
    monkeypatch.setattr(merge, "BATCH", 37)  # many flushes, merges into flushed people
    monkeypatch.setattr(bulk, "_uids", lambda n: [f"uid-{next(_counter)}" for _ in range(n)])
    if not fast:
        monkeypatch.setattr(tables, "is_clean", lambda cells: False)
        monkeypatch.setattr(bulk, "_all_clean", lambda values: False)
        monkeypatch.setattr(bulk, "_json_list", bulk._json)

        def members(self, rows, memberships):  # the pairs bound one by one, as before
            self.conn.executemany(
                "INSERT OR IGNORE INTO memberships (contact_id, circle) VALUES (?, ?)", memberships)

        monkeypatch.setattr(bulk.BulkWriter, "_insert_memberships", members)
    path = tmp_path / f"{'fast' if fast else 'slow'}-{existing}.db"
    with Book.open(path) as book:
        if existing:
            book.add_contact("Anna Existing", today=TODAY, emails=["anna@example.com"], tags=["Kunden"])
            book.add_contact("Phone Person", today=TODAY, phones=["+49 170 1234567"])
            book.add_contact("D'Angelo", today=TODAY, org="Müller")
        report = run_import(book, csv_path, today=TODAY)
        rows = _book_rows(book) + [(report.summary(),)]
    monkeypatch.undo()
    return rows


_counter = iter(range(10**9))


@pytest.mark.parametrize("existing", [False, True], ids=["empty book", "book with people"])
def test_an_import_through_the_fast_paths_writes_the_book_the_general_paths_write(
        tmp_path, awkward_csv, monkeypatch, existing):
    global _counter
    _counter = iter(range(10**9))
    fast = _import(tmp_path, awkward_csv, fast=True, existing=existing, monkeypatch=monkeypatch)
    _counter = iter(range(10**9))
    slow = _import(tmp_path, awkward_csv, fast=False, existing=existing, monkeypatch=monkeypatch)
    summary = fast[-1][0]
    assert "added" in summary and " 0 merged" not in summary  # merges really happened
    assert sum(1 for r in fast if len(r) == 2 and isinstance(r[0], int)) > 300  # memberships
    assert fast == slow


def _write_contacts(path: Path, contacts: list[bulk.NewContact]) -> list[tuple]:
    with Book.open(path) as book:
        with book.write():
            writer = bulk.BulkWriter(book, TODAY)
            for contact in contacts:
                contact.id = writer.reserve_id()
            writer.insert_contacts(contacts)
        return _book_rows(book)


def test_a_clean_contact_is_written_exactly_as_value_by_value(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T10:00:00+00:00")
    rnd = random.Random(7)

    def values(pool, most=3):
        return [_cell(rnd, pool) for _ in range(rnd.randint(0, most))]

    def contacts():  # raw values, as any importer might hand them over: NFD, controls, twins
        made = []
        for n in range(1500):
            pool = CLEAN if n % 2 else AWKWARD
            emails = values(pool)
            made.append(bulk.NewContact(
                name=f"N{n} {_cell(rnd, pool)}", nickname=_cell(rnd, pool), org=_cell(rnd, pool),
                role=_cell(rnd, pool), location=_cell(rnd, pool), notes=_cell(rnd, AWKWARD),
                emails=emails + [e.upper() for e in emails[:1]], phones=values(pool),
                tags=values(pool) + ["#Kunden", "kunden"], uid=f"u{n}"))
        return made

    seen = {"clean": 0}
    real = bulk._all_clean

    def counted(found):
        result = real(found)
        seen["clean"] += result
        return result

    rnd.seed(7)
    monkeypatch.setattr(bulk, "_all_clean", counted)
    fast = _write_contacts(tmp_path / "fast.db", contacts())
    rnd.seed(7)
    monkeypatch.setattr(bulk, "_all_clean", lambda found: False)
    slow = _write_contacts(tmp_path / "slow.db", contacts())
    assert 600 <= seen["clean"] <= 1000  # both paths really ran
    assert fast == slow


def test_memberships_of_a_batch_with_a_gap_in_its_ids_are_bound_one_by_one(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())
    statements: list[str] = []
    with Book.open(tmp_path / "gap.db") as book:
        book.conn.set_trace_callback(statements.append)
        with book.write():
            writer = bulk.BulkWriter(book, TODAY)
            contacts = [bulk.NewContact(name=f"P{n}", tags=["Kunden", "#kunden", "Breakfast"]) for n in range(4)]
            for contact in contacts:
                contact.id = writer.reserve_id()
            writer.reserve_id()  # a gap: the range would hold an id that is not in the batch
            contacts[-1].id = writer.reserve_id()
            writer.insert_contacts(contacts)
            more = [bulk.NewContact(name=f"Q{n}", tags=["breakfast"]) for n in range(3)]
            for contact in more:
                contact.id = writer.reserve_id()
            writer.insert_contacts(more)
        members = book.conn.execute("SELECT contact_id, circle FROM memberships ORDER BY 1, 2").fetchall()
    ids = [c.id for c in contacts]
    assert [tuple(m) for m in members] == (
        [(i, c) for i in ids for c in ("Breakfast", "Kunden")] + [(c.id, "Breakfast") for c in more])
    # only the batch without a gap read its memberships back from the tags
    ranges = {s.rsplit("BETWEEN", 1)[1].strip() for s in statements if "json_each(c.tags)" in s}
    assert ranges == {f"{more[0].id} AND {more[-1].id}"}


def test_the_row_checks_still_skip_blank_rows_and_refuse_nul_bytes(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes((",".join(GOOGLE_HEADER) + "\r\n" + "," * 28 + "\r\n" + " ,\t," + "," * 26 + "\r\n"
                      + "Nul\x00,Byte" + "," * 27 + "\r\n" + "Ok,Row" + "," * 27 + "\r\n").encode())
    with Book.open(tmp_path / "book.db") as book:
        report = run_import(book, path, today=TODAY)
    assert [w for w, _ in report.outcome.rejected] == ["line 4"]
    assert "NUL" in report.outcome.rejected[0][1]
    assert len(report.outcome.added) == 1


def test_a_circle_made_by_a_merge_into_someone_already_written_is_reused_by_later_rows(
        tmp_path, monkeypatch):
    monkeypatch.setattr(merge, "BATCH", 2)
    path = tmp_path / "later.csv"
    rows = [["Anna", "a@x.org", ""], ["Bob", "b@x.org", ""],
            ["Anna", "a@x.org", "Neighbours"],  # merged into Anna, written already: makes the circle
            ["Carl", "c@x.org", "NEIGHBOURS"], ["Dora", "d@x.org", "neighbours"]]  # new, later batches
    path.write_text("name,email,tags\r\n" + "".join(",".join(r) + "\r\n" for r in rows), encoding="utf-8")
    with Book.open(tmp_path / "book.db") as book:
        report = run_import(book, path, today=TODAY)
        circles = [tuple(r) for r in book.conn.execute("SELECT name FROM circles")]
        members = {tuple(r) for r in book.conn.execute(
            "SELECT c.name, m.circle FROM memberships m JOIN contacts c ON c.id = m.contact_id")}
    assert (len(report.outcome.added), len(report.outcome.merged)) == (4, 1)
    assert circles == [("Neighbours",)]  # the first spelling; inserting it again failed the import
    assert members == {("Anna", "Neighbours"), ("Carl", "Neighbours"), ("Dora", "Neighbours")}


def test_optional_columns_written_as_null_are_null_and_set_ones_keep_their_text(tmp_path, monkeypatch):
    from kontakt.domain import Birthday, Cadence

    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T10:00:00+00:00")
    contacts = [bulk.NewContact(name="Nobody Set"),
                bulk.NewContact(name="All Set", birthday=Birthday(4, 15), cadence=Cadence.parse("monthly"),
                                deleted_at="2026-11-20T10:00:00+00:00"),
                bulk.NewContact(name="Odd Stamp", deleted_at="")]
    path = tmp_path / "nulls.db"
    _write_contacts(path, contacts)
    with Book.open(path) as book:
        kinds = [tuple(r) for r in book.conn.execute(
            "SELECT typeof(birthday), typeof(cadence), typeof(deleted_at), typeof(next_due), deleted_at, "
            "typeof(cadence_circle) FROM contacts ORDER BY id")]
    assert kinds == [("null", "null", "null", "null", None, "null"),
                     ("text", "text", "text", "text", "2026-11-20T10:00:00+00:00", "null"),
                     ("null", "null", "text", "null", "", "null")]


def test_a_big_batch_goes_in_without_undo_triggers_and_is_still_undone_whole(tmp_path, monkeypatch):
    from kontakt.store import history

    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())
    path = tmp_path / "big.csv"
    rows = "".join(f"Person {n},p{n}@example.com,friends\r\n" for n in range(300))
    path.write_text("name,email,tags\r\nAnna Neu,anna@example.com,chess\r\n" + rows, encoding="utf-8")

    def state(book):
        return ([tuple(r) for r in book.conn.execute("SELECT * FROM contacts ORDER BY id")],
                [tuple(r) for r in book.conn.execute("SELECT * FROM memberships ORDER BY 1, 2")],
                [tuple(r) for r in book.conn.execute("SELECT name FROM circles ORDER BY 1")])

    with Book.open(tmp_path / "book.db") as book:
        book.add_contact("Anna Alt", today=TODAY, emails=["anna@example.com"], tags=["friends"])
        before = state(book)
        triggers = lambda: sorted(tuple(r) for r in book.conn.execute(  # noqa: E731
            "SELECT name, sql FROM temp.sqlite_master WHERE type = 'trigger'"))
        installed = triggers()
        statements: list[str] = []
        book.conn.set_trace_callback(statements.append)
        report = run_import(book, path, today=TODAY)
        book.conn.set_trace_callback(None)
        assert (len(report.outcome.added), len(report.outcome.merged)) == (300, 1)
        assert any(s.startswith("DROP TRIGGER temp.undo_contacts_insert") for s in statements)
        assert triggers() == installed  # put back verbatim, still TEMP
        logged = book.conn.execute("SELECT count(*) FROM undo_log WHERE step = ?",
                                   (history.newest_id(book),)).fetchone()[0]
        assert logged < 20  # one range delete per table, the merge row by row
        after_import = state(book)
        book.add_contact("Later One", today=TODAY, tags=["friends"])  # recorded as before
        history.undo(book)
        assert state(book) == after_import
        history.undo(book)
        assert state(book) == before
