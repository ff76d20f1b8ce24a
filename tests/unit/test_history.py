"""The undo history: each kind of write is undone exactly (every table compared), newest first,
bounded, one step per transaction, across two connections to one book."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from kontakt.config import Config
from kontakt.domain import Birthday, Cadence
from kontakt.services import dupes, review, stats
from kontakt.store import Book, history
from kontakt.store.trash import empty_trash

TODAY = date(2026, 11, 23)
ADDED = "2025-01-01T09:00:00+00:00"


def snapshot(book: Book) -> dict[str, list[tuple]]:
    """Every row of every table (the history and the search index's internals aside)."""
    tables = [
        row[0] for row in book.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'contacts_fts%' AND name NOT IN ('undo_steps', 'undo_log') "
            "ORDER BY name"
        )
    ]
    assert {"contacts", "memberships", "interaction_contacts", "review_state", "merges"} <= set(tables)
    return {
        table: sorted((tuple(row) for row in book.conn.execute(f'SELECT * FROM "{table}"')), key=repr)
        for table in tables
    }


def search_is_consistent(book: Book) -> bool:
    # FTS5's own check: the index matches the contacts table row for row.
    book.conn.execute("INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('integrity-check', 1)")
    return True


@pytest.fixture
def book(tmp_path: Path):
    with Book.open(tmp_path / "kontakt.db") as opened:
        ids = {}
        ids["olga"] = opened.add_contact(
            "Olga Petrova", today=TODAY, cadence=Cadence.parse("monthly"), tags=["work", "chess"],
            emails=["olga@example.com"], notes="likes chess", created_at=ADDED,
        )
        ids["olga2"] = opened.add_contact("Olga Petrowa", today=TODAY, emails=["olga@example.com"],
                                          org="Acme", created_at=ADDED)
        ids["sam"] = opened.add_contact("Sam Berg", today=TODAY, tags=["work"], created_at=ADDED,
                                        birthday=Birthday(11, 24))
        ids["dora"] = opened.add_contact("Dora Drift", today=TODAY, cadence=Cadence.parse("monthly"),
                                         created_at=ADDED)
        opened.log_interaction([ids["olga"], ids["sam"]], on=date(2026, 9, 1), kind="meeting", today=TODAY)
        opened.log_interaction([ids["olga2"]], on=date(2026, 10, 1), kind="call", today=TODAY)
        opened.add_favour(ids["olga2"], direction="received", description="lent a bike", on=date(2026, 10, 2))
        opened.add_follow_up(ids["olga2"], due=date(2026, 11, 20), note="send the paper",
                             recurrence=Cadence.parse("monthly"))
        opened.add_introduction(ids["olga2"], ids["sam"], on=date(2026, 10, 3))
        opened.ids = ids
        yield opened


def item_of(book: Book, kind: str, contact_id: int | None = None):
    found = [i for i in review.build_review(book, TODAY, Config(), limit=None).items
             if i.kind == kind and (contact_id is None or i.contact_id == contact_id)]
    assert found, kind
    return found[0]


