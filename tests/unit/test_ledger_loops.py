"""The ledger's loops below the CLI and the app: the balance rule, thank-yous, introduction
results, give-back, channels, the m010 upgrade of an older book and the JSON round trip."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from kontakt.config import Config
from kontakt.domain import Cadence, Favour, balance
from kontakt.services import review
from kontakt.services.exporters import json as json_export
from kontakt.services.importers import run_import
from kontakt.store import LATEST_VERSION, Book
from kontakt.store import migrations
from kontakt.store import records as r
from kontakt.store.driver import sqlite3

AS_OF = date(2026, 11, 23)
ADDED = "2025-01-01T09:00:00+00:00"
CONFIG = Config()



def person(book, name, **fields):
    return book.add_contact(name, today=AS_OF, created_at=ADDED, **fields)


# ---------------------------------------------------------------------- the ledger's rule


def favour(direction: str, weight: int, status: str) -> Favour:
    return Favour(1, 1, direction, "x", "help", weight, AS_OF, status)


RULE = [
    # favours, introductions made, (gave, received): written out by hand from the README rule
    ([favour("given", 2, "open")], 0, (2, 0)),
    ([favour("received", 3, "open")], 0, (0, 3)),
    ([favour("received", 3, "returned")], 0, (3, 3)),  # returned: both sides
    ([favour("given", 2, "returned")], 0, (2, 2)),
    ([favour("given", 2, "let go"), favour("received", 1, "let go")], 0, (0, 0)),  # let go: out
    ([favour("given", 1, "open"), favour("received", 2, "returned"), favour("received", 3, "let go")],
     2, (1 + 2 + 2, 2)),
]


@pytest.mark.parametrize("favours, intros, expected", RULE)
def test_the_balance_follows_the_written_rule_in_the_domain_and_the_store(book, favours, intros, expected):
    assert (balance(favours, intros).gave, balance(favours, intros).received) == expected
    ada, other = person(book, "Ada"), person(book, "Other")
    for f in favours:
        book.add_favour(ada, direction=f.direction, description="x", on=AS_OF, weight=f.weight,
                        status=f.status)
    for _ in range(intros):
        book.add_introduction(ada, other, on=AS_OF)
    stored = book.balance(ada)
    assert (stored.gave, stored.received) == expected


# ---------------------------------------------------------------------- thanks


def test_done_on_a_thank_marks_every_unthanked_favour_and_undo_takes_it_back(book):
    jurgen = person(book, "Jürgen Müller")
    first = book.add_favour(jurgen, direction="received", description="deck", on=AS_OF - timedelta(days=9))
    second = book.add_favour(jurgen, direction="received", description="intro", on=AS_OF - timedelta(days=5))
    items = review.build_review(book, AS_OF, CONFIG, limit=None).items
    assert [(i.kind, i.favour_id) for i in items] == [("thank", first), ("thank", second)]
    token = review.mark_done(book, items[0], AS_OF, None)
    assert set(token.thanked) == {first, second}
    assert [r.get_favour(book, f).thanked_on for f in (first, second)] == [AS_OF, AS_OF]
    assert review.build_review(book, AS_OF, CONFIG, limit=None).items == []
    review.undo(book, token)
    assert [r.get_favour(book, f).thanked_on for f in (first, second)] == [None, None]
    assert book.interactions_for(jurgen) == []


def test_settling_a_thank_items_favour_ends_the_prompt_and_undo_reopens_it(book):
    jurgen = person(book, "Jürgen")
    fid = book.add_favour(jurgen, direction="received", description="deck", on=AS_OF - timedelta(days=9))
    (item,) = review.build_review(book, AS_OF, CONFIG, limit=None).items
    token = review.settle_favour(book, item, "returned", AS_OF)
    assert r.get_favour(book, fid).status == "returned"
    assert review.day_budget(book, AS_OF, CONFIG).done == 1
    assert review.build_review(book, AS_OF, CONFIG, limit=None).items == []
    review.undo(book, token)
    assert r.get_favour(book, fid).status == "open"
    assert review.day_budget(book, AS_OF, CONFIG).done == 0


# ---------------------------------------------------------------------- give back


def test_give_back_needs_an_open_imbalance_of_three_and_returned_favours_do_not_count(book):
    olga = person(book, "Olga Ivanova")
    other = person(book, "Sam")
    day = AS_OF - timedelta(days=30)
    book.add_favour(olga, direction="received", description="a", on=day, weight=2)
    book.add_favour(olga, direction="received", description="b", on=day, weight=3, status="returned")
    book.add_favour(olga, direction="received", description="c", on=day, weight=3, status="let go")
    book.add_favour(olga, direction="received", description="old", on=AS_OF - timedelta(days=400), weight=3)
    book.log_interaction([olga], on=day + timedelta(days=1), thanks=True, today=AS_OF)

    def give_backs():
        return [i.name for i in review.build_review(book, AS_OF, CONFIG, limit=None).items
                if i.kind == "give-back"]

    assert give_backs() == []  # open and recent: 2
    book.add_favour(olga, direction="received", description="d", on=day, weight=1)
    book.mark_thanked(olga, on=AS_OF)
    assert give_backs() == ["Olga Ivanova"]  # 3
    book.add_introduction(olga, other, on=day)  # an introduction counts as given
    assert give_backs() == []


def test_give_back_is_offered_every_two_weeks_and_done_quiets_it_for_a_month(book):
    olga = person(book, "Olga")
    book.add_favour(olga, direction="received", description="big", on=AS_OF - timedelta(days=10), weight=3)
    book.mark_thanked(olga, on=AS_OF - timedelta(days=9))

    def offered(day):
        return [i for i in review.build_review(book, day, CONFIG, limit=None).items if i.kind == "give-back"]

    shown = review.build_review(book, AS_OF, CONFIG, limit=None)
    review.record_offers(book, shown, AS_OF)
    assert len(offered(AS_OF)) == 1  # the same day it stays
    assert offered(AS_OF + timedelta(days=13)) == []
    (item,) = offered(AS_OF + timedelta(days=14))
    review.mark_done(book, item, AS_OF + timedelta(days=14))
    assert offered(AS_OF + timedelta(days=43)) == []
    assert len(offered(AS_OF + timedelta(days=44))) == 1


# ---------------------------------------------------------------------- channel


def test_an_items_channel_decides_what_done_logs_unless_a_kind_is_given(book):
    olga = person(book, "Olga", cadence=Cadence.parse("monthly"), channel="coffee")
    book.log_interaction([olga], on=AS_OF - timedelta(days=60), today=AS_OF)
    (item,) = review.build_review(book, AS_OF, CONFIG, limit=None).items
    assert item.channel == "coffee" and item.reason.startswith("have a coffee with Olga — ")
    review.mark_done(book, item, AS_OF, None)
    assert book.interactions_for(olga)[0].kind == "meeting"
    review.mark_done(book, item, AS_OF, "email")
    assert book.interactions_for(olga)[0].kind == "email"


# ---------------------------------------------------------------------- upgrade and round trip


def test_a_schema_9_book_is_upgraded_without_stale_prompts(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    from sqlite_utils import Database

    db = Database(conn)
    for number, migration in enumerate(migrations.MIGRATIONS[:9], start=1):
        migration(db)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.executescript(
        """
        INSERT INTO contacts (id, uid, name, sort_key, created_at, updated_at)
            VALUES (1, 'u1', 'Ada', 'ada', '2026-01-01', '2026-01-01'),
                   (2, 'u2', 'Bob', 'bob', '2026-01-01', '2026-01-01');
        INSERT INTO favours (uid, contact_id, direction, description, kind, weight, date, status,
                             created_at, updated_at)
            VALUES ('f1', 1, 'received', 'answered', 'help', 1, '2026-10-01', 'open', 'x', 'x'),
                   ('f2', 2, 'received', 'waiting', 'help', 1, '2026-10-01', 'open', 'x', 'x');
        INSERT INTO interactions (id, uid, date, kind, created_at)
            VALUES (1, 'i1', '2026-10-05', 'call', 'x'), (2, 'i2', '2026-10-09', 'call', 'x');
        INSERT INTO interaction_contacts VALUES (1, 1), (2, 1);
        INSERT INTO introductions (uid, contact_a, contact_b, date, outcome, created_at)
            VALUES ('n1', 1, 2, '2026-01-01', 'checked', 'x'),
                   ('n2', 2, 1, '2026-02-01', 'they cowork', 'x'),
                   ('n3', 1, 2, '2026-03-01', '', 'x');
        """
    )
    conn.close()
    with Book.open(path) as book:
        assert book.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert [f.thanked_on for f in book.favours_for(1)] == [date(2026, 10, 5)]  # first after
        assert [f.thanked_on for f in book.favours_for(2)] == [None]
        intros = {i.id: (i.result, i.outcome) for i in book.introductions_for(1)}
        assert intros == {1: ("unknown", ""), 2: ("unknown", "they cowork"), 3: (None, "")}
        items = review.build_review(book, AS_OF, CONFIG, limit=None).items
        assert sorted((i.kind, i.name) for i in items) == [("intro-check", "Ada"), ("thank", "Bob")]


def test_the_new_fields_survive_a_json_export_and_restore(book, tmp_path):
    ada = person(book, "Ada", channel="email")
    grace = person(book, "Grace")
    fid = book.add_favour(ada, direction="received", description="x", on=AS_OF - timedelta(days=9))
    book.log_interaction([ada], on=AS_OF, reached_out="them", thanks=True, today=AS_OF)
    book.log_interaction([grace], on=AS_OF, reached_out="mutual", today=AS_OF)
    intro = book.add_introduction(ada, grace, on=AS_OF, asked_first=True)
    book.set_introduction_result(intro, "fizzled", on=AS_OF, note="no spark")
    from kontakt.store.review_queries import ReviewState, put_state

    put_state(book, ReviewState("give-back", ada, ada, snoozed_until=AS_OF + timedelta(days=30),
                                offered_on=AS_OF))
    out = tmp_path / "book.json"
    with out.open("w", encoding="utf-8") as handle:
        json_export.write_book(book, handle)
    with Book.open(tmp_path / "copy.db") as copy:
        report = run_import(copy, out, today=AS_OF)
        assert report.outcome.rejected == [] and report.outcome.warnings == []
        for table, columns in (("contacts", "id, channel"), ("favours", "id, thanked_on"),
                               ("interactions", "id, reached_out, thanks"),
                               ("introductions", "id, result, outcome, asked_first"),
                               ("review_state", "kind, ref_id, contact_id, snoozed_until, offered_on")):
            sql = f"SELECT {columns} FROM {table} ORDER BY 1, 2"
            assert [tuple(x) for x in copy.conn.execute(sql)] == [tuple(x) for x in book.conn.execute(sql)]
        assert r.get_favour(copy, fid).thanked_on == AS_OF
        assert copy.get_contact(ada).channel == "email"


def test_an_older_json_file_brings_no_stale_thanks_and_answers_noted_outcomes(book, tmp_path):
    data = {
        "kontakt": 1,
        "contacts": [{"uid": "a", "name": "Ada"}, {"uid": "b", "name": "Bob"}],
        "interactions": [{"uid": "i", "date": "2026-10-05", "kind": "call", "participants": ["a"]}],
        "favours": [
            {"uid": "f1", "contact": "a", "direction": "received", "description": "x", "date": "2026-10-01"},
            {"uid": "f2", "contact": "b", "direction": "received", "description": "y", "date": "2026-10-01"},
        ],
        "introductions": [{"uid": "n", "a": "a", "b": "b", "date": "2026-01-01", "outcome": "met twice"}],
    }
    source = tmp_path / "old.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    report = run_import(book, source, today=AS_OF)
    assert report.outcome.rejected == []
    thanked = dict(book.conn.execute("SELECT uid, thanked_on FROM favours").fetchall())
    assert thanked == {"f1": "2026-10-05", "f2": None}
    assert tuple(book.conn.execute("SELECT result, outcome FROM introductions").fetchone()) == (
        "unknown", "met twice")


def test_a_merge_keeps_the_other_records_channel_and_its_undo_takes_it_back(book):
    from kontakt.services import dupes

    kept = person(book, "Olga Ivanova", emails=["olga@example.com"])
    other = person(book, "Olga I.", emails=["olga@example.com"], channel="call")
    record = dupes.merge(book, kept, other, today=AS_OF)
    assert book.get_contact(kept).channel == "call"
    dupes.undo_merge(book, record.merge_id, today=AS_OF)
    assert book.get_contact(kept).channel is None and book.get_contact(other).channel == "call"
