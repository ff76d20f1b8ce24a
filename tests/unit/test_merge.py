"""Merging two records of one person: every attached row moves, and an undo puts it all back."""

from __future__ import annotations

from datetime import date

import pytest

from kontakt.domain import Birthday, Cadence
from kontakt.services import dupes
from kontakt.services.dupes import merge, merge_of, restore_merged, undo_merge
from kontakt.store import Book, NotFound
from kontakt.store import merge as store_merge
from kontakt.store.merge import MergeError
from kontakt.store.trash import empty_trash

TODAY = date(2026, 11, 23)


@pytest.fixture
def book(tmp_path):
    with Book.open(tmp_path / "book.db") as book:
        yield book


def snapshot(book: Book) -> dict[str, list[tuple]]:
    """Every row of every table, except FTS internals (their segments are not content)."""
    tables = [
        row[0] for row in book.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'contacts_fts%' AND name NOT IN ('undo_steps', 'undo_log') "
            "ORDER BY name"  # the undo history records the test's own writes: not content
        )
    ]
    return {
        table: sorted(tuple(row) for row in book.conn.execute(f"SELECT * FROM {table}"))
        for table in tables
    }


def attached(book: Book, contact_id: int) -> dict[str, int]:
    """How many rows of each table hang on a contact."""
    one = lambda sql: book.conn.execute(sql, (contact_id,)).fetchone()[0]  # noqa: E731
    return {
        "interaction_contacts": one("SELECT count(*) FROM interaction_contacts WHERE contact_id = ?"),
        "favours": one("SELECT count(*) FROM favours WHERE contact_id = ?"),
        "follow_ups": one("SELECT count(*) FROM follow_ups WHERE contact_id = ?"),
        "introductions": book.conn.execute(
            "SELECT count(*) FROM introductions WHERE contact_a = ? OR contact_b = ?",
            (contact_id, contact_id),
        ).fetchone()[0],
        "memberships": one("SELECT count(*) FROM memberships WHERE contact_id = ?"),
    }


@pytest.fixture
def people(book):
    """Kept (K), other (O) and a third person (T), with history on all sides."""
    k = book.add_contact(
        "Jürgen Müller", today=TODAY, emails=["jm@example.com"], phones=["+49 89 1234567"],
        org="Müller & Söhne", tags=["breakfast"], notes="Met at the Munich fair.",
        cadence=Cadence.parse("quarterly"), birthday=Birthday(4, 15),
    )
    o = book.add_contact(
        "Juergen Mueller", today=TODAY, emails=["juergen@example.org", "JM@example.com"],
        phones=["089 1234567", "0171 5550101"], org="Mueller and Sons", role="Founder",
        location="München", tags=["alumni", "Breakfast"], notes="Prefers tea.",
        cadence=Cadence.parse("monthly"), birthday=Birthday(4, 15, 1971), nickname="Jü",
    )
    t = book.add_contact("Sam Teller", today=TODAY, emails=["sam@example.com"])
    book.log_interaction([k], on=date(2026, 9, 1), kind="call", note="k alone")
    book.log_interaction([o], on=date(2026, 10, 1), kind="meeting", note="o alone")
    book.log_interaction([o], on=date(2025, 3, 1), kind="email", note="o long ago")
    shared = book.log_interaction([k, o, t], on=date(2026, 11, 1), kind="event", note="all three")
    book.log_interaction([o, t], on=date(2026, 8, 1), kind="meeting", note="o and t")
    book.add_favour(o, direction="given", description="reviewed his deck", on=date(2026, 5, 1))
    book.add_favour(o, direction="received", description="lent a van", on=date(2026, 6, 1),
                    weight=2)
    book.add_favour(k, direction="received", description="advice", on=date(2026, 7, 1))
    book.add_follow_up(o, due=date(2026, 12, 1), note="send the photos")
    book.add_follow_up(o, due=date(2027, 1, 1), note="new year", recurrence=Cadence.parse("yearly"))
    book.add_introduction(o, t, on=date(2026, 4, 1), note="both brew beer")
    book.add_introduction(t, o, on=date(2026, 4, 2))
    book.add_introduction(k, o, on=date(2026, 4, 3), note="thought they were two people")
    return {"k": k, "o": o, "t": t, "shared": shared}