WRITES = {
    "add": lambda b, i: b.add_contact("Neu Person", today=TODAY, tags=["new circle"], notes="n"),
    "edit": lambda b, i: b.update_contact(i["olga"], today=TODAY, name="Olga King", org="Chess Club",
                                          tags=["family"], emails=["o@k.org"], cadence=None),
    "trash": lambda b, i: b.trash_contact(i["sam"]),
    "archive": lambda b, i: b.archive(i["sam"]),
    "log": lambda b, i: b.log_interaction([i["olga"], i["dora"]], on=TODAY, kind="call", note="hi"),
    "favour": lambda b, i: b.add_favour(i["sam"], direction="given", description="advice", on=TODAY),
    "favour-status": lambda b, i: b.set_favour_status(1, "returned"),
    "intro": lambda b, i: b.add_introduction(i["olga"], i["dora"], on=TODAY, note="chess"),
    "intro-outcome": lambda b, i: b.set_introduction_outcome(1, "they play", on=TODAY),
    "follow-up": lambda b, i: b.add_follow_up(i["sam"], due=TODAY + timedelta(days=3)),
    "complete-recurring-follow-up": lambda b, i: b.complete_follow_up(1, on=TODAY),
    "snooze-follow-up": lambda b, i: b.snooze_follow_up(1, until=TODAY + timedelta(days=2)),
    "circle-cadence": lambda b, i: b.set_circle_cadence("work", Cadence.parse("every 2 weeks"), today=TODAY),
    "merge": lambda b, i: dupes.merge(b, i["olga"], i["olga2"], today=TODAY),
    "dismiss-pair": lambda b, i: dupes.dismiss(b, i["olga"], i["olga2"]),
    "cadence-accepted": lambda b, i: stats.accept_suggested_cadence(b, i["sam"], "quarterly", today=TODAY),
    "review-done": lambda b, i: review.mark_done(b, item_of(b, "keep-in-touch", i["olga"]), TODAY, "call"),
    "review-done-birthday": lambda b, i: review.mark_done(b, item_of(b, "birthday"), TODAY, "message"),
    "review-done-follow-up": lambda b, i: review.mark_done(b, item_of(b, "follow-up"), TODAY),
    "review-snooze": lambda b, i: review.snooze(b, item_of(b, "keep-in-touch", i["dora"]),
                                                TODAY + timedelta(days=1), as_of=TODAY),
    "review-skip": lambda b, i: review.skip_for_today(b, item_of(b, "keep-in-touch", i["olga"]), TODAY),
    "review-let-drift": lambda b, i: review.let_drift(b, i["dora"], as_of=TODAY),
    "purge-nothing-else": lambda b, i: b.set_setting("x", "y"),  # settings are bookkeeping
}


@pytest.mark.parametrize("kind", sorted(WRITES))
def test_each_kind_of_write_is_undone_exactly(book, kind):
    before = snapshot(book)
    steps_before = history.newest_id(book)
    WRITES[kind](book, book.ids)
    after = snapshot(book)
    assert after != before, "the write changed nothing: the test would prove nothing"
    if kind == "purge-nothing-else":
        assert history.newest_id(book) == steps_before  # no step for bookkeeping
        return
    assert history.newest_id(book) == steps_before + 1  # one action, one step
    undone = history.undo(book)
    assert undone.id == steps_before + 1
    assert snapshot(book) == before
    assert search_is_consistent(book)
    assert history.newest(book).id == steps_before  # the step before is next


def test_undo_goes_newest_first_and_says_what_each_step_was(book):
    olga = book.ids["olga"]
    before = snapshot(book)
    book.update_contact(olga, today=TODAY, org="Chess Club")
    book.log_interaction([olga], on=TODAY, kind="call")
    with book.step("favour and follow-up for Olga"):
        book.add_favour(olga, direction="given", description="a book", on=TODAY)
        book.add_follow_up(olga, due=TODAY + timedelta(days=7))
    labels = [history.undo(book).label for _ in range(3)]
    assert labels == ["favour and follow-up for Olga", "log a call with Olga Petrova", "edit Olga Petrova"]
    assert snapshot(book) == before


def test_a_participant_left_out_of_an_old_meeting_is_named_by_the_step(book):
    """Only the meeting's people changed (their last contact is a later one): the step
    names who went, and is about them, not "change interaction_contacts" about the first."""
    from kontakt.store import records

    ids = [book.ids["olga"], book.ids["olga2"]]
    old = book.log_interaction(ids, on=TODAY - timedelta(days=100), kind="meeting", today=TODAY)
    book.log_interaction(ids, on=TODAY - timedelta(days=1), kind="meeting", today=TODAY)
    before = snapshot(book)
    records.edit_interaction(book, old, today=TODAY, people=[ids[0]])
    step = history.newest(book)
    assert step.label == "change who was at an interaction: Olga Petrowa"
    assert history._describe(book, step.id)[1] == ids[1]
    assert history.undo(book).label == step.label
    assert snapshot(book) == before


def test_undoing_an_older_step_by_id_is_refused_while_a_newer_one_stands(book):
    book.update_contact(book.ids["sam"], today=TODAY, org="A")
    older = book.last_step
    book.update_contact(book.ids["sam"], today=TODAY, org="B")
    with pytest.raises(history.HistoryError, match="newer change"):
        history.undo(book, older)
    assert book.get_contact(book.ids["sam"]).org == "B"


def test_a_failed_write_leaves_no_step_and_the_next_write_is_its_own(book):
    newest = history.newest_id(book)
    with pytest.raises(RuntimeError):
        with book.write():
            book.update_contact(book.ids["sam"], today=TODAY, org="lost")
            raise RuntimeError("boom")
    assert history.newest_id(book) == newest
    assert book.conn.execute("SELECT count(*) FROM undo_log WHERE step > ?", (newest,)).fetchone()[0] == 0
    book.update_contact(book.ids["sam"], today=TODAY, org="kept")
    assert history.newest(book).label == "edit Sam Berg" and history.newest_id(book) == newest + 1


