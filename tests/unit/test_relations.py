"""Links between people and the journal: both ends see a link (an "introduced me to" read
from the other side), linking twice changes nothing, the trash hides a person's links and
notes and a restore shows them, emptying the trash deletes them; notes order by day."""

from __future__ import annotations

from datetime import date

import pytest

from kontakt.domain.relations import RelationError
from kontakt.domain.timeline import timeline
from kontakt.store import Book, NotFound
from kontakt.store import history
from kontakt.store import relations as rel
from kontakt.store.trash import empty_trash

TODAY = date(2026, 11, 23)


@pytest.fixture
def book(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())
    with Book.open(tmp_path / "book.db") as opened:
        yield opened


@pytest.fixture
def people(book):
    return tuple(book.add_contact(n, today=TODAY) for n in ("Ada Lovelace", "Grace Hopper", "Alan Turing"))


def kinds(book, contact_id):
    return [(r.with_name, r.kind) for r in rel.relationships_for(book, contact_id)]


def count(book, table):
    return book.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_link_shows_on_both_cards_read_from_each_side(book, people):
    ada, grace, alan = people
    made, new = rel.link(book, ada, grace, "introduced me to")
    assert new and made.with_id == grace and made.kind == "introduced me to"
    rel.link(book, ada, alan, "Partner")  # a known kind is stored in lower case
    assert kinds(book, ada) == [("Alan Turing", "partner"), ("Grace Hopper", "introduced me to")]
    assert kinds(book, grace) == [("Ada Lovelace", "met through")]
    assert kinds(book, alan) == [("Ada Lovelace", "partner")]
    rel.link(book, grace, alan, "climbing buddy")  # free text as typed
    assert kinds(book, alan) == [("Ada Lovelace", "partner"), ("Grace Hopper", "climbing buddy")]


def test_linking_again_either_way_changes_nothing(book, people):
    ada, grace, _ = people
    first, _ = rel.link(book, ada, grace, "colleague")
    again, new = rel.link(book, grace, ada, "Colleague")
    assert not new and again.id == first.id
    assert count(book, "relationships") == 1
    rel.link(book, grace, ada, "friend")  # another kind is another link
    assert count(book, "relationships") == 2


def test_bad_links_are_refused_and_nothing_is_written(book, people):
    ada, grace, _ = people
    with pytest.raises(RelationError, match="themselves"):
        rel.link(book, ada, ada, "friend")
    with pytest.raises(RelationError, match="needs a kind"):
        rel.link(book, ada, grace, "  ")
    with pytest.raises(NotFound):
        rel.link(book, ada, 999, "friend")
    with pytest.raises(NotFound, match="no link"):
        rel.unlink(book, ada, grace)
    assert count(book, "relationships") == 0


def test_unlink_from_either_side_and_by_kind(book, people):
    ada, grace, _ = people
    rel.link(book, ada, grace, "colleague")
    rel.link(book, ada, grace, "introduced me to")
    gone = rel.unlink(book, grace, ada, "met through")  # as Grace sees it
    assert [g.kind for g in gone] == ["met through"]
    assert kinds(book, ada) == [("Grace Hopper", "colleague")]
    with pytest.raises(NotFound):
        rel.unlink(book, ada, grace, "partner")
    assert len(rel.unlink(book, grace, ada)) == 1
    assert kinds(book, ada) == kinds(book, grace) == []


def test_the_trash_hides_links_and_notes_and_a_restore_brings_them_back(book, people):
    ada, grace, alan = people
    rel.link(book, ada, grace, "partner")
    rel.link(book, grace, alan, "colleague")
    note = rel.add_note(book, grace, "moved to Berlin", on=date(2026, 11, 1))
    book.trash_contact(grace)
    assert kinds(book, ada) == [] and kinds(book, alan) == []
    assert rel.journal_for(book, grace) == [] and rel.relationships_for(book, grace) == []
    with pytest.raises(NotFound):
        rel.get_note(book, note.id)
    book.restore_contact(grace)
    assert kinds(book, ada) == [("Grace Hopper", "partner")]
    assert [e.text for e in rel.journal_for(book, grace)] == ["moved to Berlin"]
    book.trash_contact(grace)
    assert count(book, "relationships") == 2 and count(book, "journal") == 1  # hidden, kept
    empty_trash(book)
    assert count(book, "relationships") == 0 and count(book, "journal") == 0  # gone with her
    assert kinds(book, ada) == []


