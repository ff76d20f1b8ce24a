"""Each person's applying circle (m019's `contacts.cadence_circle`) stays what their circles say.

The oracle here is computed from the tables alone (memberships, circles, the own cadence), not
by store/cadence_circles.py. After every write path that can change it (joining and leaving
circles, a circle's cadence, an own cadence, trashing, restoring and renaming circles, merges,
imports, the upgrade) and after undoing each, the stored value is the oracle's, and the review
read from the stored values gives what the general path (memberships joined on the fly) gives.
"""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, timedelta
from unittest import mock

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.config import Config
from kontakt.domain import Cadence
from kontakt.services import dupes, review
from kontakt.services.importers import run_import
from kontakt.store import Book, LATEST_VERSION
from kontakt.store import cadence_circles, history, records
from kontakt.store import review_queries as q
from kontakt.store.driver import sqlite3
from kontakt.store.health import diagnose

AS_OF = date(2026, 11, 23)
CONFIG = Config()
LONG_AGO = AS_OF - timedelta(days=200)
# Created in this order (positions 1..5): breakfast and Frühstück share a cadence (the closer
# applies), D'Angelo's is looser, neighbours has none.
CIRCLES = [("breakfast", "weekly"), ("family", "every 2 weeks"), ("Frühstück", "weekly"),
           ("D'Angelo's", "monthly"), ("neighbours", None)]


def _nocase(text: str) -> str:
    """SQLite's NOCASE: ASCII letters only."""
    return text.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"))


def oracle(book: Book) -> dict[int, str | None]:
    """contact id → the circle whose cadence is theirs: none with an own cadence, else the
    first of their circles with a cadence by (length, position, name). Names are matched as
    SQLite matches them: by their bytes, ASCII letters folded (NOCASE); a circle whose name
    is not UTF-8 applies to nobody (the review, asking by the name as Python read it, never
    found its members)."""
    circles = {
        bytes(raw).lower(): (Cadence.parse(cadence).approx_days, position, bytes(raw).lower(), name)
        for name, raw, cadence, position in book.conn.execute(
            "SELECT name, CAST(name AS BLOB), cadence, position FROM circles WHERE cadence IS NOT NULL")
        if name.encode("utf-8") == bytes(raw)}
    member_of: dict[int, list] = defaultdict(list)
    for contact_id, raw in book.conn.execute("SELECT contact_id, CAST(circle AS BLOB) FROM memberships"):
        if bytes(raw).lower() in circles:
            member_of[contact_id].append(circles[bytes(raw).lower()])
    return {contact_id: None if cadence is not None or not member_of[contact_id]
            else min(member_of[contact_id])[3]
            for contact_id, cadence in book.conn.execute("SELECT id, cadence FROM contacts")}


def stored(book: Book) -> dict[int, str | None]:
    return dict(book.conn.execute("SELECT id, cadence_circle FROM contacts").fetchall())


@contextmanager
def general_path():
    """The review as a book without m019 computes it: memberships joined on the fly."""
    with mock.patch.object(q, "has_cadence_circles", lambda book: False):
        yield


def reviews(book: Book) -> list:
    found = []
    for as_of in (AS_OF, AS_OF + timedelta(days=10), AS_OF + timedelta(days=60)):
        for limit in (1, 5, None):
            full = review.build_review(book, as_of, CONFIG, limit=limit)
            found.append((full.items, full.more, full.counts))
            found.append(review.build_review(book, as_of, CONFIG, limit=limit, totals=False).items)
        ranked = sorted(q.circles_with_cadence(book), key=lambda row: Cadence.parse(row[3]).approx_days)
        found.append(q.circle_groups(book, as_of, ranked))
    return found


def check(book: Book) -> dict[int, str | None]:
    """Stored = oracle, the doctor's rule agrees, and the review from the stored circles is
    the general one. Returns the stored values."""
    values = stored(book)
    assert values == oracle(book)
    assert cadence_circles.stale(book.conn) == []
    fast = reviews(book)
    with general_path():
        assert reviews(book) == fast
    return values


def person(book: Book, name: str, tags=(), cadence: str | None = None, seen: date = LONG_AGO) -> int:
    contact_id = book.add_contact(name, today=AS_OF, tags=list(tags),
                                  cadence=Cadence.parse(cadence) if cadence else None,
                                  created_at="2025-01-01T09:00:00+00:00")
    book.log_interaction([contact_id], on=seen, today=AS_OF)
    return contact_id


