"""The REF index (m017, trigrams): REF lookups through it answer exactly what the walk of every
name answered, and the index stays in step with the contacts through every kind of write."""

from __future__ import annotations

import difflib
import json
from datetime import date

import pytest

from kontakt.domain import fold
from kontakt.services.dupes import merge
from kontakt.services.importers import run_import
from kontakt.store import AmbiguousRef, Book, history
from kontakt.store import contacts as contacts_module
from kontakt.store.health import diagnose
from kontakt.store.migrations import MIGRATIONS, REF_INDEX, m017_ref_trigram
from kontakt.store.search import _words

TODAY = date(2026, 11, 23)
FIRST = ["Anna", "Joanna", "Hanna", "Ännchen", "Jürgen", "Zoë", "Søren", "D'Angelo", "D’Angelo",
         "O'Brien", "Weiß", "WEISS", "ẞtraße", "Łukasz", "ﬁona", "İlkay", "Σίσυφος", "王小明",
         "Ａｎｎａ", 'Quinn "Q"', "Per%cent", "Under_score"]
LAST = ["Müller", "Mueller", "van der Berg", "García", "Østergaard", "Smith"]
NICKNAMES = ["", "Max", "ÄNNCHEN", 'Big "Q"', "ẞig", "Maxi"]
# What people type, and what they should not: cases, accents, pieces of names and emails,
# quotes of both kinds, LIKE and FTS5 syntax, JSON punctuation, 1-2 letters, nothing known.
REFS = ["anna", "ANNA", "ann", "nna", "an", "a", "jo", "joanna m", "hanna", "ännchen", "annchen",
        "ÄNNCHEN", "nnc", "jürgen", "jurgen", "JÜRG", "zoe", "zoë", "søren", "soren", "ørensen",
        "d'angelo", "d’angelo", "D'ANG", "'an", "’an", "o'brien", "obrien", "weiß", "weiss",
        "WEISS M", "ss", "ß", "ẞ", "strasse", "straße", "lukasz", "łuk", "fiona", "ﬁona", "ilkay",
        "σισυφος", "σίσυφος", "ΣΊΣΥΦΟΣ", "王", "王小", "小明", "ａｎｎａ", "anna mül", '"q"', '"',
        '""', 'q"', "per%cent", "%", "%c", "_", "r_s", "under_", "müller", "mueller", "MULLER",
        "van der", "r berg", "garcia", "østergaard", "ostergaard", "smith", "+news", "news@",
        "+news@example.org", "@example.org", "example", "EXAMPLE.ORG", "änne", "ÄNNE", "änne1",
        "@müller.de", "müller.de", '", "', '["', '"]', "], [", "max", "maxi", "big", 'big "q"',
        "ẞig", "ssig", "zz", "qx", "xyzzy", "nobody@nowhere.example", "red", "\x1b[31m",
        "nul", "nul\x00byte", "tab", "a" * 40, "Jurgne Mueler", "Zoe Smitt", "Hannna",
        "al", "AL", "bo", "wq", "yz", "z\"", '"]', "@x", "王小", "øs", "ŋs", "x\x00"]


def _email(first: str, n: int) -> list[str]:
    local = fold(first).replace(" ", "").replace('"', "") or "x"
    emails = [f"{local}.{n}+news@Example.ORG"]
    if n % 5 == 0:
        emails.append(f"ÄNNE{n}@MÜLLER.DE")  # lower() in SQL leaves Ä; the index folds it
    return emails


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("refindex") / "book.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
        book = Book.open(path)
        n = 0
        with book.write():
            for first in FIRST:
                for last in LAST:
                    n += 1
                    contact_id = book.add_contact(
                        f"{first} {last}", today=TODAY, archived=n % 7 == 0,
                        emails=_email(first, n), nickname=NICKNAMES[n % len(NICKNAMES)],
                    )
                    if n % 11 == 0:
                        book.trash_contact(contact_id)
            # Rows as another program may write them: control and NUL bytes, raw JSON
            # escapes, an escaped quote inside an email.
            raw = [("\x1b[31mRed\x1b[0m Hering", "Nul\x00Byte", '["RED@EXAMPLE.ORG"]'),
                   ("Tab\tStop", "", '["t\\u00e4b@example.org", "TAB@Ünï.example"]'),
                   ("Plain Annalise", "", '["ANNA@X", "q\\"uote@x"]'),
                   ("Ännchen Raw", "ÄNNCHEN", "[]"),
                   # Two-letter REFs at the very end of a name or nickname, or all of it.
                   ("Ka Jazz", "zz", "[]"), ("Al", "Bo", '["q@x.yz"]'), ("Ed Wq", "", "[]")]
            for index, (name, nickname, emails) in enumerate(raw):
                book.conn.execute(
                    "INSERT INTO contacts (uid, name, sort_key, nickname, emails, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, '2026-11-23', '2026-11-23')",
                    (f"raw-{index}", name, fold(name), nickname, emails),
                )
    yield book
    book.close()