def test_a_merge_moves_every_attached_row_to_the_kept_contact(book, people):
    k, o, t = people["k"], people["o"], people["t"]
    before_k, before_o, before_t = attached(book, k), attached(book, o), attached(book, t)
    totals = {table: len(rows) for table, rows in snapshot(book).items()}
    result = merge(book, k, o, today=TODAY)

    # Nothing is lost: every table keeps its rows, except the shared interaction's second
    # participant row and the introduction between the two; the kept contact joins the
    # other's circle (the other keeps its own, in the trash); one merge record is added.
    after_totals = {table: len(rows) for table, rows in snapshot(book).items()}
    assert after_totals == {**totals, "interaction_contacts": totals["interaction_contacts"] - 1,
                            "introductions": totals["introductions"] - 1,
                            "memberships": totals["memberships"] + 1, "merges": 1}

    after_k, after_o, after_t = attached(book, k), attached(book, o), attached(book, t)
    # The group interaction that had both keeps one participant row.
    assert after_k["interaction_contacts"] == (
        before_k["interaction_contacts"] + before_o["interaction_contacts"] - 1
    )
    assert after_k["favours"] == before_k["favours"] + before_o["favours"] == 3
    assert after_k["follow_ups"] == before_k["follow_ups"] + before_o["follow_ups"] == 2
    # The introduction between the two is removed: K keeps O's two with T.
    assert after_k["introductions"] == 2
    assert after_k["memberships"] == 2  # breakfast + alumni, united
    # Nothing is left on the other except its own circle memberships (it stays whole in the trash).
    assert {key: n for key, n in after_o.items() if key != "memberships"} == {
        "interaction_contacts": 0, "favours": 0, "follow_ups": 0, "introductions": 0,
    }
    # The third person still has every interaction and both introductions.
    assert after_t == before_t
    shared_people = book.conn.execute(
        "SELECT contact_id FROM interaction_contacts WHERE interaction_id = ? ORDER BY contact_id",
        (people["shared"],),
    ).fetchall()
    assert [row[0] for row in shared_people] == [k, t]

    assert result.merge_id is not None and not result.dry_run
    assert result.moved == {"interactions": 4, "favours": 2, "introductions": 2, "follow_ups": 2}
    assert result.shared_interactions == 1 and result.dropped_introductions == 1
    with pytest.raises(NotFound):
        book.get_contact(o)
    assert [c.id for c, _ in book.trashed()] == [o]
    assert merge_of(book, o).kept_id == k


def test_merged_fields_fill_gaps_unite_lists_and_keep_the_kept_value(book, people):
    k, o = people["k"], people["o"]
    merge(book, k, o, today=TODAY)
    kept = book.get_contact(k)
    assert kept.name == "Jürgen Müller"
    assert kept.org == "Müller & Söhne"  # both had one: the kept contact's wins
    assert (kept.role, kept.location, kept.nickname) == ("Founder", "München", "Jü")
    assert kept.emails == ("jm@example.com", "juergen@example.org")  # JM@ is the same address
    assert kept.phones == ("+49 89 1234567", "0171 5550101")  # 089 1234567 is the same number
    assert sorted(t.casefold() for t in kept.tags) == ["alumni", "breakfast"]
    assert kept.cadence == Cadence.parse("monthly")  # the shorter of the two
    assert kept.birthday == Birthday(4, 15, 1971)  # same day, and the other knows the year
    assert kept.notes.startswith("Met at the Munich fair.\n\n── merged from Juergen Mueller")
    assert "Prefers tea." in kept.notes
    assert "thought they were two people" in kept.notes  # the removed introduction's note
    assert kept.last_contact == date(2026, 11, 1)
    assert book.search("tea")[0].id == k


