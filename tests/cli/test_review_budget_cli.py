"""The daily budget across CLI invocations on one book: today, --brief, --more, pause, resume,
done on follow-ups, bare weekdays, past follow-ups refused."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.domain import Cadence
from kontakt.store import Book

TODAY = date(2026, 11, 23)  # a Monday
ADDED = "2025-01-01T09:00:00+00:00"
NAMES = ["Anna Berger", "Bernd Fuchs", "Clara Huber", "Dieter Graf", "Eva Lang",
         "Fritz Moser", "Gerda Nagel", "Heidi Ortner"]


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "book.db"
    with Book.open(path) as book:
        for n, name in enumerate(NAMES):
            contact_id = book.add_contact(name, today=TODAY, cadence=Cadence.parse("weekly"),
                                          created_at=ADDED)
            book.log_interaction([contact_id], on=TODAY - timedelta(days=30 - n), today=TODAY)
    return path


@pytest.fixture
def kontakt(db, monkeypatch, tmp_path):
    """Run `kontakt --db <tmp> ARGS…` in-process; each call a fresh invocation (and book)."""
    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())
    monkeypatch.setenv("KONTAKT_CONFIG", str(tmp_path / "config.toml"))
    runner = CliRunner()

    def run(*args: str, day: date = TODAY):
        monkeypatch.setenv("KONTAKT_TODAY", day.isoformat())
        return runner.invoke(main, ["--db", str(db), *args], catch_exceptions=False)

    return run


def first(name: str) -> str:
    return name.split()[0].lower()


def test_five_handled_in_separate_runs_use_the_day_and_more_shows_the_rest(kontakt):
    listed = json.loads(kontakt("today", "--json").stdout)
    assert len(listed) == 5
    # Five handled, each in its own invocation, by done, snooze and skip.
    for name, action in zip([i["name"] for i in listed], ["done", "done", "snooze", "done", "snooze"]):
        result = kontakt(action, first(name))
        assert result.exit_code == 0, result.output

    brief = kontakt("today", "--brief")
    assert brief.stdout == "that's it for today — 5 of 5 done\n"
    plain = kontakt("today")
    assert plain.exit_code == 0
    assert plain.stdout == ("that's it for today — 5 of 5 done; "
                            "`kontakt today --more` shows the rest\n")
    as_json = json.loads(kontakt("today", "--json", "--with-budget").stdout)
    assert as_json == {"items": [], "budget": {"cap": 5, "done": 5, "left": 0, "paused_until": None}}
    assert json.loads(kontakt("today", "--json").stdout) == []  # the array stays an array

    more = kontakt("today", "--more")
    handled = {i["name"] for i in listed}
    rest = [n for n in NAMES if n not in handled]
    assert len(rest) == 3
    assert all(name in more.stdout for name in rest)
    assert not any(name in more.stdout for name in handled)

    # The next day the budget is fresh (the snoozed two are back, the rest still due).
    tomorrow = TODAY + timedelta(days=1)
    fresh = json.loads(kontakt("today", "--json", "--with-budget", day=tomorrow).stdout)
    assert fresh["budget"] == {"cap": 5, "done": 0, "left": 5, "paused_until": None}
    assert len(fresh["items"]) == 5
    assert kontakt("today", "--brief", day=tomorrow).stdout.startswith("5 people today: ")


def test_a_partly_used_budget_shows_what_is_left_and_says_how_many_are_done(kontakt):
    assert kontakt("done", "anna", "--kind", "call").exit_code == 0
    assert kontakt("done", "bernd").exit_code == 0
    out = kontakt("today").stdout
    rows = [line for line in out.splitlines() if line.startswith("keep-in-touch")]
    assert len(rows) == 3
    assert out.splitlines()[-1] == "2 of 5 done today"
    assert kontakt("today", "--brief").stdout.startswith("3 people today: ")


def test_nothing_left_and_nothing_more_due_says_so_without_a_hint(kontakt, db):
    with Book.open(db) as book:  # only five due: the rest got in touch yesterday
        for name in NAMES[5:]:
            book.log_interaction([book.find(first(name)).id], on=TODAY, today=TODAY)
    for name in NAMES[:5]:
        assert kontakt("done", first(name)).exit_code == 0
    assert kontakt("today").stdout == "that's it for today — 5 of 5 done\n"


def test_weekday_caps_from_the_config(kontakt, tmp_path):
    (tmp_path / "config.toml").write_text("[review]\ndaily_cap_weekdays = {mon = 0, tue = 2}\n")
    assert kontakt("today").stdout == ("a day off — no review today; "
                                       "`kontakt today --more` shows the rest\n")
    assert kontakt("today", "--brief").stdout == ""  # a day off is quiet in a shell
    tuesday = TODAY + timedelta(days=1)
    assert len(json.loads(kontakt("today", "--json", day=tuesday).stdout)) == 2


def test_pause_until_then_return_without_a_wall(kontakt):
    result = kontakt("pause", "--until", "2027-01-02")
    assert result.exit_code == 0 and "2027-01-02" in result.stdout
    during = TODAY + timedelta(days=10)
    assert kontakt("today", "--brief", day=during).stdout == ""
    assert kontakt("today", day=during).stdout.startswith("paused until Sat 2027-01-02")
    assert len(json.loads(kontakt("today", "--json", "--more", day=during).stdout)) == 5
    back = date(2027, 1, 2)
    returned = json.loads(kontakt("today", "--json", "--with-budget", day=back).stdout)
    assert returned["budget"]["left"] == 5 and len(returned["items"]) == 5  # a day's worth


def test_resume_ends_the_pause_today(kontakt):
    assert kontakt("resume").stdout == "the review is not paused\n"
    kontakt("pause", "--for", "2 weeks")
    assert kontakt("today", "--brief").stdout == ""
    assert "resumed" in kontakt("resume").stdout
    assert kontakt("today", "--brief").stdout.startswith("5 people today: ")


@pytest.mark.parametrize("args, words", [
    (["pause"], "give --until DATE or --for DURATION"),
    (["pause", "--until", "yesterday"], "is not after today"),
    (["pause", "--until", "someday"], "cannot read date"),
])
def test_pause_refuses_bad_input_with_one_line(kontakt, args, words):
    result = kontakt(*args)
    assert result.exit_code != 0
    assert words in result.stderr and "Traceback" not in result.output


def test_done_on_a_follow_up_logs_kind_and_note_unless_no_log(kontakt, db):
    with Book.open(db) as book:
        olga = book.add_contact("Olga Petrova", today=TODAY, created_at=ADDED)
        book.add_follow_up(olga, due=TODAY, note="the move")
        book.add_follow_up(olga, due=TODAY, note="the job")
    result = kontakt("done", "olga", "--kind", "call", "--note", "all settled")
    assert result.stdout == "follow-up with Olga Petrova done, logged a call\n"
    result = kontakt("done", "olga", "--no-log")
    assert result.stdout == "follow-up with Olga Petrova done\n"
    with Book.open(db) as book:
        logged = book.interactions_for(olga)
        assert [(i.date, i.kind, i.note) for i in logged] == [(TODAY, "call", "all settled")]
        assert book.get_contact(olga).last_contact == TODAY


def test_a_follow_up_in_the_past_is_refused_like_in_the_app(kontakt, db):
    result = kontakt("follow-up", "anna", "--on", "yesterday")
    assert result.exit_code == 1
    assert result.stderr == ("Error: --on: 2026-11-22 is in the past; "
                             "a follow-up is for today or later\n")
    with Book.open(db) as book:
        assert book.follow_ups_for(book.find("anna").id) == []
    assert kontakt("follow-up", "anna", "--on", "today").exit_code == 0


def test_bare_weekdays_work_where_dates_are_typed(kontakt, db):
    assert kontakt("snooze", "anna", "--until", "friday").stdout.endswith("until 2026-11-27\n")
    assert kontakt("follow-up", "bernd", "--on", "monday").stdout.endswith("on 2026-11-30\n")
    assert "friday" in kontakt("snooze", "--help").stdout


def test_the_readme_review_tour_runs_as_written(kontakt, db):
    """Every command of the README's daily-review block, in order, on a book with Olga and Sam."""
    import shlex

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("The daily review — ", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [shlex.split(line.split("  #", 1)[0]) for line in block.splitlines() if line.strip()]
    assert [c[1] for c in commands] == ["today", "done", "snooze", "today", "today", "pause", "export"]
    with Book.open(db) as book:
        olga = book.add_contact("Olga Petrova", today=TODAY, created_at=ADDED)
        book.add_follow_up(olga, due=TODAY, note="the move")
        sam = book.add_contact("Sam Rivers", today=TODAY, cadence=Cadence.parse("monthly"),
                               created_at=ADDED)
        book.log_interaction([sam], on=TODAY - timedelta(days=90), today=TODAY)
    for command in commands:
        assert command[0] == "kontakt"
        result = kontakt(*command[1:])
        assert result.exit_code == 0, (command, result.output)
    with Book.open(db) as book:
        assert book.interactions_for(olga)[0].kind == "call"
        assert book.get_setting("review.pause_until") == "2027-01-02"
