"""`kontakt cadence --suggest` / `--accept`: cadences suggested from history for everyone with
three or more days of interaction and no cadence, and faster or slower for those with one."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.domain import Cadence
from kontakt.services.stats import cadence_suggestions
from kontakt.store import Book

TODAY = date(2026, 11, 23)
ADDED = "2020-01-01T09:00:00+00:00"


def seen(book, contact_id, every_days, times, *, last_ago=0):
    for n in range(times):
        book.log_interaction([contact_id], on=TODAY - timedelta(days=last_ago + n * every_days),
                             today=TODAY)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """One book for the module: built once, copied per test (through the driver, not file I/O
    on an open book: it is closed here)."""
    path = tmp_path_factory.mktemp("cadence") / "book.db"
    with Book.open(path) as book:
        add = lambda name, **kw: book.add_contact(name, today=TODAY, created_at=ADDED, **kw)  # noqa: E731
        seen(book, add("Ada Lovelace"), 14, 5, last_ago=3)            # new: every 2 weeks
        seen(book, add("Grace Hopper"), 30, 4, last_ago=10)           # new: monthly
        seen(book, add("Two Times"), 7, 2)                            # only two days: none
        seen(book, add("Stale Weekly"), 7, 4, last_ago=400)           # rhythm stopped: none
        seen(book, add("Olga Petrova", cadence=Cadence.parse("monthly")), 7, 6, last_ago=1)  # faster
        seen(book, add("Sam Rivers", cadence=Cadence.parse("weekly")), 60, 5, last_ago=20)   # slower
        drifted = add("Let Go", cadence=Cadence.parse("weekly"))
        seen(book, drifted, 14, 5)
        from kontakt.services.review import let_drift
        let_drift(book, drifted, as_of=TODAY)
    return path


@pytest.fixture
def kontakt(template, tmp_path, monkeypatch):
    db = tmp_path / "book.db"
    db.write_bytes(template.read_bytes())  # the template's book is closed
    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())
    monkeypatch.setenv("KONTAKT_CONFIG", str(tmp_path / "config.toml"))
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, ["--db", str(db), *args], catch_exceptions=False)

    run.db = db
    return run


def test_everyone_with_history_gets_a_suggestion_faster_slower_or_new(kontakt):
    found = json.loads(kontakt("cadence", "--suggest", "--json").stdout)

    assert [(s["name"], s["direction"], s["suggested_cadence"]) for s in found] == [
        ("Sam Rivers", "slower", "every 2 months"),
        ("Olga Petrova", "faster", "every week"),
        ("Ada Lovelace", "new", "every 2 weeks"),
        ("Grace Hopper", "new", "every month"),
    ]
    ada = found[2]
    assert ada["cadence"] is None and ada["interaction_days"] == 5 and ada["rhythm_days"] == 14.0
    table = kontakt("cadence").stdout.splitlines()  # --suggest is the default
    assert len(table) == 5 and "Ada Lovelace" in table[2] and "no cadence" in table[2]
    assert table[-1] == "accept one with: kontakt cadence --accept NAME"
    # stats --json carries the same list.
    stats = json.loads(kontakt("stats", "--json").stdout)
    assert stats["cadence_suggestions"] == found


def test_accepting_gives_the_suggested_cadence_and_it_leaves_the_list(kontakt):
    result = kontakt("cadence", "--accept", "ada")

    assert result.exit_code == 0
    assert result.stdout == "keeping in touch with Ada Lovelace every 2 weeks; next due 2026-12-04\n"
    with Book.open(kontakt.db) as book:
        ada = book.find("ada")
        assert ada.cadence == Cadence(2, "week") and ada.next_due == date(2026, 12, 4)
        assert [s.name for s in cadence_suggestions(book, TODAY)] == [
            "Sam Rivers", "Olga Petrova", "Grace Hopper"]
    other = kontakt("cadence", "--accept", "grace", "--every", "quarterly")
    assert other.stdout.startswith("keeping in touch with Grace Hopper every 3 months")
    assert kontakt("undo").exit_code == 0
    with Book.open(kontakt.db) as book:
        assert book.find("grace").cadence is None


def test_cadence_refuses_what_it_cannot_do_in_one_line(kontakt):
    for args, code, message in (
        (("cadence", "--suggest", "--accept", "ada"), 2, "give --suggest, or --accept REF; not both"),
        (("cadence", "--accept", "ada", "--json"), 2, "--json and --circle go with --suggest"),
        (("cadence", "--suggest", "--every", "weekly"), 2, "--every goes with --accept"),
        (("cadence", "--accept", "two"), 1, "no cadence is suggested for Two Times"),
        (("cadence", "--accept", "ada", "--every", "sometimes"), 1, "--every:"),
        (("cadence", "--suggest", "--circle", "nope"), 1, "nope"),
    ):
        result = kontakt(*args)
        assert result.exit_code == code, (args, result.output)
        assert message in result.stderr and "Traceback" not in result.output


def test_one_contacts_suggestion_agrees_with_the_whole_list(kontakt):
    from kontakt.services.stats import suggestion_for

    with Book.open(kontakt.db) as book:
        listed = {s.contact_id: s for s in cadence_suggestions(book, TODAY)}
        ids = [row[0] for row in book.conn.execute("SELECT id FROM contacts ORDER BY id")]
        each = {i: suggestion_for(book, i, TODAY) for i in ids}
        assert {i for i, s in each.items() if s is not None} == set(listed)
        assert all(each[i] == listed[i] for i in listed)
        assert len(listed) == 4


def test_the_review_offers_one_suggestion_a_day_and_done_accepts_it(kontakt):
    items = json.loads(kontakt("today", "--all", "--json").stdout)
    offers = [i for i in items if i["kind"] == "cadence"]
    # One a day: Ada (five days of history) before Grace (four).
    assert [(i["name"], i["reason"]) for i in offers] == [
        ("Ada Lovelace", "in touch about every 2 weeks lately (5 times) — keep in touch every 2 weeks?")]
    assert "Ada Lovelace" not in kontakt("today", "--brief").stdout  # the shell line never offers
    result = kontakt("done", "ada", "--item", "cadence")
    assert result.stdout == "keeping in touch with Ada Lovelace every 2 weeks\n"
    with Book.open(kontakt.db) as book:
        assert book.find("ada").cadence == Cadence(2, "week")
    # One a day: Grace's turn is tomorrow.
    assert "Grace Hopper" not in kontakt("today", "--all").stdout
    kontakt("undo")
    with Book.open(kontakt.db) as book:
        assert book.find("ada").cadence is None


def test_letting_an_offer_drift_means_never_asked_again(kontakt):
    assert kontakt("drift", "ada").exit_code == 0
    offers = [i["name"] for i in json.loads(kontakt("today", "--all", "--json").stdout)
              if i["kind"] == "cadence"]
    assert offers == ["Grace Hopper"]
    assert "Ada Lovelace" not in kontakt("cadence", "--suggest").stdout


def test_a_shown_offer_comes_back_a_week_later_not_tomorrow(kontakt, monkeypatch):
    assert "Ada Lovelace" in kontakt("today").stdout  # shown today: recorded as offered
    monkeypatch.setenv("KONTAKT_TODAY", (TODAY + timedelta(days=1)).isoformat())
    offers = lambda: [i["name"] for i in json.loads(kontakt("today", "--all", "--json").stdout)  # noqa: E731
                      if i["kind"] == "cadence"]
    assert offers() == ["Grace Hopper"]
    monkeypatch.setenv("KONTAKT_TODAY", (TODAY + timedelta(days=7)).isoformat())
    assert offers() == ["Ada Lovelace"]


def test_skipping_the_days_offer_brings_no_other_one_that_day(kontakt):
    from kontakt.config import Config
    from kontakt.services.review import build_review, skip_for_today

    with Book.open(kontakt.db) as book:
        offer = [i for i in build_review(book, TODAY, Config(), limit=None).items if i.kind == "cadence"]
        assert [i.name for i in offer] == ["Ada Lovelace"]
        skip_for_today(book, offer[0], TODAY)
        assert not [i for i in build_review(book, TODAY, Config(), limit=None).items if i.kind == "cadence"]
        later = [i.name for i in build_review(book, TODAY + timedelta(days=1), Config(), limit=None).items
                 if i.kind == "cadence"]
        assert later == ["Ada Lovelace"]