@pytest.fixture
def book(tmp_path):
    with Book.open(tmp_path / "book.db") as opened:
        for name, cadence in CIRCLES:
            opened.set_circle_cadence(name, Cadence.parse(cadence) if cadence else None, today=AS_OF)
        yield opened


@pytest.fixture
def people(book):
    """Name → id of a few people in awkward circle combinations, most overdue."""
    found = {
        "Olga": person(book, "Olga Petrova", ["family", "breakfast"]),
        "Sam": person(book, "Sam D'Angelo", ["Frühstück", "BREAKFAST"]),
        "Zoë": person(book, "Zoë Ångström", ["Frühstück", "D'Angelo's"]),
        "Jürgen": person(book, "Jürgen Müller", ["D'Angelo's", "neighbours"]),
        "Ned": person(book, "Ned Neighbour", ["neighbours"]),
        "Own": person(book, "Own Cadence", ["breakfast"], cadence="monthly"),
        "Bell": person(book, "Bell\x07 Ringer", ["family"]),
    }
    for n in range(4):  # enough overdue together for the circles' own prompts
        found[f"b{n}"] = person(book, f"Breakfast {n}", ["breakfast"])
        found[f"f{n}"] = person(book, f"Family {n}", ["family"])
    return found


def undo(book: Book) -> None:
    history.undo(book)


def test_each_person_counts_for_the_tightest_then_closest_of_their_circles(book, people):
    values = check(book)
    assert values[people["Olga"]] == "breakfast"  # weekly beats every 2 weeks
    assert values[people["Sam"]] == "breakfast"  # weekly both: breakfast is closer; any case
    assert values[people["Zoë"]] == "Frühstück"
    assert values[people["Jürgen"]] == "D'Angelo's"
    assert values[people["Ned"]] is None and values[people["Own"]] is None
    prompted = {item.circle for item in review._circle_items(book, AS_OF, {})}
    assert prompted == {"breakfast", "family"}  # the prompts the comparisons are about


def test_joining_and_leaving_circles_moves_a_person_and_undo_moves_them_back(book, people):
    ned, bell = people["Ned"], people["Bell"]
    book.update_contact(ned, today=AS_OF, add_tags=["family"])
    assert check(book)[ned] == "family"
    book.update_contact(bell, today=AS_OF, add_tags=["Breakfast"])
    assert check(book)[bell] == "breakfast"
    book.update_contact(bell, today=AS_OF, remove_tags=["breakfast"])
    assert check(book)[bell] == "family"
    book.update_contact(bell, today=AS_OF, tags=["neighbours"])
    assert check(book)[bell] is None
    for expected in ("family", "breakfast"):
        undo(book)
        assert check(book)[bell] == expected
    undo(book)
    undo(book)
    assert check(book)[ned] is None and stored(book)[bell] == "family"


def test_a_circles_cadence_moves_its_members_and_undo_moves_them_back(book, people):
    book.set_circle_cadence("family", Cadence.parse("every 3 days"), today=AS_OF)
    values = check(book)
    assert values[people["Olga"]] == "family" and values[people["Bell"]] == "family"
    book.set_circle_cadence("breakfast", None, today=AS_OF)
    values = check(book)
    assert values[people["Sam"]] == "Frühstück" and values[people["b0"]] is None
    book.set_circle_cadence("neighbours", Cadence.parse("every 3 days"), today=AS_OF)
    assert check(book)[people["Ned"]] == "neighbours"
    assert check(book)[people["Jürgen"]] == "neighbours"  # both 3 days: family is not his
    for _ in range(3):
        undo(book)
    values = check(book)
    assert values[people["Olga"]] == "breakfast" and values[people["Ned"]] is None


def test_an_own_cadence_takes_a_person_out_of_their_circles_count(book, people):
    olga = people["Olga"]
    book.update_contact(olga, today=AS_OF, cadence=Cadence.parse("every 3 months"))
    assert check(book)[olga] is None
    book.update_contact(people["Own"], today=AS_OF, cadence=None)
    assert check(book)[people["Own"]] == "breakfast"
    undo(book)
    undo(book)
    values = check(book)
    assert values[olga] == "breakfast" and values[people["Own"]] is None


