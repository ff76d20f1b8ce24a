"""One missed breakfast is one prompt: a circle whose members are overdue together is one
Today item, and `kontakt done '#breakfast'` logs one group interaction with them."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from book_cli import kontakt_on
from kontakt.config import Config
from kontakt.domain import Cadence
from kontakt.services import review
from kontakt.store import Book

TODAY = date(2026, 11, 23)
ADDED = "2025-01-01T09:00:00+00:00"
BREAKFAST = ["Anna", "Bernd", "Clara", "Dieter", "Eva", "Fritz", "Gerda", "Heidi", "Ines",
             "Jakob", "Karl"]


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "book.db"
    with Book.open(path) as book:
        book.set_circle_cadence("breakfast", Cadence.parse("weekly"), today=TODAY)
        ids = [book.add_contact(f"{n} Frühstück", today=TODAY, tags=["breakfast"], created_at=ADDED)
               for n in BREAKFAST]
        # The last breakfast all eleven came to was three weeks ago.
        book.log_interaction(ids, on=TODAY - timedelta(weeks=3), kind="meeting", today=TODAY)
        olga = book.add_contact("Olga Petrova", today=TODAY, cadence=Cadence.parse("monthly"),
                                created_at=ADDED)
        book.log_interaction([olga], on=TODAY - timedelta(days=50), today=TODAY)
    return path


@pytest.fixture
def kontakt(db, monkeypatch, tmp_path):
    return kontakt_on(db, monkeypatch, TODAY, config=tmp_path / "config.toml", db_first=True,
                      catch_exceptions=False)


def test_eleven_overdue_members_are_one_item_not_eleven(kontakt):
    items = json.loads(kontakt("today", "--all", "--json").stdout)

    assert [(i["kind"], i["name"]) for i in items] == [("circle", "#breakfast"),
                                                        ("keep-in-touch", "Olga Petrova")]
    circle = items[0]
    assert circle["reason"] == "11 people not seen for 3 weeks (every week) — log the last meeting?"
    assert circle["circle"] == "breakfast" and len(circle["members"]) == 11
    table = kontakt("today").stdout
    assert "#breakfast" in table and "Anna" not in table
    assert kontakt("today", "--brief").stdout == "1 person and the #breakfast circle today: Olga\n"


def test_done_on_the_circle_logs_one_group_meeting_and_counts_once(kontakt, db):
    result = kontakt("done", "#breakfast", "--note", "at Café Luitpold")

    assert result.exit_code == 0, result.output
    assert result.stdout == "logged a meeting with #breakfast (11 people) on 2026-11-23\n"
    with Book.open(db) as book:
        anna = book.find("anna")
        latest = book.interactions_for(anna.id)[0]
        assert (latest.date, latest.kind, latest.note) == (TODAY, "meeting", "at Café Luitpold")
        assert len(latest.contact_ids) == 11
        assert anna.next_due == TODAY + timedelta(weeks=1)
        assert review.day_budget(book, TODAY, Config()).done == 1
    items = json.loads(kontakt("today", "--all", "--json").stdout)
    assert [i["name"] for i in items] == ["Olga Petrova"]
    # kontakt undo takes the whole meeting back: the circle is one item again.
    assert kontakt("undo").exit_code == 0
    assert json.loads(kontakt("today", "--all", "--json").stdout)[0]["name"] == "#breakfast"


def test_snoozing_the_circle_snoozes_its_members_together(kontakt):
    assert kontakt("snooze", "#breakfast", "--for", "3 days").exit_code == 0
    assert [i["name"] for i in json.loads(kontakt("today", "--all", "--json").stdout)] == ["Olga Petrova"]


def test_below_the_threshold_members_are_listed_one_by_one(kontakt, db):
    with Book.open(db) as book:
        # Nine of the eleven met last week: two overdue are two people, not a missed meeting.
        ids = [book.find(n).id for n in BREAKFAST[:9]]
        book.log_interaction(ids, on=TODAY - timedelta(days=2), kind="meeting", today=TODAY)
    items = json.loads(kontakt("today", "--all", "--json").stdout)
    assert sorted(i["name"] for i in items if i["kind"] == "keep-in-touch") == [
        "Jakob Frühstück", "Karl Frühstück", "Olga Petrova"]
    assert not [i for i in items if i["kind"] == "circle"]
    result = kontakt("done", "#breakfast")
    assert result.exit_code == 1 and "no prompt for #breakfast today" in result.stderr
    unknown = kontakt("done", "#lunch")
    assert unknown.exit_code == 1 and "no circle called 'lunch'" in unknown.stderr


def test_the_threshold_rule_in_the_service(db):
    with Book.open(db) as book:
        config = Config()
        # Three of eleven overdue: three is the minimum, but under half the circle.
        ids = [book.find(n).id for n in BREAKFAST[:8]]
        book.log_interaction(ids, on=TODAY, kind="meeting", today=TODAY)
        assert review.circle_item(book, "breakfast", TODAY, config) is None
        # A small circle of four, three overdue: one item.
        book.set_circle_cadence("chess", Cadence.parse("every 2 weeks"), today=TODAY)
        chess = [book.add_contact(f"Chess {n}", today=TODAY, tags=["chess"], created_at=ADDED)
                 for n in range(4)]
        book.log_interaction(chess[:1], on=TODAY, today=TODAY)
        item = review.circle_item(book, "#Chess", TODAY, config)
        assert item is not None and item.members == tuple(chess[1:]) and item.kind == "circle"
        assert review.CIRCLE_MIN_OVERDUE == 3 and review.CIRCLE_MIN_SHARE == 0.5


def test_a_member_of_two_circles_counts_for_the_one_whose_cadence_is_theirs(tmp_path):
    with Book.open(tmp_path / "two.db") as book:
        config = Config()
        book.set_circle_cadence("walks", Cadence.parse("weekly"), today=TODAY)
        book.set_circle_cadence("choir", Cadence.parse("monthly"), today=TODAY)
        both = [book.add_contact(f"Both {n}", today=TODAY, tags=["walks", "choir"], created_at=ADDED)
                for n in range(3)]
        singers = [book.add_contact(f"Singer {n}", today=TODAY, tags=["choir"], created_at=ADDED)
                   for n in range(3)]
        book.log_interaction(both + singers, on=TODAY - timedelta(days=20), today=TODAY)
        # All six are overdue, but the three in both circles are weekly: they are the walks'.
        walks = review.circle_item(book, "walks", TODAY, config)
        assert walks is not None and set(walks.members) == set(both)
        assert review.circle_item(book, "choir", TODAY, config) is None  # 20 days: monthly is fine
        later = TODAY + timedelta(days=20)
        choir = review.circle_item(book, "choir", later, config)
        assert choir is not None and set(choir.members) == set(singers)
        items = review.build_review(book, later, config, limit=None).items
        assert sorted(i.name for i in items if i.kind == "circle") == ["#choir", "#walks"]
        assert not [i for i in items if i.kind == "keep-in-touch"]  # none listed twice


def test_counts_leave_the_circles_members_out(db):
    with Book.open(db) as book:
        config = Config()
        full = review.build_review(book, TODAY, config, limit=1)
        assert full.counts["circle"] == 1 and full.counts["keep-in-touch"] == 1  # Olga
        assert full.more == 1
        brief = review.build_review(book, TODAY, config, limit=1, totals=False)
        assert all(count >= 0 for count in brief.counts.values())
        everything = review.build_review(book, TODAY, config, limit=None)
        assert everything.counts["keep-in-touch"] == 1 and len(everything.items) == 2
