"""`kontakt stats`: the tables, the JSON contract, and its refusals."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.cli.stats import sparkline
from kontakt.domain import Cadence
from kontakt.store import Book

TODAY = "2026-11-23"
AS_OF = date(2026, 11, 23)
HOSTILE = "[bold]Mallory[/bold] [@click=app.quit]"


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "book.db"
    with Book.open(path) as book:
        book.set_circle_cadence("breakfast", Cadence(1, "week"), today=AS_OF)
        mallory = book.add_contact(HOSTILE, today=AS_OF, tags=["breakfast"],
                                   created_at="2025-01-01T09:00:00+01:00")
        anna = book.add_contact("Anna Berger", today=AS_OF, tags=["breakfast"],
                                created_at="2025-01-01T09:00:00+01:00")
        olga = book.add_contact("Olga Petrova", today=AS_OF, created_at="2025-01-01T09:00:00+01:00")
        # Mallory: weekly by her circle, seen monthly (gaps 31, 30, 31 days).
        for day in ("2026-07-20", "2026-08-20", "2026-09-19", "2026-10-20"):
            book.log_interaction([mallory], on=date.fromisoformat(day), today=AS_OF)
        book.log_interaction([mallory, anna], on=date(2026, 11, 19), kind="meeting", today=AS_OF)
        book.add_favour(olga, direction="given", description="helped move", on=date(2026, 10, 3), weight=3)
        intro = book.add_introduction(anna, olga, on=date(2026, 5, 4))
        book.set_introduction_outcome(intro, "[red]they[/red] are friends now", on=date(2026, 6, 1))
    return path


@pytest.fixture
def kontakt(db, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    monkeypatch.setenv("COLUMNS", "80")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, ["stats", "--db", str(db), *args], catch_exceptions=False)

    return run


def test_stats_json_has_every_figure_in_its_documented_shape(kontakt):
    result = kontakt("--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"as_of", "circle", "rhythm", "balance", "drift", "circles", "introductions",
                         "cadence_suggestions", "let_drift",
                         "one_sided"}
    assert (data["as_of"], data["circle"]) == (TODAY, None)

    rhythm = data["rhythm"]
    assert len(rhythm["weeks"]) == 52 and len(rhythm["months"]) == 12
    assert rhythm["weeks"][-1] == {"start": "2026-11-17", "end": TODAY, "interactions": 1}
    assert rhythm["months"][-1] == {"month": "2026-11", "interactions": 1, "complete": False}
    assert rhythm["total"] == 5
    assert rhythm["busiest_month"] == {"month": "2026-10", "interactions": 1}
    assert rhythm["quietest_month"] == {"month": "2026-06", "interactions": 0}
    assert rhythm["circles"][0]["circle"] == "breakfast"
    assert rhythm["circles"][0]["total"] == 5

    balance = data["balance"]
    assert (balance["given"], balance["received"]) == (5, 0)  # 3 + an introduction to each
    assert balance["given_most"][0] == {
        "id": 3, "name": "Olga Petrova", "given": 4, "received": 0, "net": 4,
        "wording": "you've helped Olga a lot lately",
    }
    assert balance["received_most"] == []

    (drift,) = data["drift"]
    assert drift["name"] == HOSTILE
    assert drift["cadence"] == "every week" and drift["own_cadence"] is False
    assert drift["gaps"] == [30, 31, 30, 31]
    assert drift["rhythm_days"] == 30.5
    assert drift["suggested_cadence"] == "every month"
    assert drift["suggested_label"] == "monthly"
    assert (drift["last_contact"], drift["days_since"]) == ("2026-11-19", 4)

    (breakfast,) = data["circles"]
    assert breakfast == {
        "circle": "breakfast", "cadence": "every week", "members": 2, "with_cadence": 2,
        "in_touch": 2, "in_touch_share": 1.0, "last_group_meeting": "2026-11-19",
        "last_group_size": 2,
    }
    intros = data["introductions"]
    assert (intros["made"], intros["with_outcome"], intros["waiting"]) == (1, 1, 0)
    # An outcome noted without a result is an answer, but not a success: only "worked" is.
    assert (intros["worked"], intros["fizzled"]) == (0, 0)
    assert intros["recent_outcomes"][0]["outcome"] == "[red]they[/red] are friends now"
    assert intros["recent_outcomes"][0]["result"] == "unknown"


def test_stats_as_of_looks_back_from_that_day(kontakt):
    data = json.loads(kontakt("--json", "--as-of", "2026-08-31").stdout)
    assert data["as_of"] == "2026-08-31"
    assert data["rhythm"]["months"][-1] == {"month": "2026-08", "interactions": 1, "complete": True}
    assert data["drift"] == []  # two interactions by then: one gap is not a rhythm


def test_stats_for_one_circle(kontakt):
    data = json.loads(kontakt("--json", "--circle", "breakfast").stdout)
    assert data["circle"] == "breakfast"
    assert [c["circle"] for c in data["circles"]] == ["breakfast"]
    assert data["balance"]["given_most"][0]["name"] == "Anna Berger"  # Olga is in no circle


def test_stats_tables_show_user_data_literally_within_80_columns(kontakt):
    result = kontakt()
    assert result.exit_code == 0, result.output
    out = result.stdout
    for section in ("Rhythm", "Balance", "Drift", "Circles", "Introductions"):
        assert f"\n{section}" in out
    assert "[bold]Mallory" in out  # markup in a name is shown, never applied
    assert "[red]they[/red] are friends now" in out
    # The balance said once, with names; no line per person.
    assert "You've helped Olga a lot lately, and Anna too." in out
    assert out.count("you've helped") == 0
    assert "In touch: of the members a cadence applies to" in out
    assert "monthly" in out
    assert "busiest month Oct 2026 (1)" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_stats_refuses_an_unknown_circle_in_one_line(kontakt):
    result = kontakt("--circle", "chess")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip() == "Error: no circle named 'chess' (circles: breakfast)"


def test_stats_refuses_an_ambiguous_date(kontakt):
    result = kontakt("--as-of", "03/04/2026")
    assert result.exit_code == 1
    assert "--as-of" in result.stderr and "ambiguous" in result.stderr
    assert "Traceback" not in result.output


def test_stats_help_shows_an_example(kontakt):
    result = CliRunner().invoke(main, ["stats", "--help"])
    assert result.exit_code == 0
    assert "Example: kontakt stats" in result.stdout


def test_sparklines_keep_any_activity_visible_next_to_none():
    assert sparkline([0, 1, 7]) == "▁▂█"
    assert sparkline([0, 0, 0]) == "▁▁▁"
    assert sparkline([2, 4, 6, 8]) == "▃▅▇█"
    assert sparkline([]) == ""