def test_interactions_drift_archive_and_trash_change_the_counts_not_the_circle(book, people):
    def applies(name: str) -> int:
        ranked = sorted(q.circles_with_cadence(book), key=lambda row: Cadence.parse(row[3]).approx_days)
        return {g.circle: (g.applies, g.late) for g in q.circle_groups(book, AS_OF, ranked)}[name]

    before = check(book)
    start = applies("breakfast")
    book.log_interaction([people["b0"], people["b1"], people["Olga"]], on=AS_OF, kind="meeting",
                         today=AS_OF)
    assert check(book) == before and applies("breakfast") == (start[0], start[1] - 3)
    review.let_drift(book, people["b2"], as_of=AS_OF)
    assert check(book) == before and applies("breakfast")[0] == start[0] - 1
    review.bring_back(book, people["b2"], as_of=AS_OF)
    book.archive(people["b3"])
    book.trash_contact(people["Sam"])
    assert check(book) == before and applies("breakfast")[0] == start[0] - 2
    book.restore_contact(people["Sam"])
    book.archive(people["b3"], archived=False)
    assert check(book) == before and applies("breakfast") == (start[0], start[1] - 3)
    for _ in range(7):
        undo(book)
    assert check(book) == before and applies("breakfast") == start


def test_trashing_restoring_and_renaming_a_circle(book, people):
    records.trash_circle(book, "breakfast", today=AS_OF)
    values = check(book)
    assert values[people["Olga"]] == "family" and values[people["Sam"]] == "Frühstück"
    assert values[people["b0"]] is None
    records.restore_record(book, "circle", "breakfast", today=AS_OF)
    assert check(book)[people["Olga"]] == "breakfast"
    records.rename_circle(book, "breakfast", "Morning Coffee")
    values = check(book)
    assert values[people["Olga"]] == "Morning Coffee" and values[people["Sam"]] == "Morning Coffee"
    undo(book)
    assert check(book)[people["Sam"]] == "breakfast"
    undo(book)
    undo(book)
    assert check(book)[people["Olga"]] == "breakfast"


def test_a_rename_reorders_two_circles_that_tie_on_cadence_and_position(book, people):
    with book.write():  # a tie an import can make (a circle's position comes with it)
        book.conn.execute("UPDATE circles SET position = 1 WHERE name = 'Frühstück'")
        cadence_circles.refresh(book.conn)
    sam = people["Sam"]
    assert check(book)[sam] == "breakfast"  # same length, same position: by name
    records.rename_circle(book, "breakfast", "zz breakfast")
    assert check(book)[sam] == "Frühstück"
    undo(book)
    assert check(book)[sam] == "breakfast"


def test_merging_two_people_and_undoing_the_merge(book, people):
    result = dupes.merge(book, people["Ned"], people["Olga"], today=AS_OF)
    assert check(book)[people["Ned"]] == "breakfast"  # Olga's circles came along
    dupes.undo_merge(book, result.merge_id, today=AS_OF)
    values = check(book)
    assert values[people["Ned"]] is None and values[people["Olga"]] == "breakfast"


def test_imports_set_it_for_new_people_and_people_filled_in(book, people, tmp_path):
    cards = tmp_path / "people.vcf"
    cards.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Vera Card\r\nN:Card;Vera;;;\r\n"
        "CATEGORIES:neighbours,FAMILY,breakfast\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ned Neighbour\r\nN:Neighbour;Ned;;;\r\n"
        "CATEGORIES:Frühstück,new circle\r\nEND:VCARD\r\n", encoding="utf-8")
    report = run_import(book, cards, today=AS_OF)
    assert report.ok
    values = check(book)
    vera = book.conn.execute("SELECT id FROM contacts WHERE name = 'Vera Card'").fetchone()[0]
    assert values[vera] == "breakfast" and values[people["Ned"]] == "Frühstück"
    undo(book)
    assert check(book)[people["Ned"]] is None


