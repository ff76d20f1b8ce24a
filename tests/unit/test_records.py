"""Editing and deleting records: interactions, favours, follow-ups, introductions, circles.

Each kind: every field edits, a delete hides it from every read (timeline, review, stats,
exports, counts), restore brings it back whole, and emptying the trash removes it for good.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from kontakt.config import Config
from kontakt.domain import Cadence, LedgerError
from kontakt.services.calendar import export_ics
from kontakt.services.exporters.csv import write_favours, write_interactions
from kontakt.services.exporters.json import write_book
from kontakt.services.review import build_review, snooze
from kontakt.services.stats import network_stats
from kontakt.store import Book, NotFound
from kontakt.store import records as r
from kontakt.store.trash import empty_trash

TODAY = date(2026, 11, 23)
MONTHLY = Cadence(1, "month")


@pytest.fixture
def book(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    with Book.open(tmp_path / "book.db") as opened:
        yield opened


@pytest.fixture
def people(book):
    ada = book.add_contact("Ada Lovelace", today=TODAY, tags=["breakfast"])
    grace = book.add_contact("Grace Hopper", today=TODAY, tags=["breakfast"])
    alan = book.add_contact("Alan Turing", today=TODAY)
    return ada, grace, alan


def exported(book: Book) -> str:
    """What the exports show as the book's history: the whole-book JSON but its trash
    section (kept there so a restore is lossless, as trashed contacts are), the JSON of
    one person, and the CSVs."""
    whole = io.StringIO()
    write_book(book, whole)
    data = json.loads(whole.getvalue())
    data.pop("trashed_records")
    out = io.StringIO()
    write_book(book, out, contact_ids=[row[0] for row in book.conn.execute("SELECT id FROM contacts")])
    assert "trashed_records" not in json.loads(out.getvalue())
    write_interactions(book, out)
    write_favours(book, out)
    return json.dumps(data, ensure_ascii=False) + out.getvalue()


def trash_section(book: Book) -> str:
    whole = io.StringIO()
    write_book(book, whole)
    return json.dumps(json.loads(whole.getvalue())["trashed_records"], ensure_ascii=False)


def review_items(book: Book, as_of: date = TODAY):
    return build_review(book, as_of, Config(), limit=None).items


def count(book: Book, table: str) -> int:
    return book.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# ====================================================================== interactions


def test_every_field_of_an_interaction_edits_and_due_dates_follow(book, people):
    ada, grace, alan = people
    book.set_circle_cadence("breakfast", Cadence(2, "week"), today=TODAY)
    interaction = book.log_interaction([ada, grace], on=TODAY - timedelta(days=3), kind="call",
                                       note="old note", today=TODAY)
    edited = r.edit_interaction(book, interaction, today=TODAY, on=TODAY - timedelta(days=1),
                                kind="meeting", note="new note", add=[alan], remove=[grace])
    assert (edited.date, edited.kind, edited.note) == (TODAY - timedelta(days=1), "meeting", "new note")
    assert set(edited.contact_ids) == {ada, alan}
    assert book.get_contact(ada).last_contact == TODAY - timedelta(days=1)
    assert book.get_contact(alan).last_contact == TODAY - timedelta(days=1)
    # Grace left it: it is no longer her last contact, and no longer in her timeline.
    assert book.get_contact(grace).last_contact is None
    assert book.interactions_for(grace) == []
    replaced = r.edit_interaction(book, interaction, today=TODAY, people=[grace])
    assert replaced.contact_ids == (grace,)


def test_an_interaction_cannot_lose_everyone_nor_gain_a_stranger(book, people):
    ada, _, _ = people
    interaction = book.log_interaction([ada], on=TODAY, kind="call")
    with pytest.raises(ValueError, match="at least one contact"):
        r.edit_interaction(book, interaction, today=TODAY, remove=[ada])
    with pytest.raises(NotFound):
        r.edit_interaction(book, interaction, today=TODAY, add=[999])
    with pytest.raises(NotFound):
        r.edit_interaction(book, 4242, today=TODAY, note="x")
    assert r.get_interaction(book, interaction).contact_ids == (ada,)  # rolled back whole


def test_a_deleted_interaction_is_hidden_everywhere_and_restores_whole(book, people):
    ada, grace, _ = people
    kept = book.log_interaction([ada], on=TODAY - timedelta(days=10), kind="email", note="kept")
    gone = book.log_interaction([ada, grace], on=TODAY - timedelta(days=2), kind="meeting",
                                note="Zanzibarsecret", today=TODAY)
    before_stats = network_stats(book, TODAY).rhythm
    assert "Zanzibarsecret" in exported(book)
    trashed = r.trash_interaction(book, gone, today=TODAY)
    assert trashed.ref == f"log:{gone}"
    assert [i.id for i in book.interactions_for(ada)] == [kept]
    assert book.interactions_for(grace) == []
    assert book.get_contact(ada).last_contact == TODAY - timedelta(days=10)
    assert book.count_interactions() == 1
    assert "Zanzibarsecret" not in exported(book)
    assert "Zanzibarsecret" in trash_section(book)  # a whole-book export keeps the trash
    assert network_stats(book, TODAY).rhythm != before_stats
    with pytest.raises(NotFound):
        r.get_interaction(book, gone)
    assert [t.ref for t in r.trashed_records(book)] == [f"log:{gone}"]

    restored = r.restore_record(book, "interaction", str(gone), today=TODAY)
    assert (restored.ref, restored.moved) == (f"log:{gone}", False)
    back = r.get_interaction(book, gone)
    assert (back.note, set(back.contact_ids)) == ("Zanzibarsecret", {ada, grace})
    assert book.get_contact(grace).last_contact == TODAY - timedelta(days=2)
    assert r.trashed_records(book) == []
    assert network_stats(book, TODAY).rhythm == before_stats


def test_a_restored_record_whose_id_was_reused_comes_back_under_a_new_id(book, people):
    ada, _, _ = people
    first = book.log_interaction([ada], on=TODAY, kind="call", note="first")
    r.trash_interaction(book, first, today=TODAY)
    reused = book.log_interaction([ada], on=TODAY, kind="call", note="second")
    assert reused == first  # SQLite hands out the highest freed id again
    restored = r.restore_record(book, "interaction", str(first), today=TODAY)
    assert restored.moved and restored.ref != f"log:{first}"
    assert sorted(i.note for i in book.interactions_for(ada)) == ["first", "second"]


# ====================================================================== favours


def test_every_field_of_a_favour_edits_and_the_balance_follows(book, people):
    ada, _, _ = people
    favour = book.add_favour(ada, direction="received", description="deck", on=TODAY, weight=1)
    edited = r.edit_favour(book, favour, description="reviewed the whole deck", direction="given",
                           kind="advice", weight=3, on=TODAY - timedelta(days=5), status="returned")
    assert (edited.description, edited.direction, edited.kind, edited.weight, edited.date, edited.status) == (
        "reviewed the whole deck", "given", "advice", 3, TODAY - timedelta(days=5), "returned")
    # A returned favour is a balanced exchange: its weight on both sides (README's ledger rule).
    assert (book.balance(ada).gave, book.balance(ada).received) == (3, 3)
    for bad in ({"weight": 4}, {"kind": "bribe"}, {"direction": "sideways"}, {"description": "  "},
                {"status": "maybe"}):
        with pytest.raises(LedgerError):
            r.edit_favour(book, favour, **bad)
    assert r.get_favour(book, favour) == edited


def test_a_deleted_favour_leaves_the_balance_the_thank_review_and_exports(book, people):
    ada, _, _ = people
    favour = book.add_favour(ada, direction="received", description="Quokkasecret",
                             on=TODAY - timedelta(days=45), weight=2)
    assert any(i.favour_id == favour for i in review_items(book))
    r.trash_favour(book, favour)
    assert book.favours_for(ada) == []
    assert book.balance(ada).received == 0
    assert not any(i.favour_id == favour for i in review_items(book))
    assert "Quokkasecret" not in exported(book)
    r.restore_record(book, "favour", str(favour), today=TODAY)
    assert [f.description for f in book.favours_for(ada)] == ["Quokkasecret"]
    assert book.balance(ada).received == 2
    assert any(i.favour_id == favour for i in review_items(book))


def test_a_snoozed_thank_stays_snoozed_through_the_trash_and_leaves_no_state_behind(book, people):
    ada, _, _ = people
    favour = book.add_favour(ada, direction="received", description="deck", on=TODAY - timedelta(days=45))
    item = next(i for i in review_items(book) if i.favour_id == favour)
    snooze(book, item, TODAY + timedelta(days=7), as_of=TODAY)
    assert not any(i.favour_id == favour for i in review_items(book))
    r.trash_favour(book, favour)
    assert count(book, "review_state") == 0  # a new favour that reuses the id starts clean
    r.restore_record(book, "favour", str(favour), today=TODAY)
    assert not any(i.favour_id == favour for i in review_items(book))  # still snoozed
    assert any(i.favour_id == favour for i in review_items(book, TODAY + timedelta(days=7)))


def test_a_favour_of_someone_in_the_trash_cannot_be_restored_before_them(book, people):
    ada, _, _ = people
    favour = book.add_favour(ada, direction="given", description="x", on=TODAY)
    r.trash_favour(book, favour)
    book.trash_contact(ada)
    with pytest.raises(NotFound, match="in the trash"):
        r.restore_record(book, "favour", str(favour), today=TODAY)
    book.restore_contact(ada)
    r.restore_record(book, "favour", str(favour), today=TODAY)
    assert [f.id for f in book.favours_for(ada)] == [favour]


# ====================================================================== follow-ups


def test_every_field_of_a_follow_up_edits(book, people):
    ada, _, _ = people
    follow_up = book.add_follow_up(ada, due=TODAY + timedelta(days=3), note="old")
    book.snooze_follow_up(follow_up, until=TODAY + timedelta(days=9))
    edited = r.edit_follow_up(book, follow_up, due=TODAY + timedelta(days=14), note="new",
                              recurrence=MONTHLY)
    assert (edited.due, edited.note, edited.recurrence, edited.anchor, edited.snoozed_until) == (
        TODAY + timedelta(days=14), "new", MONTHLY, TODAY + timedelta(days=14), None)
    one_off = r.edit_follow_up(book, follow_up, recurrence=None)
    assert (one_off.recurrence, one_off.anchor, one_off.note) == (None, None, "new")
    kept = r.edit_follow_up(book, follow_up, note="only the note")
    assert (kept.due, kept.recurrence) == (TODAY + timedelta(days=14), None)


def test_the_review_never_asks_about_a_deleted_follow_up(book, people):
    ada, _, _ = people
    follow_up = book.add_follow_up(ada, due=TODAY, note="Marmotsecret")
    stamp = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert b"Marmotsecret" in export_ics(book, stamp=stamp)
    assert [i.follow_up_id for i in review_items(book) if i.kind == "follow-up"] == [follow_up]
    r.trash_follow_up(book, follow_up)
    assert [i for i in review_items(book) if i.kind == "follow-up"] == []
    assert book.follow_ups_for(ada) == []
    assert "Marmotsecret" not in exported(book)
    assert b"Marmotsecret" not in export_ics(book, stamp=stamp)
    with pytest.raises(NotFound):
        book.complete_follow_up(follow_up, on=TODAY)
    r.restore_record(book, "follow-up", str(follow_up), today=TODAY)
    assert [i.follow_up_id for i in review_items(book) if i.kind == "follow-up"] == [follow_up]


# ====================================================================== introductions


def test_every_field_of_an_introduction_edits(book, people):
    ada, grace, alan = people
    intro = book.add_introduction(ada, grace, on=TODAY - timedelta(days=40), note="old")
    edited = r.edit_introduction(book, intro, today=TODAY, contact_b=alan, on=TODAY - timedelta(days=2),
                                 note="compilers", outcome="they work together")
    assert (edited.contact_a, edited.contact_b, edited.date, edited.note, edited.outcome) == (
        ada, alan, TODAY - timedelta(days=2), "compilers", "they work together")
    assert book.introductions_for(grace) == []
    assert book.conn.execute("SELECT outcome_on FROM introductions WHERE id = ?", (intro,)).fetchone()[0] == TODAY.isoformat()
    with pytest.raises(LedgerError):
        r.edit_introduction(book, intro, today=TODAY, contact_a=alan)
    with pytest.raises(NotFound):
        r.edit_introduction(book, intro, today=TODAY, contact_a=999)


def test_a_deleted_introduction_leaves_the_balance_and_the_intro_check(book, people):
    ada, grace, _ = people
    intro = book.add_introduction(ada, grace, on=TODAY - timedelta(days=35), note="Axolotlsecret")
    assert any(i.introduction_id == intro for i in review_items(book))
    gave = book.balance(ada).gave
    r.trash_introduction(book, intro)
    assert book.introductions_for(ada) == book.introductions_for(grace) == []
    assert book.balance(ada).gave == gave - 1
    assert not any(i.introduction_id == intro for i in review_items(book))
    assert "Axolotlsecret" not in exported(book)
    assert network_stats(book, TODAY).introductions.made == 0
    r.restore_record(book, "introduction", str(intro), today=TODAY)
    assert [i.id for i in book.introductions_for(grace)] == [intro]


# ====================================================================== circles


def test_renaming_a_circle_keeps_its_members_and_cadence(book, people):
    ada, grace, _ = people
    book.set_circle_cadence("breakfast", Cadence(1, "week"), today=TODAY)
    circle = r.rename_circle(book, "Breakfast", "#brunch")
    assert (circle.name, circle.members, circle.cadence) == ("brunch", 2, Cadence(1, "week"))
    assert [c.name for c in book.circles()] == ["brunch"]
    assert book.get_contact(ada).tags == ("brunch",)
    assert book.get_contact(ada).effective_cadence == Cadence(1, "week")
    assert [c.id for c in book.search("brunch")] == [ada, grace]
    assert book.search("breakfast") == []
    book.add_contact("Other", today=TODAY, tags=["lunch"])
    with pytest.raises(ValueError, match="already"):
        r.rename_circle(book, "brunch", "LUNCH")
    with pytest.raises(NotFound):
        r.rename_circle(book, "nope", "x")
    assert r.rename_circle(book, "brunch", "Brunch").name == "Brunch"  # only the case


def test_a_deleted_circle_lets_its_members_go_and_comes_back_with_them(book, people):
    ada, grace, alan = people
    book.update_contact(ada, today=TODAY, add_tags=["work"])
    book.set_circle_cadence("breakfast", Cadence(1, "week"), today=TODAY)
    assert book.get_contact(grace).next_due is not None
    trashed = r.trash_circle(book, "breakfast", today=TODAY)
    assert trashed.ref == "circle:breakfast"
    assert [c.name for c in book.circles()] == ["work"]
    assert book.get_contact(ada).tags == ("work",)
    assert book.get_contact(grace).tags == ()
    assert book.get_contact(grace).next_due is None  # its cadence went with it
    assert count(book, "contacts") == 3
    r.restore_record(book, "circle", "BREAKFAST", today=TODAY)
    assert {c.name: c.members for c in book.circles()} == {"breakfast": 2, "work": 1}
    assert set(book.get_contact(ada).tags) == {"work", "breakfast"}
    assert book.get_contact(grace).next_due is not None
    assert alan not in [c.id for c in book.circle_members("breakfast")]


# ====================================================================== the trash


def test_emptying_the_trash_deletes_records_for_good_and_their_text(book, people, tmp_path):
    ada, grace, _ = people
    interaction = book.log_interaction([ada], on=TODAY, kind="call", note="Pangolinsecret")
    favour = book.add_favour(ada, direction="given", description="x", on=TODAY)
    follow_up = book.add_follow_up(ada, due=TODAY, note="y")
    intro = book.add_introduction(ada, grace, on=TODAY)
    r.trash_interaction(book, interaction, today=TODAY)
    r.trash_favour(book, favour)
    r.trash_follow_up(book, follow_up)
    r.trash_introduction(book, intro)
    r.trash_circle(book, "breakfast", today=TODAY)
    assert len(r.trashed_records(book)) == 5
    result = empty_trash(book)
    assert (result.contacts, result.records) == (0, 5)
    assert r.trashed_records(book) == []
    assert count(book, "trashed_records") == 0
    with pytest.raises(NotFound):
        r.restore_record(book, "favour", str(favour), today=TODAY)
    book.close()
    assert b"Pangolinsecret" not in (tmp_path / "book.db").read_bytes()


def test_older_than_empties_only_old_records_and_purging_a_person_takes_their_records(
    book, people, monkeypatch
):
    ada, grace, _ = people
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    monkeypatch.setenv("KONTAKT_NOW", start.isoformat())
    old = book.add_favour(ada, direction="given", description="old", on=TODAY)
    fresh = book.add_favour(grace, direction="given", description="fresh", on=TODAY)
    r.trash_favour(book, old)
    monkeypatch.setenv("KONTAKT_NOW", (start + timedelta(days=20)).isoformat())
    r.trash_favour(book, fresh)
    result = empty_trash(book, timedelta(days=30), now=start + timedelta(days=40))
    assert result.records == 1
    assert [t.key for t in r.trashed_records(book)] == [str(fresh)]
    # Grace emptied from the trash: her trashed favour cannot come back, so it goes too.
    monkeypatch.setenv("KONTAKT_NOW", (start + timedelta(days=10)).isoformat())
    book.trash_contact(grace)  # trashed before her favour was: only she is old enough
    result = empty_trash(book, timedelta(days=5), now=start + timedelta(days=16))
    assert (result.contacts, result.records) == (1, 1)
    assert r.trashed_records(book) == []


def test_record_addresses_are_read_strictly():
    assert r.parse_record_ref("log:12") == ("interaction", "12")
    assert r.parse_record_ref("Intro:#7") == ("introduction", "7")
    assert r.parse_record_ref("circle:Breakfast Club") == ("circle", "Breakfast Club")
    assert r.parse_record_ref("Ada Lovelace") is None
    assert r.parse_record_ref("note:12") is None
    for bad in ("log:x", "favour:", "follow-up:99999999999999999999", "log:²"):
        with pytest.raises(NotFound):
            r.parse_record_ref(bad)