def test_prefer_other_lets_the_other_value_win_where_both_have_one(book, people):
    k, o = people["k"], people["o"]
    merge(book, k, o, prefer_other=True, today=TODAY)
    kept = book.get_contact(k)
    assert (kept.name, kept.org) == ("Juergen Mueller", "Mueller and Sons")
    assert kept.emails[0] == "juergen@example.org"


def test_a_field_can_be_chosen_one_by_one(book, people):
    k, o = people["k"], people["o"]
    result = merge(book, k, o, choices={"org": "other", "role": "kept"}, dry_run=True, today=TODAY)
    fields = {f.field: f for f in result.fields}
    assert fields["org"].result == "Mueller and Sons" and fields["org"].source == "other"
    assert fields["role"].result == "" and fields["org"].differs
    with pytest.raises(MergeError):
        merge(book, k, o, choices={"emails": "other"}, today=TODAY)


def test_undo_puts_the_whole_book_back_exactly(book, people):
    k, o = people["k"], people["o"]
    before = snapshot(book)
    result = merge(book, k, o, today=TODAY)
    assert snapshot(book) != before
    undone = undo_merge(book, result.merge_id, today=TODAY)
    assert snapshot(book) == before
    assert undone.kept_changes == ()
    assert undone.moved_back == {"interactions": 4, "favours": 2, "follow_ups": 2, "introductions": 3}
    # The search index follows: the other is found again, the kept one no longer by its notes.
    assert [c.id for c in book.search("tea")] == [o]
    with pytest.raises(NotFound):
        undo_merge(book, result.merge_id, today=TODAY)


def test_undo_after_later_edits_keeps_the_newer_values_and_says_so(book, people):
    k, o = people["k"], people["o"]
    result = merge(book, k, o, today=TODAY)
    book.update_contact(k, today=TODAY, org="Müller GmbH")
    later = book.log_interaction([k], on=date(2026, 11, 20), kind="call", note="after the merge")
    undone = undo_merge(book, result.merge_id, today=TODAY)
    assert undone.kept_changes == ("org",)
    kept, other = book.get_contact(k), book.get_contact(o)
    assert kept.org == "Müller GmbH"
    assert kept.role == "" and kept.emails == ("jm@example.com",)
    assert kept.last_contact == date(2026, 11, 20)
    assert later in [i.id for i in book.interactions_for(k)]
    assert [i.note for i in book.interactions_for(o)] == [
        "all three", "o alone", "o and t", "o long ago"]
    assert other.last_contact == date(2026, 11, 1)


def test_a_dry_run_writes_nothing_and_tells_what_would_move(book, people):
    k, o = people["k"], people["o"]
    before, changes = snapshot(book), book.conn.total_changes
    preview = merge(book, k, o, dry_run=True, today=TODAY)
    assert book.conn.total_changes == changes
    assert snapshot(book) == before
    assert preview.dry_run and preview.merge_id is None
    real = merge(book, k, o, today=TODAY)
    assert (preview.moved, preview.fields) == (real.moved, real.fields)


