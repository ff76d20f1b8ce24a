"""`kontakt export json` → `kontakt import` into an empty book gives the same book back:
every table, row for row, ids included — review state, dismissed pairs and merge records too."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.config import Config
from kontakt.domain import Address, Birthday, Cadence
from kontakt.services import dupes, review
from kontakt.services.exporters import json as json_export
from kontakt.services.importers import ImportRefused, run_import
from kontakt.store import Book
from kontakt.store import records as store_records
from kontakt.store import relations as store_relations
from kontakt.store import review_queries
from kontakt.store.trash import empty_trash

TODAY = date(2026, 11, 23)
ADDED = "2025-01-01T09:00:00+00:00"
# Written by hand here, not taken from the code under test: these describe the machine.
PER_MACHINE = {"backup.last_day", "demo"}


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())


def tables(book: Book) -> list[str]:
    """Every table of the file but SQLite's own, the search index's (derived), the review's
    per-day budget count (review_handled: working state of one day, not exported), capture's
    inbox and file cache (working state of this machine's scans) and what was written into
    this machine's calendar folders (calendar_sync_items: restored elsewhere, it would read an
    empty folder there as every to-do deleted) and what `kontakt sync` last agreed with a
    vCard folder (sync_cards: per machine, likewise)."""
    return [
        row[0] for row in book.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'contacts_fts%' "
            "AND name NOT IN ('undo_steps', 'undo_log', 'review_handled', 'capture_proposals', "
            "'capture_files', 'calendar_sync_items', 'sync_cards') "
            "ORDER BY name"  # the undo history records the test's own writes: not content
        )
    ]


def rows(book: Book, table: str) -> list[tuple]:
    found = sorted(
        (tuple(row) for row in book.conn.execute(f'SELECT * FROM "{table}"')), key=repr
    )
    if table == "settings":
        found = [row for row in found if row[0] not in PER_MACHINE]
    return found


def populate(book: Book) -> dict[str, int]:
    """A small book with at least one row in every table, made through the public API,
    with gaps in the ids (so a restore that renumbers cannot pass)."""
    book.set_circle_cadence("breakfast", Cadence.parse("weekly"), today=TODAY)
    anna = book.add_contact("Anna Müller", today=TODAY, emails=["anna@example.com"],
                            tags=["breakfast"], birthday=Birthday(11, 25), created_at=ADDED,
                            notes="line one\nline two", labels={"anna@example.com": "work"},
                            addresses=[Address.parse("home: Hauptstr. 1; Berlin; ; 10115; Germany")],
                            urls=["https://anna.example"])
    gone = book.add_contact("Gone Soon", today=TODAY, created_at=ADDED)
    bob = book.add_contact("Bob Stone", today=TODAY, cadence=Cadence.parse("monthly"),
                           phones=["+49 170 1111111"], created_at=ADDED)
    eva = book.add_contact("Eva Lind", today=TODAY, cadence=Cadence.parse("every 2 weeks"),
                           created_at=ADDED)
    frank = book.add_contact("Frank Ort", today=TODAY, tags=["breakfast"], created_at=ADDED)
    greta = book.add_contact("Greta Due", today=TODAY, cadence=Cadence.parse("weekly"),
                             created_at=ADDED)
    carla = book.add_contact("Carla Archiv", today=TODAY, created_at=ADDED, archived=True)
    dora = book.add_contact("Dora Trash", today=TODAY, created_at=ADDED)
    # Two records of one person, merged; and two namesakes the user said are two people.
    kept = book.add_contact("Jürgen Müller", today=TODAY, emails=["jm@example.com"],
                            created_at=ADDED)
    other = book.add_contact("Juergen Mueller", today=TODAY, emails=["jm@example.com"],
                             org="Müller & Söhne", created_at=ADDED)
    peter_a = book.add_contact("Peter Schmidt", today=TODAY, org="Bäckerei Schmidt",
                               created_at=ADDED)
    peter_b = book.add_contact("Peter Schmidt", today=TODAY, location="Köln",
                               created_at=ADDED)
    book.trash_contact(gone)
    empty_trash(book)  # a contact id gap
    store_relations.link(book, eva, dora, "friend")  # hidden while Dora is in the trash: kept
    store_relations.add_note(book, dora, "moved away", on=date(2026, 9, 1))
    book.trash_contact(dora)
    book.log_interaction([anna, bob], on=date(2026, 11, 20), kind="meeting", note="breakfast")
    scratch = book.log_interaction([bob], on=date(2026, 1, 1), kind="call", today=TODAY)
    book.log_interaction([bob], on=date(2026, 8, 1), kind="call", today=TODAY)
    book.log_interaction([eva], on=date(2026, 9, 1), kind="message", today=TODAY)
    book.log_interaction([greta], on=date(2026, 9, 2), kind="message", today=TODAY)
    review_queries.delete_interaction(book, scratch, today=TODAY)  # an interaction id gap
    book.log_interaction([other], on=date(2026, 10, 1), kind="email", note="before the merge")
    favour = book.add_favour(anna, direction="given", description="intro to a lawyer",
                             on=date(2026, 9, 1), kind="referral", weight=2)
    book.set_favour_status(favour, "returned")
    book.add_favour(bob, direction="received", description="lent a van", on=date(2026, 8, 1))
    # A record in the trash (deleted on its own, restorable): it comes back with the book.
    mistake = book.add_favour(bob, direction="given", description="a mistake", on=date(2026, 8, 2))
    store_records.trash_favour(book, mistake)
    intro = book.add_introduction(anna, bob, on=date(2026, 7, 1), note="both sail")
    book.set_introduction_outcome(intro, "they sail together", on=date(2026, 8, 1))
    recurring = book.add_follow_up(anna, due=date(2026, 11, 1), note="send the article",
                                   recurrence=Cadence.parse("every 3 months"))
    book.complete_follow_up(recurring, on=date(2026, 11, 2))  # the next one has an anchor
    later = book.add_follow_up(bob, due=date(2026, 11, 20), note="call back")
    book.snooze_follow_up(later, until=date(2026, 12, 9))
    book.add_follow_up(bob, due=date(2026, 11, 21), note="send the photos")
    book.add_follow_up(other, due=date(2026, 12, 1), note="moves with the merge")
    dupes.merge(book, kept, other, today=TODAY)
    dupes.dismiss(book, peter_a, peter_b)
    # The review: Eva is overdue and snoozed; Frank (a breakfast member) is let drift.
    items = review.build_review(book, TODAY, Config(), limit=None).items
    eva_item = next(i for i in items if i.contact_id == eva and i.kind == "keep-in-touch")
    review.snooze(book, eva_item, TODAY + timedelta(days=10), as_of=TODAY)
    review.let_drift(book, frank, as_of=TODAY)
    book.set_setting("review.started", "2026-01-01")  # a setting that is the user's
    # Links and journal notes, with id gaps (a link and a note deleted), one of a contact in the trash.
    store_relations.link(book, anna, bob, "colleague")
    store_relations.unlink(book, anna, bob)
    store_relations.link(book, anna, bob, "introduced me to")
    first = store_relations.add_note(book, anna, "scratch", on=date(2026, 10, 1))
    store_relations.delete_note(book, first.id)
    store_relations.add_note(book, anna, "new job at the harbour\nstarts in May", on=date(2026, 10, 2))
    book.set_setting("backup.last_day", TODAY.isoformat())
    book.set_setting("demo", "1")
    return {"anna": anna, "bob": bob, "eva": eva, "greta": greta, "frank": frank, "carla": carla, "dora": dora,
            "kept": kept, "other": other, "peter_a": peter_a, "peter_b": peter_b}


def export(book: Book, path: Path, **options) -> dict:
    with path.open("w", encoding="utf-8", newline="") as out:
        json_export.write_book(book, out, **options)
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def original(tmp_path):
    with Book.open(tmp_path / "original.db") as book:
        ids = populate(book)
        yield book, ids


def test_every_table_comes_back_row_for_row_with_its_ids(original, tmp_path):
    book, ids = original
    names = tables(book)
    # The check is only as good as the book: every table must hold something.
    empty = [t for t in names if not rows(book, t)]
    assert empty == [], f"populate() leaves these tables empty: {empty}"
    assert {"review_state", "dismissed_pairs", "merges", "memberships", "settings"} <= set(names)
    for table in ("contacts", "interactions"):  # ids with gaps: renumbering would show
        top, count = book.conn.execute(f"SELECT max(id), count(*) FROM {table}").fetchone()
        assert top > count, table
    data = export(book, tmp_path / "book.json")
    assert data["kontakt"] == 2 and data["whole_book"] is True
    with Book.open(tmp_path / "copy.db") as copy:
        report = run_import(copy, tmp_path / "book.json", today=TODAY)
        assert report.outcome.rejected == [] and report.outcome.warnings == []
        assert tables(copy) == names
        for table in names:
            assert rows(copy, table) == rows(book, table), table
        assert report.history["merges"] == 1 and report.history["dismissed_pairs"] == 1
        assert report.history["trashed_records"] == 1
        trashed_ref = rows(book, "trashed_records")[0][2]
        restored = store_records.restore_record(copy, "favour", trashed_ref, today=TODAY)
        assert [f.description for f in copy.favours_for(ids["bob"])].count("a mistake") == 1
        assert not restored.moved
        assert report.history["review_state"] == len(rows(book, "review_state")) >= 3
        # Letting Frank drift snoozed him "for ever": a year-9999 marker that must survive.
        drifting = review_queries.get_state(copy, "drifting", ids["frank"])
        assert drifting is not None and drifting.snoozed_until == review.FOREVER
        # Per-machine settings stay on the machine: neither exported nor restored.
        assert "backup.last_day" not in data["settings"] and "demo" not in data["settings"]
        assert copy.get_setting("demo") is None
        assert copy.get_setting("review.started") == "2026-01-01"
        # Search works on the restored book (the index is rebuilt, not copied).
        found = [c.name for c in copy.search("müller")]
        assert sorted(found) == ["Anna Müller", "Jürgen Müller"]
        assert found == [c.name for c in book.search("müller")]


def test_a_merge_made_before_the_export_can_be_undone_after_the_restore(original, tmp_path):
    book, ids = original
    export(book, tmp_path / "book.json")
    with Book.open(tmp_path / "copy.db") as copy:
        run_import(copy, tmp_path / "book.json", today=TODAY)
        record = dupes.merge_of(copy, ids["other"])
        assert record is not None and record.kept_id == ids["kept"]
        undone = dupes.undo_merge(copy, record.id, today=TODAY)
        assert undone.moved_back["interactions"] == 1 and undone.moved_back["follow_ups"] == 1
        back = copy.get_contact(ids["other"])
        assert back.name == "Juergen Mueller" and back.org == "Müller & Söhne"
        assert [i.note for i in copy.interactions_for(ids["other"])] == ["before the merge"]


def test_export_then_import_then_export_gives_the_same_file(original, tmp_path):
    book, _ = original
    first = export(book, tmp_path / "one.json")
    with Book.open(tmp_path / "copy.db") as copy:
        run_import(copy, tmp_path / "one.json", today=TODAY)
        second = export(copy, tmp_path / "two.json")
    first.pop("exported_at"), second.pop("exported_at")
    assert second == first
    assert len(first["contacts"]) == 11 and sum(1 for c in first["contacts"] if c["deleted_at"]) == 2


def test_into_a_book_with_data_the_import_merges_by_uid_and_keeps_review_state(original, tmp_path):
    book, ids = original
    export(book, tmp_path / "book.json")
    with Book.open(tmp_path / "other.db") as other:
        mine = other.add_contact("Zoe Already Here", today=TODAY)
        report = run_import(other, tmp_path / "book.json", today=TODAY)
        assert report.outcome.rejected == []
        warnings = [message for _, message in report.outcome.warnings]
        assert len(warnings) == 2 and "1 merge record(s) not restored" in warnings[0]
        assert "1 trashed record(s) not restored" in warnings[1]
        assert other.get_contact(mine).name == "Zoe Already Here"  # nothing overwritten
        assert other.conn.execute("SELECT count(*) FROM merges").fetchone()[0] == 0
        # Ids differ here, so review state and dismissals were mapped through uids.
        uid = {c: book.get_contact(i).uid for c, i in ids.items() if c not in ("dora", "other")}
        new_id = {c: other.conn.execute("SELECT id FROM contacts WHERE uid = ?", (u,)).fetchone()[0]
                  for c, u in uid.items()}
        assert new_id["eva"] != ids["eva"]
        eva_state = review_queries.get_state(other, "keep-in-touch", new_id["eva"])
        assert eva_state is not None and eva_state.snoozed_until == TODAY + timedelta(days=10)
        low, high = sorted((new_id["peter_a"], new_id["peter_b"]))
        assert other.conn.execute(
            "SELECT count(*) FROM dismissed_pairs WHERE contact_low = ? AND contact_high = ?",
            (low, high)).fetchone()[0] == 1
        # The follow-up's snooze, kept through its uid.
        thank_like = other.conn.execute(
            "SELECT count(*) FROM review_state s JOIN contacts c ON c.id = s.contact_id "
            "WHERE c.uid = ?", (uid["frank"],)).fetchone()[0]
        assert thank_like == 2  # let drift: keep-in-touch and drifting silenced
        # Links and journal notes, mapped through uids to the new ids.
        assert [(r.with_id, r.kind) for r in store_relations.relationships_for(other, new_id["anna"])] == [
            (new_id["bob"], "introduced me to")]
        assert [n.text for n in store_relations.journal_for(other, new_id["anna"])] == [
            "new job at the harbour\nstarts in May"]
        assert report.history["relationships"] == 2 and report.history["journal"] == 2
        # A second import of the same file adds nothing at all.
        before = {t: rows(other, t) for t in tables(other)}
        again = run_import(other, tmp_path / "book.json", today=TODAY)
        assert not again.outcome.added and {t: rows(other, t) for t in tables(other)} == before


def test_a_dry_run_counts_what_a_full_restore_would_bring_and_writes_nothing(original, tmp_path):
    book, _ = original
    export(book, tmp_path / "book.json")
    with Book.open(tmp_path / "copy.db") as copy:
        report = run_import(copy, tmp_path / "book.json", today=TODAY, dry_run=True)
        assert len(report.outcome.added) == 11
        assert report.history["merges"] == 1 and report.history["settings"] == 1
        assert report.history["review_state"] == len(rows(book, "review_state"))
        assert all(not rows(copy, t) for t in tables(copy))


def test_a_file_from_a_newer_kontakt_is_refused_whole(tmp_path):
    path = tmp_path / "future.json"
    path.write_text(json.dumps({"kontakt": 3, "contacts": [{"uid": "u", "name": "Anna"}]}))
    with Book.open(tmp_path / "book.db") as book:
        with pytest.raises(ImportRefused, match=r"newer kontakt \(format 3; this one reads "
                                                r"formats 1 to 2\).*nothing imported"):
            run_import(book, path, today=TODAY)
        assert book.count_contacts(archived=None) == 0


@pytest.mark.parametrize("version", ["2", True, 0, -1])
def test_a_format_that_is_not_a_number_is_refused(tmp_path, version):
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"kontakt": version, "contacts": []}))
    with Book.open(tmp_path / "book.db") as book:
        with pytest.raises(ImportRefused, match="must be a format number"):
            run_import(book, path, today=TODAY)


def test_a_version_1_file_still_imports_as_before(tmp_path):
    path = tmp_path / "v1.json"
    path.write_text(json.dumps({
        "kontakt": 1, "exported_at": "2026-01-01T00:00:00+00:00",
        "contacts": [{"uid": "u-anna", "name": "Anna"}, {"uid": "u-bob", "name": "Bob"}],
        "circles": [], "favours": [],
        "interactions": [{"uid": "i1", "date": "2026-11-01", "kind": "call",
                          "participants": [{"uid": "u-bob", "name": "Bob"}]}],
        "follow_ups": [{"uid": "f1", "contact": "u-anna", "due": "2026-12-01"}],
    }), encoding="utf-8")
    with Book.open(tmp_path / "book.db") as book:
        report = run_import(book, path, today=TODAY)
        assert report.outcome.rejected == [] and len(report.outcome.added) == 2
        assert report.history == {"interactions": 1, "favours": 0, "introductions": 0,
                                  "follow_ups": 1}
        assert book.find("bob").last_contact == date(2026, 11, 1)


def test_a_whole_book_file_with_duplicate_ids_is_restored_by_uid_with_a_warning(original, tmp_path):
    book, _ = original
    data = export(book, tmp_path / "book.json")
    data["favours"][1]["id"] = data["favours"][0]["id"]
    (tmp_path / "edited.json").write_text(json.dumps(data), encoding="utf-8")
    with Book.open(tmp_path / "copy.db") as copy:
        report = run_import(copy, tmp_path / "edited.json", today=TODAY)
        assert ("file", "ids not kept: an entry of 'favours' has no id of its own") in (
            report.outcome.warnings)
        assert report.outcome.rejected == []
        assert copy.conn.execute("SELECT count(*) FROM favours").fetchone()[0] == 2


def test_broken_entries_of_the_new_sections_are_rejected_one_by_one(original, tmp_path):
    book, _ = original
    data = export(book, tmp_path / "book.json")
    data["review_state"][0]["kind"] = "horoscope"
    data["dismissed_pairs"][0]["b"] = data["dismissed_pairs"][0]["a"]
    data["merges"][0]["moved"] = "everything"
    (tmp_path / "edited.json").write_text(json.dumps(data), encoding="utf-8")
    with Book.open(tmp_path / "copy.db") as copy:
        report = run_import(copy, tmp_path / "edited.json", today=TODAY)
        assert report.outcome.rejected == [
            ("review state 1", "unknown review kind 'horoscope'"),
            ("dismissed pair 1", "a contact is always the same person as itself"),
            ("merge 1", "kept_before, kept_after and moved must be objects"),
        ]
        assert copy.count_contacts(archived=None) == 9  # the rest is in


def test_one_contacts_export_leaves_merges_and_settings_out(original, tmp_path):
    book, ids = original
    data = export(book, tmp_path / "eva.json", contact_ids=[ids["eva"]])
    assert data["whole_book"] is False and "merges" not in data and "settings" not in data
    assert [s["kind"] for s in data["review_state"]] == ["keep-in-touch"]
    assert data["dismissed_pairs"] == []  # a pair needs both people in the file


# ---------------------------------------------------------------------- through the CLI


def cli(db: Path, *args: str):
    return CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)


def test_today_and_dupes_answer_the_same_after_a_cli_round_trip(original, tmp_path):
    book, ids = original
    source = tmp_path / "original.db"
    before_today = cli(source, "today", "--all", "--json")
    before_dupes = cli(source, "dupes", "--json")
    assert before_today.exit_code == 0 and before_dupes.exit_code == 0
    due = json.loads(before_today.stdout)
    listed = json.dumps(due)
    # The interesting branches: the snoozed and the drifting are not there, others are.
    assert f'"contact_id": {ids["greta"]},' in listed
    assert '"kind": "follow-up", "contact_id": %d' % ids["bob"] in listed
    assert f'"contact_id": {ids["eva"]},' not in listed
    assert f'"contact_id": {ids["frank"]},' not in listed
    peters = {ids["peter_a"], ids["peter_b"]}
    pairs = [{p["a"]["id"], p["b"]["id"]} for p in json.loads(before_dupes.stdout)]
    assert peters not in pairs
    assert peters in [{c.a, c.b} for c in dupes.find_duplicates(book, include_dismissed=True)]
    backup = tmp_path / "backup.json"
    assert cli(source, "export", "json", "-o", str(backup)).exit_code == 0
    restored = tmp_path / "restored.db"
    result = cli(restored, "import", str(backup))
    assert result.exit_code == 0, result.output
    assert "1 merges" in result.stdout and "1 dismissed-pairs" in result.stdout
    assert cli(restored, "today", "--all", "--json").stdout == before_today.stdout
    assert cli(restored, "dupes", "--json").stdout == before_dupes.stdout


def test_an_unreadable_stored_due_date_is_recomputed_with_a_warning(original, tmp_path):
    book, ids = original
    data = export(book, tmp_path / "book.json")
    entry = next(c for c in data["contacts"] if c["id"] == ids["greta"])
    assert entry["next_due"] == "2026-09-09"  # weekly after 2 Sep, as the book stored it
    entry["next_due"] = "next Tuesday"
    (tmp_path / "edited.json").write_text(json.dumps(data), encoding="utf-8")
    with Book.open(tmp_path / "copy.db") as copy:
        report = run_import(copy, tmp_path / "edited.json", today=TODAY)
        where = f"contact {data['contacts'].index(entry) + 1}"
        assert report.outcome.warnings == [
            (where, "next_due 'next Tuesday' is not an ISO date; recomputed")]
        assert copy.get_contact(ids["greta"]).next_due == date(2026, 9, 9)