def test_journal_add_edit_delete_newest_day_first(book, people):
    ada, grace, _ = people
    old = rel.add_note(book, ada, "  met at a lecture  ", on=date(2026, 1, 5))
    new = rel.add_note(book, ada, "new job\nstarts in May", on=date(2026, 11, 2))
    same_day = rel.add_note(book, ada, "and a dog", on=date(2026, 11, 2))
    rel.add_note(book, grace, "not Ada's", on=date(2026, 11, 3))
    assert old.text == "met at a lecture"
    assert [e.id for e in rel.journal_for(book, ada)] == [same_day.id, new.id, old.id]
    moved = rel.edit_note(book, old.id, on=date(2026, 12, 1), text="met at a lecture, twice")
    assert (moved.date, moved.text) == (date(2026, 12, 1), "met at a lecture, twice")
    assert rel.journal_for(book, ada)[0].id == old.id
    with pytest.raises(RelationError):
        rel.edit_note(book, old.id, text=" ")
    assert rel.delete_note(book, new.id).text == "new job\nstarts in May"
    assert [e.id for e in rel.journal_for(book, ada)] == [old.id, same_day.id]
    with pytest.raises(NotFound):
        rel.delete_note(book, new.id)
    with pytest.raises(RelationError):
        rel.add_note(book, ada, "\n \t", on=TODAY)
    assert count(book, "journal") == 3


def test_notes_are_in_the_timeline_with_their_ids(book, people):
    ada, _, _ = people
    book.log_interaction([ada], on=date(2026, 11, 1), kind="call", today=TODAY)
    note = rel.add_note(book, ada, "new job\nstarts in May", on=date(2026, 11, 2))
    entries = timeline(ada, book.interactions_for(ada), [], [], [], rel.journal_for(book, ada))
    assert [(e.kind, e.id) for e in entries] == [("note", note.id), ("interaction", 1)]
    assert entries[0].text == "note: new job …"


def test_every_write_is_one_undo_step(book, people):
    ada, grace, _ = people
    rel.link(book, ada, grace, "friend")
    note = rel.add_note(book, ada, "hello", on=TODAY)
    rel.delete_note(book, note.id)
    labels = [s.label for s in history.steps(book, limit=3)]
    assert labels == [f"delete journal note:{note.id}", "journal note for Ada Lovelace",
                      "link Ada Lovelace and Grace Hopper (friend)"]


def test_undo_brings_a_deleted_note_and_a_removed_link_back(book, people):
    ada, grace, _ = people
    rel.link(book, ada, grace, "friend")
    note = rel.add_note(book, ada, "hello", on=TODAY)
    rel.delete_note(book, note.id)
    history.undo(book)
    assert rel.get_note(book, note.id).text == "hello"
    rel.unlink(book, ada, grace)
    history.undo(book)
    assert kinds(book, grace) == [("Ada Lovelace", "friend")]


def test_an_import_rejects_bad_links_and_notes_one_by_one(book, people, tmp_path):
    import json

    from kontakt.services.importers import run_import

    ada, grace, _ = people
    uid = {c: book.get_contact(c).uid for c in (ada, grace)}
    data = {
        "kontakt": 2, "contacts": [],
        "relationships": [
            {"a": uid[ada], "b": uid[grace], "kind": "friend"},
            {"a": uid[ada], "b": uid[ada], "kind": "friend"},
            {"a": uid[ada], "b": "no-such-uid", "kind": "friend"},
            {"a": uid[ada], "b": uid[grace], "kind": ""},
        ],
        "journal": [
            {"contact": uid[grace], "date": "2026-11-01", "text": "fine"},
            {"contact": uid[grace], "date": "yesterday", "text": "bad date"},
            {"contact": uid[grace], "date": "2026-11-01", "text": "  "},
            "not an object",
        ],
    }
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    report = run_import(book, path, today=TODAY)
    rejected = dict(report.outcome.rejected)
    assert set(rejected) == {"relationship 2", "relationship 3", "relationship 4",
                             "journal note 2", "journal note 3", "journal note 4"}
    assert "themselves" in rejected["relationship 2"] and "ISO date" in rejected["journal note 2"]
    assert kinds(book, grace) == [("Ada Lovelace", "friend")]
    assert [n.text for n in rel.journal_for(book, grace)] == ["fine"]


def test_a_merge_moves_notes_and_links_and_unmerge_moves_them_back(book, people):
    from kontakt.services.dupes import merge, undo_merge

    ada, grace, alan = people
    twin = book.add_contact("A. Lovelace", today=TODAY)
    rel.link(book, twin, grace, "colleague")
    rel.link(book, alan, twin, "introduced me to")
    rel.link(book, ada, twin, "friend")  # between the two: would link Ada to herself
    rel.add_note(book, twin, "from the twin", on=date(2026, 11, 1))
    rel.add_note(book, ada, "Ada's own", on=date(2026, 11, 2))
    record = merge(book, ada, twin, today=TODAY)
    assert kinds(book, ada) == [("Alan Turing", "met through"), ("Grace Hopper", "colleague")]
    assert [n.text for n in rel.journal_for(book, ada)] == ["Ada's own", "from the twin"]
    assert count(book, "relationships") == 2
    undo_merge(book, record.merge_id, today=TODAY)
    assert kinds(book, ada) == [("A. Lovelace", "friend")]
    assert kinds(book, twin) == [("Ada Lovelace", "friend"), ("Alan Turing", "met through"),
                                 ("Grace Hopper", "colleague")]
    assert [n.text for n in rel.journal_for(book, twin)] == ["from the twin"]