def test_a_merge_failing_half_way_leaves_nothing_changed(book, people, monkeypatch):
    k, o = people["k"], people["o"]
    before = snapshot(book)
    real_move = store_merge._move

    def move_then_fail(*args, **kwargs):
        real_move(*args, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(store_merge, "_move", move_then_fail)
    with pytest.raises(OSError):
        merge(book, k, o, today=TODAY)
    assert not book.conn.in_transaction
    assert snapshot(book) == before
    assert book.get_contact(o).name == "Juergen Mueller"


def test_merging_a_contact_with_itself_or_a_trashed_one_is_refused(book, people):
    k, o = people["k"], people["o"]
    with pytest.raises(MergeError):
        merge(book, k, k, today=TODAY)
    book.trash_contact(o)
    with pytest.raises(NotFound):
        merge(book, k, o, today=TODAY)


def test_an_earlier_merge_waits_until_a_later_one_is_undone(book, people):
    k, o, t = people["k"], people["o"], people["t"]
    before = snapshot(book)
    first = merge(book, k, o, today=TODAY)
    second = merge(book, t, k, today=TODAY)
    with pytest.raises(MergeError, match="undo that merge first"):
        undo_merge(book, first.merge_id, today=TODAY)
    undo_merge(book, second.merge_id, today=TODAY)
    undo_merge(book, first.merge_id, today=TODAY)
    assert snapshot(book) == before


def test_restore_of_a_merged_contact_undoes_the_merge(book, people):
    k, o = people["k"], people["o"]
    before = snapshot(book)
    merge(book, k, o, today=TODAY)
    assert restore_merged(book, o, today=TODAY).other_id == o
    assert snapshot(book) == before
    t = people["t"]
    book.trash_contact(t)
    assert restore_merged(book, t, today=TODAY) is None  # an ordinary trashed contact


def test_an_introduction_id_taken_meanwhile_comes_back_under_a_new_id(book, people):
    k, o, t = people["k"], people["o"], people["t"]
    result = merge(book, k, o, today=TODAY)
    # The removed introduction had the highest id; SQLite hands it out again.
    book.add_introduction(k, t, on=TODAY, note="after")
    undo_merge(book, result.merge_id, today=TODAY)
    notes = sorted(i.note for i in book.introductions_for(o))
    assert notes == ["", "both brew beer", "thought they were two people"]


def test_emptying_the_trash_drops_the_merge_record_with_the_merged_contact(book, people):
    k, o = people["k"], people["o"]
    merge(book, k, o, today=TODAY)
    empty_trash(book)
    assert store_merge.merges(book) == []
    assert book.get_contact(k).emails == ("jm@example.com", "juergen@example.org")
    assert len(book.interactions_for(k)) == 5


def test_find_merges_by_the_merged_contacts_id_or_name(book, people):
    k, o = people["k"], people["o"]
    result = merge(book, k, o, today=TODAY)
    assert [m.id for m in dupes.find_merges(book, str(o))] == [result.merge_id]
    assert [m.id for m in dupes.find_merges(book, "juergen")] == [result.merge_id]
    assert dupes.find_merges(book, "Sam") == []


def test_who_the_other_was_not_the_kept_contact_is_not_either(book, people):
    k, o, t = people["k"], people["o"], people["t"]
    store_merge.dismiss_pair(book, o, t)
    before = snapshot(book)
    result = merge(book, k, o, today=TODAY)
    assert (min(k, t), max(k, t)) in store_merge.dismissed_pairs(book)
    undo_merge(book, result.merge_id, today=TODAY)
    assert snapshot(book) == before


def test_undoing_the_first_of_two_merges_into_one_person_takes_only_its_values_back(book):
    """C ← A, then C ← B; undo the A merge: A's e-mail and phone went back to A but stayed
    on C too (the later merge had changed C's lists, so they counted as 'edited since')."""
    c = book.add_contact("Marie C", today=TODAY, emails=["marie@c.fr"], tags=["physics"])
    a = book.add_contact("Marie A", today=TODAY, emails=["Marie@A.fr"], phones=["+33 1 11"], tags=["Chemistry"])
    b = book.add_contact("Marie B", today=TODAY, emails=["marie@b.fr"], phones=["+33 2 22"], tags=["nobel"])
    first = merge(book, c, a, today=TODAY)
    merge(book, c, b, today=TODAY)
    book.update_contact(c, today=TODAY, add_emails=["marie@home.fr"])  # an edit since, kept
    undone = undo_merge(book, first.merge_id, today=TODAY)
    kept, back = book.get_contact(c), book.get_contact(a)
    assert kept.emails == ("marie@c.fr", "marie@b.fr", "marie@home.fr")
    assert kept.phones == ("+33 2 22",)
    assert sorted(kept.tags) == ["nobel", "physics"]
    assert (back.emails, back.phones, back.tags) == (("Marie@A.fr",), ("+33 1 11",), ("Chemistry",))
    assert undone.kept_changes == ()
    assert [p.name for p in book.list_contacts(tag="chemistry")] == ["Marie A"]
