"""`kontakt drift`: letting someone drift sticks (show, list and today agree), is listed, and
`--undo` brings them back; `kontakt undo` takes it back too. Plus the m015 migration of the
old "snoozed for ever" let-drift into an opt-out."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from book_cli import kontakt_on
from kontakt.domain import Cadence
from kontakt.store import Book

TODAY = date(2026, 11, 23)
ADDED = "2025-01-01T09:00:00+00:00"


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "book.db"
    with Book.open(path) as book:
        book.set_circle_cadence("breakfast", Cadence.parse("weekly"), today=TODAY)
        katrin = book.add_contact("Katrin Berg", today=TODAY, tags=["breakfast"], created_at=ADDED)
        sam = book.add_contact("Sam Rivers", today=TODAY, tags=["breakfast"], created_at=ADDED)
        olga = book.add_contact("Olga Petrova", today=TODAY, cadence=Cadence.parse("monthly"),
                                created_at=ADDED)
        for who in (katrin, sam, olga):
            book.log_interaction([who], on=TODAY - timedelta(days=60), today=TODAY)
    return path


@pytest.fixture
def kontakt(db, monkeypatch, tmp_path):
    return kontakt_on(db, monkeypatch, TODAY, config=tmp_path / "config.toml", db_first=True,
                      catch_exceptions=False)


def names_due(kontakt) -> list[str]:
    return sorted(i["name"] for i in json.loads(kontakt("today", "--all", "--json").stdout))


def test_drift_takes_a_circle_member_out_for_good_and_show_list_today_agree(kontakt, db):
    assert names_due(kontakt) == ["Katrin Berg", "Olga Petrova", "Sam Rivers"]

    result = kontakt("drift", "katrin")

    assert result.exit_code == 0
    assert result.stdout.startswith("letting Katrin Berg drift: out of their circle's cadence")
    assert names_due(kontakt) == ["Olga Petrova", "Sam Rivers"]
    shown = json.loads(kontakt("show", "katrin", "--json").stdout)
    assert shown["next_due"] is None and shown["effective_cadence"] is None
    assert shown["let_drift"] is True
    assert "let drift (was every week from circle)" in kontakt("show", "katrin").stdout
    listed = {c["name"]: c for c in json.loads(kontakt("list", "--json").stdout)}
    assert listed["Katrin Berg"]["next_due"] is None
    assert listed["Sam Rivers"]["next_due"] == "2026-10-01" and listed["Sam Rivers"]["let_drift"] is False
    table = kontakt("list").stdout.splitlines()
    assert "due" not in next(line for line in table if "Katrin" in line).split()
    assert "due" in next(line for line in table if "Sam" in line).split()
    # A group breakfast with her later does not bring the circle's cadence back.
    assert kontakt("log", "katrin", "sam", "--kind", "meeting").exit_code == 0
    assert json.loads(kontakt("show", "katrin", "--json").stdout)["next_due"] is None
    with Book.open(db) as book:
        assert book.conn.execute(
            "SELECT count(*) FROM review_state WHERE kind = 'let-drift'").fetchone()[0] == 1


def test_drift_list_names_everyone_let_drift_and_undo_brings_one_back(kontakt, db):
    assert kontakt("drift").stdout == "Nobody is let drift.\n"
    assert json.loads(kontakt("drift", "--list", "--json").stdout) == []
    kontakt("drift", "katrin")
    kontakt("drift", "olga")

    listed = json.loads(kontakt("drift", "--list", "--json").stdout)
    assert listed == [
        {"id": 1, "name": "Katrin Berg", "since": "2026-11-23", "cadence": "every week",
         "from_circle": True, "last_contact": "2026-09-24"},
        {"id": 3, "name": "Olga Petrova", "since": "2026-11-23", "cadence": "every month",
         "from_circle": False, "last_contact": "2026-09-24"},
    ]
    table = kontakt("drift", "--list").stdout.splitlines()
    assert len(table) == 3 and "Katrin Berg" in table[0] and "was every week (circle)" in table[0]
    assert table[-1] == "bring someone back with: kontakt drift --undo NAME"

    back = kontakt("drift", "--undo", "olga")

    assert back.stdout == "brought Olga Petrova back: every month, due now\n"
    assert [d["name"] for d in json.loads(kontakt("drift", "--json", "--list").stdout)] == ["Katrin Berg"]
    assert names_due(kontakt) == ["Olga Petrova", "Sam Rivers"]
    again = kontakt("drift", "--undo", "olga")
    assert again.exit_code == 1 and "Olga Petrova was not let drift" in again.stderr
    # kontakt undo takes back the bringing back: Olga is let drift again.
    assert kontakt("undo").exit_code == 0
    assert names_due(kontakt) == ["Sam Rivers"]


def test_drift_refuses_mixed_arguments_in_one_line(kontakt):
    for args, message in (
        (("drift", "sam", "--list"), "not both"),
        (("drift", "sam", "--json"), "--json goes with --list"),
        (("drift", "--undo"), "--undo needs the REF"),
    ):
        result = kontakt(*args)
        assert result.exit_code == 2 and message in result.stderr
        assert "Traceback" not in result.output
    missing = kontakt("drift", "nobody")
    assert missing.exit_code == 1 and "no contact matches 'nobody'" in missing.stderr


def test_m013_turns_the_old_snoozed_for_ever_into_an_opt_out(db):
    from sqlite_utils import Database

    from kontakt.store.migrations import m015_let_drift

    with Book.open(db) as book:
        katrin = book.find("katrin").id
        # What the old let-drift wrote for a circle member: two snoozes until 9999-12-31.
        with book.write():
            for kind in ("keep-in-touch", "drifting"):
                book.conn.execute(
                    "INSERT INTO review_state (kind, ref_id, contact_id, snoozed_until) "
                    "VALUES (?, ?, ?, '9999-12-31')", (kind, katrin, katrin))
        assert book.get_contact(katrin).next_due is not None
        with book.write():
            m015_let_drift(Database(book.conn))
            m015_let_drift(Database(book.conn))  # idempotent
        kinds = [r[0] for r in book.conn.execute(
            "SELECT kind FROM review_state WHERE ref_id = ?", (katrin,))]
        assert kinds == ["let-drift"]
        contact = book.get_contact(katrin)
        assert contact.next_due is None and contact.drift_cadence == Cadence.parse("weekly")


def test_a_cadence_chosen_for_someone_let_drift(kontakt):
    kontakt("drift", "olga")
    # edit --every keeps the opt-out and says how to end it …
    edited = kontakt("edit", "olga", "--every", "2 weeks")
    assert edited.stdout.splitlines()[-1] == (
        "Olga Petrova is let drift; `kontakt drift --undo 3` brings them back to it")
    assert json.loads(kontakt("show", "olga", "--json").stdout)["next_due"] is None
    # … while accepting a cadence is choosing to keep in touch: it brings her back.
    assert kontakt("cadence", "--accept", "olga", "--every", "weekly").exit_code == 0
    shown = json.loads(kontakt("show", "olga", "--json").stdout)
    assert shown["let_drift"] is False and shown["next_due"] == "2026-10-01"
    assert json.loads(kontakt("drift", "--list", "--json").stdout) == []


def test_undo_list_names_each_step_in_words(kontakt):
    kontakt("drift", "sam")
    kontakt("drift", "--undo", "sam")
    kontakt("cadence", "--accept", "sam", "--every", "monthly")
    steps = kontakt("undo", "--list").stdout.splitlines()
    assert "keep in touch with Sam Rivers every month" in steps[0]
    assert "bring Sam Rivers back" in steps[1] and "let Sam Rivers drift" in steps[2]