def test_the_history_keeps_the_newest_steps_only(book, monkeypatch):
    monkeypatch.setattr(history, "KEEP_STEPS", 5)
    for n in range(12):
        book.update_contact(book.ids["sam"], today=TODAY, org=f"org {n}")
    kept = history.steps(book, limit=None, include_undone=True)
    assert len(kept) == 5
    assert [s.id for s in kept] == list(range(kept[0].id, kept[0].id - 5, -1))
    logged = {row[0] for row in book.conn.execute("SELECT DISTINCT step FROM undo_log")}
    assert logged == {s.id for s in kept}  # no inverse statements left for forgotten steps
    for _ in range(5):
        history.undo(book)
    assert book.get_contact(book.ids["sam"]).org == "org 6"
    with pytest.raises(history.HistoryError):
        history.undo(book)


def test_steps_older_than_the_keep_days_are_forgotten(book, monkeypatch):
    book.update_contact(book.ids["sam"], today=TODAY, org="old")
    old = book.last_step
    book.conn.execute("UPDATE undo_steps SET made_at = '2000-01-01T00:00:00+00:00' WHERE id = ?", (old,))
    book.update_contact(book.ids["sam"], today=TODAY, org="new")
    assert old not in [s.id for s in history.steps(book, limit=None, include_undone=True)]


def test_two_books_on_one_file_make_separate_steps_in_commit_order(book):
    with Book.open(book.path) as other:
        other.history_source = "kontakt log"
        book.update_contact(book.ids["sam"], today=TODAY, org="mine")
        other.log_interaction([book.ids["sam"]], on=TODAY, kind="call")
        book.update_contact(book.ids["sam"], today=TODAY, role="boss")
        found = history.steps(book, limit=3)
        assert [s.label for s in found] == ["edit Sam Berg", "log a call with Sam Berg", "edit Sam Berg"]
        assert [s.source for s in found] == ["", "kontakt log", ""]
        assert history.undo(other).label == "edit Sam Berg"  # whoever asks gets the newest
        assert history.undo(book).source == "kontakt log"
        assert book.interactions_for(book.ids["sam"])[0].date != TODAY


def test_a_cascade_comes_back_parent_and_children(book):
    """Deleting a contact for good cascades to memberships and links; undo brings all back."""
    before = snapshot(book)
    with book.write() as conn:
        conn.execute("DELETE FROM contacts WHERE id = ?", (book.ids["olga2"],))
    assert snapshot(book)["favours"] != before["favours"]
    history.undo(book)
    assert snapshot(book) == before
    assert search_is_consistent(book)


def test_text_that_is_not_utf8_or_holds_nul_comes_back_byte_for_byte(book):
    sam = book.ids["sam"]
    book.conn.execute("UPDATE contacts SET notes = CAST(X'61FF0062' AS TEXT) WHERE id = ?", (sam,))
    raw = lambda: book.conn.execute("SELECT hex(notes) FROM contacts WHERE id = ?", (sam,)).fetchone()[0]  # noqa: E731
    assert raw() == "61FF0062"
    book.update_contact(sam, today=TODAY, notes="clean")
    history.undo(book)
    assert raw() == "61FF0062"


def test_writes_from_another_tool_are_not_recorded(book):
    """A connection without kontakt's TEMP triggers (the sqlite3 shell) leaves no step."""
    from kontakt.store.driver import sqlite3

    newest = history.newest_id(book)
    outside = sqlite3.connect(book.path)
    try:
        outside.execute("UPDATE contacts SET org = 'outside' WHERE id = ?", (book.ids["sam"],))
        outside.commit()
    finally:
        outside.close()
    assert history.newest_id(book) == newest


def test_emptying_the_trash_forgets_the_history(book):
    book.trash_contact(book.ids["sam"])
    assert history.newest(book) is not None
    empty_trash(book)
    assert history.newest(book) is None
    assert book.conn.execute("SELECT count(*) FROM undo_log").fetchone()[0] == 0
    assert book.conn.execute("SELECT count(*) FROM undo_steps").fetchone()[0] == 0