def test_a_json_export_restored_into_an_empty_book_has_the_same_circles(book, people, tmp_path):
    records.rename_circle(book, "family", "Famille")
    exported = tmp_path / "book.json"
    env = {"KONTAKT_TODAY": AS_OF.isoformat(), "KONTAKT_CONFIG": "/nonexistent",
           "KONTAKT_NO_AUTO_BACKUP": "1"}
    runner = CliRunner()
    result = runner.invoke(main, ["--db", str(book.path), "export", "json", "-o", str(exported)], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(exported.read_text(encoding="utf-8"))["contacts"]
    target = tmp_path / "restored.db"
    result = runner.invoke(main, ["--db", str(target), "import", str(exported)], env=env)
    assert result.exit_code == 0, result.output
    with Book.open(target) as restored:
        values = check(restored)
        assert values == stored(book) and "Famille" in values.values()


def test_a_json_import_giving_a_known_circle_its_cadence_moves_the_people_already_in_it(
        book, people, tmp_path):
    """`neighbours` has no cadence here; a JSON file gives it one: Ned (only there) and
    Jürgen (there and in the looser D'Angelo's) now count for it, as after `kontakt circle`,
    and their due dates move with it. Undo puts both back."""
    other_path = tmp_path / "other.db"
    with Book.open(other_path) as other:
        other.set_circle_cadence("Neighbours", Cadence.parse("every 2 weeks"), today=AS_OF)
        person(other, "Nora Next", ["neighbours"])
    exported = tmp_path / "other.json"
    env = {"KONTAKT_TODAY": AS_OF.isoformat(), "KONTAKT_CONFIG": "/nonexistent",
           "KONTAKT_NO_AUTO_BACKUP": "1"}
    runner = CliRunner()
    result = runner.invoke(main, ["--db", str(other_path), "export", "json", "-o", str(exported)], env=env)
    assert result.exit_code == 0, result.output
    before = check(book)
    due_before = dict(book.conn.execute("SELECT id, next_due FROM contacts").fetchall())
    assert before[people["Ned"]] is None and before[people["Jürgen"]] == "D'Angelo's"
    report = run_import(book, exported, today=AS_OF)
    assert report.ok
    values = check(book)
    assert values[people["Ned"]] == "neighbours" and values[people["Jürgen"]] == "neighbours"
    due = dict(book.conn.execute("SELECT id, next_due FROM contacts").fetchall())
    assert due[people["Ned"]] is not None and due_before[people["Ned"]] is None
    assert due[people["Jürgen"]] < due_before[people["Jürgen"]]  # two weeks, not a month
    checks = {c.name: c for c in diagnose(book.path).checks}
    assert checks["cadence circles"].status == "ok", checks["cadence circles"]
    undo(book)
    assert check(book) == before
    assert dict(book.conn.execute("SELECT id, next_due FROM contacts").fetchall()) == due_before


def test_the_upgrade_computes_it_for_everyone(book, people, tmp_path):
    before = stored(book)
    path = book.path
    book.close()
    conn = sqlite3.connect(path)  # the book as schema 18 left it
    for index in ("contacts_by_cadence_circle", "contacts_by_due_span"):
        conn.execute(f"DROP INDEX {index}")
    conn.execute("ALTER TABLE contacts DROP COLUMN cadence_circle")
    conn.execute("PRAGMA user_version = 18")
    conn.commit()
    conn.close()
    with Book.open(path) as upgraded:
        assert upgraded.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert q.has_cadence_circles(upgraded)
        assert check(upgraded) == before and set(before.values()) > {None, "breakfast"}
    assert any(p.name.startswith("book.db.v18-") for p in path.parent.iterdir())  # a backup


def test_doctor_finds_a_wrong_applying_circle_and_fix_recomputes_it(book, people):
    path = book.path
    with book.write(record=False):  # as the sqlite3 tool might leave it
        book.conn.execute("UPDATE contacts SET cadence_circle = 'family' WHERE id = ?", (people["Sam"],))
        book.conn.execute("UPDATE contacts SET cadence_circle = NULL WHERE id = ?", (people["Olga"],))
    book.close()
    checks = {c.name: c for c in diagnose(path).checks}
    assert checks["cadence circles"].status == "fail"
    assert "2 people" in checks["cadence circles"].message
    assert f"#{people['Olga']} has none, should have #breakfast" in checks["cadence circles"].message
    checks = {c.name: c for c in diagnose(path, fix=True).checks}
    assert checks["cadence circles"].status == "fixed"
    assert {c.name: c for c in diagnose(path).checks}["cadence circles"].status == "ok"
    with Book.open(path) as fixed:
        assert check(fixed)[people["Sam"]] == "breakfast"


def test_the_keep_in_touch_page_is_the_general_one_when_many_tie_at_its_edge(book, monkeypatch):
    # Sixty people on one cadence seen the same day tie; the page of five ends among them.
    # Those added last (read last from the index) are the closest and rank first.
    for n in range(60):
        person(book, f"Tied {n:02d}", ["breakfast"] if n >= 45 else ["neighbours"] if n % 2 else [],
               cadence="monthly", seen=AS_OF - timedelta(days=90))
    person(book, "Ahead", cadence="monthly", seen=AS_OF - timedelta(days=300))
    days = []
    run = q._run

    def spy(conn_book, sql, params):
        if ":last" in sql:
            days.append(book.get_contact(params["last"]).next_due.isoformat())
        return run(conn_book, sql, params)

    monkeypatch.setattr(q, "_run", spy)
    for limit in (1, 5, 20, 37, 80):
        fast, _ = q.keep_in_touch_due(book, AS_OF, limit=limit, count=False)
        with general_path():
            general, _ = q.keep_in_touch_due(book, AS_OF, limit=limit, count=False)
        assert fast == general and len(fast) == min(limit, 61)
        # After the most overdue one, the closest (added last) came first.
        assert fast[0].name == "Ahead" and {row.closeness for row in fast[1:16]} <= {1}
    # For 5 and 20 (not 1: the page ends above the tie; not 37 or 80: all sixty fit in its
    # spare rows) the tied rows past the spare ones were read on their due day.
    assert days == [Cadence.parse("monthly").after(AS_OF - timedelta(days=90)).isoformat()] * 2


def test_more_cadence_lengths_and_circles_than_one_query_asks_about(book, people, monkeypatch):
    # A query asks about at most 100 lengths and 200 circles (SQLite's 500 SELECTs); made
    # small here, the groups of lengths and circles are asked about in several queries.
    for n in range(1, 12):
        person(book, f"Every {n}", cadence=f"every {n} days", seen=AS_OF - timedelta(days=3 * n + 5))
    queries = []
    run = q._run
    monkeypatch.setattr(q, "_run", lambda b, sql, p: queries.append(sql) or run(b, sql, p))
    monkeypatch.setattr(q, "_SPANS_PER_QUERY", 2)
    monkeypatch.setattr(q, "_CIRCLES_PER_QUERY", 1)
    check(book)
    assert len([row[0] for row in book.conn.execute(q._SPANS)]) > 12
    # Prompts summed up with their members (with counts), by their first rows per length
    # (without), and the members of those shown: each in more than one query.
    assert sum(sql.count("max(c.last_contact) FROM") == 1 and "min(c.next_due)" in sql
               for sql in queries) > 2
    assert sum("WITH RECURSIVE pairs" in sql for sql in queries) > 2
    assert any(sql.strip().startswith("SELECT 1, json_group_array(c.id), max(c.last_contact)")
               for sql in queries)  # two prompts shown: their members in two queries
    assert sum("ORDER BY c.next_due LIMIT :wanted" in sql for sql in queries) > 2 * 6


def test_a_circle_name_that_is_not_utf8_counts_nobody_on_either_path(book, people):
    # Written by another tool: a weekly circle whose name's bytes are not UTF-8, with members.
    path = book.path
    ids = ", ".join(str(people[name]) for name in ("f0", "f1", "f2", "f3", "Bell"))
    book.close()
    hostile = "CAST(X'6272C3' AS TEXT)"  # "br" and half a character
    subprocess.run(
        ["sqlite3", str(path),
         f"INSERT INTO circles (name, cadence, position, created_at) "
         f"VALUES ({hostile}, 'every week', 9, '2025-01-01T09:00:00+00:00');"
         f"INSERT INTO memberships (contact_id, circle) SELECT id, {hostile} FROM contacts "
         f"WHERE id IN ({ids});"],
        check=True, capture_output=True, timeout=30)
    assert {c.name: c for c in diagnose(path, fix=True).checks}["cadence circles"].status in ("ok", "fixed")
    with Book.open(path) as reopened:
        assert reopened.conn.execute(
            "SELECT count(*) FROM memberships WHERE CAST(circle AS BLOB) = X'6272C3'").fetchone()[0] == 5
        values = check(reopened)  # the review from the stored circles is the general one
        assert values[people["f0"]] == "family" and values[people["Bell"]] == "family"
        prompted = {item.circle for item in review._circle_items(reopened, AS_OF, {})}
        assert prompted == {"breakfast", "family"}


def test_undoing_a_step_recorded_before_the_upgrade_recomputes_it(book, people):
    # A step an older kontakt recorded has no entry for cadence_circle (it had no such column).
    ned = people["Ned"]
    book.update_contact(ned, today=AS_OF, add_tags=["breakfast"])
    assert stored(book)[ned] == "breakfast"
    with book.write(record=False):
        removed = book.conn.execute(
            "DELETE FROM undo_log WHERE sql LIKE 'UPDATE \"contacts\" SET \"cadence_circle\"=%' "
            "AND step = (SELECT max(step) FROM undo_log)").rowcount
    assert removed == 1
    undo(book)
    assert check(book)[ned] is None