OLD_SQL = """SELECT id FROM contacts NOT INDEXED
              WHERE deleted_at IS NULL
                AND (instr(sort_key, ?) > 0 OR instr(lower(emails), ?) > 0
                     OR instr(lower(nickname), ?) > 0)
              ORDER BY archived, sort_key, id LIMIT 51"""


def _refs(book: Book) -> list[str]:
    """REFS, and every contact's first email and the middle of their name (exact matches)."""
    refs = list(REFS)
    for name, emails in book.conn.execute("SELECT name, emails FROM contacts ORDER BY id"):
        refs.append(name[len(name) // 3 : len(name) // 3 + 5])
        try:
            refs.extend(json.loads(emails)[:1])
        except ValueError:
            pass
    return refs


def _outcome(book: Book, ref: str) -> tuple:
    try:
        return ("found", book.find(ref).id)
    except AmbiguousRef as error:
        return ("ambiguous", [c.id for c in error.candidates], [c.id for c in error.suggestions])


def test_the_index_finds_the_same_rows_in_the_same_order_as_the_old_scan(book):
    refs = _refs(book)
    answered = walked = 0
    sizes = set()
    for ref in refs:
        key = fold(ref.strip())
        old = [row[0] for row in book.conn.execute(OLD_SQL, (key, key, key))]
        indexed = book._ref_ids_indexed(key)
        if indexed is None:
            walked += 1
        else:
            answered += 1
            assert indexed == old, ref
        assert [row["id"] for row in book._ref_rows(key)] == old, ref
        assert book._ref_ids_walked(key) == old, ref
        sizes.add(min(len(old), 2))
    short = [ref for ref in refs if "\x00" in ref or len(fold(ref.strip())) < 2
             or (len(fold(ref.strip())) == 2 and not contacts_module._two_letter_ref(fold(ref.strip())))]
    assert "ŋs" in short and "øs" not in short and "王小" not in short and "zz" not in short
    assert walked == len(short) and answered == len(refs) - len(short) > 300  # the index answered
    assert sizes == {0, 1, 2}


def test_find_answers_as_the_walk_did_including_exact_matches_and_suggestions(book, monkeypatch):
    refs = _refs(book)
    new = [_outcome(book, ref) for ref in refs]
    monkeypatch.setattr(Book, "_ref_ids_indexed", lambda self, key: None)  # the walk alone
    old = [_outcome(book, ref) for ref in refs]
    assert new == old
    kinds = {(o[0], len(o[1]) if o[0] == "ambiguous" else 1, bool(o[0] == "ambiguous" and o[2]))
             for o in new}
    # Someone found, several people, no one at all, and no one but a suggestion.
    assert {("found", 1, False), ("ambiguous", 0, False), ("ambiguous", 0, True)} <= kinds
    assert any(kind == "ambiguous" and size > 1 for kind, size, _ in kinds)
    # Among several candidates an exact email wins: "+news@example.org" is in every email.
    assert book.find("anna.1+news@example.org").name == "Anna Müller"


def test_a_ref_with_too_many_candidates_walks_and_finds_the_same(book, monkeypatch):
    monkeypatch.setattr(contacts_module, "REF_INDEX_CANDIDATES", 5)
    key = fold("@example.org")
    assert book._ref_ids_indexed(key) is None  # over the cap: the index gives up
    old = [row[0] for row in book.conn.execute(OLD_SQL, (key, key, key))]
    assert [row["id"] for row in book._ref_rows(key)] == old and len(old) == 51
    assert book._ref_ids_indexed(fold("łukasz m")) is not None  # a rare one still asks it
    assert book._ref_ids_indexed("an") is None  # a common pair too: its trigrams say so
    old = [row[0] for row in book.conn.execute(OLD_SQL, ("an", "an", "an"))]
    assert [row["id"] for row in book._ref_rows("an")] == old and len(old) == 51
    assert book._ref_ids_indexed("wq") is not None


def test_suggestions_are_those_of_comparing_every_name(book):
    """The old suggest (every ratio computed) is the oracle for the pruned one."""

    def old_suggest(ref: str) -> list[int]:
        words = _words(fold(ref))
        match = " OR ".join(contacts_module._prefix_term(w[:2]) for w in words)
        rows = book.conn.execute(
            """SELECT c.id, c.sort_key FROM contacts_fts f JOIN contacts c ON c.id = f.rowid
                WHERE contacts_fts MATCH ? AND c.deleted_at IS NULL LIMIT 5000""",
            (f"{{name nickname}} : ({match})",),
        ).fetchall()
        key, scored = fold(ref), []
        for row in rows:
            score = max([difflib.SequenceMatcher(None, key, row["sort_key"]).ratio()]
                        + [difflib.SequenceMatcher(None, w, nw).ratio()
                           for w in words for nw in row["sort_key"].split()])
            if score >= 0.75:
                scored.append((-score, row["sort_key"], row["id"]))
        scored.sort()
        return [contact_id for _, _, contact_id in scored[:3]]

    typos = ["Jurgne Mueler", "Zoe Smitt", "Hannna", "Joana Garcya", "Lukas Ostergard", "Srøen",
             "Dangelo", "Weis Smith", "Fiona Mülller", "Ilkai", "Anna", "q", "小", "Ann Ann Ann"]
    found = 0
    for typo in typos:
        expected = old_suggest(typo)
        assert [c.id for c in book.suggest(typo)] == expected, typo
        found += bool(expected)
    assert found >= 8


def _in_step(book: Book) -> None:
    # Raises "database disk image is malformed" when the index and the contacts differ.
    book.conn.execute(f"INSERT INTO {REF_INDEX} ({REF_INDEX}, rank) VALUES ('integrity-check', 1)")


def test_the_index_follows_adds_edits_trash_merges_and_undo(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
    with Book.open(tmp_path / "book.db") as book:
        zelda = book.add_contact("Zelda Quixotic", today=TODAY, emails=["zq@example.org"])
        other = book.add_contact("Zelda Q. Quixotic", today=TODAY, emails=["zelda.q@work.example"])
        assert book.find("a q. q").id == other  # in "zelda q. quixotic" only
        book.update_contact(zelda, today=TODAY, name="Wilhelmina Quarrel", nickname="Mina",
                            emails=["mina@example.org"])
        _in_step(book)
        assert book.find("quarrel").id == zelda and book.find("mina@").id == zelda
        with pytest.raises(AmbiguousRef):
            book.find("zq@example")  # the old email is gone from the index too
        assert book.find("zelda").id == other
        book.log_interaction([other], on=TODAY, today=TODAY)  # last_contact: no index rewrite
        _in_step(book)
        book.trash_contact(other)
        with pytest.raises(AmbiguousRef):
            book.find("zelda.q@work")
        book.restore_contact(other)
        assert book.find("zelda.q@work").id == other
        merge(book, zelda, other, today=TODAY)  # the other goes to the trash, emails move
        _in_step(book)
        assert book.find("zelda.q@work").id == zelda
        history.undo(book)
        _in_step(book)
        assert book.find("zelda.q@work").id == other
        book.conn.execute("DELETE FROM contacts WHERE id = ?", (other,))  # emptying the trash
        _in_step(book)
        with pytest.raises(AmbiguousRef):
            book.find("zelda.q@work")


def test_a_bulk_import_fills_the_index_and_puts_its_trigger_back(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
    source = tmp_path / "people.csv"
    rows = ["name,email"] + [f"Bulk Person{n:03d},bulk{n:03d}@Example.org" for n in range(300)]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with Book.open(tmp_path / "book.db") as book:
        statements: list[str] = []
        book.conn.set_trace_callback(statements.append)
        try:
            run_import(book, source, today=TODAY)
        finally:
            book.conn.set_trace_callback(None)
        assert [s for s in statements if s.startswith(f"INSERT INTO {REF_INDEX} (rowid")]  # one fill
        assert book.count_contacts() == 300
        _in_step(book)
        assert book.find("bulk123@example").name == "Bulk Person123"
        triggers = {row[0] for row in book.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'contacts_ref_%'")}
        assert triggers == {"contacts_ref_ai", "contacts_ref_ad", "contacts_ref_au"}
        book.add_contact("After Import", today=TODAY, emails=["after@example.org"])
        assert book.find("after@exa").name == "After Import"  # the insert trigger is back


def test_the_migration_fills_the_index_of_an_existing_book_and_can_run_again(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
    path = tmp_path / "book.db"
    with Book.open(path) as book:
        for n in range(30):
            book.add_contact(f"Old Person{n}", today=TODAY, emails=[f"old{n}@example.org"])
        # The book as it was before m017 (schema 16): no REF index at all.
        with book.write():
            for name in ("contacts_ref_ai", "contacts_ref_ad", "contacts_ref_au"):
                book.conn.execute(f"DROP TRIGGER {name}")
            book.conn.execute(f"DROP TABLE {REF_INDEX}")
            book.conn.execute("DROP VIEW contacts_ref_text")
        version = book.conn.execute("PRAGMA user_version").fetchone()[0]
        # Schema as it was just before m017 (later migrations run again too: idempotent).
        book.conn.execute(f"PRAGMA user_version = {MIGRATIONS.index(m017_ref_trigram)}")
    with Book.open(path) as book:  # migrates
        assert book.conn.execute("PRAGMA user_version").fetchone()[0] == version
        count = book.conn.execute(
            f"SELECT count(*) FROM {REF_INDEX} WHERE {REF_INDEX} MATCH '\"n17\"'").fetchone()[0]
        assert count == 1  # "Old Person17" was indexed by the migration
        assert book.find("old17@exam").name == "Old Person17"
        from sqlite_utils import Database

        with book.write():
            m017_ref_trigram(Database(book.conn))  # again: nothing breaks, nothing doubles
        _in_step(book)
        assert book.find("old17@exam").name == "Old Person17"


def test_doctor_finds_a_ref_index_out_of_step_and_fix_rebuilds_it(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
    path = tmp_path / "book.db"
    with Book.open(path) as book:
        ada = book.add_contact("Ada Lovelace", today=TODAY, emails=["ada@example.org"])
        book.conn.execute("DROP TRIGGER contacts_ref_au")
        book.conn.execute("UPDATE contacts SET emails = '[\"countess@example.org\"]' WHERE id = ?", (ada,))
    report = diagnose(path)
    [check] = [c for c in report.checks if c.name == "ref index"]
    assert check.status == "fail" and "contacts_ref_au" in check.message and not report.healthy
    fixed = diagnose(path, fix=True)
    assert [c.status for c in fixed.checks if c.name == "ref index"] == ["fixed"]
    assert [c.status for c in diagnose(path).checks if c.name == "ref index"] == ["ok"]
    with Book.open(path) as book:
        assert book.find("countess@").id == ada
        book.update_contact(ada, today=TODAY, emails=["ada.king@example.org"])  # trigger is back
        assert book.find("ada.king@").id == ada


def test_emptying_the_trash_leaves_no_trigram_of_the_deleted_person_in_the_index(tmp_path, monkeypatch):
    from kontakt.store.trash import empty_trash

    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
    with Book.open(tmp_path / "book.db") as book:
        for n in range(300):
            book.add_contact(f"Filler {n}", today=TODAY, emails=[f"f{n}@example.org"])
        gone = book.add_contact("Zqxwv Secretperson", today=TODAY, emails=["zqxwv@hidden.example"])
        book.trash_contact(gone)

        def blocks_holding_their_trigrams() -> int:
            return book.conn.execute(
                f"SELECT count(*) FROM {REF_INDEX}_data WHERE instr(block, CAST('zqx' AS BLOB)) > 0"
                " OR instr(block, CAST('xwv' AS BLOB)) > 0").fetchone()[0]

        assert blocks_holding_their_trigrams() > 0  # the test sees them before
        empty_trash(book)
        # Deleted entries stay in old segments until they merge: emptying merges them.
        assert blocks_holding_their_trigrams() == 0
        _in_step(book)
        assert book.find("f299@").name == "Filler 299"


def test_datasette_and_sqlite_utils_still_see_only_the_search_index(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
    with Book.open(tmp_path / "book.db") as book:
        # What both tools look for; they take the first row, whatever the order.
        found = [row[0] for row in book.conn.execute(
            """SELECT name FROM sqlite_master WHERE rootpage = 0
                AND (sql LIKE '%VIRTUAL TABLE%USING FTS%content=[contacts]%'
                     OR sql LIKE '%VIRTUAL TABLE%USING FTS%content="contacts"%')""")]
        assert found == ["contacts_fts"]
        assert book.conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = ?", (REF_INDEX,)).fetchone()[0] == 1


def test_a_book_without_the_ref_index_is_still_answered_by_the_walk(tmp_path, monkeypatch):
    """As a book of schema 16 opened read-only (doctor, or a file kontakt may not upgrade)."""
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
    with Book.open(tmp_path / "book.db") as book:
        jazz = book.add_contact("Ka Jazz", today=TODAY, emails=["ka@example.org"])
        book.conn.execute(f"DROP TABLE {REF_INDEX}")
        assert book._ref_ids_indexed("zz") is None and book._ref_ids_indexed("jazz") is None
        assert book.find("zz").id == jazz and book.find("ka@exa").id == jazz