def test_showing_the_review_is_bookkeeping_not_a_step(book):
    day = TODAY - timedelta(days=40)
    for _ in range(4):  # a monthly contact seen every 45 days: drifting
        book.log_interaction([book.ids["dora"]], on=day, today=TODAY)
        day -= timedelta(days=45)
    newest = history.newest_id(book)
    found = review.build_review(book, TODAY, Config(), limit=None)
    assert any(i.kind == "drifting" for i in found.items)
    review.record_offers(book, found, TODAY)
    assert book.conn.execute("SELECT count(*) FROM review_state WHERE offered_on IS NOT NULL").fetchone()[0] > 0
    assert history.newest_id(book) == newest


def test_an_import_is_one_step_and_undone_whole(book, tmp_path):
    from kontakt.services.importers import run_import

    before = snapshot(book)
    csv = tmp_path / "people.csv"
    csv.write_text("name,email\nAnn One,ann@example.com\nBob Two,bob@example.com\n", encoding="utf-8")
    newest = history.newest_id(book)
    run_import(book, csv, today=TODAY)
    assert book.count_contacts() == 6
    assert history.newest_id(book) == newest + 1
    history.undo(book)
    assert snapshot(book) == before


def test_an_import_that_merges_into_people_already_there_is_undone_exactly(book, tmp_path):
    """Bulk mode: new rows go with one range delete per table, changes to old rows one by one."""
    from kontakt.services.importers import run_import

    before = snapshot(book)
    csv = tmp_path / "people.csv"
    rows = "".join(f"Person {n},p{n}@example.com,,friends\n" for n in range(50))
    csv.write_text("name,email,phone,tags\nOlga Petrova,olga@example.com,+49 170 1234,chess\n" + rows,
                   encoding="utf-8")
    run_import(book, csv, today=TODAY)
    assert book.count_contacts() == 4 + 50
    merged = [c for c in (book.get_contact(book.ids["olga"]), book.get_contact(book.ids["olga2"])) if c.phones]
    assert len(merged) == 1  # the import merged into someone already in the book
    logged = book.conn.execute("SELECT count(*) FROM undo_log WHERE step = ?", (book.last_step,)).fetchone()[0]
    assert logged < 20  # not one log row per imported person
    assert history.newest(book).label.startswith("add 50 contacts")
    history.undo(book)
    assert snapshot(book) == before
    assert search_is_consistent(book)


def test_importing_nothing_new_leaves_no_step(book, tmp_path):
    from kontakt.services.importers import run_import

    csv = tmp_path / "people.csv"
    csv.write_text("name,email\nAnn One,ann@example.com\n", encoding="utf-8")
    run_import(book, csv, today=TODAY)
    newest = history.newest_id(book)
    run_import(book, csv, today=TODAY)  # all unchanged
    assert history.newest_id(book) == newest


def test_renaming_a_circle_by_case_only_cascades_and_comes_back(book):
    """Circle names compare NOCASE: a case-only change must still be seen as a change."""
    before = snapshot(book)
    with book.write() as conn:
        conn.execute("UPDATE circles SET name = 'Work' WHERE name = 'work'")
    assert ("Work",) in [r[:1] for r in snapshot(book)["circles"]]
    history.undo(book)
    assert snapshot(book) == before


def test_a_circle_rename_cascades_to_memberships_and_comes_back(book):
    before = snapshot(book)
    with book.write() as conn:
        conn.execute("UPDATE circles SET name = 'office' WHERE name = 'work'")
    assert snapshot(book)["memberships"] != before["memberships"]  # ON UPDATE CASCADE ran
    history.undo(book)
    assert snapshot(book) == before


def test_an_insert_or_replace_records_the_row_it_replaced(book, monkeypatch):
    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")  # its bookkeeping setting is not undone
    before = snapshot(book)
    # A second opening runs no migration (sqlite-utils turns recursive triggers on there):
    # the history must turn them on itself, or REPLACE deletes the old row unrecorded.
    with Book.open(book.path) as again:
        with again.write() as conn:
            conn.execute("INSERT OR REPLACE INTO circles (name, position, created_at) VALUES ('work', 9, 'x')")
        ops = again.conn.execute("SELECT tbl, op FROM undo_log WHERE step = ?", (again.last_step,)).fetchall()
        assert ("circles", "D") in [tuple(op) for op in ops]  # the replaced row is in the step
        history.undo(again)
    assert snapshot(book) == before
